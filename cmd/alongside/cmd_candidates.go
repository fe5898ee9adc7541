package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
)

// statuses are the candidate statuses, as --status and the exports name
// them.
var statuses = []string{"proposed", "confirmed", "rejected", "withdrawn", "orphaned"}

func cmdCandidates(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "candidates")
	project := fs.project()
	code, status, transcript := filterFlags(fs)
	batch := fs.Int64("batch", 0, "only candidates proposed by batch `N`")
	recommended := fs.Bool("recommended", false, "only the candidates the tool recommends (likely to be confirmed)")
	asJSON := fs.json("one JSON object per candidate, the most relevant first within each code")
	blind, reviewer := blindFlags(fs)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	blindAs, err := blindReviewer(*project, *blind, *reviewer)
	if err != nil {
		return err
	}
	if *status != "" && !contains(statuses, *status) {
		return usageError{msg: fmt.Sprintf("candidates: --status %q: use one of %s", *status, strings.Join(statuses, ", "))}
	}
	st, err := openStore(*project)
	if err != nil {
		return err
	}
	defer st.Close()
	filter := store.CandidateFilter{Code: *code, Status: *status, Transcript: *transcript, Batch: *batch, Reviewer: blindAs, Recommended: *recommended}
	if err := resolveFilter(ctx, e, st, &filter); err != nil {
		return err
	}
	cands, err := st.Candidates(ctx, filter)
	if err != nil {
		return err
	}
	store.SortByRelevance(cands) // the queue: per code, the most relevant first
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.ID
	}
	notes, err := st.Notes(ctx, ids)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]candidateJSON, len(cands))
		for i, c := range cands {
			out[i] = candidateJSON{Candidate: c, Notes: notes[c.ID]}
			if out[i].Notes == nil {
				out[i].Notes = []store.Note{}
			}
		}
		return writeJSONLines(e.stdout, out)
	}
	for _, c := range cands {
		printCandidate(e.stdout, c, notes[c.ID], e.stdoutTTY)
	}
	fmt.Fprintf(e.stderr, "alongside: %d candidate(s)\n", len(cands))
	return nil
}

// filterFlags are the candidate filters candidates and export share.
func filterFlags(fs *flagSet) (code, status, transcript *string) {
	code = fs.String("code", "", "only code `PATH` and the codes under it (case never matters)")
	status = fs.String("status", "", "only candidates with this `STATUS`: "+strings.Join(statuses, ", "))
	transcript = fs.String("transcript", "", "only transcript `ID` (case never matters)")
	return code, status, transcript
}

// candidateJSON is a candidate as "candidates --json" prints it: with
// each reviewer's current note, oldest first.
type candidateJSON struct {
	store.Candidate
	Notes []store.Note `json:"notes"`
}

func printCandidate(w io.Writer, c store.Candidate, notes []store.Note, color bool) {
	when := ""
	if c.StartTime != nil {
		t := int(*c.StartTime)
		when = fmt.Sprintf(" %02d:%02d:%02d", t/3600, t/60%60, t%60)
	}
	rec := ""
	if c.Recommended {
		rec = ", recommended"
	}
	fmt.Fprintf(w, "%s  %-9s  %s  relevance %.2f (%s%s)\n  %s  %s%s  [%d-%d]  rules: %s\n", c.ID, c.Status, c.Code, c.Relevance, originOrKeyword(c.Origin), rec,
		c.Transcript, c.Speaker, when, c.Start, c.End, strings.Join(c.Rules, " | "))
	fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(markSpans(c.Text, c.Start, c.Matches, color), "\n", " "))
	if c.Why != "" {
		fmt.Fprintf(w, "  why: %s\n", c.Why)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "  note (%s, %s): %s\n", n.Reviewer, n.At.Local().Format("2006-01-02"), strings.ReplaceAll(n.Text, "\n", " "))
	}
	fmt.Fprintln(w)
}

// markSpans marks matched words (code point spans into the transcript)
// inside text, which starts at code point offset base.
func markSpans(text string, base int, ms []store.MatchSpan, color bool) string {
	open, close := "[", "]"
	if color {
		open, close = "\x1b[1;31m", "\x1b[0m"
	}
	rs := []rune(text)
	var b strings.Builder
	at := 0
	for _, m := range ms {
		a, z := m.Start-base, m.End-base
		if a < at || z > len(rs) {
			continue
		}
		b.WriteString(string(rs[at:a]) + open + string(rs[a:z]) + close)
		at = z
	}
	b.WriteString(string(rs[at:]))
	return b.String()
}

func originOrKeyword(o string) string {
	if o == "" {
		return store.OriginKeyword
	}
	return o
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// loadCodebook reads the project's codebook. A codebook named only by
// default that does not exist means "no codebook" (nil, nil).
func loadCodebook(project string, cfg *config, explicit bool) (*codebook.Codebook, error) {
	if cfg.Codebook == "" {
		return nil, nil
	}
	path := cfg.Codebook
	if !filepath.IsAbs(path) {
		path = filepath.Join(project, path)
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !explicit {
		return nil, nil
	}
	return codebook.Check(path, func(q string) error {
		_, err := index.Parse(q)
		return err
	})
}
