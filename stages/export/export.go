package export

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/xuri/excelize/v2"
)

// The review spreadsheet: "alongside export" writes one row per candidate
// (ExportRows, then WriteCSV or WriteXLSX); the analyst fills in decision
// (confirm, reject, or a code path to re-code) and note; "alongside
// import-decisions" reads the file back (ReadDecisions), checks every row
// (PlanImport) and records all of it or nothing (ImportDecisions).

// ExportColumns are the review spreadsheet's columns, in order. decision
// is left empty for the analyst; note holds the candidate's current note,
// to keep or change. log_seq is the decision log's last entry when the
// sheet was exported (hidden in XLSX): an import compares it with what was
// decided since, so an old sheet never silently overturns a newer decision.
//
// role and participant say who the speaker is (role found, inferred or set
// in the participants sheet); the sheet's attribute columns (site, wave...)
// follow participant, by name (see Columns).
//
// decided_by says whose verdict the status follows: "consensus", the
// reviewer(s), or "ben (latest; coders differ)" (see store.Candidate).
var ExportColumns = []string{"id", "code", "transcript", "speaker", "role", "participant", "time", "text", "before", "after", "matches", "rules", "status", "decided_by", "decision", "note", LogSeqColumn, BlindColumn}

// Columns are the sheet's columns for these rows: ExportColumns with the
// attribute columns of the rows' participants after participant, sorted
// (an attribute named like one of ExportColumns is written "NAME
// (attribute)").
func Columns(rows []ExportRow) (columns, attrs []string) {
	seen := map[string]bool{}
	for _, r := range rows {
		for a := range r.Attributes {
			if !seen[a] {
				seen[a] = true
				attrs = append(attrs, a)
			}
		}
	}
	slices.Sort(attrs)
	at := slices.Index(ExportColumns, "participant") + 1
	columns = append(columns, ExportColumns[:at]...)
	for _, a := range attrs {
		if slices.Contains(ExportColumns, strings.ToLower(a)) {
			a += " (attribute)"
		}
		columns = append(columns, a)
	}
	return append(columns, ExportColumns[at:]...), attrs
}

// LogSeqColumn is the column that records when a sheet was exported.
const LogSeqColumn = "log_seq"

// BlindColumn names the reviewer a blind sheet was exported for (hidden in
// XLSX): their import is theirs alone, and other coders' later decisions
// do not make it stale.
const BlindColumn = "blind_for"

// SheetName is the worksheet "alongside export" writes.
const SheetName = "Candidates"

// ExportRow is a candidate with the sentence on either side of it, across
// turns, for the reader of a spreadsheet who has no transcript open.
type ExportRow struct {
	store.Candidate
	Before string
	After  string
	Note   string // the candidate's current note
	LogSeq int64  // the decision log's last seq when the rows were read
	Blind  string // the reviewer of a blind export ("" when not blind)
}

// ExportRows lists the candidates f selects, in the store's order, with
// one sentence of context on each side and the current note.
func ExportRows(ctx context.Context, st *store.Store, f store.CandidateFilter) ([]ExportRow, error) {
	// The watermark is read first: a decision made while the rows are
	// read is after it, so an import checks it (never the other way).
	seq, err := st.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	cands, err := st.Candidates(ctx, f)
	if err != nil {
		return nil, err
	}
	store.SortByRelevance(cands) // per code, the most relevant first
	notes, err := st.Notes(ctx, nil)
	if err != nil {
		return nil, err
	}
	rows := make([]ExportRow, len(cands))
	// Candidates come ordered by code, so a transcript recurs once per
	// code: group them by version and load each version once.
	type key struct{ id, version string }
	var keys []key
	byVersion := map[key][]int{}
	for i, c := range cands {
		rows[i].Candidate = c
		rows[i].Note = store.CurrentNote(notes[c.ID])
		rows[i].LogSeq = seq
		rows[i].Blind = f.Reviewer
		k := key{c.Transcript, c.Version}
		if byVersion[k] == nil {
			keys = append(keys, k)
		}
		byVersion[k] = append(byVersion[k], i)
	}
	for _, k := range keys {
		t, err := st.Version(ctx, k.id, k.version)
		if errors.Is(err, store.ErrNotFound) {
			continue // pruned since: the rows go out without context
		}
		if err != nil {
			return nil, err
		}
		for _, i := range byVersion[k] {
			r := &rows[i]
			if r.Turn < 0 || r.Turn >= len(t.Turns) || r.First < 0 || r.First > r.Last || r.Last >= len(t.Turns[r.Turn].Sentences) {
				continue // not in this version's sentences: no context
			}
			r.Before, r.After = t.Context(r.Turn, r.First, r.Last, 1)
		}
	}
	return rows, nil
}

