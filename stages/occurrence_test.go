package stages

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"os"
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

// BenchmarkCountOccurrences numbers every sentence-like span of a pasted
// transcript (AnnoMI's utterances in one string) in one walk; its memory
// per op is a few words per span, not a multiple of the text.
func BenchmarkCountOccurrences(b *testing.B) {
	data, err := os.ReadFile("../corpus/testdata/annomi/AnnoMI-simple.csv")
	if err != nil {
		b.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	var parts []string
	for _, r := range rows[1:] {
		parts = append(parts, strings.Join(strings.Fields(r[8]), " ")) // utterance_text
	}
	text := strings.Join(parts, " ")
	var qs []occurrenceQuery
	for at := 0; at < len(text); {
		end := strings.Index(text[at:], ". ")
		if end < 0 {
			break
		}
		qs = append(qs, occurrenceQuery{sub: text[at : at+end+1], at: at})
		at += end + 2
	}
	b.ReportAllocs()
	b.ReportMetric(float64(len(qs)), "spans")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		countOccurrences(text, qs)
	}
}
