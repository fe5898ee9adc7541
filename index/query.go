package index

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Node is a parsed query: a plain-data tree whose String prints it back in
// the query language.
type Node interface {
	String() string
	node()
}

// Word matches a word in any inflection (stemmed), or, when Exact, in
// exactly this form (case aside).
type Word struct {
	Text  string
	Exact bool
}

// Prefix matches words starting with Text (exact forms, case aside).
type Prefix struct{ Text string }

// Phrase matches its words in order, adjacent, inside one sentence. With
// Near >= 0 it matches them in any order inside one sentence, with at most
// Near other words between the first and the last ("walk alongside"~3).
type Phrase struct {
	Words []string
	Exact bool
	Near  int // -1: a plain phrase
}

// And matches passages that every node matches.
type And struct{ Nodes []Node }

// Or matches passages that any node matches.
type Or struct{ Nodes []Node }

// Not matches passages that Node does not match.
type Not struct{ Node Node }

// Field filters on a passage's speaker (key) or transcript ID; a Value
// ending in "*" matches by prefix. Other names (role, participant, and the
// attribute columns of the participants sheet, such as site) are filters
// on who speaks that the index cannot answer alone: the caller resolves
// them into speaker and transcript filters before compiling (see
// stages.Speakers.Resolve).
type Field struct {
	Name  string // speaker | transcript | role | participant | an attribute
	Value string
}

func (Word) node()   {}
func (Prefix) node() {}
func (Phrase) node() {}
func (And) node()    {}
func (Or) node()     {}
func (Not) node()    {}
func (Field) node()  {}

func (w Word) String() string {
	if w.Exact {
		return "=" + w.Text
	}
	return w.Text
}

func (p Prefix) String() string { return p.Text + "*" }

func (p Phrase) String() string {
	s := `"` + strings.Join(p.Words, " ") + `"`
	if p.Exact {
		s = "=" + s
	}
	if p.Near >= 0 {
		s += "~" + strconv.Itoa(p.Near)
	}
	return s
}

func (a And) String() string {
	return join(a.Nodes, " AND ", func(n Node) bool { _, or := n.(Or); return or })
}
func (o Or) String() string { return join(o.Nodes, " OR ", func(Node) bool { return false }) }

func (n Not) String() string {
	switch n.Node.(type) {
	case And, Or:
		return "NOT (" + n.Node.String() + ")"
	}
	return "NOT " + n.Node.String()
}

func (f Field) String() string {
	if needsQuotes(f.Value) {
		return f.Name + `:"` + f.Value + `"`
	}
	return f.Name + ":" + f.Value
}

