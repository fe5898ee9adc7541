package stages

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
)

// CompactOptions configure a compaction.
type CompactOptions struct {
	// Budget bounds the time spent: a merge starts only when it is
	// expected to end within it. 0 means no bound (alongside compact).
	Budget time.Duration
	Policy index.Policy // zero: the defaults
	// AfterStage, as for a batch: called as each merge reaches "merge",
	// "register" and "retire".
	AfterStage func(step string)
}

// ShardMerge is one merge a compaction did.
type ShardMerge struct {
	Into    string   `json:"into"` // "" when every passage was dropped
	From    []string `json:"from"`
	Docs    int      `json:"docs"`    // passages written
	Dropped int      `json:"dropped"` // masked passages left out
	Seconds float64  `json:"seconds"`
}

// CompactSummary is what a compaction did.
type CompactSummary struct {
	Merges  []ShardMerge `json:"merges"`
	Shards  int          `json:"shards"` // registered after it
	Dropped int          `json:"dropped"`
	// Waiting is the size in passages of a merge that was due but did
	// not fit the budget (alongside compact runs it).
	Waiting int     `json:"waiting,omitempty"`
	Seconds float64 `json:"seconds"`
}

// mergeRate is the merge speed assumed before this run has measured one,
// in passages a second. It is an estimate, not yet measured at scale (zap
// copies postings without analysing text, so it is far faster than
// indexing); each merge's own speed replaces it for the next.
const mergeRate = 40_000

// Compact merges the project's shards as the merge policy says, under the
// batch lock (a batch and a compaction never run at once). It sweeps what
// a killed batch or compaction left first, so a merge killed half-way is
// planned and done again.
func Compact(ctx context.Context, p Project, opts CompactOptions) (*CompactSummary, error) {
	b := &batchRun{p: p, opts: Options{AfterStage: opts.AfterStage}, now: time.Now}
	unlock, err := b.prepare(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	defer b.st.Close()
	return compact(ctx, p, b.st, opts)
}

// compact runs merges until the policy wants none or the budget is spent.
// Each merge is crash-safe on its own: the new shard is written under a
// temporary name, registered in place of the merged ones in one store
// transaction, and only then are their folders deleted (see package index).
func compact(ctx context.Context, p Project, st *store.Store, opts CompactOptions) (*CompactSummary, error) {
	start := time.Now()
	sum := &CompactSummary{Merges: []ShardMerge{}}
	step := func(s string) {
		if opts.AfterStage != nil {
			opts.AfterStage(s)
		}
	}
	rate := float64(mergeRate)
	root := p.IndexDir()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		shards, masked, err := st.IndexView(ctx)
		if err != nil {
			return nil, err
		}
		sum.Shards = len(shards)
		stats, err := index.Stats(root, shards, masked)
		if err != nil {
			return nil, err
		}
		from := opts.Policy.Next(stats)
		if from == nil {
			break
		}
		docs := 0
		for _, s := range stats {
			if slices.Contains(from, s.Name) {
				docs += s.Docs
			}
		}
		if opts.Budget > 0 && time.Since(start)+time.Duration(float64(docs)/rate*float64(time.Second)) > opts.Budget {
			sum.Waiting = docs
			break
		}
		name, err := mergedName(ctx, st, shards, root)
		if err != nil {
			return nil, err
		}
		step("merge")
		t0 := time.Now()
		res, err := index.Merge(ctx, root, name, from, masked)
		if err != nil {
			if errors.Is(err, index.ErrMergeCancelled) && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		step("register")
		if err := st.ReplaceShards(ctx, store.Shard{Name: res.Shard.Name, Docs: res.Shard.Docs}, from, res.Dropped); err != nil {
			os.RemoveAll(filepath.Join(root, name)) // unregistered: the next run would sweep it anyway
			return nil, err
		}
		step("retire")
		for _, n := range from {
			// Registered no more: a failure here leaves a folder that the
			// next batch or compaction sweeps.
			if err := index.RetireShard(root, n); err != nil {
				return nil, err
			}
		}
		took := time.Since(t0)
		if took > 0 && docs > 0 {
			rate = float64(docs) / took.Seconds()
		}
		sum.Merges = append(sum.Merges, ShardMerge{Into: res.Shard.Name, From: from, Docs: res.Shard.Docs, Dropped: len(res.Dropped), Seconds: took.Seconds()})
		sum.Dropped += len(res.Dropped)
	}
	sum.Seconds = time.Since(start).Seconds()
	return sum, nil
}

// mergedName names a merged shard after the newest batch ("m000042-001"),
// the first such name neither registered nor on disk.
func mergedName(ctx context.Context, st *store.Store, registered []string, root string) (string, error) {
	last, err := st.LastBatch(ctx)
	if err != nil {
		return "", err
	}
	var batch int64
	if last != nil {
		batch = last.ID
	}
	for n := 1; ; n++ {
		name := fmt.Sprintf("m%06d-%03d", batch, n)
		if slices.Contains(registered, name) {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, name)); err == nil {
			continue
		}
		return name, nil
	}
}
