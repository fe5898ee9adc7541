package reviewpage

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/store"
)

// statuses are the candidate statuses, in the order the filter offers them.
var statuses = []string{"proposed", "confirmed", "rejected", "withdrawn", "orphaned"}

// allStatuses is the status filter that lists every candidate but the
// withdrawn ones (the batch no longer finds them, so they wait for nobody).
const allStatuses = "all"

// filter is the page's query string. An empty field selects all, but an
// empty Status means "proposed": what still needs a decision, so that the
// candidates decided drop off the list and the next ones come up.
type filter struct {
	Code       string // a path; also selects the codes under it
	Status     string // a status, or allStatuses
	Transcript string
	Speaker    string // compared as speaker keys: "P1" and "p1" are one speaker
	Batch      int64
	// Recommended hides the candidates the tool does not recommend.
	Recommended bool
	// After is the last candidate of the previous page: the page lists
	// those after it, in the store's order. (A position, not an offset:
	// the candidates decided on the page before leave the default list.)
	After string
}

func parseFilter(q url.Values) (filter, error) {
	f := filter{Code: q.Get("code"), Status: q.Get("status"), Transcript: q.Get("transcript"), Speaker: q.Get("speaker"), After: q.Get("after"),
		Recommended: q.Get("recommended") != ""}
	if f.Status == "" {
		f.Status = "proposed"
	}
	if f.Status != allStatuses && !slices.Contains(statuses, f.Status) {
		return f, fmt.Errorf("status %q: use one of %s, or %s", f.Status, strings.Join(statuses, ", "), allStatuses)
	}
	if b := q.Get("batch"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			return f, fmt.Errorf("batch %q: give a batch number", b)
		}
		f.Batch = n
	}
	return f, nil
}

// inScope says whether a candidate passes every filter but the status one.
func (f filter) inScope(c store.Candidate) bool {
	return (f.Code == "" || c.Code == f.Code || strings.HasPrefix(c.Code, f.Code+"/")) &&
		(f.Transcript == "" || c.Transcript == f.Transcript) &&
		(f.Speaker == "" || corpus.SpeakerKey(c.Speaker) == corpus.SpeakerKey(f.Speaker)) &&
		(f.Batch == 0 || c.Batch == f.Batch)
}

func (f filter) listed(c store.Candidate) bool {
	if !f.inScope(c) || f.Recommended && !c.Recommended {
		return false
	}
	if f.Status == allStatuses {
		return c.Status != "withdrawn"
	}
	return c.Status == f.Status
}

// query is the filter as a query string, with after set to the given
// candidate ("" for the first page).
func (f filter) query(after string) string {
	q := url.Values{}
	for k, v := range map[string]string{"code": f.Code, "status": f.Status, "transcript": f.Transcript, "speaker": f.Speaker, "after": after} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Batch > 0 {
		q.Set("batch", strconv.FormatInt(f.Batch, 10))
	}
	if f.Recommended {
		q.Set("recommended", "1")
	}
	return "?" + q.Encode()
}

// progress counts, over the candidates in scope (whatever the status
// filter), those the analyst has decided out of those there are to decide.
// Withdrawn candidates are not counted.
type progress struct {
	Reviewed int `json:"reviewed"`
	Total    int `json:"total"`
}

func progressOf(cands []store.Candidate, f filter) progress {
	var p progress
	for _, c := range cands {
		if !f.inScope(c) || c.Status == "withdrawn" {
			continue
		}
		p.Total++
		if c.Status != "proposed" {
			p.Reviewed++
		}
	}
	return p
}

// pageData is what page.html renders.
type pageData struct {
	Reviewer string
	Token    string
	Nonce    string
	Filter   filter
	// The filter's choices.
	Codes, Statuses, Transcripts, Speakers []string
	// CodePaths are the codebook's codes, the targets of a re-code.
	CodePaths []string
	Groups    []group
	Listed    int // rows on the page
	Matching  int // candidates the filters select
	From, To  int // the positions of the page's first and last rows among them, from 1
	// NextPage and FirstPage are links to the page after this one and to
	// the first ("" when there is none).
	NextPage, FirstPage string
	Progress            progress
}

// group is the rows of one code.
type group struct {
	Code string
	Rows []row
}

// row is one candidate as the page shows it.
type row struct {
	ID, Code, Status    string
	Transcript, Speaker string
	Time                string // hh:mm:ss, or ""
	Rules               []string
	Origin, Why         string  // keyword or suggested; what weighs most in its relevance
	Relevance           float64 // 0 to 1
	Recommended         bool
	Lines               []line       // the passage in its turn, with the turns around
	Notes               []store.Note // each reviewer's current note
	Note                string       // the newest: what the note box starts with
}

// queueOrder is the page's order: per code, the recommended candidates
// first, each part the most relevant first.
func queueOrder(cs []store.Candidate) {
	store.SortByRelevance(cs) // by code, relevance, position
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Code != cs[j].Code {
			return cs[i].Code < cs[j].Code
		}
		return cs[i].Recommended && !cs[j].Recommended
	})
}

// line is one turn of the excerpt around a passage: a turn before or
// after it (Text), or the passage's own turn (Current: Before, Unit, After).
type line struct {
	Speaker       string
	Text          string
	Current       bool
	Before, After string
	Unit          []seg
	turn          int
}

// seg is a stretch of the passage: a matched word or the text between.
type seg struct {
	Text  string
	Match bool
}

