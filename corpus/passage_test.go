package corpus

import (
	"strings"
	"testing"
)

func TestParsePassageID(t *testing.T) {
	for _, tc := range []struct {
		transcript, version string
		seq                 int
	}{
		{"interview-01", "0123456789abcdef", 0},
		{"focus groups/fg#2", "abc", 17}, // a '#' in the transcript ID
		{"x", "", 3},
	} {
		id := PassageID(tc.transcript, tc.version, tc.seq)
		tr, v, seq, ok := ParsePassageID(id)
		want := tc.version
		if len(want) > 12 {
			want = want[:12]
		}
		if !ok || tr != tc.transcript || v != want || seq != tc.seq {
			t.Errorf("ParsePassageID(%q) = %q, %q, %d, %v; want %q, %q, %d", id, tr, v, seq, ok, tc.transcript, want, tc.seq)
		}
	}
	for _, bad := range []string{"", "no-hash", "a#b", "a#b#c"} {
		if _, _, _, ok := ParsePassageID(bad); ok {
			t.Errorf("ParsePassageID(%q) accepted it", bad)
		}
	}
}

// Cut counts code points whether or not the text is all ASCII, wherever
// its first non-ASCII character is (the ASCII check reads eight bytes at a
// time).
func TestCutASCIIAndNot(t *testing.T) {
	for at := 0; at <= 20; at++ {
		text := strings.Repeat("a", at) + "é" + strings.Repeat("b", 20)
		tr := &Transcript{Text: text}
		got := tr.Cut(Span{Start: at, End: at + 3})
		if got != "ébb" {
			t.Errorf("non-ASCII at %d: Cut = %q, want %q", at, got, "ébb")
		}
		ascii := &Transcript{Text: strings.Repeat("a", at) + "xyz"}
		if got := ascii.Cut(Span{Start: at, End: at + 3}); got != "xyz" {
			t.Errorf("ASCII of %d: Cut = %q", at+3, got)
		}
	}
}
