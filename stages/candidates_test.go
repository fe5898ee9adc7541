package stages_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/decisions"
)

// candProject is a small project the candidate tests build in a temporary
// folder: transcripts/ holds the .txt files they write.
type candProject struct {
	t     *testing.T
	dir   string
	mtime time.Time // the next file written gets a later time than the last
}

func newCandProject(t *testing.T, files map[string]string) *candProject {
	t.Helper()
	p := &candProject{t: t, dir: t.TempDir(), mtime: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	for name, text := range files {
		p.write(name, text)
	}
	return p
}

// write writes a transcript with a modification time later than any
// before, so the batch always sees an edit.
func (p *candProject) write(name, text string) {
	p.t.Helper()
	path := filepath.Join(p.dir, "transcripts", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		p.t.Fatal(err)
	}
	p.mtime = p.mtime.Add(time.Minute)
	if err := os.Chtimes(path, p.mtime, p.mtime); err != nil {
		p.t.Fatal(err)
	}
}

func (p *candProject) run(cb *codebook.Codebook) *stages.Summary {
	p.t.Helper()
	sum, err := stages.Run(context.Background(), stages.Project{Dir: p.dir}, stages.Options{Transcripts: []string{"transcripts"}, Workers: 1, Codebook: cb})
	if err != nil {
		p.t.Fatalf("batch: %v", err)
	}
	if sum.Candidates == nil {
		p.t.Fatal("batch with a codebook reported no matching pass")
	}
	return sum
}

func (p *candProject) store() *store.Store {
	p.t.Helper()
	st, err := stages.Project{Dir: p.dir}.OpenStore()
	if err != nil {
		p.t.Fatal(err)
	}
	return st
}

func (p *candProject) candidates(f store.CandidateFilter) []store.Candidate {
	p.t.Helper()
	st := p.store()
	defer st.Close()
	cs, err := st.Candidates(context.Background(), f)
	if err != nil {
		p.t.Fatal(err)
	}
	return cs
}

// transcript is the stored transcript a candidate was cut from.
func (p *candProject) transcript(id, version string) *corpus.Transcript {
	p.t.Helper()
	st := p.store()
	defer st.Close()
	t, err := st.Version(context.Background(), id, version)
	if err != nil {
		p.t.Fatal(err)
	}
	return t
}

func (p *candProject) decide(cb *codebook.Codebook, ds ...decisions.Decision) {
	p.t.Helper()
	st := p.store()
	defer st.Close()
	r := decisions.Reviewer{Store: st, Codebook: cb, Name: "tester", Now: func() time.Time { return time.Date(2024, 2, 1, 9, 0, 0, 0, time.UTC) }}
	if _, err := r.Record(context.Background(), ds); err != nil {
		p.t.Fatal(err)
	}
}

func parseCodebook(t *testing.T, yaml string) *codebook.Codebook {
	t.Helper()
	cb, err := codebook.ParseYAML("codebook.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if err := stages.CheckCodebook(cb); err != nil {
		t.Fatal(err)
	}
	return cb
}

// checkCandidate checks what every candidate must be: its text is the
// stored transcript's text between its offsets and whole sentences of one
// turn (first to last), its matched words are cut from the transcript at
// their offsets and lie inside it, and it names its rules, score, codebook
// version and batch.
func checkCandidate(t *testing.T, p *candProject, c store.Candidate, cb *codebook.Codebook) {
	t.Helper()
	tr := p.transcript(c.Transcript, c.Version)
	if c.Turn < 0 || c.Turn >= len(tr.Turns) {
		t.Fatalf("%s: turn %d of %d", c.ID, c.Turn, len(tr.Turns))
	}
	turn := tr.Turns[c.Turn]
	if c.First < 0 || c.Last < c.First || c.Last >= len(turn.Sentences) {
		t.Fatalf("%s: sentences %d-%d of a turn of %d", c.ID, c.First, c.Last, len(turn.Sentences))
	}
	if c.Start != turn.Sentences[c.First].Span.Start || c.End != turn.Sentences[c.Last].Span.End {
		t.Errorf("%s: span %d-%d is not sentences %d-%d (%v-%v)", c.ID, c.Start, c.End, c.First, c.Last, turn.Sentences[c.First].Span, turn.Sentences[c.Last].Span)
	}
	if c.Start < turn.Span.Start || c.End > turn.Span.End {
		t.Errorf("%s: span %d-%d leaves its turn %v", c.ID, c.Start, c.End, turn.Span)
	}
	if got := corpus.Cut(tr.Text, corpus.Span{Start: c.Start, End: c.End}); got != c.Text {
		t.Errorf("%s: text %q, the transcript has %q there", c.ID, c.Text, got)
	}
	if c.Speaker != turn.Speaker {
		t.Errorf("%s: speaker %q, the turn's is %q", c.ID, c.Speaker, turn.Speaker)
	}
	if suggested := c.Origin == store.OriginSuggested; suggested != (len(c.Rules) == 0) || !suggested && len(c.Matches) == 0 {
		t.Errorf("%s: origin %s with matches %v and rules %v", c.ID, c.Origin, c.Matches, c.Rules)
	}
	for _, m := range c.Matches {
		if m.Start < c.Start || m.End > c.End || m.Start >= m.End {
			t.Errorf("%s: match %+v outside the candidate %d-%d", c.ID, m, c.Start, c.End)
		}
		if got := corpus.Cut(tr.Text, corpus.Span{Start: m.Start, End: m.End}); got != m.Text {
			t.Errorf("%s: match %q at %d-%d, the transcript has %q there", c.ID, m.Text, m.Start, m.End, got)
		}
	}
	if want := float64(len(c.Rules)) + float64(len(c.Matches))/10; c.Score != want {
		t.Errorf("%s: score %v, want %v (rules + matches/10)", c.ID, c.Score, want)
	}
	if cb != nil && c.Codebook != cb.Version() {
		t.Errorf("%s: codebook version %q, want %q", c.ID, c.Codebook, cb.Version())
	}
	if c.Batch <= 0 {
		t.Errorf("%s: batch %d", c.ID, c.Batch)
	}
	if want := stages.CandidateID(c.Code, tr, c.Start, c.End); c.ID != want {
		t.Errorf("%s: ID is not CandidateID of its span (%s)", c.ID, want)
	}
}

func matchTexts(ms []store.MatchSpan) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

// wantCand is what a table case expects of one candidate.
type wantCand struct {
	code, transcript, speaker, text string
	first, last                     int      // sentences in the turn
	matches                         []string // the matched words, in text order
	rules                           []string
}

func TestCandidateUnits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a project per case")
	}
	const drinks = `P1: I drink wine most nights. I drink beer at weekends. Then I sleep badly. On Sundays I drink cider.

P2: That sounds like a lot. How do you feel about it?

P1: I feel tired. I should drink less.

P2: Drinking less is one goal. We can look at it together.
`
	tests := []struct {
		name     string
		codebook string // the codes: list
		files    map[string]string
		want     []wantCand
	}{
		{
			name:     "adjacent sentences merge, others stay apart",
			codebook: `[{name: Alcohol, keywords: [drink]}]`,
			files:    map[string]string{"a.txt": drinks},
			want: []wantCand{
				{"Alcohol", "a", "P1", "I drink wine most nights. I drink beer at weekends.", 0, 1, []string{"drink", "drink"}, []string{"drink"}},
				{"Alcohol", "a", "P1", "On Sundays I drink cider.", 3, 3, []string{"drink"}, []string{"drink"}},
				{"Alcohol", "a", "P1", "I should drink less.", 1, 1, []string{"drink"}, []string{"drink"}},
				{"Alcohol", "a", "P2", "Drinking less is one goal.", 0, 0, []string{"Drinking"}, []string{"drink"}},
			},
		},
		{
			name:     "a run of matches never crosses a turn",
			codebook: `[{name: Alcohol, keywords: [drink]}]`,
			files: map[string]string{"a.txt": `P1: I went out with friends. We had a drink.

P2: A drink with friends. Was it just one?
`},
			want: []wantCand{
				{"Alcohol", "a", "P1", "We had a drink.", 1, 1, []string{"drink"}, []string{"drink"}},
				{"Alcohol", "a", "P2", "A drink with friends.", 0, 0, []string{"drink"}, []string{"drink"}},
			},
		},
		{
			name:     "sentences merged by different rules",
			codebook: `[{name: Alcohol, keywords: [wine, beer*, '"glass of"']}]`,
			files:    map[string]string{"a.txt": "P1: I had a glass of wine. Then two beers. Then I walked home.\n\nP2: Okay.\n"},
			want: []wantCand{
				{"Alcohol", "a", "P1", "I had a glass of wine. Then two beers.", 0, 1, []string{"glass", "of", "wine", "beers"}, []string{"wine", "beer*", `"glass of"`}},
			},
		},
		{
			name:     "an exclusion drops the passage it is in, not the turn's other passages nor other turns",
			codebook: `[{name: Alcohol, keywords: [drink], exclude: ['"soft drink"']}]`,
			files: map[string]string{"a.txt": `P1: I drink beer. Only a soft drink at lunch. We went out after work. The bus was late. It rained all day. Later I drink wine at home. It was fine.

P2: You drink at home too.
`},
			want: []wantCand{
				// Sentences 0-4 are one passage, holding the exclusion; 5-6 the next.
				{"Alcohol", "a", "P1", "Later I drink wine at home.", 5, 5, []string{"drink"}, []string{"drink"}},
				{"Alcohol", "a", "P2", "You drink at home too.", 0, 0, []string{"drink"}, []string{"drink"}},
			},
		},
		{
			name:     "speakers by label",
			codebook: `[{name: Alcohol, keywords: [drink], speakers: [P1]}]`,
			files:    map[string]string{"a.txt": drinks},
			want: []wantCand{
				{"Alcohol", "a", "P1", "I drink wine most nights. I drink beer at weekends.", 0, 1, []string{"drink", "drink"}, []string{"drink"}},
				{"Alcohol", "a", "P1", "On Sundays I drink cider.", 3, 3, []string{"drink"}, []string{"drink"}},
				{"Alcohol", "a", "P1", "I should drink less.", 1, 1, []string{"drink"}, []string{"drink"}},
			},
		},
		{
			name:     "speakers by key and by a label written otherwise",
			codebook: `[{name: Smoking, keywords: [smok*], speakers: [dr-patel, "MR. JONES"]}]`,
			files: map[string]string{"b.txt": `Dr. Patel: Do you still smoke?

Mr. Jones: I smoke ten a day.

Client: Smoking calms me.

Dr. Patel: When do you smoke most?

Mr. Jones: Mostly after meals.
`},
			want: []wantCand{
				{"Smoking", "b", "Dr. Patel", "Do you still smoke?", 0, 0, []string{"smoke"}, []string{"smok*"}},
				{"Smoking", "b", "Mr. Jones", "I smoke ten a day.", 0, 0, []string{"smoke"}, []string{"smok*"}},
				{"Smoking", "b", "Dr. Patel", "When do you smoke most?", 0, 0, []string{"smoke"}, []string{"smok*"}},
			},
		},
		{
			name:     "unit turn takes the whole turn, once",
			codebook: `[{name: Alcohol, keywords: [drink, cider], unit: turn}]`,
			files:    map[string]string{"a.txt": drinks},
			want: []wantCand{
				{"Alcohol", "a", "P1", "I drink wine most nights. I drink beer at weekends. Then I sleep badly. On Sundays I drink cider.", 0, 3,
					[]string{"drink", "drink", "drink", "cider"}, []string{"drink", "cider"}},
				{"Alcohol", "a", "P1", "I feel tired. I should drink less.", 0, 1, []string{"drink"}, []string{"drink"}},
				{"Alcohol", "a", "P2", "Drinking less is one goal. We can look at it together.", 0, 1, []string{"Drinking"}, []string{"drink"}},
			},
		},
		{
			name: "two codes on one sentence, each its own candidate",
			codebook: `
- name: Substances
  codes:
    - {name: Alcohol, keywords: [wine]}
    - {name: Smoking, keywords: ['"cigarette" AND wine']}`,
			files: map[string]string{"a.txt": "P1: Wine and a cigarette after dinner. Nothing else.\n\nP2: I see.\n"},
			want: []wantCand{
				{"Substances/Alcohol", "a", "P1", "Wine and a cigarette after dinner.", 0, 0, []string{"Wine"}, []string{"wine"}},
				{"Substances/Smoking", "a", "P1", "Wine and a cigarette after dinner.", 0, 0, []string{"Wine", "cigarette"}, []string{`"cigarette" AND wine`}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newCandProject(t, tc.files)
			cb := parseCodebook(t, "name: Test\ncodes: "+tc.codebook+"\n")
			sum := p.run(cb)
			got := p.candidates(store.CandidateFilter{})
			for _, c := range got {
				checkCandidate(t, p, c, cb)
				if c.Batch != sum.Batch || c.Status != "proposed" {
					t.Errorf("%s: batch %d status %q, want batch %d proposed", c.ID, c.Batch, c.Status, sum.Batch)
				}
			}
			// Order both by code, transcript and position.
			sort.SliceStable(tc.want, func(i, j int) bool { return tc.want[i].code < tc.want[j].code })
			if len(got) != len(tc.want) {
				t.Errorf("%d candidates, want %d", len(got), len(tc.want))
			}
			for i := 0; i < len(got) || i < len(tc.want); i++ {
				var g, w wantCand
				if i < len(got) {
					c := got[i]
					g = wantCand{c.Code, c.Transcript, c.Speaker, c.Text, c.First, c.Last, matchTexts(c.Matches), c.Rules}
				}
				if i < len(tc.want) {
					w = tc.want[i]
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("candidate %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
			perCode := map[string]int{}
			for _, w := range tc.want {
				perCode[w.code]++
			}
			gotNew := map[string]int{}
			for code, n := range sum.Candidates.PerCode {
				if n.New != n.Waiting || n.Withdrawn != 0 {
					t.Errorf("first run, code %s: %+v: every candidate is new and waiting", code, n)
				}
				gotNew[code] = n.New
			}
			if !reflect.DeepEqual(gotNew, perCode) || sum.Candidates.New != len(tc.want) || sum.Candidates.Waiting != len(tc.want) {
				t.Errorf("summary per code %v, new %d, waiting %d; want %v, %d", gotNew, sum.Candidates.New, sum.Candidates.Waiting, perCode, len(tc.want))
			}
		})
	}
}

func TestCandidateIDIsStable(t *testing.T) {
	// The ID itself: the code, the transcript and the span's text, with
	// its occurrence number; never the offsets.
	before := &corpus.Transcript{ID: "a", Text: "I drink. I drink. Fine."}
	after := &corpus.Transcript{ID: "a", Text: "Hello there. I drink. I drink. Fine."}
	first := stages.CandidateID("Alcohol", before, 0, 8)
	if got := stages.CandidateID("Alcohol", after, 13, 21); got != first {
		t.Errorf("the same text moved got %s, want %s", got, first)
	}
	second := stages.CandidateID("Alcohol", before, 9, 17)
	if second == first {
		t.Errorf("the second occurrence of the same text got the first's ID %s", first)
	}
	if got := stages.CandidateID("Alcohol", after, 22, 30); got != second {
		t.Errorf("the second occurrence moved got %s, want %s", got, second)
	}
	if got := stages.CandidateID("Smoking", before, 0, 8); got == first {
		t.Error("another code on the same span got the same ID")
	}
	other := &corpus.Transcript{ID: "b", Text: before.Text}
	if got := stages.CandidateID("Alcohol", other, 0, 8); got == first {
		t.Error("the same span of another transcript got the same ID")
	}

	if testing.Short() {
		return
	}
	// Through the batch: a re-run proposes the same IDs and no new rows, a
	// second project with the same text gets the same IDs, and text moved
	// by an edit keeps its ID.
	const text = "P1: I drink wine most nights. Then I sleep.\n\nP2: You drink every night?\n"
	files := map[string]string{"a.txt": text}
	cb := parseCodebook(t, "name: Test\ncodes: [{name: Alcohol, keywords: [drink]}]\n")
	p := newCandProject(t, files)
	p.run(cb)
	ids := func(p *candProject) map[string]store.Candidate {
		out := map[string]store.Candidate{}
		for _, c := range p.candidates(store.CandidateFilter{}) {
			out[c.Text] = c
		}
		return out
	}
	one := ids(p)
	if len(one) != 2 {
		t.Fatalf("%d candidates, want 2", len(one))
	}
	again := p.run(cb)
	if again.Candidates.New != 0 || len(again.Candidates.Rematched) != 0 {
		t.Errorf("a re-run with nothing new proposed %d, re-matched %v", again.Candidates.New, again.Candidates.Rematched)
	}
	if got := ids(p); !reflect.DeepEqual(got, one) {
		t.Errorf("a re-run changed the candidates:\n%+v\nwant\n%+v", got, one)
	}
	q := newCandProject(t, files)
	q.run(cb)
	for text, c := range ids(q) {
		if one[text].ID != c.ID {
			t.Errorf("%q: another project gave ID %s, want %s", text, c.ID, one[text].ID)
		}
	}

	p.write("a.txt", "P2: Good morning. Shall we start?\n\n"+text)
	sum := p.run(cb)
	if sum.Changed != 1 {
		t.Fatalf("the edit was not seen: %+v", sum)
	}
	moved := ids(p)
	all := p.candidates(store.CandidateFilter{})
	if len(all) != 2 {
		t.Errorf("%d candidates after the edit, want the same 2", len(all))
	}
	for text, c := range one {
		m, ok := moved[text]
		if !ok {
			t.Errorf("%q: gone after the edit", text)
			continue
		}
		if m.ID != c.ID || m.Status != "proposed" {
			t.Errorf("%q: %s %s after the edit, want %s proposed", text, m.ID, m.Status, c.ID)
		}
		if m.Start != c.Start+len("P2: Good morning. Shall we start?\n\n") || m.Turn != c.Turn+1 || m.Version == c.Version {
			t.Errorf("%q: at %d turn %d version %s, want moved from %d turn %d version %s", text, m.Start, m.Turn, m.Version, c.Start, c.Turn, c.Version)
		}
		checkCandidate(t, p, m, cb)
	}
}

// changeCodebook is the codebook of the change test; alcohol is the
// Alcohol code's keyword list.
func changeCodebook(t *testing.T, alcohol string) *codebook.Codebook {
	return parseCodebook(t, `name: Change test
codes:
  - name: Alcohol
    keywords: `+alcohol+`
  - name: Smoking
    keywords: [smok*, cigarette*]
  - name: Exercise
    keywords: ['"went running"', gym]
    speakers: [P1]
`)
}

// byID indexes candidates by ID.
// byID maps candidates by ID, without what ranking says of them: a run
// ranks every undecided candidate again (the corpus and the decisions
// changed), which the comparisons here are not about.
func byID(cs []store.Candidate) map[string]store.Candidate {
	out := map[string]store.Candidate{}
	for _, c := range cs {
		out[c.ID] = unranked(c)
	}
	return out
}

func unranked(c store.Candidate) store.Candidate {
	c.Relevance, c.Why, c.Recommended = 0, "", false
	return c
}

func find(t *testing.T, cs []store.Candidate, code, text string) store.Candidate {
	t.Helper()
	for _, c := range cs {
		if c.Code == code && c.Text == text {
			return c
		}
	}
	t.Fatalf("no %s candidate %q", code, text)
	return store.Candidate{}
}

func TestCandidatesFollowCodebookAndTranscriptChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs several batches")
	}
	p := newCandProject(t, map[string]string{
		"a.txt": "P1: I had wine at dinner. Then I smoked a cigarette.\n\nP2: How often do you drink beer?\n\nP1: I drink beer on Fridays. I went running on Sunday.\n",
		"b.txt": "P1: I never drink. I smoke when I am stressed.\n\nP2: Do you buy beer for friends?\n",
		"c.txt": "P1: Beer is my weakness. The gym helps.\n\nP2: Do you smoke?\n",
	})
	cb1 := changeCodebook(t, "[drink*, wine]")
	sum1 := p.run(cb1)
	if !slices.Equal(sum1.Candidates.Rematched, []string{"Alcohol", "Smoking", "Exercise"}) {
		t.Errorf("first run re-matched %v, want every code", sum1.Candidates.Rematched)
	}
	run1 := p.candidates(store.CandidateFilter{})
	for _, c := range run1 {
		checkCandidate(t, p, c, cb1)
	}
	alcohol1 := p.candidates(store.CandidateFilter{Code: "Alcohol"})
	if len(alcohol1) != 4 {
		t.Fatalf("%d Alcohol candidates, want 4: %+v", len(alcohol1), alcohol1)
	}
	wine := find(t, run1, "Alcohol", "I had wine at dinner.")
	neverDrink := find(t, run1, "Alcohol", "I never drink.")
	fridays := find(t, run1, "Alcohol", "I drink beer on Fridays.")
	cigarette := find(t, run1, "Smoking", "Then I smoked a cigarette.")
	howOften := find(t, run1, "Alcohol", "How often do you drink beer?")
	running := find(t, run1, "Exercise", "I went running on Sunday.")
	p.decide(cb1,
		decisions.Decision{Candidate: wine.ID, Action: store.ActionConfirm},
		decisions.Decision{Candidate: cigarette.ID, Action: store.ActionConfirm, Note: "clear case"},
	)
	decided := byID(p.candidates(store.CandidateFilter{IDs: []string{wine.ID, cigarette.ID}}))
	for _, c := range decided {
		if c.Status != "confirmed" {
			t.Fatalf("%s: status %q after confirming", c.ID, c.Status)
		}
	}

	// Edit the Alcohol code only: wine goes, beer comes.
	cb2 := changeCodebook(t, "[drink*, beer]")
	sum2 := p.run(cb2)
	if sum2.New+sum2.Changed != 0 {
		t.Fatalf("no transcript changed, the batch saw %d new, %d changed", sum2.New, sum2.Changed)
	}
	if !slices.Equal(sum2.Candidates.Rematched, []string{"Alcohol"}) {
		t.Errorf("re-matched %v, want only the edited code [Alcohol]", sum2.Candidates.Rematched)
	}
	run2 := p.candidates(store.CandidateFilter{})
	for _, code := range []string{"Smoking", "Exercise"} {
		before := ofCode(run1, code)
		after := ofCode(run2, code)
		// The confirmed one is compared below, with its status.
		delete(before, cigarette.ID)
		delete(after, cigarette.ID)
		if !reflect.DeepEqual(before, after) {
			t.Errorf("%s candidates changed with the Alcohol code:\n%+v\nwant\n%+v", code, after, before)
		}
		if len(before) == 0 {
			t.Errorf("no %s candidates to compare", code)
		}
	}
	for id, want := range decided {
		got := byID(run2)[id]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("a decided candidate changed with the codebook:\n got %+v\nwant %+v", got, want)
		}
	}
	alcohol2 := ofCode(run2, "Alcohol")
	if got := alcohol2[neverDrink.ID]; got.Status != "proposed" || got.Codebook != cb2.Version() || got.Batch != sum1.Batch {
		t.Errorf("%q: still matched, want it proposed on the new codebook and first proposed in batch %d: %+v", neverDrink.Text, sum1.Batch, got)
	}
	// Beer is now matched everywhere, not only in transcripts of this
	// batch (there are none).
	var beer []string
	for _, c := range alcohol2 {
		if c.Status == "proposed" && slices.Contains(c.Rules, "beer") {
			beer = append(beer, c.Transcript+": "+c.Text)
			checkCandidate(t, p, c, cb2)
		}
	}
	sort.Strings(beer)
	wantBeer := []string{"a: How often do you drink beer?", "a: I drink beer on Fridays.", "b: Do you buy beer for friends?", "c: Beer is my weakness."}
	if !slices.Equal(beer, wantBeer) {
		t.Errorf("beer candidates %q, want %q", beer, wantBeer)
	}
	if got := alcohol2[fridays.ID]; !slices.Equal(got.Rules, []string{"drink*", "beer"}) || got.Batch != sum1.Batch {
		t.Errorf("%q: rules %v batch %d, want [drink* beer] and its first batch %d", fridays.Text, got.Rules, got.Batch, sum1.Batch)
	}
	if sum2.Candidates.Withdrawn != 0 {
		t.Errorf("withdrew %d, want 0 (the only wine-only candidate is confirmed)", sum2.Candidates.Withdrawn)
	}

	// An undecided candidate of a rule that goes is withdrawn.
	cb3 := changeCodebook(t, "[beer]")
	sum3 := p.run(cb3)
	run3 := p.candidates(store.CandidateFilter{})
	alcohol3 := ofCode(run3, "Alcohol")
	for _, c := range alcohol3 {
		switch c.ID {
		case wine.ID:
			if !reflect.DeepEqual(c, decided[wine.ID]) {
				t.Errorf("the confirmed candidate changed:\n got %+v\nwant %+v", c, decided[wine.ID])
			}
		case neverDrink.ID:
			// below
		default:
			if c.Status != "proposed" || !slices.Equal(c.Rules, []string{"beer"}) || c.Codebook != cb3.Version() {
				t.Errorf("%q: %s rules %v codebook %s, want proposed on [beer], codebook %s", c.Text, c.Status, c.Rules, c.Codebook, cb3.Version())
			}
		}
	}
	if len(alcohol3) != 6 {
		t.Errorf("%d Alcohol candidates, want 6 (4 beer, the confirmed wine, the withdrawn drink)", len(alcohol3))
	}
	if got := alcohol3[neverDrink.ID]; got.Status != "withdrawn" {
		t.Errorf("%q: %s, want withdrawn", neverDrink.Text, got.Status)
	}
	if sum3.Candidates.Withdrawn != 1 || !slices.Equal(sum3.Candidates.Rematched, []string{"Alcohol"}) {
		t.Errorf("withdrew %d, re-matched %v; want 1, [Alcohol]", sum3.Candidates.Withdrawn, sum3.Candidates.Rematched)
	}

	// Edit a transcript: the confirmed wine sentence goes, the confirmed
	// cigarette sentence stays, the Fridays and running sentences move down
	// a turn, and the question about beer is reworded.
	p.write("a.txt", "P2: Shall we start?\n\nP1: I had water at dinner. Then I smoked a cigarette.\n\nP2: How often do you have a beer?\n\nP1: I drink beer on Fridays. I went running on Sunday.\n")
	sum4 := p.run(cb3)
	if sum4.Changed != 1 || len(sum4.Candidates.Rematched) != 0 || sum4.Candidates.Transcripts != 1 {
		t.Fatalf("changed %d, re-matched %v, transcripts matched %d; want 1, none, 1", sum4.Changed, sum4.Candidates.Rematched, sum4.Candidates.Transcripts)
	}
	if sum4.Candidates.Orphaned != 1 || sum4.Candidates.Withdrawn != 1 {
		t.Errorf("orphaned %d, withdrew %d; want 1, 1", sum4.Candidates.Orphaned, sum4.Candidates.Withdrawn)
	}
	all4 := p.candidates(store.CandidateFilter{})
	run4 := byID(all4)
	orphan := run4[wine.ID]
	want := decided[wine.ID]
	want.Status, want.State = "orphaned", "orphaned"
	if !reflect.DeepEqual(orphan, want) {
		t.Errorf("the confirmed candidate whose text went:\n got %+v\nwant %+v", orphan, want)
	}
	if got := run4[cigarette.ID]; !reflect.DeepEqual(got, decided[cigarette.ID]) {
		t.Errorf("the confirmed candidate whose text stayed changed:\n got %+v\nwant %+v", got, decided[cigarette.ID])
	}
	var newVersion string
	for _, c := range []store.Candidate{fridays, running} {
		got := run4[c.ID]
		if got.Status != "proposed" || got.Version == c.Version || got.Turn != c.Turn+1 || got.Text != c.Text {
			t.Errorf("%q: %s version %s turn %d; want it re-proposed on the new version, a turn later", c.Text, got.Status, got.Version, got.Turn)
		}
		checkCandidate(t, p, got, nil)
		newVersion = got.Version
	}
	if got := run4[howOften.ID]; got.Status != "withdrawn" || got.Version != howOften.Version {
		t.Errorf("%q, reworded: %s on version %s, want withdrawn on its version %s", howOften.Text, got.Status, got.Version, howOften.Version)
	}
	reworded := find(t, all4, "Alcohol", "How often do you have a beer?")
	if reworded.Status != "proposed" || reworded.Version != newVersion || reworded.Batch != sum4.Batch || reworded.Codebook != cb3.Version() {
		t.Errorf("the reworded question: %s version %s batch %d codebook %s; want proposed on %s in batch %d, codebook %s",
			reworded.Status, reworded.Version, reworded.Batch, reworded.Codebook, newVersion, sum4.Batch, cb3.Version())
	}
	checkCandidate(t, p, reworded, cb3)
	// Every undecided candidate of the edited transcript is on its new
	// version or withdrawn; the other transcripts were not matched again.
	for _, c := range all4 {
		if c.Transcript == "a" && !c.Decided && c.Status != "withdrawn" && c.Version != newVersion {
			t.Errorf("%s %q: %s on the old version", c.Code, c.Text, c.Status)
		}
	}
	for id, c := range byID(run3) {
		if c.Transcript != "a" && !reflect.DeepEqual(run4[id], c) {
			t.Errorf("a candidate of an unchanged transcript changed:\n got %+v\nwant %+v", run4[id], c)
		}
	}
	// No span is proposed twice for a code.
	seen := map[string]bool{}
	for _, c := range all4 {
		key := fmt.Sprint(c.Code, c.Transcript, c.Version, c.Start, c.End)
		if c.Status != "proposed" {
			continue
		}
		if seen[key] {
			t.Errorf("%s %q is proposed twice", c.Code, c.Text)
		}
		seen[key] = true
	}
}

