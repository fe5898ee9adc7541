package index

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/scorer"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
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
	// The check needs positions, unless the search wants no locations and
	// the phrase's one pair says it all: then the words only score.
	unchecked := !options.IncludeTermVectors && q.pairDecides()
	s := &positionsSearcher{q: q, options: options, unchecked: unchecked,
		pair: !q.phrase && len(q.terms) == 2 && q.terms[0] != q.terms[1]}
	if err := s.open(i, !unchecked); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// pairDecides says whether the phrase's pair alone finds exactly the
// passages that match: a phrase of two common stemmed words is one pair,
// indexed where the two stand next to each other in a sentence. (Of a
// longer phrase, the pairs may stand apart; of an exact phrase, the words
// may be other forms of the stems.)
func (q *positionsQuery) pairDecides() bool {
	return q.phrase && q.field == FieldText && len(q.terms) == 2 && len(q.pairs) == 1 && len(q.rare) == 0
}

// positionsSearcher passes on the documents that hold every word of the
// query where their positions pass its check, scored as Bleve's
// conjunction of the words' term searchers scores them, with the
// locations that passed (when the search wants locations). It reads the
// words' postings itself and scores a document only once it passes:
// Bleve's term searchers made and scored a match, and copied its
// locations, for every document holding the words, and that was most of
// a search for common words ("you know"~3 at 30 M words). A phrase's
// pairs of common words, and its other words, are walked with the words,
// unscored and without positions: scorch intersects all their postings
// once, so the words stand only on the passages that hold the pairs.
type positionsSearcher struct {
	q         *positionsQuery
	options   search.SearcherOptions
	words     []*word                // the query's distinct terms, rarest first (as Bleve's conjunction orders them)
	walk      []*word                // the words and the phrase's pairs and other words, rarest first
	target    bindex.IndexInternalID // where the walk goes next (its bytes reused)
	lite      bindex.TermFieldDoc    // a word's document without its positions, to score
	scored    []*search.Explanation
	check     checker
	unchecked bool // the phrase's one pair decides; the words, without positions, only score
	pair      bool // near of two different words: see nearPair
}

// word is one of the query's distinct terms: its postings (with positions
// when the check needs them), where they stand, and its scorer.
type word struct {
	term   string
	index  int // in uniq(q.terms)
	p      *postings
	scorer *scorer.TermQueryScorer // nil: a pair or other word, walked but not scored
	at     bool                    // it stands on a document (p.id)
	done   bool                    // it has no more
}

func (w *word) next() error {
	ok, err := w.p.next()
	w.at, w.done = ok, !ok
	return err
}

// advance moves the postings to their first document from id on. They
// never move back.
func (w *word) advance(id bindex.IndexInternalID) error {
	if w.at && w.p.id.Compare(id) >= 0 {
		return nil
	}
	ok, err := w.p.advance(id)
	w.at, w.done = ok, !ok
	return err
}

// open opens the words' postings and scorers as Bleve's term searchers
// and their conjunction would: scored by the same term scorers, ordered by
// how many documents hold them, with the conjunction's query norm. Then
// the phrase's pairs (on FieldPairs) and other words (stemmed, on
// FieldText), read without frequencies or positions; and all their
// postings are intersected once (see intersect).
func (s *positionsSearcher) open(i bindex.IndexReader, positions bool) error {
	snap, err := snapshotOf(i)
	if err != nil {
		return err
	}
	total, err := i.DocCount()
	if err != nil {
		return err
	}
	freqNorm := s.options.Score != "none"
	for k, t := range uniq(s.q.terms) {
		p, err := openPostings(snap, []byte(t), s.q.field, freqNorm, positions)
		if err != nil {
			return err
		}
		w := &word{term: t, index: k, p: p,
			scorer: scorer.NewTermQueryScorer([]byte(t), s.q.field, 1.0, total, p.count, 0, s.options)}
		s.words, s.walk = append(s.words, w), append(s.walk, w)
	}
	byCount := func(a, b *word) int { return cmp.Compare(a.p.count, b.p.count) }
	if len(s.words) > 1 { // a lone term searcher has no conjunction, no query norm
		slices.SortStableFunc(s.words, byCount)
		s.SetQueryNorm(1 / math.Sqrt(s.Weight()))
	}
	filter := func(field, t string) error {
		if field == s.q.field && slices.Contains(s.q.terms, t) {
			return nil // a word already
		}
		p, err := openPostings(snap, []byte(t), field, false, false)
		if err != nil {
			return err
		}
		s.walk = append(s.walk, &word{term: t, p: p})
		return nil
	}
	for _, p := range uniq(s.q.pairs) {
		if err := filter(FieldPairs, p); err != nil {
			return err
		}
	}
	for _, w := range uniq(s.q.rare) {
		if err := filter(FieldText, w); err != nil {
			return err
		}
	}
	slices.SortStableFunc(s.walk, byCount)
	all := make([]*postings, len(s.walk))
	for k, w := range s.walk {
		all[k] = w.p
	}
	intersect(all)
	return nil
}

