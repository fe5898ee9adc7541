package codebook

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/alongside-qda/alongside/corpus"
)

// csvColumns maps the accepted header names (lower case) to the field they
// fill.
var csvColumns = map[string]string{
	"code path":   "code",
	"code":        "code",
	"path":        "code",
	"description": "description",
	"keyword":     "keyword",
	"keywords":    "keyword",
	"exclude":     "exclude",
	"speakers":    "speakers",
	"speaker":     "speakers",
	"unit":        "unit",
	"example":     "example",
	"examples":    "example",
}

// ParseCSV reads a codebook table, one row per keyword:
//
//	code path,description,keyword
//	Interactive-dialogic processes,Ways of talking together.,
//	Interactive-dialogic processes/Walking alongside,Being a companion.,"""walking alongside"""
//	Interactive-dialogic processes/Walking alongside,,walk*
//
// The header names the columns, in any order and case: code path (or code,
// or path), description, keyword, and optionally exclude, speakers (split
// at commas or semicolons), unit and example (one example per row). A code may take many rows; a row with
// no keyword only declares the code. Parents named in a path are created
// where they first appear. The separator is the comma, or the semicolon or
// tab when the header holds more of those (spreadsheets in many European
// locales save with semicolons). Unknown columns are refused, as in YAML,
// so that a misspelt "keywrods" column is not silently ignored.
func ParseCSV(name string, data []byte) (*Codebook, error) {
	var errs Errors
	return done(parseCSV(name, data, &errs), &errs, nil)
}

// parseCSV reads what it can, adding every problem to errs: a bad row
// does not hide the next. A header it cannot use, or a broken quote (which
// leaves the rows after it in doubt), stops it.
func parseCSV(name string, data []byte, errs *Errors) *Codebook {
	add := func(e *Error) { *errs = append(*errs, e) }
	fail := func(e *Error) *Codebook { add(e); return nil }
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return fail(&Error{File: name, Msg: "the file is UTF-16; save it as CSV UTF-8"})
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		// Say where: a Windows-1252 "ø" deep in the file is hard to find.
		line := 1 + bytes.Count(data[:invalidUTF8At(data)], []byte("\n"))
		return fail(&Error{File: name, Line: line, Msg: "not UTF-8 text; save the table as CSV UTF-8"})
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = corpus.CSVSeparator(data)
	r.FieldsPerRecord = -1 // ragged rows get our own message

	header, err := r.Read()
	if err == io.EOF {
		return fail(&Error{File: name, Msg: "empty file: expected a header row with code path, description, keyword"})
	}
	if err != nil {
		return fail(csvError(name, err))
	}
	headLine, _ := r.FieldPos(0)
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(h, "_", " ")), " "))
		if h == "" {
			continue // spreadsheets often leave empty columns at the right
		}
		f, ok := csvColumns[h]
		if !ok {
			add(&Error{File: name, Line: headLine, Msg: fmt.Sprintf("unknown column %q (use code path, description, keyword, exclude, speakers, unit, example)", header[i])})
			continue
		}
		if j, dup := col[f]; dup {
			add(&Error{File: name, Line: headLine, Msg: fmt.Sprintf("columns %q and %q are the same column", strings.TrimSpace(header[j]), strings.TrimSpace(header[i]))})
			continue
		}
		col[f] = i
	}
	if _, ok := col["code"]; !ok && len(*errs) == 0 {
		add(&Error{File: name, Line: headLine, Msg: `no "code path" column (the header needs code path, description, keyword)`})
	}
	if len(*errs) > 0 {
		return nil // the rows cannot be read without their header
	}

	cb := &Codebook{Source: name}
	p := csvParser{file: name, cb: cb, codes: map[string]*csvCode{}}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			add(csvError(name, err))
			return nil
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(header) {
			add(&Error{File: name, Line: line, Msg: fmt.Sprintf("the row has %d cells, the header %d", len(rec), len(header))})
			continue
		}
		blank, stray := true, false
		for i, v := range rec {
			if strings.TrimSpace(v) == "" {
				continue
			}
			blank = false
			if strings.TrimSpace(header[i]) == "" {
				add(&Error{File: name, Line: line, Msg: fmt.Sprintf("a value in column %d, which has no header", i+1)})
				stray = true
				break
			}
		}
		if blank || stray {
			continue
		}
		cell := func(f string) (string, int) {
			i, ok := col[f]
			if !ok {
				return "", line
			}
			l, _ := r.FieldPos(i)
			return strings.TrimSpace(rec[i]), l
		}
		if err := p.row(line, cell); err != nil {
			add(err.(*Error))
		}
	}
	if len(cb.Codes) == 0 {
		if len(*errs) == 0 {
			add(&Error{File: name, Msg: "no codes"})
		}
		return nil
	}
	return cb
}

