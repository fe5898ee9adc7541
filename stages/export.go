package stages

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/alongside-qda/alongside/corpus"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/xuri/excelize/v2"
)

// The review spreadsheet: "alongside export" writes one row per candidate
// (ExportRows, then WriteCSV or WriteXLSX); the analyst fills in decision
// (confirm, reject, or a code path to re-code) and note; "alongside
// import-decisions" reads the file back (ReadDecisions), checks every row
// (PlanImport) and records all of it or nothing (ImportDecisions).

// ExportColumns are the review spreadsheet's columns, in order. The last
// two are left empty for the analyst.
var ExportColumns = []string{"id", "code", "transcript", "speaker", "time", "text", "before", "after", "matches", "status", "decision", "note"}

// exportSheet is the worksheet "alongside export" writes.
const exportSheet = "Candidates"

// ExportRow is a candidate with the sentence on either side of it, across
// turns, for the reader of a spreadsheet who has no transcript open.
type ExportRow struct {
	store.Candidate
	Before string
	After  string
}

// ExportRows lists the candidates f selects, in the store's order, with
// one sentence of context on each side.
func ExportRows(ctx context.Context, st *store.Store, f store.CandidateFilter) ([]ExportRow, error) {
	cands, err := st.Candidates(ctx, f)
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
			r.Before, r.After = contextAround(t, store.PassageRow{Turn: r.Turn, Sentence: r.First, Sentences: r.Last - r.First + 1}, 1)
		}
	}
	return rows, nil
}