func (s *Server) view(ctx context.Context, f filter) (*pageData, error) {
	st := s.Reviewer.Store
	all, err := st.Candidates(ctx, s.candidateFilter())
	if err != nil {
		return nil, err
	}
	queueOrder(all)
	d := &pageData{Reviewer: s.Reviewer.Name, Filter: f, Statuses: statuses, Progress: progressOf(all, f)}

	known := map[string]bool{}
	if cb := s.Reviewer.Codebook; cb != nil {
		for _, c := range cb.All() {
			d.CodePaths = append(d.CodePaths, c.Path)
			known[c.Path] = true
		}
	}
	d.Codes = slices.Clone(d.CodePaths)
	var extra []string // codes of candidates no longer in the codebook
	transcripts, speakers := map[string]bool{}, map[string]bool{}
	for _, c := range all {
		if !known[c.Code] {
			known[c.Code] = true
			extra = append(extra, c.Code)
		}
		transcripts[c.Transcript] = true
		if c.Speaker != "" {
			speakers[c.Speaker] = true
		}
	}
	sort.Strings(extra)
	d.Codes = append(d.Codes, extra...)
	d.Transcripts = sortedKeys(transcripts)
	d.Speakers = sortedKeys(speakers)

	notes, err := st.Notes(ctx, nil)
	if err != nil {
		return nil, err
	}
	past := f.After == "" || !slices.ContainsFunc(all, func(c store.Candidate) bool { return c.ID == f.After })
	last := ""                                  // the page's last candidate
	versions := map[string]*corpus.Transcript{} // by transcript and version
	for _, c := range all {
		if c.ID == f.After {
			past = true
			if f.listed(c) {
				d.Matching++
			}
			continue
		}
		if !f.listed(c) {
			continue
		}
		d.Matching++
		if !past {
			continue
		}
		if d.Listed >= s.Limit {
			d.NextPage = f.query(last)
			continue
		}
		if d.From == 0 {
			d.From = d.Matching
		}
		last = c.ID
		key := c.Transcript + "\x00" + c.Version
		t, ok := versions[key]
		if !ok {
			if t, err = st.Version(ctx, c.Transcript, c.Version); err != nil {
				return nil, err
			}
			versions[key] = t
		}
		r := row{ID: c.ID, Code: c.Code, Status: c.Status, Transcript: c.Transcript, Speaker: c.Speaker,
			Rules: c.Rules, Origin: c.Origin, Why: c.Why, Relevance: c.Relevance, Recommended: c.Recommended, Lines: excerpt(t, c, s.Context), Notes: notes[c.ID], Note: store.CurrentNote(notes[c.ID])}
		if c.StartTime != nil {
			sec := int(*c.StartTime)
			r.Time = fmt.Sprintf("%02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
		}
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Code != c.Code {
			d.Groups = append(d.Groups, group{Code: c.Code})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Rows = append(g.Rows, r)
		d.Listed++
		d.To = d.Matching
	}
	if f.After != "" {
		d.FirstPage = f.query("")
	}
	return d, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// excerpt returns the passage inside its turn with up to n sentences
// before and after it, across turns, one line per turn. A candidate whose
// turn is out of its version's range gets its passage alone.
func excerpt(t *corpus.Transcript, c store.Candidate, n int) []line {
	if c.Turn < 0 || c.Turn >= len(t.Turns) || c.First < 0 || c.First > c.Last || c.Last >= len(t.Turns[c.Turn].Sentences) {
		return []line{{Speaker: c.Speaker, Current: true, Unit: unitSegs(c)}}
	}
	type at = corpus.SentenceAt
	before, after := t.Around(c.Turn, c.First, c.Last, n)

	text := func(a at) string { return t.Cut(t.Turns[a.Turn].Sentences[a.Sentence].Span) }
	var lines []line
	other := func(a at) { // a sentence of another turn
		if k := len(lines); k > 0 && lines[k-1].turn == a.Turn {
			lines[k-1].Text += " " + text(a)
			return
		}
		lines = append(lines, line{Speaker: t.Turns[a.Turn].Speaker, Text: text(a), turn: a.Turn})
	}
	cur := line{Speaker: t.Turns[c.Turn].Speaker, Current: true, Unit: unitSegs(c), turn: c.Turn}
	var same []string
	for _, a := range before {
		if a.Turn == c.Turn {
			same = append(same, text(a))
		} else {
			other(a)
		}
	}
	cur.Before, same = strings.Join(same, " "), nil
	var rest []at
	for _, a := range after {
		if a.Turn == c.Turn {
			same = append(same, text(a))
		} else {
			rest = append(rest, a)
		}
	}
	cur.After = strings.Join(same, " ")
	lines = append(lines, cur)
	for _, a := range rest {
		other(a)
	}
	return lines
}

// unitSegs cuts a candidate's text at its matched words (code point spans
// into the transcript; the text starts at c.Start).
func unitSegs(c store.Candidate) []seg {
	ms := slices.Clone(c.Matches)
	slices.SortFunc(ms, func(a, b store.MatchSpan) int { return a.Start - b.Start })
	rs := []rune(c.Text)
	var out []seg
	at := 0
	for _, m := range ms {
		a, z := m.Start-c.Start, m.End-c.Start
		if a < at || z > len(rs) || a >= z {
			continue // overlapping, or outside a span the analyst changed
		}
		if a > at {
			out = append(out, seg{Text: string(rs[at:a])})
		}
		out = append(out, seg{Text: string(rs[a:z]), Match: true})
		at = z
	}
	if at < len(rs) || len(out) == 0 {
		out = append(out, seg{Text: string(rs[at:])})
	}
	return out
}
