package relevance

import (
	"slices"
	"strings"
	"testing"
)

// Read a chunk at a time, a long text's tokens are where Tokens puts
// them, word for word: chunks are cut after a space, so none is split.
func TestLazySpansAreTokens(t *testing.T) {
	an, err := NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := 0; b.Len() < 3*spanChunk; i++ {
		b.WriteString("Well, I don’t know?? Maybe I'd cut down, you know. ")
		if i%7 == 0 {
			b.WriteString("Is it the drinking?\n\t")
		}
	}
	text := b.String()
	var want [][2]int
	for _, tok := range an.Tokens(text) {
		want = append(want, [2]int{tok.Start, tok.End})
	}
	l := &lazySpans{a: an, text: text}
	last, ok := l.at(len(want) - 1)
	if !ok || last != want[len(want)-1] {
		t.Fatalf("last token at %v (%v), want %v", last, ok, want[len(want)-1])
	}
	if n := l.all(); n != len(want) || !slices.Equal(l.spans, want) {
		t.Fatalf("%d spans, want %d; first difference at %d", n, len(want), firstDiff(l.spans, want))
	}
	if _, ok := l.at(len(want)); ok {
		t.Error("a token past the end")
	}
	// Asked for an early token, only the first chunk is read.
	early := &lazySpans{a: an, text: text}
	if _, ok := early.at(3); !ok || early.off > spanChunk {
		t.Errorf("token 3: read %d bytes", early.off)
	}
}

func firstDiff(a, b [][2]int) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
