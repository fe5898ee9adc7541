package store

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus"
)

// schema1DB is a project database that the first release wrote (no schema
// number): two transcripts of the sample project, 36 candidates, ana's
// confirm of two and reject (with a note) of one, and ben's note on the
// first (testdata/schema1-project, made with "alongside run", "confirm",
// "reject" and "note").
const schema1DB = "testdata/schema1-project/.alongside/alongside.db"

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestNewStoreIsNumberedAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "alongside.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if v := userVersion(t, path); v != SchemaVersion() {
		t.Errorf("new store: schema %d, want %d", v, SchemaVersion())
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("store file mode %o, want 600", m)
	}
	if m := mode(t, filepath.Dir(path)); m != 0o700 {
		t.Errorf("state folder mode %o, want 700", m)
	}
	if _, err := os.Stat(BackupPath(path, 0)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new store was backed up: %v", err)
	}
	// Opening again changes nothing.
	st, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}

func TestMigratesAFirstReleaseProject(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "alongside.db")
	copyFile(t, schema1DB, path)
	if v := userVersion(t, path); v != 0 {
		t.Fatalf("testdata store has schema %d, want the unnumbered 0", v)
	}
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v := userVersion(t, path); v != SchemaVersion() {
		t.Errorf("migrated store: schema %d, want %d", v, SchemaVersion())
	}
	bak := BackupPath(path, 0)
	if m := mode(t, bak); m != 0o600 {
		t.Errorf("backup mode %o, want 600", m)
	}
	if v := userVersion(t, bak); v != 0 {
		t.Errorf("backup has schema %d, want the original 0", v)
	}

	// Every version's text and turns moved into text blocks, unchanged.
	old, err := sql.Open("sqlite", "file:"+bak)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	rows, err := old.Query(`SELECT transcript_id, version, text, turns FROM versions`)
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	for rows.Next() {
		var id, version, text string
		var turns []byte
		if err := rows.Scan(&id, &version, &text, &turns); err != nil {
			t.Fatal(err)
		}
		want, err := corpus.DecodeTurns(turns)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.Version(ctx, id, version)
		if err != nil {
			t.Fatal(err)
		}
		if got.Text != text || !slices.EqualFunc(got.Turns, want, sameTurn) || len(want) == 0 {
			t.Errorf("%s: the text or turns read after the move are not those before it", id)
		}
		moved++
	}
	rows.Close()
	var left, blocks int
	if err := st.DB().QueryRow(`SELECT (SELECT count(*) FROM versions WHERE text != '' OR length(turns) > 0), (SELECT count(*) FROM text_blocks)`).Scan(&left, &blocks); err != nil {
		t.Fatal(err)
	}
	if moved < 2 || left != 0 || blocks <= moved {
		t.Errorf("%d versions moved into %d blocks; %d versions still hold their text", moved, blocks, left)
	}

	// Everything the first release recorded is still there.
	ts, err := st.Transcripts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 {
		t.Fatalf("%d transcripts, want 2", len(ts))
	}
	for _, ti := range ts {
		tr, err := st.Transcript(ctx, ti.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Turns) != ti.Turns || len(tr.Turns[0].Sentences) == 0 {
			t.Errorf("transcript %s: %d turns read back (with sentences), the row says %d", ti.ID, len(tr.Turns), ti.Turns)
		}
	}
	// Speakers were backfilled with roles, as a reader now gives them.
	sp, err := st.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, r := range sp {
		roles[r.Transcript+"/"+r.Key] = r.Role
	}
	for key, want := range map[string]string{
		"annomi-000-alcohol/therapist": "interviewer", "annomi-000-alcohol/client": "participant",
		"focus-group-1/moderator": "interviewer", "focus-group-1/p1": "participant",
	} {
		if roles[key] != want {
			t.Errorf("after migration, %s has role %q, want %q (all: %v)", key, roles[key], want, roles)
		}
	}
	cands, err := st.Candidates(ctx, CandidateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != 36 {
		t.Errorf("%d candidates, want 36", len(cands))
	}
	var log []string
	for _, c := range cands {
		hist, err := st.History(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hist {
			log = append(log, h.Reviewer+" "+h.Action+" "+h.Value)
		}
	}
	want := []string{"ana confirm ", "ben note good quote for the theme", "ana confirm ", "ana reject ", "ana note interviewer, not a meaning unit"}
	slices.Sort(log)
	slices.Sort(want)
	if !slices.Equal(log, want) {
		t.Errorf("decision log after migration:\n%q\nwant (in any candidate order)\n%q", log, want)
	}
}

func TestRefusesANewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alongside.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, err = Open(path)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("opening a schema-999 store: %v, want ErrNewerSchema", err)
	}
	if !strings.Contains(err.Error(), "schema 999") || !strings.Contains(err.Error(), "newer version of alongside") {
		t.Errorf("message does not say what to do: %v", err)
	}
	if v := userVersion(t, path); v != 999 {
		t.Errorf("refused store was changed to schema %d", v)
	}
}