func join(nodes []Node, sep string, paren func(Node) bool) string {
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		parts[i] = n.String()
		if paren(n) {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

func needsQuotes(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if unicode.IsSpace(r) || strings.ContainsRune(`()":~=`, r) {
			return true
		}
	}
	return isOperator(s)
}

func isOperator(s string) bool { return s == "AND" || s == "OR" || s == "NOT" }

// QueryError is a malformed query; Column is 1-based, in characters.
type QueryError struct {
	Column int
	Msg    string
}

func (e *QueryError) Error() string { return fmt.Sprintf("query: %s at column %d", e.Msg, e.Column) }

// Fields are the field filters the index answers itself.
var Fields = []string{"speaker", "transcript"}

// IsIndexField says whether the index answers a field filter itself.
func IsIndexField(name string) bool { return name == "speaker" || name == "transcript" }

// Parse parses a query:
//
//	flexible              the word in any inflection
//	"walking alongside"   the phrase, each word in any inflection
//	=walking, ="a b"      exact word forms
//	walk*                 words starting with walk
//	"walk alongside"~3    the words in any order, at most 3 words between
//	a AND b, a OR b, NOT a, ( )   (a space between terms means AND)
//	speaker:client, transcript:fg-03
//	role:participant, participant:P03, site:Drammen (resolved by the caller)
//
// AND binds tighter than OR. Operators are upper case (Warnings flags a
// lower-case one); case never matters in words or field values.
func Parse(q string) (Node, error) {
	p := &parser{src: q}
	p.lex()
	if p.err != nil {
		return nil, p.err
	}
	if len(p.toks) == 0 {
		return nil, &QueryError{Column: 1, Msg: "empty query"}
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if t.kind == tokRParen {
			return nil, &QueryError{Column: t.col, Msg: "unmatched )"}
		}
		return nil, &QueryError{Column: t.col, Msg: fmt.Sprintf("unexpected %s", t.describe())}
	}
	return n, nil
}

// Warning is something in a valid query that may not mean what it seems;
// the query runs as written. Column is 1-based, in characters.
type Warning struct {
	Column int
	Msg    string
}

func (w Warning) String() string { return fmt.Sprintf("query: %s (column %d)", w.Msg, w.Column) }

// Warnings lists what in q may not mean what it seems: a lower-case (or
// mixed-case) and, or, not between terms is searched as a word, because
// operators are upper case ("quit or cut down" asks for all four words).
// A malformed query has no warnings; Parse says what is wrong with it.
func Warnings(q string) []Warning {
	p := &parser{src: q}
	p.lex()
	if p.err != nil {
		return nil
	}
	// A term ends before the word and another starts after it.
	ends := func(i int) bool {
		return i >= 0 && (p.toks[i].kind == tokWord || p.toks[i].kind == tokPhrase || p.toks[i].kind == tokRParen)
	}
	starts := func(i int) bool {
		return i < len(p.toks) && (p.toks[i].kind == tokWord || p.toks[i].kind == tokPhrase || p.toks[i].kind == tokLParen || p.toks[i].kind == tokNot)
	}
	var out []Warning
	for i, t := range p.toks {
		if t.kind != tokWord || t.field != "" || t.exact {
			continue
		}
		op := strings.ToUpper(t.text)
		if !isOperator(op) || !starts(i+1) {
			continue
		}
		var msg string
		switch {
		case op == "NOT":
			msg = fmt.Sprintf("%q is searched as a word; write NOT to leave out what the next term matches", t.text)
		case !ends(i - 1):
			continue
		case op == "OR":
			msg = fmt.Sprintf("%q is searched as a word; write OR to match either term", t.text)
		default:
			msg = fmt.Sprintf("%q is searched as a word; write AND for the operator, or leave it out (a space between terms means AND)", t.text)
		}
		out = append(out, Warning{Column: t.col, Msg: msg})
	}
	return out
}

type tokKind int

const (
	tokWord   tokKind = iota // a bare word, possibly with a trailing *
	tokPhrase                // "..."
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot
)

type token struct {
	kind  tokKind
	text  string
	col   int  // 1-based
	exact bool // preceded by =
	near  int  // ~N after a phrase, -1 if none
	field string
}

func (t token) describe() string {
	switch t.kind {
	case tokLParen:
		return "("
	case tokRParen:
		return ")"
	case tokPhrase:
		return "phrase"
	}
	return strconv.Quote(t.text)
}

type parser struct {
	src  string
	toks []token
	pos  int
	err  error
}

// lex splits the query into tokens, recording each one's column.
func (p *parser) lex() {
	rs := []rune(p.src)
	i := 0
	fail := func(col int, msg string) { p.err = &QueryError{Column: col, Msg: msg} }
	for i < len(rs) && p.err == nil {
		r := rs[i]
		col := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(':
			p.toks = append(p.toks, token{kind: tokLParen, col: col})
			i++
		case r == ')':
			p.toks = append(p.toks, token{kind: tokRParen, col: col})
			i++
		default:
			t := token{col: col, near: -1}
			// field:
			if j := fieldEnd(rs, i); j > i {
				t.field = strings.ToLower(string(rs[i:j]))
				i = j + 1
				if i >= len(rs) || unicode.IsSpace(rs[i]) || rs[i] == ')' {
					fail(col, fmt.Sprintf("%s: needs a value", t.field))
					return
				}
			}
			if rs[i] == '=' {
				t.exact = true
				i++
				if i >= len(rs) || unicode.IsSpace(rs[i]) {
					fail(i, "= needs a word or phrase after it")
					return
				}
			}
			if rs[i] == '"' {
				end := i + 1
				for end < len(rs) && rs[end] != '"' {
					end++
				}
				if end >= len(rs) {
					fail(i+1, "unclosed quote")
					return
				}
				t.kind, t.text = tokPhrase, string(rs[i+1:end])
				i = end + 1
				if i < len(rs) && rs[i] == '~' {
					j := i + 1
					for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
						j++
					}
					if j == i+1 {
						fail(i+1, "~ needs a number")
						return
					}
					n, err := strconv.Atoi(string(rs[i+1 : j]))
					if err != nil || n > 1000 {
						fail(i+2, "~N: number too large")
						return
					}
					t.near = n
					i = j
				}
				if i < len(rs) && !unicode.IsSpace(rs[i]) && rs[i] != ')' && rs[i] != '(' {
					fail(i+1, fmt.Sprintf("unexpected %q after phrase", rs[i]))
					return
				}
			} else {
				end := i
				for end < len(rs) && !unicode.IsSpace(rs[end]) && !strings.ContainsRune(`()"`, rs[end]) {
					end++
				}
				word := string(rs[i:end])
				if strings.ContainsAny(word, "~=") {
					fail(col, fmt.Sprintf("unexpected %q in %q", strings.TrimLeft(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'-*"), word))
					return
				}
				if end < len(rs) && rs[end] == '"' {
					fail(end+1, "unexpected quote inside a word")
					return
				}
				t.kind, t.text = tokWord, word
				i = end
				if t.field == "" && !t.exact {
					switch word {
					case "AND":
						t.kind = tokAnd
					case "OR":
						t.kind = tokOr
					case "NOT":
						t.kind = tokNot
					}
				}
			}
			p.toks = append(p.toks, t)
		}
	}
}

// fieldEnd returns the index of the ':' ending a field name at rs[i:], or i
// when there is none.
func fieldEnd(rs []rune, i int) int {
	j := i
	for j < len(rs) && (unicode.IsLetter(rs[j])) {
		j++
	}
	if j > i && j < len(rs) && rs[j] == ':' {
		return j
	}
	return i
}

func (p *parser) peek() *token {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *parser) or() (Node, error) {
	var nodes []Node
	for {
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
		t := p.peek()
		if t == nil || t.kind != tokOr {
			break
		}
		p.pos++
		if p.peek() == nil {
			return nil, &QueryError{Column: t.col, Msg: "OR needs a term after it"}
		}
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	return Or{Nodes: flatten[Or](nodes)}, nil
}

func (p *parser) and() (Node, error) {
	var nodes []Node
	for {
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
		t := p.peek()
		if t == nil || t.kind == tokOr || t.kind == tokRParen {
			break
		}
		if t.kind == tokAnd {
			p.pos++
			if p.peek() == nil {
				return nil, &QueryError{Column: t.col, Msg: "AND needs a term after it"}
			}
		}
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	return And{Nodes: flatten[And](nodes)}, nil
}

// flatten merges nested nodes of the same kind: a AND (b AND c) is one And.
func flatten[T And | Or](nodes []Node) []Node {
	var out []Node
	for _, n := range nodes {
		switch v := n.(type) {
		case T:
			out = append(out, children(v)...)
		default:
			out = append(out, n)
		}
	}
	return out
}

func children(n any) []Node {
	switch v := n.(type) {
	case And:
		return v.Nodes
	case Or:
		return v.Nodes
	}
	return nil
}

func (p *parser) unary() (Node, error) {
	t := p.peek()
	if t == nil {
		return nil, &QueryError{Column: utf8.RuneCountInString(p.src) + 1, Msg: "missing term"}
	}
	if t.kind == tokNot {
		p.pos++
		if p.peek() == nil {
			return nil, &QueryError{Column: t.col, Msg: "NOT needs a term after it"}
		}
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		if inner, ok := n.(Not); ok {
			return inner.Node, nil
		}
		return Not{Node: n}, nil
	}
	return p.primary()
}

func (p *parser) primary() (Node, error) {
	t := p.peek()
	p.pos++
	switch t.kind {
	case tokLParen:
		if nt := p.peek(); nt != nil && nt.kind == tokRParen {
			return nil, &QueryError{Column: t.col, Msg: "empty ( )"}
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c == nil || c.kind != tokRParen {
			return nil, &QueryError{Column: t.col, Msg: "unclosed ("}
		}
		p.pos++
		return n, nil
	case tokRParen:
		return nil, &QueryError{Column: t.col, Msg: "unmatched )"}
	case tokAnd, tokOr:
		return nil, &QueryError{Column: t.col, Msg: fmt.Sprintf("%s needs a term before it", t.text)}
	}
	if t.field != "" {
		if t.exact || t.near >= 0 {
			return nil, &QueryError{Column: t.col, Msg: fmt.Sprintf("%s: takes a plain value", t.field)}
		}
		if strings.TrimSpace(t.text) == "" {
			return nil, &QueryError{Column: t.col, Msg: fmt.Sprintf("%s: needs a value", t.field)}
		}
		return Field{Name: t.field, Value: t.text}, nil
	}
	if t.kind == tokPhrase {
		words := strings.Fields(t.text)
		if len(words) == 0 {
			return nil, &QueryError{Column: t.col, Msg: "empty phrase"}
		}
		if t.near >= 0 && len(words) < 2 {
			return nil, &QueryError{Column: t.col, Msg: "~N needs at least two words in the quotes"}
		}
		if t.near < 0 && len(words) == 1 && !needsQuotes(words[0]) && !strings.ContainsRune(words[0], '*') {
			return Word{Text: words[0], Exact: t.exact}, nil
		}
		return Phrase{Words: words, Exact: t.exact, Near: t.near}, nil
	}
	// A bare word.
	w := t.text
	if strings.HasSuffix(w, "*") {
		stem := strings.TrimRight(w, "*")
		if stem == "" || strings.Contains(stem, "*") {
			return nil, &QueryError{Column: t.col, Msg: "* must follow at least one letter"}
		}
		if t.exact {
			return nil, &QueryError{Column: t.col, Msg: "= and * do not go together (a prefix is always exact)"}
		}
		return Prefix{Text: stem}, nil
	}
	if strings.Contains(w, "*") {
		return nil, &QueryError{Column: t.col, Msg: "* only goes at the end of a word"}
	}
	return Word{Text: w, Exact: t.exact}, nil
}
