package stages

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// countOccurrences says what strings.Count over the text before each
// query says, overlapping repeats included ("aa" in "aaaa" counts twice),
// for many queries at once, some of the same text at different places.
func TestCountOccurrencesIsStringsCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"yes", "no", "aa", "a", " ", ". ", "yes. ", "I drink", "é", "Yes, I drink a lot", "Yes, I drink"}
	for round := 0; round < 300; round++ {
		var b strings.Builder
		for b.Len() < 400 {
			b.WriteString(words[rng.IntN(len(words))])
		}
		text := b.String()
		var qs []occurrenceQuery
		for k := 0; k < 1+rng.IntN(40); k++ {
			i := rng.IntN(len(text) - 1)
			j := min(i+1+rng.IntN(20), len(text))
			at := rng.IntN(len(text) + 1)
			if rng.IntN(2) == 0 {
				at = i // where the sub itself is, as for a candidate
			}
			qs = append(qs, occurrenceQuery{sub: text[i:j], at: at})
		}
		countOccurrences(text, qs)
		for _, q := range qs {
			if want := strings.Count(text[:q.at], q.sub); q.n != want {
				t.Fatalf("count of %q before %d in %q: %d, strings.Count says %d", q.sub, q.at, text, q.n, want)
			}
		}
	}
}
