package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPolicyYears plays a year of nightly batches through the policy: a
// project built in one batch, then 365 nights of 1 to 5 transcripts, with
// an old transcript edited now and then (its passages masked). Every
// night's shard is merged as the policy says. The shard count stays small
// (for the small project, close to what one batch would write) and each
// passage is rewritten a few times only.
func TestPolicyYears(t *testing.T) {
	for _, tc := range []struct {
		name        string
		start       []int // the first batch's shards
		perNight    int   // passages of an average transcript
		most, extra int   // at most this many shards at any time, and this many more than one batch after a year
		rewrites    float64
	}{
		// 1.1 million passages (four full shards and one of 100,000),
		// transcripts of about 250 passages.
		{"large", []int{DefaultShardDocs, DefaultShardDocs, DefaultShardDocs, DefaultShardDocs, 100_000}, 250, 14, 6, 7},
		// The benchmark's years phase: 2 million words (118,862
		// passages), transcripts of 5,000 words (about 316 passages).
		{"small", []int{118_862}, 316, 6, 4, 8},
		// The same phase at 30 million words: seven full shards and one of
		// 62,753 (the benchmark's project after its nightly batch).
		{"30M", []int{DefaultShardDocs, DefaultShardDocs, DefaultShardDocs, DefaultShardDocs, DefaultShardDocs, DefaultShardDocs, DefaultShardDocs, 62_753}, 316, 13, 3, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Policy
			rng := rand.New(rand.NewPCG(1, 2))
			var shards []ShardStats
			for i, docs := range tc.start {
				shards = append(shards, ShardStats{Name: fmt.Sprintf("b1-%03d", i+1), Docs: docs})
			}
			added, written, maxNight, maxCount := 0, 0, 0, 0
			for night := 2; night <= 366; night++ {
				docs := (1 + rng.IntN(5)) * (tc.perNight*8/10 + rng.IntN(tc.perNight*4/10))
				shards = append(shards, ShardStats{Name: fmt.Sprintf("b%d-001", night), Docs: docs})
				added += docs
				if rng.IntN(10) == 0 { // an edit: an old version's passages masked
					s := &shards[rng.IntN(len(shards)-1)]
					s.Masked = min(s.Docs, s.Masked+tc.perNight)
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
					t.Logf("night %d: %d shards (one batch: %d)", night-1, len(shards), oneBatch(shards))
				}
			}
			each := float64(written) / float64(added)
			t.Logf("%d passages added; merges wrote %d (%.1f each), at most %d in a night; at most %d shards",
				added, written, each, maxNight, maxCount)
			if len(shards) > oneBatch(shards)+tc.extra || maxCount > tc.most {
				t.Errorf("%d shards after a year (one batch: %d), at most %d", len(shards), oneBatch(shards), maxCount)
			}
			if maxNight > 2*DefaultShardDocs {
				t.Errorf("a night merged %d passages", maxNight)
			}
			if each > tc.rewrites {
				t.Errorf("each passage written %.1f times by merges", each)
			}
		})
	}
}

// oneBatch is how many shards one batch would write for the live passages.
func oneBatch(shards []ShardStats) int {
	live := 0
	for _, s := range shards {
		live += s.live()
	}
	return (live + DefaultShardDocs - 1) / DefaultShardDocs
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
		{"a full shard with 2,100 masked passages is rewritten", []ShardStats{small("a", 250_000, 0), small("b", 248_000, 2_100)}, []string{"b"}},
		{"one with 1,900 is not", []ShardStats{small("a", 250_000, 0), small("b", 248_000, 1_900)}, nil},
		{"a small masked shard is rewritten", []ShardStats{small("a", 100, 30)}, []string{"a"}},
		{"six of 290,000 are allowed", []ShardStats{small("a", 120_000, 0), small("b", 120_000, 0), small("c", 20_000, 0), small("d", 15_000, 0), small("e", 10_000, 0), small("f", 5_000, 0)}, nil},
		{"a merge never passes MaxDocs", []ShardStats{small("a", 120_000, 0), small("b", 120_000, 0), small("c", 20_000, 0), small("d", 15_000, 0), small("e", 10_000, 0), small("f", 5_000, 0), small("g", 5_000, 0)}, []string{"a", "b", "e"}},
		{"the nights beside the largest small shard are merged into one", []ShardStats{small("a", 250_000, 0), small("b", 80_000, 0), small("c", 4_000, 0), small("d", 900, 0)}, []string{"c", "d"}},
		{"but not once they hold more than an eighth of it", []ShardStats{small("a", 250_000, 0), small("b", 80_000, 0), small("c", 9_000, 0), small("d", 1_200, 0)}, nil},
		{"a shard past half of MaxDocs takes the small ones once they are an eighth of it", []ShardStats{small("a", 160_000, 0), small("b", 15_000, 0), small("c", 6_000, 0)}, []string{"a", "b", "c"}},
		{"the smallest with room", []ShardStats{small("a", 160_000, 0), small("b", 130_000, 0), small("c", 12_000, 0), small("d", 6_000, 0)}, []string{"b", "c", "d"}},
		{"not before", []ShardStats{small("a", 160_000, 0), small("b", 12_000, 0), small("c", 6_000, 0)}, nil},
		{"the least skewed merge", []ShardStats{small("a", 120_000, 0), small("b", 60_000, 0), small("c", 4_000, 0), small("d", 3_000, 0), small("e", 2_000, 0), small("f", 1_000, 0)}, []string{"c", "d", "e", "f"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Policy{}).Next(tc.shards); !slices.Equal(got, tc.want) {
				t.Errorf("Next = %v, want %v", got, tc.want)
			}
		})
	}
}
