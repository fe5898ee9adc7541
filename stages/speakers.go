package stages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
)

// Speakers answers filters on who speaks: a role (role:participant), a
// participant ID (participant:P03), an attribute of the participants sheet
// (site:Drammen), or a speaker: value that names a role or a participant
// rather than a label. The index knows only each passage's transcript and
// speaker label, so Resolve rewrites such filters into the (transcript,
// speaker) pairs they stand for. Roles and the sheet are read from the
// store at every search and run: editing the sheet re-indexes nothing.
type Speakers struct {
	rows      []store.SpeakerRow
	keyIn     map[string]map[string]bool // speaker key -> transcripts it speaks in
	attrNames []string
	sheetHash string
}

// LoadSpeakers reads the speakers of the current transcripts.
func LoadSpeakers(ctx context.Context, st *store.Store) (*Speakers, error) {
	rows, err := st.Speakers(ctx)
	if err != nil {
		return nil, err
	}
	sheet, err := st.Participants(ctx)
	if err != nil {
		return nil, err
	}
	s := &Speakers{rows: rows, keyIn: map[string]map[string]bool{}, attrNames: store.AttributeNames(sheet)}
	for _, r := range rows {
		if s.keyIn[r.Key] == nil {
			s.keyIn[r.Key] = map[string]bool{}
		}
		s.keyIn[r.Key][r.Transcript] = true
	}
	h := sha256.New()
	json.NewEncoder(h).Encode(sheet)
	s.sheetHash = hex.EncodeToString(h.Sum(nil))[:12]
	return s, nil
}

// Rows returns every speaker read, by transcript and order of first turn.
func (s *Speakers) Rows() []store.SpeakerRow { return s.rows }

// isRoleName says whether v is the name of a role.
func isRoleName(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, r := range corpus.Roles {
		if r != corpus.RoleUnknown && string(r) == v {
			return true
		}
	}
	return false
}

// roleNamed returns the role a filter value names: a role's own name, or a
// label that says it ("client", "moderator").
func roleNamed(v string) (corpus.Role, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, r := range corpus.Roles {
		if r != corpus.RoleUnknown && string(r) == v {
			return r, true
		}
	}
	if v == "unknown" {
		return corpus.RoleUnknown, true
	}
	if r := corpus.LabelRole(v); r != corpus.RoleUnknown {
		return r, true
	}
	return "", false
}

// Resolve rewrites the filters on who speaks in a query tree into speaker
// and transcript filters the index answers, and returns a warning for each
// filter value that names nothing in the project, saying what does exist.
func (s *Speakers) Resolve(n index.Node) (index.Node, []string) {
	var warnings []string
	var walk func(index.Node) index.Node
	walk = func(n index.Node) index.Node {
		switch v := n.(type) {
		case index.And:
			out := index.And{Nodes: make([]index.Node, len(v.Nodes))}
			for i, c := range v.Nodes {
				out.Nodes[i] = walk(c)
			}
			return out
		case index.Or:
			out := index.Or{Nodes: make([]index.Node, len(v.Nodes))}
			for i, c := range v.Nodes {
				out.Nodes[i] = walk(c)
			}
			return out
		case index.Not:
			return index.Not{Node: walk(v.Node)}
		case index.Field:
			node, warn := s.field(v)
			if warn != "" {
				warnings = append(warnings, warn)
			}
			return node
		}
		return n
	}
	return walk(n), warnings
}

// field resolves one filter.
func (s *Speakers) field(f index.Field) (index.Node, string) {
	value := strings.TrimSpace(f.Value)
	prefix := strings.HasSuffix(value, "*")
	want := strings.ToLower(strings.TrimRight(value, "*"))
	matchValue := func(got string) bool {
		got = strings.ToLower(got)
		if prefix {
			return strings.HasPrefix(got, want)
		}
		return got == want
	}
	name := strings.ToLower(f.Name)
	switch name {
	case "transcript":
		return f, ""
	case "speaker":
		if prefix {
			return f, ""
		}
		// A role's own name means the role (a label "Participant" has that
		// role anyway); a word that only implies one ("client") means the
		// label where there is one.
		r, ok := roleNamed(value)
		if ok && (isRoleName(value) || s.keyIn[corpus.SpeakerKey(value)] == nil) {
			if node := s.pairs(func(r2 store.SpeakerRow) bool { return r2.Role == string(r) }); node != nil {
				return node, ""
			}
			return s.none(), fmt.Sprintf("speaker:%s: no speaker in the project has that role; %s", value, s.rolesExisting())
		}
		if s.keyIn[corpus.SpeakerKey(value)] != nil {
			return f, ""
		}
		if node, ok := s.participants(matchValue); ok {
			return node, ""
		}
		return f, fmt.Sprintf("speaker:%s names no speaker, role or participant in the project; %s", value, s.whatExists())
	case "role":
		r, ok := roleNamed(value)
		if !ok {
			return s.none(), fmt.Sprintf("role:%s is not a role: use interviewer, participant, family, professional or unknown", value)
		}
		node := s.pairs(func(r2 store.SpeakerRow) bool { return r2.Role == string(r) })
		if node == nil {
			return s.none(), fmt.Sprintf("role:%s: no speaker in the project has that role; %s", value, s.rolesExisting())
		}
		return node, ""
	case "participant":
		if node, ok := s.participants(matchValue); ok {
			return node, ""
		}
		return s.none(), fmt.Sprintf("participant:%s names no participant; %s", value, s.participantsExisting())
	}
	// An attribute column of the participants sheet.
	attr := ""
	for _, a := range s.attrNames {
		if strings.EqualFold(a, f.Name) {
			attr = a
		}
	}
	if attr == "" {
		known := "the sheet has none (alongside speakers import)"
		if len(s.attrNames) > 0 {
			known = "they are: " + strings.Join(s.attrNames, ", ")
		}
		return s.none(), fmt.Sprintf("%s:%s: %q is not a filter (speaker, transcript, role, participant) nor an attribute of the participants sheet; %s", f.Name, value, f.Name, known)
	}
	node := s.pairs(func(r store.SpeakerRow) bool { v, ok := r.Attributes[attr]; return ok && matchValue(v) })
	if node == nil {
		return s.none(), fmt.Sprintf("%s:%s: no participant has that value; values are: %s", attr, value, strings.Join(s.attributeValues(attr), ", "))
	}
	return node, ""
}

