package codebook

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// The REFI-QDA codebook namespace (.qdc files).
const qdcNamespace = "urn:QDA-XML:codebook:1.0"

// REFI-QDA has no element for keywords, so a .qdc keeps a code's rules in
// its Description: the description text, a blank line, then one rule per
// line:
//
//	Being a companion on an equal footing.
//
//	Keyword: "walking alongside"
//	Keyword: "walk with"~2
//	Exclude: "alongside the road"
//	Speakers: client, S
//	Unit: turn
//	Example: she came with me, not ahead of me
//
// ParseQDC reads the last paragraph of a Description as rules when every
// one of its lines starts with Keyword:, Exclude:, Speakers:, Unit: or Example:
// (case aside); otherwise the whole text is the description. So an
// analyst can add or edit keywords in NVivo, ATLAS.ti or MAXQDA. WriteQDC
// writes Keyword and Exclude lines in order, Speakers joined with ", ",
// and Unit only when it is turn, or as "Unit: sentence" when a code has no
// rules but its description's own last paragraph would read as rules.
// Spaces around a rule or speaker are not kept.
const (
	qdcKeyword  = "Keyword"
	qdcExclude  = "Exclude"
	qdcSpeakers = "Speakers"
	qdcUnit     = "Unit"
	qdcExample  = "Example"
)

// ParseQDC reads a REFI-QDA codebook (.qdc). GUIDs, colours and sets are
// not kept: Alongside addresses codes by path, and WriteQDC derives GUIDs
// from paths.
func ParseQDC(name string, data []byte) (*Codebook, error) {
	var errs Errors
	return done(parseQDC(name, data, &errs), &errs, nil)
}

// parseQDC reads the codes, adding a problem to errs; malformed XML stops
// it, and the codes' own problems are found by finish.
func parseQDC(name string, data []byte, errs *Errors) *Codebook {
	cb, err := readQDC(name, data)
	if err != nil {
		*errs = append(*errs, err.(*Error))
		return nil
	}
	return cb
}

func readQDC(name string, data []byte) (*Codebook, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	cb := &Codebook{Source: name}
	fail := func(line int, msg string) error { return &Error{File: name, Line: line, Msg: msg} }

	type frame struct {
		code     *Code
		desc     *strings.Builder // while inside its Description
		descLine int
	}
	var stack []*frame // the Code elements we are inside
	root, inCodes := false, false
	for {
		line, _ := d.InputPos() // where the next token starts
		tok, err := d.Token()
		if err == io.EOF { // only before the root: the decoder reports unclosed elements
			if len(bytes.TrimSpace(data)) == 0 {
				return nil, fail(0, "empty file")
			}
			return nil, fail(0, "not a REFI-QDA codebook: no XML element")
		}
		if err != nil {
			return nil, xmlError(name, line, err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case !root:
				if t.Name.Local != "CodeBook" || (t.Name.Space != qdcNamespace && t.Name.Space != "") {
					return nil, fail(line, fmt.Sprintf("not a REFI-QDA codebook: the root element is %s (expected <CodeBook xmlns=%q>)", describeName(t.Name), qdcNamespace))
				}
				root = true
			case !qdcName(t.Name):
				if err := d.Skip(); err != nil {
					return nil, xmlError(name, line, err)
				}
			case top == nil && !inCodes && t.Name.Local == "Codes":
				inCodes = true
			case t.Name.Local == "Code" && (top != nil && top.desc == nil || top == nil && inCodes):
				c := &Code{Line: line}
				for _, a := range t.Attr {
					if a.Name.Local == "name" && a.Name.Space == "" {
						c.Name = a.Value
					}
				}
				if top == nil {
					cb.Codes = append(cb.Codes, c)
				} else {
					top.code.Codes = append(top.code.Codes, c)
				}
				stack = append(stack, &frame{code: c})
			case t.Name.Local == "Description" && top != nil && top.desc == nil:
				top.desc = &strings.Builder{}
				top.descLine, _ = d.InputPos()
			default: // elements we do not use, such as Sets and NoteRef
				if err := d.Skip(); err != nil {
					return nil, xmlError(name, line, err)
				}
			}
		case xml.CharData:
			if top != nil && top.desc != nil {
				top.desc.Write(t)
			}
		case xml.EndElement:
			switch {
			case top != nil && top.desc != nil:
				setDescription(top.code, top.desc.String(), top.descLine)
				top.desc = nil
			case top != nil:
				stack = stack[:len(stack)-1]
			case inCodes:
				inCodes = false
			default: // </CodeBook>
				if len(cb.Codes) == 0 {
					return nil, fail(0, "no codes")
				}
				return cb, nil
			}
		}
	}
}

