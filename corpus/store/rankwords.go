package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
)

// rankWordsSchema keeps each current transcript version's words as
// ranking reads them (package stages encodes them; to the store they are
// bytes). Analysing the whole corpus again at every ranking was most of
// its cost; a version's words never change, so they are analysed once.
// analyzer says which analysis wrote them: another one is ignored.
const rankWordsSchema = `
CREATE TABLE IF NOT EXISTS rank_words (
	transcript_id TEXT NOT NULL,
	version       TEXT NOT NULL,
	analyzer      INTEGER NOT NULL,
	words         BLOB NOT NULL,
	PRIMARY KEY (transcript_id, version)
);
CREATE TABLE IF NOT EXISTS rank_state (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	state TEXT NOT NULL
);
`

// EachRankWords calls fn with every version's words kept by the given
// analyzer, in one scan, ordered by transcript ID as Transcripts lists
// them. fn's words are its own.
func (s *Store) EachRankWords(ctx context.Context, analyzer int, fn func(id, version string, words []byte) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT transcript_id, version, words FROM rank_words WHERE analyzer = ? ORDER BY transcript_id, version`, analyzer)
	if err != nil {
		return fmt.Errorf("reading ranking words: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, version string
		var words []byte
		if err := rows.Scan(&id, &version, &words); err != nil {
			return fmt.Errorf("reading ranking words: %w", err)
		}
		if err := fn(id, version, words); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading ranking words: %w", err)
	}
	return nil
}

// RankWordsRow is one version's words, to keep.
type RankWordsRow struct {
	Transcript, Version string
	Words               []byte
}

// PutRankWords keeps versions' words (replacing what another analyzer
// wrote), in one transaction.
func (s *Store) PutRankWords(ctx context.Context, analyzer int, rows []RankWordsRow) error {
	if len(rows) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("keeping ranking words: %w", err)
	}
	defer tx.Rollback()
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO rank_words (transcript_id, version, analyzer, words) VALUES (?, ?, ?, ?)`,
			r.Transcript, r.Version, analyzer, r.Words); err != nil {
			return fmt.Errorf("keeping the ranking words of %q: %w", r.Transcript, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("keeping ranking words: %w", err)
	}
	return nil
}

// PruneRankWords drops the words of versions no longer current and of
// other analyzers.
func (s *Store) PruneRankWords(ctx context.Context, analyzer int) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM rank_words WHERE analyzer != ? OR NOT EXISTS (
		SELECT 1 FROM transcripts t WHERE t.id = rank_words.transcript_id AND t.version = rank_words.version AND t.removed = 0)`, analyzer)
	if err != nil {
		return fmt.Errorf("dropping old ranking words: %w", err)
	}
	return nil
}

// RankInputs sums up what a ranking reads that can change between runs:
// the batches, the decisions, the candidates' states and the speakers.
// Equal sums, nothing to rank again.
func (s *Store) RankInputs(ctx context.Context) (string, error) {
	var batch, decisions, lastDecision, candidates, lastCandidate, waiting, speakers int64
	var participants string
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(max(id), 0) FROM batches WHERE status = 'done'),
		(SELECT count(*) FROM decisions), (SELECT coalesce(max(seq), 0) FROM decisions),
		(SELECT count(*) FROM candidates), (SELECT coalesce(max(rowid), 0) FROM candidates),
		(SELECT count(*) FROM candidates WHERE state = 'proposed'),
		(SELECT count(*) FROM speakers),
		(SELECT coalesce(group_concat(transcript || '|' || speaker_key || '|' || role || '|' || participant || '|' || attributes, '\n'), '') FROM participants)`).
		Scan(&batch, &decisions, &lastDecision, &candidates, &lastCandidate, &waiting, &speakers, &participants)
	if err != nil {
		return "", fmt.Errorf("reading what ranking depends on: %w", err)
	}
	sheet := sha256.Sum256([]byte(participants))
	return fmt.Sprintf("batch %d, decisions %d/%d, candidates %d/%d/%d, speakers %d, sheet %x",
		batch, decisions, lastDecision, candidates, lastCandidate, waiting, speakers, sheet[:6]), nil
}

// RankState is what the last ranking recorded of its inputs ("" when
// none did).
func (s *Store) RankState(ctx context.Context) (string, error) {
	var state string
	err := s.db.QueryRowContext(ctx, `SELECT state FROM rank_state WHERE id = 1`).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the last ranking's state: %w", err)
	}
	return state, nil
}

// SetRankState records a ranking's inputs.
func (s *Store) SetRankState(ctx context.Context, state string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO rank_state (id, state) VALUES (1, ?)`, state); err != nil {
		return fmt.Errorf("recording the ranking's state: %w", err)
	}
	return nil
}
