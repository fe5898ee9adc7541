package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// vocabulary counts words and adjacent word pairs in the AnnoMI utterances.
type vocabulary struct {
	words   []string // content words (4+ letters), most frequent first
	bigrams []string // "a b" pairs of 3+ letter words, most frequent first
	topical []string // pairs with a word of 6+ letters: the kind of phrase a codebook names
}

func newVocabulary(convs []conversation) vocabulary {
	wc, bc := map[string]int{}, map[string]int{}
	for _, c := range convs {
		for _, u := range c {
			ws := strings.FieldsFunc(strings.ToLower(u.text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
			for i, w := range ws {
				if len(w) >= 4 && !strings.Contains(w, "'") {
					wc[w]++
				}
				if i > 0 && len(w) >= 3 && len(ws[i-1]) >= 3 && !strings.Contains(w+ws[i-1], "'") {
					bc[ws[i-1]+" "+w]++
				}
			}
		}
	}
	v := vocabulary{words: byCount(wc), bigrams: byCount(bc)}
	for _, b := range v.bigrams {
		x, y, _ := strings.Cut(b, " ")
		if len(x) >= 6 || len(y) >= 6 {
			v.topical = append(v.topical, b)
		}
	}
	return v
}

func byCount(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// spread picks n items evenly from the first span items of list, so that
// queries range from common to rarer words.
func spread(list []string, n, span int) []string {
	span = min(span, len(list))
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, list[i*span/n])
	}
	return out
}

// querySets returns 50 queries of each kind the issue names.
func querySets(v vocabulary) map[string][]string {
	sets := map[string][]string{}
	// Phrases as analysts search them: two-word phrases with a topical
	// word ("cut down" is a common one; "you know" is not a search).
	for _, b := range spread(v.topical, 50, 2000) {
		sets["phrase"] = append(sets["phrase"], `"`+b+`"`)
		sets["proximity"] = append(sets["proximity"], `"`+b+`"~3`)
	}
	for _, w := range spread(v.words, 50, 1000) {
		sets["word"] = append(sets["word"], w)
		sets["boolean+speaker"] = append(sets["boolean+speaker"], w+" speaker:participant")
	}
	for _, w := range spread(v.words[20:], 50, 1000) {
		sets["prefix"] = append(sets["prefix"], w[:4]+"*")
	}
	// Conversational phrases of common words, as analysts search them too
	// ("you know", "at the end of the day"): the phrases hold no topical
	// word, so each matches a large share of the passages (issue 16).
	common := append([]string(nil), conversational...)
	for _, b := range v.bigrams {
		if len(common) >= 50 {
			break
		}
		if !slices.Contains(common, b) {
			common = append(common, b)
		}
	}
	for _, c := range common {
		sets["common phrase"] = append(sets["common phrase"], `"`+c+`"`)
		sets["common exact phrase"] = append(sets["common exact phrase"], `="`+c+`"`)
		if strings.Contains(c, " ") {
			x, y, _ := strings.Cut(c, " ")
			if rest := strings.Fields(y); len(rest) > 0 {
				y = rest[len(rest)-1]
			}
			sets["common proximity"] = append(sets["common proximity"], `"`+x+" "+y+`"~3`)
		}
	}
	return sets
}

// conversational are phrases analysts search for in talk.
var conversational = []string{"you know", "I think", "I feel like", "at the end of the day", "I don't know", "kind of",
	"a lot of", "I mean", "sort of", "in this case", "I guess", "to be honest", "you have to", "I want to", "it's like"}

// kinds is the order the table shows query kinds in.
var kinds = []string{"phrase", "word", "prefix", "boolean+speaker", "proximity", "common phrase", "common exact phrase", "common proximity"}

// codebookYAML writes a codebook of 30 codes with 5 keywords each (150 in
// all), mixing every rule kind, from the corpus's own vocabulary: words
// and pairs of the kind a codebook names, from the 400th most frequent
// content word on ("pressure", "relapse*", "cut down"). With broad set,
// the codes are named "Broad N" and take their words from the 150th on and
// their prefixes from their first five letters ("somet*"): a codebook no
// analyst would keep, which proposes a candidate every 64 words; the
// benchmark reports it beside the topical one.
func codebookYAML(v vocabulary, broad bool) string {
	var b strings.Builder
	words := spread(v.words[400:], 90, 4000)
	bigrams := spread(v.topical[100:], 60, 3000)
	prefix := func(w string) string { return w }
	theme, code := "Theme", "Code"
	if broad {
		words = spread(v.words[150:], 90, 3000)
		bigrams = spread(v.topical[20:], 60, 2000)
		prefix = func(w string) string { return w[:min(5, len(w))] }
		theme, code = "Broad theme", "Broad code"
	} else {
		b.WriteString("name: Benchmark codebook (generated from AnnoMI vocabulary)\ncodes:\n")
	}
	for t := range 5 {
		fmt.Fprintf(&b, "  - name: %s %d\n    codes:\n", theme, t+1)
		for c := range 6 {
			k := t*6 + c
			fmt.Fprintf(&b, "      - name: %s %d\n", code, k+1)
			if k%4 == 3 {
				b.WriteString("        unit: turn\n")
			}
			if k%5 == 2 {
				b.WriteString("        speakers: [participant]\n")
			}
			b.WriteString("        keywords:\n")
			fmt.Fprintf(&b, "          - '%s'\n", words[k*3])
			fmt.Fprintf(&b, "          - '%s*'\n", prefix(words[k*3+1]))
			fmt.Fprintf(&b, "          - '\"%s\"'\n", bigrams[k*2])
			fmt.Fprintf(&b, "          - '\"%s\"~3'\n", bigrams[k*2+1])
			fmt.Fprintf(&b, "          - '=%s OR %s'\n", words[k*3+2], words[(k*3+45)%90])
		}
	}
	return b.String()
}
