package index

import (
	"cmp"
	"context"
	"slices"

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
	// The check needs positions, unless the search wants no locations and
	// the phrase's one pair says it all: then the words only score.
	unchecked := !options.IncludeTermVectors && q.pairDecides()
	opts.IncludeTermVectors = !unchecked
	words, err := termConjunction(ctx, i, q.field, uniq(q.terms), opts)
	if err != nil {
		return nil, err
	}
	s := &positionsSearcher{Searcher: words, q: q, unchecked: unchecked}
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

// pairDecides says whether the phrase's driver alone finds exactly the
// passages that match: a phrase of two common stemmed words is one pair,
// indexed where the two stand next to each other in a sentence. (Of a
// longer phrase, the pairs may stand apart; of an exact phrase, the words
// may be other forms of the stems.)
func (q *positionsQuery) pairDecides() bool {
	return q.phrase && q.field == FieldText && len(q.terms) == 2 && len(q.pairs) == 1 && len(q.rare) == 0
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
	check           checker
	unchecked       bool // the driver decides; the words, without positions, only score
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
	if s.unchecked {
		return true
	}
	ftls := dm.FieldTermLocations
	if !s.check.mark(ftls, s.q) {
		return false
	}
	// Swap, never copy, the kept ones forward: Bleve reuses each slot's
	// ArrayPositions array for later documents, so no two slots may share
	// one.
	k := 0
	for i := range ftls {
		if ftls[i].Field != s.q.field || s.check.kept[i] {
			ftls[k], ftls[i] = ftls[i], ftls[k]
			k++
		}
	}
	dm.FieldTermLocations = ftls[:k]
	dm.Locations = nil // rebuilt from FieldTermLocations by Complete
	return true
}

// checker finds the locations that pass a positions query. It keeps its
// scratch space from one document to the next (a searcher serves one
// shard, one document at a time): a map and slices made per document took
// most of a common phrase's search.
type checker struct {
	distinct []string // the query's terms, each once
	terms    []int    // the query's terms, as indexes into distinct
	need     []int    // per distinct term: how often the query holds it
	path     []int    // a phrase's locations being matched
	occs     []occ    // the document's locations of the query's terms
	have     []int    // per distinct term, in the window
	kept     []bool   // per FieldTermLocations index: passes
	ready    bool
}

type occ struct {
	sentence, pos uint64
	term, loc     int // distinct term; index in FieldTermLocations
}

func (c *checker) init(q *positionsQuery) {
	c.distinct = uniq(q.terms)
	c.need = make([]int, len(c.distinct))
	c.have = make([]int, len(c.distinct))
	for _, t := range q.terms {
		i := slices.Index(c.distinct, t)
		c.terms = append(c.terms, i)
		c.need[i]++
	}
	c.ready = true
}

// mark sets kept for the locations that pass q (in field q.field) and
// says whether any did.
func (c *checker) mark(ftls []search.FieldTermLocation, q *positionsQuery) bool {
	if !c.ready {
		c.init(q)
	}
	c.occs = c.occs[:0]
	for i := range ftls {
		f := &ftls[i]
		if f.Field != q.field {
			continue
		}
		t := slices.Index(c.distinct, f.Term)
		if t < 0 {
			continue
		}
		c.occs = append(c.occs, occ{sentence: sentenceOf(&f.Location), pos: f.Location.Pos, term: t, loc: i})
	}
	slices.SortFunc(c.occs, func(a, b occ) int {
		if a.sentence != b.sentence {
			return cmp.Compare(a.sentence, b.sentence)
		}
		return cmp.Compare(a.pos, b.pos)
	})
	c.kept = slices.Grow(c.kept[:0], len(ftls))[:len(ftls)]
	clear(c.kept)
	if q.phrase {
		return c.inOrder()
	}
	return c.window(uint64(q.n + len(q.terms) - 1))
}

// inOrder marks the places where the terms stand next to each other in
// order, in one sentence.
func (c *checker) inOrder() bool {
	found := false
	for j, first := range c.occs {
		if first.term != c.terms[0] {
			continue
		}
		c.path = append(c.path[:0], first.loc)
		for i, k := 1, j+1; i < len(c.terms); i++ {
			at := c.find(k, first.sentence, first.pos+uint64(i), c.terms[i])
			if at < 0 {
				break
			}
			c.path = append(c.path, c.occs[at].loc)
			k = at + 1
		}
		if len(c.path) == len(c.terms) {
			found = true
			for _, loc := range c.path {
				c.kept[loc] = true
			}
		}
	}
	return found
}

// find returns the index of the occurrence of term at pos in sentence,
// looking from index from on (occs are in order); -1 when there is none.
func (c *checker) find(from int, sentence, pos uint64, term int) int {
	for k := from; k < len(c.occs); k++ {
		o := c.occs[k]
		if o.sentence != sentence || o.pos > pos {
			return -1
		}
		if o.pos == pos && o.term == term {
			return k
		}
	}
	return -1
}

// window marks, per sentence, the smallest windows holding every term
// (each occurrence used once) whose last position is at most span after
// the first.
func (c *checker) window(span uint64) bool {
	found := false
	for from := 0; from < len(c.occs); {
		to := from
		for to < len(c.occs) && c.occs[to].sentence == c.occs[from].sentence {
			to++
		}
		occs := c.occs[from:to]
		clear(c.have)
		missing, lo := len(c.need), 0
		for hi := range occs {
			t := occs[hi].term
			c.have[t]++
			if c.have[t] == c.need[t] {
				missing--
			}
			for occs[hi].pos-occs[lo].pos > span {
				lt := occs[lo].term
				if c.have[lt] == c.need[lt] {
					missing++
				}
				c.have[lt]--
				lo++
			}
			if missing == 0 {
				found = true
				for k := lo; k <= hi; k++ {
					c.kept[occs[k].loc] = true
				}
			}
		}
		from = to
	}
	return found
}

// sentenceOf is the sentence of the passage a location is in.
func sentenceOf(l *search.Location) uint64 {
	if len(l.ArrayPositions) > 0 {
		return l.ArrayPositions[0]
	}
	return 0
}
