package corpus

// PDF files are parsed with github.com/ledongthuc/pdf (pure Go, from
// rsc/pdf: objects, streams, filters, fonts and their ToUnicode maps). Its
// own text functions lose line breaks or, after each TJ, add a glyph
// decoded from "\n" through the font, so the page content is walked here
// with its exported interpreter: glyphs are placed with the text matrix,
// gathered into lines by baseline, and lines into paragraphs by the gaps
// between them.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// errNotPDF says a .pdf file is not a PDF the reader can open.
var errNotPDF = errors.New("not a readable PDF file")

// ErrNoTextLayer is a PDF without text: a scan, to be run through OCR first.
var ErrNoTextLayer = errors.New("PDF has no text layer (a scan?): run it through OCR first")

// maxPDFPages bounds the pages read from one file.
const maxPDFPages = 5000

// parsePDF reads a PDF's text layer: the text of each page in content
// order, lines joined into paragraphs (a gap between lines wider than the
// document's line spacing, or a line that ends well short of the right
// margin, ends a paragraph; a line ending in "-" joins the next without a
// space), one line per paragraph, and speakers, turns and titles found as
// in plain text (see parseText). Page headers and footers are text like
// any other.
func parsePDF(src source) (ts []*Transcript, err error) {
	lines, err := pdfLines(src.raw)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, ErrNoTextLayer
	}
	return parseParagraphs(src, pdfParagraphs(lines))
}

// pdfLine is one line of text on a page.
type pdfLine struct {
	page       int
	y          float64 // baseline, from the page's bottom
	x0, x1     float64
	size       float64 // font size
	text       strings.Builder
	lastGlyphX float64 // end of the last glyph, for word gaps
}

// pdfLines reads the lines of text of every page.
func pdfLines(raw []byte) (lines []*pdfLine, err error) {
	defer func() {
		if r := recover(); r != nil { // the library panics on malformed files
			lines, err = nil, fmt.Errorf("%w (%v)", errNotPDF, r)
		}
	}()
	if !bytes.HasPrefix(bytes.TrimLeft(raw[:min(len(raw), 1024)], "\x00\t\n\f\r "), []byte("%PDF-")) {
		return nil, fmt.Errorf(`%w (it does not start "%%PDF-")`, errNotPDF)
	}
	r, err := pdf.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, fmt.Errorf("%w (%w)", errNotPDF, err)
	}
	n := r.NumPage()
	if n > maxPDFPages {
		return nil, fmt.Errorf("%w: %d pages, the limit is %d", ErrTooBig, n, maxPDFPages)
	}
	size := 0
	for i := 1; i <= n; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		page := pdfPage(p, i)
		for _, l := range page {
			if size += l.text.Len(); size > maxDOCXText {
				return nil, fmt.Errorf("%w: document text over %d bytes", ErrTooBig, maxDOCXText)
			}
		}
		lines = append(lines, page...)
	}
	return lines, nil
}

// pdfState is the part of the graphics state that places text.
type pdfState struct {
	ctm, tm, tlm   [6]float64 // a b c d e f
	tc, tw, th, tl float64
	size, rise     float64
	font           pdf.Font
	enc            pdf.TextEncoding
	simple         bool // one byte a glyph
}

