package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/decisions"
)

// openReviewer opens a project for recording decisions. A missing project
// is said first: no advice about reviewer names for a mistyped --project.
func openReviewer(project, reviewerFlag string) (*decisions.Reviewer, func(), error) {
	st, err := openStore(project)
	if err != nil {
		return nil, nil, err
	}
	r, err := reviewer(st, project, reviewerFlag)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return r, func() { st.Close() }, nil
}

func reviewer(st *store.Store, project, reviewerFlag string) (*decisions.Reviewer, error) {
	cfg, err := loadConfig(project)
	if err != nil {
		return nil, err
	}
	name := reviewerFlag
	if name == "" {
		name = cfg.Reviewer
	}
	if strings.TrimSpace(name) == "" {
		return nil, usageError{msg: "no reviewer name: give --reviewer NAME or set reviewer: in alongside.yaml (every decision records who made it)"}
	}
	cb, err := loadCodebook(project, cfg, false)
	if err != nil {
		return nil, err
	}
	return &decisions.Reviewer{Store: st, Codebook: cb, Name: name, Now: time.Now}, nil
}

// cmdDecide makes the scriptable verbs: confirm, reject, recode, span, note.
func cmdDecide(action string) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		fs := newFlags(e, action)
		project := fs.project()
		reviewer := fs.reviewer()
		// Each verb offers only the flags it uses.
		var note, code, sentences *string
		if action != store.ActionNote {
			note = fs.String("note", "", "record `TEXT` as a note with the decision")
		}
		switch action {
		case store.ActionRecode:
			code = fs.String("code", "", "the new code `PATH`")
		case store.ActionSpan:
			sentences = fs.String("sentences", "", "the new span: sentences `FIRST-LAST` of the turn, counted from 0")
		}
		consensus := consensusFlag(fs, action)
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if *consensus {
			*reviewer = store.ConsensusReviewer
		}
		var ds []decisions.Decision
		switch action {
		case store.ActionNote:
			if len(pos) < 2 {
				return usageError{msg: "note: give a candidate ID and the note"}
			}
			ds = append(ds, decisions.Decision{Candidate: pos[0], Action: action, Value: strings.Join(pos[1:], " ")})
		case store.ActionRecode, store.ActionSpan:
			value, flag := "", ""
			if action == store.ActionSpan {
				value, flag = *sentences, "--sentences FIRST-LAST"
			} else {
				value, flag = *code, "--code PATH"
			}
			if value == "" {
				return usageError{msg: action + ": give " + flag}
			}
			if len(pos) != 1 {
				return usageError{msg: action + ": give one candidate ID"}
			}
			ds = append(ds, decisions.Decision{Candidate: pos[0], Action: action, Value: value, Note: *note})
		default:
			if len(pos) == 0 {
				return usageError{msg: action + ": give one or more candidate IDs"}
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
		if action == store.ActionRecode && r.Codebook != nil {
			// Case never matters in a code path the analyst types.
			var paths []string
			for _, c := range r.Codebook.All() {
				paths = append(paths, c.Path)
			}
			if ds[0].Value, _, err = resolveCase("--code", ds[0].Value, paths); err != nil {
				return err
			}
		}
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
	fs := newFlags(e, "history")
	project := fs.project()
	asJSON := fs.json("one JSON object per decision")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{msg: "history: give one candidate ID"}
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
