package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"

	"github.com/xuri/excelize/v2"
)

// Table is a sheet of other reports (the agreement table, the
// disagreement sheet) written with the review sheet's conventions.
type Table struct {
	Name   string // the worksheet's name (XLSX)
	Header []string
	// Rows hold strings, ints or float64s; a NaN float64 or nil is an
	// empty cell.
	Rows   [][]any
	Widths []float64 // column widths in characters; missing ones default
}

// WriteTableCSV writes one table as CSV the way WriteCSV writes the review
// sheet: a byte order mark, CRLF line ends, formula-like cells neutralised.
func WriteTableCSV(w io.Writer, t Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	for _, r := range t.Rows {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = neutralise(cellText(v))
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cellText prints a cell for CSV: numbers as Go prints them (shortest
// form that reads back the same), NaN and nil as empty.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if math.IsNaN(x) {
			return ""
		}
	}
	return fmt.Sprint(v)
}

// WriteTablesXLSX writes tables as the worksheets of one workbook, each
// with a bold frozen header row, an autofilter and wrapped text. Numbers
// stay numbers; NaN cells stay empty.
func WriteTablesXLSX(w io.Writer, tables ...Table) error {
	f := excelize.NewFile()
	defer f.Close()
	head, body, err := sheetStyles(f)
	if err != nil {
		return err
	}
	for i, t := range tables {
		if len(t.Rows)+1 > excelize.TotalRows {
			return fmt.Errorf("sheet %s: %d rows do not fit in one sheet", t.Name, len(t.Rows))
		}
		if i == 0 {
			err = f.SetSheetName("Sheet1", t.Name)
		} else {
			_, err = f.NewSheet(t.Name)
		}
		if err != nil {
			return fmt.Errorf("sheet %s: %w", t.Name, err)
		}
		sw, err := f.NewStreamWriter(t.Name)
		if err != nil {
			return err
		}
		for c := range t.Header {
			width := 14.0
			if c < len(t.Widths) {
				width = t.Widths[c]
			}
			if err := sw.SetColWidth(c+1, c+1, width); err != nil {
				return err
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
			return err
		}
		header := make([]any, len(t.Header))
		for c, h := range t.Header {
			header[c] = excelize.Cell{StyleID: head, Value: h}
		}
		if err := sw.SetRow("A1", header); err != nil {
			return err
		}
		for r, row := range t.Rows {
			values := make([]any, len(row))
			for c, v := range row {
				if x, ok := v.(float64); ok && math.IsNaN(x) {
					v = nil
				}
				values[c] = excelize.Cell{StyleID: body, Value: v}
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, values); err != nil {
				return fmt.Errorf("sheet %s: row %d: %w", t.Name, r+2, err)
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		last, _ := excelize.CoordinatesToCellName(max(1, len(t.Header)), len(t.Rows)+1)
		if err := f.AutoFilter(t.Name, "A1:"+last, nil); err != nil {
			return err
		}
	}
	return f.Write(w)
}
