// Package nogc turns the garbage collector off while the binary's
// packages initialise, and main turns it back on. Their initialisation
// allocates about 4 MB, past the collector's first goal, and collecting
// then took 2.5 of the 11 ms that "alongside version" takes; a search is
// one short process, so this is paid on every query.
//
// Go initialises packages in the order of their import paths where their
// imports allow: this path sorts before the libraries that allocate the
// most (bleve, excelize, prose's dependencies).
package nogc

import (
	"os"
	"runtime/debug"
)

// before is the collector's setting before init turned it off.
var before = -2

func init() {
	if os.Getenv("GOGC") == "" {
		before = debug.SetGCPercent(-1)
	}
}

// Restore turns the collector back on as it was.
func Restore() {
	if before != -2 {
		debug.SetGCPercent(before)
		before = -2
	}
}
