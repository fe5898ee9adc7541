package main

import "testing"

func TestResolveCase(t *testing.T) {
	names := []string{"FG-03", "fg-04", "Interview-1", "interview-1", "Substance use/Alcohol"}
	for _, tc := range []struct {
		value, want string
		found, bad  bool
	}{
		{"FG-03", "FG-03", true, false},
		{"fg-03", "FG-03", true, false},
		{"FG-04", "fg-04", true, false},
		{"substance use/alcohol", "Substance use/Alcohol", true, false},
		{"Interview-1", "Interview-1", true, false}, // as written wins
		{"interview-1", "interview-1", true, false},
		{"INTERVIEW-1", "", false, true}, // two names, neither as written
		{"fg-3", "fg-3", false, false},   // not there: left as typed
	} {
		got, found, err := resolveCase("--transcript", tc.value, names)
		if (err != nil) != tc.bad || got != tc.want || found != tc.found {
			t.Errorf("resolveCase(%q) = %q, %v, %v; want %q, %v, error %v", tc.value, got, found, err, tc.want, tc.found, tc.bad)
		}
	}
}
