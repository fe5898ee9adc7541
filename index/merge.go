package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"
)

// Merging shards works on Bleve's segment files, not on the passages: the
// index does not store the text, and re-analysing it would cost as much as
// the batch that first indexed it. Scorch's own segment merger (zap's
// Merge) copies the postings, term vectors and doc values of several
// segments into one new segment, leaving out the documents a bitmap drops.
// Bleve has no call that takes a segment into a new index, so the new
// shard is made by bleve.NewBuilder (which writes the index metadata, the
// mapping and a root that names one segment file) around a placeholder
// document, whose segment file is then replaced by the merged one. The
// builder is forced to the zap version the merge writes, and the new shard
// is opened and counted before it is given its final name, so a Bleve
// upgrade that changed these internals fails loudly instead of writing a
// wrong shard.

// zapType and zapVersion are the segment format merges read and write:
// Bleve v2.6's default, which every shard this version writes uses.
const (
	zapType    = "zap"
	zapVersion = 17
)

// builderSegment is the segment file bleve.NewBuilder writes (it names it
// after the epoch of a one-batch index).
const builderSegment = "000000000002.zap"

// MergeResult is what a merge wrote.
type MergeResult struct {
	Shard   Shard    // the new shard; Docs 0 and no folder when nothing was left
	Dropped []string // the passage IDs left out, sorted
}

// ErrMergeCancelled is returned when a merge's context ends before it is done;
// nothing is left behind.
var ErrMergeCancelled = errors.New("merge cancelled")

// Merge writes the shards from (under root) into one new shard called name,
// leaving out the passages whose IDs are in drop. Like a batch's shards,
// the new one is written under a temporary name and renamed when complete;
// the shards it merged are not touched, and nothing is visible to readers
// until the store registers it in place of them (see the package doc).
func Merge(ctx context.Context, root, name string, from []string, drop []string) (res MergeResult, err error) {
	if len(from) == 0 {
		return res, fmt.Errorf("merging into shard %s: no shards to merge", name)
	}
	var (
		segs  []segment.Segment
		drops []*roaring.Bitmap
		live  uint64
		pairs = true // every shard holds the common pairs: so will the merged one
	)
	for _, n := range from {
		idx, err := bleve.OpenUsing(filepath.Join(root, n), map[string]interface{}{
			"read_only":    true,
			"bolt_timeout": "10s",
		})
		if err != nil {
			return res, fmt.Errorf("merging shard %s: %w", n, err)
		}
		defer idx.Close()
		pairs = pairs && hasPairs(idx)
		s, d, dropped, err := segments(idx, drop)
		if err != nil {
			return res, fmt.Errorf("merging shard %s: %w", n, err)
		}
		for i := range s {
			live += s[i].Count() - d[i].GetCardinality()
		}
		segs, drops = append(segs, s...), append(drops, d...)
		res.Dropped = append(res.Dropped, dropped...)
	}
	slices.Sort(res.Dropped)
	if live == 0 {
		return res, nil // every passage dropped: the shards just go
	}
	stop := make(chan struct{})
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			close(stop)
		case <-finished:
		}
	}()
	err = writeShard(root, name, pairs, live, func(seg string) error {
		if _, _, err := (&zap.ZapPlugin{}).Merge(segs, drops, seg, stop, nil); err != nil {
			if ctx.Err() != nil {
				return ErrMergeCancelled
			}
			return err
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("merging into shard %s: %w", name, err)
	}
	res.Shard = Shard{Name: name, Docs: int(live)}
	return res, nil
}

// writeShard writes a new shard called name under root, holding docs
// passages in the one segment file that write writes at the path it is
// given: in the shell of a new index (newShell), under a temporary name,
// opened and counted, synced, and then renamed. Batches and merges write
// their shards with it. On error nothing is left behind.
func writeShard(root, name string, pairs bool, docs uint64, write func(segment string) error) (err error) {
	tmp := filepath.Join(root, tmpPrefix+name)
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := newShell(tmp, pairs); err != nil {
		return err
	}
	seg := filepath.Join(tmp, "store", builderSegment)
	if err := os.Remove(seg); err != nil {
		return err
	}
	if err := write(seg); err != nil {
		return err
	}
	if err := private(tmp); err != nil {
		return err
	}
	if err := checkDocs(tmp, docs); err != nil {
		return err
	}
	if err := syncTree(tmp); err != nil { // on disk before the rename makes it a shard
		return err
	}
	final := filepath.Join(root, name)
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return syncDir(root)
}

// segments returns a shard's segments, each with the documents to leave
// out (those already deleted, and those in drop), and the IDs of the
// dropped ones it holds.
func segments(idx bleve.Index, drop []string) ([]segment.Segment, []*roaring.Bitmap, []string, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, nil, nil, err
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil, nil, nil, fmt.Errorf("not a scorch index (%T)", adv)
	}
	r, err := sc.Reader()
	if err != nil {
		return nil, nil, nil, err
	}
	defer r.Close() // the segments stay open with the index
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, nil, nil, fmt.Errorf("unexpected snapshot %T", r)
	}
	var (
		segs    []segment.Segment
		drops   []*roaring.Bitmap
		dropped []string
	)
	for _, ss := range snap.Segments() {
		s := ss.Segment()
		if _, ok := s.(*zap.Segment); !ok {
			return nil, nil, nil, fmt.Errorf("segment format %T: merging needs %s v%d (a shard written by another Bleve version)", s, zapType, zapVersion)
		}
		d := roaring.New()
		if del := ss.Deleted(); del != nil {
			d.Or(del)
		}
		if len(drop) > 0 {
			found, err := ss.DocNumbers(drop)
			if err != nil {
				return nil, nil, nil, err
			}
			it := found.Iterator()
			for it.HasNext() {
				id, err := ss.DocID(uint64(it.Next()))
				if err != nil {
					return nil, nil, nil, err
				}
				dropped = append(dropped, string(id))
			}
			d.Or(found)
		}
		segs, drops = append(segs, s), append(drops, d)
	}
	return segs, drops, dropped, nil
}

