package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus"
)

// Versions reads the versions named in the order named, each as Version
// reads it, and names a version the store does not hold.
func TestVersionsAsVersionReadsThem(t *testing.T) {
	ctx := context.Background()
	var trs []*corpus.Transcript
	for i := range 7 {
		name := fmt.Sprintf("t%d", i)
		text := fmt.Sprintf("Ana: Hello %d.\n\nBen: Hi, “%s”.\n", i, name)
		trs = append(trs, &corpus.Transcript{ID: name, Title: "Title " + name, Format: "txt", Source: name + ".txt", Text: text,
			Metadata: map[string]string{"site": name},
			Turns: []corpus.Turn{
				{Speaker: "Ana", SpeakerKey: "ana", Start: corpus.NoTime, End: corpus.NoTime, Span: corpus.Span{Start: 5, End: 13}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 5, End: 13}}}},
				{Speaker: "Ben", SpeakerKey: "ben", Start: time.Duration(i) * time.Second, End: corpus.NoTime, Span: corpus.Span{Start: 20, End: 29}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 20, End: 29}}}},
			}})
	}
	st := storeOf(t, trs)
	var keys []VersionKey
	for _, tr := range trs {
		keys = append(keys, VersionKey{ID: tr.ID, Version: tr.Version})
	}
	slices.Reverse(keys) // not the order they were written in
	keys = append(keys, keys[2])
	got, err := st.Versions(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(keys) {
		t.Fatalf("%d versions for %d keys", len(got), len(keys))
	}
	for i, k := range keys {
		want, err := st.Version(ctx, k.ID, k.Version)
		if err != nil {
			t.Fatal(err)
		}
		if got[i].ID != k.ID || got[i].Version != k.Version || !reflect.DeepEqual(got[i].Turns, want.Turns) ||
			got[i].Text != want.Text || got[i].Title != want.Title || !reflect.DeepEqual(got[i].Metadata, want.Metadata) {
			t.Errorf("version %d (%s): %+v, want %+v", i, k.ID, got[i], want)
		}
	}
	if _, err := st.Versions(ctx, []VersionKey{keys[0], {ID: "t1", Version: "nope"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a version the store does not hold: %v, want ErrNotFound", err)
	}
}