// A batch's rows are invisible until its commit, and a batch that never
// committed is swept away.
func TestBatchIsInvisibleUntilCommitted(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "alongside.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	tr := &corpus.Transcript{ID: "int-01", Title: "int-01", Format: "txt", Source: "int-01.txt",
		Text: "I: How are you?\n\nS: Fine.\n",
		Turns: []corpus.Turn{
			{Speaker: "I", SpeakerKey: "i", Start: corpus.NoTime, End: corpus.NoTime, Span: corpus.Span{Start: 3, End: 15}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 3, End: 15}}}},
			{Speaker: "S", SpeakerKey: "s", Start: corpus.NoTime, End: corpus.NoTime, Span: corpus.Span{Start: 20, End: 25}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 20, End: 25}}}},
		}}
	tr.SetVersion()
	passages := corpus.Passages(tr)

	record := func() (int64, string) {
		id, shard, err := st.BeginBatch(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddVersion(ctx, tr, slices.Values(passages), shard); err != nil {
			t.Fatal(err)
		}
		return id, shard
	}
	_, _ = record() // a batch killed before its commit
	if _, err := st.Transcript(ctx, tr.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("uncommitted transcript visible: %v", err)
	}
	stale, err := st.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 1 {
		t.Errorf("sweep found %q, want the killed batch's shard", stale)
	}
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM passages`).Scan(&n); err != nil || n != 0 {
		t.Errorf("after the sweep: %d passages (%v), want 0", n, err)
	}

	id, shard := record()
	err = st.Commit(ctx, Commit{Batch: id, Shards: []Shard{{Name: shard + "-001", Docs: len(passages)}},
		Files:       []File{{Path: "int-01.txt", Root: ".", Size: 27, Hash: "h", Status: "ok"}},
		Transcripts: []TranscriptInfo{{ID: tr.ID, File: "int-01.txt", Version: tr.Version, Title: tr.Title, Format: "txt", Words: 4, Turns: 2, Passages: len(passages)}},
		Summary:     map[string]int{"new": 1}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Transcript(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != tr.Text || got.Version != tr.Version || len(got.Turns) != 2 || got.Turns[1].Speaker != "S" {
		t.Errorf("read back %+v", got)
	}
	rows, err := st.Passages(ctx, []string{passages[0].ID, passages[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[passages[1].ID].Speaker != "S" {
		t.Errorf("passages read back: %+v", rows)
	}
	shards, err := st.Shards(ctx)
	if err != nil || len(shards) != 1 {
		t.Errorf("shards %q (%v), want the committed one", shards, err)
	}
}

// The decision log is append-only and read back in order.
func TestDecisionLogKeepsOrder(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "alongside.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	steps := []struct{ action, value, reviewer string }{
		{ActionConfirm, "", "ana"}, {ActionNote, "strong quote", "ana"}, {ActionReject, "", "ben"}, {ActionRecode, "A/B", "ana"},
	}
	for i, s := range steps {
		if err := st.Decide(ctx, "c1", s.action, s.value, s.reviewer, "cb1", at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	hist, err := st.History(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(steps) {
		t.Fatalf("%d entries, want %d", len(hist), len(steps))
	}
	for i, h := range hist {
		if h.Action != steps[i].action || h.Value != steps[i].value || h.Reviewer != steps[i].reviewer || !h.At.Equal(at.Add(time.Duration(i)*time.Minute)) {
			t.Errorf("entry %d: %+v, want %+v", i, h, steps[i])
		}
	}
	if other, err := st.History(ctx, "c2"); err != nil || len(other) != 0 {
		t.Errorf("another candidate's history: %v %v", other, err)
	}
}

// The participants sheet applies to the speakers it names: by transcript
// ID first, then by the first pattern that matches.
func TestParticipantsSheetApplies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "alongside.db")
	copyFile(t, schema1DB, path)
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sheet := []ParticipantRow{
		{Transcript: "focus-group-*", SpeakerKey: "p1", Participant: "P01", Attributes: map[string]string{"site": "Drammen"}},
		{Transcript: "focus-group-1", SpeakerKey: "p2", Role: "professional", Participant: "P02", Attributes: map[string]string{"site": "Oslo"}},
		{Transcript: "*", SpeakerKey: "p2", Participant: "never: the exact row wins"},
	}
	if err := st.ReplaceParticipants(ctx, sheet); err != nil {
		t.Fatal(err)
	}
	got, err := st.Participants(ctx)
	if err != nil || len(got) != 3 || got[0].Attributes["site"] != "Drammen" {
		t.Fatalf("sheet read back: %+v %v", got, err)
	}
	sp, err := st.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range sp {
		switch r.Transcript + "/" + r.Key {
		case "focus-group-1/p1":
			found++
			if r.Participant != "P01" || r.Role != "participant" || r.Attributes["site"] != "Drammen" || !r.FromSheet {
				t.Errorf("p1: %+v", r)
			}
		case "focus-group-1/p2":
			found++
			if r.Participant != "P02" || r.Role != "professional" || r.Inferred || r.Attributes["site"] != "Oslo" {
				t.Errorf("p2: %+v", r)
			}
		case "annomi-000-alcohol/client":
			found++
			if r.FromSheet || r.Participant != "" {
				t.Errorf("client: a sheet row applied: %+v", r)
			}
		}
	}
	if found != 3 {
		t.Errorf("found %d of the 3 speakers checked", found)
	}
	if names := AttributeNames(sheet); !slices.Equal(names, []string{"site"}) {
		t.Errorf("attribute names %q", names)
	}
}

func sameTurn(a, b corpus.Turn) bool {
	return a.Speaker == b.Speaker && a.SpeakerKey == b.SpeakerKey && a.Start == b.Start && a.End == b.End &&
		a.Span == b.Span && a.Role == b.Role && a.RoleInferred == b.RoleInferred && slices.Equal(a.Sentences, b.Sentences)
}
