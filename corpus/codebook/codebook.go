package codebook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Units a code's candidates may span.
const (
	UnitSentence = "sentence"
	UnitTurn     = "turn"
)

// Codebook is a tree of codes.
type Codebook struct {
	Name   string
	Source string // file name, for messages
	Codes  []*Code
}

// Code is one theme, subtheme or code.
type Code struct {
	Name        string
	Description string
	Keywords    []Rule   // a passage matching any of these is proposed
	Exclude     []Rule   // a passage matching any of these is not
	Speakers    []string // only these speakers' turns (labels or keys); empty: all
	Unit        string   // UnitSentence (default) or UnitTurn
	// Examples are typical wording or anchor examples (as in qualitative
	// content analysis): what a passage of this code sounds like. They
	// weigh in relevance and suggestions, not in keyword matching.
	Examples []string
	Codes    []*Code
	Path     string // names from the root joined with "/"
	Line     int    // where the code starts in its file (0 when unknown)
}

// Rule is one keyword or exclusion: a query in Alongside's language.
type Rule struct {
	Query string
	Line  int
}

// Error is a problem in a codebook file, at a line when known.
type Error struct {
	File string
	Line int
	Code string // the code's name, when the problem is in one
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Code != "" {
		fmt.Fprintf(&b, "code %q: ", e.Code)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors are all the problems found in one codebook file, in file order.
// Readers return a lone problem as an *Error and several as Errors, so
// that errors.As finds an *Error either way.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// err returns nil, the one *Error, or all of them, sorted by line (the
// problems of the whole file, line 0, first).
func (es Errors) err() error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return es
}

// All returns every code in the tree, parents before children, in file
// order.
func (cb *Codebook) All() []*Code {
	var out []*Code
	var walk func([]*Code)
	walk = func(cs []*Code) {
		for _, c := range cs {
			out = append(out, c)
			walk(c.Codes)
		}
	}
	walk(cb.Codes)
	return out
}

// Find returns the code at path, or nil.
func (cb *Codebook) Find(path string) *Code {
	for _, c := range cb.All() {
		if c.Path == path {
			return c
		}
	}
	return nil
}

// RulesHash identifies what a code matches: its keywords, exclusions,
// speakers and unit. A change of description or of line leaves it alone,
// so only codes whose rules changed are matched again.
func (c *Code) RulesHash() string {
	h := sha256.New()
	for _, r := range c.Keywords {
		fmt.Fprintf(h, "k %q\n", r.Query)
	}
	for _, r := range c.Exclude {
		fmt.Fprintf(h, "x %q\n", r.Query)
	}
	for _, s := range c.Speakers {
		fmt.Fprintf(h, "s %q\n", s)
	}
	fmt.Fprintf(h, "u %q\n", c.unit())
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Code) unit() string {
	if c.Unit == "" {
		return UnitSentence
	}
	return c.Unit
}

// Version identifies the whole codebook: the paths and rules of its codes.
func (cb *Codebook) Version() string {
	h := sha256.New()
	for _, c := range cb.All() {
		fmt.Fprintf(h, "%q %s\n", c.Path, c.RulesHash())
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// finish sets paths and default units, and checks names (non-empty, no
// "/", unique among siblings), units and keywords, adding every problem
// to errs.
func (cb *Codebook) finish(errs *Errors) {
	add := func(line int, code, msg string) {
		*errs = append(*errs, &Error{File: cb.Source, Line: line, Code: code, Msg: msg})
	}
	var walk func(prefix string, cs []*Code)
	walk = func(prefix string, cs []*Code) {
		seen := map[string]bool{}
		for _, c := range cs {
			c.Name = strings.TrimSpace(c.Name)
			switch {
			case c.Name == "":
				add(c.Line, "", "a code has no name")
			case strings.Contains(c.Name, "/"):
				add(c.Line, c.Name, `a name cannot hold "/" (it separates the parts of a code path)`)
			case seen[c.Name]:
				add(c.Line, c.Name, "two codes with this name under the same parent")
			}
			seen[c.Name] = true
			c.Path = c.Name
			if prefix != "" {
				c.Path = prefix + "/" + c.Name
			}
			switch c.Unit {
			case "":
				c.Unit = UnitSentence
			case UnitSentence, UnitTurn:
			default:
				add(c.Line, c.Name, fmt.Sprintf("unit %q: use sentence or turn", c.Unit))
			}
			for i, r := range c.Keywords {
				if strings.TrimSpace(r.Query) == "" {
					add(r.Line, c.Name, fmt.Sprintf("keyword %d is empty", i+1))
				}
			}
			walk(c.Path, c.Codes)
		}
	}
	walk("", cb.Codes)
}

// checkRules checks every keyword and exclusion with query (the query
// language's parser, which this package does not know), adding each bad
// one to errs at its line, as
// codebook.yaml:14: code "Advocating": keyword 2: query: unclosed quote at column 9.
func (cb *Codebook) checkRules(query func(string) error, errs *Errors) {
	for _, c := range cb.All() {
		for _, kind := range []struct {
			name  string
			rules []Rule
		}{{"keyword", c.Keywords}, {"exclude", c.Exclude}} {
			for i, r := range kind.rules {
				if strings.TrimSpace(r.Query) == "" {
					continue // finish says so
				}
				if err := query(r.Query); err != nil {
					*errs = append(*errs, &Error{File: cb.Source, Line: r.Line, Code: c.Name, Msg: fmt.Sprintf("%s %d: %v", kind.name, i+1, err)})
				}
			}
		}
	}
}

// Read reads a codebook file, choosing the reader by extension: .yaml or
// .yml, .csv, .qdc. It reports every problem in the file's shape (Errors),
// not only the first.
func Read(path string) (*Codebook, error) {
	return Check(path, nil)
}

// Check reads a codebook file like Read and, with query, checks every
// keyword and exclusion as a query too: it reports every problem in the
// file, each at its line, so the analyst can mend them all in one go.
func Check(path string, query func(string) error) (*Codebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading codebook: %w", err)
	}
	name := filepath.Base(path)
	var parse func(string, []byte, *Errors) *Codebook
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		parse = parseYAML
	case ".csv":
		parse = parseCSV
	case ".qdc":
		parse = parseQDC
	default:
		return nil, fmt.Errorf("reading codebook %s: unknown format (use .yaml, .csv or .qdc)", name)
	}
	var errs Errors
	return done(parse(name, data, &errs), &errs, query)
}

// done finishes what a reader found (cb is nil when nothing could be read)
// and returns the codebook, or every problem found in the file.
func done(cb *Codebook, errs *Errors, query func(string) error) (*Codebook, error) {
	if cb != nil {
		cb.finish(errs)
		if query != nil {
			cb.checkRules(query, errs)
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return cb, nil
}
