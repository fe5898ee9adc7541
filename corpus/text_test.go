package corpus

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// textParse reads content as a file named name and checks the invariants
// every transcript keeps.
func textParse(t *testing.T, name, content string) *Transcript {
	t.Helper()
	ts, err := Parse(name, IDFromPath(name), []byte(content), Options{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	if len(ts) != 1 {
		t.Fatalf("Parse(%s): %d transcripts, want 1", name, len(ts))
	}
	textCheck(t, ts[0])
	return ts[0]
}

// textCheck checks what every reader promises: turns in order, inside the
// text, not overlapping, trimmed and not empty; sentences inside their turn.
func textCheck(t testing.TB, tr *Transcript) {
	t.Helper()
	n := utf8.RuneCountInString(tr.Text)
	if len(tr.Turns) == 0 {
		t.Fatalf("%s: no turns", tr.ID)
	}
	prev := 0
	for i, turn := range tr.Turns {
		s := turn.Span
		if s.Start < prev || s.Start >= s.End || s.End > n {
			t.Fatalf("%s turn %d: span %v out of order or range (previous end %d, text %d code points)", tr.ID, i, s, prev, n)
		}
		prev = s.End
		text := Cut(tr.Text, s)
		if text == "" || text != strings.TrimSpace(text) {
			t.Fatalf("%s turn %d: text %q is empty or not trimmed", tr.ID, i, text)
		}
		if turn.Speaker != strings.TrimSpace(turn.Speaker) || turn.SpeakerKey != SpeakerKey(turn.Speaker) {
			t.Fatalf("%s turn %d: speaker %q, key %q", tr.ID, i, turn.Speaker, turn.SpeakerKey)
		}
		if (turn.Start < 0 && turn.Start != NoTime) || (turn.End < 0 && turn.End != NoTime) {
			t.Fatalf("%s turn %d: times %v %v", tr.ID, i, turn.Start, turn.End)
		}
		for j, sent := range turn.Sentences {
			if sent.Span.Start < s.Start || sent.Span.End > s.End || sent.Span.Start >= sent.Span.End {
				t.Fatalf("%s turn %d sentence %d: span %v outside turn %v", tr.ID, i, j, sent.Span, s)
			}
		}
	}
}

// textTurn is a turn a test expects.
type textTurn struct {
	speaker    string
	text       string
	start, end time.Duration
}

func textTurns(tr *Transcript) []textTurn {
	out := make([]textTurn, len(tr.Turns))
	for i, turn := range tr.Turns {
		out[i] = textTurn{turn.Speaker, tr.TurnText(i), turn.Start, turn.End}
	}
	return out
}

// textSpeakers lists a transcript's speakers in order of first turn.
func textSpeakers(tr *Transcript) []string {
	var out []string
	seen := map[string]bool{}
	for _, turn := range tr.Turns {
		if !seen[turn.Speaker] {
			seen[turn.Speaker] = true
			out = append(out, turn.Speaker)
		}
	}
	return out
}

// textLeaks match what must never be inside a turn: labels, time stamps,
// headers and footers of the export layouts.
var textLeaks = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^\s*(\[?SPEAKER_\d+\]?|Speaker \d|Dr\. Patel|Interviewer|Participant|Counsellor|Natalie|Dana Whitfield|Hannah Ortiz|I|B)\s*(\(\d.*\))?:`),
	regexp.MustCompile(`#\d{2}:\d{2}:\d{2}-\d#`),
	regexp.MustCompile(`(?m)^\s*\(\d{2}:\d{2}(:\d{2})?\):`),
	regexp.MustCompile(`(?m)^.*\S  \d{1,2}:\d{2}(:\d{2})?\s*$`),
	regexp.MustCompile(`(?m)^\s*\d{2}:\d{2}:\d{2}\s*$`),
	regexp.MustCompile(`otter\.ai|Meeting ended after|Transcription ended after|This editable transcript|Attendees|- Transcript|^Transcript$`),
	regexp.MustCompile(`Values clarification interview|Transcribed 14 March|Focus group transcript|Non-diet approach`),
}

const (
	textSec   = time.Second
	textTenth = time.Second / 10
)

func TestParseTextFormats(t *testing.T) {
	tests := []struct {
		file     string
		annomi   string // AnnoMI transcript_id
		turns    int
		speakers []string
		title    string
		layout   string
		first    textTurn
		last     textTurn
		times    bool // turn starts are AnnoMI's timestamps
	}{
		{
			file: "otter.txt", annomi: "7", turns: 50, speakers: []string{"Dr. Patel", "Speaker 2"},
			title: "otter", layout: "otter", times: true,
			first: textTurn{"Dr. Patel", "So I know we've determined that you sprained your ankle yesterday and I'm wondering if you can tell me a little bit about how that happened?", 49 * textSec, NoTime},
			last:  textTurn{"Speaker 2", "Uh, any reason to? Uh, I guess health-health reasons.", 4*60*textSec + 27*textSec, NoTime},
		},
		{
			file: "rev.txt", annomi: "4", turns: 62, speakers: []string{"Speaker 1", "Speaker 2"},
			title: "rev", layout: "rev", times: true,
			first: textTurn{"Speaker 1", "Hi, Emily.", 8 * textSec, NoTime},
			last:  textTurn{"Speaker 1", "-with me, and also before I do the exam, you know, I'm always on your case about flossing, so maybe we can take [inaudible 00:02:46]-", 2*60*textSec + 40*textSec, NoTime},
		},
		{
			file: "whisperx.txt", annomi: "6", turns: 79, speakers: []string{"SPEAKER_00", "SPEAKER_01"},
			title: "whisperx", layout: "whisperx",
			first: textTurn{"SPEAKER_00", "Hi, Sal.", NoTime, NoTime},
			last:  textTurn{"SPEAKER_00", "Okay.", NoTime, NoTime},
		},
		{
			file: "google-meet.txt", annomi: "23", turns: 60, speakers: []string{"Dana Whitfield", "Hannah Ortiz"},
			title: "Weekly session - 2024/03/12 10:02 GMT", layout: "google-meet",
			first: textTurn{"Dana Whitfield", "Hi, Hannah. Nice to meet you.", NoTime, NoTime},
			last:  textTurn{"Hannah Ortiz", "Yeah.", NoTime, NoTime},
		},
		{
			file: "f4.txt", annomi: "18", turns: 50, speakers: []string{"I", "B"},
			title: "f4", layout: "f4",
			first: textTurn{"I", "So I get a sense it's a little anxious being here today and, uh, meeting someone like me, and, um, what we're gonna be doing today is-is inducting, but also I wanna talk about, um, yeah, the issues that-that have got you here and we need to do some sorting out around, um, yeah how serious you are to sort of sort those issues. So?", NoTime, 98*textSec + 1*textTenth},
			last:  textTurn{"B", "Um, I don't know. I suppose they walk away a bit quicker than me.", 5*60*textSec + 43*textSec + 1*textTenth, 5*60*textSec + 48*textSec + 9*textTenth},
		},
		{
			file: "maxqda.txt", annomi: "29", turns: 38, speakers: []string{"Counsellor", "Natalie"},
			title: "Focus group transcript, session 2", layout: "f4",
			first: textTurn{"Counsellor", "So you shared that you're, um, here today because you're having some dissatisfaction with your body and your confidence and your mood and your energy. And you're looking for, um, some different patterns to kind of turn things around for yourself. And what I like to do as I get to know clients is-is let them know a little bit about my philosophies, about health and wellbeing. Um, but first, I'd love to hear what are your philosophies about health and wellbeing?", NoTime, 36*textSec + 9*textTenth},
			last:  textTurn{"Counsellor", "Fantastic. Thanks, Natalie.", 6*60*textSec + 38*textSec + 3*textTenth, 6*60*textSec + 40*textSec},
		},
		{
			file: "plain-focus-group.txt", annomi: "22", turns: 50, speakers: []string{"Interviewer", "Participant"},
			title: "Values clarification interview", layout: "speaker-colon",
			first: textTurn{"Interviewer", "You did your values clarification handout, and that was part of what I wanted to go over with you today. I wanted to hear about your values and just talk to you a little bit more about that. Do-do you wanna tell me what some of your top five values are?", NoTime, NoTime},
			last:  textTurn{"Participant", "Yeah.", NoTime, NoTime},
		},
	}
	utterances := textAnnoMI(t)
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "formats", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			tr := textParse(t, tc.file, string(data))
			got := textTurns(tr)
			if len(got) != tc.turns {
				t.Errorf("%d turns, want %d", len(got), tc.turns)
			}
			if sp := textSpeakers(tr); strings.Join(sp, "|") != strings.Join(tc.speakers, "|") {
				t.Errorf("speakers %q, want %q", sp, tc.speakers)
			}
			if tr.Title != tc.title || tr.Metadata["layout"] != tc.layout {
				t.Errorf("title %q, layout %q; want %q, %q", tr.Title, tr.Metadata["layout"], tc.title, tc.layout)
			}
			if got[0] != tc.first {
				t.Errorf("first turn\n got  %+v\n want %+v", got[0], tc.first)
			}
			if last := got[len(got)-1]; last != tc.last {
				t.Errorf("last turn\n got  %+v\n want %+v", last, tc.last)
			}
			for i, turn := range got {
				for _, re := range textLeaks {
					if m := re.FindString(turn.text); m != "" {
						t.Errorf("turn %d holds %q: %q", i, m, turn.text)
					}
				}
			}
			textCompareAnnoMI(t, tr, utterances[tc.annomi], tc.times)
		})
	}
}

