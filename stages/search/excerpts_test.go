package search_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/alongside-qda/alongside/stages/search"
)

// Hits shown from excerpts of their versions (the turns around each) are
// the hits shown from whole versions, context and all: every passage of
// the layouts' transcripts, and the first hits of a few searches, with no
// context, a sentence, and more sentences than most turns hold.
func TestExcerptsShowWhatWholeVersionsShow(t *testing.T) {
	ctx := context.Background()
	p, excerpts := layoutProject(t, nil)
	whole, err := search.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	search.SetExcerptHits(whole, 0)
	compared := 0
	for _, q := range []struct {
		query string
		limit int
	}{
		{"NOT transcript:none-such", 0},
		{`"you know"~3`, 20},
		{"smok* OR drink*", 20},
		{"feel*", 5},
		{"okay", 1},
	} {
		search.SetExcerptHits(excerpts, max(q.limit, 1<<30))
		for _, n := range []int{0, 1, 3, 8} {
			opts := search.Options{Query: q.query, Limit: q.limit, Context: n}
			got, gotTotal, err := excerpts.Search(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			want, wantTotal, err := whole.Search(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) < 1 || gotTotal != wantTotal || len(got) != len(want) {
				t.Fatalf("%q, context %d: %d hits of %d, want %d of %d", q.query, n, len(got), gotTotal, len(want), wantTotal)
			}
			for i := range want {
				g, _ := json.Marshal(got[i])
				w, _ := json.Marshal(want[i])
				if string(g) != string(w) {
					t.Fatalf("%q, context %d, hit %d:\n%s\nwant\n%s", q.query, n, i, g, w)
				}
				compared++
			}
		}
	}
	if compared < 1000 {
		t.Errorf("only %d hits compared", compared)
	}
}
