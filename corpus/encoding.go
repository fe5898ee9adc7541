package corpus

// Text files come in UTF-8 (with or without a byte-order mark), UTF-16 with
// a byte-order mark (Notepad's "Unicode", Word's "Unicode Text"), and
// legacy 8-bit Windows-1252 (older Word and Notepad saves, "ANSI"). Only
// UTF-16 says what it is; Windows-1252 is taken only on evidence over the
// whole file (see cp1252Evidence), never on one byte, and the transcript
// says it was (Metadata "encoding") so the run summary can tell the analyst.

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"
)

// MetaEncoding is the Metadata key that names the encoding a text file was
// read as, when it was not UTF-8 (the value is one of the Encoding
// constants).
const MetaEncoding = "encoding"

// Encodings a text file can be read as.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	EncodingWindows1252 = "windows-1252"
)

// EncodingName is how a summary names an encoding ("Windows-1252").
func EncodingName(enc string) string {
	switch enc {
	case EncodingUTF16LE:
		return "UTF-16 LE"
	case EncodingUTF16BE:
		return "UTF-16 BE"
	case EncodingWindows1252:
		return "Windows-1252"
	}
	return strings.ToUpper(enc)
}

// UTF-16 byte-order marks.
var (
	bomUTF16LE = []byte{0xff, 0xfe}
	bomUTF16BE = []byte{0xfe, 0xff}
)

// Canonical checks that data is text and returns its canonical form: UTF-8
// without a byte-order mark, LF line ends, Unicode NFC. See Decode for the
// encodings it reads.
func Canonical(data []byte) (string, error) {
	text, _, err := Decode(data)
	return text, err
}

// Decode is Canonical that also says which encoding the text was read as:
// UTF-16 LE or BE when the file starts with that byte-order mark, else
// UTF-8, else Windows-1252 when the file is not UTF-8 and everything in it
// looks like Windows-1252 text (see cp1252Evidence). A UTF-8 byte-order
// mark rules Windows-1252 out.
func Decode(data []byte) (text, enc string, err error) {
	switch {
	case bytes.HasPrefix(data, bomUTF16LE) || bytes.HasPrefix(data, bomUTF16BE):
		return decodeUTF16(data)
	case bytes.HasPrefix(data, bom):
		text, err = decodeUTF8(data[len(bom):], len(bom))
		return text, EncodingUTF8, err
	}
	text, err = decodeUTF8(data, 0)
	var fe *FileError
	if err == nil || utf8.Valid(data) || !errors.As(err, &fe) {
		return text, EncodingUTF8, err
	}
	if why := cp1252Evidence(data); why != "" {
		fe.Err = fmt.Errorf("%w, nor Windows-1252 text (%s)", fe.Err, why)
		return "", "", fe
	}
	b, derr := charmap.Windows1252.NewDecoder().Bytes(data)
	if derr != nil { // cannot happen: every byte is checked above
		return "", "", fmt.Errorf("decoding Windows-1252: %w", derr)
	}
	text, err = canonicalUTF8(b)
	return text, EncodingWindows1252, err
}

// decodeUTF8 checks UTF-8 text (skip is the length of a byte-order mark
// before it, for the offsets in messages) and returns its canonical form.
func decodeUTF8(data []byte, skip int) (string, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return "", ErrBinary
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		line := bytes.Count(data[:off], []byte("\n")) + 1
		return "", &FileError{Line: line, Err: fmt.Errorf("invalid UTF-8 at byte offset %d", skip+off)}
	}
	return canonicalUTF8(data)
}

// canonicalUTF8 normalises valid UTF-8 text.
func canonicalUTF8(data []byte) (string, error) {
	if controls(data) {
		return "", ErrBinary
	}
	s := string(data)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return norm.NFC.String(s), nil
}

