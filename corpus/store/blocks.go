package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/alongside-qda/alongside/corpus"
)

// A version's text and turns are kept in blocks of whole turns of about
// blockBytes of text (corpus.Block), not in its versions row: a search
// showing twenty hits read twenty whole versions (80 KB each, through
// SQLite's 4 KB overflow pages, and decoded every turn of them), a fifth
// of a search of a rare word. Now it reads the block around each hit (see
// Excerpts). A block of this size with its turns fits a 4 KB page.
const blockBytes = 2500

const textBlocksSchema = `
CREATE TABLE IF NOT EXISTS text_blocks (
	transcript_id TEXT NOT NULL,
	version       TEXT NOT NULL,
	first_turn    INTEGER NOT NULL, -- the index of its first turn in the version
	all_turns     INTEGER NOT NULL, -- how many turns the version has
	all_bytes     INTEGER NOT NULL, -- how long its text is, in bytes
	text_from     INTEGER NOT NULL, -- code points of the version's text before this block's
	text          TEXT NOT NULL,
	turns         BLOB NOT NULL,    -- corpus.EncodeTurns of its turns
	PRIMARY KEY (transcript_id, version, first_turn)
);
CREATE TRIGGER IF NOT EXISTS text_blocks_version_delete AFTER DELETE ON versions BEGIN
	DELETE FROM text_blocks WHERE transcript_id = OLD.transcript_id AND version = OLD.version;
END;
`

// moveTextToBlocks moves the text and turns of every stored version from
// its versions row into text_blocks, one version at a time. Versions
// moved already (their turns empty) are left as they are.
func moveTextToBlocks(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT transcript_id, version FROM versions WHERE length(turns) > 0`) // not moved yet
	if err != nil {
		return err
	}
	var keys []VersionKey
	for rows.Next() {
		var k VersionKey
		if err := rows.Scan(&k.ID, &k.Version); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range keys {
		t := &corpus.Transcript{ID: k.ID, Version: k.Version}
		var turns []byte
		if err := tx.QueryRowContext(ctx, `SELECT text, turns FROM versions WHERE transcript_id = ? AND version = ?`, k.ID, k.Version).Scan(&t.Text, &turns); err != nil {
			return err
		}
		if t.Turns, err = corpus.DecodeTurns(turns); err != nil {
			return fmt.Errorf("transcript %q version %.12s: turns: %w", k.ID, k.Version, err)
		}
		if err := writeBlocks(ctx, tx, t); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET text = '', turns = x'' WHERE transcript_id = ? AND version = ?`, k.ID, k.Version); err != nil {
			return err
		}
	}
	return nil
}

