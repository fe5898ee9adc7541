package corpus

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// The speech-recognition, ELAN and CHAT fixtures of testdata/formats hold
// AnnoMI conversations (public domain, see testdata/formats/README.md)
// written by make_asr_fixtures.py in each tool's layout.

// speechFixtures are the fixtures with the AnnoMI conversation each holds.
var speechFixtures = []struct {
	file     string
	annomi   string            // AnnoMI transcript_id
	layout   string            // Metadata["layout"]
	speakers map[string]string // AnnoMI interlocutor of each speaker
	segments int               // whisper: turns are its segments
	first    annomiTurn
}{
	{file: "whisper.json", annomi: "19", layout: "whisper", segments: 21,
		speakers: map[string]string{"": ""},
		first:    annomiTurn{"", 5*time.Minute + 3050*time.Millisecond, 5*time.Minute + 5043*time.Millisecond, "So you're sick of this?"}},
	{file: "whisperx.json", annomi: "103", layout: "whisperx",
		speakers: map[string]string{"SPEAKER_01": "therapist", "SPEAKER_00": "client"},
		first:    annomiTurn{"SPEAKER_01", 5*time.Minute + 59050*time.Millisecond, 6*time.Minute + 7043*time.Millisecond, "Thanks for coming back, [unintelligible 00:06:00]. I know last time we talked about, uh, maybe going out and joining some activities in the community-"}},
	{file: "amazon-transcribe.json", annomi: "47", layout: "amazon-transcribe",
		speakers: map[string]string{"spk_0": "therapist", "spk_1": "client"},
		first:    annomiTurn{"spk_0", 50 * time.Millisecond, 2043 * time.Millisecond, "Hey, Mary, how are you?"}},
	{file: "assemblyai.json", annomi: "81", layout: "assemblyai",
		speakers: map[string]string{"Speaker A": "therapist", "Speaker B": "client"},
		// AnnoMI has three therapist utterances in a row here: one turn.
		first: annomiTurn{"Speaker A", time.Minute + 9050*time.Millisecond, time.Minute + 34030*time.Millisecond, "Did you like how your parents raised you? Tell me about how your parents raised you? Tell me about how you've been feeling?"}},
	{file: "deepgram.json", annomi: "11", layout: "deepgram",
		speakers: map[string]string{"Speaker 0": "therapist", "Speaker 1": "client"},
		first:    annomiTurn{"Speaker 0", 50 * time.Millisecond, 2530 * time.Millisecond, "What else has brought you here?"}},
	{file: "revai.json", annomi: "51", layout: "rev-ai",
		speakers: map[string]string{"Speaker 0": "therapist", "Speaker 1": "client"},
		first:    annomiTurn{"Speaker 0", 50 * time.Millisecond, 3 * time.Second, "Tell me what you know about the flu shot?"}},
	{file: "elan.eaf", annomi: "48", layout: "elan",
		speakers: map[string]string{"Ana Lind": "therapist", "Tom Berg": "client"},
		first:    annomiTurn{"Tom Berg", time.Minute + 40050*time.Millisecond, time.Minute + 50510*time.Millisecond, "You know that my friends were happy, um, that I'm like this cool person who moved from in the middle of nowhere, has a strange accent that-"}},
	{file: "chat.cha", annomi: "73", layout: "chat",
		speakers: map[string]string{"Maria": "therapist", "Participant": "client"},
		first:    annomiTurn{"Participant", 2*time.Minute + 15050*time.Millisecond, 2*time.Minute + 19430*time.Millisecond, "He, um, introduced me to it too, so I've tried it."}},
}

