package index

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/alongside-qda/alongside/corpus"
)

// Match is one matched word of a hit: the sentence of the passage it is in,
// and its byte offsets inside that sentence's text.
type Match struct {
	Sentence   int
	Start, End int
}

// Hit is one passage a query matched.
type Hit struct {
	ID      string // the passage ID
	Score   float64
	Matches []Match // in order, without duplicates
}

// Compiled is a query ready to run.
type Compiled struct {
	Query query.Query
}

// Compile turns a parsed query into a Bleve query over r's shards.
func (r *Reader) Compile(ctx context.Context, n Node) (*Compiled, error) {
	c := &Compiled{}
	q, err := r.compile(ctx, n, c)
	if err != nil {
		return nil, err
	}
	c.Query = q // each shard leaves out the masked passages it holds (see Open)
	return c, nil
}

func (r *Reader) compile(ctx context.Context, n Node, c *Compiled) (query.Query, error) {
	switch v := n.(type) {
	case Word:
		field := FieldText
		if v.Exact {
			field = FieldExact
		}
		return r.termsQuery(analyze(r.mapping, field, v.Text), field, v.Text), nil
	case Phrase:
		field := FieldText
		if v.Exact {
			field = FieldExact
		}
		text := strings.Join(v.Words, " ")
		terms := analyze(r.mapping, field, text)
		if v.Near < 0 {
			return r.termsQuery(terms, field, text), nil
		}
		if len(terms) == 0 {
			return bleve.NewMatchNoneQuery(), nil
		}
		return &positionsQuery{field: field, terms: terms, n: v.Near}, nil
	case Prefix:
		p := bleve.NewPrefixQuery(normalizeApostrophes(strings.ToLower(v.Text)))
		p.SetField(FieldExact)
		return p, nil
	case Field:
		if !IsIndexField(v.Name) {
			return nil, fmt.Errorf("%s: is a filter on the project's speakers: resolve it before searching the index", v.Name)
		}
		value, prefix := v.Value, strings.HasSuffix(v.Value, "*")
		value = strings.TrimRight(value, "*")
		if v.Name != "speaker" {
			return r.transcriptQuery(value, prefix)
		}
		value = corpus.SpeakerKey(value)
		if prefix {
			p := bleve.NewPrefixQuery(value)
			p.SetField(FieldSpeaker)
			return p, nil
		}
		t := bleve.NewTermQuery(value)
		t.SetField(FieldSpeaker)
		return t, nil
	case And:
		b := bleve.NewBooleanQuery()
		positive, scoring := 0, slices.ContainsFunc(v.Nodes, func(n Node) bool { _, not := n.(Not); return !not && !filterOnly(n) })
		var filters []query.Query
		for _, child := range v.Nodes {
			if not, ok := child.(Not); ok {
				q, err := r.compile(ctx, not.Node, c)
				if err != nil {
					return nil, err
				}
				b.AddMustNot(q)
				continue
			}
			q, err := r.compile(ctx, child, c)
			if err != nil {
				return nil, err
			}
			positive++
			if scoring && filterOnly(child) {
				// Who speaks and which transcript only select passages: as a
				// filter, unscored, Bleve walks a speaker's long postings
				// as a bitmap (a word with speaker:participant at 30M words
				// spent most of its time scoring the speaker's postings).
				filters = append(filters, q)
				continue
			}
			b.AddMust(q)
		}
		switch {
		case positive == 0:
			b.AddMust(bleve.NewMatchAllQuery())
		case len(filters) == 1:
			b.AddFilter(filters[0])
		case len(filters) > 1:
			b.AddFilter(bleve.NewConjunctionQuery(filters...))
		}
		return b, nil
	case Or:
		qs := make([]query.Query, 0, len(v.Nodes))
		for _, child := range v.Nodes {
			q, err := r.compile(ctx, child, c)
			if err != nil {
				return nil, err
			}
			qs = append(qs, q)
		}
		return bleve.NewDisjunctionQuery(qs...), nil
	case Not:
		q, err := r.compile(ctx, v.Node, c)
		if err != nil {
			return nil, err
		}
		b := bleve.NewBooleanQuery()
		b.AddMust(bleve.NewMatchAllQuery())
		b.AddMustNot(q)
		return b, nil
	}
	return nil, fmt.Errorf("query: unknown node %T", n)
}

