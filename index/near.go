package index

import (
	"context"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// nearQuery is "a b"~N as a Bleve query: the passages where one sentence
// holds every term with at most n other words between the first and the
// last. Bleve has no such query; its searcher walks a conjunction of the
// terms with their locations and keeps the documents whose locations pass
// the window check, like Bleve's own phrase searcher. One pass, inside any
// boolean query: resolving it first into a set of passage IDs took a second
// search and an ID lookup per hit in every shard.
type nearQuery struct {
	field string
	terms []string // analysed, in query order; repeats count
	n     int
}

func (q *nearQuery) Searcher(ctx context.Context, i bindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	opts := options
	opts.IncludeTermVectors = true // the window needs positions
	var subs []search.Searcher
	closeAll := func() {
		for _, s := range subs {
			s.Close()
		}
	}
	for _, t := range uniq(q.terms) {
		s, err := searcher.NewTermSearcher(ctx, i, t, q.field, 1.0, opts)
		if err != nil {
			closeAll()
			return nil, err
		}
		subs = append(subs, s)
	}
	conj, err := searcher.NewConjunctionSearcher(ctx, i, subs, opts)
	if err != nil {
		closeAll()
		return nil, err
	}
	return &nearSearcher{Searcher: conj, q: q}, nil
}

// nearSearcher passes on the documents of its conjunction whose term
// locations hold a window, with the locations inside windows only.
type nearSearcher struct {
	search.Searcher // the conjunction of the terms
	q               *nearQuery
}

func (s *nearSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	for {
		dm, err := s.Searcher.Next(ctx)
		if err != nil || dm == nil {
			return dm, err
		}
		if s.keep(dm) {
			return dm, nil
		}
		ctx.DocumentMatchPool.Put(dm)
	}
}

func (s *nearSearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	if err != nil || dm == nil {
		return dm, err
	}
	if s.keep(dm) {
		return dm, nil
	}
	ctx.DocumentMatchPool.Put(dm)
	return s.Next(ctx)
}

func (s *nearSearcher) Min() int { return 0 }

// keep checks the window on dm's locations and leaves only the locations
// inside windows.
func (s *nearSearcher) keep(dm *search.DocumentMatch) bool {
	locs := search.TermLocationMap{}
	for i := range dm.FieldTermLocations {
		ftl := &dm.FieldTermLocations[i]
		if ftl.Field == s.q.field {
			locs[ftl.Term] = append(locs[ftl.Term], &ftl.Location)
		}
	}
	ms := window(locs, s.q.terms, s.q.n)
	if ms == nil {
		return false
	}
	in := make(map[Match]bool, len(ms))
	for _, m := range ms {
		in[m] = true
	}
	// Swap, never copy, the kept ones forward: Bleve reuses each slot's
	// ArrayPositions array for later documents, so no two slots may share
	// one.
	ftls, k := dm.FieldTermLocations, 0
	for i := range ftls {
		if ftls[i].Field != s.q.field || in[locationMatch(&ftls[i].Location)] {
			ftls[k], ftls[i] = ftls[i], ftls[k]
			k++
		}
	}
	dm.FieldTermLocations = ftls[:k]
	dm.Locations = nil // rebuilt from FieldTermLocations by Complete
	return true
}

// locationMatch is where a location is, as a Match.
func locationMatch(l *search.Location) Match {
	s := 0
	if len(l.ArrayPositions) > 0 {
		s = int(l.ArrayPositions[0])
	}
	return Match{Sentence: s, Start: int(l.Start), End: int(l.End)}
}
