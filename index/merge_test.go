package index

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/alongside-qda/alongside/corpus"
)

// A reader that opened the shards before a merge keeps searching them after
// the merge retired (deleted) their folders, and finds what it found before;
// a reader opened after sees the merged shard, without the dropped passages.
func TestMergeWhileReading(t *testing.T) {
	_, all := annomiSample(t)
	all = all[:min(len(all), 3000)]
	root := t.TempDir()
	var names, masked []string
	for i, base := range []string{"a", "b", "c"} {
		w, err := Create(root, base, WriterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for j := i; j < len(all); j += 3 {
			if err := w.Add(&all[j]); err != nil {
				t.Fatal(err)
			}
			if j%5 == 0 {
				masked = append(masked, all[j].ID)
			}
		}
		shards, err := w.Finish()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, shardNames(shards)...)
	}
	slices.Sort(masked)
	ctx := context.Background()
	ids := func(r *Reader, q string) []string {
		t.Helper()
		got, err := r.IDs(ctx, mustCompile(t, r, q))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	queries := []string{`drink*`, `"cut down"`, `"want to quit"~3`, `NOT smok*`}
	old, err := Open(root, names, masked)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	var before [][]string
	for _, q := range queries {
		before = append(before, ids(old, q))
	}

	res, err := Merge(ctx, root, "m1", names, masked)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Dropped, masked) {
		t.Fatalf("dropped %d passages, want the %d masked", len(res.Dropped), len(masked))
	}
	if want := len(all) - len(masked); res.Shard.Docs != want {
		t.Fatalf("the merged shard holds %d passages, want %d", res.Shard.Docs, want)
	}
	for _, n := range names {
		if err := RetireShard(root, n); err != nil {
			t.Fatal(err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(root, "*")); len(left) != 1 || filepath.Base(left[0]) != "m1" {
		t.Fatalf("index folder holds %v, want m1 only", left)
	}
	if r, err := Open(root, names, masked); err == nil {
		r.Close()
		t.Error("a retired shard opens")
	}

	merged, err := Open(root, []string{"m1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer merged.Close()
	if n, _ := merged.DocCount(); int(n) != res.Shard.Docs {
		t.Fatalf("merged shard: DocCount %d, want %d", n, res.Shard.Docs)
	}
	for i, q := range queries {
		if got := ids(old, q); !slices.Equal(got, before[i]) {
			t.Errorf("%s: the old reader finds %d passages after the merge, %d before", q, len(got), len(before[i]))
		}
		if got := ids(merged, q); !slices.Equal(got, before[i]) {
			t.Errorf("%s: the merged shard finds %d passages, the shards %d", q, len(got), len(before[i]))
		}
		if len(before[i]) == 0 {
			t.Errorf("%s finds nothing: the test tests nothing", q)
		}
	}
	stats, err := Stats(root, []string{"m1"}, masked)
	if err != nil {
		t.Fatal(err)
	}
	if stats[0].Masked != 0 || stats[0].Docs != res.Shard.Docs {
		t.Errorf("merged shard stats %+v: masked passages left", stats[0])
	}
}

// A version masked whole, by the prefix its passages' IDs share, leaves
// out what listing every one of its passages leaves out, whichever shard
// holds them.
func TestMaskedWholeVersions(t *testing.T) {
	_, all := annomiSample(t)
	all = all[:min(len(all), 3000)]
	root := t.TempDir()
	var names []string
	byVersion := map[string][]string{}
	for i, base := range []string{"a", "b"} {
		w, err := Create(root, base, WriterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for j := i * len(all) / 2; j < (i+1)*len(all)/2; j++ {
			if err := w.Add(&all[j]); err != nil {
				t.Fatal(err)
			}
			prefix := corpus.PassageIDPrefix(all[j].TranscriptID, all[j].Version)
			byVersion[prefix] = append(byVersion[prefix], all[j].ID)
		}
		shards, err := w.Finish()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, shardNames(shards)...)
	}
	var prefixes, ids []string
	for k, prefix := range slices.Sorted(maps.Keys(byVersion)) {
		if k%3 == 1 {
			prefixes = append(prefixes, prefix)
			ids = append(ids, byVersion[prefix]...)
		}
	}
	if len(prefixes) < 3 {
		t.Fatalf("%d versions masked: the test tests little", len(prefixes))
	}
	slices.Sort(ids)
	ctx := context.Background()
	whole, err := Open(root, names, prefixes)
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	listed, err := Open(root, names, ids)
	if err != nil {
		t.Fatal(err)
	}
	defer listed.Close()
	for _, q := range []string{`NOT transcript:none-such`, `drink*`, `"cut down"`, `"want to quit"~3`} {
		got, err := whole.IDs(ctx, mustCompile(t, whole, q))
		if err != nil {
			t.Fatal(err)
		}
		want, err := listed.IDs(ctx, mustCompile(t, listed, q))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d passages with whole versions masked, %d with their passages listed", q, len(got), len(want))
		}
		if q == "NOT transcript:none-such" && len(got) != len(all)-len(ids) {
			t.Errorf("%s: %d passages left of %d, %d masked", q, len(got), len(all), len(ids))
		}
		for _, id := range got {
			if _, found := slices.BinarySearch(ids, id); found {
				t.Fatalf("%s: masked passage %s found", q, id)
			}
		}
	}
}
