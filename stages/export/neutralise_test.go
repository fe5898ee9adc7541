package export

import "testing"

func TestNeutralise(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", ""},
		{"plain", "plain"},
		{"=SUM(A1)", "'=SUM(A1)"},
		{"+47 555", "'+47 555"},
		{"-- aside", "'-- aside"},
		{"@P1", "'@P1"},
		{"\tindented", "'\tindented"},
		{"'=already quoted", "''=already quoted"},
		{"'quoted", "'quoted"},
		{"'", "'"},
		{"a=b", "a=b"},
	} {
		if got := neutralise(tc.in); got != tc.out {
			t.Errorf("neutralise(%q) = %q, want %q", tc.in, got, tc.out)
		}
		if got := unneutralise(tc.out); got != tc.in {
			t.Errorf("unneutralise(%q) = %q, want %q", tc.out, got, tc.in)
		}
	}
}
