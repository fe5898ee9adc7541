package stages

import (
	"index/suffixarray"
	"math/rand/v2"
	"strings"
	"testing"
)

// countBefore says what strings.Count over the text before a span says,
// overlapping repeats included ("aa" in "aaaa" counts twice).
func TestCountBeforeIsStringsCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"yes", "no", "aa", "a", " ", ". ", "yes. ", "I drink", "é"}
	for round := 0; round < 200; round++ {
		var b strings.Builder
		for b.Len() < 400 {
			b.WriteString(words[rng.IntN(len(words))])
		}
		text := b.String()
		sa := suffixarray.New([]byte(text))
		for k := 0; k < 20; k++ {
			i := rng.IntN(len(text) - 1)
			j := i + 1 + rng.IntN(min(12, len(text)-i-1)+1)
			j = min(j, len(text))
			sub := text[i:j]
			end := rng.IntN(len(text) + 1)
			if got, want := countBefore(sa, sub, end), strings.Count(text[:end], sub); got != want {
				t.Fatalf("count of %q before %d in %q: %d, strings.Count says %d", sub, end, text, got, want)
			}
		}
	}
}
