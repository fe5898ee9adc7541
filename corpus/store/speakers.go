package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/alongside-qda/alongside/corpus"
)

// Speakers: who speaks in each transcript version (label as written, key,
// turns, words, role and whether the role was inferred) is recorded with
// the version; the analyst's participants sheet (roles, participant IDs,
// attributes per transcript pattern and label) is kept apart and applied
// when speakers are read, so editing the sheet never touches the index.
const speakerSchema = `
CREATE TABLE speakers (
	transcript_id TEXT NOT NULL,
	version       TEXT NOT NULL,
	speaker_key   TEXT NOT NULL,
	label         TEXT NOT NULL,   -- as written (the first spelling met)
	turns         INTEGER NOT NULL,
	words         INTEGER NOT NULL,
	role          TEXT NOT NULL,   -- corpus.Role, '' unknown
	inferred      INTEGER NOT NULL,
	PRIMARY KEY (transcript_id, version, speaker_key)
);
CREATE TABLE participants (
	seq         INTEGER PRIMARY KEY, -- the sheet's row order
	transcript  TEXT NOT NULL,       -- a transcript ID, or a pattern with * (path.Match)
	speaker_key TEXT NOT NULL,
	role        TEXT NOT NULL,       -- '' keeps the detected role
	participant TEXT NOT NULL,       -- '' none
	attributes  TEXT NOT NULL        -- JSON object, column -> value
);
`

