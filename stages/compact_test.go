package stages_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
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

// A compaction killed at each step of a merge (before it writes, with the
// merged shard written but not registered, registered but the merged
// shards' folders not yet deleted) leaves a project that searches as
// before, and compacting again ends where an uninterrupted one does.
func TestKilledCompactionRerunsExactly(t *testing.T) {
	base := killProject(t)
	// compact_seconds: 0 leaves the merges to "alongside compact".
	if err := os.WriteFile(filepath.Join(base, "alongside.yaml"), []byte("compact_seconds: 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, base)
	extra, err := os.ReadDir(filepath.Join(base, "extra"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range extra { // a batch a file: a shard each
		if err := os.Rename(filepath.Join(base, "extra", f.Name()), filepath.Join(base, "transcripts", f.Name())); err != nil {
			t.Fatal(err)
		}
		mustRun(t, base)
	}
	fg := filepath.Join(base, "transcripts", "focus-group-1.txt")
	data, err := os.ReadFile(fg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fg, bytes.Replace(data, []byte("walking alongside"), []byte("walking beside"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, base)
	if ix := readIndex(t, base); len(ix.shards) < 5 || len(ix.masked) == 0 {
		t.Fatalf("before compacting: %d shards, %d masked passages; want several and some", len(ix.shards), len(ix.masked))
	}
	search := func(dir string) string {
		t.Helper()
		out, stderr, code := cli(t, "search", "--project", dir, "--limit", "0", "--json", `walk* OR "cut down" OR drink*`)
		if code != 0 {
			t.Fatalf("search: exit status %d\n%s", code, stderr)
		}
		return sortedLines(t, out)
	}
	searched := search(base)
	if strings.Count(searched, "\n") < 10 {
		t.Fatalf("the search finds too little to compare:\n%s", searched)
	}

	ref := t.TempDir()
	copyTree(t, base, ref)
	if _, stderr, code := cli(t, "compact", "--project", ref); code != 0 {
		t.Fatalf("compact: exit status %d\n%s", code, stderr)
	}
	checkConsistent(t, ref)
	checkPrivate(t, ref)
	want, wantStatus := dump(t, ref), status(t, ref)
	if ix := readIndex(t, ref); len(ix.masked) != 0 && len(ix.shards) >= len(readIndex(t, base).shards) {
		t.Fatalf("the uninterrupted compaction merged nothing: %d shards, %d masked", len(ix.shards), len(ix.masked))
	}
	if got := search(ref); got != searched {
		t.Fatalf("search after compact:\n%s\nwant:\n%s", got, searched)
	}

	for _, tc := range []struct {
		step    string
		folders bool // the kill leaves a folder nobody registers
	}{
		{"merge", false},
		{"register", true}, // the merged shard
		{"retire", true},   // the merged ones
	} {
		t.Run(tc.step, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, base, dir)
			h := startHeldCommand(t, tc.step, "compact", "--project", dir)
			if got := search(dir); got != searched {
				t.Errorf("search during the compaction:\n%s\nwant:\n%s", got, searched)
			}
			if ws := h.kill(); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the compaction was not killed: %v", h.cmd.ProcessState)
			}
			if _, folders, _ := leftovers(t, dir); (folders > 0) != tc.folders {
				t.Errorf("killed at %s: %d unregistered shard folder(s), want some: %v", tc.step, folders, tc.folders)
			}
			if got := search(dir); got != searched {
				t.Errorf("search after the kill:\n%s\nwant:\n%s", got, searched)
			}
			if _, stderr, code := cli(t, "compact", "--project", dir); code != 0 {
				t.Fatalf("compact again: exit status %d\n%s", code, stderr)
			}
			checkConsistent(t, dir)
			checkPrivate(t, dir)
			sameDump(t, "compaction killed at "+tc.step+" and run again", dump(t, dir), want)
			if got := status(t, dir); got != wantStatus {
				t.Fatalf("status --json after the re-run:\n%s\nwant:\n%s", got, wantStatus)
			}
			if got := search(dir); got != searched {
				t.Errorf("search after compacting again:\n%s\nwant:\n%s", got, searched)
			}
		})
	}
}

// sortedLines sorts the hits of a JSON search result, without their
// scores: scores and so the order come from each shard's own term
// statistics, which merging changes.
func sortedLines(t *testing.T, s string) string {
	t.Helper()
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		var hit map[string]any
		if err := json.Unmarshal([]byte(line), &hit); err != nil {
			t.Fatalf("search --json: %v\n%s", err, line)
		}
		delete(hit, "score")
		b, err := json.Marshal(hit)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
