package corpus

// RTF is read by a small extractor written here: the pure-Go RTF readers
// found (lu4p/cat's rtftxt and its copies) are no longer kept, and the text
// of an RTF file takes only its control words for paragraphs, characters
// and the groups that hold no running text (RTF 1.9.1 specification).

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// errNotRTF says a .rtf file is not RTF.
var errNotRTF = errors.New("not an RTF file")

// maxRTFDepth bounds group nesting; Word nests a few tens deep.
const maxRTFDepth = 1000

// rtfSkipped are the destinations whose text is not running text: tables
// of fonts, colours, styles and lists, document information, pictures and
// objects, headers and footers, footnotes, comments, field instructions
// (a field's result is kept), list numbers, shapes and bookmarks. Groups
// starting \* are skipped too.
var rtfSkipped = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true,
	"listtable": true, "listoverridetable": true, "revtbl": true, "rsidtbl": true,
	"pict": true, "object": true, "objdata": true, "shp": true, "shpinst": true,
	"shppict": true, "nonshppict": true, "header": true, "headerl": true,
	"headerr": true, "headerf": true, "footer": true, "footerl": true,
	"footerr": true, "footerf": true, "footnote": true, "annotation": true,
	"atnid": true, "atnauthor": true, "fldinst": true, "datafield": true,
	"pntext": true, "pntxta": true, "pntxtb": true, "listtext": true,
	"bkmkstart": true, "bkmkend": true, "xe": true, "tc": true, "txe": true,
	"themedata": true, "colorschememapping": true, "latentstyles": true,
	"datastore": true, "generator": true, "xmlnsdecl": true, "pgdsctbl": true,
	"filetbl": true, "template": true, "docvar": true, "userprops": true,
}

// rtfChars are control words that stand for one character.
var rtfChars = map[string]string{
	"par": "\n", "line": "\n", "sect": "\n", "cell": "\n", "nestcell": "\n",
	"tab": "\t", "emdash": "—", "endash": "–", "lquote": "‘", "rquote": "’",
	"ldblquote": "“", "rdblquote": "”", "bullet": "•", "emspace": "\u2003",
	"enspace": "\u2002", "qmspace": "\u2005", "zwj": "\u200d", "zwnj": "\u200c",
	"ltrmark": "\u200e", "rtlmark": "\u200f",
}

// rtfCodePages are the ANSI code pages \ansicpgN may name.
var rtfCodePages = map[int]*charmap.Charmap{
	437: charmap.CodePage437, 850: charmap.CodePage850, 852: charmap.CodePage852,
	855: charmap.CodePage855, 858: charmap.CodePage858, 860: charmap.CodePage860,
	862: charmap.CodePage862, 863: charmap.CodePage863, 865: charmap.CodePage865,
	866: charmap.CodePage866, 874: charmap.Windows874,
	1250: charmap.Windows1250, 1251: charmap.Windows1251, 1252: charmap.Windows1252,
	1253: charmap.Windows1253, 1254: charmap.Windows1254, 1255: charmap.Windows1255,
	1256: charmap.Windows1256, 1257: charmap.Windows1257, 1258: charmap.Windows1258,
	10000: charmap.Macintosh,
}

// parseRTF reads an RTF document: its canonical text is the body's
// paragraphs, one line each (\par, \line, \sect and table cells end a
// line; tabs kept), characters from \'hh in the document's code page and
// from \uN, and speakers, turns and titles are found as in plain text (see
// parseText). Headers, footers, footnotes, comments, pictures and hidden
// text are left out.
func parseRTF(src source) ([]*Transcript, error) {
	raw, err := rtfText(src.raw)
	if err != nil {
		return nil, err
	}
	return parseParagraphs(src, raw)
}

// rtfGroup is the state a group keeps.
type rtfGroup struct {
	skip   bool // a destination without running text
	hidden bool // \v
	uc     int  // bytes that stand in for a \uN character
	first  bool // no control word or text yet (for \* and destinations)
}

