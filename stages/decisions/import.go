package decisions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/export"
)

type ImportStep struct {
	Row       int
	Candidate string
	Action    string // confirm, reject, recode or note; "" when the row is recorded already
	Value     string // recode: the new code path
	Note      string // a note to record ("" when none, or recorded already)
}

func (s ImportStep) String() string {
	var out string
	switch s.Action {
	case "":
		return "unchanged (recorded already)"
	case store.ActionNote:
		return "note"
	case store.ActionRecode:
		out = "recode to " + s.Value
	default:
		out = s.Action
	}
	if s.Note != "" {
		out += " + note"
	}
	return out
}

// ImportPlan is what importing a decisions file records.
type ImportPlan struct {
	File    string
	Steps   []ImportStep // one per row with a decision or a note, in row order
	Created []string     // the candidates the re-codes created, once recorded
}

// Decisions returns the decisions to record, in row order.
func (p *ImportPlan) Decisions() []Decision {
	var ds []Decision
	for _, s := range p.Steps {
		switch s.Action {
		case "":
		case store.ActionNote:
			ds = append(ds, Decision{Candidate: s.Candidate, Action: store.ActionNote, Value: s.Note})
		default:
			ds = append(ds, Decision{Candidate: s.Candidate, Action: s.Action, Value: s.Value, Note: s.Note})
		}
	}
	return ds
}

// PlanImport checks every row of a decisions file and works out what to
// record, without recording anything. A bad row (an unreadable cell, an
// unknown candidate, a decision that is neither confirm, reject nor a code
// path of the codebook, the same candidate twice) refuses the whole file:
// the error is an *export.ImportError listing every bad row.
//
// Importing the same file again records nothing: a row's decision is left
// out when the reviewer's own latest confirm, reject or re-code of that
// candidate is already the same, and its note when the reviewer already
// recorded that note on it. (Another reviewer's decisions do not count: a
// second coder's agreement is worth recording, and re-importing an old
// file must not overturn what someone decided since.)
func PlanImport(ctx context.Context, r *Reviewer, file string, rows []export.ImportRow) (*ImportPlan, error) {
	if strings.TrimSpace(r.Name) == "" {
		return nil, fmt.Errorf("no reviewer name: give --reviewer NAME or set reviewer: in alongside.yaml")
	}
	known, err := candidatesByID(ctx, r.Store, rows)
	if err != nil {
		return nil, err
	}
	plan := &ImportPlan{File: file}
	var bad []*export.RowError
	fail := func(row int, err error) { bad = append(bad, &export.RowError{Row: row, Err: err}) }
	rowOf := map[string]int{}
	for _, row := range rows {
		if row.Err != nil {
			fail(row.Row, row.Err)
			continue
		}
		if row.ID == "" {
			fail(row.Row, errors.New("no candidate id in the id column"))
			continue
		}
		c, ok := known[row.ID]
		if !ok {
			fail(row.Row, fmt.Errorf("candidate %q: no such candidate", row.ID))
			continue
		}
		if first, dup := rowOf[row.ID]; dup {
			fail(row.Row, fmt.Errorf("candidate %q: also on row %d", row.ID, first))
			continue
		}
		rowOf[row.ID] = row.Row
		step := ImportStep{Row: row.Row, Candidate: row.ID, Note: row.Note}
		switch strings.ToLower(row.Decision) {
		case "":
		case store.ActionConfirm:
			step.Action = store.ActionConfirm
		case store.ActionReject:
			step.Action = store.ActionReject
		default:
			path, err := codePath(r.Codebook, row.Decision)
			if err != nil {
				fail(row.Row, fmt.Errorf("candidate %q: %w", row.ID, err))
				continue
			}
			if path == c.Code {
				fail(row.Row, fmt.Errorf("candidate %q: %q is its code already: write confirm to keep it", row.ID, path))
				continue
			}
			step.Action, step.Value = store.ActionRecode, path
		}
		hist, err := r.Store.History(ctx, row.ID)
		if err != nil {
			return nil, err
		}
		verdict, notes := ownLog(hist, r.Name)
		if verdict != nil && verdict.Action == step.Action && (step.Action != store.ActionRecode || verdict.Value == step.Value) {
			step.Action, step.Value = "", ""
		}
		if notes[step.Note] {
			step.Note = ""
		}
		if step.Action == "" && step.Note != "" {
			step.Action = store.ActionNote
		}
		plan.Steps = append(plan.Steps, step)
	}
	if len(bad) > 0 {
		return nil, &export.ImportError{File: file, Rows: bad}
	}
	return plan, nil
}

// ownLog returns a reviewer's latest confirm, reject or re-code in a
// candidate's history (nil when none), and the notes they recorded on it.
func ownLog(hist []store.DecisionEntry, reviewer string) (verdict *store.DecisionEntry, notes map[string]bool) {
	notes = map[string]bool{}
	for i, h := range hist {
		if h.Reviewer != reviewer {
			continue
		}
		switch h.Action {
		case store.ActionConfirm, store.ActionReject, store.ActionRecode:
			verdict = &hist[i]
		case store.ActionNote:
			notes[h.Value] = true
		}
	}
	return verdict, notes
}

// candidatesByID loads the candidates the rows name, by ID.
func candidatesByID(ctx context.Context, st *store.Store, rows []export.ImportRow) (map[string]store.Candidate, error) {
	var ids []string
	for _, r := range rows {
		if r.ID != "" {
			ids = append(ids, r.ID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[string]store.Candidate, len(ids))
	const chunk = 500 // SQLite limits the number of parameters
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		cands, err := st.Candidates(ctx, store.CandidateFilter{IDs: ids[:n]})
		if err != nil {
			return nil, err
		}
		for _, c := range cands {
			out[c.ID] = c
		}
		ids = ids[n:]
	}
	return out, nil
}

// codePath finds the code a decision cell names: its path as written, else
// the one path that matches ignoring case and the spaces around "/".
func codePath(cb *codebook.Codebook, s string) (string, error) {
	if cb == nil {
		return "", fmt.Errorf("decision %q: write confirm or reject (the project has no codebook to re-code with)", s)
	}
	if c := cb.Find(s); c != nil {
		return c.Path, nil
	}
	norm := func(p string) string {
		parts := strings.Split(p, "/")
		for i, part := range parts {
			parts[i] = strings.ToLower(strings.TrimSpace(part))
		}
		return strings.Join(parts, "/")
	}
	var found []string
	for _, c := range cb.All() {
		if norm(c.Path) == norm(s) {
			found = append(found, c.Path)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	if strings.Contains(s, "/") {
		return "", fmt.Errorf("re-code to %q: no such code in the codebook", s)
	}
	return "", fmt.Errorf("decision %q: write confirm, reject, or a code path from the codebook", s)
}

// ImportDecisions reads a decisions file, checks all of it, and records
// all of it under the reviewer's name, or nothing. With dryRun it records
// nothing and returns what it would do.
func ImportDecisions(ctx context.Context, r *Reviewer, path string, dryRun bool) (*ImportPlan, error) {
	rows, err := export.ReadDecisions(path)
	if err != nil {
		return nil, err
	}
	plan, err := PlanImport(ctx, r, path, rows)
	if err != nil || dryRun {
		return plan, err
	}
	if ds := plan.Decisions(); len(ds) > 0 {
		if plan.Created, err = r.Record(ctx, ds); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return plan, nil
}
