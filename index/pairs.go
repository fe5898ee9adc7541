package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// Word pairs (FieldPairs) are indexed only between two common words.
//
// A phrase that holds a word outside the list is fast without pairs: it is
// driven by that word's postings, which are short (the most frequent word
// outside the list, "drink", is in 5% of AnnoMI's passages; the first
// conversational one, "sound", in 2.7%), and positions are read there
// only. Only a phrase made of common words ("you know", "at the end of the
// day") needs its pairs. Every pair indexed is a posting the batch writes:
// the common pairs are about half of all adjacent pairs.
//
// The list is part of the mapping: each shard stores it (in the token
// filter's config, in index_meta.json), so what a shard indexed is never
// in doubt. Changing it needs a new analyzer name (analyzerPairs), so that
// readers tell the shards apart (see hasPairs).

// commonPairsType is the token filter type that keeps the pairs of common
// words.
const commonPairsType = "alongside_common_pairs"

// commonWords are the words (as stems of the stemmed field) whose pairs are
// indexed: Bleve's English stop words (en.EnglishStopWords, stemmed), then
// the most frequent words of AnnoMI's conversations that are not about a
// topic (not "drink", "smoke", "alcohol"), and the words of phrases
// analysts search in talk ("at the end of the day", "to be honest").
// Every entry is a stem (a test checks it).
var commonWords = []string{
	// Bleve's English stop words, stemmed.
	"a", "about", "abov", "after", "again", "against", "all", "am", "an", "and", "ani", "are", "aren't", "as", "at",
	"be", "becaus", "been", "befor", "below", "between", "both", "but", "by", "can't", "cannot", "could", "couldn't",
	"did", "didn't", "do", "doe", "doesn't", "don't", "down", "dure", "each", "few", "for", "from", "further",
	"had", "hadn't", "has", "hasn't", "have", "haven't", "he", "he'd", "he'll", "her", "here", "herself", "him",
	"himself", "his", "how", "i", "i'd", "i'll", "i'm", "i'v", "if", "in", "into", "is", "isn't", "it", "itself",
	"let", "me", "more", "most", "mustn't", "my", "myself", "no", "nor", "not", "of", "off", "on", "onc", "onli",
	"or", "other", "ought", "our", "ourselv", "out", "over", "own", "same", "shan't", "she", "she'd", "she'll",
	"should", "shouldn't", "so", "some", "such", "than", "that", "the", "their", "them", "themselv", "then",
	"there", "these", "they", "they'd", "they'll", "they'r", "they'v", "this", "those", "through", "to", "too",
	"under", "until", "up", "veri", "was", "wasn't", "we", "we'd", "we'll", "we'r", "we'v", "were", "weren't",
	"what", "when", "where", "whi", "which", "while", "who", "whom", "with", "won't", "would", "wouldn't", "you",
	"you'd", "you'll", "you'r", "you'v", "your", "yourself", "yourselv",
	// Frequent in conversation: the words in at least 2.5% of AnnoMI's
	// passages that are not about a topic, fillers, and the words of
	// phrases analysts search in talk. Each word added indexes more pairs
	// (this list keeps 56% of AnnoMI's adjacent pairs; the stop words alone
	// 28%, every word down to 1% of passages 68%).
	"yeah", "yes", "yep", "okay", "ok", "oh", "ah", "um", "uh", "mm", "mhm", "hmm", "huh", "like", "know", "just",
	"realli", "well", "think", "get", "got", "go", "gonna", "wanna", "right", "can", "thing", "time", "feel", "mean",
	"good", "kind", "sort", "someth", "want", "make", "one", "talk", "now", "bit", "littl", "lot", "say", "see",
	"mayb", "help", "work", "come", "take", "much", "guess", "actual", "probabl", "sure", "tri", "look", "need",
	"way", "back", "end", "day", "case", "honest",
}

// commonSet holds commonWords.
var commonSet = func() map[string]bool {
	m := make(map[string]bool, len(commonWords))
	for _, w := range commonWords {
		m[w] = true
	}
	return m
}()

// commonPairs keeps, of a sentence's stemmed words, each pair of adjacent
// words that are both common, as one term "a b". Pairs never cross a
// sentence: each is analysed on its own.
type commonPairs struct {
	common map[string]bool
}

func (f commonPairs) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in[:0] // a pair replaces its first word, which is read already
	for i := 1; i < len(in); i++ {
		a, b := in[i-1], in[i]
		if !f.common[string(a.Term)] || !f.common[string(b.Term)] {
			continue
		}
		term := make([]byte, 0, len(a.Term)+1+len(b.Term))
		term = append(append(append(term, a.Term...), ' '), b.Term...)
		out = append(out, &analysis.Token{Term: term, Start: a.Start, End: b.End, Position: a.Position, Type: analysis.Shingle})
	}
	return out
}

func init() {
	registry.RegisterTokenFilter(commonPairsType, func(config map[string]interface{}, _ *registry.Cache) (analysis.TokenFilter, error) {
		f := commonPairs{common: map[string]bool{}}
		switch words := config["common"].(type) {
		case []string: // a mapping made in this process
			for _, w := range words {
				f.common[w] = true
			}
		case []interface{}: // a mapping read from a shard's JSON
			for _, w := range words {
				s, ok := w.(string)
				if !ok {
					return nil, fmt.Errorf("token filter %s: common word %v is not a string", commonPairsType, w)
				}
				f.common[s] = true
			}
		default:
			return nil, fmt.Errorf("token filter %s: no list of common words", commonPairsType)
		}
		return f, nil
	})
}
