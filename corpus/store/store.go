package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alongside-qda/alongside/corpus"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

// Store is a project's database.
type Store struct {
	db   *sql.DB
	path string
}

const schema = `
CREATE TABLE IF NOT EXISTS batches (
	id       INTEGER PRIMARY KEY,
	started  TEXT NOT NULL,
	finished TEXT,
	status   TEXT NOT NULL DEFAULT 'running', -- running | done | failed
	shard    TEXT NOT NULL DEFAULT '',        -- the index shard it writes
	summary  TEXT                             -- JSON
);
CREATE TABLE IF NOT EXISTS shards (
	name     TEXT PRIMARY KEY,
	batch_id INTEGER NOT NULL,
	docs     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
	path     TEXT PRIMARY KEY, -- relative to its transcript root, slash-separated
	root     TEXT NOT NULL,
	size     INTEGER NOT NULL,
	mtime    INTEGER NOT NULL, -- unix nanoseconds
	hash     TEXT NOT NULL,
	status   TEXT NOT NULL,    -- ok | skipped
	error    TEXT NOT NULL DEFAULT '',
	batch_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS transcripts (
	id        TEXT PRIMARY KEY,
	file      TEXT NOT NULL,   -- files.path
	version   TEXT NOT NULL,   -- the current version (corpus.Transcript.Version)
	title     TEXT NOT NULL,
	format    TEXT NOT NULL,
	words     INTEGER NOT NULL,
	turns     INTEGER NOT NULL,
	passages  INTEGER NOT NULL,
	batch_id  INTEGER NOT NULL,
	removed   INTEGER NOT NULL DEFAULT 0, -- the file is gone (kept until --prune)
	matched   TEXT NOT NULL DEFAULT ''     -- the version whose candidates are current
);
CREATE TABLE IF NOT EXISTS versions (
	transcript_id TEXT NOT NULL,
	version       TEXT NOT NULL,
	shard         TEXT NOT NULL,
	source        TEXT NOT NULL,
	metadata      TEXT NOT NULL, -- JSON
	text          TEXT NOT NULL,
	turns         BLOB NOT NULL, -- corpus.EncodeTurns: turns with sentences
	PRIMARY KEY (transcript_id, version)
);
CREATE TABLE IF NOT EXISTS passages (
	id            TEXT PRIMARY KEY,
	transcript_id TEXT NOT NULL,
	version       TEXT NOT NULL,
	seq           INTEGER NOT NULL,
	shard         TEXT NOT NULL,
	turn          INTEGER NOT NULL,
	sentence      INTEGER NOT NULL,
	sentences     INTEGER NOT NULL,
	speaker       TEXT NOT NULL,
	speaker_key   TEXT NOT NULL,
	time_ms       INTEGER,      -- NULL when unknown
	start         INTEGER NOT NULL,
	end           INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_version ON passages (transcript_id, version, seq);
CREATE INDEX IF NOT EXISTS versions_shard ON versions (shard, transcript_id, version);
CREATE INDEX IF NOT EXISTS passages_shard ON passages (shard);
`

// Open opens (creating if need be) the database at path, with mode 0600,
// and brings its schema up to date (see migrate).
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	f.Close()
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(30000)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-16384)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB gives packages that keep their own tables in the project's database
// (candidates, decisions) the connection.
func (s *Store) DB() *sql.DB { return s.db }

// File is what the store remembers of one transcript file.
type File struct {
	Path   string `json:"path"`
	Root   string `json:"root"`
	Size   int64  `json:"size"`
	MTime  int64  `json:"mtime"`
	Hash   string `json:"hash"`
	Status string `json:"status"` // ok | skipped
	Error  string `json:"error,omitempty"`
}

