package corpus

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// TableOptions names the columns of a CSV or TSV utterance table; empty
// names are guessed from the header.
type TableOptions struct {
	Text, Speaker, Time, Order, Group string
	// End names a column of turn end times, and Title a column whose value
	// titles each transcript; both are optional.
	End, Title string
}

// A table role is what a column means to the reader. The guesses are
// compared as header keys (see headerKey), best first.
var tableRoles = []struct {
	name    string // the TableOptions field, for messages
	opt     func(TableOptions) string
	guesses []string
}{
	{"Text", func(o TableOptions) string { return o.Text }, []string{"utterance_text", "text", "utterance", "transcript text", "content"}},
	{"Speaker", func(o TableOptions) string { return o.Speaker }, []string{"interlocutor", "speaker", "name", "participant"}},
	{"Time", func(o TableOptions) string { return o.Time }, []string{"timestamp", "time", "start", "start_time", "timespan"}},
	{"End", func(o TableOptions) string { return o.End }, []string{"end", "end_time", "stop"}},
	{"Order", func(o TableOptions) string { return o.Order }, []string{"utterance_id", "order", "turn", "line", "index", "seq"}},
	{"Group", func(o TableOptions) string { return o.Group }, []string{"transcript_id", "transcript", "conversation", "session", "interview", "document", "file"}},
	{"Title", func(o TableOptions) string { return o.Title }, []string{"video_title", "title"}},
}

// Indexes into tableRoles and tableColumns.
const (
	colText = iota
	colSpeaker
	colTime
	colEnd
	colOrder
	colGroup
	colTitle
	numRoles
)

// tableColumns holds the header index of each role, -1 when the table has
// no such column.
type tableColumns [numRoles]int

// headerKey makes header names comparable: "Utterance Text",
// "utterance_text" and "UTTERANCE-TEXT" are all "utterance-text".
func headerKey(name string) string { return SpeakerKey(name) }

// resolveColumns finds each role's column: the option's column when set
// (an error when the header lacks it), else the first guess the header has
// that no other role took.
func resolveColumns(header []string, opts TableOptions) (tableColumns, error) {
	var cols tableColumns
	taken := make([]bool, len(header))
	find := func(name string) int {
		for i, h := range header {
			if !taken[i] && strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
				return i
			}
		}
		k := headerKey(name)
		for i, h := range header {
			if !taken[i] && k != "" && headerKey(h) == k {
				return i
			}
		}
		return -1
	}
	// Named columns first, so that a guess never takes a column the user
	// named for another role.
	for r, role := range tableRoles {
		cols[r] = -1
		if name := role.opt(opts); name != "" {
			if cols[r] = find(name); cols[r] < 0 {
				return cols, fmt.Errorf("no column %q (the table's %s option) in the header %s", name, role.name, quoteHeader(header))
			}
			taken[cols[r]] = true
		}
	}
	for r, role := range tableRoles {
		if role.opt(opts) != "" {
			continue
		}
		for _, g := range role.guesses {
			if i := find(g); i >= 0 {
				cols[r], taken[i] = i, true
				break
			}
		}
	}
	if cols[colText] < 0 {
		return cols, fmt.Errorf("no text column in the header %s (the first row is taken as the header): name the column of utterance text with the table's Text option", quoteHeader(header))
	}
	return cols, nil
}

func quoteHeader(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// tableRow is one data row with the line it starts on.
type tableRow struct {
	line   int
	fields []string
}

// tableGroup is the rows of one transcript.
type tableGroup struct {
	key  string
	rows []tableRow
}

// parseTable reads CSV and TSV utterance tables: one row per utterance
// (rows are never merged, even when one speaker has several in a row), one
// transcript per value of the group column.
func parseTable(src source, opts TableOptions) ([]*Transcript, error) {
	r := csv.NewReader(strings.NewReader(src.text))
	r.FieldsPerRecord = -1 // ragged rows get our own message
	if src.ext != "csv" {  // .tsv, and NVivo's tab-separated .txt
		r.Comma = '\t'
		// TSV writers seldom quote, so quotes inside text are common.
		r.LazyQuotes = true
	}
	header, err := r.Read()
	if err == io.EOF {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, csvError(err)
	}
	headerLine, _ := r.FieldPos(0) // blank lines before it are skipped
	cols, err := resolveColumns(header, opts)
	if err != nil {
		return nil, &FileError{Line: headerLine, Err: err}
	}

	var rows []tableRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(header) {
			return nil, &FileError{Line: line, Err: fmt.Errorf("row has %d fields, header has %d", len(rec), len(header))}
		}
		if blankRow(rec) {
			continue // spreadsheets export empty rows as ",,,"
		}
		rows = append(rows, tableRow{line: line, fields: rec})
	}
	if len(rows) == 0 {
		return nil, &FileError{Line: headerLine, Err: errors.New("the table has a header but no rows")}
	}

	groups, err := groupRows(rows, header, cols)
	if err != nil {
		return nil, err
	}
	var out []*Transcript
	for _, g := range groups {
		t, err := tableTranscript(src, header, cols, g)
		if errors.Is(err, ErrNoTurns) {
			continue // a group whose rows have no text is not a transcript
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, ErrNoTurns
	}
	return out, nil
}

// csvError turns an encoding/csv error into a FileError at the line where
// the bad field starts.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	if pe.StartLine != pe.Line {
		return &FileError{Line: pe.StartLine, Err: fmt.Errorf("%w (found at line %d, column %d)", pe.Err, pe.Line, pe.Column)}
	}
	return &FileError{Line: pe.Line, Err: fmt.Errorf("column %d: %w", pe.Column, pe.Err)}
}

