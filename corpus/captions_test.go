package corpus

import (
	"encoding/csv"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The sample files in testdata/formats hold AnnoMI conversations (public
// domain, see testdata/formats/README.md) in the layouts Zoom and Teams
// export.

// capTurn is a turn as a captions test expects it.
type capTurn struct {
	speaker    string
	text       string
	start, end time.Duration
}

// ms is a duration in milliseconds.
func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

func TestCaptionFiles(t *testing.T) {
	tests := []struct {
		file     string
		annomi   string            // AnnoMI transcript_id of the conversation
		speakers map[string]string // AnnoMI interlocutor of each speaker
		turns    int
		check    map[int]capTurn // turn index (negative: from the end) -> turn
	}{
		{
			file: "zoom.vtt", annomi: "0",
			speakers: map[string]string{"Jordan Reyes": "therapist", "Barbara": "client", "": "client"},
			turns:    54,
			check: map[int]capTurn{
				0: {"Jordan Reyes", "Thanks for filling it out. We give this form to everyone once a year regardless of why they come in. It helps us provide better care. Is it okay if I take a look at what you put down?", ms(13388), ms(24286)},
				// Cue 4 has no name: the unknown speaker, between two
				// turns of Jordan Reyes that it keeps apart.
				2: {"Jordan Reyes", "So, let's see. It looks that you put-- You drink alcohol at least four times a week on average-", ms(25117), ms(32604)},
				3: {"", "Mm-hmm.", ms(34117), ms(34367)},
				4: {"Jordan Reyes", "-and you usually have three to four drinks when you do drink.", ms(34467), ms(39258)},
				// Cues 9 and 10 are one turn.
				8:  {"Jordan Reyes", "Okay. Just so you know, my role, um, when we talk about alcohol use, is just to share information about risk and to help patients who want help. This is different than telling them what I think they should do. I don't do that.", ms(47414), ms(63284)},
				-1: {"Barbara", "Okay.", ms(339077), ms(339897)},
			},
		},
		{
			file: "teams.vtt", annomi: "2",
			speakers: map[string]string{"Sofía Ramírez": "therapist", "John Okafor": "client"},
			turns:    36,
			check: map[int]capTurn{
				// The name is written "Sof&#237;a Ram&#237;rez"; the voice
				// span wraps across lines.
				0: {"Sofía Ramírez", "Hi, John. Nice to see you again. So, tell me, how are things going?", ms(39220), ms(43044)},
				// Cues 12-0, 12-1 and 12-2 are one turn.
				1:  {"John Okafor", "Well, doc, I know you told me that I need to lose weight. And even though the scale didn't show today, I was able to lose about 5 pounds, but then I gained it right back.", ms(43164), ms(52242)},
				-1: {"John Okafor", "Okay.", ms(326283), ms(327103)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ts, err := ReadFile("testdata/formats/"+tt.file, tt.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr := checkTranscripts(t, ts)
			id := strings.TrimSuffix(tt.file, ".vtt")
			if tr.ID != id || tr.Title != id || tr.Format != "vtt" {
				t.Errorf("ID %q, title %q, format %q; want %q, %q, vtt", tr.ID, tr.Title, tr.Format, id, id)
			}
			if len(tr.Turns) != tt.turns {
				t.Fatalf("%d turns, want %d", len(tr.Turns), tt.turns)
			}
			for i, want := range tt.check {
				if i < 0 {
					i += len(tr.Turns)
				}
				checkTurn(t, tr, i, want)
			}
			for i, turn := range tr.Turns {
				if _, ok := tt.speakers[turn.Speaker]; !ok {
					t.Errorf("turn %d: unexpected speaker %q", i, turn.Speaker)
				}
			}
			compareAnnoMI(t, tr, tt.annomi, tt.speakers)
		})
	}
}

// compareAnnoMI checks tr against the AnnoMI conversation it was made
// from: one turn per utterance (no conversation here has two utterances of
// one speaker in a row), same text, same speaker, and a start time in the
// second of the utterance's time stamp.
func compareAnnoMI(t *testing.T, tr *Transcript, id string, speakers map[string]string) {
	t.Helper()
	f, err := os.Open("testdata/annomi/AnnoMI-simple.csv")
	if err != nil {
		t.Skipf("AnnoMI table not there: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	var rows [][]string
	for _, rec := range recs[1:] {
		if rec[col["transcript_id"]] == id {
			rows = append(rows, rec)
		}
	}
	if len(rows) != len(tr.Turns) {
		t.Fatalf("%d turns, AnnoMI has %d utterances", len(tr.Turns), len(rows))
	}
	for i, rec := range rows {
		turn := tr.Turns[i]
		if got, want := tr.TurnText(i), rec[col["utterance_text"]]; got != want {
			t.Errorf("turn %d:\n got  %q\n want %q", i, got, want)
		}
		if got, want := speakers[turn.Speaker], rec[col["interlocutor"]]; got != want {
			t.Errorf("turn %d: speaker %q is %s, AnnoMI says %s", i, turn.Speaker, got, want)
		}
		stamp := rec[col["timestamp"]]
		want, err := time.ParseDuration(strings.Replace(strings.Replace(stamp, ":", "h", 1), ":", "m", 1) + "s")
		if err != nil {
			t.Fatalf("AnnoMI time stamp %q: %v", stamp, err)
		}
		if turn.Start.Truncate(time.Second) != want {
			t.Errorf("turn %d: start %v, AnnoMI time stamp %s", i, turn.Start, stamp)
		}
	}
}

// captionVariants are small files in the layouts seen in the wild.
var captionVariants = []struct {
	name  string
	file  string
	data  string
	title string // "" means the ID
	want  []capTurn
}{
	{
		name: "srt with comma decimals and name prefixes", file: "x.srt",
		data: "1\n00:00:01,000 --> 00:00:04,500\nDr. Melissa Ko: How have things been\nsince we last met?\n\n" +
			"2\n00:00:04,600 --> 00:00:06,000\nDr. Melissa Ko: Take your time.\n\n" +
			"3\n00:00:06,200 --> 00:00:09,000\nGraham, Ken (Contractor): Honestly: not great.\n",
		want: []capTurn{
			{"Dr. Melissa Ko", "How have things been since we last met? Take your time.", ms(1000), ms(6000)},
			{"Graham, Ken (Contractor)", "Honestly: not great.", ms(6200), ms(9000)},
		},
	},
	{
		name: "srt with CRLF and BOM", file: "x.srt",
		data: "\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\nP1: Hi.\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\nP2: Hello.\r\n",
		want: []capTurn{{"P1", "Hi.", ms(1000), ms(2000)}, {"P2", "Hello.", ms(2000), ms(3000)}},
	},
	{
		name: "vtt with hours omitted", file: "x.vtt",
		data: "WEBVTT\n\n00:00.549 --> 00:01.195\nHello there.\n\n00:01.300 --> 01:02.000\nHow are you?\n\n1:00:01.000 --> 1:00:02.5\nFine.\n",
		want: []capTurn{{"", "Hello there. How are you? Fine.", ms(549), time.Hour + ms(2500)}},
	},
	{
		name: "unpadded times", file: "x.vtt",
		data: "WEBVTT\n\n0:0:5.320 --> 0:0:7.1\n<v Ann>Yes.\n",
		want: []capTurn{{"Ann", "Yes.", ms(5320), ms(7100)}},
	},
	{
		name: "voice spans wrapping, missing </v>, entities", file: "x.vtt",
		data: "WEBVTT\n\n" +
			"a1b2/1-0\n00:00:01.000 --> 00:00:03.000\n<v Sof&#237;a Ram&#237;rez>Tom &amp; I went\nto the caf&eacute; &lt;downtown&gt; &#8212;\n\n" +
			"a1b2/1-1\n00:00:03.000 --> 00:00:04.000\n<v Sof&#237;a Ram&#237;rez>yesterday.</v>\n\n" +
			"a1b2/3-0\n00:00:04.500 --> 00:00:05.000\n<v Graham, Ken (Contractor)>Right.\n",
		want: []capTurn{
			{"Sofía Ramírez", "Tom & I went to the café <downtown> — yesterday.", ms(1000), ms(4000)},
			{"Graham, Ken (Contractor)", "Right.", ms(4500), ms(5000)},
		},
	},
	{
		name: "two voices in one cue", file: "x.vtt",
		data: "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Are you sure?</v> <v Bob>Yes.</v>\n\n00:00:02.000 --> 00:00:03.000\n<v Bob>Quite\n<i>sure</i>.</v>\n",
		want: []capTurn{{"Ann", "Are you sure?", ms(1000), ms(2000)}, {"Bob", "Yes. Quite sure.", ms(1000), ms(3000)}},
	},
	{
		name: "whisperx speaker prefixes", file: "x.vtt",
		data: "WEBVTT\n\n00:00.549 --> 00:01.195\n[SPEAKER_00]: Hi.\n\n00:01.300 --> 00:02.000\n[SPEAKER_00]: How are you?\n\n" +
			"00:02.100 --> 00:03.000\n[SPEAKER_01]: Good, thanks.\n\n00:03.100 --> 00:04.000\nUh-huh.\n",
		want: []capTurn{
			{"SPEAKER_00", "Hi. How are you?", ms(549), ms(2000)},
			{"SPEAKER_01", "Good, thanks.", ms(2100), ms(3000)},
			{"", "Uh-huh.", ms(3100), ms(4000)},
		},
	},
	{
		name: "zoom closed captions (.cc.vtt)", file: "GMT20240124-202901_Recording.cc.vtt",
		data: "WEBVTT\n\n00:01:08.000 --> 00:01:09.000\nso I think we should\n\n00:01:09.000 --> 00:01:11.000\nstart with the intake form\n",
		want: []capTurn{{"", "so I think we should start with the intake form", ms(68000), ms(71000)}},
	},
	{
		name: "text with a colon is not a speaker", file: "x.vtt",
		data: "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nJordan Reyes: Hello.\n\n2\n00:00:02.000 --> 00:00:03.000\nJordan Reyes: How are you?\n\n" +
			"3\n00:00:03.000 --> 00:00:04.000\nthe thing is: I never drink.\n\n4\n00:00:04.000 --> 00:00:05.000\nWhat I said was: no.\n\n" +
			"5\n00:00:05.000 --> 00:00:06.000\nReally? Yes: fine. 12:30: lunch.\n\n6\n00:00:06.000 --> 00:00:07.000\nbarbara: Sure.\n\n7\n00:00:07.000 --> 00:00:08.000\nJordan Reyes: Time is 10:30.\n",
		want: []capTurn{
			{"Jordan Reyes", "Hello. How are you?", ms(1000), ms(3000)},
			{"", "the thing is: I never drink. What I said was: no. Really? Yes: fine. 12:30: lunch. barbara: Sure.", ms(3000), ms(7000)},
			{"Jordan Reyes", "Time is 10:30.", ms(7000), ms(8000)},
		},
	},
	{
		name: "lower-case labels used more than once", file: "x.srt",
		data: "1\n00:00:01,000 --> 00:00:02,000\ntherapist: Hi.\n\n2\n00:00:02,000 --> 00:00:03,000\nclient: Hello: again.\n\n" +
			"3\n00:00:03,000 --> 00:00:04,000\ntherapist: Speaker 1: Okay.\n\n4\n00:00:04,000 --> 00:00:05,000\nclient: Sure.\n",
		want: []capTurn{
			{"therapist", "Hi.", ms(1000), ms(2000)},
			{"client", "Hello: again.", ms(2000), ms(3000)},
			{"therapist", "Speaker 1: Okay.", ms(3000), ms(4000)},
			{"client", "Sure.", ms(4000), ms(5000)},
		},
	},
	{
		name: "header, note title, style, settings, inline times", file: "x.vtt", title: "Focus group 2, site A",
		data: "WEBVTT - made by hand\nKind: captions\nLanguage: en\n\nNOTE\nTitle: Focus group 2, site A\n\nSTYLE\n::cue { color: yellow }\n\n" +
			"1\n00:00:01.000 --> 00:00:02.000 align:start position:0% region:nowhere\n<c.yellow>Welcome</c><00:00:01.500><c> everyone</c>\n\n" +
			"NOTE a comment between cues\n\n" +
			"2\n00:00:02.000 --> 00:00:03.000\nNOTE that we record. STYLE matters.\nX-TIMESTAMP-MAP is not text --&gt; fine\n\n" +
			"3\n00:00:03.000 --> 00:00:04.000\nRegion: we cover the north.\n",
		want: []capTurn{
			{"", "Welcome everyone NOTE that we record. STYLE matters. X-TIMESTAMP-MAP is not text --> fine", ms(1000), ms(3000)},
			{"Region", "we cover the north.", ms(3000), ms(4000)},
		},
	},
	{
		name: "no header, no blank lines between cues", file: "x.vtt",
		data: "00:00:01.000-->00:00:02.000\nHi.\n00:00:02.000 --> 00:00:03.000\nThere.\n",
		want: []capTurn{{"", "Hi. There.", ms(1000), ms(3000)}},
	},
}

func TestCaptionVariants(t *testing.T) {
	for _, tt := range captionVariants {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := Parse(tt.file, IDFromPath(tt.file), []byte(tt.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr := checkTranscripts(t, ts)
			title := tt.title
			if title == "" {
				title = IDFromPath(tt.file)
			}
			if tr.Title != title {
				t.Errorf("title %q, want %q", tr.Title, title)
			}
			for i := 0; i < len(tr.Turns) || i < len(tt.want); i++ {
				if i >= len(tr.Turns) || i >= len(tt.want) {
					t.Fatalf("%d turns, want %d:\n%s", len(tr.Turns), len(tt.want), tr.Text)
				}
				checkTurn(t, tr, i, tt.want[i])
			}
		})
	}
}

// brokenCaptions are files with a cue the reader cannot read.
var brokenCaptions = []struct {
	name string
	file string
	data string
	line int
	want string // the error message after `reading transcript "<file>": `
}{
	{"bad timestamp", "x.vtt", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:0x.000\nHi.\n", 4,
		`line 4: broken cue: bad timing line "00:00:01.000 --> 00:00:0x.000"`},
	{"no end time", "x.vtt", "WEBVTT\n\n00:00:01.000 -->\nHi.\n", 3,
		`line 3: broken cue: bad timing line "00:00:01.000 -->"`},
	{"minutes past 59", "x.srt", "1\n00:61:00,000 --> 00:62:00,000\nHi.\n", 2,
		`line 2: broken cue: bad timing line "00:61:00,000 --> 00:62:00,000"`},
	{"end before start", "x.vtt", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nHi.\n\n2\n00:00:05.000 --> 00:00:04.000\nHo.\n", 8,
		`line 8: broken cue: end 00:00:04.000 is before start 00:00:05.000`},
	{"garbage between cues", "x.vtt", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nHi.\n\nthis is not a cue\nnor is this\n\n2\n00:00:03.000 --> 00:00:04.000\nHo.\n", 7,
		`line 7: broken cue: expected a cue timing line such as "00:00:01.000 --> 00:00:04.000", found "this is not a cue"`},
	{"blank line inside srt text", "x.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello\n\nworld\n", 5,
		`line 5: broken cue: expected a cue timing line such as "00:00:01.000 --> 00:00:04.000", found "world"`},
	{"srt without a timing line", "x.srt", "1\nHello there, this is a very long line of text that goes on\n", 1,
		`line 1: broken cue: expected a cue timing line such as "00:00:01.000 --> 00:00:04.000", found "1"`},
	{"plain text named vtt", "x.vtt", "Interview with Barbara\n\nJordan: Hi.\n", 1,
		`line 1: not a WebVTT file: no WEBVTT header, and "Interview with Barbara" is not a cue`},
	{"cue text too long", "x.vtt", "WEBVTT\n\n7\n00:00:01.000 --> 00:00:02.000\n" + strings.Repeat("word ", 13000) + "\n", 3,
		`line 3: broken cue: cue text longer than 60000 bytes`},
	{"no cues", "x.vtt", "WEBVTT\n\nNOTE nothing yet\n", 0, `no speech found`},
	{"only empty cues", "x.srt", "1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:02,000 --> 00:00:03,000\n<i> </i>\n", 0, `no speech found`},
}

func TestBrokenCaptions(t *testing.T) {
	for _, tt := range brokenCaptions {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := Parse(tt.file, "x", []byte(tt.data), Options{})
			want := `reading transcript "` + tt.file + `": ` + tt.want
			var is error
			if tt.line == 0 {
				is = ErrNoTurns
			} else if strings.Contains(tt.want, "broken cue") {
				is = errBrokenCue
			}
			checkFileError(t, ts, err, is, tt.line, want)
		})
	}
}

// checkTranscripts checks what every captions reading must hold and
// returns the one transcript: the text is UTF-8 in NFC; turn spans are in
// range, in order, without overlap, and cut a non-empty text with no space
// at either end; speakers are trimmed and keyed.
func checkTranscripts(t testing.TB, ts []*Transcript) *Transcript {
	t.Helper()
	if len(ts) != 1 {
		t.Fatalf("%d transcripts, want 1", len(ts))
	}
	tr := ts[0]
	if !utf8.ValidString(tr.Text) || !norm.NFC.IsNormalString(tr.Text) {
		t.Fatalf("text is not NFC UTF-8: %q", tr.Text)
	}
	if len(tr.Turns) == 0 {
		t.Fatal("no turns")
	}
	n, prev := utf8.RuneCountInString(tr.Text), 0
	for i, turn := range tr.Turns {
		s := turn.Span
		if s.Start < prev || s.End <= s.Start || s.End > n {
			t.Fatalf("turn %d: span %d-%d out of range or order (previous end %d, text %d code points)", i, s.Start, s.End, prev, n)
		}
		prev = s.End
		cut := Cut(tr.Text, s)
		if cut != tr.TurnText(i) || strings.TrimSpace(cut) != cut || cut == "" {
			t.Fatalf("turn %d: span cuts %q", i, cut)
		}
		if turn.Speaker != strings.TrimSpace(turn.Speaker) || turn.SpeakerKey != SpeakerKey(turn.Speaker) {
			t.Fatalf("turn %d: speaker %q, key %q", i, turn.Speaker, turn.SpeakerKey)
		}
	}
	return tr
}

// checkTurn compares turn i of tr with want.
func checkTurn(t *testing.T, tr *Transcript, i int, want capTurn) {
	t.Helper()
	got := capTurn{tr.Turns[i].Speaker, tr.TurnText(i), tr.Turns[i].Start, tr.Turns[i].End}
	if got != want {
		t.Errorf("turn %d:\n got  %q %q %v-%v\n want %q %q %v-%v", i, got.speaker, got.text, got.start, got.end, want.speaker, want.text, want.start, want.end)
	}
}

func FuzzParseCaptions(f *testing.F) {
	for _, name := range []string{"zoom.vtt", "teams.vtt"} {
		data, err := os.ReadFile("testdata/formats/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
	}
	for _, v := range captionVariants {
		f.Add([]byte(v.data), strings.HasSuffix(v.file, ".srt"))
	}
	for _, v := range brokenCaptions {
		f.Add([]byte(v.data), strings.HasSuffix(v.file, ".srt"))
	}
	f.Fuzz(func(t *testing.T, data []byte, srt bool) {
		name := "f.vtt"
		if srt {
			name = "f.srt"
		}
		// Most mutations break the cue structure; the data also goes in as
		// the text of a cue, to reach the tag, voice and label handling.
		cued := append([]byte("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n"), data...)
		for _, in := range [][]byte{data, cued} {
			ts, err := Parse(name, "f", in, Options{})
			if err != nil {
				if fe := (*FileError)(nil); !errors.As(err, &fe) || fe.File != name {
					t.Fatalf("error %v (%T) is not a *FileError for %s", err, err, name)
				}
				continue
			}
			checkTranscripts(t, ts)
		}
	})
}
