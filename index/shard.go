package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/alongside-qda/alongside/corpus"
)

// DefaultBatchSize is how many passages go into one Bleve batch: batches of
// 1,000 indexed about 20% faster than batches of 100, while 10,000 used
// 750 MB of heap (measured on 2 cores, see ../shared/docs/libraries.md).
const DefaultBatchSize = 1000

// forceMergeMaxDocs is the largest shard Finish merges into one segment.
const forceMergeMaxDocs = 200_000

// tmpPrefix marks a shard folder still being written: no reader opens it.
const tmpPrefix = ".tmp-"

// document is what the index stores of a passage.
type document struct {
	Text       []string `json:"text"`
	Exact      []string `json:"text_exact"`
	Transcript string   `json:"transcript"`
	Speaker    string   `json:"speaker"`
	Seq        float64  `json:"seq"`
}

// Document is what the index stores of a passage (exported for the
// benchmark's bare-Bleve yardstick, which must index the same documents).
func Document(p *corpus.Passage) any {
	return document{Text: p.Sentences, Exact: p.Sentences, Transcript: p.TranscriptID, Speaker: p.SpeakerKey, Seq: float64(p.Seq)}
}

// Writer builds one new shard.
type Writer struct {
	root, name string
	idx        bleve.Index
	batch      *bleve.Batch
	batchSize  int
	docs       int
}

// Create starts a new shard called name under root. It is written under a
// temporary name, which Finish renames.
func Create(root, name string, batchSize int) (*Writer, error) {
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("creating shard %s: %w", name, err)
	}
	tmp := filepath.Join(root, tmpPrefix+name)
	if err := os.RemoveAll(tmp); err != nil { // left by a killed run
		return nil, fmt.Errorf("creating shard %s: %w", name, err)
	}
	m, err := NewMapping()
	if err != nil {
		return nil, err
	}
	idx, err := bleve.New(tmp, m)
	if err != nil {
		return nil, fmt.Errorf("creating shard %s: %w", name, err)
	}
	return &Writer{root: root, name: name, idx: idx, batch: idx.NewBatch(), batchSize: batchSize}, nil
}

// Add indexes one passage (in the current batch).
func (w *Writer) Add(p *corpus.Passage) error {
	if err := w.batch.Index(p.ID, Document(p)); err != nil {
		return fmt.Errorf("indexing passage %s: %w", p.ID, err)
	}
	w.docs++
	if w.batch.Size() >= w.batchSize {
		return w.flush()
	}
	return nil
}

func (w *Writer) flush() error {
	if w.batch.Size() == 0 {
		return nil
	}
	if err := w.idx.Batch(w.batch); err != nil {
		return fmt.Errorf("writing shard %s: %w", w.name, err)
	}
	w.batch.Reset()
	return nil
}

// Docs is the number of passages added.
func (w *Writer) Docs() int { return w.docs }

// Finish writes the last batch, closes the shard and gives it its final
// name. Only then may the store register it.
func (w *Writer) Finish() error {
	if err := w.flush(); err != nil {
		w.Abort()
		return err
	}
	// One segment searches faster than the dozens the background merger
	// leaves (measured: phrase and proximity medians 15-25% lower on 5M
	// words), and a shard is never written again: merge it now, once. Not
	// a large one: merging millions of passages into one segment costs
	// hundreds of megabytes (the night's shards are small).
	if adv, err := w.idx.Advanced(); err == nil && w.docs <= forceMergeMaxDocs {
		if sc, ok := adv.(*scorch.Scorch); ok {
			if err := sc.ForceMerge(context.Background(), nil); err != nil {
				w.Abort()
				return fmt.Errorf("merging shard %s: %w", w.name, err)
			}
		}
	}
	if err := w.idx.Close(); err != nil {
		w.Abort()
		return fmt.Errorf("closing shard %s: %w", w.name, err)
	}
	w.idx = nil
	tmp := filepath.Join(w.root, tmpPrefix+w.name)
	if err := private(tmp); err != nil {
		return fmt.Errorf("finishing shard %s: %w", w.name, err)
	}
	final := filepath.Join(w.root, w.name)
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("finishing shard %s: %w", w.name, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("finishing shard %s: %w", w.name, err)
	}
	return syncDir(w.root)
}

// Abort closes and deletes an unfinished shard.
func (w *Writer) Abort() {
	if w.idx != nil {
		w.idx.Close()
		w.idx = nil
	}
	os.RemoveAll(filepath.Join(w.root, tmpPrefix+w.name))
}

// private makes a shard readable by its owner only, whatever the umask:
// Bleve creates some files 0666 (index_meta.json), and passages quote
// health data.
func private(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o600)
		if d.IsDir() {
			mode = 0o700
		}
		return os.Chmod(path, mode)
	})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// RemoveUnregistered deletes shard folders under root that are not in
// registered: temporary ones and ones a killed batch renamed but never
// registered. It returns the names it removed.
func RemoveUnregistered(root string, registered []string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cleaning index folder: %w", err)
	}
	keep := map[string]bool{}
	for _, n := range registered {
		keep[n] = true
	}
	var removed []string
	for _, e := range entries {
		if !e.IsDir() || keep[e.Name()] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			return removed, fmt.Errorf("cleaning index folder: %w", err)
		}
		removed = append(removed, strings.TrimPrefix(e.Name(), tmpPrefix))
	}
	return removed, nil
}

// Reader searches the registered shards of a project together.
type Reader struct {
	alias   bleve.IndexAlias
	shards  []bleve.Index
	mapping mapping.IndexMapping
	masked  []string
}

// Open opens the named shards under root read-only. masked lists passage IDs
// that every search must leave out (see the package doc).
func Open(root string, names []string, masked []string) (*Reader, error) {
	m, err := NewMapping()
	if err != nil {
		return nil, err
	}
	r := &Reader{alias: bleve.NewIndexAlias(), mapping: m, masked: masked}
	for _, n := range names {
		idx, err := bleve.OpenUsing(filepath.Join(root, n), map[string]interface{}{
			"read_only":    true,
			"bolt_timeout": "10s", // never wait forever on a writer's lock
		})
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("opening index shard %s: %w", n, err)
		}
		r.shards = append(r.shards, idx)
		r.alias.Add(idx)
	}
	return r, nil
}

// Close closes every shard.
func (r *Reader) Close() error {
	var first error
	for _, s := range r.shards {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	r.shards = nil
	return first
}

// DocCount is the number of passages in the shards, masked ones included.
func (r *Reader) DocCount() (uint64, error) {
	var n uint64
	for _, s := range r.shards {
		c, err := s.DocCount()
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}
