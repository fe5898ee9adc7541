package index

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
)

// Walking every hit with each finds what Bleve's own collector finds, on a
// shard whose order of passages once made each's phrase hits wrong: it put
// every match back in Bleve's pool as soon as it was handled, while
// Bleve's phrase searcher still pointed into it, and the phrase of a
// repeated word ("that that") found a passage without it.
func TestEachKeepsPhraseMatchesWhole(t *testing.T) {
	r := openRepeatedWordShard(t)
	ctx := context.Background()
	for _, words := range [][]string{{"that", "that"}, {"you", "know"}, {"and", "and"}} {
		q := bleve.NewPhraseQuery(words, FieldText)
		res, err := r.alias.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, 10_000, 0, false))
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, h := range res.Hits {
			want = append(want, h.ID)
		}
		if err := r.each(ctx, q, false, false, func(h *search.DocumentMatch) { got = append(got, h.ID) }); err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		slices.Sort(got)
		if len(want) == 0 {
			t.Errorf("%q: Bleve finds nothing: the test tests nothing", words)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: each finds %d passages, Bleve's collector %d", words, len(got), len(want))
		}
	}
}

// openRepeatedWordShard opens a copy of the shard kept from a failing run
// (testdata/repeated-word-shard: AnnoMI passages, with word pairs); it is
// closed when the test ends.
func openRepeatedWordShard(t *testing.T) *Reader {
	t.Helper()
	root := t.TempDir() // a copy: a shard is opened in place
	if err := os.CopyFS(filepath.Join(root, "shard"), os.DirFS(filepath.Join("testdata", "repeated-word-shard"))); err != nil {
		t.Fatal(err)
	}
	r, err := Open(root, []string{"shard"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
