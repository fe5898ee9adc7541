package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// heapLimit is the soft limit on the Go heap (unless GOMEMLIMIT says
// otherwise). The collector lets the heap grow to twice what is live
// before it runs: indexing a 49 MB pasted transcript keeps 140 to 190 MB
// live, and its heap reached 440 MB beside Bleve's mapped index files.
// With this limit that run peaked at 461 MB of resident memory, and the
// same words in normal turns at 483 MB, both under the 500 MB target
// (README, One very large file).
const heapLimit = 256 << 20

// boundHeap sets the soft heap limit and raises it when what is live comes
// near it (to live plus a quarter), so that a step that needs more memory
// is never made to collect garbage back to back: the limit only trims the
// collector's slack.
func boundHeap() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return // the user's choice
	}
	limit := uint64(heapLimit)
	debug.SetMemoryLimit(int64(limit))
	go func() {
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for range time.Tick(100 * time.Millisecond) {
			metrics.Read(live)
			if want := live[0].Value.Uint64() * 5 / 4; want > limit {
				limit = want
				debug.SetMemoryLimit(int64(limit))
			}
		}
	}()
}
