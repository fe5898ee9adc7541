package stages

import (
	"index/suffixarray"
	"slices"

	"github.com/alongside-qda/alongside/corpus"
)

// occurrences counts, for the candidate spans of one transcript version,
// how many times each span's text occurs in the transcript before it
// (what CandidateID needs, as strings.Count over the text before the span
// would say). A short transcript is scanned per span; a long one (a pasted
// transcript of millions of words has tens of thousands of candidates,
// each of which would scan megabytes) gets a suffix array, so each count
// is a lookup.
type occurrences struct {
	t     *corpus.Transcript
	sa    *suffixarray.Index
	cache map[corpus.Span]int
}

// suffixArrayBytes is the text size from which occurrences are counted with
// a suffix array (about 5 bytes of memory per byte of text, for as long as
// the transcript's candidates are cut).
const suffixArrayBytes = 4 << 20

func newOccurrences(t *corpus.Transcript) *occurrences {
	return &occurrences{t: t, cache: map[corpus.Span]int{}}
}

// of returns the occurrence number of a span's text.
func (o *occurrences) of(span corpus.Span) int {
	if n, ok := o.cache[span]; ok {
		return n
	}
	var n int
	if len(o.t.Text) < suffixArrayBytes || span.Len() == 0 {
		n = occurrence(o.t, span.Start, span.End)
	} else {
		if o.sa == nil {
			o.sa = suffixarray.New([]byte(o.t.Text))
		}
		n = countBefore(o.sa, o.t.Cut(span), len(o.t.Cut(corpus.Span{Start: 0, End: span.Start})))
	}
	o.cache[span] = n
	return n
}

// countBefore is strings.Count(text[:end], sub) from a suffix array of
// text: the non-overlapping occurrences of sub, left to right, that end
// by end.
func countBefore(sa *suffixarray.Index, sub string, end int) int {
	at := sa.Lookup([]byte(sub), -1)
	slices.Sort(at)
	n, next := 0, 0
	for _, p := range at {
		if p < next || p+len(sub) > end {
			continue
		}
		n++
		next = p + len(sub)
	}
	return n
}
