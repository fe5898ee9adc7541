package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The export layouts of issue 17, each a fixture in testdata/formats built
// from an AnnoMI conversation (see testdata/formats/README.md).

func TestLayoutFiles(t *testing.T) {
	const sec = time.Second
	tests := []struct {
		file     string
		annomi   string // AnnoMI transcript_id
		format   string
		layout   string // the "layout" metadata, for text layouts
		turns    int
		speakers []string
		first    textTurn
		last     textTurn
		times    bool // turn starts are AnnoMI's timestamps, exactly
	}{
		{
			// Names on the first cue of a turn only; the cues after it,
			// wrapped at 32 characters, carry the turn on.
			file: "otter.srt", annomi: "9", format: "srt", turns: 27, times: true,
			speakers: []string{"Meera Shah", "Speaker 2"},
			first:    textTurn{"Meera Shah", "So now that we've discussed a little bit of your medical history and- and taking your vitals, I'd like to ask you a few more questions. The-", 13 * sec, 21 * sec},
			last:     textTurn{"Meera Shah", "Okay.", 204 * sec, 205 * sec},
		},
		{
			// The speaker is in the cue identifier; long turns span cues.
			file: "webex.vtt", annomi: "30", format: "vtt", turns: 29, times: true,
			speakers: []string{"Priya Natarajan", "Tomás Ortega"},
			first:    textTurn{"Priya Natarajan", "Hey, Mary. I wanted to bring up to you, um, that your battery died last night. So, can you tell me what happened?", sec, 8 * sec},
		},
		{
			// "[Name] hh:mm:ss" then the text lines (CRLF).
			file: "zoom-saved-transcript.txt", annomi: "25", format: "txt", layout: "zoom", turns: 34, times: true,
			speakers: []string{"Alex Kim", "Morgan Lee"},
			first:    textTurn{"Alex Kim", "So, Liz, what's something that you'd like to change or maybe that you're feeling two ways about right now?", sec, NoTime},
		},
		{
			// Timespan, Speaker, Content rows, tab-separated (CRLF).
			file: "nvivo.txt", annomi: "73", format: "txt", turns: 26, times: true,
			speakers: []string{"Jess", "Interviewer"},
			first:    textTurn{"Jess", "He, um, introduced me to it too, so I've tried it.", 135 * sec, 140*sec + 900*time.Millisecond},
		},
		{
			// ">> NAME:" where the speaker changes, cues wrapped anywhere.
			file: "youtube.sbv", annomi: "65", format: "sbv", turns: 35, times: true,
			speakers: []string{"OWEN", "NINA"},
			first:    textTurn{"OWEN", "Many people have told me, um, if I quit smoking, I'm going to gain weight.", 6 * sec, 11 * sec},
		},
		{
			// "hh:mm:ss Speaker N" paragraphs above the text; a long
			// stretch is cut into sections with headers of their own, so
			// it is more than one turn.
			file: "word-transcribe.docx", annomi: "122", format: "docx", layout: "word-transcribe", turns: 27, times: false,
			speakers: []string{"Speaker 2", "Speaker 1"},
			first:    textTurn{"Speaker 2", "Well, I'm here because my mom wants me to be here.", 0, NoTime},
			last:     textTurn{"Speaker 1", "Yeah. Yeah", 92 * sec, NoTime},
		},
		{
			// "Name   m:ss", a line break and the text in one paragraph,
			// under the meeting's title, date and duration.
			file: "teams.docx", annomi: "87", format: "docx", turns: 26, times: true,
			speakers: []string{"Grace Okafor", "Liam Byrne (Guest)"},
			first:    textTurn{"Grace Okafor", "So let me tell you what I normally do in this, um, this interview, and we-we'll talk for up to maybe 20 minutes or so. Normally what I do is just give some feedback from all of those questionnaires that you answered last week-", 6 * sec, NoTime},
		},
	}
	utterances := textAnnoMI(t)
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			tr := layoutRead(t, tc.file)
			if tr.Format != tc.format || (tc.layout != "" && tr.Metadata["layout"] != tc.layout) {
				t.Errorf("format %q, layout %q; want %q, %q", tr.Format, tr.Metadata["layout"], tc.format, tc.layout)
			}
			got := textTurns(tr)
			if len(got) != tc.turns {
				t.Errorf("%d turns, want %d", len(got), tc.turns)
			}
			if sp := textSpeakers(tr); strings.Join(sp, "|") != strings.Join(tc.speakers, "|") {
				t.Errorf("speakers %q, want %q", sp, tc.speakers)
			}
			if got[0] != tc.first {
				t.Errorf("first turn\n got  %+v\n want %+v", got[0], tc.first)
			}
			if last := got[len(got)-1]; tc.last.text != "" && last != tc.last {
				t.Errorf("last turn\n got  %+v\n want %+v", last, tc.last)
			}
			for i, turn := range got {
				if turn.start == NoTime {
					t.Errorf("turn %d %q has no start time", i, turn.text)
				}
				if strings.Contains(turn.text, ">>") || strings.Contains(turn.text, "Speaker 2:") || strings.Contains(turn.text, "-->") {
					t.Errorf("turn %d holds layout marks: %q", i, turn.text)
				}
			}
			textCompareAnnoMI(t, tr, utterances[tc.annomi], tc.times)
		})
	}
}

