package index

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/alongside-qda/alongside/corpus"
)

// A finished shard is one segment in one file, however many small batches
// wrote it, and a batch larger than ShardDocs rolls over to new shards at
// transcript boundaries only.
func TestFinishedShardsAreOneSegment(t *testing.T) {
	ts, passages := annomiSample(t)
	root := t.TempDir()
	const shardDocs = 2000
	w, err := Create(root, "b1", WriterOptions{BatchSize: 50, ShardDocs: shardDocs})
	if err != nil {
		t.Fatal(err)
	}
	ends := map[string]int{} // transcript -> index of its last passage
	for i := range passages {
		ends[passages[i].TranscriptID] = i
	}
	for i := range passages {
		if err := w.Add(&passages[i]); err != nil {
			t.Fatal(err)
		}
		if ends[passages[i].TranscriptID] == i {
			if err := w.EndTranscript(); err != nil {
				t.Fatal(err)
			}
		}
	}
	shards, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if want := len(passages) / shardDocs; len(shards) < want {
		t.Fatalf("%d passages in %d shards of %d at most", len(passages), len(shards), shardDocs)
	}
	total := 0
	for _, s := range shards {
		total += s.Docs
		zaps, _ := filepath.Glob(filepath.Join(root, s.Name, "store", "*.zap"))
		if len(zaps) != 1 {
			t.Errorf("shard %s: %d segment files, want 1", s.Name, len(zaps))
		}
		idx, err := bleve.OpenUsing(filepath.Join(root, s.Name), map[string]interface{}{"read_only": true})
		if err != nil {
			t.Fatal(err)
		}
		adv, _ := idx.Advanced()
		stats := adv.(*scorch.Scorch).StatsMap()
		if n := statCount(stats["num_root_filesegments"]) + statCount(stats["num_root_memorysegments"]); n != 1 {
			t.Errorf("shard %s: %d segments, want 1", s.Name, n)
		}
		if n, _ := idx.DocCount(); n != uint64(s.Docs) {
			t.Errorf("shard %s: %d documents, the writer says %d", s.Name, n, s.Docs)
		}
		// Every transcript is whole in one shard.
		for _, tr := range ts {
			q := bleve.NewTermQuery(tr.ID)
			q.SetField(FieldTranscript)
			res, err := idx.Search(bleve.NewSearchRequestOptions(q, 0, 0, false))
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Total; got != 0 && int(got) != countOf(passages, tr.ID) {
				t.Errorf("shard %s holds %d of transcript %s's %d passages", s.Name, got, tr.ID, countOf(passages, tr.ID))
			}
		}
		idx.Close()
	}
	if total != len(passages) {
		t.Errorf("the shards hold %d passages, want %d", total, len(passages))
	}
}

func countOf(passages []corpus.Passage, transcript string) int {
	n := 0
	for _, p := range passages {
		if p.TranscriptID == transcript {
			n++
		}
	}
	return n
}