// filterOnly says whether a node only selects passages by who speaks or
// which transcript, and so has nothing to say about relevance.
func filterOnly(n Node) bool {
	switch v := n.(type) {
	case Field:
		return true
	case And:
		return allFilterOnly(v.Nodes)
	case Or:
		return allFilterOnly(v.Nodes)
	case Not:
		return filterOnly(v.Node)
	}
	return false
}

func allFilterOnly(nodes []Node) bool {
	return len(nodes) > 0 && !slices.ContainsFunc(nodes, func(n Node) bool { return !filterOnly(n) })
}

// termsQuery matches the terms of text analysed for field: one term, or a
// phrase of several (a word the analyzer splits, such as "e-mail", is a
// phrase). Every phrase is a positionsQuery, on any shard: Bleve's own
// phrase searcher keeps the locations of the match it returned, and both
// reusing its matches and running it inside a conjunction gave passages
// without the phrase or wrong locations ("that that", "and and").
func (r *Reader) termsQuery(terms []string, field, text string) query.Query {
	switch len(terms) {
	case 0:
		return bleve.NewMatchNoneQuery()
	case 1:
		t := bleve.NewTermQuery(terms[0])
		t.SetField(field)
		return t
	}
	// The word pairs are of stemmed words: a passage holding the exact
	// words holds their stems' pairs too, so an exact phrase is driven by
	// them as well and checked on the exact field. The phrase's other
	// words drive it with the pairs: the rarest of them all leads. On
	// shards written before pairs, the words alone drive it.
	var pairs []string
	if r.pairs {
		pairs = analyze(r.mapping, FieldPairs, text) // of common words only
	}
	stems := terms
	if field != FieldText {
		stems = analyze(r.mapping, FieldText, text)
	}
	var rare []string
	for _, t := range stems {
		if !commonSet[t] {
			rare = append(rare, t)
		}
	}
	if len(pairs) == 0 { // no pairs: the intersection of the words' postings drives it
		rare = stems
	}
	return &positionsQuery{field: field, terms: terms, phrase: true, pairs: pairs, rare: rare}
}

func normalizeApostrophes(s string) string {
	for _, c := range curly {
		s = strings.ReplaceAll(s, string(c), "'")
	}
	return s
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// each runs q over every shard and calls fn for every hit, in no order and
// never concurrently; fn must not keep the hit. Hits have their locations
// when locations is set, and their scores when scores is. It is one pass: a
// document match handler takes each hit from Bleve's collector as it is
// found, with no sorting or paging (paging with SearchAfter re-ran the
// query for every page, which grew with the square of the number of hits).
func (r *Reader) each(ctx context.Context, q query.Query, locations, scores bool, fn func(*search.DocumentMatch)) error {
	var mu sync.Mutex // shards are searched concurrently
	handler := func(sc *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
		return func(h *search.DocumentMatch) error {
			if h == nil { // the end of a shard
				return nil
			}
			if locations {
				h.Complete(nil)
			}
			mu.Lock()
			fn(h)
			mu.Unlock()
			// Not put back in the pool: no gain was measured here, and a
			// reused match once corrupted Bleve's phrase searcher (see
			// termsQuery).
			return nil
		}, true, nil // true: load the IDs
	}
	ctx = context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(handler))
	req := bleve.NewSearchRequestOptions(q, 0, 0, false)
	req.IncludeLocations = locations
	if !scores {
		req.Score = bleve.ScoreNone
	}
	if _, err := r.alias.SearchInContext(ctx, req); err != nil {
		return fmt.Errorf("searching: %w", err)
	}
	return nil
}

