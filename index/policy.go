package index

import (
	"math"
	"slices"
)

// ShardStats is what the merge policy knows of a registered shard.
type ShardStats struct {
	Name   string
	Docs   int // passages it holds
	Masked int // of them, passages no current transcript version owns
}

func (s ShardStats) live() int { return s.Docs - s.Masked }

// Policy chooses merges the way Lucene's tiered merge policy does: shards
// of similar size are merged a few at a time, so that the number of shards
// stays logarithmic in the corpus, and shards made mostly of masked
// passages are rewritten without them. Sizes are counted in live passages
// (which is what a merged shard will hold).
//
// The allowed number of shards is worked out tier by tier: PerTier shards
// of FloorDocs, then PerTier of FloorDocs*MergeAtOnce, and so on, until
// the live passages are accounted for. While there are more shards than
// that, the best merge is the one of up to MergeAtOnce shards of
// consecutive size with the least skew (the largest shard is a small part
// of the result), preferring small merges and merges that drop many masked
// passages. A shard already at least half of MaxDocs is left alone (no
// merge writes more than MaxDocs, which bounds the memory a shard costs to
// search and match) unless more than MaskedShare of it, or more than
// MaskedDocs passages, are masked.
//
// Tiers alone leave a project grown by nights with more shards than one
// batch of the same passages would write: the nights in a few small tiers,
// and shards past half of MaxDocs that are never filled. Two more rules
// keep it close to that count (see TestPolicyYears): while the eligible
// shards other than the largest hold at most 1/TailRatio of its passages,
// they are merged into one (cheap: they are small); and once the eligible
// shards hold 1/TailRatio of a shard past half of MaxDocs that has room
// for them, they are merged into it.
type Policy struct {
	MaxDocs     int     // the most passages a merge writes (DefaultShardDocs)
	FloorDocs   int     // smaller shards count as this size (DefaultFloorDocs)
	PerTier     int     // shards allowed in each tier (DefaultPerTier)
	MergeAtOnce int     // the most shards one merge takes (DefaultMergeAtOnce)
	MaskedShare float64 // a shard more masked than this is rewritten (DefaultMaskedShare)
	MaskedDocs  int     // so is a shard holding more masked passages than this (DefaultMaskedDocs)
	TailRatio   int     // small shards are merged into one larger by this much (DefaultTailRatio)
}

// The policy's defaults. A night adds a shard of a few hundred to a few
// thousand passages; with these, a year of nights (an old transcript
// edited every tenth) on a corpus of a million passages ends with eight
// shards (one batch would write six), one on a corpus of 119,000 passages
// with four (one batch: two), and each passage a night adds is written
// six or seven times by merges (TestPolicyYears).
//
// Masked passages cost every search more than a shard does: the store
// lists them and each shard holding some looks them up and filters its
// hits by them. After the benchmark's year, 5,743 of them made searches
// about 1.4 times as slow (in CPU) as the one-batch project, and with
// them dropped the same five shards searched within about 1.05 times of
// it (README, Years of nightly batches). So a shard is rewritten once it holds more than
// MaskedDocs of them, however large it is: for a full shard, a merge of a
// few seconds after a few edits of the transcripts it holds.
const (
	DefaultFloorDocs   = 5_000
	DefaultPerTier     = 2
	DefaultMergeAtOnce = 6
	DefaultMaskedShare = 0.2
	DefaultMaskedDocs  = 2_000
	DefaultTailRatio   = 8
)

func (p Policy) withDefaults() Policy {
	if p.MaxDocs <= 0 {
		p.MaxDocs = DefaultShardDocs
	}
	if p.FloorDocs <= 0 {
		p.FloorDocs = DefaultFloorDocs
	}
	if p.PerTier < 2 {
		p.PerTier = DefaultPerTier
	}
	if p.MergeAtOnce < 2 {
		p.MergeAtOnce = DefaultMergeAtOnce
	}
	if p.MaskedShare <= 0 {
		p.MaskedShare = DefaultMaskedShare
	}
	if p.MaskedDocs <= 0 {
		p.MaskedDocs = DefaultMaskedDocs
	}
	if p.TailRatio <= 0 {
		p.TailRatio = DefaultTailRatio
	}
	return p
}

