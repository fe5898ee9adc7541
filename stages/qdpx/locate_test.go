package qdpx

import (
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus"
)

// locate carries a unit onto a new text: the same words, in a turn of the
// same speaker, nearest the old place.
func TestLocate(t *testing.T) {
	// Three turns; "we walk together" is in the last two, twice in the
	// third ("We walk together" in the first). Code points, not bytes:
	// "Café" comes first.
	turns := []struct{ speaker, text string }{
		{"P1", "Café first. We walk together."},
		{"Moderator", "So we walk together?"},
		{"p1", "Yes, we walk together. And we walk together again."},
	}
	tr := &corpus.Transcript{}
	var b strings.Builder
	at := 0
	for i, turn := range turns {
		if i > 0 {
			b.WriteString("\n\n")
			at += 2
		}
		n := len([]rune(turn.text))
		tr.Turns = append(tr.Turns, corpus.Turn{Speaker: turn.speaker, Span: corpus.Span{Start: at, End: at + n}})
		b.WriteString(turn.text)
		at += n
	}
	tr.Text = b.String()
	runeIndex := func(s string, nth int) int { // the nth occurrence, from 0
		from := 0
		for range nth {
			from += strings.Index(tr.Text[from:], s) + 1
		}
		return len([]rune(tr.Text[:from+strings.Index(tr.Text[from:], s)]))
	}
	for _, tc := range []struct {
		name, text, speaker string
		near                int
		want                int // -1: not found
	}{
		{"first turn's speaker, near the start", "we walk together", "P1", 0, runeIndex("we walk together", 1)},
		{"speaker keys compare", "walk together", "P1", 1000, runeIndex("walk together", 3)},
		{"nearest of two in one turn", "we walk together", "p1", runeIndex("we walk together", 2) - 3, runeIndex("we walk together", 2)},
		{"the moderator's own turn", "we walk together", "Moderator", 1000, runeIndex("we walk together", 0)},
		{"code points, not bytes", "We walk", "P1", 0, len([]rune("Café first. "))},
		{"not this speaker's words", "So we walk", "P1", 0, -1},
		{"gone", "we run together", "P1", 0, -1},
		{"across two turns", "together?\n\nYes", "Moderator", 0, -1},
		{"empty", "", "P1", 0, -1},
	} {
		got, ok := locate(tr, tc.text, tc.speaker, tc.near)
		if !ok {
			got = -1
		}
		if got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