// Files returns every file the store knows, by path.
func (s *Store) Files(ctx context.Context) (map[string]File, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT path, root, size, mtime, hash, status, error FROM files`)
	if err != nil {
		return nil, fmt.Errorf("reading files: %w", err)
	}
	defer rows.Close()
	out := map[string]File{}
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.Path, &f.Root, &f.Size, &f.MTime, &f.Hash, &f.Status, &f.Error); err != nil {
			return nil, fmt.Errorf("reading files: %w", err)
		}
		out[f.Path] = f
	}
	return out, rows.Err()
}

// TranscriptInfo is the current version of a transcript, without its text.
type TranscriptInfo struct {
	ID       string `json:"id"`
	File     string `json:"file"`
	Version  string `json:"version"`
	Title    string `json:"title"`
	Format   string `json:"format"`
	Words    int    `json:"words"`
	Turns    int    `json:"turns"`
	Passages int    `json:"passages"`
	Batch    int64  `json:"batch"`
	Removed  bool   `json:"removed,omitempty"`
}

// Transcripts lists the current transcripts by ID.
func (s *Store) Transcripts(ctx context.Context) ([]TranscriptInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, file, version, title, format, words, turns, passages, batch_id, removed FROM transcripts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reading transcripts: %w", err)
	}
	defer rows.Close()
	var out []TranscriptInfo
	for rows.Next() {
		var t TranscriptInfo
		if err := rows.Scan(&t.ID, &t.File, &t.Version, &t.Title, &t.Format, &t.Words, &t.Turns, &t.Passages, &t.Batch, &t.Removed); err != nil {
			return nil, fmt.Errorf("reading transcripts: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Transcript loads the current version of a transcript, with its text,
// turns and sentences.
func (s *Store) Transcript(ctx context.Context, id string) (*corpus.Transcript, error) {
	var version string
	err := s.db.QueryRowContext(ctx, `SELECT version FROM transcripts WHERE id = ?`, id).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("transcript %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading transcript %q: %w", id, err)
	}
	return s.Version(ctx, id, version)
}

// ErrNotFound is returned for an ID the store does not hold.
var ErrNotFound = errors.New("not found")

// Shards lists the registered index shards, oldest first.
func (s *Store) Shards(ctx context.Context) ([]string, error) {
	return s.strings(ctx, "reading shards", shardsQuery)
}

const shardsQuery = `SELECT name FROM shards ORDER BY batch_id, name`

// strings runs a query whose rows are one string each.
func (s *Store) strings(ctx context.Context, what, query string, args ...any) ([]string, error) {
	out, err := txStrings(ctx, s.db, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// txStrings runs a query whose rows are one string each, in q (the
// database or a transaction).
func txStrings(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Masked returns the IDs of passages that registered shards still hold but
// that no current transcript version owns: the old versions of changed
// transcripts, and pruned ones. Searches exclude them until a compaction
// merges their shard and drops them (see ReplaceShards).
func (s *Store) Masked(ctx context.Context) ([]string, error) {
	return s.strings(ctx, "reading masked passages", maskedQuery)
}

// HasVersion reports whether a version of a transcript is already indexed
// in a registered shard (a file changed back to earlier content); not once
// a compaction has dropped it.
func (s *Store) HasVersion(ctx context.Context, id, version string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM versions WHERE transcript_id = ? AND version = ? AND shard IN (SELECT shard FROM batches WHERE status = 'done')`, id, version).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("reading versions: %w", err)
	}
	return n > 0, nil
}