func (s *positionsSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	return s.find(ctx, nil)
}

func (s *positionsSearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	s.target = append(s.target[:0], id...)
	return s.find(ctx, s.target)
}

// find returns the first document from target on (nil: after the one the
// searcher stands on) that every word, pair and other word holds and that
// passes the check. A reader standing past target moves target on.
func (s *positionsSearcher) find(ctx *search.SearchContext, target bindex.IndexInternalID) (*search.DocumentMatch, error) {
	for {
		if target == nil {
			w := s.walk[0]
			if err := w.next(); err != nil || w.done {
				return nil, err
			}
			s.target = append(s.target[:0], w.p.id...)
			target = s.target
		}
		ahead := false
		for _, w := range s.walk {
			if err := w.advance(target); err != nil || w.done {
				return nil, err
			}
			if w.p.id.Compare(target) > 0 {
				s.target = append(s.target[:0], w.p.id...)
				target = s.target
				ahead = true
				break
			}
		}
		if ahead {
			continue
		}
		if s.unchecked || s.passes() {
			return s.match(ctx), nil
		}
		target = nil
	}
}

// passes checks the positions of the words on the document they stand on.
func (s *positionsSearcher) passes() bool {
	if s.pair && !s.options.IncludeTermVectors {
		if near, ok := nearPair(s.words[0].p.posting.Locations(), s.words[1].p.posting.Locations(), uint64(s.q.n+1)); ok {
			return near
		}
	}
	s.check.reset(s.q)
	loc := 0
	for _, w := range s.words {
		s.check.run()
		for _, l := range w.p.posting.Locations() {
			sentence := uint64(0)
			if ap := l.ArrayPositions(); len(ap) > 0 {
				sentence = ap[0]
			}
			s.check.add(occ{sentence: sentence, pos: l.Pos(), term: w.index, loc: loc})
			loc++
		}
	}
	return s.check.decide(s.q, loc, s.options.IncludeTermVectors)
}

// nearPair says whether two different words stand in one sentence with
// their positions at most span apart, walking their locations (each in
// order of sentence and position, as the field was analysed) side by
// side, always on from the one that comes first. It is the checker's
// answer for near of two words when no locations are wanted, without
// gathering and merging the locations first: that was a fifth of a
// proximity search of two common words. ok is false when a word's
// locations are out of order (no index written here holds such), for the
// checker to decide.
func nearPair(a, b []segment.Location, span uint64) (near, ok bool) {
	i, j := 0, 0
	var lastA, lastB uint64 // sentence<<32 | position, of the last seen
	for i < len(a) && j < len(b) {
		sa, pa := sentenceOf(a[i]), a[i].Pos()
		sb, pb := sentenceOf(b[j]), b[j].Pos()
		ka, kb := sa<<32|pa, sb<<32|pb
		if ka < lastA || kb < lastB || max(sa, pa, sb, pb) >= 1<<32 {
			return false, false
		}
		lastA, lastB = ka, kb
		if sa == sb && max(pa, pb)-min(pa, pb) <= span {
			return true, true
		}
		if ka < kb {
			i++
		} else {
			j++
		}
	}
	// The rest of the other word's locations stand after every one of
	// this word's, if they are in order.
	return false, inOrder(a[i:], lastA) && inOrder(b[j:], lastB)
}

// inOrder says whether locations are in order of sentence and position,
// from last on.
func inOrder(ls []segment.Location, last uint64) bool {
	for _, l := range ls {
		sentence, pos := sentenceOf(l), l.Pos()
		k := sentence<<32 | pos
		if k < last || max(sentence, pos) >= 1<<32 {
			return false
		}
		last = k
	}
	return true
}

func sentenceOf(l segment.Location) uint64 {
	if ap := l.ArrayPositions(); len(ap) > 0 {
		return ap[0]
	}
	return 0
}

// match scores the document the words stand on as Bleve's conjunction
// does (the sum of the term scores, in the words' order) and gives it the
// locations that passed, when the search wants them.
func (s *positionsSearcher) match(ctx *search.SearchContext) *search.DocumentMatch {
	var rv *search.DocumentMatch
	sum := 0.0
	s.scored = s.scored[:0]
	for k, w := range s.words {
		s.lite = bindex.TermFieldDoc{ID: w.p.id, Freq: w.p.posting.Frequency(), Norm: w.p.posting.Norm()}
		dm := w.scorer.Score(ctx, &s.lite)
		sum += dm.Score
		if s.options.Explain {
			s.scored = append(s.scored, dm.Expl)
		}
		if k == 0 {
			rv = dm
		} else {
			ctx.DocumentMatchPool.Put(dm)
		}
	}
	if len(s.words) > 1 {
		rv.Score = sum
		rv.Expl = nil
		if s.options.Explain {
			rv.Expl = &search.Explanation{Value: sum, Message: "sum of:", Children: slices.Clone(s.scored)}
		}
	}
	if !s.options.IncludeTermVectors {
		return rv
	}
	loc := 0
	for _, w := range s.words {
		for _, l := range w.p.posting.Locations() {
			if s.unchecked || s.check.kept[loc] {
				// Each slot's ArrayPositions array is its own (Bleve
				// reuses them for later documents).
				n := len(rv.FieldTermLocations)
				var ap search.ArrayPositions
				if n < cap(rv.FieldTermLocations) {
					ap = rv.FieldTermLocations[:n+1][n].Location.ArrayPositions[:0]
				}
				rv.FieldTermLocations = append(rv.FieldTermLocations, search.FieldTermLocation{
					Field: l.Field(), Term: w.term,
					Location: search.Location{Pos: l.Pos(), Start: l.Start(), End: l.End(), ArrayPositions: append(ap, l.ArrayPositions()...)},
				})
			}
			loc++
		}
	}
	rv.Locations = nil // built from FieldTermLocations by Complete
	return rv
}

