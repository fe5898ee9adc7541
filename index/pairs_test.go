package index

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/shingle"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	bdoc "github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
)

// allPairsMapping is the mapping shards were written with when every pair
// of adjacent words was indexed (a shingle filter), as they stored it.
func allPairsMapping(t testing.TB) mapping.IndexMapping {
	t.Helper()
	m, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	im := m.(*mapping.IndexMappingImpl)
	if err := im.AddCustomTokenFilter("alongside_pair_shingles", map[string]interface{}{
		"type": shingle.Name, "min": 2.0, "max": 2.0, "output_original": false, "separator": " ", "filler": "",
	}); err != nil {
		t.Fatal(err)
	}
	if err := im.AddCustomAnalyzer(allPairsAnalyzer, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{apostropheTF, lowercase.Name, en.PossessiveName, en.SnowballStemmerName, "alongside_pair_shingles"},
	}); err != nil {
		t.Fatal(err)
	}
	im.DefaultMapping.Properties[FieldPairs].Fields[0].Analyzer = allPairsAnalyzer
	return m
}

// The documents Documents makes, sharing one analysis per sentence, are the
// mapping's: the same fields with the same terms, positions and offsets.
func TestDocumentsAreTheMappings(t *testing.T) {
	_, passages := annomiSample(t)
	m, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDocuments(m)
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for i := range passages {
		p := &passages[i]
		want := bdoc.NewDocument(p.ID)
		if err := m.MapDocument(want, Document(p)); err != nil {
			t.Fatal(err)
		}
		got, err := d.Document(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Fields) != len(want.Fields) || len(got.CompositeFields) != len(want.CompositeFields) {
			t.Fatalf("%s: %d fields, %d composite; the mapping makes %d, %d", p.ID, len(got.Fields), len(got.CompositeFields), len(want.Fields), len(want.CompositeFields))
		}
		// Bleve analyses a document's fields in order; so does this.
		for k := range want.Fields {
			g, w := got.Fields[k], want.Fields[k]
			w.Analyze()
			g.Analyze()
			if g.Name() != w.Name() || !reflect.DeepEqual(g.ArrayPositions(), w.ArrayPositions()) || g.Options() != w.Options() {
				t.Fatalf("%s: field %d is %s %v %v; the mapping's is %s %v %v", p.ID, k, g.Name(), g.ArrayPositions(), g.Options(), w.Name(), w.ArrayPositions(), w.Options())
			}
			if g.AnalyzedLength() != w.AnalyzedLength() || !reflect.DeepEqual(g.AnalyzedTokenFrequencies(), w.AnalyzedTokenFrequencies()) {
				t.Fatalf("%s: field %s %v: terms %v; the mapping's %v", p.ID, g.Name(), g.ArrayPositions(), g.AnalyzedTokenFrequencies(), w.AnalyzedTokenFrequencies())
			}
			if g.Name() == FieldPairs {
				pairs += g.AnalyzedLength()
			}
		}
	}
	if pairs == 0 {
		t.Fatal("no word pairs indexed")
	}
}

