package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Several reviewers may decide the same candidates (blind double coding).
// Each decision stays its reviewer's own in the log; what differs is how a
// candidate's status is read from it:
//
//   - A blind view (CandidateFilter.Reviewer) reads one reviewer's own
//     decisions only: the others' verdicts, spans and notes are invisible,
//     and so are the candidates their re-codes created.
//   - The shared view (no Reviewer) follows the consensus where there is
//     one: a verdict recorded under the reserved reviewer name
//     ConsensusReviewer. Otherwise it follows the latest verdict by anyone,
//     as before, and Candidate.DecidedBy says so: one reviewer's name,
//     "ana, ben" when their latest verdicts agree, or
//     "ben (latest; coders differ)" when they do not.
//
// A candidate created by a re-code ("re-coded from X") stands for its
// reviewer's verdict on X; once X has a consensus, such a candidate counts
// only if the consensus confirms it itself (a consensus re-code to its code
// does), and is otherwise read as rejected, decided by the consensus.

// ConsensusReviewer is the reviewer name a consensus decision is recorded
// under: the verdict the coders agreed on after discussing a disagreement.
// It is never counted as a coder.
const ConsensusReviewer = "consensus"

// RecodedPrefix starts the rule of a candidate a re-code created, followed
// by the ID of the candidate it was re-coded from.
const RecodedPrefix = "re-coded from "

// RecodedFrom returns the candidate a re-code created c from, or "" when
// c was proposed by matching.
func RecodedFrom(c Candidate) string {
	if len(c.Rules) == 1 && strings.HasPrefix(c.Rules[0], RecodedPrefix) {
		return strings.TrimPrefix(c.Rules[0], RecodedPrefix)
	}
	return ""
}

// Verdict is one reviewer's latest confirm, reject or re-code of one
// candidate, with the notes that reviewer wrote on it.
type Verdict struct {
	Candidate string
	Reviewer  string
	Action    string // confirm, reject or recode; "" when the reviewer only wrote notes
	Value     string // recode: the new code path
	At        time.Time
	Notes     []string // oldest first
	seq       int64
}

// Category is the verdict as a nominal category for agreement:
// "confirm", "reject" or "recode:<code path>"; "" for notes only.
func (v Verdict) Category() string {
	if v.Action == ActionRecode {
		return "recode:" + v.Value
	}
	return v.Action
}

