package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
	byID := map[string]*corpus.Transcript{}
	for _, tr := range trs {
		byID[tr.ID] = tr
	}
	for i, k := range keys {
		if w := byID[k.ID]; got[i].Text != w.Text || !slices.EqualFunc(got[i].Turns, w.Turns, sameTurn) {
			t.Errorf("version %d (%s): text or turns are not those stored", i, k.ID)
		}
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

// Excerpts read the blocks around the turns asked for: they show those
// turns as the whole version does, and a version's blocks go with it.
func TestExcerptsShowTheTurnsAskedFor(t *testing.T) {
	ctx := context.Background()
	var text strings.Builder
	tr := &corpus.Transcript{ID: "long", Title: "Long", Format: "txt", Source: "long.txt"}
	for i := range 400 {
		speaker := []string{"Ana", "Ben"}[i%2]
		text.WriteString(speaker + ": ")
		start := utf8.RuneCountInString(text.String())
		fmt.Fprintf(&text, "Turn %d, naïvely put. It says %d.", i, i*i)
		end := utf8.RuneCountInString(text.String())
		text.WriteString("\n")
		mid := start + len(fmt.Sprintf("Turn %d, naïvely put.", i))
		tr.Turns = append(tr.Turns, corpus.Turn{Speaker: speaker, SpeakerKey: strings.ToLower(speaker), Start: corpus.NoTime, End: corpus.NoTime,
			Span: corpus.Span{Start: start, End: end}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: start, End: mid}}, {Span: corpus.Span{Start: mid + 1, End: end}}}})
	}
	tr.Text = text.String()
	st := storeOf(t, []*corpus.Transcript{tr})
	whole, err := st.Version(ctx, tr.ID, tr.Version)
	if err != nil {
		t.Fatal(err)
	}
	var blocks int
	if err := st.DB().QueryRow(`SELECT count(*) FROM text_blocks`).Scan(&blocks); err != nil || blocks < 5 {
		t.Fatalf("%d blocks (%v), want several", blocks, err)
	}
	for _, k := range []ExcerptKey{{First: 0, Last: 0}, {First: 5, Last: 9}, {First: 150, Last: 151}, {First: 398, Last: 399}, {First: 10, Last: 390}} {
		k.VersionKey = VersionKey{tr.ID, tr.Version}
		ex, err := st.Excerpts(ctx, []ExcerptKey{k})
		if err != nil {
			t.Fatal(err)
		}
		if len(ex[0].Text) >= len(whole.Text) && k.Last-k.First < 100 {
			t.Errorf("turns %d-%d: the excerpt holds the whole text", k.First, k.Last)
		}
		for turn := k.First; turn <= k.Last; turn++ {
			if !ex[0].Shows(turn, 0, 1, 0) {
				t.Fatalf("turns %d-%d: turn %d is not shown", k.First, k.Last, turn)
			}
			for s := range 2 {
				if got, want := ex[0].Cut(tr.Turns[turn].Sentences[s].Span), whole.Cut(tr.Turns[turn].Sentences[s].Span); got != want {
					t.Errorf("turn %d sentence %d: %q, want %q", turn, s, got, want)
				}
			}
		}
	}
	if _, err := st.Excerpts(ctx, []ExcerptKey{{VersionKey: VersionKey{tr.ID, "nope"}}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("an excerpt of a version the store does not hold: %v, want ErrNotFound", err)
	}
	if _, err := st.DB().Exec(`DELETE FROM versions`); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().QueryRow(`SELECT count(*) FROM text_blocks`).Scan(&blocks); err != nil || blocks != 0 {
		t.Errorf("%d blocks (%v) left after their version went", blocks, err)
	}
}
