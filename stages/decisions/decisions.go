package decisions

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
)

// Decision is one analyst decision to record.
type Decision struct {
	Candidate string
	Action    string
	Value     string
	Note      string // recorded as a note after the decision, when set
}

// Reviewer records decisions in a project's log. Every decision carries
// who made it, when, and under which codebook version.
type Reviewer struct {
	Store    *store.Store
	Codebook *codebook.Codebook // needed to re-code; may be nil otherwise
	Name     string
	Now      func() time.Time
}

// Validate checks decisions without recording anything: known candidates,
// known actions, existing code paths, sentence bounds inside the turn.
func (r *Reviewer) Validate(ctx context.Context, ds []Decision) error {
	if strings.TrimSpace(r.Name) == "" {
		return fmt.Errorf("no reviewer name: give --reviewer NAME or set reviewer: in alongside.yaml")
	}
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.Candidate)
	}
	cands, err := r.Store.Candidates(ctx, store.CandidateFilter{IDs: ids})
	if err != nil {
		return err
	}
	known := map[string]store.Candidate{}
	for _, c := range cands {
		known[c.ID] = c
	}
	for _, d := range ds {
		c, ok := known[d.Candidate]
		if !ok {
			return fmt.Errorf("candidate %q: no such candidate", d.Candidate)
		}
		switch d.Action {
		case store.ActionConfirm, store.ActionReject, store.ActionNote:
		case store.ActionRecode:
			if r.Codebook == nil || r.Codebook.Find(d.Value) == nil {
				return fmt.Errorf("candidate %s: re-code to %q: no such code in the codebook", d.Candidate, d.Value)
			}
			if d.Value == c.Code {
				return fmt.Errorf("candidate %s: re-code to %q: it already has that code", d.Candidate, d.Value)
			}
		case store.ActionSpan:
			first, last, err := parseSpan(d.Value)
			if err != nil {
				return fmt.Errorf("candidate %s: span %q: %w", d.Candidate, d.Value, err)
			}
			t, err := r.Store.Version(ctx, c.Transcript, c.Version)
			if err != nil {
				return err
			}
			if n := len(t.Turns[c.Turn].Sentences); last >= n || first > last {
				return fmt.Errorf("candidate %s: span %q: the turn has sentences 0-%d", d.Candidate, d.Value, n-1)
			}
		default:
			return fmt.Errorf("candidate %s: unknown action %q", d.Candidate, d.Action)
		}
	}
	return nil
}

func parseSpan(v string) (first, last int, err error) {
	a, b, ok := strings.Cut(v, "-")
	if !ok {
		return 0, 0, fmt.Errorf("give sentences as first-last, e.g. 2-4")
	}
	if first, err = strconv.Atoi(strings.TrimSpace(a)); err != nil || first < 0 {
		return 0, 0, fmt.Errorf("give sentences as first-last, e.g. 2-4")
	}
	if last, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || last < first {
		return 0, 0, fmt.Errorf("give sentences as first-last, e.g. 2-4")
	}
	return first, last, nil
}

// Record validates and then records decisions, all or none. A re-code
// rejects the candidate for its old code and confirms the same span under
// the new code, as a new candidate linked to it; it returns the IDs of
// candidates it created.
func (r *Reviewer) Record(ctx context.Context, ds []Decision) (created []string, err error) {
	if err := r.Validate(ctx, ds); err != nil {
		return nil, err
	}
	now := r.now
	version := ""
	if r.Codebook != nil {
		version = r.Codebook.Version()
	}
	var entries []store.DecisionEntry
	for _, d := range ds {
		at := now()
		entries = append(entries, store.DecisionEntry{Candidate: d.Candidate, Action: d.Action, Value: d.Value, Reviewer: r.Name, At: at, Codebook: version})
		if d.Action == store.ActionRecode {
			cands, err := r.Store.Candidates(ctx, store.CandidateFilter{IDs: []string{d.Candidate}})
			if err != nil {
				return nil, err
			}
			old := cands[0]
			t, err := r.Store.Version(ctx, old.Transcript, old.Version)
			if err != nil {
				return nil, err
			}
			nc := old
			nc.Code = d.Value
			nc.ID = stages.CandidateID(d.Value, t, old.Start, old.End)
			nc.Rules = []string{recodedFrom(old.ID)}
			nc.Codebook = version
			entries = append(entries, store.DecisionEntry{Candidate: nc.ID, Action: store.ActionConfirm, Value: recodedFrom(old.ID), Reviewer: r.Name, At: at, Codebook: version, Create: &nc})
			created = append(created, nc.ID)
		}
		if d.Note != "" {
			entries = append(entries, store.DecisionEntry{Candidate: d.Candidate, Action: store.ActionNote, Value: d.Note, Reviewer: r.Name, At: at, Codebook: version})
		}
	}
	return created, r.Store.AppendDecisions(ctx, entries)
}

func (r *Reviewer) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
