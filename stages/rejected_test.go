package stages_test

import (
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/decisions"
)

// Issue 14.1: after a codebook edit a new keyword matched the sentence next
// to one the analyst had rejected, and the merged candidate held the
// rejected sentence. Rejected means never again for that code, whole or
// inside a larger span, on the same version or after an edit.
func TestRejectedSentenceIsNeverProposedAgain(t *testing.T) {
	text := "Interviewer: Tell me about the weekends.\n\n" +
		"P1: I drink with my brother on Fridays. We go to the match together. Then it is home and bed.\n"
	p := newCandProject(t, map[string]string{"int-1.txt": text})
	v1 := parseCodebook(t, `
codes:
  - name: Alcohol
    keywords: [drink*]
`)
	p.run(v1)
	cs := p.candidates(store.CandidateFilter{Code: "Alcohol"})
	if len(cs) != 1 || !strings.HasPrefix(cs[0].Text, "I drink with my brother") {
		t.Fatalf("first run: %+v", cs)
	}
	p.decide(v1, decisions.Decision{Candidate: cs[0].ID, Action: store.ActionReject})

	// The next sentences now match too: without the rule the three would
	// be one candidate holding the rejected sentence.
	v2 := parseCodebook(t, `
codes:
  - name: Alcohol
    keywords: [drink*, match, home]
`)
	sum := p.run(v2)
	check := func(when string) {
		t.Helper()
		for _, c := range p.candidates(store.CandidateFilter{Code: "Alcohol"}) {
			if c.Status == "rejected" {
				continue
			}
			if strings.Contains(c.Text, "I drink with my brother") {
				t.Errorf("%s: rejected sentence proposed again inside %q (%s)", when, c.Text, c.Status)
			}
			for _, m := range c.Matches {
				if m.Text == "drink" {
					t.Errorf("%s: the rejected sentence's match is highlighted in %q", when, c.Text)
				}
			}
		}
	}
	check("after the codebook edit")
	got := p.candidates(store.CandidateFilter{Code: "Alcohol", Status: "proposed"})
	if len(got) != 1 || got[0].Text != "We go to the match together. Then it is home and bed." {
		t.Errorf("after the edit, proposed %+v; want the two sentences after the rejected one", got)
	}
	if c := sum.Candidates; c.New != 1 || c.Waiting != 1 || c.PerCode["Alcohol"].New != 1 {
		t.Errorf("summary %+v: want 1 new, 1 waiting", c)
	}

	// The transcript is edited (a line added before): the rejection holds
	// on the new version, found by its text.
	p.write("int-1.txt", "Interviewer: Thanks for coming.\n\n"+text)
	p.run(v2)
	check("after the transcript was edited")

	// A whole-turn unit holding the rejected sentence is not proposed.
	v3 := parseCodebook(t, `
codes:
  - name: Alcohol
    keywords: [drink*, match, home]
    unit: turn
`)
	p.run(v3)
	check("as a whole-turn unit")
}

// Issue 14.6: "62 proposed" when 8 were new. The summary says what is new
// to the queue, what waits, and what was withdrawn, per code; a run with
// nothing new reports nothing new.
func TestMatchSummaryCountsTheQueue(t *testing.T) {
	p := newCandProject(t, map[string]string{
		"a.txt": "I: Do you drink?\n\nS: I drink wine. I smoke too.\n\nI: And beer?\n\nS: Beer sometimes.\n",
	})
	cb := parseCodebook(t, `
codes:
  - name: Alcohol
    keywords: [drink*, wine, beer*]
  - name: Smoking
    keywords: [smok*]
`)
	first := p.run(cb).Candidates
	if first.New != first.Waiting || first.New == 0 {
		t.Fatalf("first run: %+v", first)
	}
	again := p.run(cb).Candidates
	if again.New != 0 || again.Withdrawn != 0 || again.Waiting != first.Waiting {
		t.Errorf("re-run with nothing new: %+v; want 0 new, 0 withdrawn, %d waiting", again, first.Waiting)
	}
	p.write("b.txt", "I: And now?\n\nS: I smoke less.\n")
	third := p.run(cb).Candidates
	if third.New != 1 || third.PerCode["Smoking"].New != 1 || third.PerCode["Alcohol"].New != 0 || third.Waiting != first.Waiting+1 {
		t.Errorf("one new transcript: %+v; want 1 new (Smoking), %d waiting", third, first.Waiting+1)
	}
	// Dropping a keyword withdraws its undecided candidates, per code.
	fewer := parseCodebook(t, `
codes:
  - name: Alcohol
    keywords: [drink*, wine]
  - name: Smoking
    keywords: [smok*]
`)
	fourth := p.run(fewer).Candidates
	if fourth.Withdrawn != 1 || fourth.PerCode["Alcohol"].Withdrawn != 1 || fourth.New != 0 {
		t.Errorf("keyword dropped: %+v; want Alcohol's candidates withdrawn and none new", fourth)
	}
}