func blankRow(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// groupRows splits rows into transcripts and sorts each by the order
// column. Groups sort numerically when every key is a number, else as
// strings, so the output does not depend on the row order.
func groupRows(rows []tableRow, header []string, cols tableColumns) ([]*tableGroup, error) {
	gc := cols[colGroup]
	if gc < 0 {
		g := &tableGroup{rows: rows}
		return []*tableGroup{g}, sortRows(g, header, cols)
	}
	byKey := map[string]*tableGroup{}
	var groups []*tableGroup
	for _, row := range rows {
		key := strings.TrimSpace(row.fields[gc])
		if key == "" {
			return nil, &FileError{Line: row.line, Err: fmt.Errorf("empty value in the group column %q", header[gc])}
		}
		g := byKey[key]
		if g == nil {
			g = &tableGroup{key: key}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, row)
	}
	keys := make([]string, len(groups))
	for i, g := range groups {
		keys[i] = g.key
	}
	less := orderLess(keys)
	sort.SliceStable(groups, func(i, j int) bool { return less(groups[i].key, groups[j].key) })
	for _, g := range groups {
		if err := sortRows(g, header, cols); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

// sortRows sorts a group's rows by the order column, if there is one, and
// rejects a value seen twice: two rows claiming the same place.
func sortRows(g *tableGroup, header []string, cols tableColumns) error {
	oc := cols[colOrder]
	if oc < 0 {
		return nil
	}
	vals := make([]string, len(g.rows))
	for i, row := range g.rows {
		vals[i] = strings.TrimSpace(row.fields[oc])
	}
	less := orderLess(vals)
	sort.SliceStable(g.rows, func(i, j int) bool {
		return less(strings.TrimSpace(g.rows[i].fields[oc]), strings.TrimSpace(g.rows[j].fields[oc]))
	})
	for i := 1; i < len(g.rows); i++ {
		a, b := strings.TrimSpace(g.rows[i-1].fields[oc]), strings.TrimSpace(g.rows[i].fields[oc])
		if !less(a, b) && !less(b, a) {
			first, again := g.rows[i-1].line, g.rows[i].line
			if first > again {
				first, again = again, first
			}
			where := ""
			if g.key != "" {
				where = fmt.Sprintf(" in %s %q", header[cols[colGroup]], g.key)
			}
			return &FileError{Line: again, Err: fmt.Errorf("%s %q%s is also on line %d", header[oc], b, where, first)}
		}
	}
	return nil
}

// orderLess compares values numerically when all of vals are numbers
// ("2" before "10"), else as strings.
func orderLess(vals []string) func(a, b string) bool {
	for _, v := range vals {
		if _, ok := tableNumber(v); !ok {
			return func(a, b string) bool { return a < b }
		}
	}
	return func(a, b string) bool {
		x, _ := tableNumber(a)
		y, _ := tableNumber(b)
		return x < y
	}
}

// tableNumber parses plain decimal numbers such as "12" or "-3.5"; it refuses
// the other spellings strconv accepts ("1e3", "0x1F", "Inf").
func tableNumber(s string) (float64, bool) {
	digits, dot := 0, false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case c == '-' && i == 0:
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0)
}

// tableTranscript renders one group as a transcript.
func tableTranscript(src source, header []string, cols tableColumns, g *tableGroup) (*Transcript, error) {
	id := src.id
	if cols[colGroup] >= 0 {
		id = src.id + "/" + g.key
	}
	var r renderer
	for _, row := range g.rows {
		start, end, err := tableTimes(row, header, cols)
		if err != nil {
			return nil, err
		}
		speaker := ""
		if c := cols[colSpeaker]; c >= 0 {
			speaker = strings.Join(strings.Fields(row.fields[c]), " ") // a label is one line
		}
		r.add(speaker, row.fields[cols[colText]], start, end, row.line)
	}
	title := id
	if c := cols[colTitle]; c >= 0 {
		for _, row := range g.rows {
			if v := strings.Join(strings.Fields(row.fields[c]), " "); v != "" {
				title = v
				break
			}
		}
	}
	return build(src, id, title, r.text(), r.turns, tableMetadata(src, header, cols, g))
}

// tableSpan is a time span as NVivo writes it: "0:00:03.2 - 0:00:04.1"
// (the spaces are optional).
var tableSpan = lazyRegexp(`^\s*(\d[\d:.,]*)\s*-\s*(\d[\d:.,]*)\s*$`)

// tableTimes reads a row's start and end: the time column, which may hold
// a span, and the end column.
func tableTimes(row tableRow, header []string, cols tableColumns) (start, end time.Duration, err error) {
	if c := cols[colTime]; c >= 0 {
		if m := tableSpan().FindStringSubmatch(row.fields[c]); m != nil {
			if start, err = parseTableTime(m[1]); err == nil {
				end, err = parseTableTime(m[2])
			}
			if err == nil && end < start {
				err = fmt.Errorf("span %q ends before it starts", strings.TrimSpace(row.fields[c]))
			}
			if err != nil {
				return 0, 0, &FileError{Line: row.line, Err: fmt.Errorf("column %q: %w", header[c], err)}
			}
			if cols[colEnd] < 0 || strings.TrimSpace(row.fields[cols[colEnd]]) == "" {
				return start, end, nil
			}
			end, err = tableTime(row, header, cols[colEnd])
			return start, end, err
		}
	}
	if start, err = tableTime(row, header, cols[colTime]); err != nil {
		return 0, 0, err
	}
	end, err = tableTime(row, header, cols[colEnd])
	return start, end, err
}

// tableTime reads the time in column c of row; NoTime when there is no such
// column or the cell is empty.
func tableTime(row tableRow, header []string, c int) (time.Duration, error) {
	if c < 0 {
		return NoTime, nil
	}
	d, err := parseTableTime(row.fields[c])
	if err != nil {
		return 0, &FileError{Line: row.line, Err: fmt.Errorf("column %q: %w", header[c], err)}
	}
	return d, nil
}

// maxTableTime bounds table times so that they fit a time.Duration with room
// to spare; no recording is a century long.
const maxTableTime = 100 * 365 * 24 * time.Hour

// parseTableTime reads HH:MM:SS, MM:SS or plain seconds, each with an optional
// fraction after "." or ",", as in SRT. Empty is NoTime. The last field may
// have more digits than usual ("00:09:025" is 9 min 25 s: AnnoMI has one).
func parseTableTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return NoTime, nil
	}
	bad := fmt.Errorf("bad time %q: want HH:MM:SS, MM:SS or seconds", s)
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, bad
	}
	last := parts[len(parts)-1]
	frac := ""
	if i := strings.IndexAny(last, ".,"); i >= 0 {
		last, frac = last[:i], last[i+1:]
		if frac == "" {
			return 0, bad
		}
	}
	parts[len(parts)-1] = last
	var total time.Duration
	for i, p := range parts {
		n, ok := tableDigits(p)
		// Minutes and seconds under a larger unit stay below 60.
		if !ok || (i > 0 && n >= 60) {
			return 0, bad
		}
		total = total*60 + time.Duration(n)*time.Second
		if total > maxTableTime {
			return 0, fmt.Errorf("time %q is too large", s)
		}
	}
	if frac != "" {
		n, ok := tableDigits(frac)
		if !ok {
			return 0, bad
		}
		if len(frac) > 9 {
			frac = frac[:9] // below a nanosecond
			n, _ = tableDigits(frac)
		}
		for k := len(frac); k < 9; k++ {
			n *= 10
		}
		total += time.Duration(n)
	}
	return total, nil
}

// tableDigits parses a run of ASCII digits, at most 12 of them.
func tableDigits(s string) (int64, bool) {
	if s == "" || len(s) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// tableMetadata keeps the values of the group's other columns that are the
// same on every row (topic, quality, source URL...), and the format.
func tableMetadata(src source, header []string, cols tableColumns, g *tableGroup) map[string]string {
	role := make([]bool, len(header))
	for r, c := range cols {
		if c >= 0 && r != colTitle {
			role[c] = true
		}
	}
	meta := map[string]string{}
	seen := map[string]bool{}
	for c, name := range header {
		name = strings.TrimSpace(name)
		if role[c] || name == "" || seen[name] {
			continue // the first of two same-named columns counts
		}
		seen[name] = true
		v := strings.TrimSpace(g.rows[0].fields[c])
		same := v != ""
		for _, row := range g.rows[1:] {
			if !same {
				break
			}
			same = strings.TrimSpace(row.fields[c]) == v
		}
		if same {
			meta[name] = v
		}
	}
	// A table's own "format" column is the user's data and wins; the file
	// format is in Transcript.Format too.
	if _, ok := meta["format"]; !ok {
		meta["format"] = src.ext
	}
	return meta
}
