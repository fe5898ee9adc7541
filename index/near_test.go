package index

import (
	"cmp"
	"context"
	"slices"
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

// The check puts each document's locations in order by merging the terms'
// runs, and sorts them when a run is out of order.
func TestCheckerOrdersLocations(t *testing.T) {
	for _, c := range []struct {
		name string
		runs [][]occ
	}{
		{"runs in order", [][]occ{
			{{sentence: 0, pos: 1}, {sentence: 0, pos: 7}, {sentence: 2, pos: 0}},
			{{sentence: 0, pos: 2}, {sentence: 1, pos: 0}, {sentence: 2, pos: 5}},
			{{sentence: 0, pos: 0}, {sentence: 3, pos: 1}},
		}},
		{"a run out of order", [][]occ{
			{{sentence: 1, pos: 4}, {sentence: 0, pos: 3}},
			{{sentence: 0, pos: 9}, {sentence: 1, pos: 1}},
		}},
		{"one run", [][]occ{{{sentence: 0, pos: 1}, {sentence: 0, pos: 2}}}},
		{"empty runs", [][]occ{{}, {{sentence: 4, pos: 4}}, {}}},
	} {
		var ch checker
		var want []occ
		loc := 0
		for term, run := range c.runs {
			ch.run()
			for _, o := range run {
				o.term, o.loc = term, loc
				ch.add(o)
				want = append(want, o)
				loc++
			}
		}
		ch.order()
		slices.SortFunc(want, func(a, b occ) int {
			return cmp.Or(cmp.Compare(a.sentence, b.sentence), cmp.Compare(a.pos, b.pos))
		})
		if !slices.Equal(ch.occs, want) {
			t.Errorf("%s: %v, want %v", c.name, ch.occs, want)
		}
	}
}
