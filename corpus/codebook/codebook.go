package codebook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
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
	Codes       []*Code
	Path        string // names from the root joined with "/"
	Line        int    // where the code starts in its file (0 when unknown)
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

// finish sets paths and default units, and checks names: non-empty, no
// "/", unique among siblings.
func (cb *Codebook) finish() error {
	var walk func(prefix string, cs []*Code) error
	walk = func(prefix string, cs []*Code) error {
		seen := map[string]bool{}
		for _, c := range cs {
			c.Name = strings.TrimSpace(c.Name)
			if c.Name == "" {
				return &Error{File: cb.Source, Line: c.Line, Msg: "a code has no name"}
			}
			if strings.Contains(c.Name, "/") {
				return &Error{File: cb.Source, Line: c.Line, Code: c.Name, Msg: `a name cannot hold "/" (it separates the parts of a code path)`}
			}
			if seen[c.Name] {
				return &Error{File: cb.Source, Line: c.Line, Code: c.Name, Msg: "two codes with this name under the same parent"}
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
				return &Error{File: cb.Source, Line: c.Line, Code: c.Name, Msg: fmt.Sprintf("unit %q: use sentence or turn", c.Unit)}
			}
			for i, r := range c.Keywords {
				if strings.TrimSpace(r.Query) == "" {
					return &Error{File: cb.Source, Line: r.Line, Code: c.Name, Msg: fmt.Sprintf("keyword %d is empty", i+1)}
				}
			}
			if err := walk(c.Path, c.Codes); err != nil {
				return err
			}
		}
		return nil
	}
	return walk("", cb.Codes)
}

// Read reads a codebook file, choosing the reader by extension: .yaml or
// .yml, .csv, .qdc.
func Read(path string) (*Codebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading codebook: %w", err)
	}
	name := filepath.Base(path)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return ParseYAML(name, data)
	case ".csv":
		return ParseCSV(name, data)
	case ".qdc":
		return ParseQDC(name, data)
	}
	return nil, fmt.Errorf("reading codebook %s: unknown format (use .yaml, .csv or .qdc)", name)
}