// textUtterance is one row of testdata/formats/annomi-utterances.csv.
type textUtterance struct {
	speaker string // therapist or client
	start   time.Duration
	text    string
}

// textAnnoMI reads the AnnoMI rows of the format files' conversations.
func textAnnoMI(t *testing.T) map[string][]textUtterance {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "formats", "annomi-utterances.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]textUtterance{}
	for _, r := range rows[1:] {
		at, ok := parseClock(r[3])
		if !ok {
			t.Fatalf("bad timestamp %q", r[3])
		}
		out[r[0]] = append(out[r[0]], textUtterance{r[2], at, r[4]})
	}
	return out
}

// textLetters keeps the letters and digits of s, in lower case: what a
// layout may not change.
func textLetters(s string) []rune {
	var out []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, unicode.ToLower(r))
		}
	}
	return out
}

// textCompareAnnoMI checks a transcript against the AnnoMI conversation it
// was written from: the turns' letters are the utterances' letters (the
// files hold the start of a conversation), no turn mixes therapist and
// client, each speaker is always the same one of them, and where a turn
// starts an utterance with a time, it is the utterance's timestamp (exact)
// or, for f4's end stamps, the end of the paragraph before it: not after
// the utterance's timestamp, and the turn ends after it.
func textCompareAnnoMI(t *testing.T, tr *Transcript, want []textUtterance, exact bool) {
	t.Helper()
	var letters []rune
	var owner []int // utterance of each letter
	firstLetter := map[int]int{}
	for i, u := range want {
		l := textLetters(u.text)
		if len(l) > 0 {
			firstLetter[len(letters)] = i
		}
		letters = append(letters, l...)
		for range l {
			owner = append(owner, i)
		}
	}
	role := map[string]string{}
	pos := 0
	for i, turn := range tr.Turns {
		l := textLetters(tr.TurnText(i))
		if pos+len(l) > len(letters) || string(letters[pos:pos+len(l)]) != string(l) {
			t.Fatalf("turn %d %q is not the next AnnoMI text (at utterance %d)", i, tr.TurnText(i), owner[min(pos, len(owner)-1)])
		}
		u := want[owner[pos]]
		for _, o := range owner[pos : pos+len(l)] {
			if want[o].speaker != u.speaker {
				t.Errorf("turn %d %q mixes therapist and client", i, tr.TurnText(i))
				break
			}
		}
		if r, ok := role[turn.Speaker]; ok && r != u.speaker {
			t.Errorf("turn %d: speaker %q is %s here and %s before", i, turn.Speaker, u.speaker, r)
		}
		role[turn.Speaker] = u.speaker
		if j, ok := firstLetter[pos]; ok && turn.Start != NoTime {
			d := turn.Start - want[j].start
			if (exact && d != 0) || d > textSec || (turn.End != NoTime && turn.End < want[j].start) {
				t.Errorf("turn %d %q: %v to %v, AnnoMI %v", i, tr.TurnText(i), turn.Start, turn.End, want[j].start)
			}
		}
		pos += len(l)
	}
	if pos < len(letters)/3 {
		t.Errorf("the turns hold %d of the conversation's %d letters", pos, len(letters))
	}
}

