package corpus

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLabelRole(t *testing.T) {
	for _, c := range []struct {
		label string
		want  Role
	}{
		{"Interviewer", RoleInterviewer},
		{"INTERVIEWER", RoleInterviewer},
		{"Interviewer 2", RoleInterviewer},
		{"Moderator", RoleInterviewer},
		{"Moderator (Anna)", RoleInterviewer},
		{"Anna - interviewer", RoleInterviewer},
		{"Facilitator", RoleInterviewer},
		{"Researcher", RoleInterviewer},
		{"Therapist", RoleInterviewer},
		{"Counsellor", RoleInterviewer},
		{"counselor", RoleInterviewer},
		{"Host", RoleInterviewer},
		{"I", RoleInterviewer},
		{"INT", RoleInterviewer},
		{"IV", RoleInterviewer},
		{"Q", RoleInterviewer},
		{"Participant", RoleParticipant},
		{"Participant 3", RoleParticipant},
		{"Respondent", RoleParticipant},
		{"Interviewee", RoleParticipant},
		{"Client", RoleParticipant},
		{"Service user", RoleParticipant},
		{"Service User 2", RoleParticipant},
		{"Patient", RoleParticipant},
		{"Informant", RoleParticipant},
		{"P", RoleParticipant},
		{"P1", RoleParticipant},
		{"P12", RoleParticipant},
		{"P-3", RoleParticipant},
		{"R", RoleParticipant},
		{"R2", RoleParticipant},
		{"S", RoleParticipant},
		{"IP", RoleParticipant},
		{"Family member", RoleFamily},
		{"Mother", RoleFamily},
		{"Mother of P3", RoleFamily},
		{"Father", RoleFamily},
		{"Parent", RoleFamily},
		{"Partner", RoleFamily},
		{"Relative", RoleFamily},
		{"Carer", RoleFamily},
		{"Caregiver", RoleFamily},
		{"FM", RoleFamily},
		{"Professional", RoleProfessional},
		{"Staff", RoleProfessional},
		{"Nurse", RoleProfessional},
		{"Doctor", RoleProfessional},
		{"Social worker", RoleProfessional},
		{"Peer support worker", RoleProfessional},
		{"Occupational therapist", RoleProfessional},
		// Names and machine labels say nothing.
		{"Jordan Reyes", RoleUnknown},
		{"Dr. Patel", RoleUnknown},
		{"Speaker 1", RoleUnknown},
		{"Speaker A", RoleUnknown},
		{"SPEAKER_00", RoleUnknown},
		{"Unknown Speaker", RoleUnknown},
		{"Natalie", RoleUnknown},
		{"Sof\u00eda Ram\u00edrez", RoleUnknown},
		{"A", RoleUnknown},
		{"B", RoleUnknown},
		{"C", RoleUnknown},
		{"T", RoleUnknown},
		{"M", RoleUnknown},
		{"PA", RoleUnknown},
		{"", RoleUnknown},
	} {
		if got := LabelRole(c.label); got != c.want {
			t.Errorf("LabelRole(%q) = %q, want %q", c.label, got, c.want)
		}
	}
}

// speakerRoles returns each speaker's role, "*" marking an inferred one,
// and checks that all the turns of a speaker agree.
func speakerRoles(t *testing.T, tr *Transcript) map[string]string {
	t.Helper()
	got := map[string]string{}
	for i, turn := range tr.Turns {
		r := string(turn.Role)
		if turn.RoleInferred {
			r += "*"
		}
		if turn.Speaker == "" {
			continue
		}
		if prev, ok := got[turn.Speaker]; ok && prev != r {
			t.Errorf("%s turn %d: %s is %s, earlier %s", tr.ID, i, turn.Speaker, r, prev)
		}
		got[turn.Speaker] = r
	}
	return got
}

