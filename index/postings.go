package index

import (
	"encoding/binary"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// postings reads one term's postings in a field straight from the
// segments of a scorch snapshot, as scorch's term field reader does: the
// same documents in the same order, with the same internal IDs (the
// segment's document number plus the documents of the segments before
// it), frequencies, norms and locations. What it leaves out is copying
// each document's locations into term vectors, which the positions
// searcher reads only to look at their sentence and position: that copy
// was a sixth of the CPU time of a proximity search of two common words.
type postings struct {
	segs  []segmentPostings
	k     int // the segment being walked
	count uint64

	// Where it stands: valid after next or advance returned true.
	id      bindex.IndexInternalID
	posting segment.Posting
}

type segmentPostings struct {
	itr    segment.PostingsIterator
	offset uint64 // the internal ID of the segment's first document
}

// openPostings opens term's postings in field on snap, with frequencies
// and norms when freqNorm and locations when locations.
func openPostings(snap *scorch.IndexSnapshot, term []byte, field string, freqNorm, locations bool) (*postings, error) {
	p := &postings{}
	var offset uint64
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		dict, err := seg.Dictionary(field)
		if err != nil {
			return nil, err
		}
		pl, err := dict.PostingsList(term, ss.Deleted(), nil)
		if err != nil {
			return nil, err
		}
		p.count += pl.Count()
		p.segs = append(p.segs, segmentPostings{itr: pl.Iterator(freqNorm, freqNorm, locations, nil), offset: offset})
		offset += seg.Count()
	}
	return p, nil
}

// snapshotOf is the scorch snapshot a searcher is given.
func snapshotOf(r bindex.IndexReader) (*scorch.IndexSnapshot, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("positions query: the index is not a scorch index (%T)", r)
	}
	return snap, nil
}

// next moves to the next document; false when there is none.
func (p *postings) next() (bool, error) {
	return p.walk(func(s *segmentPostings) (segment.Posting, error) { return s.itr.Next() })
}

// advance moves to the first document from id on; false when there is
// none. id must be past the document it stands on (segment iterators
// never move back).
func (p *postings) advance(id bindex.IndexInternalID) (bool, error) {
	n := binary.BigEndian.Uint64(id)
	for p.k+1 < len(p.segs) && n >= p.segs[p.k+1].offset {
		p.k++ // the document is in a later segment
	}
	return p.walk(func(s *segmentPostings) (segment.Posting, error) {
		return s.itr.Advance(n - min(n, s.offset)) // from a later segment's start: 0
	})
}

// walk takes a step in the segment it is in, and on to the next segments
// while a step finds nothing, and stands on the document it finds.
func (p *postings) walk(step func(*segmentPostings) (segment.Posting, error)) (bool, error) {
	for p.k < len(p.segs) {
		s := &p.segs[p.k]
		ps, err := step(s)
		if err != nil {
			return false, err
		}
		if ps != nil {
			p.posting = ps
			p.id = binary.BigEndian.AppendUint64(p.id[:0], ps.Number()+s.offset)
			return true, nil
		}
		p.k++
	}
	return false, nil
}

func (p *postings) Size() int {
	n := 0
	for _, s := range p.segs {
		n += s.itr.Size()
	}
	return n
}

// intersect makes the postings walk only the documents that all of them
// hold, segment by segment, as scorch's conjunction optimisation does: the
// iterators share the intersection of their document bitmaps, and still
// read their own frequencies, norms and locations.
func intersect(ps []*postings) {
	if len(ps) < 2 {
		return
	}
	for i := range ps[0].segs {
		var bm *roaring.Bitmap
		var its []segment.OptimizablePostingsIterator
		for _, p := range ps {
			it, ok := p.segs[i].itr.(segment.OptimizablePostingsIterator)
			if !ok || it.ActualBitmap() == nil {
				continue // one document, or none: nothing to share
			}
			if bm == nil {
				bm = it.ActualBitmap().Clone()
			} else {
				bm.And(it.ActualBitmap())
			}
			its = append(its, it)
		}
		if len(its) < 2 {
			continue
		}
		for _, it := range its {
			it.ReplaceActual(bm)
		}
	}
}