// cells returns the row's cells in ExportColumns order.
func (r ExportRow) cells() []string {
	return []string{r.ID, r.Code, r.Transcript, r.Speaker, clock(r.StartTime), r.Text, r.Before, r.After, matchedWords(r.phrases()), r.Status, "", ""}
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
	if err := cw.Write(ExportColumns); err != nil {
		return err
	}
	for _, r := range rows {
		cells := r.cells()
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

// exportWidths are the column widths, in characters, in ExportColumns
// order.
var exportWidths = []float64{15, 30, 22, 12, 10, 60, 40, 40, 20, 11, 24, 30}

// WriteXLSX writes the review spreadsheet as an Excel workbook: one sheet
// with a frozen header row and an autofilter, wrapped text, and the words
// that matched in bold inside the passage. Cells hold strings, never
// formulas, so nothing needs neutralising.
func WriteXLSX(w io.Writer, rows []ExportRow) error {
	if len(rows)+1 > excelize.TotalRows {
		return fmt.Errorf("%d candidates do not fit in one sheet: select fewer with --code, --status or --since", len(rows))
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", exportSheet); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	if err != nil {
		return err
	}
	body, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	// The stream writer keeps memory flat over tens of thousands of rows
	// (and writes rich text inline, where SetCellRichText would compare
	// each passage with every shared string before it).
	sw, err := f.NewStreamWriter(exportSheet)
	if err != nil {
		return err
	}
	for i, width := range exportWidths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	// The analyst's columns wrap too, beyond the exported rows.
	if err := sw.SetColStyle(1, len(ExportColumns), body); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	header := make([]any, len(ExportColumns))
	for i, c := range ExportColumns {
		header[i] = excelize.Cell{StyleID: head, Value: c}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	const textColumn = 5 // ExportColumns[5] is "text"
	for i, r := range rows {
		cells := r.cells()
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
	last, _ := excelize.CoordinatesToCellName(len(ExportColumns), len(rows)+1)
	if err := f.AutoFilter(exportSheet, "A1:"+last, nil); err != nil {
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
type ImportRow struct {
	Row      int // as the spreadsheet numbers it: the header is row 1
	ID       string
	Decision string // as written: confirm, reject or a code path
	Note     string
	Err      error // a cell that could not be read (PlanImport reports it)
}

// RowError is a problem with one row of a decisions file.
type RowError struct {
	Row int
	Err error
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Row, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// ImportError refuses a decisions file: it lists every bad row, and
// nothing from the file is recorded.
type ImportError struct {
	File string
	Rows []*RowError
}

func (e *ImportError) Error() string {
	msg := fmt.Sprintf("%s: %v", e.File, e.Rows[0])
	if n := len(e.Rows) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more bad row(s))", n)
	}
	return msg
}

// ReadDecisions reads a review spreadsheet the analyst filled in, CSV or
// XLSX (by the file's extension), and returns its rows that hold a
// decision or a note. It finds the id, decision and note columns by their
// header names, so columns may be moved, added or deleted (except id and
// decision), and rows sorted or filtered.
func ReadDecisions(path string) ([]ImportRow, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return readDecisionsCSV(path)
	case ".xlsx":
		return readDecisionsXLSX(path)
	}
	return nil, fmt.Errorf("%s: not a .csv or .xlsx file", path)
}

func readDecisionsCSV(path string) ([]ImportRow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return nil, fmt.Errorf("%s: the file is UTF-16; save it as CSV UTF-8", path)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = corpus.CSVSeparator(data)
	cr.FieldsPerRecord = -1 // a short row is a row whose last cells are empty
	var table [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s: row %d (line %d): %w", path, len(table)+1, pe.StartLine, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for i, c := range rec {
			rec[i] = unneutralise(c)
		}
		table = append(table, rec)
	}
	return decisionRows(path, table, func(row, col int) error {
		if !utf8.ValidString(table[row][col]) {
			return errors.New("not UTF-8 text; save the file as CSV UTF-8")
		}
		return nil
	})
}

func readDecisionsXLSX(path string) ([]ImportRow, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading decisions %s: %w", path, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s: no worksheet", path)
	}
	sheet := sheets[0]
	if slices.Contains(sheets, exportSheet) {
		sheet = exportSheet
	}
	table, err := f.GetRows(sheet)
	if err != nil {
		return nil, fmt.Errorf("reading decisions %s: %w", path, err)
	}
	return decisionRows(path, table, func(row, col int) error {
		cell, err := excelize.CoordinatesToCellName(col+1, row+1)
		if err != nil {
			return err
		}
		if typ, err := f.GetCellType(sheet, cell); err != nil {
			return fmt.Errorf("cell %s: %w", cell, err)
		} else if typ == excelize.CellTypeError {
			return fmt.Errorf("cell %s holds the error %s", cell, table[row][col])
		}
		return nil
	})
}

// decisionRows picks the rows with a decision or a note out of a table
// whose first row is the header; unreadable says whether a non-empty cell
// (row and column from 0) could not be read.
func decisionRows(path string, table [][]string, unreadable func(row, col int) error) ([]ImportRow, error) {
	if len(table) == 0 {
		return nil, fmt.Errorf("%s: empty: expected the header row alongside export writes (id, ..., decision, note)", path)
	}
	col := map[string]int{"id": -1, "decision": -1, "note": -1}
	for i, name := range table[0] {
		name = strings.ToLower(strings.TrimSpace(name))
		if j, ok := col[name]; ok && j < 0 {
			col[name] = i
		}
	}
	for _, name := range []string{"id", "decision"} {
		if col[name] < 0 {
			return nil, fmt.Errorf("%s: row 1: no %q column: import a file that alongside export wrote", path, name)
		}
	}
	var out []ImportRow
	for i, rec := range table[1:] {
		row := i + 1
		r := ImportRow{Row: row + 1}
		cell := func(name string) string {
			j := col[name]
			if j < 0 || j >= len(rec) || rec[j] == "" {
				return ""
			}
			if err := unreadable(row, j); err != nil && r.Err == nil {
				r.Err = fmt.Errorf("%s: %w", name, err)
			}
			return strings.TrimSpace(rec[j])
		}
		r.Decision, r.Note = cell("decision"), cell("note")
		if r.Decision == "" && r.Note == "" && r.Err == nil {
			continue // a row the analyst left alone
		}
		r.ID = cell("id")
		out = append(out, r)
	}
	return out, nil
}

// ImportStep is what importing one row does.
type ImportStep struct {
	Row       int
	Candidate string
	Action    string // confirm, reject, recode or note; "" when the row is recorded already
	Value     string // recode: the new code path
	Note      string // a note to record ("" when none, or recorded already)
}

func (s ImportStep) String() string {
	var out string
	switch s.Action {
	case "":
		return "unchanged (recorded already)"
	case ActionNote:
		return "note"
	case ActionRecode:
		out = "recode to " + s.Value
	default:
		out = s.Action
	}
	if s.Note != "" {
		out += " + note"
	}
	return out
}

// ImportPlan is what importing a decisions file records.
type ImportPlan struct {
	File    string
	Steps   []ImportStep // one per row with a decision or a note, in row order
	Created []string     // the candidates the re-codes created, once recorded
}

// Decisions returns the decisions to record, in row order.
func (p *ImportPlan) Decisions() []Decision {
	var ds []Decision
	for _, s := range p.Steps {
		switch s.Action {
		case "":
		case ActionNote:
			ds = append(ds, Decision{Candidate: s.Candidate, Action: ActionNote, Value: s.Note})
		default:
			ds = append(ds, Decision{Candidate: s.Candidate, Action: s.Action, Value: s.Value, Note: s.Note})
		}
	}
	return ds
}

// PlanImport checks every row of a decisions file and works out what to
// record, without recording anything. A bad row (an unreadable cell, an
// unknown candidate, a decision that is neither confirm, reject nor a code
// path of the codebook, the same candidate twice) refuses the whole file:
// the error is an *ImportError listing every bad row.
//
// Importing the same file again records nothing: a row's decision is left
// out when the reviewer's own latest confirm, reject or re-code of that
// candidate is already the same, and its note when the reviewer already
// recorded that note on it. (Another reviewer's decisions do not count: a
// second coder's agreement is worth recording, and re-importing an old
// file must not overturn what someone decided since.)
func PlanImport(ctx context.Context, r *Reviewer, file string, rows []ImportRow) (*ImportPlan, error) {
	if strings.TrimSpace(r.Name) == "" {
		return nil, fmt.Errorf("no reviewer name: give --reviewer NAME or set reviewer: in alongside.yaml")
	}
	known, err := candidatesByID(ctx, r.Store, rows)
	if err != nil {
		return nil, err
	}
	plan := &ImportPlan{File: file}
	var bad []*RowError
	fail := func(row int, err error) { bad = append(bad, &RowError{Row: row, Err: err}) }
	rowOf := map[string]int{}
	for _, row := range rows {
		if row.Err != nil {
			fail(row.Row, row.Err)
			continue
		}
		if row.ID == "" {
			fail(row.Row, errors.New("no candidate id in the id column"))
			continue
		}
		c, ok := known[row.ID]
		if !ok {
			fail(row.Row, fmt.Errorf("candidate %q: no such candidate", row.ID))
			continue
		}
		if first, dup := rowOf[row.ID]; dup {
			fail(row.Row, fmt.Errorf("candidate %q: also on row %d", row.ID, first))
			continue
		}
		rowOf[row.ID] = row.Row
		step := ImportStep{Row: row.Row, Candidate: row.ID, Note: row.Note}
		switch strings.ToLower(row.Decision) {
		case "":
		case ActionConfirm:
			step.Action = ActionConfirm
		case ActionReject:
			step.Action = ActionReject
		default:
			path, err := codePath(r.Codebook, row.Decision)
			if err != nil {
				fail(row.Row, fmt.Errorf("candidate %q: %w", row.ID, err))
				continue
			}
			if path == c.Code {
				fail(row.Row, fmt.Errorf("candidate %q: %q is its code already: write confirm to keep it", row.ID, path))
				continue
			}
			step.Action, step.Value = ActionRecode, path
		}
		hist, err := r.Store.History(ctx, row.ID)
		if err != nil {
			return nil, err
		}
		verdict, notes := ownLog(hist, r.Name)
		if verdict != nil && verdict.Action == step.Action && (step.Action != ActionRecode || verdict.Value == step.Value) {
			step.Action, step.Value = "", ""
		}
		if notes[step.Note] {
			step.Note = ""
		}
		if step.Action == "" && step.Note != "" {
			step.Action = ActionNote
		}
		plan.Steps = append(plan.Steps, step)
	}
	if len(bad) > 0 {
		return nil, &ImportError{File: file, Rows: bad}
	}
	return plan, nil
}

// ownLog returns a reviewer's latest confirm, reject or re-code in a
// candidate's history (nil when none), and the notes they recorded on it.
func ownLog(hist []store.DecisionEntry, reviewer string) (verdict *store.DecisionEntry, notes map[string]bool) {
	notes = map[string]bool{}
	for i, h := range hist {
		if h.Reviewer != reviewer {
			continue
		}
		switch h.Action {
		case ActionConfirm, ActionReject, ActionRecode:
			verdict = &hist[i]
		case ActionNote:
			notes[h.Value] = true
		}
	}
	return verdict, notes
}

// candidatesByID loads the candidates the rows name, by ID.
func candidatesByID(ctx context.Context, st *store.Store, rows []ImportRow) (map[string]store.Candidate, error) {
	var ids []string
	for _, r := range rows {
		if r.ID != "" {
			ids = append(ids, r.ID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[string]store.Candidate, len(ids))
	const chunk = 500 // SQLite limits the number of parameters
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		cands, err := st.Candidates(ctx, store.CandidateFilter{IDs: ids[:n]})
		if err != nil {
			return nil, err
		}
		for _, c := range cands {
			out[c.ID] = c
		}
		ids = ids[n:]
	}
	return out, nil
}

// codePath finds the code a decision cell names: its path as written, else
// the one path that matches ignoring case and the spaces around "/".
func codePath(cb *codebook.Codebook, s string) (string, error) {
	if cb == nil {
		return "", fmt.Errorf("decision %q: write confirm or reject (the project has no codebook to re-code with)", s)
	}
	if c := cb.Find(s); c != nil {
		return c.Path, nil
	}
	norm := func(p string) string {
		parts := strings.Split(p, "/")
		for i, part := range parts {
			parts[i] = strings.ToLower(strings.TrimSpace(part))
		}
		return strings.Join(parts, "/")
	}
	var found []string
	for _, c := range cb.All() {
		if norm(c.Path) == norm(s) {
			found = append(found, c.Path)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	if strings.Contains(s, "/") {
		return "", fmt.Errorf("re-code to %q: no such code in the codebook", s)
	}
	return "", fmt.Errorf("decision %q: write confirm, reject, or a code path from the codebook", s)
}

// ImportDecisions reads a decisions file, checks all of it, and records
// all of it under the reviewer's name, or nothing. With dryRun it records
// nothing and returns what it would do.
func ImportDecisions(ctx context.Context, r *Reviewer, path string, dryRun bool) (*ImportPlan, error) {
	rows, err := ReadDecisions(path)
	if err != nil {
		return nil, err
	}
	plan, err := PlanImport(ctx, r, path, rows)
	if err != nil || dryRun {
		return plan, err
	}
	if ds := plan.Decisions(); len(ds) > 0 {
		if plan.Created, err = r.Record(ctx, ds); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return plan, nil
}
