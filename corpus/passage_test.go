package corpus

import (
	"strings"
	"testing"
	"unsafe"
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

// A transcript's title must not share memory with its text: a batch keeps
// every title until its commit, and a title cut from the text kept every
// text with it.
func TestTitleDoesNotHoldText(t *testing.T) {
	data := []byte("Title: Walking alongside\n\nInterviewer: How was the week?\n\nP1: Better. We walked alongside him.\n")
	ts, err := Parse("week.txt", "week", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := ts[0]
	if tr.Title == "" {
		t.Fatal("no title read")
	}
	text := uintptr(unsafe.Pointer(unsafe.StringData(tr.Text)))
	title := uintptr(unsafe.Pointer(unsafe.StringData(tr.Title)))
	if title >= text && title < text+uintptr(len(tr.Text)) {
		t.Errorf("the title %q points into the transcript's text", tr.Title)
	}
}
