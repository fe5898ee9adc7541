package export

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/xuri/excelize/v2"
)

type ImportRow struct {
	Row      int // as the spreadsheet numbers it: the header is row 1
	ID       string
	Decision string // as written: confirm, reject or a code path
	Note     string
	// LogSeq is the decision log's last seq when the sheet was exported;
	// NoLogSeq when the sheet has no log_seq column (exported by an older
	// alongside, or the column was deleted): every decision is newer.
	LogSeq int64
	// Blind is the reviewer a blind sheet was exported for ("" when not).
	Blind string
	Err   error // a cell that could not be read (PlanImport reports it)
}

// NoLogSeq is ImportRow.LogSeq for a row without a log_seq cell.
const NoLogSeq = -1

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
	return readColumn(path, "decision")
}

// ReadConsensus reads a disagreement sheet ("alongside disagreements")
// as ReadDecisions reads a review sheet, taking the decisions from its
// consensus column.
func ReadConsensus(path string) ([]ImportRow, error) {
	return readColumn(path, "consensus")
}

func readColumn(path, column string) ([]ImportRow, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return readDecisionsCSV(path, column)
	case ".xlsx":
		return readDecisionsXLSX(path, column)
	}
	return nil, fmt.Errorf("%s: not a .csv or .xlsx file", path)
}

func readDecisionsCSV(path, column string) ([]ImportRow, error) {
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
	return decisionRows(path, column, table, func(row, col int) error {
		if !utf8.ValidString(table[row][col]) {
			return errors.New("not UTF-8 text; save the file as CSV UTF-8")
		}
		return nil
	})
}

func readDecisionsXLSX(path, column string) ([]ImportRow, error) {
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
	if slices.Contains(sheets, SheetName) {
		sheet = SheetName
	}
	table, err := f.GetRows(sheet)
	if err != nil {
		return nil, fmt.Errorf("reading decisions %s: %w", path, err)
	}
	return decisionRows(path, column, table, func(row, col int) error {
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
func decisionRows(path, column string, table [][]string, unreadable func(row, col int) error) ([]ImportRow, error) {
	if len(table) == 0 {
		return nil, fmt.Errorf("%s: empty: expected the header row alongside export writes (id, ..., decision, note)", path)
	}
	col := map[string]int{"id": -1, column: -1, "note": -1, LogSeqColumn: -1, BlindColumn: -1}
	for i, name := range table[0] {
		name = strings.ToLower(strings.TrimSpace(name))
		if j, ok := col[name]; ok && j < 0 {
			col[name] = i
		}
	}
	for _, name := range []string{"id", column} {
		if col[name] < 0 {
			if name == "decision" && slices.ContainsFunc(table[0], func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), "consensus") }) {
				return nil, fmt.Errorf("%s: row 1: no %q column but a consensus column: import a disagreement sheet with --consensus", path, name)
			}
			return nil, fmt.Errorf("%s: row 1: no %q column: import a file that alongside export wrote", path, name)
		}
	}
	var out []ImportRow
	for i, rec := range table[1:] {
		row := i + 1
		r := ImportRow{Row: row + 1, LogSeq: NoLogSeq}
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
		r.Decision, r.Note = cell(column), cell("note")
		if r.Decision == "" && r.Note == "" && r.Err == nil {
			continue // a row the analyst left alone
		}
		r.ID = cell("id")
		if v := cell(LogSeqColumn); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				if r.Err == nil {
					r.Err = fmt.Errorf("%s: %q is not the number alongside export wrote", LogSeqColumn, v)
				}
			}
			r.LogSeq = n
		}
		r.Blind = cell(BlindColumn)
		out = append(out, r)
	}
	return out, nil
}

// ImportStep is what importing one row does.
