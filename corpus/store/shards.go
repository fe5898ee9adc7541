package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/alongside-qda/alongside/corpus"
)

// A compaction merges registered shards into one (see package index) and
// replaces them in one transaction (ReplaceShards). The passages it drops,
// the masked ones, belong to versions no transcript points at; their
// version rows stay (old decisions quote them), with versions.shard set to
// '' (in no shard) instead of the batch that indexed them. Masked and
// HasVersion only count versions whose batch is done, so such a version is
// masked no more, and a file changed back to it is indexed again.

// IndexView is the registered shards and the masked passages, read in one
// transaction so that they agree: a compaction or a batch committing in
// between would otherwise give a reader shards whose masked passages are
// no longer listed.
func (s *Store) IndexView(ctx context.Context) (shards, masked []string, err error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // a snapshot, without the write lock
	if err != nil {
		return nil, nil, fmt.Errorf("reading shards: %w", err)
	}
	defer tx.Rollback()
	if shards, err = txStrings(ctx, tx, shardsQuery); err != nil {
		return nil, nil, fmt.Errorf("reading shards: %w", err)
	}
	if masked, err = txStrings(ctx, tx, maskedQuery); err != nil {
		return nil, nil, fmt.Errorf("reading masked passages: %w", err)
	}
	return shards, masked, nil
}

// SearchView is the registered shards and the masked versions, as the
// prefix their passages' IDs share (corpus.PassageIDPrefix), read in one
// transaction as IndexView reads them: what a search opens the index with
// (see index.Open). Listing the masked passages themselves, 1,181 of them
// after a year of nightly batches at 30 million words, was 2 ms of every
// search in a fresh process; the shards list them by the prefix.
func (s *Store) SearchView(ctx context.Context) (shards, masked []string, err error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("reading shards: %w", err)
	}
	defer tx.Rollback()
	if shards, err = txStrings(ctx, tx, shardsQuery); err != nil {
		return nil, nil, fmt.Errorf("reading shards: %w", err)
	}
	rows, err := tx.QueryContext(ctx, maskedVersionsQuery)
	if err != nil {
		return nil, nil, fmt.Errorf("reading masked versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, version string
		if err := rows.Scan(&id, &version); err != nil {
			return nil, nil, fmt.Errorf("reading masked versions: %w", err)
		}
		masked = append(masked, corpus.PassageIDPrefix(id, version))
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading masked versions: %w", err)
	}
	slices.Sort(masked)
	return shards, masked, nil
}

// ShardInfo is a registered shard.
type ShardInfo struct {
	Name  string
	Batch int64 // the batch that wrote it, or the newest of those merged into it
	Docs  int   // passages it holds, masked ones included
}

// ShardInfos lists the registered shards, oldest first.
func (s *Store) ShardInfos(ctx context.Context) ([]ShardInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, batch_id, docs FROM shards ORDER BY batch_id, name`)
	if err != nil {
		return nil, fmt.Errorf("reading shards: %w", err)
	}
	defer rows.Close()
	var out []ShardInfo
	for rows.Next() {
		var si ShardInfo
		if err := rows.Scan(&si.Name, &si.Batch, &si.Docs); err != nil {
			return nil, fmt.Errorf("reading shards: %w", err)
		}
		out = append(out, si)
	}
	return out, rows.Err()
}

// ReplaceShards registers a merged shard in place of the shards merged into
// it, and takes the versions of the dropped passages out of the index, in
// one transaction. An empty merged.Name registers nothing (every passage
// was dropped). The retired shards' folders may go once it returns.
func (s *Store) ReplaceShards(ctx context.Context, merged Shard, retired []string, dropped []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("registering shard %s: %w", merged.Name, err)
	}
	defer tx.Rollback()
	args := make([]any, len(retired))
	for i, n := range retired {
		args[i] = n
	}
	in := "(?" + strings.Repeat(",?", len(retired)-1) + ")"
	var batch int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(batch_id), 0) FROM shards WHERE name IN `+in, args...).Scan(&batch); err != nil {
		return fmt.Errorf("registering shard %s: %w", merged.Name, err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM shards WHERE name IN `+in, args...)
	if err != nil {
		return fmt.Errorf("registering shard %s: %w", merged.Name, err)
	}
	if n, _ := res.RowsAffected(); n != int64(len(retired)) {
		return fmt.Errorf("registering shard %s: %d of the %d merged shards are registered", merged.Name, n, len(retired))
	}
	if merged.Name != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO shards (name, batch_id, docs) VALUES (?,?,?)`, merged.Name, batch, merged.Docs); err != nil {
			return fmt.Errorf("registering shard %s: %w", merged.Name, err)
		}
	}
	seen := map[[2]string]bool{} // one passage of each version will do
	for _, id := range dropped {
		if t, v, _, ok := corpus.ParsePassageID(id); ok {
			if seen[[2]string{t, v}] {
				continue
			}
			seen[[2]string{t, v}] = true
		}
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET shard = '' WHERE (transcript_id, version) IN (SELECT transcript_id, version FROM passages WHERE id = ?)`, id); err != nil {
			return fmt.Errorf("registering shard %s: %w", merged.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("registering shard %s: %w", merged.Name, err)
	}
	return nil
}
