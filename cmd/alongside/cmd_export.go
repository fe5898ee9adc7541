package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/coders"
	"github.com/alongside-qda/alongside/stages/decisions"
	"github.com/alongside-qda/alongside/stages/export"
)

var exportFormats = []string{"csv", "xlsx", "jsonl", "qdpx"}

const exportHelp = `--format csv and xlsx write a sheet to review in a spreadsheet: one row per
candidate with its passage, the sentence before and after, the matched
words and its status, and empty decision and note columns. Write confirm,
reject, or another code path (to re-code) in decision, then read the file
back with "alongside import-decisions FILE". --format jsonl writes the
"candidates --json" objects, one a line. The file is readable by you only.`

// cmdExport writes candidates for review in a spreadsheet (csv, xlsx), as
// data (jsonl), or for other QDA tools (qdpx).
func cmdExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export")
	project := fs.project()
	format := fs.String("format", "", "`FORMAT`: "+strings.Join(exportFormats, ", ")+" (default: the --output file's extension)")
	code, status, transcript := filterFlags(fs)
	since := fs.Int64("since", 0, "only candidates proposed by batch `BATCH` or a later one")
	out := fs.String("output", "", "write to `FILE` (csv and jsonl: - for standard output)")
	fs.alias("o", "output")
	blind, reviewer := blindFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{msg: fmt.Sprintf("export: unexpected argument %q", pos[0])}
	}
	if *out == "" {
		return usageError{msg: "export: give the output file: --output FILE"}
	}
	if *format == "" {
		*format = strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
	}
	if !contains(exportFormats, *format) {
		return usageError{msg: fmt.Sprintf("export: --format %q: use one of %s", *format, strings.Join(exportFormats, ", "))}
	}
	if *status != "" && !contains(statuses, *status) {
		return usageError{msg: fmt.Sprintf("export: --status %q: use one of %s", *status, strings.Join(statuses, ", "))}
	}
	if *since < 0 {
		return usageError{msg: "export: --since: give a batch number"}
	}
	if *out == "-" && (*format == "xlsx" || *format == "qdpx") {
		return usageError{msg: fmt.Sprintf("export: %s is not for a terminal: give --output FILE.%s", *format, *format)}
	}
	filter := store.CandidateFilter{Code: *code, Status: *status, Transcript: *transcript, Since: *since}
	if filter.Reviewer, err = blindReviewer(*project, *blind, *reviewer); err != nil {
		return err
	}

	switch *format {
	case "qdpx": // the REFI-QDA project exchange file: stages/qdpx.go, export_qdpx.go
		return exportQDPX(ctx, e, *project, filter, *out)
	}

	st, err := openStore(*project)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := resolveFilter(ctx, e, st, &filter); err != nil {
		return err
	}
	var n int
	var write func(io.Writer) error
	if *format == "jsonl" {
		cands, err := st.Candidates(ctx, filter)
		if err != nil {
			return err
		}
		n = len(cands)
		write = func(w io.Writer) error {
			enc := json.NewEncoder(w)
			for _, c := range cands {
				if err := enc.Encode(c); err != nil {
					return err
				}
			}
			return nil
		}
	} else {
		rows, err := export.ExportRows(ctx, st, filter)
		if err != nil {
			return err
		}
		n = len(rows)
		write = func(w io.Writer) error { return export.WriteCSV(w, rows) }
		if *format == "xlsx" {
			write = func(w io.Writer) error { return export.WriteXLSX(w, rows) }
		}
	}
	if *out == "-" {
		return write(e.stdout)
	}
	if err := writeFileAtomic(*out, func(f *os.File) error { return write(f) }); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "alongside: wrote %d candidate(s) to %s\n", n, *out)
	return nil
}

const importHelp = `Reads a sheet "alongside export" wrote (.csv or .xlsx) after you filled in
its decision column (confirm, reject, or a code path to re-code) and note
column, and records them under your name. Rows left empty are ignored, and
so are rows whose decision and note you recorded already: importing a file
twice records nothing. Every row is checked first: if any row is wrong (an
unknown candidate, code path or decision, an unreadable cell), each is
named, nothing is recorded, and the exit status is 1.`

// cmdImportDecisions reads decisions back from an exported CSV or XLSX
// file: all of them are recorded, or none.
func cmdImportDecisions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import-decisions")
	project := fs.project()
	reviewer := fs.reviewer()
	dryRun := fs.Bool("dry-run", false, "print what each row would record, and record nothing")
	consensus := fs.Bool("consensus", false, "the file is a disagreement sheet (\"alongside disagreements -o\"): record its consensus column as the consensus")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{msg: "import-decisions: give one file: a .csv or .xlsx that alongside export wrote"}
	}
	path := pos[0]
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".csv" && ext != ".xlsx" {
		return usageError{msg: fmt.Sprintf("import-decisions: %s: give a .csv or .xlsx file", path)}
	}
	if *consensus {
		*reviewer = store.ConsensusReviewer
	}
	r, done, err := openReviewer(*project, *reviewer)
	if err != nil {
		return err
	}
	defer done()
	importFile := decisions.ImportDecisions
	if *consensus {
		importFile = coders.ImportConsensus
	}
	plan, err := importFile(ctx, r, path, *dryRun)
	var ie *export.ImportError
	if errors.As(err, &ie) {
		for _, row := range ie.Rows {
			fmt.Fprintf(e.stderr, "alongside: %s: %v\n", ie.File, row)
		}
		return fmt.Errorf("%s: %d bad row(s); nothing was recorded", ie.File, len(ie.Rows))
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tCANDIDATE\tACTION")
	for _, s := range plan.Steps {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Row, s.Candidate, s)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	n, same := len(plan.Decisions()), 0
	for _, s := range plan.Steps {
		if s.Action == "" {
			same++
		}
	}
	if *dryRun {
		fmt.Fprintf(e.stderr, "alongside: dry run: would record %d decision(s) as %s (%d row(s) recorded already); nothing was recorded\n", n, r.Name, same)
		return nil
	}
	fmt.Fprintf(e.stderr, "alongside: recorded %d decision(s) as %s (%d row(s) recorded already)\n", n, r.Name, same)
	for _, id := range plan.Created {
		fmt.Fprintf(e.stderr, "alongside: re-coded as new candidate %s\n", id)
	}
	return nil
}
