package stages

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
)

// Project is a project folder: its state lives under Dir/.alongside/.
type Project struct {
	Dir string
}

// StateDir is the folder holding the store, the index and the run log.
func (p Project) StateDir() string { return filepath.Join(p.Dir, ".alongside") }

// IndexDir holds the index shards.
func (p Project) IndexDir() string { return filepath.Join(p.StateDir(), "index") }

// StorePath is the SQLite database.
func (p Project) StorePath() string { return filepath.Join(p.StateDir(), "alongside.db") }

// LogPath is the run log: one JSON summary per batch.
func (p Project) LogPath() string { return filepath.Join(p.StateDir(), "runs.log") }

// OpenStore opens the project's store, creating the state folder (0700).
func (p Project) OpenStore() (*store.Store, error) {
	if err := os.MkdirAll(p.StateDir(), 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", p.StateDir(), err)
	}
	return store.Open(p.StorePath())
}

// OpenIndex opens every registered shard read-only, with the store's
// masked passages left out of searches.
func (p Project) OpenIndex(ctx context.Context, st *store.Store) (*index.Reader, error) {
	shards, err := st.Shards(ctx)
	if err != nil {
		return nil, err
	}
	masked, err := st.Masked(ctx)
	if err != nil {
		return nil, err
	}
	return index.Open(p.IndexDir(), shards, masked)
}
