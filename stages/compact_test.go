package stages_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/alongside-qda/alongside/stages"
)

// After a first batch, nightly batches of one new conversation each, with the default merge
// policy at the end of each: the shard count stays small, every passage
// is searchable, and the last run's compaction says what it did.
func TestManySmallBatchesFewShards(t *testing.T) {
	if testing.Short() {
		t.Skip("twenty batches")
	}
	dir := newSampleProject(t)
	runBatch(t, dir, stages.Options{})
	most := 0
	for night := range 20 {
		writeAnnoMI(t, filepath.Join(dir, "transcripts", "annomi"), night, 1)
		sum := runBatch(t, dir, stages.Options{Compact: &stages.CompactOptions{}})
		if sum.New != 1 || sum.Compaction == nil {
			t.Fatalf("night %d: %d new, compaction %+v", night, sum.New, sum.Compaction)
		}
		most = max(most, len(readIndex(t, dir).shards))
	}
	if most > 3 {
		t.Errorf("up to %d shards after nightly compactions, want at most 3", most)
	}
	// Nothing due: compact on demand does nothing.
	sum, err := stages.Compact(context.Background(), stages.Project{Dir: dir}, stages.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Merges) != 0 || sum.Shards > 3 {
		t.Errorf("compact after the nights: %+v", sum)
	}
	checkConsistent(t, dir)
}
