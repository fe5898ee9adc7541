package corpus

// DOCX is read with archive/zip and encoding/xml: the pure-Go DOCX libraries
// found (gomutex/godocx, fumiama/go-docx, lu4p/cat) are editing libraries or
// no longer kept, and paragraph text takes a hundred lines of the standard library.

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// errNotDOCX says a .docx file is not a Word document.
var errNotDOCX = errors.New("not a DOCX file")

// docxPart is the main document part of a Word file.
const docxPart = "word/document.xml"

// maxDOCXText and maxDOCXXML bound the text taken from one document and
// the XML read for it: a small zip can unpack to far more than its size.
const (
	maxDOCXText = DefaultMaxSize
	maxDOCXXML  = 8 * DefaultMaxSize
)

// parseDOCX reads a Word document: its canonical text is the body's
// paragraphs, one line each (tabs kept, line breaks as new lines), and
// speakers, turns and titles are found as in plain text (see parseText).
// Text in tables comes one cell paragraph per line; headers, footers,
// footnotes, comments and deleted text are left out.
func parseDOCX(src source) ([]*Transcript, error) {
	raw, err := docxText(src.raw)
	if err != nil {
		return nil, err
	}
	return parseParagraphs(src, raw)
}

// docxText extracts the paragraphs of a DOCX file's body.
func docxText(raw []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return "", fmt.Errorf("%w (not a zip archive)", errNotDOCX)
	}
	var part *zip.File
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, docxPart) {
			part = f
			break
		}
	}
	if part == nil {
		return "", fmt.Errorf("%w (no %s)", errNotDOCX, docxPart)
	}
	rc, err := part.Open()
	if err != nil {
		return "", fmt.Errorf("%w (%s: %w)", errNotDOCX, docxPart, err)
	}
	defer rc.Close()
	return docxParagraphs(&capReader{r: rc, n: maxDOCXXML})
}

// capReader fails with ErrTooBig after n bytes of a document's part.
type capReader struct {
	r    io.Reader
	n    int64
	part string // for the message; docxPart when ""
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n < 0 {
		return 0, c.err()
	}
	if int64(len(p)) > c.n+1 { // one byte more tells a full part from a larger one
		p = p[:c.n+1]
	}
	n, err := c.r.Read(p)
	if c.n -= int64(n); c.n < 0 {
		return n, c.err()
	}
	return n, err
}

func (c *capReader) err() error {
	part := c.part
	if part == "" {
		part = docxPart
	}
	return fmt.Errorf("%w: %s over %d bytes", ErrTooBig, part, int64(maxDOCXXML))
}

// WordprocessingML namespaces (transitional and strict).
const (
	wordNS       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	wordStrictNS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
)

// isWord reports whether an element is WordprocessingML (or carries no
// usable namespace), not DrawingML or another vocabulary.
func isWord(n xml.Name) bool {
	return n.Space == wordNS || n.Space == wordStrictNS || n.Space == "w" || n.Space == ""
}

// docxParagraphs streams document.xml and writes each body paragraph as one
// line.
func docxParagraphs(r io.Reader) (string, error) {
	d := xml.NewDecoder(r)
	var (
		b      strings.Builder
		body   bool // inside w:body
		seen   bool // a w:body was found
		run    int  // depth of w:r
		inText bool // inside w:t
		skip   int  // depth inside a skipped element
	)
	for {
		tok, err := xmlToken(d, errNotDOCX, docxPart)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			if t.Name.Local == "Fallback" { // mc:Fallback repeats mc:Choice
				skip = 1
				continue
			}
			if !isWord(t.Name) {
				continue
			}
			switch t.Name.Local {
			case "body":
				body, seen = true, true
			case "r":
				run++
			case "t":
				inText = body && run > 0
			case "tab":
				if body && run > 0 { // w:tab outside a run is a tab stop
					b.WriteByte('\t')
				}
			case "br", "cr":
				if body && run > 0 {
					b.WriteByte('\n')
				}
			case "noBreakHyphen":
				if body && run > 0 {
					b.WriteByte('-')
				}
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if !isWord(t.Name) {
				continue
			}
			switch t.Name.Local {
			case "body":
				body = false
			case "r":
				if run > 0 {
					run--
				}
			case "t":
				inText = false
			case "p":
				if body {
					b.WriteByte('\n')
				}
			}
		case xml.CharData:
			if inText && skip == 0 {
				b.Write(t)
			}
		}
		if b.Len() > maxDOCXText {
			return "", fmt.Errorf("%w: document text over %d bytes", ErrTooBig, maxDOCXText)
		}
	}
	if !seen {
		return "", fmt.Errorf("%w (%s has no body)", errNotDOCX, docxPart)
	}
	return b.String(), nil
}

// xmlToken reads the next token of a document part: io.EOF at its end, a
// size error as it is, anything else as a damaged document of its kind
// (notKind, such as errNotDOCX), naming the part.
func xmlToken(d *xml.Decoder, notKind error, part string) (xml.Token, error) {
	tok, err := d.Token()
	if err == io.EOF || errors.Is(err, ErrTooBig) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%s: %w)", notKind, part, err)
	}
	return tok, nil
}
