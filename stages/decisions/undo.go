package decisions

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/alongside-qda/alongside/corpus/store"
)

// Undo takes back the reviewer's latest decision on a candidate that still
// counts, by appending an undo entry that names it (the log is
// append-only: the undone entry stays, and history shows both). Undoing a
// re-code also takes back the confirmation it made on the new candidate,
// and withdraws that candidate when the re-code was all that made it.
// It returns the entry undone.
func (r *Reviewer) Undo(ctx context.Context, candidate string) (*store.LoggedDecision, error) {
	log, err := r.Store.Log(ctx, candidate)
	if err != nil {
		return nil, err
	}
	var last *store.LoggedDecision
	for i, e := range log {
		if e.Reviewer == r.Name && e.Action != store.ActionUndo && !e.Undone {
			last = &log[i]
		}
	}
	if last == nil {
		return nil, fmt.Errorf("candidate %s: nothing of %s's to undo", candidate, r.Name)
	}
	at := r.now()
	version := ""
	if r.Codebook != nil {
		version = r.Codebook.Version()
	}
	undo := func(e store.LoggedDecision) store.DecisionEntry {
		return store.DecisionEntry{Candidate: e.Candidate, Action: store.ActionUndo, Value: strconv.FormatInt(e.Seq, 10), Reviewer: r.Name, At: at, Codebook: version}
	}
	entries := []store.DecisionEntry{undo(*last)}
	var withdraw []string
	if last.Action == store.ActionRecode {
		// Record made the new candidate's confirmation at the same moment,
		// with this value.
		made, err := r.Store.Entries(ctx, store.ActionConfirm, recodedFrom(candidate))
		if err != nil {
			return nil, err
		}
		for _, m := range made {
			if m.Reviewer != r.Name || !m.At.Equal(last.At) {
				continue
			}
			nlog, err := r.Store.Log(ctx, m.Candidate)
			if err != nil {
				return nil, err
			}
			if i := slices.IndexFunc(nlog, func(e store.LoggedDecision) bool { return e.Seq == m.Seq }); i < 0 || nlog[i].Undone {
				continue
			}
			entries = append(entries, undo(m))
			cands, err := r.Store.Candidates(ctx, store.CandidateFilter{IDs: []string{m.Candidate}})
			if err != nil {
				return nil, err
			}
			others := 0
			for _, e := range store.Effective(nlog) {
				if e.Seq != m.Seq {
					others++
				}
			}
			if len(cands) == 1 && others == 0 && slices.Equal(cands[0].Rules, []string{recodedFrom(candidate)}) {
				withdraw = append(withdraw, m.Candidate)
			}
		}
	}
	if err := r.Store.Undo(ctx, entries, withdraw); err != nil {
		return nil, err
	}
	return last, nil
}

// recodedFrom is the value (and the rule) of the confirmation a re-code
// makes on the candidate it creates.
func recodedFrom(id string) string { return "re-coded from " + id }

// Unchanged says whether recording d would repeat what the reviewer has in
// force already: the same verdict (confirm, reject, re-code to the same
// code), or the same note (or the candidate's newest note, left as it
// was). Such a decision is worth nothing in the log.
func (r *Reviewer) Unchanged(ctx context.Context, d Decision) (bool, error) {
	log, err := r.Store.Log(ctx, d.Candidate)
	if err != nil {
		return false, err
	}
	verdict, notes := ownLog(store.Effective(log), r.Name)
	switch {
	case store.IsVerdict(d.Action):
		return verdict != nil && verdict.Action == d.Action && (d.Action != store.ActionRecode || verdict.Value == d.Value) && (d.Note == "" || notes.current == d.Note), nil
	case d.Action == store.ActionNote:
		if notes.current == d.Value {
			return true, nil
		}
		// The note shown (another reviewer's newest) left as it was.
		all, err := r.Store.Notes(ctx, []string{d.Candidate})
		return err == nil && d.Value != "" && store.CurrentNote(all[d.Candidate]) == d.Value, err
	}
	return false, nil
}
