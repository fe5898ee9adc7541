package qdpx

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
)

// A REFI-QDA project (.qdpx) is a zip holding project.qde and a lower-case
// sources/ folder with one UTF-8 text file per transcript, named
// by the source's GUID. Positions are Unicode code points, 0-based and
// end-exclusive, into that text: the transcript's canonical text, byte for
// byte, so they are the candidates' own offsets.
//
// Each transcript is one source, its current version: a unit confirmed on
// an earlier version is carried onto the current text (placeUnits).
//
// project.qde, in the order Project.xsd requires:
//
//	<Project xmlns="urn:QDA-XML:project:1.0" name="Alongside" origin="Alongside">
//	  <Users><User guid="…" name="ana"/></Users>
//	  <CodeBook><Codes><Code guid="…" name="…" isCodable="true">…</Code></Codes></CodeBook>
//	  <Sources>
//	    <TextSource guid="…" name="fg-01" plainTextPath="internal://….txt">
//	      <Description>…</Description>
//	      <PlainTextSelection guid="…" startPosition="10" endPosition="42" creatingUser="…" creationDateTime="…">
//	        <Description>Alongside candidate c…</Description>
//	        <Coding guid="…" creatingUser="…" creationDateTime="…"><CodeRef targetGUID="…"/></Coding>
//	      </PlainTextSelection>
//	    </TextSource>
//	  </Sources>
//	  <Description>…</Description>
//	</Project>
//
// Every GUID is derived from what it stands for (see qdpxGUID; codes use
// codebook.CodeGUID, as .qdc files do), and the zip's timestamps are
// fixed, so the same project exports the same bytes.

// qdpxTime is the modification time of every zip entry.
var qdpxTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// QDEProject is project.qde, the parts Alongside writes and reads.
type QDEProject struct {
	XMLName     xml.Name      `xml:"urn:QDA-XML:project:1.0 Project"`
	Name        string        `xml:"name,attr"`
	Origin      string        `xml:"origin,attr,omitempty"`
	Users       *QDEUsers     `xml:"Users"`
	CodeBook    *QDECodeBook  `xml:"CodeBook"`
	Variables   *QDEVariables `xml:"Variables"`
	Cases       *QDECases     `xml:"Cases"`
	Sources     *QDESources   `xml:"Sources"`
	Description string        `xml:"Description,omitempty"`
}

// QDEUsers lists the people who made the codings.
type QDEUsers struct {
	Users []QDEUser `xml:"User"`
}

// QDEUser is one person.
type QDEUser struct {
	GUID string `xml:"guid,attr"`
	Name string `xml:"name,attr,omitempty"`
}

// QDECodeBook holds the tree of codes.
type QDECodeBook struct {
	Codes []QDECode `xml:"Codes>Code"`
}

// QDECode is one code, with the codes under it.
type QDECode struct {
	GUID        string    `xml:"guid,attr"`
	Name        string    `xml:"name,attr"`
	IsCodable   bool      `xml:"isCodable,attr"`
	Description string    `xml:"Description,omitempty"`
	Codes       []QDECode `xml:"Code"`
}

// QDESources lists the text sources.
type QDESources struct {
	TextSources []QDETextSource `xml:"TextSource"`
}

// QDETextSource is one transcript version. Alongside writes its text to
// plainTextPath; PlainTextContent is read for files other tools wrote.
type QDETextSource struct {
	GUID             string         `xml:"guid,attr"`
	Name             string         `xml:"name,attr,omitempty"`
	PlainTextPath    string         `xml:"plainTextPath,attr,omitempty"`
	Description      string         `xml:"Description,omitempty"`
	PlainTextContent string         `xml:"PlainTextContent,omitempty"`
	Selections       []QDESelection `xml:"PlainTextSelection"`
}

// QDESelection is a stretch of a text source, in code points.
type QDESelection struct {
	GUID             string      `xml:"guid,attr"`
	Start            int         `xml:"startPosition,attr"`
	End              int         `xml:"endPosition,attr"`
	CreatingUser     string      `xml:"creatingUser,attr,omitempty"`
	CreationDateTime string      `xml:"creationDateTime,attr,omitempty"`
	ModifyingUser    string      `xml:"modifyingUser,attr,omitempty"`
	ModifiedDateTime string      `xml:"modifiedDateTime,attr,omitempty"`
	Description      string      `xml:"Description,omitempty"`
	Codings          []QDECoding `xml:"Coding"`
}

// QDECoding gives a selection a code.
type QDECoding struct {
	GUID             string `xml:"guid,attr"`
	CreatingUser     string `xml:"creatingUser,attr,omitempty"`
	CreationDateTime string `xml:"creationDateTime,attr,omitempty"`
	CodeRef          QDERef `xml:"CodeRef"`
}

