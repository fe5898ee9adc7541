package stages_test

import (
	"context"
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/decisions"
)

// rankFiles are three short counselling conversations: the code below
// finds some change talk by its keywords, the rest only by its meaning.
var rankFiles = map[string]string{
	"s1.txt": "Therapist: What brings you in today?\n\n" +
		"Client: My doctor says I should quit smoking. I want to stop for my kids. They keep asking me to give it up.\n\n" +
		"Therapist: You are thinking about your children.\n\n" +
		"Client: Yes. I am ready to try the patches next week. The weather has been awful lately.\n",
	"s2.txt": "Therapist: How has the drinking been?\n\n" +
		"Client: I like a drink after work, it helps me relax. I don't see a problem with it.\n\n" +
		"Therapist: It helps you unwind.\n\n" +
		"Client: But my wife wants me to cut down, and honestly I think she is right. I could stop on weekdays.\n",
	"s3.txt": "Therapist: Tell me about your week.\n\n" +
		"Client: My kids want me to give it up for good. I am going to make a plan to stop.\n\n" +
		"Therapist: That sounds important to you.\n\n" +
		"Client: We went to the beach on Sunday. The traffic was terrible.\n",
}

const rankCodebook = `
codes:
  - name: Change talk
    description: The client speaks in favour of change, wanting, being ready or committing to stop, quit or cut down.
    keywords: [quit]
    examples: [I want to stop for my family]
`

// Relevance is the same whatever -j, and ranking again without new
// decisions leaves every score as it was.
func TestRankingIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs batches")
	}
	cb := parseCodebook(t, rankCodebook)
	scores := func(workers int) map[string]store.Candidate {
		p := newCandProject(t, rankFiles)
		if _, err := stages.Run(context.Background(), stages.Project{Dir: p.dir}, stages.Options{Transcripts: []string{"transcripts"}, Workers: workers, Codebook: cb, Suggest: true}); err != nil {
			t.Fatal(err)
		}
		first := map[string]store.Candidate{}
		for _, c := range p.candidates(store.CandidateFilter{}) {
			first[c.ID] = c
		}
		// Ranking again (from the words kept by the first, but for the
		// middle transcript's, analysed again) moves nothing.
		st := p.store()
		if res, err := st.DB().Exec(`DELETE FROM rank_words WHERE transcript_id = 's2'`); err != nil {
			t.Fatal(err)
		} else if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%d rows of kept words dropped, want 1", n)
		}
		st.Close()
		p.suggest(cb)
		st = p.store()
		var kept int
		if err := st.DB().QueryRow(`SELECT count(*) FROM rank_words`).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if kept != len(rankFiles) {
			t.Errorf("%d transcripts' words kept after the re-run, want %d", kept, len(rankFiles))
		}
		for _, c := range p.candidates(store.CandidateFilter{}) {
			if f := first[c.ID]; f.Relevance != c.Relevance || f.Why != c.Why || f.Recommended != c.Recommended || f.Status != c.Status {
				t.Errorf("-j %d: %s changed on a re-run: %v %q %v %s, was %v %q %v %s", workers, c.ID, c.Relevance, c.Why, c.Recommended, c.Status, f.Relevance, f.Why, f.Recommended, f.Status)
			}
		}
		return first
	}
	one, four := scores(1), scores(4)
	if len(one) == 0 {
		t.Fatal("no candidates")
	}
	suggested := 0
	for id, c := range one {
		o := four[id]
		if o.Relevance != c.Relevance || o.Why != c.Why || o.Recommended != c.Recommended || o.Origin != c.Origin {
			t.Errorf("%s: -j 1 %v %q %v %s, -j 4 %v %q %v %s", id, c.Relevance, c.Why, c.Recommended, c.Origin, o.Relevance, o.Why, o.Recommended, o.Origin)
		}
		if c.Relevance < 0 || c.Relevance > 1 {
			t.Errorf("%s: relevance %v out of 0..1", id, c.Relevance)
		}
		if c.Origin == store.OriginSuggested {
			suggested++
		}
	}
	if len(four) != len(one) || suggested == 0 {
		t.Errorf("-j 1: %d candidates (%d suggested), -j 4: %d", len(one), suggested, len(four))
	}
}

// A suggestion: not a keyword hit, a participant's words (the code names
// no speakers), and why names words that are in it.
func TestSuggestions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs batches")
	}
	p := newCandProject(t, rankFiles)
	cb := parseCodebook(t, rankCodebook)
	p.runSuggest(cb)
	all := p.candidates(store.CandidateFilter{})
	var sugg []store.Candidate
	for _, c := range all {
		checkWhy(t, c)
		if c.Origin != store.OriginSuggested {
			if c.Origin != store.OriginKeyword || len(c.Rules) == 0 {
				t.Errorf("%s: origin %q, rules %v", c.ID, c.Origin, c.Rules)
			}
			continue
		}
		sugg = append(sugg, c)
		if strings.Contains(strings.ToLower(c.Text), "quit") {
			t.Errorf("suggestion %q matches the keyword", c.Text)
		}
		if c.Speaker != "Client" {
			t.Errorf("suggestion %q from %s: the code takes participants' words", c.Text, c.Speaker)
		}
	}
	found := false
	for _, c := range sugg {
		if strings.Contains(c.Text, "My kids want me to give it up for good.") {
			found = true
		}
	}
	if !found {
		t.Errorf("the change talk without the keyword was not suggested: %+v", sugg)
	}
}

