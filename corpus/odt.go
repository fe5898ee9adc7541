package corpus

// OpenDocument text (.odt, LibreOffice's and Google Docs' format) is a zip
// whose content.xml holds the body: like DOCX it is read with archive/zip
// and encoding/xml, as the paragraphs are all that is needed.

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// errNotODT says a .odt file is not an OpenDocument text.
var errNotODT = errors.New("not an OpenDocument text file")

// odtPart is the part of an OpenDocument package that holds the body.
const odtPart = "content.xml"

// OpenDocument namespaces.
const (
	odtOfficeNS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	odtTextNS   = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	odtDrawNS   = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
)

// odtSkipped are the elements whose text is not the body's running text:
// comments, footnotes and endnotes, the record of tracked changes (it holds
// deleted text), generated indexes, and drawings (frames, shapes).
var odtSkipped = map[xml.Name]bool{
	{Space: odtOfficeNS, Local: "annotation"}:            true,
	{Space: odtTextNS, Local: "note"}:                    true,
	{Space: odtTextNS, Local: "tracked-changes"}:         true,
	{Space: odtTextNS, Local: "table-of-content"}:        true,
	{Space: odtTextNS, Local: "alphabetical-index"}:      true,
	{Space: odtTextNS, Local: "illustration-index"}:      true,
	{Space: odtTextNS, Local: "table-index"}:             true,
	{Space: odtTextNS, Local: "object-index"}:            true,
	{Space: odtTextNS, Local: "user-index"}:              true,
	{Space: odtTextNS, Local: "bibliography"}:            true,
	{Space: odtTextNS, Local: "sequence-decls"}:          true,
	{Space: odtTextNS, Local: "variable-decls"}:          true,
	{Space: odtTextNS, Local: "user-field-decls"}:        true,
	{Space: odtDrawNS, Local: "frame"}:                   true,
	{Space: odtDrawNS, Local: "custom-shape"}:            true,
	{Space: odtDrawNS, Local: "g"}:                       true,
	{Space: odtTextNS, Local: "ruby-text"}:               true,
	{Space: odtOfficeNS, Local: "forms"}:                 true,
	{Space: odtTextNS, Local: "dde-connection-decls"}:    true,
	{Space: odtTextNS, Local: "alphabetical-index-mark"}: true,
}

// parseODT reads an OpenDocument text: its canonical text is the body's
// paragraphs and headings, one line each (text:s spaces and tabs kept,
// line breaks as new lines, other white space collapsed as ODF says), and
// speakers, turns and titles are found as in plain text (see parseText).
// Text in tables comes one cell paragraph per line; comments, notes,
// deleted text, indexes and text boxes are left out.
func parseODT(src source) ([]*Transcript, error) {
	zr, err := zip.NewReader(bytes.NewReader(src.raw), int64(len(src.raw)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w (not a zip archive)", errNotODT)
	}
	var part *zip.File
	for _, f := range zr.File {
		if f.Name == odtPart {
			part = f
			break
		}
	}
	if part == nil {
		return nil, fmt.Errorf("%w (no %s)", errNotODT, odtPart)
	}
	rc, err := part.Open()
	if err != nil {
		return nil, fmt.Errorf("%w (%s: %w)", errNotODT, odtPart, err)
	}
	defer rc.Close()
	raw, err := odtParagraphs(&capReader{r: rc, n: maxDOCXXML, part: odtPart})
	if err != nil {
		return nil, err
	}
	return parseParagraphs(src, raw)
}

// odtParagraphs streams content.xml and writes each paragraph of the
// office:text body as one line.
func odtParagraphs(r io.Reader) (string, error) {
	d := xml.NewDecoder(r)
	var (
		b     strings.Builder
		body  bool // inside office:text
		seen  bool // an office:text was found
		para  int  // depth of text:p and text:h
		skip  int  // depth inside a skipped element
		space bool // the paragraph is empty or ends in collapsed white space
	)
	for {
		tok, err := xmlToken(d, errNotODT, odtPart)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 || (body && odtSkipped[t.Name]) {
				skip++
				continue
			}
			if t.Name.Space == odtOfficeNS && t.Name.Local == "text" {
				body, seen = true, true
				continue
			}
			if !body || t.Name.Space != odtTextNS {
				continue
			}
			switch t.Name.Local {
			case "p", "h":
				if para == 0 {
					space = true
				}
				para++
			case "s":
				if para > 0 {
					n := 1
					for _, a := range t.Attr {
						if a.Name.Local == "c" {
							if c, err := strconv.Atoi(a.Value); err == nil && c > 0 {
								n = min(c, 1000)
							}
						}
					}
					b.WriteString(strings.Repeat(" ", n))
					space = false
				}
			case "tab":
				if para > 0 {
					b.WriteByte('\t')
					space = false
				}
			case "line-break":
				if para > 0 {
					b.WriteByte('\n')
					space = true
				}
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if t.Name.Space == odtOfficeNS && t.Name.Local == "text" {
				body = false
				continue
			}
			if body && t.Name.Space == odtTextNS && (t.Name.Local == "p" || t.Name.Local == "h") && para > 0 {
				if para--; para == 0 {
					b.WriteByte('\n')
				}
			}
		case xml.CharData:
			if skip > 0 || para == 0 {
				continue
			}
			// ODF collapses runs of white space in a paragraph's text
			// to one space and drops it at the paragraph's start.
			for _, r := range string(t) {
				if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
					if !space {
						b.WriteByte(' ')
						space = true
					}
					continue
				}
				b.WriteRune(r)
				space = false
			}
		}
		if b.Len() > maxDOCXText {
			return "", fmt.Errorf("%w: document text over %d bytes", ErrTooBig, maxDOCXText)
		}
	}
	if !seen {
		return "", fmt.Errorf("%w (%s has no office:text)", errNotODT, odtPart)
	}
	return b.String(), nil
}
