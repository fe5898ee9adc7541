package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alongside-qda/alongside/corpus"
)

// The candidates' tables. A candidate's machine state (proposed, withdrawn,
// orphaned) lives in candidates; the analyst's decisions live only in the
// append-only decisions log, so a re-run of the batch can never touch them.
const candidateSchema = `
CREATE TABLE IF NOT EXISTS codes (
	path       TEXT PRIMARY KEY,
	rules_hash TEXT NOT NULL, -- the rules the current candidates were matched with
	batch_id   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS candidates (
	id            TEXT PRIMARY KEY,
	code          TEXT NOT NULL,
	transcript_id TEXT NOT NULL,
	version       TEXT NOT NULL,
	turn          INTEGER NOT NULL,
	first         INTEGER NOT NULL, -- first sentence, in the turn
	last          INTEGER NOT NULL, -- last sentence, inclusive
	start         INTEGER NOT NULL,
	end           INTEGER NOT NULL,
	speaker       TEXT NOT NULL,
	time_ms       INTEGER,
	text          TEXT NOT NULL,
	rules         TEXT NOT NULL, -- JSON list of the matched rules
	matches       TEXT NOT NULL, -- JSON list of {text,start,end}
	score         REAL NOT NULL,
	codebook      TEXT NOT NULL, -- codebook version
	batch_id      INTEGER NOT NULL,
	state         TEXT NOT NULL  -- proposed | withdrawn | orphaned
);
-- One index besides the ID's: each costs a random write per candidate
-- recorded, and candidates are read by transcript, or all of them.
DROP INDEX IF EXISTS candidates_code;
CREATE INDEX IF NOT EXISTS candidates_transcript ON candidates (transcript_id);
CREATE TABLE IF NOT EXISTS decisions (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	candidate_id TEXT NOT NULL,
	action       TEXT NOT NULL, -- confirm | reject | recode | span | note
	value        TEXT NOT NULL DEFAULT '',
	reviewer     TEXT NOT NULL,
	at           TEXT NOT NULL,
	codebook     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_candidate ON decisions (candidate_id);
`

// relevanceSchema adds what ranking says of a candidate (package stages
// computes it at every run, and on demand): where it came from (a keyword
// rule, or suggested by its similarity to the code), how relevant it is to
// its code (0 to 1, comparable across codes), why, and whether the tool
// recommends it.
const relevanceSchema = `
ALTER TABLE candidates ADD COLUMN origin TEXT NOT NULL DEFAULT 'keyword'; -- keyword | suggested
ALTER TABLE candidates ADD COLUMN relevance REAL NOT NULL DEFAULT 0;
ALTER TABLE candidates ADD COLUMN why TEXT NOT NULL DEFAULT '';
ALTER TABLE candidates ADD COLUMN recommended INTEGER NOT NULL DEFAULT 0;
`

// Origins of a candidate.
const (
	OriginKeyword   = "keyword"   // a keyword rule of its code matched it
	OriginSuggested = "suggested" // it ranks high for its code, no keyword matched
)

