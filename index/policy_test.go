package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPolicyYears plays a year of nightly batches through the policy: a
// project of 1.1 million passages built in one batch (four full shards and
// one of 100,000), then 365 nights of 1 to 5 transcripts of about 250
// passages, with an old transcript edited now and then (its passages
// masked). Every night's shard is merged as the policy says. The shard
// count stays small and each passage is rewritten a few times only.
func TestPolicyYears(t *testing.T) {
	var p Policy
	rng := rand.New(rand.NewPCG(1, 2))
	var shards []ShardStats
	for i := range 4 {
		shards = append(shards, ShardStats{Name: fmt.Sprintf("b1-%03d", i+1), Docs: DefaultShardDocs})
	}
	shards = append(shards, ShardStats{Name: "b1-005", Docs: 100_000})
	added, written, maxNight, maxCount := 0, 0, 0, 0
	for night := 2; night <= 366; night++ {
		docs := (1 + rng.IntN(5)) * (200 + rng.IntN(100))
		shards = append(shards, ShardStats{Name: fmt.Sprintf("b%d-001", night), Docs: docs})
		added += docs
		if rng.IntN(10) == 0 { // an edit: an old version's passages masked
			s := &shards[rng.IntN(len(shards)-1)]
			s.Masked = min(s.Docs, s.Masked+250)
		}
		tonight := 0
		for merges := 0; ; merges++ {
			if merges > 20 {
				t.Fatalf("night %d: more than 20 merges", night)
			}
			names := p.Next(shards)
			if names == nil {
				break
			}
			merged := ShardStats{Name: fmt.Sprintf("m%d-%d", night, merges)}
			shards = slices.DeleteFunc(shards, func(s ShardStats) bool {
				if !slices.Contains(names, s.Name) {
					return false
				}
				merged.Docs += s.live()
				return true
			})
			if merged.Docs > DefaultShardDocs {
				t.Fatalf("night %d: a merge of %d passages", night, merged.Docs)
			}
			shards = append(shards, merged)
			tonight += merged.Docs
		}
		written += tonight
		maxNight = max(maxNight, tonight)
		maxCount = max(maxCount, len(shards))
		if night == 91 || night == 181 || night == 366 {
			t.Logf("night %d: %d shards", night-1, len(shards))
		}
	}
	t.Logf("%d passages added; merges wrote %d (%.1f each), at most %d in a night; at most %d shards",
		added, written, float64(written)/float64(added), maxNight, maxCount)
	if len(shards) > 12 || maxCount > 14 {
		t.Errorf("%d shards after a year (at most %d)", len(shards), maxCount)
	}
	if maxNight > 2*DefaultShardDocs {
		t.Errorf("a night merged %d passages", maxNight)
	}
}

func TestPolicy(t *testing.T) {
	small := func(name string, docs, masked int) ShardStats {
		return ShardStats{Name: name, Docs: docs, Masked: masked}
	}
	for _, tc := range []struct {
		name   string
		shards []ShardStats
		want   []string
	}{
		{"none", nil, nil},
		{"one", []ShardStats{small("a", 100, 0)}, nil},
		{"two small: allowed", []ShardStats{small("a", 100, 0), small("b", 120, 0)}, nil},
		{"three small: merged", []ShardStats{small("a", 100, 0), small("b", 120, 0), small("c", 90, 0)}, []string{"b", "a", "c"}},
		{"full shards are left alone", []ShardStats{small("a", 250_000, 0), small("b", 200_000, 0), small("c", 130_000, 0)}, nil},
		{"a full shard mostly masked is rewritten", []ShardStats{small("a", 250_000, 0), small("b", 200_000, 60_000)}, []string{"b"}},
		{"a small masked shard is rewritten", []ShardStats{small("a", 100, 30)}, []string{"a"}},
		{"six of 290,000 are allowed", []ShardStats{small("a", 120_000, 0), small("b", 120_000, 0), small("c", 20_000, 0), small("d", 15_000, 0), small("e", 10_000, 0), small("f", 5_000, 0)}, nil},
		{"a merge never passes MaxDocs", []ShardStats{small("a", 120_000, 0), small("b", 120_000, 0), small("c", 20_000, 0), small("d", 15_000, 0), small("e", 10_000, 0), small("f", 5_000, 0), small("g", 5_000, 0)}, []string{"a", "b", "e"}},
		{"the least skewed merge", []ShardStats{small("a", 120_000, 0), small("b", 60_000, 0), small("c", 4_000, 0), small("d", 3_000, 0), small("e", 2_000, 0), small("f", 1_000, 0)}, []string{"c", "d", "e", "f"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Policy{}).Next(tc.shards); !slices.Equal(got, tc.want) {
				t.Errorf("Next = %v, want %v", got, tc.want)
			}
		})
	}
}