// layoutRead reads one fixture and checks the invariants.
func layoutRead(t *testing.T, file string) *Transcript {
	t.Helper()
	ts, err := ReadFile(filepath.Join("testdata", "formats", file), file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := checkTranscripts(t, ts)
	textCheck(t, tr)
	return tr
}

// Zoom's closed captions name nobody: the whole conversation is one turn of
// the unknown speaker, not turns given to whoever was named last.
func TestLayoutZoomClosedCaptions(t *testing.T) {
	tr := layoutRead(t, "zoom.cc.vtt")
	if len(tr.Turns) != 1 || tr.Turns[0].Speaker != "" {
		t.Fatalf("%d turns, first speaker %q; want one turn of the unknown speaker", len(tr.Turns), tr.Turns[0].Speaker)
	}
	rows := textAnnoMI(t)["48"]
	var all []string
	for _, u := range rows {
		all = append(all, u.text)
	}
	if got, want := tr.TurnText(0), strings.Join(all, " "); got != want {
		t.Errorf("text\n got  %q\n want %q", got, want)
	}
	if turn := tr.Turns[0]; turn.Start != rows[0].start || turn.End != 201*time.Second {
		t.Errorf("times %v-%v, want %v-3m21s", turn.Start, turn.End, rows[0].start)
	}
}

// layoutVariants are small files in the new layouts, with the variants real
// files have: CRLF, BOM, no final newline, unknown speakers.
var layoutVariants = []struct {
	name, file, data string
	want             []capTurn
}{
	{
		name: "otter srt: nameless cues carry the turn (CRLF, BOM, no final newline)", file: "x.srt",
		data: "\ufeff1\r\n00:00:01,000 --> 00:00:03,000\r\nMeera Shah: So now that we've\r\ndiscussed your history\r\n\r\n" +
			"2\r\n00:00:03,000 --> 00:00:04,000\r\nand your vitals.\r\n\r\n3\r\n00:00:04,000 --> 00:00:05,000\r\nSpeaker 2: Sure.\r\n\r\n" +
			"4\r\n00:00:05,000 --> 00:00:06,000\r\nMeera Shah: Okay, so\r\n\r\n5\r\n00:00:06,000 --> 00:00:07,000\r\nhow much do you drink?",
		want: []capTurn{
			{"Meera Shah", "So now that we've discussed your history and your vitals.", ms(1000), ms(4000)},
			{"Speaker 2", "Sure.", ms(4000), ms(5000)},
			{"Meera Shah", "Okay, so how much do you drink?", ms(5000), ms(7000)},
		},
	},
	{
		name: "zoom vtt: a nameless cue stays unknown where every cue is named", file: "x.vtt",
		data: "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nJordan Reyes: So, let's see.\n\n2\n00:00:02.000 --> 00:00:03.000\nJordan Reyes: You drink at least four times a week-\n\n" +
			"3\n00:00:03.000 --> 00:00:04.000\nMm-hmm.\n\n4\n00:00:04.000 --> 00:00:05.000\nJordan Reyes: -and three to four drinks.\n\n" +
			"5\n00:00:05.000 --> 00:00:06.000\nBarbara: Usually three.\n\n6\n00:00:06.000 --> 00:00:07.000\nUh-huh.\n",
		want: []capTurn{
			{"Jordan Reyes", "So, let's see. You drink at least four times a week-", ms(1000), ms(3000)},
			{"", "Mm-hmm.", ms(3000), ms(4000)},
			{"Jordan Reyes", "-and three to four drinks.", ms(4000), ms(5000)},
			{"Barbara", "Usually three.", ms(5000), ms(6000)},
			{"", "Uh-huh.", ms(6000), ms(7000)},
		},
	},
	{
		name: "webex: unknown speaker, a repeated name prefix, entities (CRLF)", file: "x.vtt",
		data: "WEBVTT\r\n\r\n1 \"Priya Natarajan\" (3827716096)\r\n00:00:01.000 --> 00:00:02.000\r\nPriya Natarajan: Hey, Mary.\r\n\r\n" +
			"2 \"Priya Natarajan\" (3827716096)\r\n00:00:02.000 --> 00:00:03.000\r\nWhat happened?\r\n\r\n3 \"\" (0)\r\n00:00:03.000 --> 00:00:04.000\r\nHmm.\r\n\r\n" +
			"4 \"Tom&#225;s Ortega\" (2151681280)\r\n00:00:04.000 --> 00:00:05.000\r\nI don't know.\r\n\r\n5 \"Priya Natarajan\" (3827716096)\r\n00:00:05.000 --> 00:00:06.000\r\nOkay.\r\n",
		want: []capTurn{
			{"Priya Natarajan", "Hey, Mary. What happened?", ms(1000), ms(3000)},
			{"", "Hmm.", ms(3000), ms(4000)},
			{"Tomás Ortega", "I don't know.", ms(4000), ms(5000)},
			{"Priya Natarajan", "Okay.", ms(5000), ms(6000)},
		},
	},
	{
		name: "sbv: bare >>, >> inside a cue, a name repeated (CRLF, no final newline)", file: "x.sbv",
		data: "0:00:01.000,0:00:02.500\r\n>> NINA: How are you\r\ntoday?\r\n\r\n0:00:02.500,0:00:04.000\r\n>> OWEN: Fine. >> NINA: Good.\r\n\r\n" +
			"0:00:04.000,0:00:05.000\r\n>> NINA: Really good.\r\n\r\n0:00:05.000,0:00:06.000\r\n>> Who said that?\r\n\r\n0:00:06.000,0:00:07.000\r\n>> Not me.",
		want: []capTurn{
			{"NINA", "How are you today?", ms(1000), ms(2500)},
			{"OWEN", "Fine.", ms(2500), ms(4000)},
			{"NINA", "Good. Really good.", ms(2500), ms(5000)},
			{"", "Who said that?", ms(5000), ms(6000)},
			{"", "Not me.", ms(6000), ms(7000)},
		},
	},
	{
		name: "sbv without speakers, BOM", file: "x.sbv",
		data: "\ufeff0:00:01.000,0:00:04.000\nWelcome to this tutorial.\n\n0:00:04.000,0:00:07.000\nWe start with reading.\n",
		want: []capTurn{{"", "Welcome to this tutorial. We start with reading.", ms(1000), ms(7000)}},
	},
	{
		name: "nvivo rows: spans without spaces, short seconds, column order free", file: "x.txt",
		data: "Content\tTimespan\tSpeaker\nShe said \"no\".\t0:02:0-0:10:0\tJane\nAnd more.\t0:10:0-0:11:5\tInterviewer\n",
		want: []capTurn{{"Jane", "She said \"no\".", 2 * time.Minute, 10 * time.Minute}, {"Interviewer", "And more.", 10 * time.Minute, 11*time.Minute + 5*time.Second}},
	},
	{
		name: "nvivo rows in a .tsv", file: "x.tsv",
		data: "Timespan\tSpeaker\tContent\r\n0:00:03.2 - 0:00:04.1\tKelly\tHi.\r\n",
		want: []capTurn{{"Kelly", "Hi.", ms(3200), ms(4100)}},
	},
	{
		name: "zoom saved transcript, a speaker continuing under a new header", file: "x.txt",
		data: "[Alex Kim] 14:02:01\nSo, Liz,\nwhat would you like to change?\n[Morgan Lee] 14:02:06\nWorking out.\n[Morgan Lee] 14:02:09\nDefinitely.\n",
		want: []capTurn{
			{"Alex Kim", "So, Liz,\nwhat would you like to change?", 14*time.Hour + 2*time.Minute + time.Second, NoTime},
			{"Morgan Lee", "Working out.", 14*time.Hour + 2*time.Minute + 6*time.Second, NoTime},
			{"Morgan Lee", "Definitely.", 14*time.Hour + 2*time.Minute + 9*time.Second, NoTime},
		},
	},
	{
		name: "word transcribe headers; a time before lower-case words is text", file: "x.txt",
		data: "00:00:00 Speaker 1\nHello.\n\n00:00:04 Speaker 2\nWe met at\n00:12:30 and then left.\n",
		want: []capTurn{{"Speaker 1", "Hello.", 0, NoTime}, {"Speaker 2", "We met at\n00:12:30 and then left.", 4 * time.Second, NoTime}},
	},
}

func TestLayoutVariants(t *testing.T) {
	for _, tt := range layoutVariants {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := Parse(tt.file, IDFromPath(tt.file), []byte(tt.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr := checkTranscripts(t, ts)
			for i := 0; i < len(tr.Turns) || i < len(tt.want); i++ {
				if i >= len(tr.Turns) || i >= len(tt.want) {
					t.Fatalf("%d turns, want %d:\n%s", len(tr.Turns), len(tt.want), tr.Text)
				}
				checkTurn(t, tr, i, tt.want[i])
			}
		})
	}
}

func TestBrokenSBV(t *testing.T) {
	tests := []struct {
		name, data string
		line       int
		want       string
	}{
		{"text before a timing line", "Hello\n0:00:01.000,0:00:02.000\nHi.\n", 1,
			`reading transcript "x.sbv": line 1: broken cue: expected an SBV timing line such as "0:00:01.000,0:00:04.000", found "Hello"`},
		{"srt timing in an sbv file", "0:00:01.000,0:00:02.000\nHi.\n\n00:00:02,000 --> 00:00:03,000\nHo.\n", 4,
			`reading transcript "x.sbv": line 4: broken cue: expected an SBV timing line such as "0:00:01.000,0:00:04.000", found "00:00:02,000 --> 00:00:03,000"`},
		{"minutes past 59", "0:61:00.000,0:62:00.000\nHi.\n", 1,
			`reading transcript "x.sbv": line 1: broken cue: bad timing line "0:61:00.000,0:62:00.000"`},
		{"end before start", "0:00:05.000,0:00:04.000\nHi.\n", 1,
			`reading transcript "x.sbv": line 1: broken cue: end 0:00:04.000 is before start 0:00:05.000`},
		{"only markers", "0:00:01.000,0:00:02.000\n>>\n", 0, `reading transcript "x.sbv": no speech found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := Parse("x.sbv", "x", []byte(tt.data), Options{})
			is := errBrokenCue
			if tt.line == 0 {
				is = ErrNoTurns
			}
			checkFileError(t, ts, err, is, tt.line, tt.want)
		})
	}
}

// FuzzParseLayouts checks the readers of the new layouts: no panic, spans
// in range and in order, and each turn's span cuts the turn's text.
func FuzzParseLayouts(f *testing.F) {
	for _, name := range []string{"otter.srt", "webex.vtt", "zoom.cc.vtt", "youtube.sbv", "nvivo.txt", "zoom-saved-transcript.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata", "formats", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, v := range layoutVariants {
		f.Add([]byte(v.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.sbv", "f.srt", "f.vtt", "f.txt"} {
			ts, err := Parse(name, "f", data, Options{})
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) || fe.File != name || strings.Contains(err.Error(), "internal") {
					t.Fatalf("%s: error %v", name, err)
				}
				continue
			}
			for _, tr := range ts {
				textCheck(t, tr)
				for i := range tr.Turns {
					if got := Cut(tr.Text, tr.Turns[i].Span); got != tr.TurnText(i) {
						t.Fatalf("%s turn %d: Cut %q, TurnText %q", name, i, got, tr.TurnText(i))
					}
				}
			}
		}
	})
}
