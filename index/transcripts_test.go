package index

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/alongside-qda/alongside/corpus"
)

// transcript: filters ignore case, as the rest of the query language does,
// while the IDs stay as they were written.
func TestTranscriptFilterIgnoresCase(t *testing.T) {
	root := t.TempDir()
	w, err := Create(root, "s1", WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"FG-03", "fg-04", "Interview-1", "interview-10"}
	for i, id := range ids {
		p := corpus.Passage{ID: corpus.PassageID(id, "v", 0), TranscriptID: id, SpeakerKey: "p1", Sentences: []string{"We walked alongside them."}}
		if err := w.Add(&p); err != nil {
			t.Fatalf("passage %d: %v", i, err)
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
	defer r.Close()

	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"transcript:FG-03", []string{"FG-03"}},
		{"transcript:fg-03", []string{"FG-03"}},
		{"TRANSCRIPT:Fg-04 walk", []string{"fg-04"}},
		{"transcript:fg*", []string{"FG-03", "fg-04"}},
		{"transcript:INTERVIEW-1", []string{"Interview-1"}},
		{"transcript:interview-1*", []string{"Interview-1", "interview-10"}},
		{"walk NOT transcript:fg*", []string{"Interview-1", "interview-10"}},
		{"transcript:fg-3", nil},
	} {
		n, err := Parse(tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		for i, rd := range append([]*Reader{r}, r.PerShard()...) {
			c, err := rd.Compile(context.Background(), n)
			if err != nil {
				t.Fatalf("%s: %v", tc.q, err)
			}
			hits, _, err := r.Search(context.Background(), c, 0)
			if err != nil {
				t.Fatalf("%s: %v", tc.q, err)
			}
			var got []string
			for _, h := range hits {
				tr, _, _, _ := corpus.ParsePassageID(h.ID)
				got = append(got, tr)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s (reader %d): transcripts %q, want %q", tc.q, i, got, tc.want)
			}
		}
	}
}