// checkWhy: every word why names (before "like confirmed") is in the text.
func checkWhy(t *testing.T, c store.Candidate) {
	t.Helper()
	words, _, _ := strings.Cut(c.Why, "; like confirmed")
	if strings.HasPrefix(c.Why, "like confirmed") {
		words = ""
	}
	for _, w := range strings.Split(words, ", ") {
		if w != "" && !strings.Contains(c.Text, w) {
			t.Errorf("%s: why names %q, which is not in %q", c.ID, w, c.Text)
		}
	}
}

// A rejected suggestion is never proposed again: not on a re-run, nor
// after the codebook changes (new description, new keywords).
func TestRejectedSuggestionStaysRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("runs batches")
	}
	p := newCandProject(t, rankFiles)
	cb := parseCodebook(t, rankCodebook)
	p.runSuggest(cb)
	var target store.Candidate
	for _, c := range p.candidates(store.CandidateFilter{Origin: store.OriginSuggested}) {
		if strings.Contains(c.Text, "My kids want me to give it up for good.") {
			target = c
		}
	}
	if target.ID == "" {
		t.Fatal("no suggestion to reject")
	}
	p.decide(cb, decisions.Decision{Candidate: target.ID, Action: store.ActionReject})
	check := func(when string) {
		t.Helper()
		for _, c := range p.candidates(store.CandidateFilter{Code: "Change talk"}) {
			if c.ID != target.ID && c.Status != "withdrawn" && strings.Contains(c.Text, "My kids want me to give it up for good.") {
				t.Errorf("%s: the rejected sentence is proposed again in %q (%s, %s)", when, c.Text, c.Origin, c.Status)
			}
			if c.ID == target.ID && c.Status != "rejected" {
				t.Errorf("%s: the rejected suggestion is %s", when, c.Status)
			}
		}
	}
	p.runSuggest(cb)
	check("re-run")
	edited := parseCodebook(t, `
codes:
  - name: Change talk
    description: The client wants to give it up, for the kids, for good; they plan to stop.
    keywords: [quit, plan]
    examples: [My kids want me to stop, I want to give it up]
`)
	p.runSuggest(edited)
	check("after a codebook edit")
}

// runSuggest runs a batch that ranks the queue and suggests, as
// "run --suggest" does.
func (p *candProject) runSuggest(cb *codebook.Codebook) *stages.Summary {
	p.t.Helper()
	sum, err := stages.Run(context.Background(), stages.Project{Dir: p.dir}, stages.Options{Transcripts: []string{"transcripts"}, Workers: 1, Codebook: cb, Suggest: true})
	if err != nil {
		p.t.Fatalf("batch: %v", err)
	}
	return sum
}

// suggest ranks the queue again without a batch, as "alongside suggest".
func (p *candProject) suggest(cb *codebook.Codebook) *stages.RankSummary {
	p.t.Helper()
	sum, err := stages.Suggest(context.Background(), stages.Project{Dir: p.dir}, cb, stages.RankOptions{})
	if err != nil {
		p.t.Fatalf("suggest: %v", err)
	}
	return sum
}

// A run that changed nothing ranking reads leaves the ranking alone (it
// reads the whole corpus); a decision since is reason to rank again.
func TestQuietRunRanksOnlyAfterDecisions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs batches")
	}
	p := newCandProject(t, rankFiles)
	cb := parseCodebook(t, rankCodebook)
	p.runSuggest(cb)
	var mark, other store.Candidate
	for _, c := range p.candidates(store.CandidateFilter{Code: "Change talk"}) {
		if c.Relevance == 0 {
			t.Fatalf("%s: not ranked by the run", c.ID)
		}
		if mark.ID == "" {
			mark = c
		} else if other.ID == "" {
			other = c
		}
	}
	if other.ID == "" {
		t.Fatal("want two candidates")
	}
	// A mark no ranking would write: a quiet run must leave it.
	st := p.store()
	if err := st.SetRankings(context.Background(), []store.Ranking{{ID: mark.ID, Relevance: 0.123, Why: "marked"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	relevanceOf := func(id string) float64 {
		for _, c := range p.candidates(store.CandidateFilter{}) {
			if c.ID == id {
				return c.Relevance
			}
		}
		t.Fatalf("%s gone", id)
		return 0
	}
	p.runSuggest(cb)
	if r := relevanceOf(mark.ID); r != 0.123 {
		t.Errorf("a run with nothing new ranked again: relevance %v", r)
	}
	p.decide(cb, decisions.Decision{Candidate: other.ID, Action: store.ActionConfirm})
	p.runSuggest(cb)
	if r := relevanceOf(mark.ID); r == 0.123 {
		t.Errorf("a run after a decision did not rank again")
	}
}
