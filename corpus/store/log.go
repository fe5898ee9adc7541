package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The decision log is append-only, so taking a decision back is itself a
// decision: an "undo" entry whose value is the seq of the entry it takes
// back. An undone entry stays in the log (and in History), but counts for
// nothing: a candidate's status, span and notes come from the entries not
// undone. An undo is never undone itself; deciding again does that.

// ActionUndo takes back one earlier entry; its value is that entry's seq.
const ActionUndo = "undo"

// notUndone is the SQL condition, on a decisions row d of candidate c,
// that no undo entry takes d back.
const notUndone = `d.seq NOT IN (SELECT CAST(u.value AS INTEGER) FROM decisions u WHERE u.candidate_id = c.id AND u.action = 'undo')`

// LoggedDecision is a decision log entry with its place in the log.
type LoggedDecision struct {
	Seq int64 `json:"seq"`
	DecisionEntry
	Undone bool `json:"undone,omitempty"` // a later undo entry took it back
}

// Log returns a candidate's decision log, oldest first, with each entry's
// seq and whether it was undone.
func (s *Store) Log(ctx context.Context, candidate string) ([]LoggedDecision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, candidate_id, action, value, reviewer, at, codebook FROM decisions WHERE candidate_id = ? ORDER BY seq`, candidate)
	if err != nil {
		return nil, fmt.Errorf("reading decisions on %s: %w", candidate, err)
	}
	defer rows.Close()
	out, err := scanLogged(rows)
	if err != nil {
		return nil, fmt.Errorf("reading decisions on %s: %w", candidate, err)
	}
	markUndone(out)
	return out, nil
}

func scanLogged(rows *sql.Rows) ([]LoggedDecision, error) {
	var out []LoggedDecision
	for rows.Next() {
		var e LoggedDecision
		var at string
		if err := rows.Scan(&e.Seq, &e.Candidate, &e.Action, &e.Value, &e.Reviewer, &at, &e.Codebook); err != nil {
			return nil, err
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// markUndone marks the entries of one candidate's log that an undo entry
// takes back.
func markUndone(log []LoggedDecision) {
	undone := map[int64]bool{}
	for _, e := range log {
		if e.Action == ActionUndo {
			if n, err := strconv.ParseInt(e.Value, 10, 64); err == nil {
				undone[n] = true
			}
		}
	}
	for i := range log {
		log[i].Undone = undone[log[i].Seq]
	}
}

// Effective returns the entries of a log that count: neither undone nor
// undo entries.
func Effective(log []LoggedDecision) []LoggedDecision {
	var out []LoggedDecision
	for _, e := range log {
		if !e.Undone && e.Action != ActionUndo {
			out = append(out, e)
		}
	}
	return out
}

// IsVerdict says whether an action decides what a candidate's status is.
func IsVerdict(action string) bool {
	return action == ActionConfirm || action == ActionReject || action == ActionRecode
}

// LastSeq is the seq of the newest entry of the decision log (0 when it is
// empty): an export records it, so that an import can tell which decisions
// were made after the export.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(seq) FROM decisions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("reading decisions: %w", err)
	}
	return n.Int64, nil
}

// Note is a reviewer's current note on a candidate.
type Note struct {
	Reviewer string    `json:"reviewer"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
	seq      int64
}

