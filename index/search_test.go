package index

import (
	"context"
	"reflect"
	"testing"

	"github.com/alongside-qda/alongside/corpus"
)

// testReader indexes passages made of the given sentences (one passage per
// element) into a shard and opens it.
func testReader(t *testing.T, passages ...[]string) *Reader {
	t.Helper()
	root := t.TempDir()
	w, err := Create(root, "s1", WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, sents := range passages {
		speaker := "client"
		if i%2 == 0 {
			speaker = "therapist"
		}
		p := corpus.Passage{ID: corpus.PassageID("t1", "v", i), TranscriptID: "t1", Seq: i, SpeakerKey: speaker, Sentences: sents}
		if err := w.Add(&p); err != nil {
			t.Fatal(err)
		}
	}
	shards, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(root, shardNames(shards), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestSearchSemantics(t *testing.T) {
	r := testReader(t,
		[]string{"We were walking alongside them.", "It felt like part of the family."}, // 0 therapist
		[]string{"I walked alongside my brother.", "Part two big family."},              // 1 client
		[]string{"The service user’s view matters.", "Flexibility helps."},              // 2 therapist
		[]string{"I want to really quit smoking.", "Quit? Yes, I really want it."},      // 3 client
		[]string{"I drink alcohol.", "Drinking wine is fine."},                          // 4 therapist
		[]string{"Alongside walking, we talk.", "Walking.", "Alongside."},               // 5 client
	)
	tests := []struct {
		q    string
		want []int
	}{
		{`"walking alongside"`, []int{0, 1}},
		{`="walking alongside"`, []int{0}},
		{`"part of the family"`, []int{0}},
		{`flexible`, []int{2}},
		{`"service user's"`, []int{2}},
		{`walk*`, []int{0, 1, 5}},
		{`"want quit"~2`, []int{3}},
		{`"want quit"~1`, nil}, // "want to really quit": 2 words between
		{`"quit want"~2`, []int{3}},
		{`"walking alongside"~0`, []int{0, 1, 5}}, // either order, adjacent, inside one sentence
		{`drink* NOT alcohol`, nil},
		{`drink* speaker:therapist`, []int{4}},
		{`alongside OR flexible`, []int{0, 1, 2, 5}},
		{`NOT alongside`, []int{2, 3, 4}},
		{`transcript:t1 quit`, []int{3}},
		{`transcript:t* family`, []int{0, 1}},
	}
	for _, tc := range tests {
		n, err := Parse(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		c, err := r.Compile(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := r.IDs(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, i := range tc.want {
			want = append(want, corpus.PassageID("t1", "v", i))
		}
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("%s: got %v, want %v", tc.q, ids, want)
		}
	}
}

func TestSearchMatches(t *testing.T) {
	r := testReader(t, []string{"Hello there.", "We were walking alongside them."})
	n, _ := Parse(`"walking alongside"`)
	c, err := r.Compile(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	hits, total, err := r.Search(context.Background(), c, 10)
	if err != nil || total != 1 {
		t.Fatalf("total %d, err %v", total, err)
	}
	want := []Match{{Sentence: 1, Start: 8, End: 15}, {Sentence: 1, Start: 16, End: 25}}
	if !reflect.DeepEqual(hits[0].Matches, want) {
		t.Fatalf("matches %v, want %v", hits[0].Matches, want)
	}
}

// shardNames lists the names of shards a Writer finished.
func shardNames(shards []Shard) []string {
	var names []string
	for _, s := range shards {
		names = append(names, s.Name)
	}
	return names
}