// MatchSpan is a matched word or a piece of text, in code points of the
// transcript's canonical text.
type MatchSpan struct {
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Candidate is a proposed meaning unit.
type Candidate struct {
	ID         string `json:"id"`
	Code       string `json:"code"`
	Transcript string `json:"transcript"`
	Version    string `json:"version"`
	Turn       int    `json:"turn"`
	First      int    `json:"first_sentence"`
	Last       int    `json:"last_sentence"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Speaker    string `json:"speaker"`
	// Role, Participant and Attributes say who the speaker is: the role
	// found or inferred for the label, and the participants sheet's ID
	// and attribute columns (see speakers.go).
	Role        string            `json:"role"`
	Participant string            `json:"participant,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	StartTime   *float64          `json:"start_time"` // seconds
	Text        string            `json:"text"`
	Rules       []string          `json:"rules"`
	Matches     []MatchSpan       `json:"matches"`
	Score       float64           `json:"score"`
	// Origin is OriginKeyword or OriginSuggested.
	Origin string `json:"origin"`
	// Relevance is the candidate's similarity to its code, 0 to 1 (see
	// stages/relevance.go); Why names what weighs most in it.
	Relevance   float64 `json:"relevance"`
	Why         string  `json:"why"`
	Recommended bool    `json:"recommended"`
	Codebook    string  `json:"codebook"`
	Batch       int64   `json:"batch"`
	State       string  `json:"-"`
	Status      string  `json:"status"` // proposed, confirmed, rejected, withdrawn, orphaned
	Decided     bool    `json:"-"`      // the analyst has recorded something on it
	// DecidedBy says whose verdict the status follows (see reviewers.go):
	// "consensus", one reviewer, "ana, ben" when they agree, or
	// "ben (latest; coders differ)"; "" while undecided.
	DecidedBy string `json:"decided_by,omitempty"`

	spanChanged bool // First and Last come from a span decision
}

// CodeStates returns, per code path, the rules hash its candidates were
// last matched with.
func (s *Store) CodeStates(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT path, rules_hash FROM codes`)
	if err != nil {
		return nil, fmt.Errorf("reading codes: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, h string
		if err := rows.Scan(&p, &h); err != nil {
			return nil, err
		}
		out[p] = h
	}
	return out, rows.Err()
}

// Unmatched returns the current transcripts whose candidates were not
// matched on their current version (new, changed, or a batch that stopped
// before matching).
func (s *Store) Unmatched(ctx context.Context) ([]string, error) {
	return s.strings(ctx, "reading transcripts", `SELECT id FROM transcripts WHERE matched != version AND removed = 0 ORDER BY id`)
}

// ProposeCandidates records candidates a matching pass found, in one
// transaction: new ones are proposed, undecided ones already known are
// brought up to date (and proposed again if they were withdrawn), and
// decided ones are never altered. A pass records its candidates a shard at
// a time, so it never holds them all; FinishMatch then finishes the pass.
// It returns how many it proposed or updated.
func (s *Store) ProposeCandidates(ctx context.Context, codebook string, batch int64, cands []Candidate) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("recording candidates: %w", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO candidates (id, code, transcript_id, version, turn, first, last, start, end, speaker, time_ms, text, rules, matches, score, codebook, batch_id, origin, relevance, why, recommended, state)
		SELECT ?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'proposed' WHERE NOT EXISTS (SELECT 1 FROM decisions WHERE candidate_id = ?)
		ON CONFLICT(id) DO UPDATE SET version=excluded.version, turn=excluded.turn, first=excluded.first, last=excluded.last,
			start=excluded.start, end=excluded.end, speaker=excluded.speaker, time_ms=excluded.time_ms, text=excluded.text,
			rules=excluded.rules, matches=excluded.matches, score=excluded.score, codebook=excluded.codebook, origin=excluded.origin,
			relevance=excluded.relevance, why=excluded.why, recommended=excluded.recommended,
			batch_id=CASE WHEN candidates.state = 'proposed' THEN candidates.batch_id ELSE excluded.batch_id END, state='proposed'`)
	if err != nil {
		return 0, fmt.Errorf("recording candidates: %w", err)
	}
	defer ins.Close()
	n := 0
	for _, c := range cands {
		rules, _ := json.Marshal(c.Rules)
		matches, _ := json.Marshal(c.Matches)
		var ms any
		if c.StartTime != nil {
			ms = int64(*c.StartTime * 1000)
		}
		res, err := ins.ExecContext(ctx, c.ID, c.Code, c.Transcript, c.Version, c.Turn, c.First, c.Last, c.Start, c.End, c.Speaker, ms, c.Text, string(rules), string(matches), c.Score, codebook, batch,
			originOf(c), c.Relevance, c.Why, c.Recommended, c.ID)
		if err != nil {
			return 0, fmt.Errorf("recording candidate %s: %w", c.ID, err)
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("recording candidates: %w", err)
	}
	return n, nil
}

func originOf(c Candidate) string {
	if c.Origin == "" {
		return OriginKeyword
	}
	return c.Origin
}

// CandidateRef names a candidate and where it belongs.
type CandidateRef struct {
	ID         string
	Code       string
	Transcript string
	Version    string
	Text       string
	Origin     string
}

// Decided returns the IDs of the candidates the decision log names.
func (s *Store) Decided(ctx context.Context) (map[string]bool, error) {
	ids, err := s.strings(ctx, "reading decisions", `SELECT DISTINCT candidate_id FROM decisions`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Proposed lists the candidates in state proposed: of the given
// transcripts, or of all when transcripts is nil.
func (s *Store) Proposed(ctx context.Context, transcripts []string) ([]CandidateRef, error) {
	if transcripts == nil {
		return s.candidateRefs(ctx, `SELECT id, code, transcript_id, version, '', origin FROM candidates WHERE state = 'proposed'`)
	}
	var out []CandidateRef
	for _, t := range transcripts {
		refs, err := s.candidateRefs(ctx, `SELECT id, code, transcript_id, version, '', origin FROM candidates WHERE transcript_id = ? AND state = 'proposed'`, t)
		if err != nil {
			return nil, err
		}
		out = append(out, refs...)
	}
	return out, nil
}

// OnOtherVersions lists a transcript's candidates, with their text, that
// were cut from another version than the given one and are not orphaned.
func (s *Store) OnOtherVersions(ctx context.Context, transcript, version string) ([]CandidateRef, error) {
	return s.candidateRefs(ctx, `SELECT id, code, transcript_id, version, text, origin FROM candidates WHERE transcript_id = ? AND version != ? AND state != 'orphaned'`, transcript, version)
}

func (s *Store) candidateRefs(ctx context.Context, q string, args ...any) ([]CandidateRef, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading candidates: %w", err)
	}
	defer rows.Close()
	var out []CandidateRef
	for rows.Next() {
		var r CandidateRef
		if err := rows.Scan(&r.ID, &r.Code, &r.Transcript, &r.Version, &r.Text, &r.Origin); err != nil {
			return nil, fmt.Errorf("reading candidates: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Codes returns the code paths the last matching pass recorded.
func (s *Store) Codes(ctx context.Context) ([]string, error) {
	return s.strings(ctx, "reading codes", `SELECT path FROM codes ORDER BY path`)
}

// RejectedIDs returns the candidates whose latest verdict (confirm, reject
// or re-code) is a reject or a re-code: not this code, say the analysts.
func (s *Store) RejectedIDs(ctx context.Context) ([]string, error) {
	return s.strings(ctx, "reading decisions", `SELECT candidate_id FROM (
		SELECT candidate_id, action, ROW_NUMBER() OVER (PARTITION BY candidate_id ORDER BY seq DESC) AS n
		FROM decisions WHERE action IN ('confirm','reject','recode'))
		WHERE n = 1 AND action IN ('reject','recode') ORDER BY candidate_id`)
}

// QueueCounts returns, per code, the candidates waiting for a decision
// (proposed, nothing decided), and those of them a batch proposed.
func (s *Store) QueueCounts(ctx context.Context, batch int64) (waiting, fromBatch map[string]int, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT code, count(*), sum(batch_id = ?) FROM candidates c
		WHERE state = 'proposed' AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.candidate_id = c.id) GROUP BY code`, batch)
	if err != nil {
		return nil, nil, fmt.Errorf("counting candidates: %w", err)
	}
	defer rows.Close()
	waiting, fromBatch = map[string]int{}, map[string]int{}
	for rows.Next() {
		var code string
		var n, b int
		if err := rows.Scan(&code, &n, &b); err != nil {
			return nil, nil, fmt.Errorf("counting candidates: %w", err)
		}
		waiting[code] = n
		if b > 0 {
			fromBatch[code] = b
		}
	}
	return waiting, fromBatch, rows.Err()
}

// MatchOutcome is how a matching pass ends (package stages decides it),
// applied in one transaction after its candidates were recorded with
// ProposeCandidates.
type MatchOutcome struct {
	Batch int64
	// Withdraw are undecided candidates no longer proposed; a candidate
	// decided meanwhile is left alone whatever the list says.
	Withdraw []string
	// Orphan are decided candidates whose text is gone from their
	// transcript's current version.
	Orphan []string
	// Rules are the rules hashes of every code of the codebook now.
	Rules map[string]string
	// Transcripts were matched on these versions (by ID).
	Transcripts map[string]string
}

// FinishMatch applies a matching pass's outcome, and returns how many
// candidates it withdrew. A pass stopped before it leaves its transcripts
// unmatched, so the next run matches them again and finishes.
func (s *Store) FinishMatch(ctx context.Context, m MatchOutcome) (withdrawn int, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("recording candidates: %w", err)
	}
	defer tx.Rollback()
	withdraw, err := tx.PrepareContext(ctx, `UPDATE candidates SET state = 'withdrawn' WHERE id = ? AND state = 'proposed'
		AND NOT EXISTS (SELECT 1 FROM decisions WHERE candidate_id = ?)`)
	if err != nil {
		return 0, fmt.Errorf("recording candidates: %w", err)
	}
	defer withdraw.Close()
	for _, id := range m.Withdraw {
		res, err := withdraw.ExecContext(ctx, id, id)
		if err != nil {
			return 0, fmt.Errorf("withdrawing candidate %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err == nil {
			withdrawn += int(n)
		}
	}
	for _, id := range m.Orphan {
		if _, err := tx.ExecContext(ctx, `UPDATE candidates SET state = 'orphaned' WHERE id = ?`, id); err != nil {
			return 0, fmt.Errorf("marking candidate %s orphaned: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM codes`); err != nil {
		return 0, fmt.Errorf("recording codes: %w", err)
	}
	for path, h := range m.Rules {
		if _, err := tx.ExecContext(ctx, `INSERT INTO codes (path, rules_hash, batch_id) VALUES (?,?,?)`, path, h, m.Batch); err != nil {
			return 0, fmt.Errorf("recording codes: %w", err)
		}
	}
	for id, v := range m.Transcripts {
		if _, err := tx.ExecContext(ctx, `UPDATE transcripts SET matched = ? WHERE id = ? AND version = ?`, v, id, v); err != nil {
			return 0, fmt.Errorf("recording transcript %s as matched: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("recording candidates: %w", err)
	}
	return withdrawn, nil
}

// LeanText is where a lean read cuts a candidate's text.
const LeanText = 1 << 20

// CandidateFilter selects candidates; empty fields select all.
type CandidateFilter struct {
	Code        string // a path; also selects the codes under it
	Status      string
	Transcript  string
	Batch       int64 // 0: any
	Since       int64 // 0: any; else proposed by this batch or a later one
	IDs         []string
	Recommended bool   // only those the tool recommends
	Origin      string // OriginKeyword or OriginSuggested; "": both
	// Reviewer, when set, is a blind view: statuses and spans come from
	// this reviewer's own decisions only (see reviewers.go).
	Reviewer string
	// Codes, when not nil, selects the candidates of these code paths
	// only (not the codes under them): ranking reads its codebook's
	// codes, not what codes since removed left behind.
	Codes []string
	// Lean leaves out each candidate's rules (but a re-code's), matches
	// and speaker's role and participant, and cuts its text at LeanText
	// bytes: for passes over the whole queue (a candidate may be a whole
	// turn of a pasted transcript, tens of megabytes).
	Lean bool
}

// Candidates lists candidates with their status derived from the decision
// log, ordered by code, transcript and position, with who speaks in each.
func (s *Store) Candidates(ctx context.Context, f CandidateFilter) ([]Candidate, error) {
	out, err := s.candidates(ctx, f)
	if err != nil {
		return nil, err
	}
	if !f.Lean {
		// Once for the whole list: speakers are read from the store.
		if err := s.attachSpeakers(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decisionState is what a candidate's decisions say, as the candidates
// query's lookups give it: the last confirm, reject or recode and the last
// span not undone, and how many decisions it has (of the reviewer, when
// one is given).
type decisionState struct {
	last, span sql.NullString
	count      int
}

// decisionStates reads the decision log once into every decided
// candidate's state (undo entries name the seq they take back, whoever
// made them).
func (s *Store) decisionStates(ctx context.Context, reviewer string) (map[string]decisionState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, candidate_id, action, value, reviewer FROM decisions ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	defer rows.Close()
	type entry struct {
		seq                  int64
		candidate, action, v string
	}
	var mine []entry
	undone := map[string]map[int64]bool{}
	for rows.Next() {
		var e entry
		var who string
		if err := rows.Scan(&e.seq, &e.candidate, &e.action, &e.v, &who); err != nil {
			return nil, fmt.Errorf("reading decisions: %w", err)
		}
		if e.action == "undo" {
			if seq, err := strconv.ParseInt(e.v, 10, 64); err == nil {
				if undone[e.candidate] == nil {
					undone[e.candidate] = map[int64]bool{}
				}
				undone[e.candidate][seq] = true
			}
		}
		if reviewer == "" || who == reviewer {
			mine = append(mine, e)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	out := map[string]decisionState{}
	for _, e := range mine { // in log order: the last one wins
		st := out[e.candidate]
		st.count++
		if !undone[e.candidate][e.seq] {
			switch e.action {
			case "confirm", "reject", "recode":
				st.last = sql.NullString{String: e.action, Valid: true}
			case "span":
				st.span = sql.NullString{String: e.v, Valid: true}
			}
		}
		out[e.candidate] = st
	}
	return out, nil
}

// candidates is Candidates without the speakers, asked in chunks of IDs.
func (s *Store) candidates(ctx context.Context, f CandidateFilter) ([]Candidate, error) {
	// Asked for a few by ID, each candidate's decisions are looked up
	// with it; otherwise the decision log is read once beside the
	// candidates (three lookups per row were most of reading 200,000).
	var states map[string]decisionState
	decided := `NULL, NULL, 0`
	if len(f.IDs) > 0 {
		decided = `(SELECT d.action FROM decisions d WHERE d.candidate_id = c.id AND d.action IN ('confirm','reject','recode') AND (?1 = '' OR d.reviewer = ?1) AND ` + notUndone + ` ORDER BY d.seq DESC LIMIT 1),
		(SELECT d.value FROM decisions d WHERE d.candidate_id = c.id AND d.action = 'span' AND (?1 = '' OR d.reviewer = ?1) AND ` + notUndone + ` ORDER BY d.seq DESC LIMIT 1),
		(SELECT count(*) FROM decisions d WHERE d.candidate_id = c.id AND (?1 = '' OR d.reviewer = ?1))`
	} else {
		var err error
		if states, err = s.decisionStates(ctx, f.Reviewer); err != nil {
			return nil, err
		}
	}
	text, rules := `c.text`, `c.rules, c.matches`
	if f.Lean {
		text = fmt.Sprintf(`CAST(substr(CAST(c.text AS BLOB), 1, %d) AS TEXT)`, LeanText)
		// Only a re-code's rule: its status may follow the consensus on
		// the candidate it came from (see applyReviewers).
		rules = `CASE WHEN c.rules LIKE '["` + RecodedPrefix + `%' THEN c.rules ELSE '' END, ''`
	}
	q := `SELECT c.id, c.code, c.transcript_id, c.version, c.turn, c.first, c.last, c.start, c.end, c.speaker, c.time_ms, ` + text + `,
		` + rules + `, c.score, c.codebook, c.batch_id, c.state, c.origin, c.relevance, c.why, c.recommended,
		` + decided + `
		FROM candidates c`
	where := ` WHERE ?1 = ?1`
	args := []any{f.Reviewer}
	if f.Code != "" {
		where += ` AND (c.code = ? OR c.code LIKE ? ESCAPE '\')`
		args = append(args, f.Code, likeEscape(f.Code)+"/%")
	}
	if f.Codes != nil {
		where += ` AND c.code IN (SELECT value FROM json_each(?))`
		codes, _ := json.Marshal(f.Codes)
		args = append(args, string(codes))
	}
	if f.Transcript != "" {
		where += ` AND c.transcript_id = ?`
		args = append(args, f.Transcript)
	}
	if f.Batch > 0 {
		where += ` AND c.batch_id = ?`
		args = append(args, f.Batch)
	}
	if f.Since > 0 {
		where += ` AND c.batch_id >= ?`
		args = append(args, f.Since)
	}
	if f.Recommended {
		where += ` AND c.recommended`
	}
	if f.Origin != "" {
		where += ` AND c.origin = ?`
		args = append(args, f.Origin)
	}
	if len(f.IDs) > 500 {
		// SQLite limits the parameters of one statement: ask in chunks.
		var out []Candidate
		for ids := f.IDs; len(ids) > 0; {
			n := min(500, len(ids))
			part := f
			part.IDs = ids[:n]
			got, err := s.candidates(ctx, part)
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
			ids = ids[n:]
		}
		return out, nil
	}
	if len(f.IDs) > 0 {
		where += ` AND c.id IN (?` + strings.Repeat(",?", len(f.IDs)-1) + `)`
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	q += where + ` ORDER BY c.code, c.transcript_id, c.start, c.end, c.id`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading candidates: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	if len(f.IDs) == 0 {
		// Maybe the whole queue: room for all of it at once, not a slice
		// grown by doubling (a copy and a half of the queue).
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM candidates c`+where, args...).Scan(&n); err != nil {
			return nil, fmt.Errorf("reading candidates: %w", err)
		}
		out = make([]Candidate, 0, n)
	}
	kept := shared{}
	for rows.Next() {
		var c Candidate
		var ms sql.NullInt64
		var rules, matches string
		var last, span sql.NullString
		var decisions int
		if err := rows.Scan(&c.ID, &c.Code, &c.Transcript, &c.Version, &c.Turn, &c.First, &c.Last, &c.Start, &c.End, &c.Speaker, &ms, &c.Text,
			&rules, &matches, &c.Score, &c.Codebook, &c.Batch, &c.State, &c.Origin, &c.Relevance, &c.Why, &c.Recommended, &last, &span, &decisions); err != nil {
			return nil, fmt.Errorf("reading candidates: %w", err)
		}
		// The same few codes, transcripts, versions, speakers and states
		// recur across the queue: one copy of each (exporting 289,000
		// candidates held a copy per candidate).
		for _, p := range []*string{&c.Code, &c.Transcript, &c.Version, &c.Speaker, &c.Codebook, &c.State, &c.Origin} {
			*p = kept.of(*p)
		}
		if f.Lean && len(c.Text) == LeanText {
			for i := 0; i < utf8.UTFMax && !utf8.ValidString(c.Text); i++ {
				c.Text = c.Text[:len(c.Text)-1] // the cut split a character
			}
		}
		if st, ok := states[c.ID]; ok {
			last, span, decisions = st.last, st.span, st.count
		}
		if ms.Valid {
			sec := float64(ms.Int64) / 1000
			c.StartTime = &sec
		}
		if !f.Lean {
			json.Unmarshal([]byte(rules), &c.Rules)
			json.Unmarshal([]byte(matches), &c.Matches)
		} else if rules != "" {
			json.Unmarshal([]byte(rules), &c.Rules)
		}
		for i, r := range c.Rules { // a code's few rules, on each of its candidates
			c.Rules[i] = kept.of(r)
		}
		c.Status = c.State
		c.Decided = decisions > 0
		if span.Valid {
			if _, err := fmt.Sscanf(span.String, "%d-%d", &c.First, &c.Last); err == nil {
				c.spanChanged = true
			}
		}
		switch last.String {
		case "confirm":
			c.Status, c.Decided = "confirmed", true
		case "reject", "recode":
			c.Status, c.Decided = "rejected", true
		}
		if c.State == "orphaned" {
			c.Status = "orphaned"
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if out, err = s.applyReviewers(ctx, f, out); err != nil {
		return nil, err
	}
	if err := s.applySpans(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// applySpans applies span decisions: the analyst widened or narrowed the
// unit to other sentences of its turn.
func (s *Store) applySpans(ctx context.Context, out []Candidate) error {
	for i := range out {
		c := &out[i]
		if !c.spanChanged {
			continue
		}
		t, err := s.Version(ctx, c.Transcript, c.Version)
		if err != nil {
			return err
		}
		sents := t.Turns[c.Turn].Sentences
		if c.First < 0 || c.Last >= len(sents) || c.First > c.Last {
			continue
		}
		c.Start, c.End = sents[c.First].Span.Start, sents[c.Last].Span.End
		c.Text = corpus.Cut(t.Text, corpus.Span{Start: c.Start, End: c.End})
	}
	return nil
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// Decide appends a decision to the log. (The review commands use it; the
// batch never does.)
func (s *Store) Decide(ctx context.Context, candidate, action, value, reviewer, codebook string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO decisions (candidate_id, action, value, reviewer, at, codebook) VALUES (?,?,?,?,?,?)`,
		candidate, action, value, reviewer, at.UTC().Format(time.RFC3339Nano), codebook)
	if err != nil {
		return fmt.Errorf("recording decision on %s: %w", candidate, err)
	}
	return nil
}

// Decision actions, as the log records them.
const (
	ActionConfirm = "confirm"
	ActionReject  = "reject"
	ActionRecode  = "recode" // value: the new code path
	ActionSpan    = "span"   // value: "first-last", sentence indices in the turn
	ActionNote    = "note"   // value: the note
)

// DecisionEntry is one line of the decision log; Create, when set, is a
// candidate to insert first (the target of a re-code).
type DecisionEntry struct {
	Candidate string     `json:"candidate"`
	Action    string     `json:"action"`
	Value     string     `json:"value,omitempty"`
	Reviewer  string     `json:"reviewer"`
	At        time.Time  `json:"at"`
	Codebook  string     `json:"codebook"`
	Create    *Candidate `json:"-"`
}

// AppendDecisions appends entries to the decision log in one transaction.
func (s *Store) AppendDecisions(ctx context.Context, entries []DecisionEntry) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording decisions: %w", err)
	}
	defer tx.Rollback()
	for _, e := range entries {
		if c := e.Create; c != nil {
			rules, _ := json.Marshal(c.Rules)
			matches, _ := json.Marshal(c.Matches)
			var ms any
			if c.StartTime != nil {
				ms = int64(*c.StartTime * 1000)
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO candidates (id, code, transcript_id, version, turn, first, last, start, end, speaker, time_ms, text, rules, matches, score, codebook, batch_id, origin, relevance, why, recommended, state)
				VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'proposed')`,
				c.ID, c.Code, c.Transcript, c.Version, c.Turn, c.First, c.Last, c.Start, c.End, c.Speaker, ms, c.Text, string(rules), string(matches), c.Score, c.Codebook, c.Batch,
				originOf(*c), c.Relevance, c.Why, c.Recommended); err != nil {
				return fmt.Errorf("recording decisions: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO decisions (candidate_id, action, value, reviewer, at, codebook) VALUES (?,?,?,?,?,?)`,
			e.Candidate, e.Action, e.Value, e.Reviewer, e.At.UTC().Format(time.RFC3339Nano), e.Codebook); err != nil {
			return fmt.Errorf("recording decisions: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording decisions: %w", err)
	}
	return nil
}

// History returns a candidate's decision log, oldest first.
func (s *Store) History(ctx context.Context, candidate string) ([]DecisionEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT candidate_id, action, value, reviewer, at, codebook FROM decisions WHERE candidate_id = ? ORDER BY seq`, candidate)
	if err != nil {
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	defer rows.Close()
	var out []DecisionEntry
	for rows.Next() {
		var e DecisionEntry
		var at string
		if err := rows.Scan(&e.Candidate, &e.Action, &e.Value, &e.Reviewer, &at, &e.Codebook); err != nil {
			return nil, err
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Withdraw withdraws undecided proposed candidates, in one transaction,
// and returns how many it withdrew; decided ones are left alone.
func (s *Store) Withdraw(ctx context.Context, ids []string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("withdrawing candidates: %w", err)
	}
	defer tx.Rollback()
	n := 0
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `UPDATE candidates SET state = 'withdrawn' WHERE id = ? AND state = 'proposed'
			AND NOT EXISTS (SELECT 1 FROM decisions WHERE candidate_id = ?)`, id, id)
		if err != nil {
			return 0, fmt.Errorf("withdrawing candidate %s: %w", id, err)
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("withdrawing candidates: %w", err)
	}
	return n, nil
}

// Ranking is what relevance says of one candidate.
type Ranking struct {
	ID          string
	Relevance   float64
	Why         string
	Recommended bool
}

// SetRankings records the relevance of candidates, in one transaction.
// Decided candidates keep what they had when the analyst decided (a run
// never alters a decided candidate); unknown IDs are skipped.
func (s *Store) SetRankings(ctx context.Context, rs []Ranking) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording relevance: %w", err)
	}
	defer tx.Rollback()
	up, err := tx.PrepareContext(ctx, `UPDATE candidates SET relevance = ?, why = ?, recommended = ? WHERE id = ?
		AND NOT EXISTS (SELECT 1 FROM decisions WHERE candidate_id = ?)`)
	if err != nil {
		return fmt.Errorf("recording relevance: %w", err)
	}
	defer up.Close()
	for _, r := range rs {
		if _, err := up.ExecContext(ctx, r.Relevance, r.Why, r.Recommended, r.ID, r.ID); err != nil {
			return fmt.Errorf("recording relevance of %s: %w", r.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording relevance: %w", err)
	}
	return nil
}

// SortByRelevance orders candidates for a queue: by code, then the most
// relevant first, then by transcript and position (so ties, and
// candidates never ranked, keep a stable order).
func SortByRelevance(cs []Candidate) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Relevance != b.Relevance {
			return a.Relevance > b.Relevance
		}
		if a.Transcript != b.Transcript {
			return a.Transcript < b.Transcript
		}
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return a.ID < b.ID
	})
}
