package main

import (
	"context"
	"fmt"
	"os"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/qdpx"
)

// qdpxHelp says what --format qdpx writes and how the filters apply to it,
// for export's help.
const qdpxHelp = `--format qdpx writes a REFI-QDA project (.qdpx, for NVivo, ATLAS.ti,
MAXQDA) to --output FILE: every transcript, the whole codebook, and the CONFIRMED
units as codings by the reviewer who confirmed them. Only confirmed units
are exported whatever --status says; --code (and --transcript) limit which
of them. Each transcript is exported once, as its current text; a unit
confirmed on an earlier version is placed where its text is now (in a turn
of the same speaker, nearest its old place). Units whose text is gone are
listed on stderr and left out (exit status 3). Positions are code points
into each transcript's exported text.`

// exportQDPX writes the project's confirmed units as a REFI-QDA project
// (qdpx.Write does the work).
func exportQDPX(ctx context.Context, e *env, project string, filter store.CandidateFilter, out string) error {
	if out == "" || out == "-" {
		return usageError{msg: "export: --format qdpx writes a zip: give --output FILE.qdpx"}
	}
	st, err := openStore(project)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := resolveFilter(ctx, e, st, &filter); err != nil {
		return err
	}
	cfg, err := loadConfig(project)
	if err != nil {
		return err
	}
	cb, err := loadCodebook(project, cfg, false)
	if err != nil {
		return err
	}
	var unplaced []qdpx.Unplaced
	if err := writeFileAtomic(out, func(f *os.File) (err error) {
		unplaced, err = qdpx.Write(ctx, st, cb, f, filter)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "alongside: wrote %s\n", out)
	for _, u := range unplaced {
		fmt.Fprintf(e.stderr, "alongside: %s: not exported: %v\n", out, u)
	}
	if len(unplaced) > 0 {
		return skippedError{n: len(unplaced), msg: fmt.Sprintf("%s: %d confirmed unit(s) not exported: their text is not in their transcript's current version", out, len(unplaced))}
	}
	return nil
}
