package search_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/search"
)

// The interviewer of each export layout in corpus/testdata/formats (each
// file is one AnnoMI conversation with made-up names; AnnoMI's therapist
// is the interviewer), and of the AnnoMI table.
var layoutInterviewer = map[string]string{
	"zoom":                "Jordan Reyes",
	"teams":               "Sofía Ramírez",
	"otter":               "Dr. Patel",
	"rev":                 "Speaker 1",
	"whisperx":            "SPEAKER_00",
	"google-meet":         "Dana Whitfield",
	"f4":                  "I",
	"maxqda":              "Counsellor",
	"plain-focus-group":   "Interviewer",
	"annomi-utterances/*": "therapist",
}

// layoutProject indexes the nine layouts and the AnnoMI table.
func layoutProject(t *testing.T, cb *codebook.Codebook) (stages.Project, *search.Searcher) {
	t.Helper()
	dir := t.TempDir()
	src := "../../corpus/testdata/formats"
	for _, name := range []string{"zoom.vtt", "teams.vtt", "otter.txt", "rev.txt", "whisperx.txt", "google-meet.txt", "f4.txt", "maxqda.txt", "plain-focus-group.txt", "annomi-utterances.csv"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "transcripts"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "transcripts", name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := stages.Project{Dir: dir}
	sum, err := stages.Run(context.Background(), p, stages.Options{Transcripts: []string{"transcripts"}, Workers: 2, Codebook: cb})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 0 {
		t.Fatalf("skipped: %+v", sum.SkippedFiles)
	}
	s, err := search.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return p, s
}

func interviewerOf(transcript string) (string, bool) {
	if strings.HasPrefix(transcript, "annomi-utterances/") {
		return layoutInterviewer["annomi-utterances/*"], true
	}
	name, ok := layoutInterviewer[transcript]
	return name, ok
}

// role:participant finds the client's or participant's passages and none of
// the interviewer's, in every layout; role:interviewer the opposite; and
// --speaker participant is the same filter.
func TestRoleFiltersOnEveryLayout(t *testing.T) {
	ctx := context.Background()
	_, s := layoutProject(t, nil)
	all, total, err := s.Search(ctx, search.Options{Query: "NOT transcript:none-such", Limit: 0})
	if err != nil || total == 0 {
		t.Fatalf("all passages: %d (%v)", total, err)
	}
	perTranscript := map[string]map[string]int{} // transcript -> role -> passages
	for _, h := range all {
		if perTranscript[h.Transcript] == nil {
			perTranscript[h.Transcript] = map[string]int{}
		}
		perTranscript[h.Transcript][h.Role]++
	}
	for _, tc := range []struct{ query, speaker, role string }{
		{"role:participant", "", "participant"},
		{"", "participant", "participant"},
		{"role:interviewer", "", "interviewer"},
	} {
		q := tc.query
		if q == "" {
			q = "NOT transcript:none-such"
		}
		hits, _, err := s.Search(ctx, search.Options{Query: q, Speaker: tc.speaker, Limit: 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Warnings) > 0 {
			t.Errorf("%s: warnings %q", q, s.Warnings)
		}
		got := map[string]int{}
		for _, h := range hits {
			got[h.Transcript]++
			iv, ok := interviewerOf(h.Transcript)
			if !ok {
				t.Fatalf("unexpected transcript %s", h.Transcript)
			}
			isInterviewer := h.Speaker == iv
			if isInterviewer != (tc.role == "interviewer") || h.Role != tc.role {
				t.Errorf("%s --speaker %q: hit by %q (role %q) in %s", q, tc.speaker, h.Speaker, h.Role, h.Transcript)
			}
		}
		for tr, roles := range perTranscript {
			if got[tr] != roles[tc.role] || got[tr] == 0 {
				t.Errorf("%s --speaker %q: %s: %d hits, want all %d passages of that role", q, tc.speaker, tr, got[tr], roles[tc.role])
			}
		}
	}
	// A value that names no one is reported with what exists.
	if _, _, err := s.Search(ctx, search.Options{Query: "role:astronaut"}); err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "not a role") {
		t.Errorf("warnings %q", s.Warnings)
	}
	if _, _, err := s.Search(ctx, search.Options{Query: "smok*", Speaker: "Nobody Here"}); err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "roles: ") {
		t.Errorf("warnings %q", s.Warnings)
	}
}

// A rule limited to participants gives the same passages in codebook check
// (the rule with the code's filters), in the run's candidates and in search
// with the same filter.
func TestSpeakersRuleIsOneFilterEverywhere(t *testing.T) {
	ctx := context.Background()
	cb, err := codebook.ParseYAML("codebook.yaml", []byte(`
codes:
  - name: Drinking
    keywords: [drink*]
    speakers: [participant]
  - name: Drinking, default speakers
    keywords: [drink*]
`))
	if err != nil {
		t.Fatal(err)
	}
	_, s := layoutProject(t, cb)
	code := cb.All()[0]
	filters, err := stages.CodeFilters(code)
	if err != nil {
		t.Fatal(err)
	}
	rule, _ := index.Parse(code.Keywords[0].Query)
	checkHits, checkTotal, err := s.SearchNode(ctx, index.And{Nodes: append([]index.Node{rule}, filters...)}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	searchHits, searchTotal, err := s.Search(ctx, search.Options{Query: "drink* role:participant", Limit: 0})
	if err != nil {
		t.Fatal(err)
	}
	if checkTotal == 0 || checkTotal != searchTotal {
		t.Fatalf("codebook check finds %d passages, search %d", checkTotal, searchTotal)
	}
	inHit := map[string]bool{}
	for i, h := range searchHits {
		if checkHits[i].Passage != h.Passage {
			t.Errorf("passage %d: check %s, search %s", i, checkHits[i].Passage, h.Passage)
		}
		inHit[h.Passage] = true
		if h.Role != "participant" {
			t.Errorf("search hit by %s (%s)", h.Speaker, h.Role)
		}
	}
	cands, err := s.Store.Candidates(ctx, store.CandidateFilter{Code: code.Path})
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, c := range cands {
		found := false
		for _, h := range searchHits {
			if h.Transcript == c.Transcript && c.Start >= h.Start && c.End <= h.End {
				found, covered[h.Passage] = true, true
			}
		}
		if !found {
			t.Errorf("candidate %s (%s: %q) is in no search hit", c.ID, c.Speaker, c.Text)
		}
	}
	if len(covered) != len(searchHits) {
		t.Errorf("%d of %d search hits hold a candidate", len(covered), len(searchHits))
	}
	// The default leaves the interviewer out too, but keeps unknown speakers.
	def, err := s.Store.Candidates(ctx, store.CandidateFilter{Code: cb.All()[1].Path})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range def {
		if iv, _ := interviewerOf(c.Transcript); c.Speaker == iv {
			t.Errorf("default speakers: interviewer's candidate %q", c.Text)
		}
	}
	if len(def) < len(cands) {
		t.Errorf("default speakers: %d candidates, fewer than participants alone (%d)", len(def), len(cands))
	}
	_ = corpus.RoleParticipant
}
