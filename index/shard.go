package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	bdoc "github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/alongside-qda/alongside/corpus"
)

// DefaultBatchSize is how many passages go into one Bleve batch, and into
// one segment file of a shard being written: batches of 1,000 indexed
// about 20% faster than batches of 100, while 10,000 used 750 MB of heap
// (measured on 2 cores, see ../shared/docs/libraries.md). Segments of
// 4,000 kept the heap at its limit (cmd/alongside's boundHeap) and the
// collector running: 10.7 million words took twice as long.
const DefaultBatchSize = 1000

// DefaultShardDocs is the most passages one shard holds; a batch with more
// writes several. Bleve's memory while indexing and merging grows with the
// index (one 2-million-passage index peaked at 763 MB), and a shard this
// size can be merged into one segment when it is finished, which phrase and
// proximity searches need most (see README, Performance).
const DefaultShardDocs = 250_000

// tmpPrefix marks a shard folder still being written: no reader opens it.
const tmpPrefix = ".tmp-"

// document is what the index stores of a passage.
type document struct {
	Text       []string `json:"text"`
	Exact      []string `json:"text_exact"`
	Pairs      []string `json:"text_pairs"`
	Transcript string   `json:"transcript"`
	Speaker    string   `json:"speaker"`
	Seq        float64  `json:"seq"`
}

// Document is what the index stores of a passage (exported for the
// benchmark's bare-Bleve yardstick, which must index the same documents).
func Document(p *corpus.Passage) any {
	return document{Text: p.Sentences, Exact: p.Sentences, Pairs: p.Sentences, Transcript: p.TranscriptID, Speaker: p.SpeakerKey, Seq: float64(p.Seq)}
}

// PlainDocument is a passage with only the stemmed and exact text fields
// (no word pairs): the benchmark's plain yardstick, what a bare Bleve loop
// with the usual two text fields would index.
func PlainDocument(p *corpus.Passage) any {
	return document{Text: p.Sentences, Exact: p.Sentences, Transcript: p.TranscriptID, Speaker: p.SpeakerKey, Seq: float64(p.Seq)}
}

// Shard names a finished shard and how many passages it holds.
type Shard struct {
	Name string
	Docs int
}

// WriterOptions tune a Writer; zero values mean the defaults.
type WriterOptions struct {
	BatchSize int // passages per segment file (DefaultBatchSize)
	ShardDocs int // passages per shard before the next one starts (DefaultShardDocs)
}

// Writer builds the shards of one batch: "<base>-001", "<base>-002", ...,
// each of ShardDocs passages or a little more (a transcript version is
// never split). Every shard is written under a temporary
// name and renamed when finished; none is visible to readers until the
// store registers them (see the package doc).
type Writer struct {
	root, base string
	opts       WriterOptions
	documents  *Documents      // makes the passages Bleve documents
	segs       *segmentBuilder // the shard being written; nil between shards
	name       string
	batch      []*bdoc.Document
	shardDocs  int // in the shard being written
	docs       int // in all shards
	finished   []Shard
}

// Create starts the shards of a batch called base under root.
func Create(root, base string, opts WriterOptions) (*Writer, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.ShardDocs <= 0 {
		opts.ShardDocs = DefaultShardDocs
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("creating shard %s: %w", base, err)
	}
	m, err := NewMapping()
	if err != nil {
		return nil, err
	}
	d, err := NewDocuments(m)
	if err != nil {
		return nil, err
	}
	return &Writer{root: root, base: base, opts: opts, documents: d}, nil
}

// ShardName is the name of a batch's n-th shard (from 1).
func ShardName(base string, n int) string { return fmt.Sprintf("%s-%03d", base, n) }

func (w *Writer) start() error {
	w.name = ShardName(w.base, len(w.finished)+1)
	segs, err := newSegmentBuilder(w.segmentsDir())
	if err != nil {
		return fmt.Errorf("creating shard %s: %w", w.name, err)
	}
	w.segs, w.batch, w.shardDocs = segs, make([]*bdoc.Document, 0, w.opts.BatchSize), 0
	return nil
}

// segmentsDir holds the segment files of the shard being written.
func (w *Writer) segmentsDir() string {
	return filepath.Join(w.root, tmpPrefix+w.name+".segments")
}

// Add indexes one passage (in the current batch). Passages of one
// transcript version go into one shard: call EndTranscript after each.
func (w *Writer) Add(p *corpus.Passage) error {
	if w.segs == nil {
		if err := w.start(); err != nil {
			return err
		}
	}
	doc, err := w.documents.Document(p)
	if err != nil {
		return err
	}
	w.batch = append(w.batch, doc)
	w.docs++
	w.shardDocs++
	if len(w.batch) >= w.opts.BatchSize {
		return w.flush()
	}
	return nil
}