// Search runs a compiled query and returns hits ordered by score, then
// transcript and position, and the total number of hits.
//
// With a limit, one pass ranks every hit as it is found (see top). Bleve
// sorts by score only, and hits of equal score almost always tie across
// the limit (44 to 46 of 50 queries of each kind at 30 M words), so
// ranking by Bleve and then again among the tied took two passes over
// every hit. Sorting by the transcript and seq fields in Bleve made it read
// their doc values for every hit, which took most of a search's time on a
// million passages.
func (r *Reader) Search(ctx context.Context, c *Compiled, limit int) ([]Hit, int, error) {
	if limit <= 0 {
		return r.all(ctx, c)
	}
	ranked, total, err := r.top(ctx, c.Query, limit)
	if err != nil {
		return nil, 0, err
	}
	located := map[string]*search.DocumentMatch{}
	if len(ranked) > 0 {
		ids := make([]string, len(ranked))
		for i, rh := range ranked {
			ids[i] = rh.hit.ID
		}
		if located, err = r.locate(ctx, c, ids); err != nil {
			return nil, 0, err
		}
	}
	hits := make([]Hit, len(ranked))
	for i, rh := range ranked {
		h := rh.hit
		if l, ok := located[h.ID]; ok {
			h = l
		}
		hits[i] = Hit{ID: rh.hit.ID, Score: rh.hit.Score, Matches: c.matches(h)}
	}
	return hits, total, nil
}

// all returns every hit of a compiled query, with its words' locations,
// ranked, and their number: one pass, as All (a count first and then a
// search sized by it walked every hit twice).
func (r *Reader) all(ctx context.Context, c *Compiled) ([]Hit, int, error) {
	type rankedMatch struct {
		key rankKey
		hit Hit
	}
	var found []rankedMatch
	err := r.each(ctx, c.Query, true, true, func(h *search.DocumentMatch) {
		found = append(found, rankedMatch{newRankKey(h.ID, h.Score), Hit{ID: h.ID, Score: h.Score, Matches: c.matches(h)}})
	})
	if err != nil {
		return nil, 0, err
	}
	slices.SortFunc(found, func(a, b rankedMatch) int { return compareKeys(a.key, b.key) })
	hits := make([]Hit, len(found))
	for i, f := range found {
		hits[i] = f.hit
	}
	return hits, len(hits), nil
}

// locate runs the query again on the given passages alone, with the
// locations of the words that matched, by passage ID.
func (r *Reader) locate(ctx context.Context, c *Compiled, ids []string) (map[string]*search.DocumentMatch, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), c.Query), len(ids), 0, false)
	req.IncludeLocations = true
	res, err := r.alias.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	out := make(map[string]*search.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		out[h.ID] = h
	}
	return out, nil
}

// top returns the first limit hits of q by rank (see rankKey), in rank
// order, and the number of hits, in one pass without locations (Search
// reads those of the hits it keeps). Each shard keeps its best hits in a
// heap of its own and loads a hit's ID only when its score can place it
// there and among all shards' best: a hit scoring less than the last of a
// shard's full heap is not among the first limit. The shards' best are
// ranked together at the end. A hit that does not place goes back to its
// shard's pool, as Bleve's own collector puts it back: a new match for
// every hit was 6% of a common phrase's search.
func (r *Reader) top(ctx context.Context, q query.Query, limit int) ([]rankedHit, int, error) {
	var (
		mu    sync.Mutex // shards are searched concurrently
		best  []rankedHit
		total int
		floor atomic.Uint64 // the highest score of the last of a shard's full heap, as math.Float64bits
	)
	floor.Store(math.Float64bits(math.Inf(-1)))
	handler := func(sc *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
		var (
			top rankHeap
			n   int
		)
		return func(h *search.DocumentMatch) error {
			if h == nil { // the end of a shard
				mu.Lock()
				best, total = append(best, top...), total+n
				mu.Unlock()
				return nil
			}
			n++
			if h.Score < math.Float64frombits(floor.Load()) || len(top) == limit && h.Score < top[0].key.score {
				sc.DocumentMatchPool.Put(h)
				return nil
			}
			id, err := sc.IndexReader.ExternalID(h.IndexInternalID)
			if err != nil {
				return err
			}
			k := newRankKey(id, h.Score)
			if len(top) == limit && !k.before(top[0].key) {
				sc.DocumentMatchPool.Put(h)
				return nil
			}
			h.ID = id
			heap.Push(&top, rankedHit{key: k, hit: h})
			if len(top) > limit {
				sc.DocumentMatchPool.Put(heap.Pop(&top).(rankedHit).hit)
			}
			if len(top) == limit {
				for last := top[0].key.score; ; {
					f := floor.Load()
					if last <= math.Float64frombits(f) || floor.CompareAndSwap(f, math.Float64bits(last)) {
						break
					}
				}
			}
			return nil
		}, false, nil
	}
	ctx = context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(handler))
	if _, err := r.alias.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, 0, 0, false)); err != nil {
		return nil, 0, fmt.Errorf("searching: %w", err)
	}
	slices.SortFunc(best, compareRanked)
	if len(best) > limit {
		best = best[:limit]
	}
	return best, total, nil
}