// Next returns the shards of the next merge, or nil when none is due.
// Applying a merge and calling Next again gives the next one.
func (p Policy) Next(shards []ShardStats) []string {
	p = p.withDefaults()
	var eligible []ShardStats
	for _, s := range shards {
		if s.live()*2 < p.MaxDocs {
			eligible = append(eligible, s)
		}
	}
	// Largest first; equal sizes by name, so a plan is the same every time.
	slices.SortFunc(eligible, func(a, b ShardStats) int {
		if a.live() != b.live() {
			return b.live() - a.live()
		}
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	if len(eligible) > p.allowed(eligible) {
		if best := p.best(eligible); best != nil {
			return best
		}
	}
	if tail := p.tail(eligible); tail != nil {
		return tail
	}
	if topUp := p.topUp(shards, eligible); topUp != nil {
		return topUp
	}
	// Reclaim: the shard with the largest masked share above the limit.
	var worst *ShardStats
	for i, s := range shards {
		if s.Docs > 0 && (float64(s.Masked) > p.MaskedShare*float64(s.Docs) || s.Masked > p.MaskedDocs) &&
			(worst == nil || s.Masked*worst.Docs > worst.Masked*s.Docs) {
			worst = &shards[i]
		}
	}
	if worst != nil {
		return []string{worst.Name}
	}
	return nil
}

// tail is the merge of the eligible shards but the largest (largest
// first, up to MergeAtOnce) when they hold few passages beside it, or nil. Tiers alone leave a
// year of nights in a few small shards beside the large ones; a search
// pays for each shard it opens, and the nights are cheap to merge while
// they are small.
func (p Policy) tail(eligible []ShardStats) []string {
	if len(eligible) < 3 {
		return nil
	}
	docs := 0
	var names []string
	for _, s := range eligible[1:min(len(eligible), p.MergeAtOnce+1)] {
		docs += s.live()
		names = append(names, s.Name)
	}
	if docs*p.TailRatio > eligible[0].live() {
		return nil
	}
	return names
}

// topUp is the merge of the eligible shards (largest first, up to
// MergeAtOnce in all) into the smallest shard that is past half of MaxDocs
// and has room for them, once they hold at least 1/TailRatio of its
// passages; or nil. Shards past half of MaxDocs are otherwise left alone,
// so a project grown by nights would keep shards of half the size a batch
// writes, and twice as many.
func (p Policy) topUp(shards, eligible []ShardStats) []string {
	if len(eligible) == 0 {
		return nil
	}
	var names []string
	docs := 0
	for _, s := range eligible[:min(len(eligible), p.MergeAtOnce-1)] {
		names = append(names, s.Name)
		docs += s.live()
	}
	var into *ShardStats
	for i, s := range shards {
		if s.live()*2 >= p.MaxDocs && s.live()+docs <= p.MaxDocs && docs*p.TailRatio >= s.live() &&
			(into == nil || s.live() < into.live() || s.live() == into.live() && s.Name < into.Name) {
			into = &shards[i]
		}
	}
	if into == nil {
		return nil
	}
	return append([]string{into.Name}, names...)
}

// allowed is how many shards the eligible ones may be (see Policy).
func (p Policy) allowed(eligible []ShardStats) int {
	total, smallest := 0, math.MaxInt
	for _, s := range eligible {
		total += s.live()
		smallest = min(smallest, s.live())
	}
	level := float64(max(smallest, p.FloorDocs))
	remaining := float64(total)
	allowed := 0.0
	for {
		n := remaining / level
		if n < float64(p.PerTier) {
			allowed += math.Ceil(n)
			break
		}
		allowed += float64(p.PerTier)
		remaining -= float64(p.PerTier) * level
		level *= float64(p.MergeAtOnce)
	}
	return max(int(allowed), p.PerTier)
}

// best is the merge of consecutive eligible shards (largest first) with the
// lowest score, or nil when no two shards fit in MaxDocs.
func (p Policy) best(eligible []ShardStats) []string {
	var (
		best      []string
		bestScore = math.Inf(1)
	)
	floored := func(n int) float64 { return float64(max(n, p.FloorDocs)) }
	for start := range eligible {
		var (
			names               []string
			before, after       int
			largest, flooredSum float64
			full                bool // a shard was left out for size
		)
		for _, s := range eligible[start:] {
			if len(names) == p.MergeAtOnce {
				break
			}
			if after+s.live() > p.MaxDocs {
				full = true
				continue // too big to join: a smaller one may
			}
			names = append(names, s.Name)
			before += s.Docs
			after += s.live()
			largest = max(largest, floored(s.live()))
			flooredSum += floored(s.live())
		}
		if len(names) < 2 {
			continue
		}
		skew := largest / flooredSum
		if full {
			skew = 1 / float64(p.MergeAtOnce) // as large as a merge gets: as good as it gets
		}
		kept := float64(after) / float64(max(before, 1))
		score := skew * math.Pow(float64(before), 0.05) * kept * kept
		if score < bestScore {
			best, bestScore = names, score
		}
	}
	return best
}
