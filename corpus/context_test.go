package corpus

import "testing"

func TestContextNamesSpeakersAndMarksGaps(t *testing.T) {
	// Three turns; sentences are cut by hand so that the test does not
	// depend on the segmenter.
	text := "I: How are you? And the drinking?\n\nS: Fine. I drink less. Much less now.\n\n: Mm."
	tr := &Transcript{Text: text}
	turn := func(speaker string, sentences ...string) {
		var ss []Sentence
		for _, s := range sentences {
			at := indexFrom(text, s, 0)
			ss = append(ss, Sentence{Span: Span{Start: at, End: at + len(s)}})
		}
		tr.Turns = append(tr.Turns, Turn{Speaker: speaker, Sentences: ss, Span: Span{Start: ss[0].Span.Start, End: ss[len(ss)-1].Span.End}})
	}
	turn("I", "How are you?", "And the drinking?")
	turn("S", "Fine.", "I drink less.", "Much less now.")
	turn("", "Mm.")
	tests := []struct {
		name                  string
		turn, first, last, n  int
		wantBefore, wantAfter string
	}{
		{"inside one turn", 1, 1, 1, 1, "Fine.", "Much less now."},
		{"crossing back", 1, 0, 0, 1, "[…] I: And the drinking? S:", "I drink less. […]"},
		{"crossing both ways", 1, 0, 2, 1, "[…] I: And the drinking? S:", "(unknown speaker): Mm."},
		{"two each side", 1, 1, 1, 2, "[…] I: And the drinking? S: Fine.", "Much less now. (unknown speaker): Mm."},
		{"start of the transcript", 0, 0, 0, 1, "", "And the drinking?"},
		{"no context", 1, 1, 1, 0, "", ""},
	}
	for _, tc := range tests {
		b, a := tr.Context(tc.turn, tc.first, tc.last, tc.n)
		if b != tc.wantBefore || a != tc.wantAfter {
			t.Errorf("%s: got %q / %q, want %q / %q", tc.name, b, a, tc.wantBefore, tc.wantAfter)
		}
	}
}

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	panic("not found: " + sub)
}