func (w *Writer) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	if err := w.segs.add(w.batch); err != nil {
		return fmt.Errorf("writing shard %s: %w", w.name, err)
	}
	w.batch = make([]*bdoc.Document, 0, w.opts.BatchSize)
	return nil
}

// EndTranscript marks the end of a transcript version's passages: if the
// current shard is full, the next passage starts a new one. Keeping a
// version in one shard lets candidate matching work shard by shard.
func (w *Writer) EndTranscript() error {
	if w.segs != nil && w.shardDocs >= w.opts.ShardDocs {
		return w.finishShard()
	}
	return nil
}

// finishShard writes the last batch of the current shard, merges its
// segments into the one segment of a new shard (one segment searches
// fastest, and a shard is never written again), and gives the shard its
// final name.
func (w *Writer) finishShard() error {
	err := w.flush()
	paths, werr := w.segs.wait()
	if err == nil {
		err = werr
	}
	w.segs, w.batch = nil, nil
	if err == nil {
		const pairs = true // the Writer's mapping always indexes the common pairs
		err = writeShard(w.root, w.name, pairs, uint64(w.shardDocs), func(segment string) error {
			return mergeSegmentFiles(paths, segment)
		})
	}
	os.RemoveAll(w.segmentsDir())
	if err != nil {
		return fmt.Errorf("finishing shard %s: %w", w.name, err)
	}
	w.finished = append(w.finished, Shard{Name: w.name, Docs: w.shardDocs})
	return nil
}

// Finish finishes the last shard and returns every shard the batch wrote
// (none when no passage was added). Only then may the store register them.
// On error the shards are deleted.
func (w *Writer) Finish() ([]Shard, error) {
	if w.segs != nil {
		if err := w.finishShard(); err != nil {
			w.Abort()
			return nil, err
		}
	}
	return w.finished, nil
}

// Abort closes and deletes every shard of the batch, finished or not.
func (w *Writer) Abort() {
	if w.segs != nil {
		w.segs.wait()
		w.segs, w.batch = nil, nil
		os.RemoveAll(w.segmentsDir())
	}
	os.RemoveAll(filepath.Join(w.root, tmpPrefix+w.name))
	for _, s := range w.finished {
		os.RemoveAll(filepath.Join(w.root, s.Name))
	}
	w.finished = nil
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

// syncTree syncs every file and folder under root, root included.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
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
// registered: temporary ones, ones a killed batch or merge renamed but
// never registered, and ones a merge replaced but was killed before it
// deleted them. It returns the names it removed.
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
		if err := RetireShard(root, e.Name()); err != nil {
			return removed, fmt.Errorf("cleaning index folder: %w", err)
		}
		removed = append(removed, strings.TrimPrefix(e.Name(), tmpPrefix))
	}
	return removed, nil
}

// Reader searches the registered shards of a project together.
type Reader struct {
	alias   bleve.IndexAlias
	shards  []bleve.Index // as opened
	members []bleve.Index // in the alias: a shard holding masked passages is wrapped to leave them out
	mapping mapping.IndexMapping
	pairs   bool // every shard indexes the pairs of common words (see hasPairs)

	transcripts transcriptIDs // for transcript: filters, read on first use
}

// Open opens the named shards under root read-only. masked lists passage IDs
// that every search must leave out (see the package doc), or whole
// versions, as the prefix their passages' IDs share (corpus.PassageIDPrefix,
// ending in '#'): each shard lists those passages of its own.
//
// Shards are opened concurrently, and each is given only the masked
// passages it holds: a shard holding none is searched as it is. Looking
// every masked ID up in every shard, and filtering every shard's hits by
// them, was the largest cost a year of edits added to a search.
func Open(root string, names []string, masked []string) (*Reader, error) {
	m, err := NewMapping()
	if err != nil {
		return nil, err
	}
	r := &Reader{alias: bleve.NewIndexAlias(), mapping: m}
	r.shards = make([]bleve.Index, len(names))
	r.members = make([]bleve.Index, len(names))
	versions := maskedVersions(masked)
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx, err := bleve.OpenUsing(filepath.Join(root, n), map[string]interface{}{
				"read_only":    true,
				"bolt_timeout": "10s", // never wait forever on a writer's lock
			})
			if err != nil {
				errs[i] = fmt.Errorf("opening index shard %s: %w", n, err)
				return
			}
			r.shards[i], r.members[i] = idx, idx
			held, err := heldBy(idx, versions)
			if err != nil {
				errs[i] = fmt.Errorf("opening index shard %s: %w", n, err)
				return
			}
			if len(held) > 0 {
				r.members[i] = &maskedShard{shardIndex: idx, masked: held}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		r.Close()
		return nil, err
	}
	for _, s := range r.members {
		r.alias.Add(s)
	}
	r.pairs = len(r.shards) > 0
	for _, s := range r.shards {
		r.pairs = r.pairs && hasPairs(s)
	}
	return r, nil
}

