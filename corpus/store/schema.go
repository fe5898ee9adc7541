package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// A project lives for years and is opened by whatever version of alongside
// the analyst has installed that day, so the schema is numbered (SQLite's
// user_version) and moved forward one numbered step at a time on open.
// A database written by a newer alongside is refused, never guessed at.
//
// To change the schema: append a migration; never edit one that has
// shipped. A new database runs every step from 0, so new and upgraded
// projects end up with the same tables.

// migration moves the schema from version-1 to version.
type migration struct {
	version int
	what    string
	apply   func(ctx context.Context, tx *sql.Tx) error
}

var migrations = []migration{
	{1, "the tables as the first releases wrote them (unnumbered)", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, schema+candidateSchema)
		return err
	}},
	{2, "speakers and the participants sheet", func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, speakerSchema); err != nil {
			return err
		}
		return backfillSpeakers(ctx, tx)
	}},
	{3, "relevance: each candidate's origin, relevance, why and recommendation", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, relevanceSchema)
		return err
	}},
	{4, "ranking: each current version's analysed words, kept", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, rankWordsSchema)
		return err
	}},
	{5, "the masked transcript versions, kept by triggers", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, maskedSchema)
		return err
	}},
	{6, "the speakers as searches read them, kept by triggers", func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, keptSpeakersSchema); err != nil {
			return err
		}
		return keepSpeakers(ctx, tx)
	}},
	{7, "the text of each version in blocks of turns, so that a search reads only its hits' turns", func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, textBlocksSchema); err != nil {
			return err
		}
		return moveTextToBlocks(ctx, tx)
	}},
}

// SchemaVersion is the schema this version of alongside writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// ErrNewerSchema refuses a project written by a newer alongside.
var ErrNewerSchema = errors.New("the project was written by a newer version of alongside")

// migrate brings the schema up to SchemaVersion. Before changing an
// existing project it copies the database beside itself
// (alongside.db.schema1.bak): a failed or unwanted upgrade can be undone by
// hand. All steps run in one transaction, re-reading the version inside it,
// so two processes opening an old project at once migrate it once.
func (s *Store) migrate(ctx context.Context) error {
	current, err := s.schemaVersion(ctx, s.db)
	if err != nil {
		return err
	}
	if current > SchemaVersion() {
		return fmt.Errorf("%w (store schema %d; this version reads up to %d): install the newer alongside", ErrNewerSchema, current, SchemaVersion())
	}
	if current == SchemaVersion() {
		return nil
	}
	if current > 0 || s.hasTables(ctx) {
		if err := s.backup(ctx, current); err != nil {
			return err
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrating the schema: %w", err)
	}
	defer tx.Rollback()
	if current, err = s.schemaVersion(ctx, tx); err != nil {
		return err
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		if err := m.apply(ctx, tx); err != nil {
			return fmt.Errorf("migrating the schema to version %d (%s): %w", m.version, m.what, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			return fmt.Errorf("migrating the schema to version %d: %w", m.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrating the schema: %w", err)
	}
	return nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) schemaVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading the schema version: %w", err)
	}
	return v, nil
}

// hasTables tells an unnumbered project (the first releases) from a new,
// empty database.
func (s *Store) hasTables(ctx context.Context) bool {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n)
	return err == nil && n > 0
}

// BackupPath is where migrate copies a database of schema version v
// before upgrading it.
func BackupPath(dbPath string, v int) string { return fmt.Sprintf("%s.schema%d.bak", dbPath, v) }

func (s *Store) backup(ctx context.Context, v int) error {
	dst := BackupPath(s.path, v)
	if _, err := os.Stat(dst); err == nil {
		return nil // an earlier attempt made it; keep the first copy
	}
	tmp := dst + ".tmp"
	os.Remove(tmp)
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("backing up before the schema upgrade: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("backing up before the schema upgrade: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("backing up before the schema upgrade: %w", err)
	}
	return nil
}
