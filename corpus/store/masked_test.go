package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus"
)

// maskedByScan is how the masked passages were worked out before the
// triggers kept the masked versions: from every version, by a look-up in
// the transcripts. It is the oracle of the test below.
const maskedByScan = `SELECT p.id FROM versions v
		JOIN passages p ON p.transcript_id = v.transcript_id AND p.version = v.version
		WHERE v.shard IN (SELECT shard FROM batches WHERE status = 'done')
		AND NOT EXISTS (SELECT 1 FROM transcripts t WHERE t.id = v.transcript_id AND t.version = v.version)
		ORDER BY p.id`

// The masked versions the triggers keep give the masked passages working
// them out from every version gives, through edits, a change back, a
// removal, a prune, a failed batch and its sweep, and a merge dropping
// masked passages; and a project upgraded from schema 4 gets them too.
func TestMaskedVersionsKeptByTriggers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "alongside.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { st.Close() }()
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	transcript := func(id, text string) *corpus.Transcript {
		tr := &corpus.Transcript{ID: id, Title: id, Format: "txt", Source: id + ".txt", Text: "S: " + text + "\n",
			Turns: []corpus.Turn{{Speaker: "S", SpeakerKey: "s", Start: corpus.NoTime, End: corpus.NoTime,
				Span:      corpus.Span{Start: 3, End: 3 + len(text)},
				Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 3, End: 3 + len(text)}}}}}}
		tr.SetVersion()
		return tr
	}
	batch := func(trs []*corpus.Transcript, removed []string, prune, fail bool) {
		t.Helper()
		id, shard, err := st.BeginBatch(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		c := Commit{Batch: id, Removed: removed, Prune: prune, Now: now}
		docs := 0
		for _, tr := range trs {
			ps := corpus.Passages(tr)
			if err := st.AddVersion(ctx, tr, slices.Values(ps), shard); err != nil {
				t.Fatal(err)
			}
			docs += len(ps)
			c.Transcripts = append(c.Transcripts, TranscriptInfo{ID: tr.ID, File: tr.Source, Version: tr.Version, Title: tr.Title, Format: "txt", Passages: len(ps)})
		}
		if fail {
			if err := st.FailBatch(ctx, id, shard, now); err != nil {
				t.Fatal(err)
			}
			return
		}
		c.Shards = []Shard{{Name: shard + "-001", Docs: docs}}
		if err := st.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, wantSome bool) {
		t.Helper()
		got, err := st.Masked(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.strings(ctx, "oracle", maskedByScan)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: masked %q, want %q", step, got, want)
		}
		if wantSome != (len(want) > 0) {
			t.Errorf("%s: the oracle masks %q: the step does not test what it says", step, want)
		}
		// A search lists the masked versions instead, by their passages'
		// ID prefix: the versions of the same passages.
		_, versions, err := st.SearchView(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var wantVersions []string
		for _, id := range want {
			wantVersions = append(wantVersions, id[:strings.LastIndexByte(id, '#')+1])
		}
		slices.Sort(wantVersions)
		if wantVersions = slices.Compact(wantVersions); !slices.Equal(versions, wantVersions) {
			t.Errorf("%s: masked versions %q, want %q", step, versions, wantVersions)
		}
	}
	a1, b1, c1 := transcript("a", "one"), transcript("b", "two"), transcript("c", "three")
	batch([]*corpus.Transcript{a1, b1, c1}, nil, false, false)
	check("first batch", false)
	a2 := transcript("a", "one, edited")
	batch([]*corpus.Transcript{a2}, nil, false, false)
	check("an edit", true)
	batch(nil, []string{"c"}, false, false)
	check("a removal", true)
	batch(nil, []string{"b"}, true, false)
	check("a prune", true)
	batch([]*corpus.Transcript{transcript("a", "one, edited twice"), transcript("d", "four")}, nil, false, true)
	check("a failed batch", true)
	if _, err := st.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	check("its sweep", true)
	batch([]*corpus.Transcript{a1}, nil, false, false)
	check("a change back", true)

	// A merge drops the masked passages of a2 and b1: they are masked no more.
	shards, masked, err := st.IndexView(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ReplaceShards(ctx, Shard{Name: "m-001", Docs: 2}, shards, masked); err != nil {
		t.Fatal(err)
	}
	check("a merge", false)
	a3 := transcript("a", "one, edited again")
	batch([]*corpus.Transcript{a3}, nil, false, false)
	check("an edit after the merge", true)

	// An upgrade from schema 4 works the masked versions out once.
	want, err := st.Masked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	triggers, err := st.strings(ctx, "triggers", `SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'masked%'`)
	if err != nil || len(triggers) != 6 {
		t.Fatalf("triggers %q (%v), want six", triggers, err)
	}
	later, err := st.strings(ctx, "triggers", `SELECT name FROM sqlite_master WHERE type = 'trigger' AND name NOT LIKE 'masked%'`)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(append(triggers, later...), "masked_versions", "kept_speakers", "PRAGMA user_version = 4") {
		switch {
		case q == "masked_versions" || q == "kept_speakers":
			q = "DROP TABLE " + q
		case q[0] != 'P':
			q = "DROP TRIGGER " + q
		}
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if st, err = Open(path); err != nil {
		t.Fatal(err)
	}
	got, err := st.Masked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || len(got) == 0 {
		t.Errorf("after the upgrade: masked %q, want %q", got, want)
	}
}
