package stages

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

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

// OpenStore opens the project's store, creating the state folder (0700):
// for the batch, which starts a project. Everything else opens with
// OpenExistingStore.
func (p Project) OpenStore() (*store.Store, error) {
	if err := os.MkdirAll(p.StateDir(), 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", p.StateDir(), err)
	}
	return store.Open(p.StorePath())
}

// ErrNoState means a project folder holds no state yet: no batch has run
// on it (or the folder is not a project at all).
var ErrNoState = errors.New("no batch has run on it yet")

// OpenExistingStore opens the store of a project a batch has run on, and
// creates nothing: a mistyped --project must not leave a new .alongside
// folder behind. A missing folder is an fs.ErrNotExist error, a folder
// without state ErrNoState; both name the folder.
func (p Project) OpenExistingStore() (*store.Store, error) {
	if _, err := os.Stat(p.Dir); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the folder is named once
		}
		return nil, fmt.Errorf("project folder %s: %w", p.Dir, err)
	}
	if _, err := os.Stat(p.StorePath()); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("project %s: %w (run \"alongside run --project %s\" first)", p.Dir, ErrNoState, p.Dir)
	} else if err != nil {
		return nil, fmt.Errorf("project %s: %w", p.Dir, err)
	}
	return store.Open(p.StorePath())
}

// OpenIndex opens every registered shard read-only, with the store's
// masked versions' passages left out of searches. A compaction may retire a shard
// between reading the list and opening it: then the list has changed, and
// it is read and opened again.
func (p Project) OpenIndex(ctx context.Context, st *store.Store) (*index.Reader, error) {
	var tried []string
	for attempt := 0; ; attempt++ {
		shards, masked, err := st.SearchView(ctx)
		if err != nil {
			return nil, err
		}
		r, err := index.Open(p.IndexDir(), shards, masked)
		if err == nil {
			return r, nil
		}
		if attempt == 5 || slices.Equal(shards, tried) {
			return nil, err
		}
		tried = shards
	}
}
