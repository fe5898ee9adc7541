package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/export"
)

const codebookReportHelp = `For each code: how many candidates it proposed and what became of them
(waiting, confirmed, rejected, withdrawn; a re-code counts as rejected for
the code it left), and for each keyword rule the share of its decided
candidates that were confirmed (its precision, with how many were decided):
a keyword whose hits are always rejected shows itself. Rules no longer in
the codebook are listed too while decided candidates name them.

The learned model: its weight in relevance (0 until the code has confirmed
and rejected candidates) and, each decided candidate scored without itself,
the precision of the model alone and of the description score alone. Top
words are the code's strongest words as stems: its description, keywords,
examples and confirmed candidates, weighted by how rare each word is in the
corpus, then (marked "model:") the learned model's strongest ones.

--since BATCH or --since-date DATE adds what is new: candidates proposed by
that batch or later (or by batches started on or after the date), and
candidates decided since then (their latest verdict). It reads the whole
corpus to score the codes, as "alongside suggest" does, but changes nothing.
--json prints one object per code; -o writes two sheets (codes, keywords)
to an .xlsx workbook.`

func codebookReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "codebook report")
	project := fs.project()
	file := fs.String("codebook", "", "codebook `FILE` (default: codebook: in alongside.yaml)")
	sinceBatch := fs.Int64("since", 0, "also show what is new since batch `BATCH` (its candidates and later ones)")
	sinceDate := fs.String("since-date", "", "also show what is new since `DATE` (YYYY-MM-DD, local time)")
	asJSON := fs.json("one JSON object per code")
	out := fs.String("output", "", "also write the report to this .xlsx `FILE`")
	fs.alias("o", "output")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	var opts stages.ReportOptions
	switch {
	case *sinceBatch != 0 && *sinceDate != "":
		return usageError{msg: "codebook report: give --since or --since-date, not both"}
	case *sinceBatch < 0:
		return usageError{msg: "codebook report: --since: give a batch number"}
	case *sinceDate != "":
		t, err := time.ParseInLocation("2006-01-02", *sinceDate, time.Local)
		if err != nil {
			return usageError{msg: fmt.Sprintf("codebook report: --since-date %q: give a date as YYYY-MM-DD", *sinceDate)}
		}
		opts.SinceTime = t
	}
	opts.SinceBatch = *sinceBatch
	if *out != "" && strings.ToLower(filepath.Ext(*out)) != ".xlsx" {
		return usageError{msg: fmt.Sprintf("codebook report: -o %s: give an .xlsx file", *out)}
	}
	cb, err := codebookOf(*project, *file)
	if err != nil {
		return err
	}
	st, err := openStore(*project)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := stages.CodebookReport(ctx, stages.Project{Dir: *project}, st, cb, opts)
	var nb *stages.NoBatchError
	if errors.As(err, &nb) {
		return usageError{msg: "codebook report: --since: " + err.Error()}
	}
	if err != nil {
		return err
	}
	if *out != "" {
		if err := writeFileAtomic(*out, func(f *os.File) error { return export.WriteTablesXLSX(f, reportTables(rows)...) }); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "alongside: wrote the report of %d code(s) to %s\n", len(rows), *out)
	}
	if *asJSON {
		return writeJSONLines(e.stdout, rows)
	}
	printCodebookReport(e.stdout, rows)
	return nil
}

func printCodebookReport(w io.Writer, rows []stages.CodeReport) {
	for i, r := range rows {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s\n  %d proposed (%d suggested): %d waiting, %d confirmed, %d rejected, %d withdrawn\n",
			r.Code, r.Proposed, r.Suggested, r.Waiting, r.Confirmed, r.Rejected, r.Withdrawn)
		for _, k := range r.Keywords {
			line := fmt.Sprintf("  keyword %s: ", k.Rule)
			if k.Decided == 0 {
				line += "no decision yet"
			} else {
				line += fmt.Sprintf("precision %.2f (%d of %d decided confirmed)", float64(k.Precision), k.Confirmed, k.Decided)
				if k.Confirmed == 0 {
					line += "  <- never confirmed"
				}
			}
			if !k.InCodebook {
				line += " (no longer in the codebook)"
			}
			fmt.Fprintln(w, line)
		}
		m := r.Model
		if m.Confirmed > 0 && m.Rejected > 0 {
			fmt.Fprintf(w, "  learned model: weight %.2f; left-out precision: model %.2f, description %.2f\n", m.Weight, m.LOOModel, m.LOODescription)
		} else {
			fmt.Fprintln(w, "  learned model: none yet (it needs confirmed and rejected candidates)")
		}
		fmt.Fprintf(w, "  top words: %s\n", strings.Join(m.Words, ", "))
		if s := r.Since; s != nil {
			from := "no batch since"
			if s.Batch > 0 {
				from = fmt.Sprintf("batch %d on", s.Batch)
			}
			fmt.Fprintf(w, "  since %s (%s): %d proposed; %d confirmed, %d rejected\n",
				s.Time.Local().Format("2006-01-02 15:04"), from, s.Proposed, s.Confirmed, s.Rejected)
		}
	}
}

// reportTables are the report's sheets: a row per code, a row per
// keyword rule.
func reportTables(rows []stages.CodeReport) []export.Table {
	codes := export.Table{Name: "codes",
		Header: []string{"code", "proposed", "suggested", "waiting", "confirmed", "rejected", "withdrawn",
			"model weight", "left-out precision, model", "left-out precision, description", "top words",
			"since", "proposed since", "confirmed since", "rejected since"},
		Widths: []float64{28, 10, 10, 10, 10, 10, 10, 10, 14, 14, 50, 18, 10, 10, 10}}
	kws := export.Table{Name: "keywords",
		Header: []string{"code", "rule", "codebook line", "in codebook", "decided", "confirmed", "rejected", "precision"},
		Widths: []float64{28, 30, 10, 10, 10, 10, 10, 10}}
	for _, r := range rows {
		m := r.Model
		model, desc := math.NaN(), math.NaN()
		if m.Confirmed > 0 && m.Rejected > 0 {
			model, desc = m.LOOModel, m.LOODescription
		}
		row := []any{r.Code, r.Proposed, r.Suggested, r.Waiting, r.Confirmed, r.Rejected, r.Withdrawn,
			m.Weight, model, desc, strings.Join(m.Words, ", ")}
		if s := r.Since; s != nil {
			row = append(row, s.Time.Local().Format("2006-01-02 15:04"), s.Proposed, s.Confirmed, s.Rejected)
		} else {
			row = append(row, nil, nil, nil, nil)
		}
		codes.Rows = append(codes.Rows, row)
		for _, k := range r.Keywords {
			in := "no"
			if k.InCodebook {
				in = "yes"
			}
			var line any
			if k.Line > 0 {
				line = k.Line
			}
			kws.Rows = append(kws.Rows, []any{r.Code, k.Rule, line, in, k.Decided, k.Confirmed, k.Rejected, float64(k.Precision)})
		}
	}
	return []export.Table{codes, kws}
}
