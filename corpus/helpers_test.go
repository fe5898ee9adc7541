package corpus

import "testing"

// loadAnnoMIOnce returns the AnnoMI transcripts, read once per test binary
// (see annomiData).
func loadAnnoMIOnce(tb testing.TB) []*Transcript {
	tb.Helper()
	ts, _ := annomiData(tb)
	return ts
}
