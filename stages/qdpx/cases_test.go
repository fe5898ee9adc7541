package qdpx_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/decisions"
	"github.com/alongside-qda/alongside/stages/qdpx"
)

// Participants of the sheet go out as cases with their role and attribute
// values, the sources they speak in and the units they said; the project
// stays valid against Project.xsd.
func TestQDPXCases(t *testing.T) {
	ctx := context.Background()
	p, cb := qdpxProject(t)
	st, err := p.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sheet := []store.ParticipantRow{
		{Transcript: "focus-group-*", SpeakerKey: "p1", Participant: "FG-P1", Attributes: map[string]string{"site": "Drammen", "wave": "1"}},
		{Transcript: "focus-group-*", SpeakerKey: "p2", Participant: "FG-P2", Attributes: map[string]string{"site": "Oslo"}},
	}
	if err := st.ReplaceParticipants(ctx, sheet); err != nil {
		t.Fatal(err)
	}
	cands, err := st.Candidates(ctx, store.CandidateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var confirmed store.Candidate
	for _, c := range cands {
		if c.Participant == "FG-P1" {
			confirmed = c
			break
		}
	}
	if confirmed.ID == "" {
		t.Fatal("no candidate from P1 to confirm")
	}
	r := &decisions.Reviewer{Store: st, Codebook: cb, Name: "ana", Now: qdpxClock()}
	qdpxDecide(t, r, decisions.Decision{Candidate: confirmed.ID, Action: store.ActionConfirm})
	data, _ := qdpxExport(t, st, cb, store.CandidateFilter{})
	qdpxValidate(t, data)
	q, err := qdpx.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if q.Project.Variables == nil || q.Project.Cases == nil {
		t.Fatal("no variables or cases in the export")
	}
	varName := map[string]string{}
	for _, v := range q.Project.Variables.Variables {
		varName[v.GUID] = v.Name
	}
	if len(varName) != 3 {
		t.Errorf("variables %v, want role, site and wave", varName)
	}
	sourceName := map[string]string{}
	for _, s := range q.Project.Sources.TextSources {
		sourceName[s.GUID] = s.Name
	}
	cases := map[string]qdpx.QDECase{}
	for _, c := range q.Project.Cases.Cases {
		cases[c.Name] = c
	}
	if len(cases) != 2 {
		t.Fatalf("cases %v, want FG-P1 and FG-P2", cases)
	}
	p1 := cases["FG-P1"]
	values := map[string]string{}
	for _, v := range p1.Values {
		values[varName[v.Variable.Target]] = v.Text
	}
	if values["role"] != "participant" || values["site"] != "Drammen" || values["wave"] != "1" {
		t.Errorf("FG-P1's values %v", values)
	}
	var sources []string
	for _, s := range p1.Sources {
		sources = append(sources, sourceName[s.Target])
	}
	if len(sources) != 2 || !strings.Contains(strings.Join(sources, " "), "focus-group-1") {
		t.Errorf("FG-P1 speaks in %q, want both focus groups", sources)
	}
	if len(p1.Selections) != 1 {
		t.Errorf("FG-P1's selections %v, want the one confirmed unit", p1.Selections)
	}
	if p2 := cases["FG-P2"]; len(p2.Selections) != 0 || len(p2.Values) != 2 {
		t.Errorf("FG-P2: %+v, want role and site, no selection", p2)
	}
}
