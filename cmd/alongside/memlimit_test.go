package main

import (
	"os"
	"runtime"
	"testing"
)

// The heap's limit gives way to what is resident outside Go (mapped
// files), down to its floor, and never holds the heap under what is live
// plus a quarter.
func TestHeapLimitGivesWayToMappedFiles(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		live, files, want uint64
	}{
		{10 * mb, 0, heapLimit},                      // nothing mapped: the heap's own limit
		{10 * mb, 200 * mb, heapLimit},               // room for both
		{10 * mb, 256 * mb, residentBudget - 256*mb}, // the files take their share
		{200 * mb, 256 * mb, 250 * mb},               // what is live comes first
		{10 * mb, 450 * mb, minHeapLimit},            // never under the floor
		{10 * mb, 600 * mb, minHeapLimit},            // files past the whole budget
		{400 * mb, 0, 500 * mb},                      // a step that needs more gets it
	} {
		if got := heapLimitFor(tc.live, tc.files); got != tc.want {
			t.Errorf("live %d MB, files %d MB: limit %d MB, want %d", tc.live/mb, tc.files/mb, got/mb, tc.want/mb)
		}
	}
}

func TestStatusField(t *testing.T) {
	status := []byte("Name:\talongside\nVmHWM:\t  310000 kB\nVmRSS:\t  300000 kB\nRssAnon:\t  100000 kB\nRssFile:\t  200000 kB\n")
	if got, ok := statusField(status, "VmRSS:"); !ok || got != 300000<<10 {
		t.Errorf("parsed %d, %v; want %d", got, ok, 300000<<10)
	}
	for _, bad := range []string{"", "VmHWM:\t1 kB\n", "VmRSS:\tmany kB\n"} {
		if got, ok := statusField([]byte(bad), "VmRSS:"); ok {
			t.Errorf("%q: parsed %d", bad, got)
		}
	}
	if runtime.GOOS != "linux" {
		return
	}
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := statusField(data, "VmRSS:"); !ok || got == 0 {
		t.Errorf("this process's status: %d, %v; a running process has some memory resident", got, ok)
	}
}
