package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
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

// residentBudget is what the process aims to keep resident. What is
// resident outside Go's own memory counts in it (the index files Bleve
// maps as they are read, SQLite's page caches) and the heap's limit gives
// way to it: matching 30 broad codes over 30M words read 255 MB of the
// index files, and with the heap at its own limit beside them the process
// peaked at 520-545 MB.
const residentBudget = 460 << 20

// minHeapLimit is the least the heap's limit gives way to.
const minHeapLimit = 96 << 20

// boundHeap sets the soft heap limit and keeps it there: each 100 ms, at
// heapLimit or at what the memory resident outside Go leaves of
// residentBudget, whichever is less, and never below what is live plus a
// quarter, so that a step that needs more memory is never made to collect
// garbage back to back: the limit only trims the collector's slack.
func boundHeap() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return // the user's choice
	}
	debug.SetMemoryLimit(heapLimit)
	go func() {
		samples := []metrics.Sample{
			{Name: "/gc/heap/live:bytes"},
			{Name: "/memory/classes/total:bytes"},
			{Name: "/memory/classes/heap/released:bytes"},
		}
		set := uint64(heapLimit)
		for range time.Tick(100 * time.Millisecond) {
			metrics.Read(samples)
			live, goResident := samples[0].Value.Uint64(), samples[1].Value.Uint64()-samples[2].Value.Uint64()
			var outside uint64
			if rss, ok := resident(); ok && rss > goResident {
				outside = rss - goResident
			}
			if limit := heapLimitFor(live, outside); limit != set {
				set = limit
				debug.SetMemoryLimit(int64(limit))
			}
		}
	}()
}

// heapLimitFor is the heap's limit with live bytes live and outside bytes
// resident outside Go's memory.
func heapLimitFor(live, outside uint64) uint64 {
	limit := uint64(heapLimit)
	if outside < residentBudget {
		limit = min(limit, max(residentBudget-outside, minHeapLimit))
	} else {
		limit = minHeapLimit
	}
	return max(limit, live*5/4)
}

// resident returns the process's resident memory (VmRSS in
// /proc/self/status); false where the system does not say.
func resident() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	return statusField(data, "VmRSS:")
}

// statusField reads a field in kB of a /proc/PID/status file, in bytes.
func statusField(status []byte, name string) (uint64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte(name))
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
		if err != nil {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}