// speakersOf counts a transcript's speakers by key, in order of first turn.
func speakersOf(t *corpus.Transcript) []SpeakerRow {
	var out []SpeakerRow
	at := map[string]int{}
	for i, turn := range t.Turns {
		j, ok := at[turn.SpeakerKey]
		if !ok {
			j = len(out)
			at[turn.SpeakerKey] = j
			out = append(out, SpeakerRow{Transcript: t.ID, Key: turn.SpeakerKey, Label: turn.Speaker, Role: string(turn.Role), Inferred: turn.RoleInferred})
		}
		out[j].Turns++
		out[j].Words += corpus.Words(t.TurnText(i))
	}
	return out
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func addSpeakers(ctx context.Context, tx execer, t *corpus.Transcript) error {
	for _, s := range speakersOf(t) {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO speakers (transcript_id, version, speaker_key, label, turns, words, role, inferred) VALUES (?,?,?,?,?,?,?,?)`,
			t.ID, t.Version, s.Key, s.Label, s.Turns, s.Words, s.Role, s.Inferred); err != nil {
			return fmt.Errorf("recording the speakers of %q: %w", t.ID, err)
		}
	}
	return nil
}

// backfillSpeakers records the speakers of every stored version that has
// none (versions stored before speakers were), giving them roles as a
// reader now would.
func backfillSpeakers(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT transcript_id, version, text, turns FROM versions v
		WHERE NOT EXISTS (SELECT 1 FROM speakers s WHERE s.transcript_id = v.transcript_id AND s.version = v.version)`)
	if err != nil {
		return err
	}
	var ts []*corpus.Transcript
	for rows.Next() {
		t := &corpus.Transcript{}
		var turns []byte
		if err := rows.Scan(&t.ID, &t.Version, &t.Text, &turns); err != nil {
			rows.Close()
			return err
		}
		if t.Turns, err = corpus.DecodeTurns(turns); err != nil {
			rows.Close()
			return fmt.Errorf("transcript %q: turns: %w", t.ID, err)
		}
		ts = append(ts, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range ts {
		corpus.AssignRoles(t)
		if err := addSpeakers(ctx, tx, t); err != nil {
			return err
		}
	}
	return nil
}

// SpeakerRow is one speaker of one current transcript, with the
// participants sheet applied.
type SpeakerRow struct {
	Transcript  string            `json:"transcript"`
	Label       string            `json:"label"`
	Key         string            `json:"speaker_key"`
	Turns       int               `json:"turns"`
	Words       int               `json:"words"`
	Role        string            `json:"role"`
	Inferred    bool              `json:"role_inferred"`
	Participant string            `json:"participant,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	FromSheet   bool              `json:"from_sheet,omitempty"` // a row of the participants sheet applies
}

// ParticipantRow is one row of the participants sheet.
type ParticipantRow struct {
	Transcript  string            `json:"transcript"` // ID or pattern with *
	SpeakerKey  string            `json:"speaker_key"`
	Role        string            `json:"role"`
	Participant string            `json:"participant"`
	Attributes  map[string]string `json:"attributes"`
}

// Matches says whether the row is about a speaker of a transcript.
func (p ParticipantRow) Matches(transcript, key string) bool {
	if p.SpeakerKey != key {
		return false
	}
	if p.Transcript == transcript {
		return true
	}
	ok, err := path.Match(p.Transcript, transcript)
	return err == nil && ok
}

// Participants returns the participants sheet, in row order.
func (s *Store) Participants(ctx context.Context) ([]ParticipantRow, error) {
	return participants(ctx, s.db)
}

// rowsQueryer reads rows: the database, or a transaction.
type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func participants(ctx context.Context, q rowsQueryer) ([]ParticipantRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT transcript, speaker_key, role, participant, attributes FROM participants ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("reading the participants sheet: %w", err)
	}
	defer rows.Close()
	var out []ParticipantRow
	for rows.Next() {
		var p ParticipantRow
		var attrs string
		if err := rows.Scan(&p.Transcript, &p.SpeakerKey, &p.Role, &p.Participant, &attrs); err != nil {
			return nil, fmt.Errorf("reading the participants sheet: %w", err)
		}
		if err := json.Unmarshal([]byte(attrs), &p.Attributes); err != nil {
			return nil, fmt.Errorf("reading the participants sheet: attributes: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ReplaceParticipants replaces the participants sheet, in one transaction.
func (s *Store) ReplaceParticipants(ctx context.Context, sheet []ParticipantRow) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording the participants sheet: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM participants`); err != nil {
		return fmt.Errorf("recording the participants sheet: %w", err)
	}
	for i, p := range sheet {
		attrs, err := json.Marshal(p.Attributes)
		if err != nil {
			return err
		}
		if p.Attributes == nil {
			attrs = []byte("{}")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO participants (seq, transcript, speaker_key, role, participant, attributes) VALUES (?,?,?,?,?,?)`,
			i+1, p.Transcript, p.SpeakerKey, p.Role, p.Participant, string(attrs)); err != nil {
			return fmt.Errorf("recording the participants sheet: row %d: %w", i+1, err)
		}
	}
	if err := keepSpeakers(ctx, tx); err != nil {
		return fmt.Errorf("recording the participants sheet: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording the participants sheet: %w", err)
	}
	return nil
}

// Speakers lists the speakers of every current transcript, by transcript
// and order of first turn, with the participants sheet applied: a row for
// the transcript's own ID wins over a pattern; among patterns, the first
// in the sheet wins. It reads the copy kept for it (see keptSpeakersSchema)
// when there is one.
func (s *Store) Speakers(ctx context.Context) ([]SpeakerRow, error) {
	var kept []byte
	err := s.db.QueryRowContext(ctx, `SELECT rows FROM kept_speakers`).Scan(&kept)
	switch {
	case err == nil:
		if rows, err := decodeSpeakers(kept); err == nil {
			return rows, nil
		}
		// A copy that does not decode is only lost speed: read them.
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("reading speakers: %w", err)
	}
	return speakers(ctx, s.db, "")
}

// SpeakersOf is Speakers for the given transcripts only (a search's few
// hits need who speaks in them, not in the whole corpus).
func (s *Store) SpeakersOf(ctx context.Context, transcripts []string) ([]SpeakerRow, error) {
	if len(transcripts) == 0 {
		return nil, nil
	}
	args := make([]any, len(transcripts))
	for i, t := range transcripts {
		args[i] = t
	}
	return speakers(ctx, s.db, ` AND s.transcript_id IN (?`+strings.Repeat(",?", len(transcripts)-1)+`)`, args...)
}

// speakers reads the current transcripts' speakers that also meet and.
func speakers(ctx context.Context, q rowsQueryer, and string, args ...any) ([]SpeakerRow, error) {
	sheet, err := participants(ctx, q)
	if err != nil {
		return nil, err
	}
	// Ordered here, not by SQLite: its sort of every speaker in a temporary
	// B-tree was a third of the read (5 of 16 ms at 30M words), and a
	// search with a filter on who speaks reads them all.
	rows, err := q.QueryContext(ctx, `SELECT s.rowid, s.transcript_id, s.label, s.speaker_key, s.turns, s.words, s.role, s.inferred
		FROM speakers s JOIN transcripts t ON t.id = s.transcript_id AND t.version = s.version
		WHERE t.removed = 0`+and, args...)
	if err != nil {
		return nil, fmt.Errorf("reading speakers: %w", err)
	}
	defer rows.Close()
	type speakerAt struct {
		rowid int64 // the order the batch wrote them in: of their first turns
		row   SpeakerRow
	}
	var read []speakerAt
	for rows.Next() {
		var r SpeakerRow
		var rowid int64
		if err := rows.Scan(&rowid, &r.Transcript, &r.Label, &r.Key, &r.Turns, &r.Words, &r.Role, &r.Inferred); err != nil {
			return nil, fmt.Errorf("reading speakers: %w", err)
		}
		if p := sheetRow(sheet, r.Transcript, r.Key); p != nil {
			r.FromSheet = true
			if p.Role != "" {
				r.Role, r.Inferred = p.Role, false
			}
			r.Participant, r.Attributes = p.Participant, p.Attributes
		}
		read = append(read, speakerAt{rowid, r})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading speakers: %w", err)
	}
	slices.SortFunc(read, func(a, b speakerAt) int { // by transcript, then first turn
		return cmp.Or(strings.Compare(a.row.Transcript, b.row.Transcript), cmp.Compare(a.rowid, b.rowid))
	})
	out := make([]SpeakerRow, len(read))
	for i := range read {
		out[i] = read[i].row
	}
	return out, nil
}

func sheetRow(sheet []ParticipantRow, transcript, key string) *ParticipantRow {
	for i := range sheet {
		if sheet[i].SpeakerKey == key && sheet[i].Transcript == transcript {
			return &sheet[i]
		}
	}
	for i := range sheet {
		if strings.Contains(sheet[i].Transcript, "*") && sheet[i].Matches(transcript, key) {
			return &sheet[i]
		}
	}
	return nil
}

// AttributeNames lists the attribute columns the sheet uses, sorted.
func AttributeNames(sheet []ParticipantRow) []string {
	seen := map[string]bool{}
	for _, p := range sheet {
		for k := range p.Attributes {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// attachSpeakers fills in who speaks in each candidate: role, participant
// ID and attributes, with the participants sheet applied.
func (s *Store) attachSpeakers(ctx context.Context, cands []Candidate) error {
	if len(cands) == 0 {
		return nil
	}
	rows, err := s.Speakers(ctx)
	if err != nil {
		return err
	}
	who := make(map[string]*SpeakerRow, len(rows))
	for i := range rows {
		who[rows[i].Transcript+"\x00"+rows[i].Key] = &rows[i]
	}
	for i := range cands {
		c := &cands[i]
		if r := who[c.Transcript+"\x00"+corpus.SpeakerKey(c.Speaker)]; r != nil {
			c.Role, c.Participant, c.Attributes = r.Role, r.Participant, r.Attributes
		}
	}
	return nil
}
