package index

import (
	"context"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// positionsQuery finds passages by the positions of their words, as a
// Bleve query of its own, usable inside any boolean query:
//
//   - "a b"~N (near): one sentence holds every term with at most n other
//     words between the first and the last. Bleve has no such query.
//   - a phrase, driven by its pairs of common words and its other words
//     (pairs, rare): the passages holding all of them ("little bit") are
//     the candidates, found by intersecting postings without positions,
//     and the words' positions are read for those alone. Bleve's own phrase searcher
//     reads the positions of every passage holding all the words, which took
//     300 ms at 30 M words for a phrase of two common words.
//
// Its searcher walks a conjunction of the terms with their locations and
// keeps the documents whose locations pass the check, with the locations
// that made them pass (for highlighting).
type positionsQuery struct {
	field  string
	terms  []string // analysed, in query order; repeats count
	n      int      // near: the most words between the first and the last
	phrase bool     // a phrase: the terms in order, next to each other
	pairs  []string // for a phrase: its pairs of common words, on FieldPairs; nil: none
	rare   []string // for a phrase: its other words (all, when it has no pairs), stemmed, on FieldText
}

func (q *positionsQuery) Searcher(ctx context.Context, i bindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	opts := options
	opts.IncludeTermVectors = true // the check needs positions
	words, err := termConjunction(ctx, i, q.field, uniq(q.terms), opts)
	if err != nil {
		return nil, err
	}
	s := &positionsSearcher{Searcher: words, q: q}
	if len(q.pairs)+len(q.rare) > 0 {
		opts := options
		opts.IncludeTermVectors = false
		opts.Score = "none"
		if s.driver, err = driver(ctx, i, q.pairs, q.rare, opts); err != nil {
			words.Close()
			return nil, err
		}
	}
	return s, nil
}

// driver is the conjunction of a phrase's pairs and its other words,
// without locations: Bleve intersects their postings, walking the shortest.
func driver(ctx context.Context, i bindex.IndexReader, pairs, rare []string, opts search.SearcherOptions) (search.Searcher, error) {
	var terms []fieldTerm
	for _, p := range uniq(pairs) {
		terms = append(terms, fieldTerm{FieldPairs, p})
	}
	for _, w := range uniq(rare) {
		terms = append(terms, fieldTerm{FieldText, w})
	}
	return conjunction(ctx, i, terms, opts)
}

type fieldTerm struct{ field, term string }

func termConjunction(ctx context.Context, i bindex.IndexReader, field string, terms []string, opts search.SearcherOptions) (search.Searcher, error) {
	fts := make([]fieldTerm, len(terms))
	for k, t := range terms {
		fts[k] = fieldTerm{field, t}
	}
	return conjunction(ctx, i, fts, opts)
}

func conjunction(ctx context.Context, i bindex.IndexReader, terms []fieldTerm, opts search.SearcherOptions) (search.Searcher, error) {
	var subs []search.Searcher
	for _, t := range terms {
		s, err := searcher.NewTermSearcher(ctx, i, t.term, t.field, 1.0, opts)
		if err != nil {
			for _, s := range subs {
				s.Close()
			}
			return nil, err
		}
		subs = append(subs, s)
	}
	if len(subs) == 1 {
		return subs[0], nil
	}
	conj, err := searcher.NewConjunctionSearcher(ctx, i, subs, opts)
	if err != nil {
		for _, s := range subs {
			s.Close()
		}
	}
	return conj, err
}

// positionsSearcher passes on the documents of its conjunction of words
// whose locations pass the query's check, with those locations only. With
// a driver (the phrase's pairs), it asks the words only about the
// documents the driver finds.
type positionsSearcher struct {
	search.Searcher                       // the conjunction of the words
	q               *positionsQuery       //
	driver          search.Searcher       // nil: walk the words' conjunction
	pending         *search.DocumentMatch // a words match ahead of the driver
	id, target      bindex.IndexInternalID
}

func (s *positionsSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if s.driver != nil {
		return s.drive(ctx, nil)
	}
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

func (s *positionsSearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	if s.driver != nil {
		return s.drive(ctx, append(s.target[:0], id...))
	}
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

// drive moves the driver and the words together, from target (nil: the
// driver's next document), until both stand on a document that passes.
// A words match found ahead of the driver is kept, not dropped: the
// conjunction has moved past it.
func (s *positionsSearcher) drive(ctx *search.SearchContext, target bindex.IndexInternalID) (*search.DocumentMatch, error) {
	for {
		var d *search.DocumentMatch
		var err error
		if target == nil {
			d, err = s.driver.Next(ctx)
		} else {
			d, err = s.driver.Advance(ctx, target)
		}
		if err != nil || d == nil {
			return nil, err
		}
		s.id = append(s.id[:0], d.IndexInternalID...)
		ctx.DocumentMatchPool.Put(d)

		var dm *search.DocumentMatch
		if s.pending != nil && s.pending.IndexInternalID.Compare(s.id) >= 0 {
			if !s.pending.IndexInternalID.Equals(s.id) { // the driver must catch up
				target = append(s.target[:0], s.pending.IndexInternalID...)
				continue
			}
			dm, s.pending = s.pending, nil
		} else {
			if s.pending != nil {
				ctx.DocumentMatchPool.Put(s.pending)
				s.pending = nil
			}
			if dm, err = s.Searcher.Advance(ctx, s.id); err != nil || dm == nil {
				return nil, err
			}
			if !dm.IndexInternalID.Equals(s.id) { // the words are ahead
				s.pending = dm
				target = append(s.target[:0], dm.IndexInternalID...)
				continue
			}
		}
		if s.keep(dm) {
			return dm, nil
		}
		ctx.DocumentMatchPool.Put(dm)
		target = nil
	}
}

func (s *positionsSearcher) Close() error {
	err := s.Searcher.Close()
	if s.driver != nil {
		if derr := s.driver.Close(); err == nil {
			err = derr
		}
	}
	return err
}

func (s *positionsSearcher) Min() int { return 0 }

func (s *positionsSearcher) DocumentMatchPoolSize() int {
	n := s.Searcher.DocumentMatchPoolSize() + 1 // + pending
	if s.driver != nil {
		n += s.driver.DocumentMatchPoolSize()
	}
	return n
}

// keep checks dm's locations and leaves only those that pass.
func (s *positionsSearcher) keep(dm *search.DocumentMatch) bool {
	locs := search.TermLocationMap{}
	for i := range dm.FieldTermLocations {
		ftl := &dm.FieldTermLocations[i]
		if ftl.Field == s.q.field {
			locs[ftl.Term] = append(locs[ftl.Term], &ftl.Location)
		}
	}
	var ms []Match
	if s.q.phrase {
		ms = inOrder(locs, s.q.terms)
	} else {
		ms = window(locs, s.q.terms, s.q.n)
	}
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

// inOrder finds the places where the terms stand next to each other in
// order, in one sentence, and returns their locations; nil when none.
func inOrder(locs search.TermLocationMap, terms []string) []Match {
	var out []Match
	for _, first := range locs[terms[0]] {
		sentence := locationMatch(first).Sentence
		path := []Match{locationMatch(first)}
		for i := 1; i < len(terms); i++ {
			var next *search.Location
			for _, l := range locs[terms[i]] {
				if l.Pos == first.Pos+uint64(i) && locationMatch(l).Sentence == sentence {
					next = l
					break
				}
			}
			if next == nil {
				path = nil
				break
			}
			path = append(path, locationMatch(next))
		}
		out = append(out, path...)
	}
	return out
}

// locationMatch is where a location is, as a Match.
func locationMatch(l *search.Location) Match {
	s := 0
	if len(l.ArrayPositions) > 0 {
		s = int(l.ArrayPositions[0])
	}
	return Match{Sentence: s, Start: int(l.Start), End: int(l.End)}
}