func TestAssignRolesLabels(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       map[string]string
	}{
		{"dyadic I S P", "I: How do you two work together?\n\nS: She comes every week.\n\nP: I try to.\n",
			map[string]string{"I": "interviewer", "S": "participant", "P": "professional"}},
		{"P alone", "I: How was it?\n\nP: Fine.\n",
			map[string]string{"I": "interviewer", "P": "participant"}},
		{"focus group", "Moderator: Who wants to start?\n\nP1: I can.\n\nP2: Me too.\n\nP3: Mm.\n",
			map[string]string{"Moderator": "interviewer", "P1": "participant", "P2": "participant", "P3": "participant"}},
		{"Q and A", "Q: What happened then?\n\nA: I went home.\n",
			map[string]string{"Q": "interviewer", "A": "participant"}},
		{"I and B", "I: Wie war das?\n\nB: Schwer.\n",
			map[string]string{"I": "interviewer", "B": "participant"}},
		{"T and C", "T: What brings you here?\n\nC: My drinking.\n",
			map[string]string{"T": "interviewer", "C": "participant"}},
		{"labelled interviewer and names", "Interviewer: How was the meeting?\n\nMaria: Long.\n\nMother: Very long.\n",
			map[string]string{"Interviewer": "interviewer", "Maria": "participant*", "Mother": "family"}},
		{"names, moderator inferred", "P1: I think it went well, I was pleased.\n\nAnna: What made it go well for you? Can you tell me more?\n\nP2: I liked the people.\n\nAnna: And you, how was it for you?\n\nP1: My team was there.\n",
			map[string]string{"P1": "participant", "P2": "participant", "Anna": "interviewer*"}},
		{"participants only", "Participant 1: I think it went well.\n\nParticipant 2: What did you like about it?\n\nParticipant 1: My team was there.\n",
			map[string]string{"Participant 1": "participant", "Participant 2": "participant"}},
		{"one speaker", "Jordan: I remember the first day. I was scared.\n\nJordan: Then it got better.\n",
			map[string]string{"Jordan": "participant*"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts, err := Parse(c.name+".txt", "x", []byte(c.text), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := speakerRoles(t, ts[0]); !mapsEqual(got, c.want) {
				t.Errorf("roles %v, want %v", got, c.want)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestAssignRolesFormats checks the role of every speaker of the export
// layouts. Each file is one AnnoMI conversation; the AnnoMI therapist is
// the interviewer.
func TestAssignRolesFormats(t *testing.T) {
	for _, c := range []struct {
		file string
		want map[string]string
	}{
		{"zoom.vtt", map[string]string{"Jordan Reyes": "interviewer*", "Barbara": "participant*"}},
		{"teams.vtt", map[string]string{"Sof\u00eda Ram\u00edrez": "interviewer*", "John Okafor": "participant*"}},
		{"otter.txt", map[string]string{"Dr. Patel": "interviewer*", "Speaker 2": "participant*"}},
		{"rev.txt", map[string]string{"Speaker 1": "interviewer*", "Speaker 2": "participant*"}},
		{"whisperx.txt", map[string]string{"SPEAKER_00": "interviewer*", "SPEAKER_01": "participant*"}},
		{"google-meet.txt", map[string]string{"Dana Whitfield": "interviewer*", "Hannah Ortiz": "participant*"}},
		{"f4.txt", map[string]string{"I": "interviewer", "B": "participant"}},
		{"maxqda.txt", map[string]string{"Counsellor": "interviewer", "Natalie": "participant*"}},
		{"plain-focus-group.txt", map[string]string{"Interviewer": "interviewer", "Participant": "participant"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			file := filepath.Join("testdata", "formats", c.file)
			ts, err := ReadFile(file, c.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr := ts[0]
			if got := speakerRoles(t, tr); !mapsEqual(got, c.want) {
				t.Errorf("roles %v, want %v", got, c.want)
			}
			for i, turn := range tr.Turns {
				if turn.Speaker == "" && turn.Role == RoleUnknown {
					t.Logf("turn %d has no speaker and no role: %q", i, tr.TurnText(i))
				}
			}
		})
	}
}

// TestAssignRolesUnattributed checks Zoom's unattributed cue 4 ("Mm-hmm."
// between two of Jordan Reyes's cues): AnnoMI has it as the client's.
func TestAssignRolesUnattributed(t *testing.T) {
	ts, err := ReadFile(filepath.Join("testdata", "formats", "zoom.vtt"), "zoom.vtt", Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, turn := range ts[0].Turns {
		if turn.Speaker != "" {
			continue
		}
		n++
		if turn.Role != RoleParticipant || !turn.RoleInferred {
			t.Errorf("turn %d %q: role %q inferred %v, want participant, inferred", i, ts[0].TurnText(i), turn.Role, turn.RoleInferred)
		}
	}
	if n != 1 {
		t.Errorf("%d turns without a speaker, want 1", n)
	}
}

// TestAssignRolesAnnoMITable checks the AnnoMI rows of the layout files,
// read by the table reader: the interlocutor column names the roles.
func TestAssignRolesAnnoMITable(t *testing.T) {
	file := filepath.Join("testdata", "formats", "annomi-utterances.csv")
	ts, err := ReadFile(file, "annomi-utterances.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, rec := range recs[1:] {
		ids[rec[0]] = true
	}
	if len(ts) != len(ids) {
		t.Fatalf("%d transcripts, want %d", len(ts), len(ids))
	}
	for _, tr := range ts {
		want := map[string]string{"therapist": "interviewer", "client": "participant"}
		if got := speakerRoles(t, tr); !mapsEqual(got, want) {
			t.Errorf("%s: roles %v, want %v", tr.ID, got, want)
		}
	}
}

// TestAssignRolesSample checks the sample project's constructed focus
// groups (Moderator, P1..P5).
func TestAssignRolesSample(t *testing.T) {
	for _, name := range []string{"focus-group-1.txt", "focus-group-2.txt"} {
		ts, err := ReadFile(filepath.Join("sample", "transcripts", name), name, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for sp, r := range speakerRoles(t, ts[0]) {
			want := "participant"
			if sp == "Moderator" {
				want = "interviewer"
			}
			if r != want {
				t.Errorf("%s: %s is %s, want %s", name, sp, r, want)
			}
		}
	}
}

// TestAssignRolesFocusGroupNames renames the sample focus groups' speakers
// to machine labels and checks that the moderator is found.
func TestAssignRolesFocusGroupNames(t *testing.T) {
	for _, name := range []string{"focus-group-1.txt", "focus-group-2.txt"} {
		ts, err := ReadFile(filepath.Join("sample", "transcripts", name), name, Options{})
		if err != nil {
			t.Fatal(err)
		}
		tr := ts[0]
		label := map[string]string{}
		var b strings.Builder
		for i, turn := range tr.Turns {
			if _, ok := label[turn.Speaker]; !ok {
				label[turn.Speaker] = fmt.Sprintf("Speaker %d", len(label)+1)
			}
			fmt.Fprintf(&b, "%s: %s\n\n", label[turn.Speaker], tr.TurnText(i))
		}
		got, err := Parse(name, "x", []byte(b.String()), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for sp, r := range speakerRoles(t, got[0]) {
			want := "participant*"
			if sp == label["Moderator"] {
				want = "interviewer*"
			}
			if r != want {
				t.Errorf("%s: %s is %s, want %s", name, sp, r, want)
			}
		}
	}
}

// annomiNames are invented speaker names for the AnnoMI conversations, in
// the styles real exports have: {therapist, client}.
var annomiNames = [][2]string{
	{"Jordan Reyes", "Barbara Klein"},
	{"Dr. Patel", "Speaker 2"},
	{"Speaker 1", "Speaker 2"},
	{"SPEAKER_00", "SPEAKER_01"},
	{"Sam", "Alex"},
	{"Speaker 2", "Speaker 1"}, // the interviewer need not be Speaker 1
	{"SPEAKER_01", "SPEAKER_00"},
	{"Hannah Ortiz", "Dana Whitfield"},
	{"Unknown Speaker", "Chris"},
}

// annomiNamed renders the first turns of an AnnoMI conversation (all when
// turns is 0) as "Name: text" paragraphs, with the therapist and the
// client named by names, and reads it back with Parse.
func annomiNamed(tb testing.TB, tr *Transcript, names [2]string, turns int) *Transcript {
	tb.Helper()
	var b strings.Builder
	for i, turn := range tr.Turns {
		if turns > 0 && i == turns {
			break
		}
		name := names[1]
		if turn.Speaker == "therapist" {
			name = names[0]
		}
		fmt.Fprintf(&b, "%s: %s\n\n", name, tr.TurnText(i))
	}
	got, err := Parse("named.txt", "x", []byte(b.String()), Options{})
	if err != nil {
		tb.Fatalf("%s: %v", tr.ID, err)
	}
	if want := min(len(tr.Turns), turns); turns > 0 && len(got[0].Turns) != want || turns == 0 && len(got[0].Turns) != len(tr.Turns) {
		tb.Fatalf("%s: read back %d turns", tr.ID, len(got[0].Turns))
	}
	return got[0]
}

// roleScore counts the transcripts whose every turn has the right inferred
// role, and the turns with the right inferred role. orig holds the AnnoMI
// conversations (speaker therapist or client) named turn for turn.
type roleScore struct {
	transcripts, rightTranscripts int
	turns, rightTurns             int
	wrong                         []string
}

func (s *roleScore) add(orig, named *Transcript) {
	ok := 0
	for i, turn := range named.Turns {
		want := RoleParticipant
		if orig.Turns[i].Speaker == "therapist" {
			want = RoleInterviewer
		}
		if turn.Role == want && turn.RoleInferred {
			ok++
		}
	}
	s.transcripts++
	s.turns += len(named.Turns)
	s.rightTurns += ok
	if ok == len(named.Turns) {
		s.rightTranscripts++
	} else {
		s.wrong = append(s.wrong, strings.TrimPrefix(orig.ID, "annomi/AnnoMI-simple/"))
	}
}

func (s roleScore) String() string {
	return fmt.Sprintf("transcripts right %d of %d (%.1f%%), turns right %d of %d (%.1f%%)",
		s.rightTranscripts, s.transcripts, 100*float64(s.rightTranscripts)/float64(s.transcripts),
		s.rightTurns, s.turns, 100*float64(s.rightTurns)/float64(s.turns))
}

// TestRoleInferenceAnnoMI measures the interviewer inference on the 133
// AnnoMI conversations with the therapist and the client given names.
// Print the figures with
//
//	go test ./corpus -run TestRoleInferenceAnnoMI -v
func TestRoleInferenceAnnoMI(t *testing.T) {
	ts, _ := annomiData(t)

	// Every conversation under every pair of names: names carry no role, so
	// every pair must give the same result.
	var all roleScore
	byNames := make([]roleScore, len(annomiNames))
	named := make([]*Transcript, len(ts)) // under the first pair, for the rest of the test
	for n, names := range annomiNames {
		for i, tr := range ts {
			got := annomiNamed(t, tr, names, 0)
			byNames[n].add(tr, got)
			all.add(tr, got)
			if n == 0 {
				named[i] = got
			}
		}
		t.Logf("names %q / %q: %v", names[0], names[1], byNames[n])
		if n > 0 && !slices.Equal(byNames[n].wrong, byNames[0].wrong) {
			t.Errorf("names %q / %q: wrong on %v, the first names on %v", names[0], names[1], byNames[n].wrong, byNames[0].wrong)
		}
	}
	t.Logf("all names: %v; wrong: %v", all, byNames[0].wrong)
	// 69 is a conversation in which the client (a doctor) asks the
	// pharmacist; whoever asks is taken for the interviewer.
	if all.rightTranscripts*133 < 132*all.transcripts {
		t.Errorf("%v: want at least 132 of 133 transcripts right", all)
	}

	// Short excerpts: the first turns only.
	for _, n := range []int{4, 10, 20, 40} {
		var s roleScore
		for _, tr := range ts {
			s.add(tr, annomiNamed(t, tr, annomiNames[0], n))
		}
		t.Logf("first %d turns: %v", n, s)
	}

	// Each cue alone, and all but each cue.
	for _, c := range interviewerCues {
		for _, only := range []bool{true, false} {
			var cues []roleCue
			for _, d := range interviewerCues {
				if (d.name == c.name) == only {
					cues = append(cues, d)
				}
			}
			var s roleScore
			for i, tr := range named {
				assignRoles(tr, cues)
				s.add(ts[i], tr)
			}
			what := "without"
			if only {
				what = "only"
			}
			t.Logf("%s %s: %v", what, c.name, s)
		}
	}
}

// FuzzAssignRoles checks the invariants of roles on whatever the text
// reader makes of the input: every turn with a speaker has a role, all the
// turns of a speaker have the same one, at most one interviewer is
// inferred, and assigning again changes nothing.
func FuzzAssignRoles(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "formats", "*.txt"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Anna: What?\n\nP1: I.\n\nP2: You?\n\nAnna: So you feel\n"))
	f.Add([]byte("I: a?\n\nS: b\n\nP: c\n\nQ: d\n\nA: e\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := Parse("f.txt", "f", data, Options{})
		if err != nil {
			return
		}
		tr := ts[0]
		roles := map[string]Turn{}
		inferred := map[string]bool{}
		for i, turn := range tr.Turns {
			if turn.SpeakerKey == "" {
				continue
			}
			if turn.Role == RoleUnknown {
				t.Fatalf("turn %d (%q): no role", i, turn.Speaker)
			}
			if prev, ok := roles[turn.SpeakerKey]; ok && (prev.Role != turn.Role || prev.RoleInferred != turn.RoleInferred) {
				t.Fatalf("turn %d: %q is %q, earlier %q", i, turn.Speaker, turn.Role, prev.Role)
			}
			roles[turn.SpeakerKey] = turn
			if turn.Role == RoleInterviewer && turn.RoleInferred {
				inferred[turn.SpeakerKey] = true
			}
		}
		if len(inferred) > 1 {
			t.Fatalf("%d inferred interviewers", len(inferred))
		}
		before := slices.Clone(tr.Turns)
		AssignRoles(tr)
		for i := range before {
			if before[i].Role != tr.Turns[i].Role || before[i].RoleInferred != tr.Turns[i].RoleInferred {
				t.Fatalf("turn %d: role changed on a second assignment", i)
			}
		}
	})
}

// BenchmarkAssignRoles measures role assignment over the AnnoMI
// conversations, in words/s (Parse runs it on every transcript).
func BenchmarkAssignRoles(b *testing.B) {
	ts := loadAnnoMIOnce(b)
	words := 0
	for _, t := range ts {
		for i := range t.Turns {
			words += Words(t.TurnText(i))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, t := range ts {
			AssignRoles(t)
		}
	}
	b.ReportMetric(float64(words*b.N)/b.Elapsed().Seconds(), "words/s")
}