// BeginBatch starts a batch and returns its ID and its name ("b000042"),
// which every row it writes carries and its index shards start with.
func (s *Store) BeginBatch(ctx context.Context, now time.Time) (int64, string, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO batches (started) VALUES (?)`, now.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return 0, "", fmt.Errorf("starting batch: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, "", fmt.Errorf("starting batch: %w", err)
	}
	shard := fmt.Sprintf("b%06d", id)
	if _, err := s.db.ExecContext(ctx, `UPDATE batches SET shard = ? WHERE id = ?`, shard, id); err != nil {
		return 0, "", fmt.Errorf("starting batch: %w", err)
	}
	return id, shard, nil
}

// FailBatch marks a batch failed and deletes what it wrote.
func (s *Store) FailBatch(ctx context.Context, id int64, shard string, now time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ending batch %d: %w", id, err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM passages WHERE shard = ?`, `DELETE FROM versions WHERE shard = ?`} {
		if _, err := tx.ExecContext(ctx, q, shard); err != nil {
			return fmt.Errorf("ending batch %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE batches SET status = 'failed', finished = ? WHERE id = ?`, now.UTC().Format(time.RFC3339Nano), id); err != nil {
		return fmt.Errorf("ending batch %d: %w", id, err)
	}
	return tx.Commit()
}

// Sweep deletes what batches that never finished left behind: rows of
// shards that were never registered, and marks those batches failed. It
// returns the names of the unregistered shards it found, so that their
// folders can go too.
func (s *Store) Sweep(ctx context.Context) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sweeping store: %w", err)
	}
	defer tx.Rollback()
	// The shards of batches that never finished (found from the few batch
	// rows: scanning the passages for them took seconds on a large corpus).
	stale, err := txStrings(ctx, tx, `SELECT shard FROM batches WHERE status = 'running' AND shard != '' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sweeping store: %w", err)
	}
	for _, shard := range stale {
		for _, q := range []string{`DELETE FROM passages WHERE shard = ?`, `DELETE FROM versions WHERE shard = ?`} {
			if _, err := tx.ExecContext(ctx, q, shard); err != nil {
				return nil, fmt.Errorf("sweeping store: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE batches SET status = 'failed' WHERE status = 'running'`); err != nil {
		return nil, fmt.Errorf("sweeping store: %w", err)
	}
	return stale, tx.Commit()
}

// AddVersion stores a new transcript version and its passages, tagged with
// the batch's name (batch). It is invisible until Commit points the transcript at
// it; writing the same version twice replaces it. The passages are read one
// at a time (corpus.EachPassage, or slices.Values of corpus.Passages).
func (s *Store) AddVersion(ctx context.Context, t *corpus.Transcript, passages iter.Seq[corpus.Passage], batch string) error {
	meta, err := json.Marshal(t.Metadata)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording %q: %w", t.ID, err)
	}
	defer tx.Rollback()
	// the text and turns go in text_blocks (see blockBytes)
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO versions (transcript_id, version, shard, source, metadata, text, turns) VALUES (?,?,?,?,?,'',x'')`,
		t.ID, t.Version, batch, t.Source, string(meta)); err != nil {
		return fmt.Errorf("recording %q: %w", t.ID, err)
	}
	if err := writeBlocks(ctx, tx, t); err != nil {
		return fmt.Errorf("recording %q: %w", t.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM passages WHERE transcript_id = ? AND version = ?`, t.ID, t.Version); err != nil {
		return fmt.Errorf("recording %q: %w", t.ID, err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO passages (id, transcript_id, version, seq, shard, turn, sentence, sentences, speaker, speaker_key, time_ms, start, end) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("recording %q: %w", t.ID, err)
	}
	defer stmt.Close()
	for p := range passages {
		var ms any
		if p.Time != corpus.NoTime {
			ms = p.Time.Milliseconds()
		}
		if _, err := stmt.ExecContext(ctx, p.ID, p.TranscriptID, p.Version, p.Seq, batch, p.Turn, p.Sentence, len(p.Sentences), p.Speaker, p.SpeakerKey, ms, p.Span.Start, p.Span.End); err != nil {
			return fmt.Errorf("recording %q: %w", t.ID, err)
		}
	}
	if err := addSpeakers(ctx, tx, t); err != nil {
		return err
	}
	return tx.Commit()
}

// Shard is an index shard a batch wrote.
type Shard struct {
	Name string
	Docs int
}