// cells returns the row's cells in ExportColumns order.
func (r ExportRow) cells(attrs []string) []string {
	out := []string{r.ID, r.Code, r.Transcript, r.Speaker, r.Role, r.Participant}
	for _, a := range attrs {
		out = append(out, r.Attributes[a])
	}
	return append(out, clock(r.StartTime), r.Text, r.Before, r.After, matchedWords(r.phrases()),
		strings.Join(r.Rules, "; "), r.Status, r.DecidedBy, "", r.Note, strconv.FormatInt(r.LogSeq, 10), r.Blind)
}

// phrases returns the matched words inside the passage, in order, with
// the words of a phrase ("cut" "down") joined into one span.
func (r ExportRow) phrases() []store.MatchSpan {
	rs := []rune(r.Text)
	var out []store.MatchSpan
	for _, m := range r.Matches {
		a, z := m.Start-r.Start, m.End-r.Start
		if a < 0 || z > len(rs) || a >= z {
			continue // outside a span the analyst narrowed
		}
		if n := len(out); n > 0 {
			prev := &out[n-1]
			pz := prev.End - r.Start
			if a < pz {
				continue // overlaps the one before
			}
			if strings.TrimSpace(string(rs[pz:a])) == "" {
				prev.End = m.End
				prev.Text = string(rs[prev.Start-r.Start : z])
				continue
			}
		}
		out = append(out, store.MatchSpan{Text: string(rs[a:z]), Start: m.Start, End: m.End})
	}
	return out
}

// clock formats a time in seconds as hh:mm:ss ("" when unknown).
func clock(sec *float64) string {
	if sec == nil {
		return ""
	}
	t := int(*sec)
	return fmt.Sprintf("%02d:%02d:%02d", t/3600, t/60%60, t%60)
}

// matchedWords lists the distinct words that matched (ignoring case), in
// the order they occur.
func matchedWords(ms []store.MatchSpan) string {
	var words []string
	seen := map[string]bool{}
	for _, m := range ms {
		if k := strings.ToLower(m.Text); !seen[k] {
			seen[k] = true
			words = append(words, m.Text)
		}
	}
	return strings.Join(words, ", ")
}

// A spreadsheet runs a cell that starts with one of these as a formula
// (OWASP's "CSV injection" list: = + - @, tab and carriage return).
const formulaStarts = "=+-@\t\r"

func runsAsFormula(s string) bool {
	return s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0
}

// neutralise prefixes a single quote to a CSV cell a spreadsheet would run
// as a formula. Cells that already start with quotes before such a
// character get one more, so that unneutralise is its exact inverse.
func neutralise(s string) string {
	if runsAsFormula(strings.TrimLeft(s, "'")) {
		return "'" + s
	}
	return s
}

// unneutralise takes off the quote neutralise added.
func unneutralise(s string) string {
	if strings.HasPrefix(s, "'") && runsAsFormula(strings.TrimLeft(s, "'")) {
		return s[1:]
	}
	return s
}