// Verdicts returns each reviewer's latest verdict on each candidate, with
// their notes, ordered by candidate and reviewer: of the given candidates,
// or of all when ids is nil. Span changes are not verdicts.
func (s *Store) Verdicts(ctx context.Context, ids []string) ([]Verdict, error) {
	vs, err := s.latestVerdicts(ctx, ids)
	if err != nil {
		return nil, err
	}
	type key struct{ c, r string }
	at := map[key]int{}
	for i, v := range vs {
		at[key{v.Candidate, v.Reviewer}] = i
	}
	err = s.eachDecision(ctx, `SELECT candidate_id, reviewer, action, value, at, seq FROM decisions WHERE action = 'note'`, ids, func(n Verdict) {
		k := key{n.Candidate, n.Reviewer}
		i, ok := at[k]
		if !ok {
			i = len(vs)
			at[k] = i
			vs = append(vs, Verdict{Candidate: n.Candidate, Reviewer: n.Reviewer})
		}
		vs[i].Notes = append(vs[i].Notes, n.Value)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(vs, func(a, b Verdict) int {
		return strings.Compare(a.Candidate+"\x00"+a.Reviewer, b.Candidate+"\x00"+b.Reviewer)
	})
	return vs, nil
}

// latestVerdicts reads each reviewer's latest confirm, reject or re-code
// per candidate (Notes left empty).
func (s *Store) latestVerdicts(ctx context.Context, ids []string) ([]Verdict, error) {
	var vs []Verdict
	err := s.eachDecision(ctx, `SELECT candidate_id, reviewer, action, value, at, seq FROM decisions WHERE action IN ('confirm','reject','recode')`, ids, func(v Verdict) {
		vs = append(vs, v)
	})
	if err != nil {
		return nil, err
	}
	// Keep the last (highest seq) per candidate and reviewer.
	slices.SortStableFunc(vs, func(a, b Verdict) int {
		if c := strings.Compare(a.Candidate+"\x00"+a.Reviewer, b.Candidate+"\x00"+b.Reviewer); c != 0 {
			return c
		}
		return int(b.seq - a.seq)
	})
	return slices.CompactFunc(vs, func(a, b Verdict) bool { return a.Candidate == b.Candidate && a.Reviewer == b.Reviewer }), nil
}

// eachDecision runs a query over the decision log, restricted to the
// given candidates (in chunks: SQLite limits the parameters of one
// statement) or to all when ids is nil, ordered by seq.
func (s *Store) eachDecision(ctx context.Context, q string, ids []string, fn func(Verdict)) error {
	run := func(q string, args ...any) error {
		rows, err := s.db.QueryContext(ctx, q+` ORDER BY seq`, args...)
		if err != nil {
			return fmt.Errorf("reading decisions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var v Verdict
			var at string
			if err := rows.Scan(&v.Candidate, &v.Reviewer, &v.Action, &v.Value, &at, &v.seq); err != nil {
				return fmt.Errorf("reading decisions: %w", err)
			}
			v.At, _ = time.Parse(time.RFC3339Nano, at)
			fn(v)
		}
		return rows.Err()
	}
	if ids == nil {
		return run(q)
	}
	for len(ids) > 0 {
		n := min(500, len(ids))
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		if err := run(q+` AND candidate_id IN (?`+strings.Repeat(",?", n-1)+`)`, args...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// statusOf is the status a verdict gives a candidate.
func statusOf(action string) string {
	switch action {
	case ActionConfirm:
		return "confirmed"
	case ActionReject, ActionRecode:
		return "rejected"
	}
	return "proposed"
}

// applyReviewers reads the candidates' statuses for the filter's view
// (blind or shared, as described above) and applies its status filter.
func (s *Store) applyReviewers(ctx context.Context, f CandidateFilter, cands []Candidate) ([]Candidate, error) {
	if f.Reviewer != "" {
		out := cands[:0]
		for _, c := range cands {
			if RecodedFrom(c) != "" && !c.Decided {
				continue // another reviewer's re-code: not for this reviewer's eyes
			}
			if c.Status == "confirmed" || c.Status == "rejected" {
				c.DecidedBy = f.Reviewer
			}
			if f.Status == "" || c.Status == f.Status {
				out = append(out, c)
			}
		}
		return out, nil
	}
	var ids []string // nil: every candidate
	if len(f.IDs) > 0 {
		for _, c := range cands {
			ids = append(ids, c.ID)
			if from := RecodedFrom(c); from != "" {
				ids = append(ids, from)
			}
		}
		if len(ids) == 0 {
			return cands, nil
		}
	}
	vs, err := s.latestVerdicts(ctx, ids)
	if err != nil {
		return nil, err
	}
	byCand := map[string][]Verdict{}
	for _, v := range vs {
		byCand[v.Candidate] = append(byCand[v.Candidate], v)
	}
	consensus := func(id string) *Verdict {
		for i, v := range byCand[id] {
			if v.Reviewer == ConsensusReviewer {
				return &byCand[id][i]
			}
		}
		return nil
	}
	out := cands[:0]
	for _, c := range cands {
		status := ""
		if v := consensus(c.ID); v != nil {
			status, c.DecidedBy = statusOf(v.Action), ConsensusReviewer
		} else if from := RecodedFrom(c); from != "" && consensus(from) != nil {
			status, c.DecidedBy = "rejected", ConsensusReviewer
		} else if own := byCand[c.ID]; len(own) > 0 {
			c.DecidedBy = decidedBy(own)
		}
		if status != "" && c.State != "orphaned" {
			c.Status, c.Decided = status, true
		}
		if f.Status == "" || c.Status == f.Status {
			out = append(out, c)
		}
	}
	return out, nil
}

// decidedBy names the reviewers whose verdicts a status follows, without
// a consensus: one name, all names when they agree, or the latest when
// they differ.
func decidedBy(vs []Verdict) string {
	names := make([]string, len(vs))
	latest, agree := vs[0], true
	for i, v := range vs {
		names[i] = v.Reviewer
		if v.Category() != vs[0].Category() {
			agree = false
		}
		if v.seq > latest.seq {
			latest = v
		}
	}
	if agree {
		return strings.Join(names, ", ")
	}
	return latest.Reviewer + " (latest; coders differ)"
}
