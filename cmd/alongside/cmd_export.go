package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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
words, the keyword rules that matched, its status, an empty decision
column, its current note (to keep or change), and log_seq, which records
when the sheet was exported (hidden in xlsx; leave it alone). Write
confirm, reject, or another code path (to re-code) in decision, then read
the file back with "alongside import-decisions FILE". --format jsonl writes
the "candidates --json" objects, one a line. The file is readable by you
only.`

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
	if err := parseNone(fs, args); err != nil {
		return err
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
	var err error
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
		store.SortByRelevance(cands)
		notes, err := st.Notes(ctx, nil)
		if err != nil {
			return err
		}
		n = len(cands)
		write = func(w io.Writer) error {
			enc := json.NewEncoder(w)
			for _, c := range cands {
				cj := candidateJSON{Candidate: c, Notes: notes[c.ID]}
				if cj.Notes == nil {
					cj.Notes = []store.Note{}
				}
				if err := enc.Encode(cj); err != nil {
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
so are rows whose decision and note you recorded already (and a note left
as the export wrote it): importing a file twice records nothing. Every row
is checked first: if any row is wrong (an unknown candidate, code path or
decision, an unreadable cell), each is named, nothing is recorded, and the
exit status is 1.

A sheet can be older than the project. A row is STALE, and is not recorded,
when its candidate was withdrawn by a later run (the codebook or the
transcript changed) or orphaned (its text is gone from the transcript), or
when another reviewer decided the candidate differently after the sheet was
exported (the hidden log_seq column says when). The other rows are
recorded; each stale row is listed on stderr with its row number and why,
and the exit status is 3. Look at them ("alongside history ID"), then give
--apply-stale to record them too, or export a fresh sheet.`

// cmdImportDecisions reads decisions back from an exported CSV or XLSX
// file: all of them are recorded, or none; stale rows only when asked.
func cmdImportDecisions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import-decisions")
	project := fs.project()
	reviewer := fs.reviewer()
	dryRun := fs.Bool("dry-run", false, "print what each row would record, and record nothing")
	consensus := fs.Bool("consensus", false, "the file is a disagreement sheet (\"alongside disagreements -o\"): record its consensus column as the consensus")
	applyStale := fs.Bool("apply-stale", false, "record the stale rows too (withdrawn or orphaned candidates, and candidates another reviewer decided differently after the export)")
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
	var plan *decisions.ImportPlan
	if *consensus {
		plan, err = coders.ImportConsensus(ctx, r, path, *dryRun)
	} else {
		plan, err = decisions.ImportDecisions(ctx, r, path, decisions.ImportOptions{DryRun: *dryRun, ApplyStale: *applyStale})
	}
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
	steps := plan.Steps
	if *applyStale {
		for _, s := range plan.Stale {
			steps = append(steps, s.ImportStep)
		}
		slices.SortStableFunc(steps, func(a, b decisions.ImportStep) int { return a.Row - b.Row })
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tCANDIDATE\tACTION")
	for _, s := range steps {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Row, s.Candidate, s)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	held := "held back"
	if *applyStale {
		held = "recorded as asked"
	}
	for _, s := range plan.Stale {
		fmt.Fprintf(e.stderr, "alongside: %s: stale, %s: %v\n", path, held, s)
	}
	n, same := len(plan.Decisions()), 0
	for _, s := range plan.Steps {
		if s.Action == "" {
			same++
		}
	}
	if *dryRun {
		fmt.Fprintf(e.stderr, "alongside: dry run: would record %d decision(s) as %s (%d row(s) recorded already); nothing was recorded\n", n, r.Name, same)
	} else {
		fmt.Fprintf(e.stderr, "alongside: recorded %d decision(s) as %s (%d row(s) recorded already)\n", n, r.Name, same)
		for _, id := range plan.Created {
			fmt.Fprintf(e.stderr, "alongside: re-coded as new candidate %s\n", id)
		}
	}
	if len(plan.Stale) > 0 && !*applyStale {
		return skippedError{n: len(plan.Stale), msg: fmt.Sprintf("%s: %d stale row(s) not recorded: check them, then give --apply-stale to record them", path, len(plan.Stale))}
	}
	return nil
}