func TestParseTextLayouts(t *testing.T) {
	const m = time.Minute
	tests := []struct {
		name  string
		in    string
		want  []textTurn
		title string
		meta  map[string]string
	}{
		{
			name: "name colon",
			in:   "Anna: Hello there.\nBen: Hi.\nAnna: How are you?\n",
			want: []textTurn{{"Anna", "Hello there.", NoTime, NoTime}, {"Ben", "Hi.", NoTime, NoTime}, {"Anna", "How are you?", NoTime, NoTime}},
		},
		{
			name: "capitals and codes, each once",
			in:   "INTERVIEWER: Tell me more.\n\nP1: Well, it was hard.\n\nP2: Same here.\n",
			want: []textTurn{{"INTERVIEWER", "Tell me more.", NoTime, NoTime}, {"P1", "Well, it was hard.", NoTime, NoTime}, {"P2", "Same here.", NoTime, NoTime}},
		},
		{
			name: "time before the name",
			in:   "[00:12:03] Anna: We start.\n[00:12:09] Ben: Fine.\n",
			want: []textTurn{{"Anna", "We start.", 12*m + 3*textSec, NoTime}, {"Ben", "Fine.", 12*m + 9*textSec, NoTime}},
		},
		{
			name: "time after the name",
			in:   "Anna (00:12:03): We start.\nBen (1:02:09.5): Fine.\n",
			want: []textTurn{{"Anna", "We start.", 12*m + 3*textSec, NoTime}, {"Ben", "Fine.", time.Hour + 2*m + 9*textSec + 5*textTenth, NoTime}},
		},
		{
			name: "time after the colon (Sonix)",
			in:   "Speaker 1: [00:00:05] Hello.\n\nSpeaker 2: [00:00:07] Hi.\n",
			want: []textTurn{{"Speaker 1", "Hello.", 5 * textSec, NoTime}, {"Speaker 2", "Hi.", 7 * textSec, NoTime}},
		},
		{
			name: "Rev headers and a time-only continuation",
			in:   "Speaker 1 (00:08):\nHi, Emily.\n\nSpeaker 2 (00:09):\nHi.\n\n(00:44):\nI wonder.\n\nSpeaker 1 (01:02:03):\nBye.\n",
			want: []textTurn{{"Speaker 1", "Hi, Emily.", 8 * textSec, NoTime}, {"Speaker 2", "Hi.", 9 * textSec, NoTime}, {"Speaker 2", "I wonder.", 44 * textSec, NoTime}, {"Speaker 1", "Bye.", time.Hour + 2*m + 3*textSec, NoTime}},
			meta: map[string]string{"layout": "rev"},
		},
		{
			name: "Otter headers, repeated speaker, footer",
			in:   "Dr. Patel  0:49  \nHow are you doing\n\nDr. Patel  0:52  \ntoday?\n\nSpeaker 2  1:02:43\nFine.\n\nTranscribed by https://otter.ai\n",
			want: []textTurn{{"Dr. Patel", "How are you doing", 49 * textSec, NoTime}, {"Dr. Patel", "today?", 52 * textSec, NoTime}, {"Speaker 2", "Fine.", time.Hour + 2*m + 43*textSec, NoTime}},
			meta: map[string]string{"layout": "otter"},
		},
		{
			name: "Otter headers count whatever the name's case",
			in:   "conor healy  0:49  \nHi.\n\nDr. Patel  0:52  \nHello.\n",
			want: []textTurn{{"conor healy", "Hi.", 49 * textSec, NoTime}, {"Dr. Patel", "Hello.", 52 * textSec, NoTime}},
		},
		{
			name: "a timed line whose label is not a speaker keeps its text",
			in:   "[00:00:01] Anna: Hi.\n[00:00:05] and then I said: no way\n[00:00:09] Ben: Ok.\n[00:00:12] Anna: Yes.\n[00:00:15] Ben: Fine.\n",
			want: []textTurn{{"Anna", "Hi.", textSec, NoTime}, {"Anna", "and then I said: no way", 5 * textSec, NoTime}, {"Ben", "Ok.", 9 * textSec, NoTime}, {"Anna", "Yes.", 12 * textSec, NoTime}, {"Ben", "Fine.", 15 * textSec, NoTime}},
		},
		{
			name:  "Title: line and vetoed labels with and without a time",
			in:    "Title: Interview 7\nLocation: Oslo\n\nAnna: Hi.\nNote: paused\n\nBen: Hello.\n\n[00:01:00] Note: back\n",
			want:  []textTurn{{"Anna", "Hi.\nNote: paused", NoTime, NoTime}, {"Ben", "Hello.", NoTime, NoTime}, {"Note", "back", time.Minute, NoTime}},
			title: "Interview 7",
			meta:  map[string]string{"location": "Oslo"},
		},
		{
			name: "Otter without times",
			in:   "Tailor\nHow are you doing today?\n\nSam\nGood, thanks.\nReally good.\n\nTailor\nGlad to hear.\n\nSam\nYes.\n",
			want: []textTurn{{"Tailor", "How are you doing today?", NoTime, NoTime}, {"Sam", "Good, thanks.\nReally good.", NoTime, NoTime}, {"Tailor", "Glad to hear.", NoTime, NoTime}, {"Sam", "Yes.", NoTime, NoTime}},
			meta: map[string]string{"layout": "name-lines"},
		},
		{
			name:  "short lines are not names when nothing repeats",
			in:    "My story\nIt began in May.\n\nThen June\nIt got worse.\n",
			want:  []textTurn{{"", "It began in May.", NoTime, NoTime}, {"", "Then June\nIt got worse.", NoTime, NoTime}},
			title: "My story",
		},
		{
			name: "WhisperX, one segment without a speaker",
			in:   "[SPEAKER_00]: Hi, Sal.\n[SPEAKER_00]: Thanks for coming.\nand the rest\n[SPEAKER_01]: No problem.\n",
			want: []textTurn{{"SPEAKER_00", "Hi, Sal.", NoTime, NoTime}, {"SPEAKER_00", "Thanks for coming.", NoTime, NoTime}, {"", "and the rest", NoTime, NoTime}, {"SPEAKER_01", "No problem.", NoTime, NoTime}},
			meta: map[string]string{"layout": "whisperx"},
		},
		{
			name: "f4 stamps end paragraphs",
			in:   "I: So? #00:01:38-1#\r\n\r\nB: I don't know. #00:01:40-1#\r\n\r\nI: Sorry? #00:01:41-1# You said #00:01:43-0#\r\n",
			want: []textTurn{{"I", "So?", NoTime, 98*textSec + textTenth}, {"B", "I don't know.", 98*textSec + textTenth, 100*textSec + textTenth}, {"I", "Sorry?", 100*textSec + textTenth, 101*textSec + textTenth}, {"I", "You said", 101*textSec + textTenth, 103 * textSec}},
			meta: map[string]string{"layout": "f4"},
		},
		{
			name: "f4 stamp after a continuation paragraph",
			in:   "I: First part.\n\nsecond part. #00:00:10-5#\n\nB: Yes. #00:00:12-0#\n",
			want: []textTurn{{"I", "First part.\n\nsecond part.", NoTime, 10*textSec + 5*textTenth}, {"B", "Yes.", 10*textSec + 5*textTenth, 12 * textSec}},
		},
		{
			name: "Google Meet",
			in: "\ufeffTeam - 2025/01/22 09:29 CST - Transcript\r\nAttendees\r\nAda Lovelace, Ada Lovelace's Presentation, Alan Turing, Notetaker\r\nTranscript\r\n" +
				"00:00:00\r\nAda Lovelace: Hello.\r\nAlan Turing: Hi…\r\nAda Lovelace:\r\n00:05:00\r\nAlan Turing: Later.\r\nAda Lovelace: Bye.\r\n" +
				"Meeting ended after 00:06:10 👋\r\nThis editable transcript was computer generated and might contain errors. People can also change the text after it was created.\r\n",
			want:  []textTurn{{"Ada Lovelace", "Hello.", 0, NoTime}, {"Alan Turing", "Hi…", NoTime, NoTime}, {"Alan Turing", "Later.", 5 * m, NoTime}, {"Ada Lovelace", "Bye.", NoTime, NoTime}},
			title: "Team - 2025/01/22 09:29 CST",
			meta:  map[string]string{"layout": "google-meet", "duration": "00:06:10", "attendees": "Ada Lovelace, Ada Lovelace's Presentation, Alan Turing, Notetaker"},
		},
		{
			name: "a speaker who speaks once is a speaker when listed as an attendee",
			in:   "Attendees\nAda Lovelace, Alan Turing, Grace Hopper\nTranscript\nAda Lovelace: Hello.\nAlan Turing: Hi.\nGrace Hopper: Hey.\nAda Lovelace: Bye.\nAlan Turing: Bye.\n",
			want: []textTurn{{"Ada Lovelace", "Hello.", NoTime, NoTime}, {"Alan Turing", "Hi.", NoTime, NoTime}, {"Grace Hopper", "Hey.", NoTime, NoTime}, {"Ada Lovelace", "Bye.", NoTime, NoTime}, {"Alan Turing", "Bye.", NoTime, NoTime}},
		},
		{
			name:  "title lines and header fields (MAXQDA rule)",
			in:    "Focus group transcript, session 2\nDate: 12 March 2024\n\nModerator: Welcome.\n\nNatalie: Thanks.\n",
			want:  []textTurn{{"Moderator", "Welcome.", NoTime, NoTime}, {"Natalie", "Thanks.", NoTime, NoTime}},
			title: "Focus group transcript, session 2",
			meta:  map[string]string{"date": "12 March 2024", "layout": "speaker-colon"},
		},
		{
			name: "an unlabelled opening sentence is speech",
			in:   "Okay, we are recording.\n\nAnna: Good.\n\nBen: Yes.\n\nAnna: Go on.\n\nBen: Fine.\n",
			want: []textTurn{{"", "Okay, we are recording.", NoTime, NoTime}, {"Anna", "Good.", NoTime, NoTime}, {"Ben", "Yes.", NoTime, NoTime}, {"Anna", "Go on.", NoTime, NoTime}, {"Ben", "Fine.", NoTime, NoTime}},
		},
		{
			name: "Note: inside a turn stays text",
			in:   "Interviewer: How was it?\n\nParticipant: It was hard.\nNote: the recorder was paused\nAnyway, it got better.\n\nInterviewer: Good.\n",
			want: []textTurn{{"Interviewer", "How was it?", NoTime, NoTime}, {"Participant", "It was hard.\nNote: the recorder was paused\nAnyway, it got better.", NoTime, NoTime}, {"Interviewer", "Good.", NoTime, NoTime}},
		},
		{
			name: "a label once among established speakers is text",
			in:   "Anna: Tell me.\n\nBen: My mother said:\nBut what she meant: no.\n\nAnna: I see.\n\nBen: Yes.\n",
			want: []textTurn{{"Anna", "Tell me.", NoTime, NoTime}, {"Ben", "My mother said:\nBut what she meant: no.", NoTime, NoTime}, {"Anna", "I see.", NoTime, NoTime}, {"Ben", "Yes.", NoTime, NoTime}},
		},
		{
			name: "reported speech inside a paragraph is text",
			in:   "Anna: Tell me.\n\nBen: I told them.\nMum: Why?\nAnd that was it.\n\nAnna: I see.\n\nBen: Yes.\n",
			want: []textTurn{{"Anna", "Tell me.", NoTime, NoTime}, {"Ben", "I told them.\nMum: Why?\nAnd that was it.", NoTime, NoTime}, {"Anna", "I see.", NoTime, NoTime}, {"Ben", "Yes.", NoTime, NoTime}},
		},
		{
			name: "a name used once where speakers' labels stand is a speaker",
			in:   "Anna: Welcome.\n\nBen: Thanks.\n\nCarl Jones: Hello all.\n\nAnna: Let us start.\n\nBen: Yes.\n",
			want: []textTurn{{"Anna", "Welcome.", NoTime, NoTime}, {"Ben", "Thanks.", NoTime, NoTime}, {"Carl Jones", "Hello all.", NoTime, NoTime}, {"Anna", "Let us start.", NoTime, NoTime}, {"Ben", "Yes.", NoTime, NoTime}},
		},
		{
			name: "continuation paragraphs",
			in:   "Interviewer: First question.\n\nParticipant: One.\n\nTwo.\n\n\nThree.\n\nInterviewer: Thanks.\n",
			want: []textTurn{{"Interviewer", "First question.", NoTime, NoTime}, {"Participant", "One.\n\nTwo.\n\n\nThree.", NoTime, NoTime}, {"Interviewer", "Thanks.", NoTime, NoTime}},
		},
		{
			name: "label alone on its line",
			in:   "INTERVIEWER:\nHow was it?\n\nRESPONDENT:\nFine.\n",
			want: []textTurn{{"INTERVIEWER", "How was it?", NoTime, NoTime}, {"RESPONDENT", "Fine.", NoTime, NoTime}},
		},
		{
			name:  "Markdown bold labels and headings",
			in:    "# Interview 3\n\n**Interviewer:** How was it?\n\n**P3**: It was *fine*.\n\n## Part two\n\nA paragraph after the heading.\n\n**Interviewer:** Thanks.\n",
			want:  []textTurn{{"Interviewer", "How was it?", NoTime, NoTime}, {"P3", "It was *fine*.", NoTime, NoTime}, {"", "A paragraph after the heading.", NoTime, NoTime}, {"Interviewer", "Thanks.", NoTime, NoTime}},
			title: "Interview 3",
		},
		{
			name:  "YAML front matter",
			in:    "---\ntitle: \"Episode 12\"\nguest: Yuhki\n---\n\nLenny (00:00:03):\nWelcome.\n\nYuhki (00:00:09):\nThanks.\n",
			want:  []textTurn{{"Lenny", "Welcome.", 3 * textSec, NoTime}, {"Yuhki", "Thanks.", 9 * textSec, NoTime}},
			title: "Episode 12",
			meta:  map[string]string{"guest": "Yuhki", "layout": "rev"},
		},
		{
			name:  "unlabelled paragraphs",
			in:    "Interview with P3\n\nI grew up by the sea.\nWe moved when I was ten.\n\nThen things changed.\n",
			want:  []textTurn{{"", "I grew up by the sea.\nWe moved when I was ten.", NoTime, NoTime}, {"", "Then things changed.", NoTime, NoTime}},
			title: "Interview with P3",
			meta:  map[string]string{"layout": "unlabelled"},
		},
		{
			name: "one line without a label is speech, not a title",
			in:   "just one line without punctuation",
			want: []textTurn{{"", "just one line without punctuation", NoTime, NoTime}},
		},
		{
			name: "times and URLs are not labels",
			in:   "Anna: We met at 10:30 and then\nhttps://example.org: was the site.\n\nBen: Ok.\n\nAnna: Yes.\n",
			want: []textTurn{{"Anna", "We met at 10:30 and then\nhttps://example.org: was the site.", NoTime, NoTime}, {"Ben", "Ok.", NoTime, NoTime}, {"Anna", "Yes.", NoTime, NoTime}},
		},
		{
			name: "a name longer than 63 characters is not a label",
			in:   "Anna: Hi.\n\nAnna: " + strings.Repeat("word ", 15) + "and more: text\n",
			want: []textTurn{{"Anna", "Hi.", NoTime, NoTime}, {"Anna", strings.Repeat("word ", 15) + "and more: text", NoTime, NoTime}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := textParse(t, "case.txt", tc.in)
			got := textTurns(tr)
			if len(got) != len(tc.want) {
				t.Errorf("%d turns, want %d", len(got), len(tc.want))
			}
			for i := range min(len(got), len(tc.want)) {
				if got[i] != tc.want[i] {
					t.Errorf("turn %d\n got  %+v\n want %+v", i, got[i], tc.want[i])
				}
			}
			title := tc.title
			if title == "" {
				title = "case"
			}
			if tr.Title != title {
				t.Errorf("title %q, want %q", tr.Title, title)
			}
			for k, v := range tc.meta {
				if tr.Metadata[k] != v {
					t.Errorf("metadata %q = %q, want %q", k, tr.Metadata[k], v)
				}
			}
		})
	}
}

