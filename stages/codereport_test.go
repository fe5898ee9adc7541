package stages_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/decisions"
)

// reportCodebook has a keyword the analyst always confirms (quit), one
// they always reject ("drink": a sustain-talk word), and one whose hits
// they re-code to Sustain talk ("see a problem").
const reportCodebook = `
codes:
  - name: Change talk
    description: The client speaks in favour of change, wanting, being ready or committing to stop, quit or cut down.
    keywords: [quit, drink, '"see a problem"', '"cut down"']
  - name: Sustain talk
    description: The client speaks against change, for things as they are.
    keywords: ['"no problem"']
`

// reportFiles give each keyword hit a turn of its own.
var reportFiles = map[string]string{
	"r1.txt": "Therapist: What brings you in?\n\nClient: I want to quit smoking.\n\nTherapist: Go on.\n\nClient: I like a drink after work.\n\n" +
		"Therapist: And your family?\n\nClient: My kids want me to give it up for good. I am going to make a plan to stop.\n",
	"r2.txt": "Therapist: How is it going?\n\nClient: I do not see a problem with it.\n\nTherapist: I see.\n\nClient: I will quit next month.\n\n" +
		"Therapist: What else?\n\nClient: A drink with friends is fine.\n\nTherapist: Anything more?\n\nClient: My wife wants me to cut down.\n",
}

func TestCodebookReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs batches")
	}
	ctx := context.Background()
	p := newCandProject(t, reportFiles)
	cb := parseCodebook(t, reportCodebook)
	batch := func(at time.Time) {
		t.Helper()
		if _, err := stages.Run(ctx, stages.Project{Dir: p.dir}, stages.Options{Transcripts: []string{"transcripts"}, Workers: 1, Codebook: cb, Suggest: true,
			Now: func() time.Time { return at }}); err != nil {
			t.Fatal(err)
		}
	}
	decide := func(at time.Time, ds ...decisions.Decision) {
		t.Helper()
		st := p.store()
		defer st.Close()
		r := decisions.Reviewer{Store: st, Codebook: cb, Name: "ana", Now: func() time.Time { return at }}
		if _, err := r.Record(ctx, ds); err != nil {
			t.Fatal(err)
		}
	}
	batch(time.Date(2024, 1, 10, 2, 0, 0, 0, time.UTC))

	// The first round: every keyword hit of Change talk decided by its
	// rule (one rule per candidate in these transcripts).
	var round []decisions.Decision
	for _, c := range p.candidates(store.CandidateFilter{Code: "Change talk", Origin: store.OriginKeyword}) {
		if len(c.Rules) != 1 {
			t.Fatalf("%s %q: rules %v; the test wants one rule per candidate", c.ID, c.Text, c.Rules)
		}
		switch c.Rules[0] {
		case "quit":
			round = append(round, decisions.Decision{Candidate: c.ID, Action: store.ActionConfirm})
		case "drink":
			round = append(round, decisions.Decision{Candidate: c.ID, Action: store.ActionReject})
		case `"see a problem"`:
			round = append(round, decisions.Decision{Candidate: c.ID, Action: store.ActionRecode, Value: "Sustain talk"})
		}
	}
	if len(round) != 5 {
		t.Fatalf("%d keyword hits decided, want quit, drink and see a problem: %+v", len(round), round)
	}
	decide(time.Date(2024, 2, 1, 9, 0, 0, 0, time.UTC), round...)

	// A second batch brings a new transcript; "cut down" is confirmed
	// after it.
	p.write("r3.txt", "Therapist: And now?\n\nClient: I have decided to cut down to two beers. My brother will help me.\n")
	batch(time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC))
	var cut store.Candidate
	for _, c := range p.candidates(store.CandidateFilter{Code: "Change talk", Origin: store.OriginKeyword}) {
		if slices.Contains(c.Rules, `"cut down"`) && c.Transcript == "r3" {
			cut = c
		}
	}
	if cut.ID == "" {
		t.Fatal(`no "cut down" candidate in the new transcript`)
	}
	decide(time.Date(2024, 3, 2, 9, 0, 0, 0, time.UTC), decisions.Decision{Candidate: cut.ID, Action: store.ActionConfirm})

	report := func(opts stages.ReportOptions) map[string]stages.CodeReport {
		t.Helper()
		st := p.store()
		defer st.Close()
		rs, err := stages.CodebookReport(ctx, stages.Project{Dir: p.dir}, st, cb, opts)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]stages.CodeReport{}
		for _, r := range rs {
			out[r.Code] = r
		}
		if len(rs) != len(cb.All()) {
			t.Errorf("%d code reports, want %d", len(rs), len(cb.All()))
		}
		return out
	}
	rs := report(stages.ReportOptions{})
	change := rs["Change talk"]

	// Keyword precision: quit always confirmed, drink always rejected,
	// "see a problem" re-coded away (a rejection for Change talk), and "cut down"
	// confirmed once, in two transcripts of which one is decided.
	for _, tc := range []struct {
		rule                        string
		decided, confirmed, rejectd int
		precision                   float64 // NaN: no decision
	}{
		{"quit", 2, 2, 0, 1},
		{"drink", 2, 0, 2, 0},
		{`"see a problem"`, 1, 0, 1, 0},
		{`"cut down"`, 1, 1, 0, 1},
	} {
		i := slices.IndexFunc(change.Keywords, func(k stages.KeywordPrecision) bool { return k.Rule == tc.rule })
		if i < 0 {
			t.Errorf("keyword %s: missing from %+v", tc.rule, change.Keywords)
			continue
		}
		k := change.Keywords[i]
		if k.Decided != tc.decided || k.Confirmed != tc.confirmed || k.Rejected != tc.rejectd || float64(k.Precision) != tc.precision || !k.InCodebook || k.Line == 0 {
			t.Errorf("keyword %s: %+v, want %d decided, %d confirmed, %d rejected, precision %v, with its line", tc.rule, k, tc.decided, tc.confirmed, tc.rejectd, tc.precision)
		}
	}
	if got := len(change.Keywords); got != 4 {
		t.Errorf("Change talk: %d keywords, want its 4: %+v", got, change.Keywords)
	}
	if change.Confirmed != 3 || change.Rejected != 3 || change.Proposed != change.Waiting+change.Confirmed+change.Rejected+change.Withdrawn ||
		change.Suggested != len(p.candidates(store.CandidateFilter{Code: "Change talk", Origin: store.OriginSuggested})) {
		t.Errorf("Change talk counts: %+v", change)
	}
	if change.Model.Decisions != 6 || change.Model.Confirmed != 3 || len(change.Model.Words) == 0 {
		t.Errorf("Change talk model: %+v, want 6 decisions, 3 confirmed, and its words", change.Model)
	}
	if change.Since != nil {
		t.Errorf("no --since, yet %+v", change.Since)
	}

	// Sustain talk: the re-coded candidate is confirmed for it, and names
	// no keyword rule of it; its own keyword has no decision yet.
	sustain := rs["Sustain talk"]
	if sustain.Confirmed != 1 || len(sustain.Keywords) != 1 || sustain.Keywords[0].Decided != 0 || !math.IsNaN(float64(sustain.Keywords[0].Precision)) {
		t.Errorf("Sustain talk: %+v", sustain)
	}
	js, err := json.Marshal(sustain)
	if err != nil || !strings.Contains(string(js), `"precision":null`) {
		t.Errorf("Sustain talk as JSON: %s, %v; want a null precision", js, err)
	}

	// What changed since: by batch 2, or by the day it ran, the same.
	for _, opts := range []stages.ReportOptions{{SinceBatch: 2}, {SinceTime: time.Date(2024, 2, 15, 0, 0, 0, 0, time.UTC)}} {
		since := report(opts)["Change talk"].Since
		if since == nil || since.Batch != 2 || since.Confirmed != 1 || since.Rejected != 0 || since.Proposed == 0 {
			t.Errorf("%+v: since %+v, want batch 2, its candidates, 1 confirmed", opts, since)
			continue
		}
		for _, c := range p.candidates(store.CandidateFilter{Code: "Change talk"}) {
			if c.Transcript == "r3" && c.Batch != 2 {
				t.Errorf("%s of the new transcript is of batch %d", c.ID, c.Batch)
			}
		}
	}
	// Since the first batch: everything.
	since := report(stages.ReportOptions{SinceBatch: 1})["Change talk"].Since
	if since.Proposed != change.Proposed || since.Confirmed != 3 || since.Rejected != 3 {
		t.Errorf("since batch 1: %+v, want all of %+v", since, change)
	}
	st := p.store()
	defer st.Close()
	var nb *stages.NoBatchError
	if _, err := stages.CodebookReport(ctx, stages.Project{Dir: p.dir}, st, cb, stages.ReportOptions{SinceBatch: 9}); err == nil || !errors.As(err, &nb) {
		t.Errorf("since batch 9 of 2: %v, want a NoBatchError", err)
	}
}
