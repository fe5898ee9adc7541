package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/coders"
	"github.com/alongside-qda/alongside/stages/export"
)

const agreementHelp = `Measures how far the reviewers (coders) agree on the candidates they all
decided, for each code and for all codes: the units both or all judged,
percent agreement and Cohen's kappa for each pair of coders, and
Krippendorff's alpha (nominal; any number of coders, missing judgements
allowed) with a bootstrap confidence interval (1000 resamples, fixed seed:
the same decisions always give the same table).

A coder's category for a candidate is their latest verdict on it: confirm,
reject, or recode:<code path>. Span changes and notes are not categories.
Decisions of the consensus (reviewer "consensus") never count as a coder's.
Code blind ("alongside review --blind", "export --blind") so that no coder
sees another's decisions first.

--json prints one object per line (an undefined statistic is null); -o
writes the table to an .xlsx workbook. "alongside disagreements" lists the
units where coders differ.`

// cmdAgreement prints the agreement table of the coders' decisions.
func cmdAgreement(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "agreement")
	o, project := studyFlags(fs)
	asJSON := fs.json("one JSON object per code, the overall one first")
	out := fs.String("output", "", "also write the table to this .xlsx `FILE`")
	fs.alias("o", "output")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *out != "" && strings.ToLower(filepath.Ext(*out)) != ".xlsx" {
		return usageError{msg: fmt.Sprintf("agreement: -o %s: give an .xlsx file", *out)}
	}
	study, err := o.load(ctx, "agreement", *project)
	if err != nil {
		return err
	}
	rows, err := study.Report()
	if err != nil {
		return err
	}
	if judged := study.Data.Coders(); len(judged) < 2 {
		fmt.Fprintf(e.stderr, "alongside: agreement: %d coder(s) with decisions (%s): agreement needs two\n", len(judged), strings.Join(judged, ", "))
	}
	if *out != "" {
		if err := writeFileAtomic(*out, func(f *os.File) error { return export.WriteTablesXLSX(f, coders.AgreementTables(rows)...) }); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "alongside: wrote the agreement of %d code(s) to %s\n", len(rows)-1, *out)
	}
	if *asJSON {
		return writeJSONLines(e.stdout, rows)
	}
	return printAgreement(e.stdout, rows)
}

// studyOptions are the flags agreement and disagreements share.
type studyOptions struct {
	reviewers, code, since *string
	batch                  *int64
}

func studyFlags(fs interface {
	String(name, value, usage string) *string
	Int64(name string, value int64, usage string) *int64
}) (studyOptions, *string) {
	project := fs.String("project", ".", "the project folder, `DIR`")
	return studyOptions{
		reviewers: fs.String("reviewers", "", "the coders, `NAMES` separated by commas, such as ana,ben (default: everyone who decided, but the consensus)"),
		code:      fs.String("code", "", "only code `PATH` and the codes under it"),
		batch:     fs.Int64("batch", 0, "only candidates proposed by batch `N`"),
		since:     fs.String("since", "", "only decisions recorded on or after `DATE` (YYYY-MM-DD, local time)"),
	}, project
}

func (o studyOptions) load(ctx context.Context, cmd, project string) (*coders.Study, error) {
	opts := coders.Options{Reviewers: coders.ParseReviewers(*o.reviewers), Code: *o.code, Batch: *o.batch}
	if *o.since != "" {
		t, err := time.ParseInLocation("2006-01-02", *o.since, time.Local)
		if err != nil {
			return nil, usageError{msg: fmt.Sprintf("%s: --since %q: give a date as YYYY-MM-DD", cmd, *o.since)}
		}
		opts.Since = t
	}
	if *o.batch < 0 {
		return nil, usageError{msg: cmd + ": --batch: give a batch number"}
	}
	for _, r := range opts.Reviewers {
		if r == store.ConsensusReviewer {
			return nil, usageError{msg: fmt.Sprintf("%s: --reviewers: %q is the consensus, not a coder", cmd, r)}
		}
	}
	st, err := openStore(project)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return coders.Load(ctx, st, opts)
}