// Commit is the end of a batch: in one transaction it registers the
// batch's shards, records the files seen, points the
// transcripts at their new versions, marks removed ones, prunes, and
// closes the batch with its summary.
type Commit struct {
	Batch       int64
	Shards      []Shard // none when the batch indexed nothing
	Files       []File
	Transcripts []TranscriptInfo
	Removed     []string // transcript IDs whose file is gone
	Prune       bool     // delete removed transcripts instead of marking them
	Forget      []string // file paths no longer present (deleted from files)
	Summary     any      // stored as JSON
	Now         time.Time
}

// Commit applies c atomically.
func (s *Store) Commit(ctx context.Context, c Commit) error {
	summary, err := json.Marshal(c.Summary)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("committing batch %d: %w", c.Batch, err)
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) {
		if err == nil {
			_, err = tx.ExecContext(ctx, q, args...)
		}
	}
	for _, sh := range c.Shards {
		exec(`INSERT OR REPLACE INTO shards (name, batch_id, docs) VALUES (?,?,?)`, sh.Name, c.Batch, sh.Docs)
	}
	for _, f := range c.Files {
		exec(`INSERT OR REPLACE INTO files (path, root, size, mtime, hash, status, error, batch_id) VALUES (?,?,?,?,?,?,?,?)`,
			f.Path, f.Root, f.Size, f.MTime, f.Hash, f.Status, f.Error, c.Batch)
	}
	for _, p := range c.Forget {
		exec(`DELETE FROM files WHERE path = ?`, p)
	}
	for _, t := range c.Transcripts {
		exec(`INSERT OR REPLACE INTO transcripts (id, file, version, title, format, words, turns, passages, batch_id, removed) VALUES (?,?,?,?,?,?,?,?,?,0)`,
			t.ID, t.File, t.Version, t.Title, t.Format, t.Words, t.Turns, t.Passages, c.Batch)
	}
	for _, id := range c.Removed {
		if c.Prune {
			exec(`DELETE FROM transcripts WHERE id = ?`, id)
		} else {
			exec(`UPDATE transcripts SET removed = 1 WHERE id = ?`, id)
		}
	}
	exec(`UPDATE batches SET status = 'done', finished = ?, summary = ? WHERE id = ?`, c.Now.UTC().Format(time.RFC3339Nano), string(summary), c.Batch)
	if err == nil {
		err = keepSpeakers(ctx, tx)
	}
	if err != nil {
		return fmt.Errorf("committing batch %d: %w", c.Batch, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing batch %d: %w", c.Batch, err)
	}
	return nil
}

// Batch is one run, as status shows it.
type Batch struct {
	ID       int64           `json:"id"`
	Started  string          `json:"started"`
	Finished string          `json:"finished,omitempty"`
	Status   string          `json:"status"`
	Summary  json.RawMessage `json:"summary,omitempty"`
}

// LastBatch returns the most recent batch, or nil when there is none.
func (s *Store) LastBatch(ctx context.Context) (*Batch, error) {
	var b Batch
	var fin, sum sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, started, finished, status, summary FROM batches ORDER BY id DESC LIMIT 1`).
		Scan(&b.ID, &b.Started, &fin, &b.Status, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading batches: %w", err)
	}
	b.Finished = fin.String
	if sum.Valid {
		b.Summary = json.RawMessage(sum.String)
	}
	return &b, nil
}

// BatchStarts returns when each batch started, by batch ID (failed ones
// too: their IDs are never reused).
func (s *Store) BatchStarts(ctx context.Context) (map[int64]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, started FROM batches`)
	if err != nil {
		return nil, fmt.Errorf("reading batches: %w", err)
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var id int64
		var at string
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("reading batches: %w", err)
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return nil, fmt.Errorf("reading batches: batch %d: time %q: %w", id, at, err)
		}
		out[id] = t
	}
	return out, rows.Err()
}