func TestParseTextMarkdown(t *testing.T) {
	tr := textParse(t, "notes/session.md", "# Session 1\n\n__Moderator:__ Welcome.\n\n* P1: Thanks.\n\n---\n\n__Moderator:__ Next.\n")
	want := []textTurn{{"Moderator", "Welcome.", NoTime, NoTime}, {"P1", "Thanks.", NoTime, NoTime}, {"Moderator", "Next.", NoTime, NoTime}}
	if got := textTurns(tr); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("turns %+v, want %+v", got, want)
	}
	if tr.Format != "md" || tr.Title != "Session 1" || tr.ID != "notes/session" {
		t.Errorf("format %q, title %q, id %q", tr.Format, tr.Title, tr.ID)
	}
}

func TestParseTextErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"heading only", "# Interview 3\n\n## Part 1\n", ErrNoTurns},
		{"footer only", "Transcribed by https://otter.ai\n", ErrNoTurns},
		{"labels without text", "Anna:\n\nBen:\n", ErrNoTurns},
		{"blank", " \n\t\n", ErrEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.txt", "x", []byte(tc.in), Options{})
			var fe *FileError
			if !errors.As(err, &fe) || !errors.Is(err, tc.want) || fe.File != "x.txt" {
				t.Fatalf("error %v, want a *FileError for x.txt wrapping %v", err, tc.want)
			}
		})
	}
	// Invalid UTF-8 names its line.
	_, err := Parse("x.txt", "x", []byte("Anna: hi\nBen: \xff\n"), Options{})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 2 {
		t.Errorf("error %v, want a *FileError on line 2", err)
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0:49", 49 * textSec, true},
		{"12:29", 12*time.Minute + 29*textSec, true},
		{"1:02:43", time.Hour + 2*time.Minute + 43*textSec, true},
		{"00:00:05.320", 5*textSec + 320*time.Millisecond, true},
		{"00:00:05,5", 5*textSec + 5*textTenth, true},
		{"1:2:3", 0, false},
		{"00:61", 0, false},
		{"12", 0, false},
		{"1:00:00:00", 0, false},
		{"00:05.", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseClock(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseClock(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParseText checks that the plain-text reader never panics and that
// what it reads keeps the model's invariants.
func FuzzParseText(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "formats", "*.txt"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"Anna: hi\nNote: x\nAnna: yo\n",
		"**Interviewer:** a\n\n# h\n\n__P1__: b\n",
		"Dr. Patel  0:49  \ntext\n\n(00:44):\nmore\n",
		"I: a #00:00:01-1# b #00:00:02-2#\n",
		"---\ntitle: x\n---\nTailor\nhello\n\nTailor\nhi\n",
		"[00:01] [SPEAKER_00]: x\n\u00a0\n\v\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.txt", "f.md"} {
			ts, err := Parse(name, "f", data, Options{})
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) || strings.Contains(err.Error(), "internal") {
					t.Fatalf("error %v", err)
				}
				continue
			}
			if len(ts) != 1 {
				t.Fatalf("%d transcripts", len(ts))
			}
			textCheck(t, ts[0])
		}
	})
}
