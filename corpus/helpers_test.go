package corpus

import (
	"sync"
	"testing"
)

var annomiCache struct {
	once sync.Once
	ts   []*Transcript
	err  error
}

// loadAnnoMIOnce reads the AnnoMI table shipped in testdata once per test binary.
func loadAnnoMIOnce(t testing.TB) []*Transcript {
	t.Helper()
	annomiCache.once.Do(func() {
		annomiCache.ts, annomiCache.err = ReadFile("testdata/annomi/AnnoMI-simple.csv", "AnnoMI-simple.csv", Options{})
	})
	if annomiCache.err != nil {
		t.Skipf("AnnoMI not readable yet: %v", annomiCache.err)
	}
	return annomiCache.ts
}