// WriteCSV writes the review spreadsheet as CSV for Excel and the like:
// UTF-8 with a byte order mark (without it Excel guesses the local code
// page), CRLF line ends, and cells that would run as formulas neutralised.
func WriteCSV(w io.Writer, rows []ExportRow) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	columns, attrs := Columns(rows)
	if err := cw.Write(columns); err != nil {
		return err
	}
	for _, r := range rows {
		cells := r.cells(attrs)
		for i, c := range cells {
			cells[i] = neutralise(c)
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// exportWidths are the column widths, in characters, by column (12 for an
// attribute).
var exportWidths = map[string]float64{"id": 15, "code": 30, "transcript": 22, "speaker": 12, "role": 12, "participant": 12,
	"time": 10, "text": 60, "before": 40, "after": 40, "matches": 20, "rules": 24, "status": 11, "decided_by": 14, "decision": 24, "note": 30, LogSeqColumn: 10, BlindColumn: 10}

// WriteXLSX writes the review spreadsheet as an Excel workbook: one sheet
// with a frozen header row and an autofilter, wrapped text, the words
// that matched in bold inside the passage, and the log_seq column hidden. Cells hold strings, never
// formulas, so nothing needs neutralising.
func WriteXLSX(w io.Writer, rows []ExportRow) error {
	if len(rows)+1 > excelize.TotalRows {
		return fmt.Errorf("%d candidates do not fit in one sheet: select fewer with --code, --status or --since", len(rows))
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return err
	}
	// The filter goes on the worksheet before the stream writer takes it:
	// set after Flush, only the workbook's hidden filter range is kept, and
	// Excel shows no filter buttons.
	columns, attrs := Columns(rows)
	last, _ := excelize.CoordinatesToCellName(len(columns), len(rows)+1)
	if err := f.AutoFilter(SheetName, "A1:"+last, nil); err != nil {
		return err
	}
	head, body, err := sheetStyles(f)
	if err != nil {
		return err
	}
	// The stream writer keeps memory flat over tens of thousands of rows
	// (and writes rich text inline, where SetCellRichText would compare
	// each passage with every shared string before it).
	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return err
	}
	for i, c := range columns {
		width, ok := exportWidths[c]
		if !ok {
			width = 12
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	// The analyst's columns wrap too, beyond the exported rows.
	if err := sw.SetColStyle(1, len(columns), body); err != nil {
		return err
	}
	if err := sw.SetColVisible(len(columns)-1, len(columns), false); err != nil { // log_seq, blind_for
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	header := make([]any, len(columns))
	for i, c := range columns {
		header[i] = excelize.Cell{StyleID: head, Value: c}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	textColumn := slices.Index(columns, "text")
	for i, r := range rows {
		cells := r.cells(attrs)
		values := make([]any, len(cells))
		for j, c := range cells {
			values[j] = excelize.Cell{StyleID: body, Value: c}
		}
		if runs := r.passageRuns(); runs != nil {
			values[textColumn] = excelize.Cell{StyleID: body, Value: runs}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, values); err != nil {
			return fmt.Errorf("candidate %s: %w", r.ID, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// passageRuns splits the passage into rich text runs, the matched words
// in bold. It returns nil when nothing matched inside the passage, or when
// the passage is longer than a cell holds (Excel's limit; the plain cell
// is then cut at the limit).
func (r ExportRow) passageRuns() []excelize.RichTextRun {
	if len(utf16.Encode([]rune(r.Text))) > excelize.TotalCellChars {
		return nil
	}
	ms := r.phrases()
	if len(ms) == 0 {
		return nil
	}
	rs := []rune(r.Text)
	var runs []excelize.RichTextRun
	at := 0
	for _, m := range ms {
		a, z := m.Start-r.Start, m.End-r.Start
		if a > at {
			runs = append(runs, excelize.RichTextRun{Text: string(rs[at:a])})
		}
		runs = append(runs, excelize.RichTextRun{Text: string(rs[a:z]), Font: &excelize.Font{Bold: true}})
		at = z
	}
	if at < len(rs) {
		runs = append(runs, excelize.RichTextRun{Text: string(rs[at:])})
	}
	return runs
}

// ImportRow is a row of a decisions file that holds a decision or a note.

// sheetStyles are the styles of every sheet the analyst gets: a bold grey
// header, and cells that wrap, aligned to the top.
func sheetStyles(f *excelize.File) (head, body int, err error) {
	head, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	if err != nil {
		return 0, 0, err
	}
	body, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	return head, body, err
}
