package index

import (
	"context"
	"fmt"
	"sort"
	"strings"

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

// Compiled is a query ready to run: the Bleve query and, for proximity
// nodes, the match locations found while resolving them.
type Compiled struct {
	Query query.Query
	near  map[string][]Match
}

// Compile turns a parsed query into a Bleve query over r's shards.
// Proximity nodes are resolved here, with their own searches.
func (r *Reader) Compile(ctx context.Context, n Node) (*Compiled, error) {
	c := &Compiled{near: map[string][]Match{}}
	q, err := r.compile(ctx, n, c)
	if err != nil {
		return nil, err
	}
	if len(r.masked) > 0 {
		b := bleve.NewBooleanQuery()
		b.AddMust(q)
		b.AddMustNot(bleve.NewDocIDQuery(r.masked))
		q = b
	}
	c.Query = q
	return c, nil
}

func (r *Reader) compile(ctx context.Context, n Node, c *Compiled) (query.Query, error) {
	switch v := n.(type) {
	case Word:
		field := FieldText
		if v.Exact {
			field = FieldExact
		}
		return termsQuery(analyze(r.mapping, field, v.Text), field), nil
	case Phrase:
		field := FieldText
		if v.Exact {
			field = FieldExact
		}
		terms := analyze(r.mapping, field, strings.Join(v.Words, " "))
		if v.Near < 0 {
			return termsQuery(terms, field), nil
		}
		return r.near(ctx, terms, field, v.Near, c)
	case Prefix:
		p := bleve.NewPrefixQuery(normalizeApostrophes(strings.ToLower(v.Text)))
		p.SetField(FieldExact)
		return p, nil
	case Field:
		value, prefix := v.Value, strings.HasSuffix(v.Value, "*")
		value = strings.TrimRight(value, "*")
		field := FieldTranscript
		if v.Name == "speaker" {
			field = FieldSpeaker
			value = corpus.SpeakerKey(value)
		}
		if prefix {
			p := bleve.NewPrefixQuery(value)
			p.SetField(field)
			return p, nil
		}
		t := bleve.NewTermQuery(value)
		t.SetField(field)
		return t, nil
	case And:
		b := bleve.NewBooleanQuery()
		positive := 0
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
			b.AddMust(q)
			positive++
		}
		if positive == 0 {
			b.AddMust(bleve.NewMatchAllQuery())
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

// termsQuery matches analysed terms: one term, or a phrase of several (a
// word the analyzer splits, such as "e-mail", is a phrase).
func termsQuery(terms []string, field string) query.Query {
	switch len(terms) {
	case 0:
		return bleve.NewMatchNoneQuery()
	case 1:
		t := bleve.NewTermQuery(terms[0])
		t.SetField(field)
		return t
	}
	return bleve.NewPhraseQuery(terms, field)
}

func normalizeApostrophes(s string) string {
	for _, c := range curly {
		s = strings.ReplaceAll(s, string(c), "'")
	}
	return s
}

// near resolves "a b"~N: passages where one sentence holds every term with
// at most N other words between the first and the last. Bleve finds the
// passages holding all the terms, with their locations; the window is
// checked here on those positions (never by re-reading text).
func (r *Reader) near(ctx context.Context, terms []string, field string, n int, c *Compiled) (query.Query, error) {
	if len(terms) == 0 {
		return bleve.NewMatchNoneQuery(), nil
	}
	conj := bleve.NewConjunctionQuery()
	for _, t := range uniq(terms) {
		tq := bleve.NewTermQuery(t)
		tq.SetField(field)
		conj.AddQuery(tq)
	}
	var q query.Query = conj
	if len(r.masked) > 0 {
		b := bleve.NewBooleanQuery()
		b.AddMust(conj)
		b.AddMustNot(bleve.NewDocIDQuery(r.masked))
		q = b
	}
	var ids []string
	err := r.each(ctx, q, true, func(h *search.DocumentMatch) {
		if m := window(h.Locations[field], terms, n); m != nil {
			ids = append(ids, h.ID)
			c.near[h.ID] = append(c.near[h.ID], m...)
		}
	})
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return bleve.NewMatchNoneQuery(), nil
	}
	return bleve.NewDocIDQuery(ids), nil
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

// each runs q over every shard and calls fn for every hit, paging through
// all of them.
func (r *Reader) each(ctx context.Context, q query.Query, locations bool, fn func(*search.DocumentMatch)) error {
	const page = 2000
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(q, page, 0, false)
		req.IncludeLocations = locations
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SetSearchAfter(after)
		}
		res, err := r.alias.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("searching: %w", err)
		}
		for _, h := range res.Hits {
			fn(h)
		}
		if len(res.Hits) < page {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// window finds, per sentence, the smallest windows holding every term
// (each occurrence used once) with at most n words between the first and
// the last, and returns the locations inside them; nil when none.
func window(locs search.TermLocationMap, terms []string, n int) []Match {
	type occ struct {
		pos        uint64
		term       int
		start, end int
	}
	need := map[string]int{}
	for _, t := range terms {
		need[t]++
	}
	distinct := uniq(terms)
	bySentence := map[uint64][]occ{}
	for ti, t := range distinct {
		for _, l := range locs[t] {
			var s uint64
			if len(l.ArrayPositions) > 0 {
				s = l.ArrayPositions[0]
			}
			bySentence[s] = append(bySentence[s], occ{pos: l.Pos, term: ti, start: int(l.Start), end: int(l.End)})
		}
	}
	sentences := make([]uint64, 0, len(bySentence))
	for s := range bySentence {
		sentences = append(sentences, s)
	}
	sort.Slice(sentences, func(i, j int) bool { return sentences[i] < sentences[j] })
	span := uint64(n + len(terms) - 1) // last position - first position
	var out []Match
	for _, s := range sentences {
		occs := bySentence[s]
		sort.Slice(occs, func(i, j int) bool { return occs[i].pos < occs[j].pos })
		have := make([]int, len(distinct))
		missing := len(distinct)
		lo := 0
		marked := map[int]bool{}
		for hi := range occs {
			t := occs[hi].term
			have[t]++
			if have[t] == need[distinct[t]] {
				missing--
			}
			for occs[hi].pos-occs[lo].pos > span {
				lt := occs[lo].term
				if have[lt] == need[distinct[lt]] {
					missing++
				}
				have[lt]--
				lo++
			}
			if missing == 0 {
				for k := lo; k <= hi; k++ {
					marked[k] = true
				}
			}
		}
		for k := range occs {
			if marked[k] {
				out = append(out, Match{Sentence: int(s), Start: occs[k].start, End: occs[k].end})
			}
		}
	}
	return out
}

// Search runs a compiled query and returns hits ordered by score, then
// transcript and position, and the total number of hits.
func (r *Reader) Search(ctx context.Context, c *Compiled, limit int) ([]Hit, int, error) {
	size := limit
	if limit <= 0 {
		count, err := r.alias.SearchInContext(ctx, bleve.NewSearchRequestOptions(c.Query, 0, 0, false))
		if err != nil {
			return nil, 0, fmt.Errorf("searching: %w", err)
		}
		size = int(count.Total)
		if size == 0 {
			return nil, 0, nil
		}
	}
	req := bleve.NewSearchRequestOptions(c.Query, size, 0, false)
	req.IncludeLocations = true
	req.SortBy([]string{"-_score", FieldTranscript, FieldSeq, "_id"})
	res, err := r.alias.SearchInContext(ctx, req)
	if err != nil {
		return nil, 0, fmt.Errorf("searching: %w", err)
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		hits = append(hits, Hit{ID: h.ID, Score: h.Score, Matches: c.matches(h)})
	}
	return hits, int(res.Total), nil
}

// IDs returns the IDs of every passage the query matches, sorted.
func (r *Reader) IDs(ctx context.Context, c *Compiled) ([]string, error) {
	var ids []string
	err := r.each(ctx, c.Query, false, func(h *search.DocumentMatch) { ids = append(ids, h.ID) })
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
	ms = append(ms, c.near[h.ID]...)
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