// maskedVersions groups masked passages by transcript version: by the ID
// up to and with its last '#' (see corpus.PassageID); an entry ending in
// '#' is a whole version, all its passages masked; an ID of another form
// is a group of its own.
func maskedVersions(masked []string) map[string][]string {
	out := map[string][]string{}
	for _, id := range masked {
		v := id
		if i := strings.LastIndexByte(id, '#'); i >= 0 {
			v = id[:i+1]
		}
		if strings.HasSuffix(id, "#") {
			out[v] = nil // every passage of the version, as the shard lists them
			continue
		}
		if ids, ok := out[v]; !ok || ids != nil {
			out[v] = append(ids, id)
		}
	}
	return out
}

// heldBy returns the masked passages of the transcript versions a shard
// holds any passage of: one look-up of the version's ID prefix in the
// shard's IDs, not one for every masked passage; for a whole version, the
// IDs the shard lists under the prefix. (A batch never splits a version
// between shards and a merge takes whole shards, so each masked passage is
// in the list of one shard only.)
func heldBy(idx bleve.Index, versions map[string][]string) ([]string, error) {
	if len(versions) == 0 {
		return nil, nil
	}
	adv, err := idx.Advanced()
	if err != nil {
		return nil, err
	}
	ir, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer ir.Close()
	var held []string
	for v, ids := range versions {
		// A prefix that finds IDs other than the masked ones only adds
		// IDs the filter does not find.
		d, err := ir.FieldDictPrefix("_id", []byte(v))
		if err != nil {
			return nil, err
		}
		for {
			entry, err := d.Next()
			if err != nil {
				d.Close()
				return nil, err
			}
			if entry == nil {
				break
			}
			if ids != nil {
				held = append(held, ids...)
				break
			}
			held = append(held, entry.Term)
		}
		if err := d.Close(); err != nil {
			return nil, err
		}
	}
	slices.Sort(held)
	return held, nil
}

// maskedShard is a shard whose searches leave out the masked passages it
// holds.
type maskedShard struct {
	shardIndex
	masked []string
}

// shardIndex names the embedded index (bleve.Index has a method Index).
type shardIndex = bleve.Index

func (s *maskedShard) Search(req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	return s.SearchInContext(context.Background(), req)
}

func (s *maskedShard) SearchInContext(ctx context.Context, req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	b := bleve.NewBooleanQuery()
	b.AddMust(req.Query)
	b.AddMustNot(bleve.NewDocIDQuery(s.masked))
	masked := *req
	masked.Query = b
	return s.shardIndex.SearchInContext(ctx, &masked)
}

// Close closes every shard.
func (r *Reader) Close() error {
	var first error
	for _, s := range r.shards {
		if s == nil {
			continue
		}
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

// PerShard returns a Reader for each shard, with this Reader's masks: a
// query compiled by this Reader runs on each in turn. Candidate matching
// works through a large index this way, so that what it holds at once is
// bounded by a shard. Closing this Reader closes them.
func (r *Reader) PerShard() []*Reader {
	out := make([]*Reader, 0, len(r.members))
	for _, s := range r.members {
		alias := bleve.NewIndexAlias()
		alias.Add(s)
		out = append(out, &Reader{alias: alias, mapping: r.mapping, pairs: r.pairs})
	}
	return out
}

// hasPairs reports whether a shard indexes (at least) the pairs of common
// words that phrase queries use: shards written with this list do, and so
// do those written when every pair was indexed; those written before pairs
// were indexed, or with another list, do not.
func hasPairs(idx bleve.Index) bool {
	m, ok := idx.Mapping().(*mapping.IndexMappingImpl)
	if !ok || m.DefaultMapping == nil {
		return false
	}
	doc, ok := m.DefaultMapping.Properties[FieldPairs]
	if !ok || len(doc.Fields) != 1 {
		return false
	}
	a := doc.Fields[0].Analyzer
	return a == analyzerPairs || a == allPairsAnalyzer
}