// charsetReader decodes the 8-bit encodings an XML declaration may name
// (ISO-8859-1, windows-1252, ...); the decoder itself reads only UTF-8.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	e, err := htmlindex.Get(label)
	if err != nil {
		return nil, fmt.Errorf("unknown encoding %q", label)
	}
	return e.NewDecoder().Reader(r), nil
}

func xmlError(file string, line int, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &Error{File: file, Line: se.Line, Msg: "not well-formed XML: " + se.Msg}
	}
	return &Error{File: file, Line: line, Msg: "reading XML: " + err.Error()}
}

func qdcName(n xml.Name) bool { return n.Space == qdcNamespace || n.Space == "" }

func describeName(n xml.Name) string {
	if n.Space == "" {
		return "<" + n.Local + ">"
	}
	return fmt.Sprintf("<%s> in namespace %q", n.Local, n.Space)
}

// setDescription splits a .qdc description into text and rules; line is
// where the text starts, so each rule gets its own line.
func setDescription(c *Code, text string, line int) {
	desc, at, ok := splitRules(text)
	c.Description = desc
	if !ok {
		return
	}
	first := line + strings.Count(text[:at], "\n")
	for i, l := range strings.Split(text[at:], "\n") {
		key, val, ok := ruleLine(l)
		if !ok {
			continue // blank lines after the block
		}
		r := Rule{Query: val, Line: first + i}
		switch key {
		case "keyword":
			c.Keywords = append(c.Keywords, r)
		case "exclude":
			c.Exclude = append(c.Exclude, r)
		case "speakers":
			c.Speakers = append(c.Speakers, splitSpeakers(val)...)
		case "unit":
			c.Unit = val
		case "example":
			c.Examples = append(c.Examples, val)
		}
	}
}

// splitRules finds the rules block: the last paragraph of text, when all
// its lines are rule lines. It returns the description before it and the
// block's offset.
func splitRules(text string) (desc string, at int, ok bool) {
	t := strings.TrimRight(text, " \t\r\n")
	end := len(t)
	for end > 0 {
		start := strings.LastIndexByte(t[:end], '\n') + 1
		line := t[start:end]
		if strings.TrimSpace(line) == "" {
			// A blank line ends the block; the line break before it
			// belongs to neither part.
			return t[:max(start-1, 0)], end + 1, true
		}
		if _, _, rule := ruleLine(line); !rule {
			return text, 0, false
		}
		if start == 0 {
			return "", 0, true
		}
		end = start - 1
	}
	return text, 0, false
}

// ruleLine reads "Keyword: query" and the like.
func ruleLine(line string) (key, val string, ok bool) {
	k, v, found := strings.Cut(line, ":")
	if !found {
		return "", "", false
	}
	switch k = strings.ToLower(strings.TrimSpace(k)); k {
	case "keyword", "exclude", "speakers", "unit", "example":
		return k, strings.TrimSpace(v), true
	}
	return "", "", false
}

// WriteQDC writes cb as a REFI-QDA codebook (.qdc) that validates against
// Codebook.xsd. Each code's GUID is derived from its path (see CodeGUID),
// so exporting the same codebook twice gives the same file, and tools that
// import it again recognise the codes. Rules go into descriptions (see
// the convention above). Text XML cannot carry (control characters other
// than tab and line breaks) and rules that would break the convention (a
// line break in a rule, a comma or semicolon in a speaker) are refused.
func WriteQDC(w io.Writer, cb *Codebook) error {
	if len(cb.Codes) == 0 {
		return &Error{File: cb.Source, Msg: "no codes to write (a .qdc needs at least one)"}
	}
	for _, c := range cb.All() {
		if err := checkQDC(cb.Source, c); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	fmt.Fprintf(bw, "<CodeBook xmlns=%q origin=\"Alongside\">\n  <Codes>\n", qdcNamespace)
	var codes func(cs []*Code, indent string)
	codes = func(cs []*Code, indent string) {
		for _, c := range cs {
			fmt.Fprintf(bw, `%s<Code guid="%s" name="%s" isCodable="true"`, indent, CodeGUID(c.Path), xmlAttr.Replace(c.Name))
			d := qdcDescription(c)
			if d == "" && len(c.Codes) == 0 {
				bw.WriteString("/>\n")
				continue
			}
			bw.WriteString(">\n")
			if d != "" {
				// Line breaks stay as they are, so the file reads like the
				// description and rules get their own lines.
				fmt.Fprintf(bw, "%s  <Description>%s</Description>\n", indent, xmlText.Replace(d))
			}
			codes(c.Codes, indent+"  ")
			fmt.Fprintf(bw, "%s</Code>\n", indent)
		}
	}
	codes(cb.Codes, "    ")
	bw.WriteString("  </Codes>\n</CodeBook>\n")
	return bw.Flush()
}

// Escapes for XML text and attribute values. A CR is written as a
// reference, or a reader would turn it into a line feed; in attributes,
// tabs and line breaks too, or a reader would turn them into spaces.
var (
	xmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")
	xmlAttr = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
		"\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;")
)

