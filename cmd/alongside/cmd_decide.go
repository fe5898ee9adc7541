package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/decisions"
)

// openReviewer opens a project for recording decisions.
func openReviewer(project, reviewerFlag string) (*decisions.Reviewer, func(), error) {
	cfg, err := loadConfig(project)
	if err != nil {
		return nil, nil, err
	}
	name := reviewerFlag
	if name == "" {
		name = cfg.Reviewer
	}
	if strings.TrimSpace(name) == "" {
		return nil, nil, usageError{"no reviewer name: give --reviewer NAME or set reviewer: in alongside.yaml (every decision records who made it)"}
	}
	p := stages.Project{Dir: project}
	if _, err := os.Stat(p.StorePath()); err != nil {
		return nil, nil, fmt.Errorf("no project state in %s: run \"alongside run\" first", p.StateDir())
	}
	cb, err := loadCodebook(project, cfg, false)
	if err != nil {
		return nil, nil, err
	}
	st, err := p.OpenStore()
	if err != nil {
		return nil, nil, err
	}
	return &decisions.Reviewer{Store: st, Codebook: cb, Name: name, Now: time.Now}, func() { st.Close() }, nil
}

// cmdDecide makes the scriptable verbs: confirm, reject, recode, span, note.
func cmdDecide(action string) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		synopsis := map[string]string{
			store.ActionConfirm: "confirm [--project DIR] [--reviewer NAME] [--note TEXT] ID...",
			store.ActionReject:  "reject [--project DIR] [--reviewer NAME] [--note TEXT] ID...",
			store.ActionRecode:  "recode [--project DIR] [--reviewer NAME] [--note TEXT] --code PATH ID",
			store.ActionSpan:    "span [--project DIR] [--reviewer NAME] [--note TEXT] --sentences FIRST-LAST ID",
			store.ActionNote:    "note [--project DIR] [--reviewer NAME] ID TEXT",
		}[action]
		fs := newFlags(e, action, synopsis)
		project := fs.String("project", ".", "project `folder`")
		reviewer := fs.String("reviewer", "", "your `name` (default: reviewer: in alongside.yaml)")
		note := fs.String("note", "", "a note to record with the decision")
		code := fs.String("code", "", "the new code `path` (recode)")
		sentences := fs.String("sentences", "", "the new span as sentences `FIRST-LAST` of the turn, counted from 0 (span)")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		var ds []decisions.Decision
		switch action {
		case store.ActionNote:
			if len(pos) < 2 {
				return usageError{"note: give a candidate ID and the note"}
			}
			ds = append(ds, decisions.Decision{Candidate: pos[0], Action: action, Value: strings.Join(pos[1:], " ")})
		case store.ActionRecode, store.ActionSpan:
			value := *code
			if action == store.ActionSpan {
				value = *sentences
			}
			if len(pos) != 1 || value == "" {
				return usageError{action + ": usage: alongside " + synopsis}
			}
			ds = append(ds, decisions.Decision{Candidate: pos[0], Action: action, Value: value, Note: *note})
		default:
			if len(pos) == 0 {
				return usageError{action + ": give one or more candidate IDs"}
			}
			for _, id := range pos {
				ds = append(ds, decisions.Decision{Candidate: id, Action: action, Note: *note})
			}
		}
		r, done, err := openReviewer(*project, *reviewer)
		if err != nil {
			return err
		}
		defer done()
		created, err := r.Record(ctx, ds)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "alongside: recorded %d decision(s) as %s\n", len(ds), r.Name)
		for _, id := range created {
			fmt.Fprintf(e.stdout, "%s\n", id)
		}
		return nil
	}
}

func cmdHistory(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "history", "history [--project DIR] [--json] ID")
	project := fs.String("project", ".", "project `folder`")
	asJSON := fs.Bool("json", false, "one JSON object per decision")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"history: give one candidate ID"}
	}
	st, err := openStore(*project)
	if err != nil {
		return err
	}
	defer st.Close()
	hist, err := st.Log(ctx, pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSONLines(e.stdout, hist)
	}
	if len(hist) == 0 {
		fmt.Fprintf(e.stderr, "alongside: no decisions on %s\n", pos[0])
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	// An undo's value is the # of the entry it takes back.
	fmt.Fprintln(tw, "#\tWHEN\tREVIEWER\tACTION\tVALUE\tCODEBOOK")
	for _, h := range hist {
		action, value := h.Action, h.Value
		if h.Undone {
			action += " (undone)"
		}
		if h.Action == store.ActionUndo {
			value = "#" + value
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", h.Seq, h.At.Local().Format("2006-01-02 15:04:05"), h.Reviewer, action, value, h.Codebook)
	}
	return tw.Flush()
}