// Close has nothing to close: the postings are read from the snapshot's
// segments, which the snapshot keeps open.
func (s *positionsSearcher) Close() error { return nil }

// Weight, SetQueryNorm and Count are the conjunction's of the words' term
// searchers.
func (s *positionsSearcher) Weight() float64 {
	var w float64
	for _, x := range s.words {
		w += x.scorer.Weight()
	}
	return w
}

func (s *positionsSearcher) SetQueryNorm(qnorm float64) {
	for _, w := range s.words {
		w.scorer.SetQueryNorm(qnorm)
	}
}

func (s *positionsSearcher) Count() uint64 {
	var n uint64
	for _, w := range s.words {
		n += w.p.count
	}
	return n
}

func (s *positionsSearcher) Min() int { return 0 }

func (s *positionsSearcher) Size() int {
	n := 0
	for _, w := range s.walk {
		n += w.p.Size()
		if w.scorer != nil {
			n += w.scorer.Size()
		}
	}
	return n
}

func (s *positionsSearcher) DocumentMatchPoolSize() int {
	return len(s.words) // the words' scores of one document
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
	runs     []int    // where each term's locations start in occs
	spare    []occ    // where runs are merged
	have     []int    // per distinct term, in the window
	kept     []bool   // per location of the document: passes
	ready    bool
}

type occ struct {
	sentence, pos uint64
	term, loc     int // distinct term; index among the document's locations
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

// reset starts a document.
func (c *checker) reset(q *positionsQuery) {
	if !c.ready {
		c.init(q)
	}
	c.occs, c.runs = c.occs[:0], c.runs[:0]
}

// run starts the locations of the next term.
func (c *checker) run() { c.runs = append(c.runs, len(c.occs)) }

// add records one location of a term on the document.
func (c *checker) add(o occ) { c.occs = append(c.occs, o) }

// decide says whether any of the locations (n of them) pass q. With all,
// it sets kept for every one that does; without (a search that wants no
// locations), it stops at the first.
func (c *checker) decide(q *positionsQuery, n int, all bool) bool {
	c.order()
	c.kept = slices.Grow(c.kept[:0], n)[:n]
	clear(c.kept)
	if q.phrase {
		return c.inOrder(all)
	}
	return c.window(uint64(q.n+len(q.terms)-1), all)
}

// order puts the locations in order of sentence and position. Each term's
// run of them is in that order already (a term's locations are stored as
// the field was analysed), so merging the runs is enough; sorting them
// was a twentieth of a proximity search of common words. Runs out of
// order, which no index written here holds, are sorted.
func (c *checker) order() {
	for i := range c.runs {
		run := c.occs[c.runs[i]:c.runEnd(i)]
		for k := 1; k < len(run); k++ {
			if occBefore(run[k], run[k-1]) {
				slices.SortFunc(c.occs, func(a, b occ) int {
					return cmp.Or(cmp.Compare(a.sentence, b.sentence), cmp.Compare(a.pos, b.pos))
				})
				return
			}
		}
	}
	for len(c.runs) > 1 {
		mid, end := c.runs[1], c.runEnd(1)
		c.spare = mergeOccs(c.spare[:0], c.occs[:mid], c.occs[mid:end])
		copy(c.occs, c.spare)
		c.runs = slices.Delete(c.runs, 1, 2)
	}
}

func (c *checker) runEnd(i int) int {
	if i+1 < len(c.runs) {
		return c.runs[i+1]
	}
	return len(c.occs)
}

func occBefore(a, b occ) bool {
	return a.sentence < b.sentence || a.sentence == b.sentence && a.pos < b.pos
}

// mergeOccs appends the merge of two ordered runs to out.
func mergeOccs(out, a, b []occ) []occ {
	for len(a) > 0 && len(b) > 0 {
		if occBefore(b[0], a[0]) {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// inOrder marks the places where the terms stand next to each other in
// order, in one sentence (without all, it stops at the first).
func (c *checker) inOrder(all bool) bool {
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
			if !all {
				return true
			}
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
// the first (without all, it stops at the first).
func (c *checker) window(span uint64, all bool) bool {
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
				if !all {
					return true
				}
				for k := lo; k <= hi; k++ {
					c.kept[occs[k].loc] = true
				}
			}
		}
		from = to
	}
	return found
}