func TestSpeechFormats(t *testing.T) {
	_, rows := annomiData(t)
	for _, tt := range speechFixtures {
		t.Run(tt.file, func(t *testing.T) {
			ts, err := ReadFile("testdata/formats/"+tt.file, tt.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 1 {
				t.Fatalf("%d transcripts, want 1", len(ts))
			}
			tr := ts[0]
			textCheck(t, tr)
			id := IDFromPath(tt.file)
			if tr.ID != id || tr.Title != id || tr.Metadata["layout"] != tt.layout {
				t.Errorf("ID %q, title %q, layout %q; want %q, %q, %q", tr.ID, tr.Title, tr.Metadata["layout"], id, id, tt.layout)
			}
			got := make([]annomiTurn, len(tr.Turns))
			for i, turn := range tr.Turns {
				got[i] = annomiTurn{turn.Speaker, turn.Start, turn.End, tr.TurnText(i)}
				if _, ok := tt.speakers[turn.Speaker]; !ok {
					t.Errorf("turn %d: unexpected speaker %q", i, turn.Speaker)
				}
				if turn.Start == NoTime || turn.End == NoTime || turn.End < turn.Start {
					t.Errorf("turn %d: times %v-%v", i, turn.Start, turn.End)
				}
			}
			if got[0] != tt.first {
				t.Errorf("first turn\n got  %+v\n want %+v", got[0], tt.first)
			}
			utts := rows[tt.annomi]
			if tt.segments > 0 {
				speechCompareSegments(t, got, utts, tt.segments)
				return
			}
			// One turn per run of one interlocutor's utterances, starting
			// in the second of the first one's time stamp.
			var want []annomiTurn
			for i, u := range utts {
				if i > 0 && u.speaker == utts[i-1].speaker {
					want[len(want)-1].text += " " + u.text
					continue
				}
				want = append(want, annomiTurn{speaker: u.speaker, start: u.start, text: u.text})
			}
			if len(got) != len(want) {
				t.Fatalf("%d turns, AnnoMI has %d runs of utterances", len(got), len(want))
			}
			for i, w := range want {
				g := got[i]
				if g.text != w.text {
					t.Errorf("turn %d:\n got  %q\n want %q", i, g.text, w.text)
				}
				if tt.speakers[g.speaker] != w.speaker {
					t.Errorf("turn %d: speaker %q is %s, AnnoMI says %s", i, g.speaker, tt.speakers[g.speaker], w.speaker)
				}
				if g.start.Truncate(time.Second) != w.start {
					t.Errorf("turn %d: start %v, AnnoMI time stamp %v", i, g.start, w.start)
				}
			}
		})
	}
}

// speechCompareSegments checks whisper's turns, one per segment, against
// the AnnoMI utterances they cut: same text in order, and every utterance
// starts a turn in the second of its time stamp.
func speechCompareSegments(t *testing.T, got []annomiTurn, utts []annomiRow, segments int) {
	t.Helper()
	if len(got) != segments {
		t.Errorf("%d turns, want one per segment: %d", len(got), segments)
	}
	var all, want []string
	for _, g := range got {
		all = append(all, g.text)
	}
	k := 0
	for i, u := range utts {
		want = append(want, u.text)
		for k < len(got) && !strings.HasPrefix(u.text, got[k].text) {
			k++
		}
		if k == len(got) {
			t.Fatalf("utterance %d %q starts no turn", i, u.text)
		}
		if got[k].start.Truncate(time.Second) != u.start {
			t.Errorf("utterance %d: its turn starts at %v, AnnoMI time stamp %v", i, got[k].start, u.start)
		}
		k++
	}
	if a, w := strings.Join(all, " "), strings.Join(want, " "); a != w {
		t.Errorf("text\n got  %q\n want %q", a, w)
	}
}

// speechCase is a small file and what its reader should find, or the
// error it should give.
type speechCase struct {
	name, file, data string
	want             []annomiTurn
	err              string // part of the error message
	line             int    // the error's line
}

var speechCases = []speechCase{
	{name: "whisperx without a speaker", file: "x.json",
		data: `{"segments": [{"start": 1.5, "end": 2.0, "text": " Hi.", "speaker": "SPEAKER_00"},
		{"start": 2.1, "end": 2.5, "text": " Hello.", "words": [{"word": "Hello.", "start": 2.1, "end": 2.5, "speaker": "SPEAKER_01"}]},
		{"start": 2.6, "end": 3.0, "text": "Mm.", "words": [{"word": "Mm."}]},
		{"start": 3.1, "end": 3.5, "text": "Right.", "words": [{"word": "Right."}]},
		{"start": 4, "end": 5, "text": " So.", "speaker": "SPEAKER_01"}], "word_segments": []}`,
		want: []annomiTurn{{"SPEAKER_00", ms(1500), ms(2000), "Hi."}, {"SPEAKER_01", ms(2100), ms(2500), "Hello."},
			{"", ms(2600), ms(3000), "Mm."}, {"", ms(3100), ms(3500), "Right."}, {"SPEAKER_01", ms(4000), ms(5000), "So."}}},
	{name: "amazon without audio segments", file: "x.json",
		data: `{"jobName":"j","results":{"transcripts":[{"transcript":"Hi there. Yes."}],
		"speaker_labels":{"speakers":2,"segments":[{"start_time":"0.5","end_time":"1.4","speaker_label":"spk_0","items":[]},{"start_time":"2.0","end_time":"2.4","speaker_label":"spk_1","items":[]}]},
		"items":[{"start_time":"0.5","end_time":"0.9","alternatives":[{"confidence":"1.0","content":"Hi"}],"type":"pronunciation"},
		{"start_time":"0.9","end_time":"1.4","alternatives":[{"confidence":"1.0","content":"there"}],"type":"pronunciation"},
		{"alternatives":[{"confidence":"0.0","content":"."}],"type":"punctuation"},
		{"start_time":"2.0","end_time":"2.4","alternatives":[{"confidence":"1.0","content":"Yes"}],"type":"pronunciation"},
		{"alternatives":[{"confidence":"0.0","content":"."}],"type":"punctuation"}]},"status":"COMPLETED"}`,
		want: []annomiTurn{{"spk_0", ms(500), ms(1400), "Hi there."}, {"spk_1", ms(2000), ms(2400), "Yes."}}},
	{name: "assemblyai without speaker labels", file: "x.json",
		data: `{"id":"x","status":"completed","text":"Hello  there.","words":[{"text":"Hello","start":250,"end":650,"speaker":null},{"text":"there.","start":700,"end":1022,"speaker":null}],"utterances":null,"audio_duration":2}`,
		want: []annomiTurn{{"", ms(250), ms(1022), "Hello there."}}},
	{name: "deepgram paragraphs", file: "x.json",
		data: "\ufeff" + `{"metadata":{},"results":{"channels":[{"alternatives":[{"transcript":"a b","words":[],"paragraphs":{"transcript":"","paragraphs":[
		{"sentences":[{"text":"Hi.","start":0.1,"end":0.5},{"text":"Come in.","start":0.6,"end":1.0}],"speaker":0,"start":0.1,"end":1.0},
		{"sentences":[{"text":"Thanks.","start":1.2,"end":1.5}],"speaker":1,"start":1.2,"end":1.5}]}}]}]}}`,
		want: []annomiTurn{{"Speaker 0", ms(100), ms(1000), "Hi. Come in."}, {"Speaker 1", ms(1200), ms(1500), "Thanks."}}},
	{name: "rev ai with a repeated speaker", file: "x.json",
		data: `{"monologues":[{"speaker":1,"elements":[{"type":"text","value":"Hello","ts":0.5,"end_ts":1.5,"confidence":1},{"type":"punct","value":" "},{"type":"text","value":"World","ts":1.75,"end_ts":2.85},{"type":"punct","value":"."}]},
		{"speaker":1,"elements":[{"type":"text","value":"Again","ts":3,"end_ts":3.5},{"type":"punct","value":"."}]},
		{"speaker":2,"elements":[{"type":"unknown","value":"<inaudible>"}]}]}`,
		want: []annomiTurn{{"Speaker 1", ms(500), ms(3500), "Hello World. Again."}, {"Speaker 2", NoTime, NoTime, "<inaudible>"}}},
	{name: "other json", file: "settings.json", data: `{"name": "study", "segments_total": 3}`,
		err: "not a speech-recognition transcript"},
	{name: "json array", file: "x.json", data: "[\n{\"start\": 1, \"text\": \"hi\"}]",
		err: "not a speech-recognition transcript: the JSON holds a array", line: 1},
	{name: "broken json", file: "x.json", data: "{\"segments\": [\n{\"start\": 1,\n\"text\": \"hi\"\n]}",
		err: "bad JSON", line: 4},
	{name: "time of the wrong type", file: "x.json", data: `{"segments": [{"start": true, "end": 2, "text": "hi"}]}`,
		err: "whisper JSON: segments: bad time true"},
	{name: "end before start", file: "x.json", data: `{"monologues": [{"speaker": 0, "elements": [{"type": "text", "value": "a", "ts": 5, "end_ts": 4}]}]}`,
		err: "rev-ai JSON: monologues[0]: end 4s is before start 5s"},
	{name: "no text", file: "x.json", data: `{"segments": [{"start": 1, "end": 2}]}`,
		err: "whisper JSON: segments[0]: no text"},
	{name: "no speech", file: "x.json", data: `{"segments": [{"start": 1, "end": 2, "text": "  "}]}`,
		err: "no speech found"},

	{name: "elan speech tiers in time order", file: "x.eaf",
		data: `<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0"><HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>
<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="1000"/>
<TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="1200"/><TIME_SLOT TIME_SLOT_ID="ts4"/><TIME_SLOT TIME_SLOT_ID="ts5" TIME_VALUE="2000"/>
<TIME_SLOT TIME_SLOT_ID="ts6" TIME_VALUE="2100"/><TIME_SLOT TIME_SLOT_ID="ts7" TIME_VALUE="3000"/></TIME_ORDER>
<TIER TIER_ID="B" PARTICIPANT="" LINGUISTIC_TYPE_REF="lt">
<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4"><ANNOTATION_VALUE>Fine &amp;
 you?</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>
<TIER TIER_ID="A" PARTICIPANT="Kim Lee" LINGUISTIC_TYPE_REF="lt">
<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>How are you?</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts5" TIME_SLOT_REF2="ts6"><ANNOTATION_VALUE>Good.</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a4" TIME_SLOT_REF1="ts6" TIME_SLOT_REF2="ts7"><ANNOTATION_VALUE>So.</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>
<TIER TIER_ID="words@A" PARENT_REF="A" PARTICIPANT="Kim Lee" LINGUISTIC_TYPE_REF="w">
<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a5" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>How</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a6" ANNOTATION_REF="a1"><ANNOTATION_VALUE>note</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION></TIER>
</ANNOTATION_DOCUMENT>`,
		want: []annomiTurn{{"Kim Lee", 0, ms(1000), "How are you?"}, {"B", ms(1200), NoTime, "Fine & you?"}, {"Kim Lee", ms(2000), ms(3000), "Good. So."}}},
	{name: "elan unknown time slot", file: "x.eaf",
		data: "<ANNOTATION_DOCUMENT>\n<TIME_ORDER><TIME_SLOT TIME_SLOT_ID=\"ts1\" TIME_VALUE=\"0\"/></TIME_ORDER>\n<TIER TIER_ID=\"A\">\n<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID=\"a1\" TIME_SLOT_REF1=\"ts1\" TIME_SLOT_REF2=\"ts9\"><ANNOTATION_VALUE>x</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER></ANNOTATION_DOCUMENT>",
		err:  `annotation refers to time slot "ts9"`, line: 4},
	{name: "elan bad time value", file: "x.eaf",
		data: "<ANNOTATION_DOCUMENT>\n<TIME_ORDER>\n<TIME_SLOT TIME_SLOT_ID=\"ts1\" TIME_VALUE=\"1.5s\"/></TIME_ORDER></ANNOTATION_DOCUMENT>",
		err:  `bad TIME_VALUE "1.5s"`, line: 3},
	{name: "elan broken xml", file: "x.eaf", data: "<ANNOTATION_DOCUMENT>\n<TIER TIER_ID=\"A\">\n</ANNOTATION_DOCUMENT>",
		err: "bad XML", line: 3},
	{name: "not elan", file: "x.eaf", data: "<html><body>hi</body></html>", err: "not an ELAN file", line: 1},

	{name: "chat without bullets", file: "x.cha",
		data: "@UTF8\r\n@Begin\r\n@Languages:\teng\r\n@Participants:\tCHI Target_Child, MOT Mother,\r\n\tINV Investigator, OBS Investigator\r\n*MOT:\twhat do you\r\n\twant ?\r\n%mor:\tpron|what\r\n*MOT:\tsay it .\r\n*CHI:\tcookie .\r\n@Comment:\tlaughs\r\n*INV:\tyes .\r\n*OBS:\tno .\r\n*XYZ:\thm .\r\n@End\r\n",
		want: []annomiTurn{{"Mother", NoTime, NoTime, "what do you want ? say it ."}, {"Target Child", NoTime, NoTime, "cookie ."},
			{"Investigator (INV)", NoTime, NoTime, "yes ."}, {"Investigator (OBS)", NoTime, NoTime, "no ."}, {"XYZ", NoTime, NoTime, "hm ."}}},
	{name: "chat old bullets", file: "x.cha",
		data: "@Begin\n@Participants:\tPAR Participant\n*PAR:\tone . \x15%snd:\"a\"_1000_2000\x15\n*PAR:\ttwo \x15pic\x15 . \x152000_3500\x15\n@End\n",
		want: []annomiTurn{{"Participant", ms(1000), ms(3500), "one . two ."}}},
	{name: "chat without @End", file: "x.cha", data: "@Begin\n*CHI:\thi .\n", err: "no @End", line: 3},
	{name: "chat unclosed bullet", file: "x.cha", data: "@Begin\n*CHI:\thi . \x15100_200\n@End\n", err: "not closed", line: 2},
	{name: "chat bad bullet", file: "x.cha", data: "@Begin\n\n*CHI:\thi . \x15300_200\x15\n@End\n", err: "bad media bullet 300_200", line: 3},
	{name: "not chat", file: "x.cha", data: "Interviewer: hello\n", err: "not a CHAT file", line: 1},
	{name: "chat bad main tier", file: "x.cha", data: "@Begin\n*CHI hi .\n@End\n", err: "bad main tier", line: 2},
}

func TestSpeechCases(t *testing.T) {
	for _, tc := range speechCases {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := Parse(tc.file, "x", []byte(tc.data), Options{})
			if tc.err != "" {
				var fe *FileError
				if !errors.As(err, &fe) || fe.File != tc.file {
					t.Fatalf("error %v (%T), want a *FileError for %s", err, err, tc.file)
				}
				if !strings.Contains(err.Error(), tc.err) || fe.Line != tc.line {
					t.Errorf("error %q at line %d, want %q at line %d", err, fe.Line, tc.err, tc.line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tr := ts[0]
			textCheck(t, tr)
			var got []annomiTurn
			for i, turn := range tr.Turns {
				got = append(got, annomiTurn{turn.Speaker, turn.Start, turn.End, tr.TurnText(i)})
			}
			if len(got) != len(tc.want) {
				t.Fatalf("turns\n got  %+v\n want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("turn %d\n got  %+v\n want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// fuzzSpeech checks what every reader promises for any input: no panic,
// errors that are *FileErrors naming the file, spans in range, turns cut
// from canonical text.
func fuzzSpeech(f *testing.F, name string, seeds ...string) {
	for _, fx := range speechFixtures {
		if strings.HasSuffix(fx.file, name[strings.LastIndex(name, "."):]) {
			data, err := os.ReadFile("testdata/formats/" + fx.file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, c := range speechCases {
		if strings.HasSuffix(c.file, name[strings.LastIndex(name, "."):]) {
			f.Add([]byte(c.data))
		}
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := Parse(name, "f", data, Options{})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != name || strings.Contains(err.Error(), "internal") {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		for _, tr := range ts {
			textCheck(t, tr)
			if text, err := Canonical([]byte(tr.Text)); err != nil || text != tr.Text {
				t.Fatalf("text is not canonical: %v", err)
			}
			for i, turn := range tr.Turns {
				if tr.TurnText(i) != Cut(tr.Text, turn.Span) {
					t.Fatalf("turn %d: cut text differs", i)
				}
			}
		}
	})
}

func FuzzParseASRJSON(f *testing.F) {
	fuzzSpeech(f, "f.json", `{"results":{"items":[{"type":"pronunciation","alternatives":[]}]}}`,
		`{"utterances":[{"speaker":7,"text":"a\u0000b\u0301","start":-1}]}`, `{"results":{"channels":[{"alternatives":[{"words":[{"word":"x","speaker":1},{"word":"y"}]}]},{}]}}`)
}

func FuzzParseEAF(f *testing.F) {
	fuzzSpeech(f, "f.eaf", `<ANNOTATION_DOCUMENT><TIER TIER_ID="a"><ALIGNABLE_ANNOTATION/></TIER></ANNOTATION_DOCUMENT>`)
}

func FuzzParseCHAT(f *testing.F) {
	fuzzSpeech(f, "f.cha", "@Begin\n*A:\t\x15\x15 \x151_2\x15\n\tx\n@End", "@Begin\n@Participants:\t, A\n*A:\n@End")
}
