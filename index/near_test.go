package index

import (
	"context"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// A phrase or ~N query reads its words' postings itself and scores only
// the passages that pass its check; each passage must get the score
// Bleve's conjunction of the words' term queries gives it (the score the
// query had when it was that conjunction, checked afterwards), with and
// without locations, and the passages must be ones that conjunction finds.
func TestPositionsScoreAsBlevesConjunction(t *testing.T) {
	r := openRepeatedWordShard(t)
	if !r.pairs {
		t.Fatal("the shard has no word pairs: the phrases' drivers go untested")
	}
	ctx := context.Background()
	scores := func(q query.Query, locations bool) map[string]float64 {
		out := map[string]float64{}
		if err := r.each(ctx, q, locations, true, func(h *search.DocumentMatch) { out[h.ID] = h.Score }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, text := range []string{
		`"you know"~3`, `"I think"~3`, `"drinking alcohol"~4`, `"a of"~3`, `"you you"~2`, // near
		`"you know"`, `"I feel like"`, `"a lot of"`, `"want to quit"`, `"cut down on"`, `"that that"`, // phrases
		`="you know"`, `="I don't know"`, `="drinking a lot"`, // exact phrases
	} {
		n, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		c, err := r.Compile(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		pq, ok := c.Query.(*positionsQuery)
		if !ok {
			t.Fatalf("%s: compiled to %T, not a positions query", text, c.Query)
		}
		var conj query.Query
		if terms := uniq(pq.terms); len(terms) == 1 {
			tq := bleve.NewTermQuery(terms[0])
			tq.SetField(pq.field)
			conj = tq
		} else {
			var qs []query.Query
			for _, w := range terms {
				tq := bleve.NewTermQuery(w)
				tq.SetField(pq.field)
				qs = append(qs, tq)
			}
			conj = bleve.NewConjunctionQuery(qs...)
		}
		want := scores(conj, false)
		for _, locations := range []bool{false, true} {
			got := scores(pq, locations)
			if len(got) == 0 {
				t.Errorf("%s: nothing found: the test tests nothing", text)
			}
			for id, s := range got {
				w, ok := want[id]
				switch {
				case !ok:
					t.Errorf("%s (locations %v): %s found, but it does not hold every word", text, locations, id)
				case s != w:
					t.Errorf("%s (locations %v): %s scores %v, Bleve's conjunction %v", text, locations, id, s, w)
				}
			}
		}
	}
}