// qdcDescription is a code's description with its rules block.
func qdcDescription(c *Code) string {
	var b []string
	for _, r := range c.Keywords {
		b = append(b, qdcKeyword+": "+strings.TrimSpace(r.Query))
	}
	for _, r := range c.Exclude {
		b = append(b, qdcExclude+": "+strings.TrimSpace(r.Query))
	}
	var sp []string
	for _, s := range c.Speakers {
		if s = strings.TrimSpace(s); s != "" {
			sp = append(sp, s)
		}
	}
	if len(sp) > 0 {
		b = append(b, qdcSpeakers+": "+strings.Join(sp, ", "))
	}
	if c.Unit == UnitTurn {
		b = append(b, qdcUnit+": "+c.Unit)
	}
	for _, x := range c.Examples {
		b = append(b, qdcExample+": "+strings.TrimSpace(x))
	}
	if len(b) == 0 {
		if _, _, ok := splitRules(c.Description); ok && c.Description != "" {
			// The description's own last paragraph looks like rules: an
			// explicit default unit keeps it from being read as such.
			b = append(b, qdcUnit+": "+UnitSentence)
		}
	}
	block := strings.Join(b, "\n")
	switch {
	case block == "":
		return c.Description
	case c.Description == "":
		return block
	}
	return c.Description + "\n\n" + block
}

func checkQDC(file string, c *Code) error {
	fail := func(msg string) error { return &Error{File: file, Line: c.Line, Code: c.Name, Msg: msg} }
	if err := xmlChars("name", c.Name); err != "" {
		return fail(err)
	}
	if err := xmlChars("description", c.Description); err != "" {
		return fail(err)
	}
	for _, rs := range []struct {
		what  string
		rules []Rule
	}{{"keyword", c.Keywords}, {"exclusion", c.Exclude}} {
		for _, r := range rs.rules {
			if err := xmlChars(rs.what, r.Query); err != "" {
				return fail(err)
			}
			if strings.ContainsAny(r.Query, "\r\n") {
				return fail(fmt.Sprintf("%s %q holds a line break, which a .qdc description cannot keep", rs.what, r.Query))
			}
		}
	}
	for _, x := range c.Examples {
		if err := xmlChars("example", x); err != "" {
			return fail(err)
		}
		if strings.ContainsAny(x, "\r\n") {
			return fail(fmt.Sprintf("example %q holds a line break, which a .qdc description cannot keep", x))
		}
	}
	for _, s := range c.Speakers {
		if err := xmlChars("speaker", s); err != "" {
			return fail(err)
		}
		if strings.ContainsAny(s, ",;\r\n") {
			return fail(fmt.Sprintf("speaker %q holds a comma, semicolon or line break, which separate speakers in a .qdc description", s))
		}
	}
	return nil
}

// xmlChars says what is wrong with s as XML 1.0 text, or "".
func xmlChars(what, s string) string {
	if !utf8.ValidString(s) {
		return what + " is not valid UTF-8"
	}
	for _, r := range s {
		if !isXMLChar(r) {
			return fmt.Sprintf("%s holds %U, which XML cannot carry", what, r)
		}
	}
	return ""
}

// isXMLChar is the Char production of XML 1.0.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// CodeGUID is the GUID WriteQDC gives the code at path: a UUID (version 8,
// the RFC 9562 layout for custom, here SHA-256, name-based UUIDs) derived
// from the path, so it stays the same from one export to the next.
// Renaming or moving a code gives it a new GUID.
func CodeGUID(path string) string {
	sum := sha256.Sum256([]byte("alongside code\x00" + path))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(u)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