// ofCode returns the candidates of one code, by ID.
func ofCode(cs []store.Candidate, code string) map[string]store.Candidate {
	out := map[string]store.Candidate{}
	for _, c := range cs {
		if c.Code == code {
			out[c.ID] = unranked(c)
		}
	}
	return out
}

func TestCodeWithoutRulesWithdrawsItsCandidates(t *testing.T) {
	if testing.Short() {
		t.Skip("runs batches")
	}
	p := newCandProject(t, map[string]string{"a.txt": "P1: I went running. The gym is near.\n\nP2: Good.\n"})
	cb1 := parseCodebook(t, "name: T\ncodes:\n  - {name: Exercise, keywords: [gym]}\n  - {name: Running, keywords: [run]}\n")
	p.run(cb1)
	if n := len(p.candidates(store.CandidateFilter{Status: "proposed"})); n != 2 {
		t.Fatalf("%d candidates, want 2", n)
	}
	// Removing every rule of a code is removing its rules: its undecided
	// candidates go, as they do when the code itself goes.
	cb2 := parseCodebook(t, "name: T\ncodes:\n  - {name: Exercise, keywords: []}\n  - {name: Other, keywords: [walk]}\n")
	sum := p.run(cb2)
	for _, c := range p.candidates(store.CandidateFilter{}) {
		if c.Status != "withdrawn" {
			t.Errorf("%s %q: %s, want withdrawn", c.Code, c.Text, c.Status)
		}
	}
	if sum.Candidates.Withdrawn != 2 {
		t.Errorf("withdrew %d, want 2", sum.Candidates.Withdrawn)
	}
}