// printAgreement prints the table: a line per code with alpha, and for
// each pair of coders their units, agreement and kappa (on the code's line
// when there are only two coders).
func printAgreement(w io.Writer, rows []coders.Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tCODERS\tUNITS\tBOTH JUDGED\tAGREEMENT\tKAPPA\tALPHA\tALPHA 95% CI\tDISAGREEMENTS")
	for _, r := range rows {
		pair := "\t-\t-\t-"
		if len(r.Pairs) == 1 {
			p := r.Pairs[0]
			pair = fmt.Sprintf("\t%d\t%s\t%s", p.Units, percent(p.Percent), num(p.Kappa))
		}
		ci := "-"
		if !math.IsNaN(float64(r.Low)) {
			ci = fmt.Sprintf("[%s, %s]", num(r.Low), num(r.High))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d%s\t%s\t%s\t%d\n", r.Code, strings.Join(r.Coders, ", "), r.Units, pair, num(r.Alpha), ci, r.Disagreements)
		if len(r.Pairs) > 1 {
			for _, p := range r.Pairs {
				fmt.Fprintf(tw, "  %s ~ %s\t\t\t%d\t%s\t%s\t\t\t\n", p.A, p.B, p.Units, percent(p.Percent), num(p.Kappa))
			}
		}
	}
	return tw.Flush()
}

func num(n coders.Num) string {
	if math.IsNaN(float64(n)) {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(n))
}

func percent(n coders.Num) string {
	if math.IsNaN(float64(n)) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n))
}

const disagreementsHelp = `Lists the candidates the coders decided differently, to discuss: the
passage with its speaker and a sentence of context, and each coder's
decision and notes. With -o FILE.csv or .xlsx it writes them as a sheet
with an empty consensus column (filled in where a consensus is recorded
already) and a note column. Write the decision you agreed on in consensus
(confirm, reject, or a code path) and read the sheet back with
"alongside import-decisions --consensus FILE": the consensus is recorded as
a decision of its own, under the reviewer name "consensus", and both
coders' decisions stay in the history. Exports and the candidates list
then follow the consensus (decided_by: consensus).`

// cmdDisagreements lists the units where coders differ, or writes them as
// a sheet for the consensus.
func cmdDisagreements(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "disagreements")
	o, project := studyFlags(fs)
	out := fs.String("output", "", "write the sheet to this .csv or .xlsx `FILE`")
	fs.alias("o", "output")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if *out != "" && ext != ".csv" && ext != ".xlsx" {
		return usageError{msg: fmt.Sprintf("disagreements: -o %s: give a .csv or .xlsx file", *out)}
	}
	study, err := o.load(ctx, "disagreements", *project)
	if err != nil {
		return err
	}
	units := study.Disagreements()
	st, err := openStore(*project)
	if err != nil {
		return err
	}
	defer st.Close()
	table, err := coders.DisagreementTable(ctx, st, study, units)
	if err != nil {
		return err
	}
	if *out == "" {
		for _, u := range units {
			fmt.Fprintf(e.stdout, "%s  %s\n  %s  %s\n  %s\n", u.ID, u.Code, u.Transcript, u.Speaker, strings.ReplaceAll(u.Text, "\n", " "))
			for _, c := range study.Coders {
				if v, ok := u.Verdicts[c]; ok {
					fmt.Fprintf(e.stdout, "  %s: %s", c, coders.Decision(&v))
					if len(v.Notes) > 0 {
						fmt.Fprintf(e.stdout, " (%s)", strings.Join(v.Notes, "; "))
					}
					fmt.Fprintln(e.stdout)
				}
			}
			if u.Consensus != nil {
				fmt.Fprintf(e.stdout, "  consensus: %s\n", coders.Decision(u.Consensus))
			}
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stderr, "alongside: %d disagreement(s) among %s\n", len(units), strings.Join(study.Coders, ", "))
		return nil
	}
	err = writeFileAtomic(*out, func(f *os.File) error {
		if ext == ".xlsx" {
			return export.WriteTablesXLSX(f, table)
		}
		return export.WriteTableCSV(f, table)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "alongside: wrote %d disagreement(s) to %s\n", len(units), *out)
	return nil
}
