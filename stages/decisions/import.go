package decisions

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
	File  string
	Steps []ImportStep // one per row with a decision or a note, in row order
	// Stale are the rows the sheet is too old for: held back, not
	// recorded, unless ApplyStale is set.
	Stale      []StaleRow
	ApplyStale bool
	Created    []string // the candidates the re-codes created, once recorded
}

// StaleRow is a row whose candidate changed after the sheet was exported:
// a later run withdrew it, its text is gone from its transcript
// (orphaned), or someone recorded a different decision on it since.
type StaleRow struct {
	ImportStep
	Reason string
}

func (s StaleRow) String() string {
	return fmt.Sprintf("row %d: candidate %s: %s", s.Row, s.Candidate, s.Reason)
}

// Decisions returns the decisions to record, in row order: the stale
// rows' too when ApplyStale is set.
func (p *ImportPlan) Decisions() []Decision {
	steps := p.Steps
	if p.ApplyStale {
		steps = slices.Clone(steps)
		for _, s := range p.Stale {
			steps = append(steps, s.ImportStep)
		}
		slices.SortStableFunc(steps, func(a, b ImportStep) int { return a.Row - b.Row })
	}
	var ds []Decision
	for _, s := range steps {
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
// candidate is already the same, and its note when it is the candidate's
// current note (the one the export wrote in the sheet) or one the reviewer
// recorded. Another reviewer's same decision does not count: a second
// coder's agreement is worth recording.
//
// A sheet may be older than the log. A row that would record something is
// held back as stale (Plan.Stale, not in Steps) when its candidate was
// withdrawn by a later run or orphaned, or when the verdict in force is
// another reviewer's, recorded after the sheet's log_seq, and differs from
// the row's. (A sheet without log_seq counts every verdict as newer.)
func PlanImport(ctx context.Context, r *Reviewer, file string, rows []export.ImportRow) (*ImportPlan, error) {
	if strings.TrimSpace(r.Name) == "" {
		return nil, fmt.Errorf("no reviewer name: give --reviewer NAME or set reviewer: in alongside.yaml")
	}
	known, err := candidatesByID(ctx, r.Store, rows)
	if err != nil {
		return nil, err
	}
	current := map[string]string{} // each candidate's current note
	notes, err := r.Store.Notes(ctx, slices.Collect(maps.Keys(known)))
	if err != nil {
		return nil, err
	}
	for id, ns := range notes {
		current[id] = store.CurrentNote(ns)
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
		log, err := r.Store.Log(ctx, row.ID)
		if err != nil {
			return nil, err
		}
		effective := store.Effective(log)
		verdict, notes := ownLog(effective, r.Name)
		if verdict != nil && verdict.Action == step.Action && (step.Action != store.ActionRecode || verdict.Value == step.Value) {
			step.Action, step.Value = "", ""
		}
		if notes.all[step.Note] || step.Note == current[row.ID] {
			step.Note = ""
		}
		if step.Action == "" && step.Note != "" {
			step.Action = store.ActionNote
		}
		// Another coder's decisions do not make a blind coder's sheet, nor
		// the consensus, stale: differing is what double coding is for.
		independent := r.Name == store.ConsensusReviewer || (row.Blind != "" && row.Blind == r.Name)
		if reason := staleReason(c, step, r.Name, row.LogSeq, effective, independent); reason != "" {
			plan.Stale = append(plan.Stale, StaleRow{ImportStep: step, Reason: reason})
			continue
		}
		plan.Steps = append(plan.Steps, step)
	}
	if len(bad) > 0 {
		return nil, &export.ImportError{File: file, Rows: bad}
	}
	return plan, nil
}

// staleReason says why a step must not be recorded without asking ("" when
// it may): its candidate was withdrawn or orphaned, or the verdict in force
// is another reviewer's, recorded after the export, and differs from the
// step's. (The reviewer's own later verdicts are theirs to change: editing
// and importing the same sheet again is how one changes one's mind.)
func staleReason(c store.Candidate, step ImportStep, reviewer string, exported int64, effective []store.LoggedDecision, independent bool) string {
	if step.Action == "" {
		return ""
	}
	switch c.Status {
	case "withdrawn":
		return "withdrawn by a run after the export (the codebook or the transcript changed)"
	case "orphaned":
		return "orphaned: its text is gone from the transcript's current version"
	}
	if !store.IsVerdict(step.Action) || independent {
		return "" // a note adds to the log and overturns nothing
	}
	var now *store.LoggedDecision // the verdict in force
	for i, e := range effective {
		if store.IsVerdict(e.Action) {
			now = &effective[i]
		}
	}
	if now == nil || now.Seq <= exported || now.Reviewer == reviewer || (now.Action == step.Action && (step.Action != store.ActionRecode || now.Value == step.Value)) {
		return ""
	}
	what := now.Action
	if now.Action == store.ActionRecode {
		what = "re-coded to " + now.Value
	}
	when := "after this sheet was exported"
	if exported == export.NoLogSeq {
		when = "(the sheet has no log_seq column to tell when it was exported)"
	}
	return fmt.Sprintf("%s decided %s on %s %s", now.Reviewer, what, now.At.UTC().Format("2006-01-02 15:04"), when)
}

// ownNotes are the notes a reviewer recorded on a candidate.
type ownNotes struct {
	current string          // the latest
	all     map[string]bool // every one
}

// ownLog returns a reviewer's latest confirm, reject or re-code in a
// candidate's effective log (nil when none), and the notes they recorded.
func ownLog(log []store.LoggedDecision, reviewer string) (verdict *store.LoggedDecision, notes ownNotes) {
	notes.all = map[string]bool{}
	for i, h := range log {
		if h.Reviewer != reviewer {
			continue
		}
		switch h.Action {
		case store.ActionConfirm, store.ActionReject, store.ActionRecode:
			verdict = &log[i]
		case store.ActionNote:
			notes.all[h.Value] = true
			notes.current = h.Value
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

// ImportOptions say how ImportDecisions records.
type ImportOptions struct {
	DryRun     bool // record nothing; return what would be recorded
	ApplyStale bool // record the stale rows too
}

// ImportDecisions reads a decisions file, checks all of it, and records
// under the reviewer's name every row but the stale ones (all of them with
// ApplyStale), in one transaction, or nothing.
func ImportDecisions(ctx context.Context, r *Reviewer, path string, opt ImportOptions) (*ImportPlan, error) {
	rows, err := export.ReadDecisions(path)
	if err != nil {
		return nil, err
	}
	plan, err := PlanImport(ctx, r, path, rows)
	if err != nil {
		return nil, err
	}
	plan.ApplyStale = opt.ApplyStale
	if opt.DryRun {
		return plan, nil
	}
	if ds := plan.Decisions(); len(ds) > 0 {
		if plan.Created, err = r.Record(ctx, ds); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return plan, nil
}
