package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus"
)

// Speakers come by transcript, then in the order of their first turns,
// whatever order the batch wrote the transcripts in.
func TestSpeakersInTranscriptAndTurnOrder(t *testing.T) {
	ctx := context.Background()
	var trs []*corpus.Transcript
	for _, name := range []string{"b", "a"} { // b written first
		text := "Zed: Hi.\n\nAmy: Hello.\n"
		trs = append(trs, &corpus.Transcript{ID: name, Title: name, Format: "txt", Source: name + ".txt", Text: text,
			Turns: []corpus.Turn{ // Zed speaks first: its row comes first, though "amy" sorts before "zed"
				{Speaker: "Zed", SpeakerKey: "zed", Start: corpus.NoTime, End: corpus.NoTime, Span: corpus.Span{Start: 5, End: 8}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 5, End: 8}}}},
				{Speaker: "Amy", SpeakerKey: "amy", Start: corpus.NoTime, End: corpus.NoTime, Span: corpus.Span{Start: 15, End: 21}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 15, End: 21}}}},
			}})
	}
	st := storeOf(t, trs)
	rows, err := st.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Transcript+"/"+r.Key)
	}
	if want := []string{"a/zed", "a/amy", "b/zed", "b/amy"}; !slices.Equal(got, want) {
		t.Errorf("speakers %q, want %q", got, want)
	}
}

// storeOf opens a new store and commits the transcripts to it in one
// batch, in the order given, each with its content hash as its version.
func storeOf(t *testing.T, trs []*corpus.Transcript) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "alongside.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	id, shard, err := st.BeginBatch(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	c := Commit{Batch: id, Now: now}
	docs := 0
	for _, tr := range trs {
		tr.SetVersion()
		ps := corpus.Passages(tr)
		if err := st.AddVersion(ctx, tr, slices.Values(ps), shard); err != nil {
			t.Fatal(err)
		}
		c.Transcripts = append(c.Transcripts, TranscriptInfo{ID: tr.ID, File: tr.Source, Version: tr.Version, Title: tr.Title, Format: tr.Format, Passages: len(ps)})
		docs += len(ps)
	}
	c.Shards = []Shard{{Name: shard + "-001", Docs: docs}}
	if err := st.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	return st
}
