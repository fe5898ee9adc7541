package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Blind views see their own reviewer's decisions only; the shared view
// follows the consensus, else the latest verdict, and says which.
func TestReviewerViews(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "alongside.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var cands []Candidate
	for _, id := range []string{"c1", "c2", "c3", "c4", "c5"} {
		cands = append(cands, Candidate{ID: id, Code: "Care", Transcript: "t1", Version: "v1", Text: id, Rules: []string{"care"}})
	}
	if _, err := st.ProposeCandidates(ctx, "cb1", 1, cands); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	recoded := Candidate{ID: "r3", Code: "Family", Transcript: "t1", Version: "v1", Text: "c3", Rules: []string{RecodedPrefix + "c3"}}
	log := []DecisionEntry{
		{Candidate: "c1", Action: ActionConfirm, Reviewer: "ana"},
		{Candidate: "c1", Action: ActionConfirm, Reviewer: "ben"},
		{Candidate: "c2", Action: ActionConfirm, Reviewer: "ana"},
		{Candidate: "c2", Action: ActionReject, Reviewer: "ben"},
		{Candidate: "c2", Action: ActionNote, Value: "not about care", Reviewer: "ben"},
		{Candidate: "c3", Action: ActionRecode, Value: "Family", Reviewer: "ana"},
		{Candidate: "r3", Action: ActionConfirm, Value: RecodedPrefix + "c3", Reviewer: "ana", Create: &recoded},
		{Candidate: "c3", Action: ActionConfirm, Reviewer: "ben"},
		{Candidate: "c3", Action: ActionConfirm, Reviewer: ConsensusReviewer},
		{Candidate: "c4", Action: ActionReject, Reviewer: "ana"},
		{Candidate: "c4", Action: ActionConfirm, Reviewer: "ben"},
		{Candidate: "c4", Action: ActionReject, Reviewer: ConsensusReviewer},
		{Candidate: "c4", Action: ActionConfirm, Reviewer: "ana"}, // after the consensus: does not overturn it
	}
	for i := range log {
		log[i].At, log[i].Codebook = at.Add(time.Duration(i)*time.Minute), "cb1"
	}
	if err := st.AppendDecisions(ctx, log); err != nil {
		t.Fatal(err)
	}
	type view struct{ Status, DecidedBy string }
	read := func(f CandidateFilter) map[string]view {
		t.Helper()
		got, err := st.Candidates(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]view{}
		for _, c := range got {
			out[c.ID] = view{c.Status, c.DecidedBy}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    CandidateFilter
		want map[string]view
	}{{
		name: "shared",
		want: map[string]view{
			"c1": {"confirmed", "ana, ben"},
			"c2": {"rejected", "ben (latest; coders differ)"},
			"c3": {"confirmed", "consensus"},
			"r3": {"rejected", "consensus"}, // ana's re-code, overruled
			"c4": {"rejected", "consensus"},
			"c5": {"proposed", ""},
		},
	}, {
		name: "ana blind",
		f:    CandidateFilter{Reviewer: "ana"},
		want: map[string]view{
			"c1": {"confirmed", "ana"}, "c2": {"confirmed", "ana"}, "c3": {"rejected", "ana"},
			"r3": {"confirmed", "ana"}, "c4": {"confirmed", "ana"}, "c5": {"proposed", ""},
		},
	}, {
		name: "ben blind: ana's re-code is not there",
		f:    CandidateFilter{Reviewer: "ben"},
		want: map[string]view{
			"c1": {"confirmed", "ben"}, "c2": {"rejected", "ben"}, "c3": {"confirmed", "ben"},
			"c4": {"confirmed", "ben"}, "c5": {"proposed", ""},
		},
	}, {
		name: "cai blind: nothing decided",
		f:    CandidateFilter{Reviewer: "cai"},
		want: map[string]view{"c1": {"proposed", ""}, "c2": {"proposed", ""}, "c3": {"proposed", ""}, "c4": {"proposed", ""}, "c5": {"proposed", ""}},
	}, {
		name: "shared, status filter after the consensus",
		f:    CandidateFilter{Status: "rejected"},
		want: map[string]view{"c2": {"rejected", "ben (latest; coders differ)"}, "r3": {"rejected", "consensus"}, "c4": {"rejected", "consensus"}},
	}, {
		name: "shared, by ID",
		f:    CandidateFilter{IDs: []string{"r3", "c1"}},
		want: map[string]view{"c1": {"confirmed", "ana, ben"}, "r3": {"rejected", "consensus"}},
	}, {
		name: "shared, of one code exactly: a re-code's consensus still counts",
		f:    CandidateFilter{Codes: []string{"Family", "Care/Sub"}},
		want: map[string]view{"r3": {"rejected", "consensus"}},
	}, {
		name: "shared, lean, of no code",
		f:    CandidateFilter{Codes: []string{}, Lean: true},
		want: map[string]view{},
	}, {
		name: "shared, lean, of both codes",
		f:    CandidateFilter{Codes: []string{"Care", "Family"}, Lean: true},
		want: map[string]view{
			"c1": {"confirmed", "ana, ben"},
			"c2": {"rejected", "ben (latest; coders differ)"},
			"c3": {"confirmed", "consensus"},
			"r3": {"rejected", "consensus"},
			"c4": {"rejected", "consensus"},
			"c5": {"proposed", ""},
		},
	}, {
		name: "ben blind, by status",
		f:    CandidateFilter{Reviewer: "ben", Status: "confirmed"},
		want: map[string]view{"c1": {"confirmed", "ben"}, "c3": {"confirmed", "ben"}, "c4": {"confirmed", "ben"}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := read(tc.f); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}

	vs, err := st.Verdicts(ctx, []string{"c2", "c4"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.Candidate+" "+v.Reviewer+" "+v.Category()+" "+v.At.Format("15:04")+" "+strings.Join(v.Notes, "|"))
	}
	want := []string{
		"c2 ana confirm 08:02 ", "c2 ben reject 08:03 not about care",
		"c4 ana confirm 08:12 ", "c4 ben confirm 08:10 ", "c4 consensus reject 08:11 ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("verdicts\n got %q\nwant %q", got, want)
	}
	all, err := st.Verdicts(ctx, nil)
	if err != nil || len(all) != 11 {
		t.Errorf("all verdicts: %d (%v), want 11", len(all), err)
	}
}

// Candidates read with the decision log beside them (the whole list) say
// the same as candidates looked up by ID with their own decisions: status,
// span, decided, for every view.
func TestCandidateStatusTwoWays(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "alongside.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var cands []Candidate
	var ids []string
	for i := range 8 {
		id := fmt.Sprintf("c%d", i)
		ids = append(ids, id)
		cands = append(cands, Candidate{ID: id, Code: "Care", Transcript: "t1", Version: "v1", Turn: 0, First: 0, Last: 2, Start: i * 10, End: i*10 + 5, Text: id, Rules: []string{"care"}})
	}
	if _, err := st.ProposeCandidates(ctx, "cb1", 1, cands); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	log := []DecisionEntry{
		{Candidate: "c1", Action: ActionConfirm, Reviewer: "ana"},
		{Candidate: "c2", Action: ActionConfirm, Reviewer: "ana"},
		{Candidate: "c2", Action: ActionReject, Reviewer: "ben"},
		{Candidate: "c3", Action: ActionNote, Value: "look again", Reviewer: "ben"},
		{Candidate: "c4", Action: ActionSpan, Value: "1-2", Reviewer: "ana"},
		{Candidate: "c4", Action: ActionConfirm, Reviewer: "ana"},
		{Candidate: "c5", Action: ActionReject, Reviewer: "ana"},
		{Candidate: "c6", Action: ActionRecode, Value: "Family", Reviewer: "ben"},
	}
	for i := range log {
		log[i].At, log[i].Codebook = at.Add(time.Duration(i)*time.Minute), "cb1"
	}
	if err := st.AppendDecisions(ctx, log); err != nil {
		t.Fatal(err)
	}
	// Take back c5's reject and c4's span (seq 7 and 5), by another reviewer for c4.
	if err := st.Decide(ctx, "c5", "undo", "7", "ana", "cb1", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, "c4", "undo", "5", "ben", "cb1", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, reviewer := range []string{"", "ana", "ben"} {
		all, err := st.Candidates(ctx, CandidateFilter{Reviewer: reviewer})
		if err != nil {
			t.Fatal(err)
		}
		byID, err := st.Candidates(ctx, CandidateFilter{Reviewer: reviewer, IDs: ids})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(all, byID) {
			t.Errorf("view %q:\nwhole list %+v\nby ID      %+v", reviewer, all, byID)
		}
		status := map[string]string{}
		for _, c := range all {
			status[c.ID] = fmt.Sprintf("%s %v %d-%d", c.Status, c.Decided, c.First, c.Last)
		}
		if reviewer == "" && (status["c4"] != "confirmed true 0-2" || status["c5"] != "proposed true 0-2" || status["c2"] != "rejected true 0-2") {
			t.Errorf("shared view: %v", status)
		}
	}
}