// QDERef points at another element by GUID.
type QDERef struct {
	Target string `xml:"targetGUID,attr"`
}

// qdpxGUID derives a GUID from what an element stands for, the way
// codebook.CodeGUID does for codes: a version 8 UUID from SHA-256.
func qdpxGUID(kind, key string) string {
	sum := sha256.Sum256([]byte("alongside " + kind + "\x00" + key))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(u)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// qdeTime formats a decision time as xsd:dateTime, in UTC, to the second.
func qdeTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// qdpxSource is a transcript to export: its current version, once.
type qdpxSource struct {
	id, version string
	xml         QDETextSource
}

// Unplaced is a confirmed unit the export left out: confirmed on an
// earlier version of its transcript, its text is not in the current one
// (or not in a turn of the same speaker).
type Unplaced struct {
	Candidate  string `json:"candidate"`
	Code       string `json:"code"`
	Transcript string `json:"transcript"`
	Text       string `json:"text"`
	Reason     string `json:"reason"`
}

func (u Unplaced) String() string {
	return fmt.Sprintf("candidate %s (%s) in %s: %s", u.Candidate, u.Code, u.Transcript, u.Reason)
}

// Write writes a REFI-QDA project to w: every transcript once, as its
// current version; the whole codebook (plus any code a confirmed unit has
// that the codebook no longer holds); and the confirmed units as codings
// by the reviewer who confirmed them. A unit confirmed on an earlier
// version is carried onto the current text where its text still is, in a
// turn of the same speaker, nearest its old position; the units that
// cannot be are left out and returned. Only confirmed units are exported,
// whatever filter.Status says; the filter's other fields (code,
// transcript, batch, IDs) select which of them. cb may be nil.
func Write(ctx context.Context, st *store.Store, cb *codebook.Codebook, w io.Writer, filter store.CandidateFilter) ([]Unplaced, error) {
	p, sources, unplaced, err := buildQDE(ctx, st, cb, filter)
	if err != nil {
		return nil, fmt.Errorf("exporting qdpx: %w", err)
	}
	var qde bytes.Buffer
	qde.WriteString(xml.Header)
	enc := xml.NewEncoder(&qde)
	enc.Indent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("exporting qdpx: %w", err)
	}
	qde.WriteString("\n")

	zw := zip.NewWriter(w)
	entry := func(name string, method uint16) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: qdpxTime})
	}
	f, err := entry("project.qde", zip.Deflate)
	if err == nil {
		_, err = f.Write(qde.Bytes())
	}
	if err == nil {
		_, err = entry("sources/", zip.Store)
	}
	if err != nil {
		return nil, fmt.Errorf("exporting qdpx: %w", err)
	}
	// The texts are read again one at a time, so a large corpus is never
	// held in memory whole.
	for _, s := range sources {
		t, err := st.Version(ctx, s.id, s.version)
		if err != nil {
			return nil, fmt.Errorf("exporting qdpx: %w", err)
		}
		f, err := entry("sources/"+s.xml.GUID+".txt", zip.Deflate)
		if err == nil {
			_, err = io.WriteString(f, t.Text)
		}
		if err != nil {
			return nil, fmt.Errorf("exporting qdpx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("exporting qdpx: %w", err)
	}
	return unplaced, nil
}

// buildQDE assembles project.qde, the sources whose texts go into
// sources/ (in order), and the confirmed units it could not place.
func buildQDE(ctx context.Context, st *store.Store, cb *codebook.Codebook, filter store.CandidateFilter) (*QDEProject, []*qdpxSource, []Unplaced, error) {
	sources, err := currentSources(ctx, st)
	if err != nil {
		return nil, nil, nil, err
	}
	units, unplaced, err := confirmedUnits(ctx, st, filter)
	if err != nil {
		return nil, nil, nil, err
	}
	users := qdeUsers{}
	used := map[string]bool{} // code paths the codings use
	gone, err := placeUnits(ctx, st, sources, units, users, used)
	if err != nil {
		return nil, nil, nil, err
	}
	unplaced = append(unplaced, gone...)
	slices.SortFunc(unplaced, func(a, b Unplaced) int { return strings.Compare(a.Candidate, b.Candidate) })

	list := make([]*qdpxSource, 0, len(sources))
	for _, id := range sortedKeys(sources) {
		list = append(list, sources[id])
	}
	p, err := assembleProject(cb, list, users, sortedKeys(used))
	if err != nil {
		return nil, nil, nil, err
	}
	lost := map[string]bool{}
	for _, u := range unplaced {
		lost[u.Candidate] = true
	}
	placed := slices.DeleteFunc(slices.Clone(units), func(c store.Candidate) bool { return lost[c.ID] })
	if p.Variables, p.Cases, err = participantCases(ctx, st, sources, placed); err != nil {
		return nil, nil, nil, err
	}
	return p, list, unplaced, nil
}

// currentSources makes one text source per transcript, for its current
// version, by transcript ID.
func currentSources(ctx context.Context, st *store.Store) (map[string]*qdpxSource, error) {
	infos, err := st.Transcripts(ctx)
	if err != nil {
		return nil, err
	}
	sources := map[string]*qdpxSource{}
	for _, ti := range infos {
		desc := fmt.Sprintf("Transcript %s", ti.ID)
		if ti.Title != "" && ti.Title != ti.ID {
			desc += ": " + ti.Title
		}
		desc += fmt.Sprintf(", read from %s (version %.12s).", ti.File, ti.Version)
		if ti.Removed {
			desc += " Its file is gone."
		}
		guid := qdpxGUID("source", ti.ID+"\x00"+ti.Version)
		sources[ti.ID] = &qdpxSource{id: ti.ID, version: ti.Version,
			xml: QDETextSource{GUID: guid, Name: ti.ID, PlainTextPath: "internal://" + guid + ".txt", Description: desc}}
	}
	return sources, nil
}

// confirmedUnits returns the confirmed candidates the filter selects, and
// as unplaced the ones confirmed whose text is gone from their transcript
// (the batch marked them orphaned).
func confirmedUnits(ctx context.Context, st *store.Store, filter store.CandidateFilter) ([]store.Candidate, []Unplaced, error) {
	filter.Status = "confirmed"
	units, err := st.Candidates(ctx, filter)
	if err != nil {
		return nil, nil, err
	}
	filter.Status = "orphaned"
	orphans, err := st.Candidates(ctx, filter)
	if err != nil {
		return nil, nil, err
	}
	var unplaced []Unplaced
	for _, c := range orphans {
		log, err := st.Log(ctx, c.ID)
		if err != nil {
			return nil, nil, err
		}
		verdict := ""
		for _, e := range store.Effective(log) {
			if store.IsVerdict(e.Action) {
				verdict = e.Action
			}
		}
		if verdict == store.ActionConfirm {
			unplaced = append(unplaced, Unplaced{Candidate: c.ID, Code: c.Code, Transcript: c.Transcript, Text: c.Text,
				Reason: "confirmed, but its text is gone from the transcript's current version"})
		}
	}
	return units, unplaced, nil
}

// qdeUsers gives each reviewer a GUID, by name.
type qdeUsers map[string]string

func (u qdeUsers) guid(name string) string {
	if _, ok := u[name]; !ok {
		u[name] = qdpxGUID("user", name)
	}
	return u[name]
}

// placeUnits adds each unit to its transcript's source as a selection,
// carrying units of earlier versions onto the current text; it returns
// the units it could not place.
func placeUnits(ctx context.Context, st *store.Store, sources map[string]*qdpxSource, units []store.Candidate, users qdeUsers, used map[string]bool) ([]Unplaced, error) {
	byTranscript := map[string][]store.Candidate{}
	for _, c := range units {
		byTranscript[c.Transcript] = append(byTranscript[c.Transcript], c)
	}
	var unplaced []Unplaced
	for _, id := range sortedKeys(byTranscript) {
		src := sources[id]
		if src == nil {
			for _, c := range byTranscript[id] {
				unplaced = append(unplaced, Unplaced{Candidate: c.ID, Code: c.Code, Transcript: id, Text: c.Text, Reason: "its transcript is no longer in the project"})
			}
			continue
		}
		cur, err := st.Version(ctx, id, src.version)
		if err != nil {
			return nil, err
		}
		n := utf8.RuneCountInString(cur.Text)
		for _, c := range byTranscript[id] {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			from := ""
			if c.Version != src.version {
				old, err := st.Version(ctx, id, c.Version)
				if err != nil {
					return nil, err
				}
				if old.Text != cur.Text { // else the offsets hold as they are
					start, ok := locate(cur, c.Text, c.Speaker, c.Start)
					if !ok {
						reason := "its text is not in the current version"
						if strings.Contains(cur.Text, c.Text) {
							reason = "its text is in the current version, but not in a turn of " + speakerName(c.Speaker)
						}
						unplaced = append(unplaced, Unplaced{Candidate: c.ID, Code: c.Code, Transcript: id, Text: c.Text, Reason: reason})
						continue
					}
					c.End = start + utf8.RuneCountInString(c.Text)
					c.Start = start
					from = c.Version
				}
			}
			if c.Start < 0 || c.Start > c.End || c.End > n {
				return nil, fmt.Errorf("candidate %s: span %d-%d is outside its transcript's text (%d characters)", c.ID, c.Start, c.End, n)
			}
			sel, err := qdpxSelection(ctx, st, c, users.guid)
			if err != nil {
				return nil, err
			}
			if from != "" {
				sel.Description += fmt.Sprintf(" Confirmed on an earlier version of the transcript (%.12s), and placed where its text is now.", from)
			}
			src.xml.Selections = append(src.xml.Selections, sel)
			used[c.Code] = true
		}
	}
	return unplaced, nil
}

func speakerName(s string) string {
	if s == "" {
		return "an unnamed speaker"
	}
	return s
}

// locate finds text in the transcript t inside one turn of speaker (as
// speaker keys compare), the occurrence nearest near (code points); it
// returns its start in code points.
func locate(t *corpus.Transcript, text, speaker string, near int) (int, bool) {
	if text == "" {
		return 0, false
	}
	key := corpus.SpeakerKey(speaker)
	best, found := 0, false
	runes, bytePos := 0, 0 // code points before bytePos
	for from := 0; ; {
		i := strings.Index(t.Text[from:], text)
		if i < 0 {
			break
		}
		at := from + i
		runes += utf8.RuneCountInString(t.Text[bytePos:at])
		bytePos = at
		start, end := runes, runes+utf8.RuneCountInString(text)
		for _, turn := range t.Turns {
			if turn.Span.Start <= start && end <= turn.Span.End && corpus.SpeakerKey(turn.Speaker) == key {
				if !found || abs(start-near) < abs(best-near) {
					best, found = start, true
				}
				break
			}
		}
		_, size := utf8.DecodeRuneInString(t.Text[at:])
		from = at + size
	}
	return best, found
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// assembleProject puts project.qde together: users, codes, sources (in
// the order given, their selections by position).
func assembleProject(cb *codebook.Codebook, list []*qdpxSource, users qdeUsers, used []string) (*QDEProject, error) {
	p := &QDEProject{
		Name:   "Alongside",
		Origin: "Alongside",
		Description: "Exported by Alongside: the transcripts, the codebook, and the meaning units an analyst confirmed, " +
			"each coded by the reviewer who confirmed it. Positions are Unicode code points, 0-based and end-exclusive, " +
			"into the UTF-8 text of each source (LF line endings, no byte order mark).",
	}
	if len(list) > 0 {
		p.Sources = &QDESources{}
	}
	for _, s := range list {
		slices.SortFunc(s.xml.Selections, func(a, b QDESelection) int {
			if a.Start != b.Start {
				return a.Start - b.Start
			}
			if a.End != b.End {
				return a.End - b.End
			}
			return strings.Compare(a.GUID, b.GUID)
		})
		p.Sources.TextSources = append(p.Sources.TextSources, s.xml)
	}
	if len(users) > 0 {
		p.Users = &QDEUsers{}
		for _, name := range sortedKeys(users) {
			p.Users.Users = append(p.Users.Users, QDEUser{GUID: users[name], Name: name})
		}
	}
	codes, err := qdeCodes(cb, used)
	if err != nil {
		return nil, err
	}
	if len(codes) > 0 {
		p.CodeBook = &QDECodeBook{Codes: codes}
	}
	return p, nil
}

// qdpxSelection is a confirmed candidate as a selection with its coding:
// made by the reviewer who confirmed it, when they did; modified by the
// one who last changed its span afterwards.
func qdpxSelection(ctx context.Context, st *store.Store, c store.Candidate, user func(string) string) (QDESelection, error) {
	log, err := st.Log(ctx, c.ID)
	if err != nil {
		return QDESelection{}, err
	}
	hist := store.Effective(log)
	confirm := -1
	for i, e := range hist {
		switch e.Action {
		case store.ActionConfirm, store.ActionReject, store.ActionRecode:
			confirm = i
		}
	}
	if confirm < 0 || hist[confirm].Action != store.ActionConfirm {
		return QDESelection{}, fmt.Errorf("candidate %s: confirmed, but its decision log has no confirmation", c.ID)
	}
	by, at := user(hist[confirm].Reviewer), qdeTime(hist[confirm].At)
	sel := QDESelection{
		GUID:             qdpxGUID("selection", c.ID),
		Start:            c.Start,
		End:              c.End,
		CreatingUser:     by,
		CreationDateTime: at,
		Description:      selectionDescription(c),
		Codings: []QDECoding{{
			GUID:             qdpxGUID("coding", c.ID),
			CreatingUser:     by,
			CreationDateTime: at,
			CodeRef:          QDERef{Target: codebook.CodeGUID(c.Code)},
		}},
	}
	for _, e := range hist[confirm+1:] {
		if e.Action == store.ActionSpan {
			sel.ModifyingUser, sel.ModifiedDateTime = user(e.Reviewer), qdeTime(e.At)
		}
	}
	return sel, nil
}

// selectionDescription is a unit's provenance: REFI-QDA has no element for
// it.
func selectionDescription(c store.Candidate) string {
	d := "Alongside candidate " + c.ID
	if c.Speaker != "" {
		d += ", speaker " + c.Speaker
	}
	if len(c.Rules) > 0 {
		d += "; proposed for " + strings.Join(c.Rules, "; ")
	}
	return d + "."
}

// qdeCodes is the codebook as REFI-QDA codes, the same as a .qdc export
// (GUIDs, descriptions with their rules), plus the codes in used that the
// codebook does not hold (a code removed after units were confirmed with
// it), so that every coding's CodeRef resolves.
func qdeCodes(cb *codebook.Codebook, used []string) ([]QDECode, error) {
	var codes []QDECode
	if cb != nil && len(cb.Codes) > 0 {
		var buf bytes.Buffer
		if err := codebook.WriteQDC(&buf, cb); err != nil {
			return nil, err
		}
		var qdc struct {
			Codes []QDECode `xml:"Codes>Code"`
		}
		if err := xml.Unmarshal(buf.Bytes(), &qdc); err != nil {
			return nil, fmt.Errorf("reading the codebook back: %w", err)
		}
		codes = qdc.Codes
	}
	for _, path := range used {
		if cb == nil || cb.Find(path) == nil {
			codes = addCode(codes, "", strings.Split(path, "/"))
		}
	}
	return codes, nil
}

// addCode adds the code at prefix/names... to codes, with the parents it
// needs.
func addCode(codes []QDECode, prefix string, names []string) []QDECode {
	path := names[0]
	if prefix != "" {
		path = prefix + "/" + names[0]
	}
	i := slices.IndexFunc(codes, func(c QDECode) bool { return c.Name == names[0] })
	if i < 0 {
		codes = append(codes, QDECode{GUID: codebook.CodeGUID(path), Name: names[0], IsCodable: true,
			Description: "Not in the codebook now: kept because confirmed units are coded with it."})
		i = len(codes) - 1
	}
	if len(names) > 1 {
		codes[i].Codes = addCode(codes[i].Codes, path, names[1:])
	}
	return codes
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// QDPX is a REFI-QDA project read back.
type QDPX struct {
	Project QDEProject
	Files   []string          // the zip's entry names, in order
	Texts   map[string]string // each text source's text, by its GUID
}

// Read reads a .qdpx: project.qde and the text of every TextSource,
// from its plainTextPath (internal://NAME is sources/NAME) or its
// PlainTextContent.
func Read(r io.ReaderAt, size int64) (*QDPX, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("reading qdpx: %w", err)
	}
	q := &QDPX{Texts: map[string]string{}}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		q.Files = append(q.Files, f.Name)
		entries[f.Name] = f
	}
	read := func(name string) ([]byte, error) {
		f, ok := entries[name]
		if !ok {
			return nil, fmt.Errorf("reading qdpx: no %s in the zip", name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("reading qdpx: %s: %w", name, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return nil, fmt.Errorf("reading qdpx: %s: %w", name, err)
		}
		return data, nil
	}
	data, err := read("project.qde")
	if err != nil {
		return nil, err
	}
	if err := xml.Unmarshal(data, &q.Project); err != nil {
		return nil, fmt.Errorf("reading qdpx: project.qde: %w", err)
	}
	if q.Project.Sources == nil {
		return q, nil
	}
	for _, s := range q.Project.Sources.TextSources {
		switch {
		case strings.HasPrefix(s.PlainTextPath, "internal://"):
			data, err := read("sources/" + strings.TrimPrefix(s.PlainTextPath, "internal://"))
			if err != nil {
				return nil, err
			}
			if !utf8.Valid(data) {
				return nil, fmt.Errorf("reading qdpx: %s: not UTF-8", s.PlainTextPath)
			}
			q.Texts[s.GUID] = string(data)
		case s.PlainTextPath != "":
			return nil, fmt.Errorf("reading qdpx: source %s: %s is outside the project", s.GUID, s.PlainTextPath)
		default:
			q.Texts[s.GUID] = s.PlainTextContent
		}
	}
	return q, nil
}