// Notes returns, per candidate, each reviewer's latest note (a later note
// replaces an earlier one; an empty note clears it), oldest first, for the
// candidates named (all when ids is nil). Undone notes do not count.
func (s *Store) Notes(ctx context.Context, ids []string) (map[string][]Note, error) {
	out := map[string][]Note{}
	read := func(q string, args ...any) error {
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		latest := map[[2]string]Note{} // candidate, reviewer
		for rows.Next() {
			var id, at string
			var n Note
			if err := rows.Scan(&n.seq, &id, &n.Reviewer, &n.Text, &at); err != nil {
				return err
			}
			n.At, _ = time.Parse(time.RFC3339Nano, at)
			latest[[2]string{id, n.Reviewer}] = n // rows come in seq order
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for k, n := range latest {
			if n.Text != "" {
				out[k[0]] = append(out[k[0]], n)
			}
		}
		return nil
	}
	const q = `SELECT d.seq, d.candidate_id, d.reviewer, d.value, d.at FROM decisions d JOIN candidates c ON c.id = d.candidate_id
		WHERE d.action = 'note' AND ` + notUndone
	var err error
	if ids == nil {
		err = read(q + ` ORDER BY d.seq`)
	} else {
		for len(ids) > 0 && err == nil {
			n := min(500, len(ids)) // SQLite limits the parameters of one statement
			args := make([]any, n)
			for i, id := range ids[:n] {
				args[i] = id
			}
			err = read(q+` AND d.candidate_id IN (?`+strings.Repeat(",?", n-1)+`) ORDER BY d.seq`, args...)
			ids = ids[n:]
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading notes: %w", err)
	}
	for _, ns := range out {
		slices.SortFunc(ns, func(a, b Note) int { return cmp.Compare(a.seq, b.seq) })
	}
	return out, nil
}

// CurrentNote is the newest of a candidate's notes ("" when none): the one
// a review sheet shows in its note column.
func CurrentNote(notes []Note) string {
	if len(notes) == 0 {
		return ""
	}
	return notes[len(notes)-1].Text
}

// Undo appends an undo entry taking back the entry seq of a candidate, and
// further undo entries for the entries given in also (the confirmation a
// re-code made on the candidate it created), in one transaction.
// withdraw names candidates to mark withdrawn in the same transaction (a
// candidate a re-code created, once nothing confirms it).
func (s *Store) Undo(ctx context.Context, entries []DecisionEntry, withdraw []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording an undo: %w", err)
	}
	defer tx.Rollback()
	for _, e := range entries {
		if e.Action != ActionUndo {
			return fmt.Errorf("recording an undo on %s: not an undo entry", e.Candidate)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO decisions (candidate_id, action, value, reviewer, at, codebook) VALUES (?,?,?,?,?,?)`,
			e.Candidate, e.Action, e.Value, e.Reviewer, e.At.UTC().Format(time.RFC3339Nano), e.Codebook); err != nil {
			return fmt.Errorf("recording an undo on %s: %w", e.Candidate, err)
		}
	}
	for _, id := range withdraw {
		if _, err := tx.ExecContext(ctx, `UPDATE candidates SET state = 'withdrawn' WHERE id = ?`, id); err != nil {
			return fmt.Errorf("recording an undo on %s: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording an undo: %w", err)
	}
	return nil
}

// Entries returns the log entries with this action and value, oldest
// first (how an undo finds the confirmation a re-code made).
func (s *Store) Entries(ctx context.Context, action, value string) ([]LoggedDecision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, candidate_id, action, value, reviewer, at, codebook FROM decisions WHERE action = ? AND value = ? ORDER BY seq`, action, value)
	if err != nil {
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	defer rows.Close()
	out, err := scanLogged(rows)
	if err != nil {
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	return out, nil
}

// DecidedAt returns, per decided candidate, when its latest confirm,
// reject or re-code that was not undone was recorded (by any reviewer):
// what "codebook report --since" counts as decided since a time.
func (s *Store) DecidedAt(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.candidate_id, d.at FROM decisions d
		WHERE d.action IN ('confirm','reject','recode')
		AND d.seq NOT IN (SELECT CAST(u.value AS INTEGER) FROM decisions u WHERE u.action = 'undo')
		ORDER BY d.seq`)
	if err != nil {
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id, at string
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("reading decisions: %w", err)
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return nil, fmt.Errorf("reading decisions: candidate %s: time %q: %w", id, at, err)
		}
		out[id] = t // the log is in order: the last one stays
	}
	return out, rows.Err()
}
