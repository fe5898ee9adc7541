package corpus

import "testing"

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
