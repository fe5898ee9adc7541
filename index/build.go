package index

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	bdoc "github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"
)

// A shard is built the way Bleve's offline builder builds an index, not
// through a live Bleve index: each batch of passages is analysed and made
// into a segment file on its own, on every core at once, and when the shard
// is finished its segment files are merged into the one segment a shard
// holds (see Merge for the shell that takes it). A live index did more
// work for the same shard: its background merger merged segments into
// larger ones over and over while passages came in, and the force merge at
// the end merged them again, ten at a time; and it built each batch's
// segment on one core.

func init() {
	// Zap writes a merged segment through a 1 MB buffer, and Linux then
	// keeps the file in the page cache in pieces that large: opening a
	// shard maps whole megabytes where it reads a few pages, and a search
	// of 30 million words peaked at 75-97 MB of resident memory instead of
	// 50-65, matching at 462-494 MB instead of 372-435. Written 32 KB at a
	// time (as Bleve's copy of an index writes), the file maps as it did.
	zap.DefaultFileMergerBufferSize = 32 << 10
}

// segmentBuilder makes a shard's batches into segment files in dir.
type segmentBuilder struct {
	dir   string
	slots chan struct{} // one per batch being built: bounds the memory
	wg    sync.WaitGroup

	mu     sync.Mutex
	paths  []string // the segment files, in batch order ("" while building)
	groups []string // the merged file of each full group, in order ("" until merged)
	err    error    // the first error of a build
}

// groupSize is how many batches' segments are merged into one as soon as
// they are all written, while later batches are built: the shard's final
// merge then reads a few dozen segments, not hundreds. Merging 251 small
// segments at once took twice as long as 63 larger ones, and its memory
// grew with the count.
const groupSize = 16

func newSegmentBuilder(dir string) (*segmentBuilder, error) {
	if err := os.RemoveAll(dir); err != nil { // left by a killed run
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &segmentBuilder{dir: dir, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}, nil
}

// add starts building a batch's segment, waiting while every core builds
// one. Batches keep their order in the shard.
func (b *segmentBuilder) add(docs []*bdoc.Document) error {
	b.slots <- struct{}{}
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		<-b.slots
		return b.err
	}
	n := len(b.paths)
	b.paths = append(b.paths, "")
	b.mu.Unlock()
	b.wg.Add(1)
	go func() {
		defer func() { <-b.slots; b.wg.Done() }()
		path := filepath.Join(b.dir, fmt.Sprintf("%06d.zap", n))
		err := buildSegment(docs, path)
		b.mu.Lock()
		if err != nil && b.err == nil {
			b.err = err
		}
		b.paths[n] = path
		g := n / groupSize
		group := b.fullGroup(g)
		b.mu.Unlock()
		if group == nil || err != nil {
			return
		}
		merged := filepath.Join(b.dir, fmt.Sprintf("group-%06d.zap", g))
		err = mergeSegmentFiles(group, merged)
		for _, p := range group {
			os.Remove(p)
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if err != nil && b.err == nil {
			b.err = err
		}
		for len(b.groups) <= g {
			b.groups = append(b.groups, "")
		}
		b.groups[g] = merged
	}()
	return nil
}

// fullGroup returns group g's segment files if every one is written.
func (b *segmentBuilder) fullGroup(g int) []string {
	if len(b.paths) < (g+1)*groupSize {
		return nil
	}
	group := b.paths[g*groupSize : (g+1)*groupSize]
	for _, p := range group {
		if p == "" {
			return nil
		}
	}
	return slices.Clone(group)
}

// wait waits for every build and returns the segment files, in order.
func (b *segmentBuilder) wait() ([]string, error) {
	b.wg.Wait()
	var out []string
	for g := 0; g*groupSize < len(b.paths); g++ {
		if g < len(b.groups) && b.groups[g] != "" {
			out = append(out, b.groups[g])
			continue
		}
		out = append(out, b.paths[g*groupSize:min(len(b.paths), (g+1)*groupSize)]...)
	}
	return out, b.err
}

// buildSegment analyses docs and writes them as one segment file, as
// Bleve's builder does.
func buildSegment(docs []*bdoc.Document, path string) error {
	results := make([]bindex.Document, len(docs))
	for i, d := range docs {
		d.AddIDField()
		analyzeDocument(d)
		results[i] = d
	}
	seg, _, err := (&zap.ZapPlugin{}).New(results)
	if err != nil {
		return fmt.Errorf("building a segment: %w", err)
	}
	defer seg.Close()
	unpersisted, ok := seg.(segment.UnpersistedSegment)
	if !ok {
		return fmt.Errorf("building a segment: %T cannot be written", seg)
	}
	if err := unpersisted.Persist(path); err != nil {
		return fmt.Errorf("writing a segment: %w", err)
	}
	return nil
}

// analyzeDocument analyses a document's indexed fields and composes its
// composite fields, as Bleve's indexer does: a copy of scorch's analyze,
// which is not exported, less its case for geo shapes (no field here is
// one).
func analyzeDocument(d *bdoc.Document) {
	d.VisitFields(func(f bindex.Field) {
		if !f.Options().IsIndexed() {
			return
		}
		f.Analyze()
		if d.HasComposite() && f.Name() != "_id" {
			d.VisitComposite(func(cf bindex.CompositeField) {
				cf.Compose(f.Name(), f.AnalyzedLength(), f.AnalyzedTokenFrequencies())
			})
		}
	})
}

// mergeSegmentFiles merges segment files, in order, into one at path.
// One file is renamed.
func mergeSegmentFiles(paths []string, path string) error {
	if len(paths) == 1 {
		return os.Rename(paths[0], path)
	}
	plugin := &zap.ZapPlugin{}
	segs := make([]segment.Segment, 0, len(paths))
	defer func() {
		for _, s := range segs {
			s.Close()
		}
	}()
	for _, p := range paths {
		s, err := plugin.Open(p)
		if err != nil {
			return fmt.Errorf("opening segment %s: %w", filepath.Base(p), err)
		}
		segs = append(segs, s)
	}
	drops := make([]*roaring.Bitmap, len(segs))
	if _, _, err := plugin.Merge(segs, drops, path, nil, nil); err != nil {
		return fmt.Errorf("merging segments: %w", err)
	}
	return nil
}