// Shards written before word pairs were indexed still answer phrases, and
// the same as shards with pairs.
func TestShardsWithoutPairsAnswerPhrases(t *testing.T) {
	_, passages := annomiSample(t)
	passages = passages[:3000]
	root := t.TempDir()
	writeShardWithoutPairs(t, root, "old", passages)
	shards := writeShards(t, root, "new", passages)
	count := func(names []string, q string) (int, bool) {
		r, err := Open(root, names, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		_, total, err := r.Search(context.Background(), mustCompile(t, r, q), 5)
		if err != nil {
			t.Fatal(err)
		}
		return total, r.pairs
	}
	for _, q := range []string{`"cut down"`, `"a little bit"`, `"you know"`} {
		withPairs, used := count(shardNames(shards), q)
		if !used {
			t.Fatal("a new shard does not use its word pairs")
		}
		without, used := count([]string{"old"}, q)
		if used {
			t.Fatal("a shard without word pairs is searched as if it had them")
		}
		if withPairs == 0 || withPairs != without {
			t.Errorf("%s: %d hits with pairs, %d without", q, withPairs, without)
		}
	}
}

// A shard without word pairs answers phrases with Bleve's phrase searcher,
// whose hits a ranked search hands back to Bleve's pool as it passes them
// over (the phrase searcher keeps the locations of the match it returned):
// the first hits of a search with a limit are those of the whole ranking,
// with the same matched words, repeated words included.
func TestShardsWithoutPairsRankInOnePass(t *testing.T) {
	_, passages := annomiSample(t)
	passages = passages[:3000]
	root := t.TempDir()
	writeShardWithoutPairs(t, root, "old", passages)
	without, err := Open(root, []string{"old"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer without.Close()
	if without.pairs {
		t.Fatal("a shard without word pairs is searched as if it had them")
	}
	ctx := context.Background()
	search := func(r *Reader, q string, limit int) ([]Hit, int) {
		hits, total, err := r.Search(ctx, mustCompile(t, r, q), limit)
		if err != nil {
			t.Fatal(err)
		}
		return hits, total
	}
	tested := 0
	for _, q := range []string{`"that that"`, `"and and"`, `"you know"`, `"I don't know"`, `="you know"`, `"at the end of the day"`, `"a little bit"`} {
		all, total := search(without, q, 0)
		if total < 3 {
			continue // the short sample (-short, -race) may hold too few
		}
		tested++
		for _, limit := range []int{1, 2, 20} {
			top, n := search(without, q, limit)
			if want := all[:min(limit, len(all))]; n != total || !sameHits(top, want) {
				t.Errorf("%s, limit %d, without pairs: %v of %d; the ranking's first: %v of %d", q, limit, hitIDs(top), n, hitIDs(want), total)
			}
		}
	}
	if tested < 5 {
		t.Errorf("%d phrases with three hits or more: the test tests little", tested)
	}
}

func TestMaskedVersions(t *testing.T) {
	got := maskedVersions([]string{"fg-1#abc#0", "fg-1#abc#10", "fg-1#abd#0", "fg-10#abc#2", "plain", "fg-2#abc#", "fg-3#abc#1", "fg-3#abc#", "fg-3#abc#2"})
	want := map[string][]string{
		"fg-1#abc#":  {"fg-1#abc#0", "fg-1#abc#10"},
		"fg-1#abd#":  {"fg-1#abd#0"},
		"fg-10#abc#": {"fg-10#abc#2"},
		"plain":      {"plain"},
		"fg-2#abc#":  nil, // whole versions
		"fg-3#abc#":  nil,
	}
	for _, v := range []string{"fg-2#abc#", "fg-3#abc#"} {
		if ids, ok := got[v]; !ok || ids != nil {
			t.Errorf("%s: %v (listed %v), want the whole version", v, ids, ok)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("maskedVersions = %v, want %v", got, want)
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
}

// writeShardWithoutPairs writes passages into a shard as a batch did before
// word pairs were indexed: with no FieldPairs, in one Bleve batch.
func writeShardWithoutPairs(t *testing.T, root, name string, passages []corpus.Passage) {
	t.Helper()
	m, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	delete(m.(*mapping.IndexMappingImpl).DefaultMapping.Properties, FieldPairs)
	idx, err := bleve.New(filepath.Join(root, name), m)
	if err != nil {
		t.Fatal(err)
	}
	b := idx.NewBatch()
	for i := range passages {
		if err := b.Index(passages[i].ID, Document(&passages[i])); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
}

// mustCompile parses and compiles a query for r.
func mustCompile(t testing.TB, r *Reader, q string) *Compiled {
	t.Helper()
	n, err := Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Compile(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// statCount reads a count from Bleve's statistics.
func statCount(v any) uint64 {
	switch n := v.(type) {
	case uint64:
		return n
	case int:
		return uint64(n)
	}
	return 0
}
