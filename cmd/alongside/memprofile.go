package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// watchHeap, for performance reports (ALONGSIDE_MEMPROFILE=path), writes a
// heap profile to path each time the heap in use reaches a new high by a
// tenth, so that the last profile written shows what the command held at
// its highest. It samples every 200 ms until stop is called.
func watchHeap(path string) (stop func()) {
	done := make(chan struct{})
	go func() {
		var high uint64
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse < high+high/10 {
				continue
			}
			high = ms.HeapInuse
			if f, err := os.Create(path); err == nil {
				pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}()
	return func() { close(done) }
}