// decodeUTF16 reads UTF-16 after its byte-order mark. An odd length or an
// unpaired surrogate is an error with its byte offset, not a silent U+FFFD.
func decodeUTF16(data []byte) (string, string, error) {
	enc, order, name := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM), 0, EncodingUTF16LE
	if bytes.HasPrefix(data, bomUTF16BE) {
		enc, order, name = xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM), 1, EncodingUTF16BE
	}
	unit := func(i int) uint16 {
		if order == 0 {
			return uint16(data[i]) | uint16(data[i+1])<<8
		}
		return uint16(data[i])<<8 | uint16(data[i+1])
	}
	bad := func(off int, what string) (string, string, error) {
		line := 1
		for i := 2; i+1 < off; i += 2 {
			if unit(i) == '\n' {
				line++
			}
		}
		return "", "", &FileError{Line: line, Err: fmt.Errorf("invalid UTF-16 at byte offset %d: %s", off, what)}
	}
	if len(data)%2 != 0 {
		return bad(len(data)-1, "odd number of bytes")
	}
	for i := 2; i < len(data); i += 2 {
		switch u := unit(i); {
		case u >= 0xd800 && u < 0xdc00:
			if i+2 >= len(data) || unit(i+2) < 0xdc00 || unit(i+2) >= 0xe000 {
				return bad(i, "unpaired surrogate")
			}
			i += 2
		case u >= 0xdc00 && u < 0xe000:
			return bad(i, "unpaired surrogate")
		case u == 0:
			return "", "", ErrBinary
		}
	}
	b, err := decodeWith(enc, data)
	if err != nil {
		return "", "", err
	}
	text, err := canonicalUTF8(b)
	return text, name, err
}

func decodeWith(enc encoding.Encoding, data []byte) ([]byte, error) {
	b, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	return b, nil
}

// cp1252Evidence says why data (not UTF-8) is not plausible Windows-1252
// text, or returns "" when it is. Plausible means, over every byte:
//
//   - the file is not mostly UTF-8: fewer valid multi-byte UTF-8
//     sequences than invalid bytes (damaged UTF-8 stays an error);
//   - no byte Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D);
//   - every other high byte is a letter in a word (or one of the letters
//     that are words alone, as French "à"), or punctuation or a symbol that is not inside
//     a word (apostrophes, dashes, the soft hyphen and "·" may be):
//     "ma³y" is Polish in Windows-1250, not Windows-1252;
//   - accented letters are at most a third of the letters: Western
//     European text is mostly ASCII letters, while Cyrillic or Greek code
//     pages read as Windows-1252 would be all accented letters.
func cp1252Evidence(data []byte) string {
	valid, invalid := 0, 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			invalid++
		case n > 1:
			valid++
		}
		i += n
	}
	if valid >= invalid {
		return fmt.Sprintf("%d valid UTF-8 sequences and %d invalid bytes: damaged UTF-8", valid, invalid)
	}
	dec := charmap.Windows1252
	letter := func(i int) bool {
		if i < 0 || i >= len(data) {
			return false
		}
		return unicode.IsLetter(dec.DecodeByte(data[i]))
	}
	letters, high := 0, 0
	for i, c := range data {
		if c < 0x80 {
			if letter(i) {
				letters++
			}
			continue
		}
		switch c {
		case 0x81, 0x8d, 0x8f, 0x90, 0x9d:
			return fmt.Sprintf("byte 0x%02X at offset %d is not a Windows-1252 character", c, i)
		}
		r := dec.DecodeByte(c)
		inWord := letter(i-1) && letter(i+1)
		switch {
		case unicode.IsLetter(r):
			letters++
			high++
			if !letter(i-1) && !letter(i+1) && !strings.ContainsRune(loneLetters, r) {
				return fmt.Sprintf("%q alone at offset %d", r, i)
			}
		case inWord && !strings.ContainsRune("’‘´–—\u00ad·", r):
			return fmt.Sprintf("%q inside a word at offset %d", r, i)
		}
	}
	if high*3 > letters {
		return fmt.Sprintf("%d of %d letters accented: another code page", high, letters)
	}
	return ""
}

// loneLetters are the accented letters that are words on their own in
// Western European languages (French à, Italian è, Portuguese é, Catalan
// ò, Spanish ó, Swedish å and ö, Danish ø).
const loneLetters = "àèéòóåöø"

// controls reports whether data has more control characters (other than
// tab, LF, CR and form feed) than a text file would: more than 1 in 100.
func controls(data []byte) bool {
	n := 0
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			n++
		}
	}
	return n > 0 && n*100 > len(data)
}
