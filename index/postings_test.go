package index

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
)

// The postings read straight from the segments are scorch's own: the same
// documents, IDs, frequencies, norms and locations, walked and advanced,
// on a snapshot of several segments with deleted documents (a passage
// indexed again in a later batch). Finished shards are one segment; a
// shard of an older layout, or one being written, is not.
func TestPostingsAsScorchReadsThem(t *testing.T) {
	_, passages := annomiSample(t)
	passages = passages[:min(len(passages), 1200)]
	m, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := NewDocuments(m)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := bleve.New(filepath.Join(t.TempDir(), "multi"), m)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	adv, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	sc := adv.(*scorch.Scorch)
	const batches = 4
	for b := range batches {
		batch := idx.NewBatch()
		for i := b; i < len(passages); i += batches {
			d, err := docs.Document(&passages[i])
			if err != nil {
				t.Fatal(err)
			}
			if err := batch.IndexAdvanced(d); err != nil {
				t.Fatal(err)
			}
		}
		if b == batches-1 { // index again passages of the first batch: deleted there
			for i := 0; i < len(passages); i += batches * 5 {
				d, err := docs.Document(&passages[i])
				if err != nil {
					t.Fatal(err)
				}
				if err := batch.IndexAdvanced(d); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := idx.Batch(batch); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); statCount(sc.StatsMap()["num_root_memorysegments"]) > 0; {
			if time.Now().After(deadline) {
				t.Fatal("the batch was not persisted in 30 s")
			}
			time.Sleep(5 * time.Millisecond) // each batch its own file segment
		}
	}
	ir, err := sc.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Close()
	snap := ir.(*scorch.IndexSnapshot)
	deleted := 0
	for _, ss := range snap.Segments() {
		if d := ss.Deleted(); d != nil {
			deleted += int(d.GetCardinality())
		}
	}
	if len(snap.Segments()) < 2 || deleted == 0 {
		t.Fatalf("%d segments, %d deleted documents: the layout this test is for is not there", len(snap.Segments()), deleted)
	}

	ctx := context.Background()
	fromScorch := func(d *bindex.TermFieldDoc) posting {
		p := posting{id: string(d.ID), freq: d.Freq, norm: d.Norm}
		for _, v := range d.Vectors {
			p.locs = append(p.locs, bindex.TermFieldVector{Field: v.Field, Pos: v.Pos, Start: v.Start, End: v.End, ArrayPositions: slices.Clone(v.ArrayPositions)})
		}
		return p
	}
	fromSegments := func(p *postings) posting {
		out := posting{id: string(p.id), freq: p.posting.Frequency(), norm: p.posting.Norm()}
		for _, l := range p.posting.Locations() {
			out.locs = append(out.locs, bindex.TermFieldVector{Field: l.Field(), Pos: l.Pos(), Start: l.Start(), End: l.End(), ArrayPositions: slices.Clone(l.ArrayPositions())})
		}
		return out
	}
	for _, c := range []struct{ field, term string }{
		{FieldText, "know"}, {FieldText, "you"}, {FieldText, "drink"}, {FieldExact, "you"},
		{FieldExact, "smoking"}, {FieldPairs, "you know"}, {FieldText, "nowhere-in-the-sample"},
	} {
		tfr, err := snap.TermFieldReader(ctx, []byte(c.term), c.field, true, true, true)
		if err != nil {
			t.Fatal(err)
		}
		var want []posting
		for {
			d, err := tfr.Next(nil)
			if err != nil {
				t.Fatal(err)
			}
			if d == nil {
				break
			}
			want = append(want, fromScorch(d))
		}
		count := tfr.Count()
		tfr.Close()

		p, err := openPostings(snap, []byte(c.term), c.field, true, true)
		if err != nil {
			t.Fatal(err)
		}
		var got []posting
		for {
			ok, err := p.next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got = append(got, fromSegments(p))
		}
		if p.count != count {
			t.Errorf("%s:%s: count %d, scorch's %d", c.field, c.term, p.count, count)
		}
		if !slices.EqualFunc(got, want, postingsEqual) {
			t.Errorf("%s:%s: %d postings differ from scorch's %d", c.field, c.term, len(got), len(want))
		}
		if c.term == "know" && len(want) < 50 {
			t.Fatalf("%s:%s has %d postings: too few to test", c.field, c.term, len(want))
		}

		// Advance: from the start to every fifth of scorch's documents
		// (and one past each), across the segments.
		p, err = openPostings(snap, []byte(c.term), c.field, true, true)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < len(want); k += 5 {
			target := bindex.IndexInternalID(want[k].id)
			ok, err := p.advance(target)
			if err != nil || !ok || !postingsEqual(fromSegments(p), want[k]) {
				t.Fatalf("%s:%s: advance to scorch's posting %d: %v %v", c.field, c.term, k, ok, err)
			}
			past := binary.BigEndian.AppendUint64(nil, binary.BigEndian.Uint64(target)+1) // held or not
			ok, err = p.advance(past)
			if err != nil {
				t.Fatal(err)
			}
			next := k + 1 // the first of scorch's from past on
			if next < len(want) != ok || ok && !postingsEqual(fromSegments(p), want[next]) {
				t.Fatalf("%s:%s: advance past posting %d: %v", c.field, c.term, k, ok)
			}
		}
	}

	// Intersected, two words' postings walk the documents both hold.
	a, _ := openPostings(snap, []byte("know"), FieldText, true, true)
	b, _ := openPostings(snap, []byte("you"), FieldText, true, true)
	both := func(term string) map[string]bool {
		p, _ := openPostings(snap, []byte(term), FieldText, false, false)
		ids := map[string]bool{}
		for ok, _ := p.next(); ok; ok, _ = p.next() {
			ids[string(p.id)] = true
		}
		return ids
	}
	know, you := both("know"), both("you")
	intersect([]*postings{a, b})
	n := 0
	for ok, _ := a.next(); ok; ok, _ = a.next() {
		if !know[string(a.id)] || !you[string(a.id)] {
			t.Fatalf("intersected, know walks to %x, which does not hold both", a.id)
		}
		if ok, err := b.advance(a.id); err != nil || !ok || string(b.id) != string(a.id) {
			t.Fatalf("intersected, you does not stand on %x (%v)", a.id, err)
		}
		n++
	}
	wantN := 0
	for id := range know {
		if you[id] {
			wantN++
		}
	}
	if n != wantN || n == 0 {
		t.Errorf("intersected: %d documents walked, %d hold both", n, wantN)
	}
}

// posting is one document of a term's postings, as a test compares them.
type posting struct {
	id   string
	freq uint64
	norm float64
	locs []bindex.TermFieldVector
}

func postingsEqual(a, b posting) bool {
	return a.id == b.id && a.freq == b.freq && a.norm == b.norm && slices.EqualFunc(a.locs, b.locs, func(x, y bindex.TermFieldVector) bool {
		return x.Field == y.Field && x.Pos == y.Pos && x.Start == y.Start && x.End == y.End && slices.Equal(x.ArrayPositions, y.ArrayPositions)
	})
}