// TestAnnoMICodebook matches the AnnoMI counselling conversations (133
// transcripts, one CSV table) against testdata/annomi-codebook.yaml and
// logs the candidates per code and the matching stage's time:
//
//	go test ./stages -run TestAnnoMICodebook -v
func TestAnnoMICodebook(t *testing.T) {
	if testing.Short() || candRace {
		t.Skip("indexes the whole AnnoMI corpus; skipped with -short and -race")
	}
	cb, err := codebook.Read("testdata/annomi-codebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := stages.CheckCodebook(cb); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../corpus/testdata/annomi/AnnoMI-simple.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "transcripts"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "transcripts", "AnnoMI-simple.csv"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	p := &candProject{t: t, dir: dir}
	sum := p.run(cb)
	if sum.New != 133 {
		t.Fatalf("%d transcripts, want AnnoMI's 133", sum.New)
	}
	m := sum.Candidates
	t.Logf("AnnoMI: %d transcripts, %d words; batch %.1fs, matching %.2fs for %d codes over the whole corpus", sum.New, sum.Words, sum.Seconds, m.Seconds, m.Codes)
	all := p.candidates(store.CandidateFilter{})
	perCode := map[string]int{}
	transcripts := map[string]map[string]bool{}
	best := map[string]store.Candidate{}
	for _, c := range all {
		perCode[c.Code]++
		if b, ok := best[c.Code]; !ok || c.Score > b.Score {
			best[c.Code] = c
		}
		if transcripts[c.Code] == nil {
			transcripts[c.Code] = map[string]bool{}
		}
		transcripts[c.Code][c.Transcript] = true
	}
	for _, c := range cb.All() {
		if len(c.Keywords) == 0 {
			continue
		}
		t.Logf("  %-40s %5d candidates in %3d transcripts", c.Path, perCode[c.Path], len(transcripts[c.Path]))
		if b, ok := best[c.Path]; ok {
			text := []rune(b.Text)
			if len(text) > 110 {
				text = append(text[:110], '…')
			}
			t.Logf("      best (%s, %v): %s", b.Transcript, b.Rules, string(text))
		}
		if perCode[c.Path] == 0 {
			t.Errorf("%s: no candidates on AnnoMI", c.Path)
		}
	}
	summaryNew := map[string]int{}
	for code, n := range m.PerCode {
		summaryNew[code] = n.New
	}
	if !reflect.DeepEqual(perCode, summaryNew) {
		t.Errorf("stored per code %v, summary %v", perCode, summaryNew)
	}
	// Spot checks: every candidate is cut from its transcript, and speaker
	// filters hold.
	for i, c := range all {
		if i%50 == 0 {
			checkCandidate(t, p, c, cb)
		}
		if code := cb.Find(c.Code); len(code.Speakers) > 0 && !slices.ContainsFunc(code.Speakers, func(s string) bool {
			return corpus.SpeakerKey(s) == corpus.SpeakerKey(c.Speaker)
		}) {
			t.Errorf("%s: speaker %q, the code takes %v", c.ID, c.Speaker, code.Speakers)
		}
		if strings.TrimSpace(c.Text) != c.Text {
			t.Errorf("%s: text %q has space around it", c.ID, c.Text)
		}
	}
}
