package index

import (
	"path/filepath"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Shards written with the same mapping share one parsed mapping once
// opened; a shard with another mapping gets its own, and says so.
func TestShardsShareTheirMapping(t *testing.T) {
	root := t.TempDir()
	write := func(name string, m mapping.IndexMapping) {
		idx, err := bleve.New(filepath.Join(root, name), m)
		if err != nil {
			t.Fatal(err)
		}
		if err := idx.Index(name+"#v#0", map[string]any{FieldText: "you know what I mean"}); err != nil {
			t.Fatal(err)
		}
		if err := idx.Close(); err != nil {
			t.Fatal(err)
		}
	}
	m, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	write("a", m)
	write("b", m)
	noPairs, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	delete(noPairs.(*mapping.IndexMappingImpl).DefaultMapping.Properties, FieldPairs)
	write("c", noPairs)

	r, err := Open(root, []string{"a", "c", "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a, c, b := r.shards[0].Mapping(), r.shards[1].Mapping(), r.shards[2].Mapping()
	if a != b {
		t.Error("two shards of one mapping: two parsed mappings")
	}
	if a == c {
		t.Error("a shard of another mapping was given the first's")
	}
	if !hasPairs(r.shards[0]) || !hasPairs(r.shards[2]) || hasPairs(r.shards[1]) {
		t.Errorf("pairs: a %v, b %v, c %v; want true, true, false", hasPairs(r.shards[0]), hasPairs(r.shards[2]), hasPairs(r.shards[1]))
	}
}