// rankKey orders hits: by score (highest first), then transcript and
// position, then ID.
type rankKey struct {
	score      float64
	transcript string
	seq        int
	id         string
}

// newRankKey takes the transcript and position from a passage ID
// ("<transcript ID>#<version>#<seq>", see corpus.PassageID); an ID of
// another form orders as a transcript of its own.
func newRankKey(id string, score float64) rankKey {
	k := rankKey{score: score, transcript: id, id: id}
	if t, _, seq, ok := corpus.ParsePassageID(id); ok {
		k.transcript, k.seq = t, seq
	}
	return k
}

func (a rankKey) before(b rankKey) bool {
	switch {
	case a.score != b.score:
		return a.score > b.score
	case a.transcript != b.transcript:
		return a.transcript < b.transcript
	case a.seq != b.seq:
		return a.seq < b.seq
	}
	return a.id < b.id
}

type rankedHit struct {
	key rankKey
	hit *search.DocumentMatch
}

func compareRanked(a, b rankedHit) int { return compareKeys(a.key, b.key) }

func compareKeys(a, b rankKey) int {
	switch {
	case a.before(b):
		return -1
	case b.before(a):
		return 1
	}
	return 0
}

// rankHeap holds the best hits seen, the last by rank on top.
type rankHeap []rankedHit

func (h rankHeap) Len() int           { return len(h) }
func (h rankHeap) Less(i, j int) bool { return h[j].key.before(h[i].key) }
func (h rankHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rankHeap) Push(x any)        { *h = append(*h, x.(rankedHit)) }
func (h *rankHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// IDs returns the IDs of every passage the query matches, sorted.
func (r *Reader) IDs(ctx context.Context, c *Compiled) ([]string, error) {
	var ids []string
	err := r.each(ctx, c.Query, false, false, func(h *search.DocumentMatch) { ids = append(ids, h.ID) })
	sort.Strings(ids)
	return ids, err
}

// matches collects a hit's matched words in the text fields.
func (c *Compiled) matches(h *search.DocumentMatch) []Match {
	var ms []Match
	for _, field := range []string{FieldText, FieldExact} {
		for _, locs := range h.Locations[field] {
			for _, l := range locs {
				s := 0
				if len(l.ArrayPositions) > 0 {
					s = int(l.ArrayPositions[0])
				}
				ms = append(ms, Match{Sentence: s, Start: int(l.Start), End: int(l.End)})
			}
		}
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Sentence != ms[j].Sentence {
			return ms[i].Sentence < ms[j].Sentence
		}
		if ms[i].Start != ms[j].Start {
			return ms[i].Start < ms[j].Start
		}
		return ms[i].End < ms[j].End
	})
	out := ms[:0]
	for i, m := range ms {
		if i == 0 || m != ms[i-1] {
			out = append(out, m)
		}
	}
	return out
}