// A phrase finds the same passages whether word pairs drive it or not:
// phrases of common words (pairs alone), of common and rare words (pairs
// and the rare words), of rare words (no pairs), on shards written with
// the list of common words, on shards written when every pair was indexed,
// and on merges of those.
func TestPhrasePairsFindWhatPositionsFind(t *testing.T) {
	_, passages := annomiSample(t)
	passages = passages[:4000]
	root := t.TempDir()
	shards := writeShards(t, root, "new", passages)
	textOf := func(id string) string {
		for _, p := range passages {
			if id == p.ID || strings.HasPrefix(id, p.ID+"-") { // "-<shard>" in the old-style shards
				return strings.Join(p.Sentences, " | ")
			}
		}
		return "?"
	}
	oldStyle := func(name string, m mapping.IndexMapping, from, to int) {
		idx, err := bleve.New(filepath.Join(root, name), m)
		if err != nil {
			t.Fatal(err)
		}
		b := idx.NewBatch()
		for i := from; i < to; i++ {
			p := passages[i]
			p.ID += "-" + name // a passage lives in one shard
			if err := b.Index(p.ID, Document(&p)); err != nil {
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
	oldStyle("every-pair", allPairsMapping(t), 0, len(passages))
	noPairs, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	delete(noPairs.(*mapping.IndexMappingImpl).DefaultMapping.Properties, FieldPairs)
	oldStyle("no-pairs", noPairs, 0, 1000)
	ctx := context.Background()
	merged, err := Merge(ctx, root, "merged", []string{"every-pair", shards[0].Name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mergedNone, err := Merge(ctx, root, "merged-none", []string{"no-pairs", shards[0].Name}, nil)
	if err != nil {
		t.Fatal(err)
	}

	phrases := []string{
		// common words: pairs alone
		`"you know"`, `"I don't know"`, `"at the end of the day"`, `"a little bit"`, `"kind of"`,
		`"I feel like"`, `"to be honest"`, `"that that"`, `="you know"`, `="I don’t know"`,
		// common and rare words: pairs and the rare words
		`"cut down on"`, `"the alcohol"`, `"want to quit"`, `"drinking a lot"`, `"of smoking"`,
		`"cigarettes a day"`, `="the alcohol"`, `="drinking a lot"`, `"a lot of the drinking"`,
		// rare words, or one common word: no pairs
		`"drinking alcohol"`, `"blood pressure"`, `"cut down"`, `="quit smoking"`, `"alcohol"`,
	}
	for _, layout := range []struct {
		names []string
		pairs bool // the reader uses the pairs
	}{
		{shardNames(shards), true},
		{[]string{"every-pair"}, true},
		{[]string{merged.Shard.Name}, true},
		{[]string{mergedNone.Shard.Name}, false},
		{[]string{"no-pairs", shards[0].Name}, false},
	} {
		r, err := Open(root, layout.names, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.pairs != layout.pairs {
			t.Errorf("%v: the reader uses word pairs: %v, want %v", layout.names, r.pairs, layout.pairs)
		}
		positions := &Reader{alias: r.alias, mapping: r.mapping} // no pairs: positions only
		found := 0
		for _, q := range phrases {
			n, err := Parse(q)
			if err != nil {
				t.Fatal(err)
			}
			ids := func(r *Reader) []string {
				c, err := r.Compile(ctx, n)
				if err != nil {
					t.Fatal(err)
				}
				ids, err := r.IDs(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				return ids
			}
			got, want := ids(r), ids(positions)
			if !slices.Equal(got, want) {
				t.Errorf("%v: %s: %d passages; positions alone find %d", layout.names, q, len(got), len(want))
				for _, id := range want {
					if !slices.Contains(got, id) {
						t.Logf("only positions: %s %q", id, textOf(id))
					}
				}
				for _, id := range got {
					if !slices.Contains(want, id) {
						t.Logf("only pairs: %s %q", id, textOf(id))
					}
				}
			}
			found += len(want)
		}
		if found == 0 {
			t.Errorf("%v: no phrase found anything", layout.names)
		}
		r.Close()
	}
}

// The list of common words holds every Bleve English stop word's stem, and
// its other words are stems (a word that is not its own stem would never
// match).
func TestCommonWordsAreStems(t *testing.T) {
	m, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	stop := analysis.NewTokenMap()
	if err := stop.LoadBytes(en.EnglishStopWords); err != nil {
		t.Fatal(err)
	}
	stems := map[string]bool{}
	for w := range stop {
		for _, s := range analyze(m, FieldText, w) {
			stems[s] = true
			if !commonSet[s] {
				t.Errorf("stop word %q (%q) is not a common word", w, s)
			}
		}
	}
	for _, w := range commonWords {
		if got := analyze(m, FieldText, w); !stems[w] && (len(got) != 1 || got[0] != w) {
			t.Errorf("common word %q is analysed as %q", w, got)
		}
	}
}
