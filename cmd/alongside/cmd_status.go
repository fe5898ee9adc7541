package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
)

type statusReport struct {
	Project     string                 `json:"project"`
	Transcripts []store.TranscriptInfo `json:"transcripts"`
	Skipped     []store.File           `json:"skipped"`
	Passages    int                    `json:"passages"`
	Words       int                    `json:"words"`
	LastBatch   *store.Batch           `json:"last_batch"`
}

func cmdStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status")
	project := fs.project()
	asJSON := fs.json("print one JSON object")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	r := statusReport{Project: *project}
	st, err := stages.Project{Dir: *project}.OpenExistingStore()
	if errors.Is(err, stages.ErrNoState) {
		// A project folder no batch has run on: say so, and create nothing.
		return printStatus(e, r, *asJSON)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if r.Transcripts, err = st.Transcripts(ctx); err != nil {
		return err
	}
	files, err := st.Files(ctx)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Status == "skipped" {
			r.Skipped = append(r.Skipped, f)
		}
	}
	sort.Slice(r.Skipped, func(i, j int) bool { return r.Skipped[i].Path < r.Skipped[j].Path })
	for _, t := range r.Transcripts {
		r.Passages += t.Passages
		r.Words += t.Words
	}
	if r.LastBatch, err = st.LastBatch(ctx); err != nil {
		return err
	}
	return printStatus(e, r, *asJSON)
}

func printStatus(e *env, r statusReport, asJSON bool) error {
	if asJSON {
		if r.Transcripts == nil {
			r.Transcripts = []store.TranscriptInfo{}
		}
		if r.Skipped == nil {
			r.Skipped = []store.File{}
		}
		return json.NewEncoder(e.stdout).Encode(r)
	}
	w := e.stdout
	if r.LastBatch == nil {
		fmt.Fprintf(w, "No batch has run in %s yet: alongside run --project %s\n", r.Project, r.Project)
		return nil
	}
	fmt.Fprintf(w, "%d transcript(s), %d passages, %d words. Last batch %d: %s, started %s.\n\n",
		len(r.Transcripts), r.Passages, r.Words, r.LastBatch.ID, r.LastBatch.Status, r.LastBatch.Started)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TRANSCRIPT\tFORMAT\tTURNS\tPASSAGES\tWORDS\tBATCH\tFILE")
	for _, t := range r.Transcripts {
		file := t.File
		if t.Removed {
			file += " (gone; run --prune to remove)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", t.ID, t.Format, t.Turns, t.Passages, t.Words, t.Batch, file)
	}
	tw.Flush()
	if len(r.Skipped) > 0 {
		fmt.Fprintf(w, "\nSkipped file(s):\n")
		for _, f := range r.Skipped {
			fmt.Fprintf(w, "  %s: %s\n", f.Path, f.Error)
		}
	}
	return nil
}
