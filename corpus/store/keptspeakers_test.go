package store

import (
	"context"
	"reflect"
	"testing"

	"github.com/alongside-qda/alongside/corpus"
)

// The kept copy of the speakers is what reading them gives, after every
// writer that puts it back; and any other statement that changes what
// they depend on drops it, so Speakers never returns a stale copy.
func TestKeptSpeakersAreNeverStale(t *testing.T) {
	ctx := context.Background()
	var trs []*corpus.Transcript
	for _, name := range []string{"a", "b"} {
		trs = append(trs, &corpus.Transcript{ID: name, Title: name, Format: "txt", Source: name + ".txt", Text: "Interviewer: Hi.\n\nAmy: Hello.\n",
			Turns: []corpus.Turn{
				{Speaker: "Interviewer", SpeakerKey: "interviewer", Start: corpus.NoTime, End: corpus.NoTime, Span: corpus.Span{Start: 13, End: 16}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 13, End: 16}}}},
				{Speaker: "Amy", SpeakerKey: "amy", Start: corpus.NoTime, End: corpus.NoTime, Span: corpus.Span{Start: 23, End: 29}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 23, End: 29}}}},
			}})
	}
	st := storeOf(t, trs)
	kept := func() bool {
		t.Helper()
		var n int
		if err := st.db.QueryRowContext(ctx, `SELECT count(*) FROM kept_speakers`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	same := func(when string) {
		t.Helper()
		got, err := st.Speakers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		read, err := speakers(ctx, st.db, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, read) {
			t.Errorf("%s: Speakers gives\n%+v\nreading them gives\n%+v", when, got, read)
		}
	}
	if !kept() {
		t.Fatal("a batch's commit kept no copy of the speakers")
	}
	same("after the batch")

	sheet := []ParticipantRow{{Transcript: "a", SpeakerKey: "amy", Role: "family", Participant: "P01", Attributes: map[string]string{"site": "Drammen", "age": "40s"}}}
	if err := st.ReplaceParticipants(ctx, sheet); err != nil {
		t.Fatal(err)
	}
	if !kept() {
		t.Fatal("importing the sheet kept no copy of the speakers")
	}
	same("after the sheet")
	rows, _ := st.Speakers(ctx)
	if rows[1].Participant != "P01" || rows[1].Attributes["site"] != "Drammen" || rows[1].Role != "family" || !rows[1].FromSheet {
		t.Errorf("a's amy with the sheet applied: %+v", rows[1])
	}

	if _, err := st.db.ExecContext(ctx, `UPDATE transcripts SET matched = version`); err != nil {
		t.Fatal(err)
	}
	if !kept() {
		t.Error("recording which version was matched dropped the copy, which does not depend on it")
	}
	for _, change := range []string{
		`UPDATE speakers SET role = 'professional' WHERE speaker_key = 'amy' AND transcript_id = 'b'`,
		`UPDATE participants SET participant = 'P02'`,
		`DELETE FROM participants`,
		`INSERT INTO participants (seq, transcript, speaker_key, role, participant, attributes) VALUES (1, 'b*', 'amy', '', 'P09', '{}')`,
		`UPDATE transcripts SET removed = 1 WHERE id = 'a'`,
		`UPDATE transcripts SET version = 'old' WHERE id = 'b'`,
		`DELETE FROM transcripts WHERE id = 'a'`,
		`INSERT INTO transcripts (id, file, version, title, format, words, turns, passages, batch_id) SELECT 'a', file, 'old', title, format, words, turns, passages, batch_id FROM transcripts WHERE id = 'b'`,
		`DELETE FROM speakers WHERE transcript_id = 'b'`,
	} {
		tx, err := st.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := keepSpeakers(ctx, tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.db.ExecContext(ctx, change); err != nil {
			t.Fatalf("%s: %v", change, err)
		}
		if kept() {
			t.Errorf("%s: the copy of the speakers is still kept", change)
		}
		same(change)
	}
}

func TestKeptSpeakersDecodeAsEncoded(t *testing.T) {
	rows := []SpeakerRow{
		{Transcript: "t1", Label: "Dr. Ålesund", Key: "dr. ålesund", Turns: 300, Words: 1 << 20, Role: "professional"},
		{Transcript: "t1", Label: "P", Key: "p", Turns: 1, Role: "participant", Inferred: true, FromSheet: true, Participant: "P03",
			Attributes: map[string]string{"site": "Bergen", "": "empty column"}},
		{},
	}
	got, err := decodeSpeakers(encodeSpeakers(rows))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Errorf("decoded\n%+v\nwant\n%+v", got, rows)
	}
	if got, err := decodeSpeakers(encodeSpeakers(nil)); err != nil || len(got) != 0 {
		t.Errorf("no speakers: %v, %v", got, err)
	}
}

// A copy that is corrupt is refused (Speakers then reads the rows), never
// a panic nor rows made up.
func FuzzDecodeSpeakers(f *testing.F) {
	f.Add(encodeSpeakers([]SpeakerRow{{Transcript: "t", Key: "k", Role: "participant", Attributes: map[string]string{"a": "b"}}}))
	f.Add([]byte{keptSpeakersFormat, 2, 1, 'x'})
	f.Add([]byte{keptSpeakersFormat, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := decodeSpeakers(b)
		if err != nil {
			return
		}
		again, err := decodeSpeakers(encodeSpeakers(rows))
		if err != nil || !reflect.DeepEqual(again, rows) && len(rows) > 0 {
			t.Errorf("decoded %+v, encoded and decoded again %+v, %v", rows, again, err)
		}
	})
}

// A project of schema 5 gets its copy of the speakers on upgrade.
func TestKeptSpeakersOnUpgrade(t *testing.T) {
	ctx := context.Background()
	tr := &corpus.Transcript{ID: "a", Title: "a", Format: "txt", Source: "a.txt", Text: "Amy: Hello.\n",
		Turns: []corpus.Turn{{Speaker: "Amy", SpeakerKey: "amy", Start: corpus.NoTime, End: corpus.NoTime, Span: corpus.Span{Start: 5, End: 11}, Sentences: []corpus.Sentence{{Span: corpus.Span{Start: 5, End: 11}}}}}}
	st := storeOf(t, []*corpus.Transcript{tr})
	path := st.path
	triggers, err := st.strings(ctx, "triggers", `SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'kept_speakers%'`)
	if err != nil || len(triggers) != 9 {
		t.Fatalf("triggers %q (%v), want nine", triggers, err)
	}
	for _, q := range triggers {
		if _, err := st.db.ExecContext(ctx, "DROP TRIGGER "+q); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"DROP TABLE kept_speakers", "PRAGMA user_version = 5"} {
		if _, err := st.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if st, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var kept []byte
	if err := st.db.QueryRowContext(ctx, `SELECT rows FROM kept_speakers`).Scan(&kept); err != nil {
		t.Fatalf("after the upgrade: %v", err)
	}
	rows, err := decodeSpeakers(kept)
	if err != nil || len(rows) != 1 || rows[0].Key != "amy" {
		t.Errorf("after the upgrade: kept %+v (%v)", rows, err)
	}
}
