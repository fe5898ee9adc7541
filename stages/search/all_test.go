package search_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/alongside-qda/alongside/stages/search"
)

// All gives what Search gives with no limit, hit for hit and in the same
// order, whether it holds the hits in memory or resolves them through a
// file, and when it cannot make the file; and it leaves no file behind.
func TestAllGivesEveryHitInOrder(t *testing.T) {
	ctx := context.Background()
	p, s := layoutProject(t, nil)
	before := stateFiles(t, p.StateDir())
	queries := []search.Options{
		{Query: "NOT transcript:none-such"}, // every passage, of every transcript
		{Query: `"you know"~3`},
		{Query: "smok* OR drink*", Context: 2},
		{Query: "feel*", Speaker: "participant"},
		{Query: "nothingmatchesthis"},
	}
	for _, opts := range queries {
		want, wantTotal, err := s.Search(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if opts.Query != "nothingmatchesthis" && len(want) < 2 {
			t.Fatalf("%q: %d hits; the test needs several", opts.Query, len(want))
		}
		var wantOut []byte
		for _, h := range want {
			if wantOut, err = renderJSON(wantOut, h); err != nil {
				t.Fatal(err)
			}
		}
		for _, spillAbove := range []int{1 << 30, 0, 1, -1} {
			search.SetSpillAbove(s, max(spillAbove, 0))
			undo := func() {}
			if spillAbove < 0 { // no file can be made: the hits are held in memory
				undo = search.SetSpillFolder(s, filepath.Join(t.TempDir(), "none-such"))
			}
			var got bytes.Buffer
			total, err := s.All(ctx, opts, renderJSON, &got)
			undo()
			if err != nil {
				t.Fatalf("%q, spill above %d: %v", opts.Query, spillAbove, err)
			}
			if total != wantTotal || !bytes.Equal(got.Bytes(), wantOut) {
				t.Fatalf("%q, spill above %d: %d hits of %d, want %d of %d; output:\n%.2000s\nwant\n%.2000s", opts.Query, spillAbove,
					bytes.Count(got.Bytes(), []byte("\n")), total, len(want), wantTotal, got.Bytes(), wantOut)
			}
		}
	}
	if after := stateFiles(t, p.StateDir()); !slices.Equal(after, before) {
		t.Errorf("the state folder held %v before the searches and %v after", before, after)
	}
}

func renderJSON(b []byte, h search.Hit) ([]byte, error) {
	j, err := json.Marshal(h)
	return append(append(b, j...), '\n'), err
}

func stateFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
