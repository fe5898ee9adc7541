package search_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
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
		for _, spillAbove := range []int{1 << 30, 0, 1, -1} {
			search.SetSpillAbove(s, max(spillAbove, 0))
			undo := func() {}
			if spillAbove < 0 { // no file can be made: the hits are held in memory
				undo = search.SetSpillFolder(s, filepath.Join(t.TempDir(), "none-such"))
			}
			var got []search.Hit
			total, err := s.All(ctx, opts, func(h search.Hit) error {
				got = append(got, h)
				return nil
			})
			undo()
			if err != nil {
				t.Fatalf("%q, spill above %d: %v", opts.Query, spillAbove, err)
			}
			if total != wantTotal || len(got) != len(want) {
				t.Fatalf("%q, spill above %d: %d hits of %d, want %d of %d", opts.Query, spillAbove, len(got), total, len(want), wantTotal)
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("%q, spill above %d: hit %d is\n%+v\nwant\n%+v", opts.Query, spillAbove, i, got[i], want[i])
				}
			}
		}
	}
	if after := stateFiles(t, p.StateDir()); !slices.Equal(after, before) {
		t.Errorf("the state folder held %v before the searches and %v after", before, after)
	}
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
