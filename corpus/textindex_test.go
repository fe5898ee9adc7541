package corpus

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A transcript cuts a span as the function Cut does, walking the text from
// its start: in ASCII, in valid UTF-8 and in text with invalid bytes.
func FuzzTranscriptCut(f *testing.F) {
	f.Add("Ana: Hello.\n\nBen: Hi.", 5, 11)
	f.Add(strings.Repeat("“Yes,” she said — café. ", 20), 63, 130)
	f.Add("abc\xffdé\x80f"+strings.Repeat("ü", 70), 2, 75)
	f.Fuzz(func(t *testing.T, text string, start, end int) {
		n := utf8.RuneCountInString(text)
		if start < 0 || end < start || end > n+2 {
			t.Skip()
		}
		tr := &Transcript{Text: text}
		s := Span{Start: start, End: end}
		if got, want := tr.Cut(s), Cut(text, s); got != want {
			t.Errorf("Cut(%q, %v) = %q, want %q", text, s, got, want)
		}
	})
}

// go test ./corpus -run '^$' -bench TextIndex: indexing a long interview's
// text (90 KB of ASCII with a dash every 2 KB, as the benchmark corpus's
// transcripts have).
func BenchmarkTextIndex(b *testing.B) {
	text := strings.Repeat(strings.Repeat("Participant: I don't know, it's hard to say, you know. ", 40)+"— ", 40)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		newTextIndex(text)
	}
}