// writeBlocks stores t's text and turns as blocks, in place of any it had.
func writeBlocks(ctx context.Context, tx *sql.Tx, t *corpus.Transcript) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM text_blocks WHERE transcript_id = ? AND version = ?`, t.ID, t.Version); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO text_blocks (transcript_id, version, first_turn, all_turns, all_bytes, text_from, text, turns) VALUES (?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, b := range t.Blocks(blockBytes) {
		if _, err := stmt.ExecContext(ctx, t.ID, t.Version, b.FirstTurn, len(t.Turns), len(t.Text), b.TextFrom, b.Text, corpus.EncodeTurns(b.Turns)); err != nil {
			return err
		}
	}
	return nil
}

// The blocks of a version, all of them (wholeBlocks) or those holding
// turns ?3 to ?4 (blocksAround: from the last block starting at or before
// ?3 to the last starting at or before ?4).
const (
	blockColumns = `SELECT first_turn, all_turns, all_bytes, text_from, text, turns FROM text_blocks WHERE transcript_id = ?1 AND version = ?2`
	wholeBlocks  = blockColumns + ` ORDER BY first_turn`
	blocksAround = blockColumns + ` AND first_turn <= ?4
		AND first_turn >= coalesce((SELECT max(first_turn) FROM text_blocks WHERE transcript_id = ?1 AND version = ?2 AND first_turn <= ?3), 0)
		ORDER BY first_turn`
)

// blockQuery runs wholeBlocks or blocksAround (a statement prepared, or
// the query on the database).
type blockQuery func(ctx context.Context, args ...any) (*sql.Rows, error)

func (s *Store) blockQuery(query string) blockQuery {
	return func(ctx context.Context, args ...any) (*sql.Rows, error) {
		return s.db.QueryContext(ctx, query, args...)
	}
}

// readText joins the blocks of t's version that query returns into t (see
// corpus.Joiner), a row at a time, the whole text (whole) or some of it;
// none is an error: every version has at least one.
func readText(ctx context.Context, query blockQuery, t *corpus.Transcript, whole bool, args ...any) (*corpus.Transcript, error) {
	rows, err := query(ctx, append([]any{t.ID, t.Version}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("reading transcript %q: %w", t.ID, err)
	}
	defer rows.Close()
	var j *corpus.Joiner
	var first, all, size, from int
	var text, turns sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&first, &all, &size, &from, &text, &turns); err != nil {
			return nil, fmt.Errorf("reading transcript %q: %w", t.ID, err)
		}
		if j == nil {
			j = corpus.NewJoiner(t, all)
			if whole {
				j.Grow(size) // one copy of the text, not one per doubling
			}
		}
		if err := j.Add(first, from, text, turns); err != nil {
			return nil, fmt.Errorf("reading transcript %q: %w", t.ID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading transcript %q: %w", t.ID, err)
	}
	if j == nil {
		return nil, fmt.Errorf("transcript %q version %.12s: its text: %w", t.ID, t.Version, ErrNotFound)
	}
	return j.Transcript(), nil
}

// versionOf reads a version's text and turns into t, and decodes its
// metadata (meta, from its versions row).
func versionOf(ctx context.Context, query blockQuery, t *corpus.Transcript, meta string) (*corpus.Transcript, error) {
	if err := json.Unmarshal([]byte(meta), &t.Metadata); err != nil {
		return nil, fmt.Errorf("reading transcript %q: metadata: %w", t.ID, err)
	}
	return readText(ctx, query, t, true)
}

// ExcerptKey names the turns of a version a caller wants to show, from
// First to Last.
type ExcerptKey struct {
	VersionKey
	First, Last int
}

// Excerpts reads, for each key, the blocks holding its turns, joined into
// an excerpt of the version (see corpus.Joiner): ID, version, text and
// turns; no title or metadata. A caller checks with Shows that an excerpt
// shows what it needs, and reads the whole version if not.
func (s *Store) Excerpts(ctx context.Context, keys []ExcerptKey) ([]*corpus.Transcript, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	stmts, done, err := s.prepare(ctx, blocksAround)
	if err != nil {
		return nil, err
	}
	defer done()
	out := make([]*corpus.Transcript, len(keys))
	for i, k := range keys {
		out[i], err = readText(ctx, stmts[0].QueryContext, &corpus.Transcript{ID: k.ID, Version: k.Version}, false, max(k.First, 0), max(k.Last, k.First, 0))
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prepare prepares queries on one connection, for reading many versions:
// reading each on a connection of its own made SQLite open the database
// and parse its schema again for every connection (a third of reading a
// search's twenty transcripts). done closes them.
func (s *Store) prepare(ctx context.Context, queries ...string) (stmts []*sql.Stmt, done func(), err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading transcripts: %w", err)
	}
	done = func() {
		for _, st := range stmts {
			st.Close()
		}
		conn.Close()
	}
	for _, q := range queries {
		st, err := conn.PrepareContext(ctx, q)
		if err != nil {
			done()
			return nil, nil, fmt.Errorf("reading transcripts: %w", err)
		}
		stmts = append(stmts, st)
	}
	return stmts, done, nil
}
