package stages

import (
	"sort"

	"github.com/alongside-qda/alongside/corpus"
)

// occurrences numbers the candidate spans of one transcript version: how
// many times each span's text occurs in the transcript before it, as
// strings.Count over the text before the span says (what CandidateID
// needs). The spans of a matching pass are counted together in one walk
// over the text (count); a span not counted that way is counted alone by
// scanning the text before it.
type occurrences struct {
	t     *corpus.Transcript
	cache map[corpus.Span]int
}

func newOccurrences(t *corpus.Transcript) *occurrences {
	return &occurrences{t: t, cache: map[corpus.Span]int{}}
}

// of returns the occurrence number of a span's text.
func (o *occurrences) of(span corpus.Span) int {
	if n, ok := o.cache[span]; ok {
		return n
	}
	n := occurrence(o.t, span.Start, span.End)
	o.cache[span] = n
	return n
}

// count numbers the spans not numbered yet, in one walk over the text up
// to the last of them: a pasted transcript of millions of words has tens
// of thousands of candidates, and scanning the text before each was
// quadratic. Memory is a few words per span, whatever the text's size.
func (o *occurrences) count(spans []corpus.Span) {
	var qs []occurrenceQuery
	seen := map[corpus.Span]bool{}
	for _, s := range spans {
		if _, ok := o.cache[s]; ok || seen[s] || s.Len() <= 0 {
			continue
		}
		seen[s] = true
		text := o.t.Cut(s)
		qs = append(qs, occurrenceQuery{sub: text, at: len(o.t.Cut(corpus.Span{Start: 0, End: s.Start}))})
	}
	if len(qs) == 0 {
		return
	}
	countOccurrences(o.t.Text, qs)
	i := 0
	for _, s := range spans {
		if _, ok := o.cache[s]; ok || s.Len() <= 0 {
			continue
		}
		o.cache[s] = qs[i].n
		i++
	}
}

// occurrenceQuery asks for strings.Count(text[:at], sub); n is the answer.
type occurrenceQuery struct {
	sub string
	at  int
	n   int
}

// countOccurrences answers every query in one walk over text, in text
// order. strings.Count counts non-overlapping occurrences from the left,
// and the occurrences it picks in text[:at] are the ones it picks in the
// whole text that end by at; so one greedy pass per distinct sub, with a
// count and the end of its last pick, answers every at: at position at,
// the picks so far less the last one if it runs past at.
//
// Occurrences are found by the first up to 8 bytes of each sub (a map per
// prefix length), behind a filter on the first two bytes, and checked
// whole. The subs are candidate texts: whole sentences, which start at
// few places in the text.
func countOccurrences(text string, qs []occurrenceQuery) {
	type pattern struct {
		sub     string
		n, next int
		queries []int
	}
	ids := map[string]int{}
	var pats []pattern
	for qi, q := range qs {
		id, ok := ids[q.sub]
		if !ok {
			id = len(pats)
			ids[q.sub] = id
			pats = append(pats, pattern{sub: q.sub})
		}
		pats[id].queries = append(pats[id].queries, qi)
	}
	// byPrefix[k] finds the patterns by their first k bytes: k is 16 for
	// patterns that long (sentences that start alike, "I don't know",
	// share 8 bytes), 8 for those of 8 to 15 bytes, else their length.
	var byPrefix [17]map[[2]uint64][]int
	var pair [1 << 16 / 64]uint64 // first two bytes of patterns of 2 bytes or more
	var single [256]bool          // first byte of 1-byte patterns
	for id, p := range pats {
		k := prefixLen(len(p.sub))
		if byPrefix[k] == nil {
			byPrefix[k] = map[[2]uint64][]int{}
		}
		key := prefixKey(p.sub, k)
		byPrefix[k][key] = append(byPrefix[k][key], id)
		if k == 1 {
			single[p.sub[0]] = true
		} else {
			b := uint16(p.sub[0])<<8 | uint16(p.sub[1])
			pair[b/64] |= 1 << (b % 64)
		}
	}
	var lens []int
	for k := 1; k <= 16; k++ {
		if byPrefix[k] != nil {
			lens = append(lens, k)
		}
	}
	// The queries in text order: each is answered when the walk reaches it.
	order := make([]int, len(qs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return qs[order[a]].at < qs[order[b]].at })
	qid := make([]int, len(qs))
	for id, p := range pats {
		for _, qi := range p.queries {
			qid[qi] = id
		}
	}
	last := qs[order[len(order)-1]].at
	next := 0 // in order
	for i := 0; ; i++ {
		for next < len(order) && qs[order[next]].at == i {
			q := &qs[order[next]]
			p := &pats[qid[order[next]]]
			q.n = p.n
			if p.next > i {
				q.n-- // its last occurrence runs past i
			}
			next++
		}
		if i >= last || i >= len(text) {
			break
		}
		c := text[i]
		if !single[c] {
			if i+1 >= len(text) {
				continue
			}
			b := uint16(c)<<8 | uint16(text[i+1])
			if pair[b/64]&(1<<(b%64)) == 0 {
				continue
			}
		}
		for _, k := range lens {
			if i+k > len(text) {
				break
			}
			for _, id := range byPrefix[k][prefixKey(text[i:], k)] {
				p := &pats[id]
				if i >= p.next && i+len(p.sub) <= len(text) && text[i:i+len(p.sub)] == p.sub {
					p.n++
					p.next = i + len(p.sub)
				}
			}
		}
	}
	// Queries past the end of the text (none for real spans).
	for ; next < len(order); next++ {
		q := &qs[order[next]]
		p := &pats[qid[order[next]]]
		q.n = p.n
		if p.next > q.at {
			q.n--
		}
	}
}

// prefixLen is how many of its first bytes find a pattern of n bytes.
func prefixLen(n int) int {
	switch {
	case n >= 16:
		return 16
	case n >= 8:
		return 8
	}
	return n
}

// prefixKey packs the first k (at most 16) bytes of s into two numbers.
func prefixKey(s string, k int) [2]uint64 {
	var key [2]uint64
	for j := 0; j < k; j++ {
		key[j/8] |= uint64(s[j]) << (8 * (j % 8))
	}
	return key
}
