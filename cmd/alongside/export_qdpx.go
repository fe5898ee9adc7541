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
MAXQDA) to --output FILE: every transcript, the whole codebook, and the
CONFIRMED units as codings by the reviewer who confirmed them. Only
confirmed units are exported whatever --status says; --code (and
--transcript) limit which of them. Positions are code points into each
transcript's exported text.`

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
	if err := writeFileAtomic(out, func(f *os.File) error {
		return qdpx.Write(ctx, st, cb, f, filter)
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "alongside: wrote %s\n", out)
	return nil
}
