package qdpx

import (
	"context"
	"fmt"
	"slices"

	"github.com/alongside-qda/alongside/corpus/store"
)

// Participants go out as REFI-QDA cases, the way NVivo (cases and
// classifications), ATLAS.ti and MAXQDA (document variables) hold people
// and their attributes: one case per participant ID of the participants
// sheet, with a variable value for the role and for each attribute column,
// a reference to every source they speak in and to every exported unit
// they said. Speakers with no participant ID make no case.

// QDEVariables are the variables the cases use.
type QDEVariables struct {
	Variables []QDEVariable `xml:"Variable"`
}

// QDEVariable is one attribute of the participants: all are text.
type QDEVariable struct {
	GUID string `xml:"guid,attr"`
	Name string `xml:"name,attr"`
	Type string `xml:"typeOfVariable,attr"`
}

// QDECases are the participants.
type QDECases struct {
	Cases []QDECase `xml:"Case"`
}

// QDECase is one participant.
type QDECase struct {
	GUID        string         `xml:"guid,attr"`
	Name        string         `xml:"name,attr"`
	Description string         `xml:"Description,omitempty"`
	Values      []QDEValue     `xml:"VariableValue"`
	Sources     []QDETargetRef `xml:"SourceRef"`
	Selections  []QDETargetRef `xml:"SelectionRef"`
}

// QDEValue is a participant's value of one variable.
type QDEValue struct {
	Variable QDETargetRef `xml:"VariableRef"`
	Text     string       `xml:"TextValue"`
}

// QDETargetRef points at a variable, a source or a selection.
type QDETargetRef struct {
	Target string `xml:"targetGUID,attr"`
}

// roleVariable is the variable that holds each participant's role.
const roleVariable = "role"

// participantCases builds the cases and the variables they use from the
// project's speakers (participants sheet applied) and the units placed in
// the sources.
func participantCases(ctx context.Context, st *store.Store, sources map[string]*qdpxSource, placed []store.Candidate) (*QDEVariables, *QDECases, error) {
	speakers, err := st.Speakers(ctx)
	if err != nil {
		return nil, nil, err
	}
	type person struct {
		roles       []string
		attrs       map[string]string
		transcripts []string
		selections  []string
	}
	people := map[string]*person{}
	names := map[string]bool{}
	for _, s := range speakers {
		if s.Participant == "" {
			continue
		}
		p := people[s.Participant]
		if p == nil {
			p = &person{attrs: map[string]string{}}
			people[s.Participant] = p
		}
		if s.Role != "" && !slices.Contains(p.roles, s.Role) {
			p.roles = append(p.roles, s.Role)
		}
		for k, v := range s.Attributes {
			p.attrs[k] = v
			names[k] = true
		}
		if !slices.Contains(p.transcripts, s.Transcript) {
			p.transcripts = append(p.transcripts, s.Transcript)
		}
	}
	if len(people) == 0 {
		return nil, nil, nil
	}
	for _, c := range placed {
		if p := people[c.Participant]; p != nil {
			p.selections = append(p.selections, qdpxGUID("selection", c.ID))
		}
	}
	vars := &QDEVariables{Variables: []QDEVariable{{GUID: qdpxGUID("variable", roleVariable), Name: roleVariable, Type: "Text"}}}
	for _, name := range sortedKeys(names) {
		if name == roleVariable {
			continue
		}
		vars.Variables = append(vars.Variables, QDEVariable{GUID: qdpxGUID("variable", name), Name: name, Type: "Text"})
	}
	cases := &QDECases{}
	for _, id := range sortedKeys(people) {
		p := people[id]
		slices.Sort(p.roles)
		c := QDECase{GUID: qdpxGUID("case", id), Name: id, Description: fmt.Sprintf("Participant %s", id)}
		for _, v := range vars.Variables {
			value, ok := p.attrs[v.Name]
			if v.Name == roleVariable {
				value, ok = joinRoles(p.roles), len(p.roles) > 0
			}
			if ok {
				c.Values = append(c.Values, QDEValue{Variable: QDETargetRef{Target: v.GUID}, Text: value})
			}
		}
		slices.Sort(p.transcripts)
		for _, t := range p.transcripts {
			if src := sources[t]; src != nil {
				c.Sources = append(c.Sources, QDETargetRef{Target: src.xml.GUID})
			}
		}
		slices.Sort(p.selections)
		for _, sel := range slices.Compact(p.selections) {
			c.Selections = append(c.Selections, QDETargetRef{Target: sel})
		}
		cases.Cases = append(cases.Cases, c)
	}
	return vars, cases, nil
}

// joinRoles writes a participant's roles: one, or several when the sheet
// gives the same person different roles in different sessions.
func joinRoles(roles []string) string {
	out := ""
	for i, r := range roles {
		if i > 0 {
			out += ", "
		}
		out += r
	}
	return out
}