// csvCode remembers which row set a code's single-valued fields, so a
// conflict can name both rows.
type csvCode struct {
	*Code
	declared                   bool // a row names this code itself
	descLine, unitLine, spLine int
}

type csvParser struct {
	file  string
	cb    *Codebook
	codes map[string]*csvCode // by path
}

func (p *csvParser) row(line int, cell func(field string) (string, int)) error {
	path, _ := cell("code")
	if path == "" {
		return &Error{File: p.file, Line: line, Msg: "the row has no code path"}
	}
	c, err := p.code(line, path)
	if err != nil {
		return err
	}
	fail := func(msg string) error { return &Error{File: p.file, Line: line, Code: c.Name, Msg: msg} }

	if d, _ := cell("description"); d != "" {
		if c.descLine > 0 && c.Description != d {
			return fail(fmt.Sprintf("description differs from the one on line %d (give it once, or the same on every row)", c.descLine))
		}
		if c.descLine == 0 {
			c.Description, c.descLine = d, line
		}
	}
	if u, _ := cell("unit"); u != "" {
		if u != UnitSentence && u != UnitTurn {
			return fail(fmt.Sprintf("unit %q: use sentence or turn", u))
		}
		if c.unitLine > 0 && c.Unit != u {
			return fail(fmt.Sprintf("unit %q differs from unit %q on line %d", u, c.Unit, c.unitLine))
		}
		c.Unit, c.unitLine = u, line
	}
	if s, _ := cell("speakers"); s != "" {
		sp := splitSpeakers(s)
		if c.spLine > 0 && !slices.Equal(c.Speakers, sp) {
			return fail(fmt.Sprintf("speakers differ from those on line %d", c.spLine))
		}
		c.Speakers, c.spLine = sp, line
	}
	if k, l := cell("keyword"); k != "" {
		c.Keywords = append(c.Keywords, Rule{Query: k, Line: l})
	}
	if x, l := cell("exclude"); x != "" {
		c.Exclude = append(c.Exclude, Rule{Query: x, Line: l})
	}
	if x, _ := cell("example"); x != "" {
		c.Examples = append(c.Examples, x)
	}
	return nil
}

// code finds or creates the code at path and its parents. A code's line is
// the first row that names it, or else the first row that implies it.
func (p *csvParser) code(line int, path string) (*csvCode, error) {
	parts := strings.Split(path, "/")
	var c *csvCode
	key := ""
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, &Error{File: p.file, Line: line, Msg: fmt.Sprintf("code path %q has an empty part", path)}
		}
		if i > 0 {
			key += "/"
		}
		key += part
		next := p.codes[key]
		if next == nil {
			next = &csvCode{Code: &Code{Name: part, Line: line}}
			p.codes[key] = next
			if c == nil {
				p.cb.Codes = append(p.cb.Codes, next.Code)
			} else {
				c.Codes = append(c.Codes, next.Code)
			}
		}
		c = next
	}
	if !c.declared {
		c.declared, c.Line = true, line
	}
	return c, nil
}

// splitSpeakers splits a speakers cell at commas or semicolons.
func splitSpeakers(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func csvError(file string, err error) *Error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote) {
			msg += ` (a cell holding quotes is quoted and its quotes doubled: """walking alongside""")`
		}
		return &Error{File: file, Line: pe.Line, Msg: msg}
	}
	return &Error{File: file, Msg: err.Error()}
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// WriteCSV writes cb as the table ParseCSV reads: per code, as many rows
// as its longest list (keywords, exclusions, examples), the description,
// speakers and unit on the first. Cells are trimmed, as ParseCSV trims them. A code with children but nothing of its
// own still gets a row, so its place in the tree is kept.
func WriteCSV(w io.Writer, cb *Codebook) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"code path", "description", "keyword", "exclude", "speakers", "unit", "example"})
	at := func(rs []Rule, i int) string {
		if i < len(rs) {
			return rs[i].Query
		}
		return ""
	}
	for _, c := range cb.All() {
		for _, s := range c.Speakers {
			if strings.ContainsAny(s, ",;") {
				return &Error{File: cb.Source, Line: c.Line, Code: c.Name, Msg: fmt.Sprintf("speaker %q holds a comma or semicolon, which separate speakers in a table", s)}
			}
		}
		n := max(1, len(c.Keywords), len(c.Exclude), len(c.Examples))
		for i := range n {
			row := []string{c.Path, "", at(c.Keywords, i), at(c.Exclude, i), "", "", ""}
			if i == 0 {
				row[1], row[4] = strings.TrimSpace(c.Description), strings.Join(c.Speakers, "; ")
				if c.Unit == UnitTurn {
					row[5] = c.Unit
				}
			}
			if i < len(c.Examples) {
				row[6] = c.Examples[i]
			}
			cw.Write(row)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing codebook %s: %w", cb.Source, err)
	}
	return nil
}