func (s *Speakers) participants(match func(string) bool) (index.Node, bool) {
	node := s.pairs(func(r store.SpeakerRow) bool { return r.Participant != "" && match(r.Participant) })
	return node, node != nil
}

// none is a filter that matches no passage: no transcript ID is empty.
func (s *Speakers) none() index.Node { return index.Field{Name: "transcript", Value: ""} }

// pairs builds the filter for the speakers keep selects: per speaker key,
// the key alone when it selects that key in every transcript it speaks
// in, else the key within the transcripts where it does. nil when keep
// selects no one.
func (s *Speakers) pairs(keep func(store.SpeakerRow) bool) index.Node {
	in := map[string][]string{}
	for _, r := range s.rows {
		if keep(r) {
			in[r.Key] = append(in[r.Key], r.Transcript)
		}
	}
	if len(in) == 0 {
		return nil
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var or index.Or
	for _, k := range keys {
		speaker := index.Field{Name: "speaker", Value: k}
		if len(in[k]) == len(s.keyIn[k]) {
			or.Nodes = append(or.Nodes, speaker)
			continue
		}
		var ts index.Or
		for _, t := range in[k] {
			ts.Nodes = append(ts.Nodes, index.Field{Name: "transcript", Value: t})
		}
		or.Nodes = append(or.Nodes, index.And{Nodes: []index.Node{speaker, orOf(ts.Nodes)}})
	}
	return orOf(or.Nodes)
}

func (s *Speakers) whatExists() string {
	var labels []string
	seen := map[string]bool{}
	for _, r := range s.rows {
		if !seen[r.Key] && len(labels) < 12 {
			seen[r.Key] = true
			labels = append(labels, r.Label)
		}
	}
	parts := []string{"speakers include: " + strings.Join(labels, ", "), s.rolesExisting()}
	if p := s.participantsExisting(); p != "" {
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func (s *Speakers) rolesExisting() string {
	seen := map[string]bool{}
	var roles []string
	for _, r := range s.rows {
		name := r.Role
		if name == "" {
			name = "unknown"
		}
		if !seen[name] {
			seen[name] = true
			roles = append(roles, name)
		}
	}
	sort.Strings(roles)
	return "roles: " + strings.Join(roles, ", ")
}

func (s *Speakers) participantsExisting() string {
	seen := map[string]bool{}
	var ids []string
	for _, r := range s.rows {
		if r.Participant != "" && !seen[r.Participant] {
			seen[r.Participant] = true
			ids = append(ids, r.Participant)
		}
	}
	if len(ids) == 0 {
		return "no participant IDs yet (alongside speakers import)"
	}
	sort.Strings(ids)
	return "participants: " + strings.Join(ids, ", ")
}

func (s *Speakers) attributeValues(attr string) []string {
	seen := map[string]bool{}
	var vals []string
	for _, r := range s.rows {
		if v, ok := r.Attributes[attr]; ok && !seen[v] {
			seen[v] = true
			vals = append(vals, v)
		}
	}
	sort.Strings(vals)
	return vals
}

// AllSpeakers in a code's speakers: list lifts the default.
const AllSpeakers = "all"

// CodeFilters are the conditions every keyword of a code carries, as
// matching applies them and "codebook check" shows them: its speakers
// (SpeakerFilter) and its exclusions.
func CodeFilters(c *codebook.Code) ([]index.Node, error) {
	var filters []index.Node
	if f := SpeakerFilter(c); f != nil {
		filters = append(filters, f)
	}
	if len(c.Exclude) > 0 {
		var nodes []index.Node
		for _, r := range c.Exclude {
			n, err := index.Parse(r.Query)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
		filters = append(filters, index.Not{Node: orOf(nodes)})
	}
	return filters, nil
}

// SpeakerFilter is whose turns a code's candidates come from: the speakers
// it names (labels, roles or participant IDs), or by default everyone but
// the interviewer (meaning units are what participants say); speakers:
// [all] lifts the default (nil: no filter).
func SpeakerFilter(c *codebook.Code) index.Node {
	switch {
	case len(c.Speakers) == 0:
		return index.Not{Node: index.Field{Name: "role", Value: string(corpus.RoleInterviewer)}}
	case len(c.Speakers) == 1 && strings.EqualFold(c.Speakers[0], AllSpeakers):
		return nil
	}
	var nodes []index.Node
	for _, sp := range c.Speakers {
		nodes = append(nodes, index.Field{Name: "speaker", Value: sp})
	}
	return orOf(nodes)
}

// rulesState is what a code's candidates were matched with: its rules, the
// participants sheet (roles decide whose turns count) and the version of
// the matching rules themselves (2: interviewers left out by default), so
// that a change of any of them matches the code again over the corpus.
func (s *Speakers) rulesState(c *codebook.Code) string {
	return c.RulesHash() + "/sheet:" + s.sheetHash + "/m2"
}