// PassageRow is what the store keeps of an indexed passage.
type PassageRow struct {
	ID           string
	TranscriptID string
	Version      string
	Seq          int
	Turn         int
	Sentence     int // first sentence, in the turn
	Sentences    int
	Speaker      string
	SpeakerKey   string
	TimeMS       *int64
	Start, End   int
}

// Passages returns the rows of the given passage IDs, by ID; unknown IDs
// are left out.
func (s *Store) Passages(ctx context.Context, ids []string) (map[string]PassageRow, error) {
	out := make(map[string]PassageRow, len(ids))
	// The transcript, version and speaker of one passage are those of many
	// others: each is kept once (all hits of a common phrase held a copy
	// per passage).
	kept := shared{}
	var transcript, version, speaker, speakerKey sql.RawBytes
	const chunk = 500 // SQLite limits the number of parameters
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		args := make([]any, n)
		for i := range n {
			args[i] = ids[i]
		}
		rows, err := s.db.QueryContext(ctx, `SELECT id, transcript_id, version, seq, turn, sentence, sentences, speaker, speaker_key, time_ms, start, end
			FROM passages WHERE id IN (?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("reading passages: %w", err)
		}
		for rows.Next() {
			var p PassageRow
			var ms sql.NullInt64
			if err := rows.Scan(&p.ID, &transcript, &version, &p.Seq, &p.Turn, &p.Sentence, &p.Sentences, &speaker, &speakerKey, &ms, &p.Start, &p.End); err != nil {
				rows.Close()
				return nil, fmt.Errorf("reading passages: %w", err)
			}
			p.TranscriptID, p.Version, p.Speaker, p.SpeakerKey = kept.ofBytes(transcript), kept.ofBytes(version), kept.ofBytes(speaker), kept.ofBytes(speakerKey)
			if ms.Valid {
				p.TimeMS = &ms.Int64
			}
			out[p.ID] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("reading passages: %w", err)
		}
		ids = ids[n:]
	}
	return out, nil
}

// Version loads one version of a transcript (current or not) with its
// text, turns and sentences.
func (s *Store) Version(ctx context.Context, id, version string) (*corpus.Transcript, error) {
	t, meta, err := scanVersion(s.db.QueryRowContext(ctx, versionQuery, id, version), id, version)
	if err != nil {
		return nil, err
	}
	return versionOf(ctx, s.blockQuery(wholeBlocks), t, meta)
}

// versionQuery reads a transcript version's row (its text and turns are
// in text_blocks).
const versionQuery = `SELECT v.transcript_id, coalesce(t.title, v.transcript_id), coalesce(t.format, ''), v.version, v.source, v.metadata
	FROM versions v LEFT JOIN transcripts t ON t.id = v.transcript_id WHERE v.transcript_id = ? AND v.version = ?`

// scanVersion reads a row of versionQuery, its metadata not yet decoded.
func scanVersion(row *sql.Row, id, version string) (t *corpus.Transcript, meta string, err error) {
	t = &corpus.Transcript{}
	err = row.Scan(&t.ID, &t.Title, &t.Format, &t.Version, &t.Source, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("transcript %q version %.12s: %w", id, version, ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading transcript %q: %w", id, err)
	}
	return t, meta, nil
}

// VersionKey names a transcript version.
type VersionKey struct{ ID, Version string }

// Versions reads the transcript versions named, in order, on one
// connection (see prepare).
func (s *Store) Versions(ctx context.Context, keys []VersionKey) ([]*corpus.Transcript, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	stmts, done, err := s.prepare(ctx, versionQuery, wholeBlocks)
	if err != nil {
		return nil, err
	}
	defer done()
	out := make([]*corpus.Transcript, len(keys))
	for i, k := range keys {
		t, meta, err := scanVersion(stmts[0].QueryRowContext(ctx, k.ID, k.Version), k.ID, k.Version)
		if err != nil {
			return nil, err
		}
		if out[i], err = versionOf(ctx, stmts[1].QueryContext, t, meta); err != nil {
			return nil, err
		}
	}
	return out, nil
}