// newShell writes an index at dir that holds one placeholder document in
// one segment file, whose place the merged segment takes. Without pairs,
// its mapping has no word-pairs field, so that readers do not use the
// pairs some of its passages lack.
func newShell(dir string, pairs bool) error {
	if err := os.RemoveAll(dir); err != nil { // left by a killed run
		return err
	}
	m, err := NewMapping()
	if err != nil {
		return err
	}
	if !pairs {
		delete(m.(*mapping.IndexMappingImpl).DefaultMapping.Properties, FieldPairs)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := bleve.NewBuilder(dir, m, map[string]interface{}{
		"buildPathPrefix":     dir,
		"forceSegmentType":    zapType,
		"forceSegmentVersion": zapVersion,
	})
	if err != nil {
		return err
	}
	if err := b.Index("placeholder", struct{}{}); err != nil {
		b.Close()
		return err
	}
	return b.Close()
}

// checkDocs opens a written shard and checks that it holds docs passages.
func checkDocs(dir string, docs uint64) error {
	idx, err := bleve.OpenUsing(dir, map[string]interface{}{"read_only": true})
	if err != nil {
		return err
	}
	defer idx.Close()
	n, err := idx.DocCount()
	if err != nil {
		return err
	}
	if n != docs {
		return fmt.Errorf("the merged shard holds %d passages, not %d", n, docs)
	}
	return nil
}

// RetireShard takes a shard the store no longer registers out of the
// index folder: renamed first (atomically) to a temporary name, so a
// reader that read the old shard list fails to open it, and opens the new
// list, rather than opening a half-deleted folder. Readers that have it
// open keep searching it: its files stay readable until they close it.
func RetireShard(root, name string) error {
	dir := filepath.Join(root, name)
	if strings.HasPrefix(name, tmpPrefix) { // no reader opens these
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("removing shard %s: %w", name, err)
		}
		return nil
	}
	gone := filepath.Join(root, tmpPrefix+"retired-"+name)
	if err := os.Rename(dir, gone); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("removing shard %s: %w", name, err)
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("removing shard %s: %w", name, err)
	}
	return nil
}

// Stats returns, for each named shard under root, the passages it holds
// and how many of them are in masked: what the merge policy works from.
func Stats(root string, names, masked []string) ([]ShardStats, error) {
	out := make([]ShardStats, 0, len(names))
	for _, n := range names {
		st, err := shardStats(filepath.Join(root, n), masked)
		if err != nil {
			return nil, fmt.Errorf("reading shard %s: %w", n, err)
		}
		st.Name = n
		out = append(out, st)
	}
	return out, nil
}

func shardStats(dir string, masked []string) (ShardStats, error) {
	var st ShardStats
	idx, err := bleve.OpenUsing(dir, map[string]interface{}{"read_only": true, "bolt_timeout": "10s"})
	if err != nil {
		return st, err
	}
	defer idx.Close()
	n, err := idx.DocCount()
	if err != nil {
		return st, err
	}
	st.Docs = int(n)
	if len(masked) == 0 {
		return st, nil
	}
	_, _, dropped, err := segments(idx, masked)
	if err != nil {
		return st, err
	}
	st.Masked = len(dropped)
	return st, nil
}