// rtfText extracts the running text of an RTF document.
// One loop over RTF's tokens on purpose: control words, groups to skip,
// code pages and \uN skips all act on the same group stack, which smaller
// functions would have to pass back and forth.
func rtfText(data []byte) (string, error) {
	if len(data) < 5 || string(data[:5]) != `{\rtf` {
		return "", fmt.Errorf(`%w (it does not start "{\rtf")`, errNotRTF)
	}
	var (
		out   []rune
		stack = []rtfGroup{{uc: 1}}
		cp    = charmap.Windows1252
		cpNum = 1252
		drop  int   // fallback bytes still to drop after \uN
		high  rune  // a high surrogate from \uN awaiting its pair
		line  = 1   // for messages
		badCP error // an unsupported code page, reported if used
	)
	g := func() *rtfGroup { return &stack[len(stack)-1] }
	emit := func(s string) {
		if st := g(); st.skip || st.hidden {
			return
		}
		out = append(out, []rune(s)...)
	}
	emitRune := func(r rune) {
		if st := g(); st.skip || st.hidden {
			return
		}
		out = append(out, r)
	}
	for i := 0; i < len(data); {
		if len(out) > maxDOCXText {
			return "", fmt.Errorf("%w: document text over %d bytes", ErrTooBig, maxDOCXText)
		}
		c := data[i]
		switch c {
		case '{':
			if len(stack) >= maxRTFDepth {
				return "", fmt.Errorf("%w (line %d: groups nested over %d deep)", errNotRTF, line, maxRTFDepth)
			}
			st := *g()
			st.first = true
			stack = append(stack, st)
			drop = 0
			i++
			continue
		case '}':
			if len(stack) == 1 {
				i = len(data) // text after the document's group is not RTF
				continue
			}
			stack = stack[:len(stack)-1]
			drop = 0
			i++
			continue
		case '\r', '\n':
			if c == '\n' {
				line++
			}
			i++
			continue
		case '\\':
		default:
			g().first = false
			if drop > 0 {
				drop--
			} else if c < 0x80 {
				emitRune(rune(c))
			} else {
				emitRune(cp.DecodeByte(c))
			}
			i++
			continue
		}
		// A control word or symbol.
		i++
		if i >= len(data) {
			break
		}
		c = data[i]
		first := g().first
		g().first = false
		if !isASCIILetter(c) {
			i++
			switch c {
			case '\'':
				if i+2 > len(data) {
					i = len(data)
					continue
				}
				v, err := strconv.ParseUint(string(data[i:i+2]), 16, 8)
				i += 2
				if err != nil {
					continue
				}
				if drop > 0 {
					drop--
					continue
				}
				if badCP != nil && !g().skip && !g().hidden {
					return "", badCP
				}
				emitRune(cp.DecodeByte(byte(v)))
			case '*':
				if first {
					g().skip = true
				}
			case '\\', '{', '}':
				if drop > 0 {
					drop--
				} else {
					emitRune(rune(c))
				}
			case '~':
				emit("\u00a0")
			case '_':
				emit("-")
			case '\n', '\r':
				if c == '\n' {
					line++
				}
				emit("\n")
			}
			continue
		}
		// Letters, an optional signed number, an optional space.
		j := i
		for j < len(data) && j-i < 32 && isASCIILetter(data[j]) {
			j++
		}
		word := string(data[i:j])
		k := j
		if k < len(data) && data[k] == '-' {
			k++
		}
		for k < len(data) && k-j < 11 && data[k] >= '0' && data[k] <= '9' {
			k++
		}
		num, hasNum := 0, false
		if n, err := strconv.Atoi(string(data[j:k])); err == nil {
			num, hasNum = n, true
		}
		i = k
		if i < len(data) && data[i] == ' ' {
			i++
		}
		if drop > 0 && word != "u" {
			drop-- // a control word can be a \uN fallback too
			continue
		}
		switch {
		case first && rtfSkipped[word]:
			g().skip = true
		case word == "u" && hasNum:
			r := rune(num)
			if r < 0 {
				r += 65536
			}
			drop = g().uc
			switch {
			case utf16.IsSurrogate(r) && r < 0xdc00:
				high = r
			case utf16.IsSurrogate(r) && high != 0:
				emitRune(utf16.DecodeRune(high, r))
				high = 0
			case utf16.IsSurrogate(r):
				emitRune('\ufffd')
			default:
				emitRune(r)
			}
		case word == "uc" && hasNum && num >= 0 && num < 10:
			g().uc = num
		case word == "bin" && hasNum && num > 0:
			i += min(num, len(data)-i)
		case word == "v":
			g().hidden = !hasNum || num != 0
		case word == "ansicpg" && hasNum:
			cpNum = num
			if m, ok := rtfCodePages[num]; ok {
				cp, badCP = m, nil
			} else {
				badCP = fmt.Errorf("%w (code page %d is not supported)", errNotRTF, cpNum)
			}
		case word == "mac":
			cp = charmap.Macintosh
		case word == "pc":
			cp = charmap.CodePage437
		case word == "pca":
			cp = charmap.CodePage850
		default:
			if s, ok := rtfChars[word]; ok {
				emit(s)
			}
		}
	}
	return string(out), nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
