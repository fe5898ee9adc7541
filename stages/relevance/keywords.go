package relevance

import (
	"strings"

	"github.com/alongside-qda/alongside/index"
)

// A keyword rule matched on a Doc's words: the analyst's own evidence
// that a unit is the code's, which relevance counts beside the
// description (see Scorer.Score). It matches as the index does, on stems:
// words in any inflection, phrases as adjacent words, NEAR as all words
// present, AND, OR and NOT. Two approximations, since a Doc keeps stems,
// not forms: an exact form matches its stem, and a prefix matches the
// stems that start with it. Field filters match: a code's units are its
// speakers' already.
type matcher func(seq []int32) bool

// compileRule turns a rule into a matcher; nil when it does not parse.
func (x *Index) compileRule(rule string) matcher {
	n, err := index.Parse(rule)
	if err != nil {
		return nil
	}
	return x.compile(n)
}

func (x *Index) compile(n index.Node) matcher {
	switch v := n.(type) {
	case index.Word:
		return x.phrase(v.Text)
	case index.Prefix:
		ids := x.prefixIDs(v.Text)
		return func(seq []int32) bool {
			for _, w := range seq {
				if ids[wordID(w)] {
					return true
				}
			}
			return false
		}
	case index.Phrase:
		if v.Near >= 0 {
			var all []matcher
			for _, w := range v.Words {
				all = append(all, x.phrase(w))
			}
			return and(all)
		}
		return x.phrase(strings.Join(v.Words, " "))
	case index.And:
		var all []matcher
		for _, c := range v.Nodes {
			all = append(all, x.compile(c))
		}
		return and(all)
	case index.Or:
		var any []matcher
		for _, c := range v.Nodes {
			any = append(any, x.compile(c))
		}
		return func(seq []int32) bool {
			for _, m := range any {
				if m(seq) {
					return true
				}
			}
			return false
		}
	case index.Not:
		m := x.compile(v.Node)
		return func(seq []int32) bool { return !m(seq) }
	}
	return func([]int32) bool { return true } // a filter
}

func and(all []matcher) matcher {
	return func(seq []int32) bool {
		for _, m := range all {
			if !m(seq) {
				return false
			}
		}
		return true
	}
}

// phrase matches text's words, adjacent and in order (function words
// too: "don't want"). A word the corpus never had matches nothing.
func (x *Index) phrase(text string) matcher {
	want := x.phraseWords(text)
	if len(want) == 0 {
		return func([]int32) bool { return false }
	}
	return func(seq []int32) bool {
	outer:
		for i := 0; i+len(want) <= len(seq); i++ {
			for k, id := range want {
				if wordID(seq[i+k]) != id {
					continue outer
				}
			}
			return true
		}
		return false
	}
}

// prefixIDs are the words of the vocabulary a prefix matches.
func (x *Index) prefixIDs(prefix string) map[int32]bool {
	p := strings.ToLower(prefix)
	ids := map[int32]bool{}
	for stem, id := range x.vocab {
		if strings.HasPrefix(stem, p) || strings.HasPrefix(p, stem) && len(stem) >= 4 {
			ids[id] = true
		}
	}
	return ids
}

// mayMatch marks, for a quick look at every unit of the corpus, the words
// without which no rule can match: a unit holding none of them needs no
// look at its rules. all is true when some rule may match a unit without
// any word of its own (NOT x, a field filter alone): every unit is looked at.
func (x *Index) mayMatch(rules []string) (words []bool, all bool) {
	words = make([]bool, len(x.words))
	for _, r := range rules {
		n, err := index.Parse(r)
		if err != nil {
			continue // compileRule made no matcher for it either
		}
		ids, ok := x.required(n)
		if !ok {
			return nil, true
		}
		for _, id := range ids {
			words[id] = true
		}
	}
	return words, false
}

// required are words one of which a unit must hold to match n; ok is
// false when n may match a unit without any.
func (x *Index) required(n index.Node) (ids []int32, ok bool) {
	switch v := n.(type) {
	case index.Word:
		return x.phraseWords(v.Text), true
	case index.Prefix:
		for id := range x.prefixIDs(v.Text) {
			ids = append(ids, id)
		}
		return ids, true
	case index.Phrase:
		return x.phraseWords(strings.Join(v.Words, " ")), true
	case index.And:
		for _, c := range v.Nodes { // every part must match: any part's words will do
			if ids, ok := x.required(c); ok {
				return ids, true
			}
		}
		return nil, false
	case index.Or:
		for _, c := range v.Nodes {
			more, ok := x.required(c)
			if !ok {
				return nil, false
			}
			ids = append(ids, more...)
		}
		return ids, true
	}
	return nil, false // NOT, a filter
}

// phraseWords are the words of a phrase the vocabulary knows (a phrase
// with a word it does not know matches nothing: none are needed).
func (x *Index) phraseWords(text string) []int32 {
	var ids []int32
	for _, t := range x.an.Tokens(text) {
		if t.pseudo() {
			continue
		}
		id, ok := x.vocab[t.Stem]
		if !ok {
			return nil
		}
		ids = append(ids, id)
	}
	return ids
}