// mul returns m × n for PDF matrices [a b c d e f].
func mul(m, n [6]float64) [6]float64 {
	return [6]float64{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

var identity = [6]float64{1, 0, 0, 1, 0, 0}

// pdfPage walks one page's content and returns its lines.
// Long because it is one walk over the page's content stream: the text
// matrix, font and glyph placement are state the operators share.
func pdfPage(p pdf.Page, num int) []*pdfLine {
	var (
		lines []*pdfLine
		g     = pdfState{ctm: identity, tm: identity, tlm: identity, th: 1}
		stack []pdfState
	)
	show := func(s string) {
		if g.enc == nil {
			return
		}
		text := g.enc.Decode(s)
		if text == "" {
			return
		}
		trm := mul([6]float64{g.size * g.th, 0, 0, g.size, 0, g.rise}, mul(g.tm, g.ctm))
		x, y, size := trm[4], trm[5], math.Hypot(trm[2], trm[3])
		// Advance: widths of simple fonts, else half an em a glyph.
		adv := 0.0
		if g.simple {
			for i := 0; i < len(s); i++ {
				adv += (g.font.Width(int(s[i]))/1000*g.size + g.tc) * g.th
				if s[i] == ' ' {
					adv += g.tw * g.th
				}
			}
		} else {
			adv = float64(utf8.RuneCountInString(text)) * (g.size/2 + g.tc) * g.th
		}
		g.tm = mul([6]float64{1, 0, 0, 1, adv, 0}, g.tm)
		end := mul([6]float64{g.size * g.th, 0, 0, g.size, 0, g.rise}, mul(g.tm, g.ctm))[4]
		var l *pdfLine
		if n := len(lines); n > 0 && math.Abs(lines[n-1].y-y) < 0.3*max(size, 1) {
			l = lines[n-1]
			// Words placed apart without a space glyph get one.
			if gap := x - l.lastGlyphX; gap > 0.15*size && !strings.HasSuffix(l.text.String(), " ") && !strings.HasPrefix(text, " ") {
				l.text.WriteByte(' ')
			}
		} else {
			l = &pdfLine{page: num, y: y, x0: x, size: size}
			lines = append(lines, l)
		}
		l.text.WriteString(text)
		l.x1 = max(l.x1, end)
		l.lastGlyphX = end
	}
	args := func(stk *pdf.Stack) []pdf.Value {
		a := make([]pdf.Value, stk.Len())
		for i := len(a) - 1; i >= 0; i-- {
			a[i] = stk.Pop()
		}
		return a
	}
	nums := func(a []pdf.Value, n int) ([]float64, bool) {
		if len(a) != n {
			return nil, false
		}
		out := make([]float64, n)
		for i, v := range a {
			out[i] = v.Float64()
		}
		return out, true
	}
	pdf.Interpret(p.V.Key("Contents"), func(stk *pdf.Stack, op string) {
		a := args(stk)
		switch op {
		case "q":
			if len(stack) < 1000 {
				stack = append(stack, g)
			}
		case "Q":
			if n := len(stack); n > 0 {
				g, stack = stack[n-1], stack[:n-1]
			}
		case "cm":
			if m, ok := nums(a, 6); ok {
				g.ctm = mul([6]float64(m), g.ctm)
			}
		case "BT":
			g.tm, g.tlm = identity, identity
		case "Tc":
			if m, ok := nums(a, 1); ok {
				g.tc = m[0]
			}
		case "Tw":
			if m, ok := nums(a, 1); ok {
				g.tw = m[0]
			}
		case "Tz":
			if m, ok := nums(a, 1); ok {
				g.th = m[0] / 100
			}
		case "TL":
			if m, ok := nums(a, 1); ok {
				g.tl = m[0]
			}
		case "Ts":
			if m, ok := nums(a, 1); ok {
				g.rise = m[0]
			}
		case "Tf":
			if len(a) == 2 {
				g.font = p.Font(a[0].Name())
				g.enc = g.font.Encoder()
				g.simple = g.font.V.Key("Subtype").Name() != "Type0"
				g.size = a[1].Float64()
			}
		case "TD", "Td":
			if m, ok := nums(a, 2); ok {
				if op == "TD" {
					g.tl = -m[1]
				}
				g.tlm = mul([6]float64{1, 0, 0, 1, m[0], m[1]}, g.tlm)
				g.tm = g.tlm
			}
		case "Tm":
			if m, ok := nums(a, 6); ok {
				g.tlm = [6]float64(m)
				g.tm = g.tlm
			}
		case "T*":
			g.tlm = mul([6]float64{1, 0, 0, 1, 0, -g.tl}, g.tlm)
			g.tm = g.tlm
		case "Tj", "'", "\"":
			if len(a) == 0 {
				return
			}
			if op != "Tj" {
				if op == "\"" && len(a) == 3 {
					g.tw, g.tc = a[0].Float64(), a[1].Float64()
				}
				g.tlm = mul([6]float64{1, 0, 0, 1, 0, -g.tl}, g.tlm)
				g.tm = g.tlm
			}
			show(a[len(a)-1].RawString())
		case "TJ":
			if len(a) != 1 {
				return
			}
			for i := 0; i < a[0].Len(); i++ {
				v := a[0].Index(i)
				if v.Kind() == pdf.String {
					show(v.RawString())
				} else {
					g.tm = mul([6]float64{1, 0, 0, 1, -v.Float64() / 1000 * g.size * g.th, 0}, g.tm)
				}
			}
		}
	})
	// Lines of white space only are no text.
	return slices.DeleteFunc(lines, func(l *pdfLine) bool { return strings.TrimSpace(l.text.String()) == "" })
}

// pdfParagraphs joins lines into paragraphs, one a line.
func pdfParagraphs(lines []*pdfLine) string {
	// The line pitch is the smallest gap between lines of one size on a
	// page; the right margin is where most full lines end.
	pitch := math.Inf(1)
	left, right := math.Inf(1), math.Inf(-1)
	for i, l := range lines {
		left, right = min(left, l.x0), max(right, l.x1)
		if i > 0 && lines[i-1].page == l.page && math.Abs(lines[i-1].size-l.size) < 0.5 {
			if gap := lines[i-1].y - l.y; gap > 0.8*l.size {
				pitch = min(pitch, gap)
			}
		}
	}
	spaced := false // some gaps are wider than the pitch: paragraphs are spaced
	for i, l := range lines {
		if i > 0 && lines[i-1].page == l.page && lines[i-1].y-l.y > 1.25*pitch {
			spaced = true
			break
		}
	}
	var b strings.Builder
	for i, l := range lines {
		text := strings.TrimSpace(l.text.String())
		if i > 0 {
			prev := lines[i-1]
			prevText := strings.TrimSpace(prev.text.String())
			gap := prev.y - l.y
			var newPara bool
			switch {
			case prev.page != l.page:
				// A paragraph runs on over a page break unless the last
				// line of the page ends short.
				newPara = prev.x1 < right-0.2*(right-left)
			case gap < 0.3*l.size || gap > 2.5*pitch || math.IsInf(pitch, 1):
				newPara = true // another column, a jump, or one line a page
			case spaced:
				newPara = gap > 1.25*pitch
			default:
				newPara = prev.x1 < right-0.2*(right-left)
			}
			switch {
			case newPara:
				b.WriteByte('\n')
			case strings.HasSuffix(prevText, "-"):
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(text)
	}
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	return b.String()
}
