package participants

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/export"
	"github.com/xuri/excelize/v2"
)

// The sheet's own columns, in order; any other column is an attribute.
// turns, words and role_inferred are there to help the analyst and are
// not read back.
var Columns = []string{"transcript", "speaker", "turns", "words", "role", "role_inferred", "participant"}

// SheetName is the worksheet of the XLSX sheet.
const SheetName = "Participants"

// Rows are the speakers as the sheet lists them, with the attribute
// columns to write.
func table(rows []store.SpeakerRow, attrs []string) [][]string {
	out := [][]string{append(append([]string(nil), Columns...), attrs...)}
	for _, r := range rows {
		line := []string{r.Transcript, r.Label, strconv.Itoa(r.Turns), strconv.Itoa(r.Words), r.Role, yesNo(r.Inferred), r.Participant}
		for _, a := range attrs {
			line = append(line, r.Attributes[a])
		}
		out = append(out, line)
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// WriteCSV writes the sheet as CSV (UTF-8 with a byte-order mark, so that
// Excel reads it as UTF-8; cells a spreadsheet would run as formulas
// neutralised).
func WriteCSV(w io.Writer, rows []store.SpeakerRow, attrs []string) error {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	for _, line := range table(rows, attrs) {
		for i := range line {
			line[i] = export.Neutralise(line[i])
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the sheet as an Excel workbook, with a filter on every
// column and the header frozen.
func WriteXLSX(w io.Writer, rows []store.SpeakerRow, attrs []string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return err
	}
	t := table(rows, attrs)
	for i, line := range t {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		values := make([]any, len(line))
		for j, v := range line {
			values[j] = v
		}
		if err := f.SetSheetRow(SheetName, cell, &values); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(t[0]), len(t))
	if err := f.AutoFilter(SheetName, "A1:"+last, nil); err != nil {
		return err
	}
	if err := f.SetPanes(SheetName, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.Write(w)
}

// CellError is a problem with one cell (or row, when Column is "").
type CellError struct {
	Row    int // as the spreadsheet numbers it: the header is row 1
	Column string
	Err    error
}

func (e *CellError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("row %d, column %s: %v", e.Row, e.Column, e.Err)
}

// SheetError refuses a participants sheet: every bad cell, and nothing
// from the file is stored.
type SheetError struct {
	File   string
	Errors []*CellError
}

func (e *SheetError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d error(s), nothing imported:", e.File, len(e.Errors))
	for _, c := range e.Errors {
		b.WriteString("\n  " + c.Error())
	}
	return b.String()
}

// ReadFile reads a participants sheet (CSV or XLSX, by extension) and
// checks it against the project's speakers: a transcript that is not a
// pattern must exist and have that speaker, a role must be one of
// corpus.Roles, a (transcript, speaker) appears once. Columns are found by
// header name, so they may be moved and rows sorted or filtered; columns
// other than Columns are attributes.
func ReadFile(path string, speakers []store.SpeakerRow) ([]store.ParticipantRow, error) {
	var t [][]string
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		t, err = readCSV(path)
	case ".xlsx":
		t, err = readXLSX(path)
	default:
		return nil, fmt.Errorf("%s: not a .csv or .xlsx file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading participants sheet %s: %w", path, err)
	}
	return parse(path, t, speakers)
}

func readCSV(path string) ([][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text, _, err := corpus.Decode(data) // Excel may save UTF-16 or Windows-1252
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = corpus.CSVSeparator([]byte(text))
	cr.FieldsPerRecord = -1
	t, err := cr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d: %v", pe.Line, pe.Err)
		}
		return nil, err
	}
	for _, line := range t {
		for i := range line {
			line[i] = export.Unneutralise(line[i])
		}
	}
	return t, nil
}

func readXLSX(path string) ([][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sheet := SheetName
	if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		sheet = f.GetSheetName(0)
	}
	return f.GetRows(sheet)
}

func parse(file string, t [][]string, speakers []store.SpeakerRow) ([]store.ParticipantRow, error) {
	if len(t) == 0 {
		return nil, fmt.Errorf("%s: empty: expected the header row alongside speakers writes (transcript, speaker, ...)", file)
	}
	sheetErr := &SheetError{File: file}
	fail := func(row int, column string, err error) {
		sheetErr.Errors = append(sheetErr.Errors, &CellError{Row: row, Column: column, Err: err})
	}
	col, attrs := header(t[0], fail)
	if len(sheetErr.Errors) > 0 {
		return nil, sheetErr
	}
	has := map[string]bool{} // transcript + "\x00" + key
	transcripts := map[string]bool{}
	for _, s := range speakers {
		has[s.Transcript+"\x00"+s.Key] = true
		transcripts[s.Transcript] = true
	}
	seen := map[string]int{}
	var out []store.ParticipantRow
	for i, line := range t[1:] {
		row := i + 2
		cell := func(name string) string {
			j, ok := col[name]
			if !ok || j >= len(line) {
				return ""
			}
			return strings.TrimSpace(line[j])
		}
		p := store.ParticipantRow{Transcript: cell("transcript"), Role: strings.ToLower(cell("role")), Participant: cell("participant"), Attributes: map[string]string{}}
		label := cell("speaker")
		if p.Transcript == "" && label == "" {
			continue // an empty row
		}
		p.SpeakerKey = corpus.SpeakerKey(label)
		bad := false
		switch {
		case p.Transcript == "":
			fail(row, "transcript", errors.New("empty: write a transcript ID, or a pattern with *"))
			bad = true
		case strings.Contains(p.Transcript, "*"):
			if _, err := filepathMatch(p.Transcript); err != nil {
				fail(row, "transcript", fmt.Errorf("pattern %q: %w", p.Transcript, err))
				bad = true
			}
		case !transcripts[p.Transcript]:
			fail(row, "transcript", fmt.Errorf("no transcript %q in the project (write a pattern with * for transcripts to come)", p.Transcript))
			bad = true
		}
		if p.SpeakerKey == "" {
			fail(row, "speaker", errors.New("empty: write the speaker's label as the transcript has it"))
			bad = true
		} else if !bad && !strings.Contains(p.Transcript, "*") && !has[p.Transcript+"\x00"+p.SpeakerKey] {
			fail(row, "speaker", fmt.Errorf("%q does not speak in %s", label, p.Transcript))
		}
		if p.Role == "unknown" {
			p.Role = ""
		}
		if p.Role != "" {
			ok := false
			for _, r := range corpus.Roles {
				ok = ok || string(r) == p.Role
			}
			if !ok {
				fail(row, "role", fmt.Errorf("%q is not a role: write interviewer, participant, family, professional, or leave it empty to keep the one found", p.Role))
			}
		}
		for _, j := range attrs {
			if j < len(line) && strings.TrimSpace(line[j]) != "" {
				p.Attributes[strings.TrimSpace(t[0][j])] = strings.TrimSpace(line[j])
			}
		}
		k := p.Transcript + "\x00" + p.SpeakerKey
		if first, dup := seen[k]; dup {
			fail(row, "", fmt.Errorf("%s %q is on row %d too", p.Transcript, label, first))
		}
		seen[k] = row
		out = append(out, p)
	}
	if len(sheetErr.Errors) > 0 {
		return nil, sheetErr
	}
	return out, nil
}

// header finds the sheet's own columns by name, and the attribute columns.
func header(names []string, fail func(row int, column string, err error)) (col map[string]int, attrs []int) {
	col = map[string]int{}
	known := map[string]bool{}
	for _, c := range Columns {
		known[c] = true
	}
	for i, name := range names {
		name = strings.TrimSpace(name)
		key := strings.ToLower(name)
		switch {
		case name == "":
		case known[key]:
			if _, dup := col[key]; dup {
				fail(1, name, errors.New("column appears twice"))
			}
			col[key] = i
		default:
			attrs = append(attrs, i)
		}
	}
	for _, need := range []string{"transcript", "speaker"} {
		if _, ok := col[need]; !ok {
			fail(1, need, fmt.Errorf("no %q column: import a sheet that alongside speakers wrote", need))
		}
	}
	return col, attrs
}

// filepathMatch checks a pattern's syntax.
func filepathMatch(pattern string) (bool, error) {
	_, err := path.Match(pattern, "")
	return err == nil, err
}
