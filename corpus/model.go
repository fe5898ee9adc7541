package corpus

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Span is a pair of 0-based, end-exclusive Unicode code point offsets into
// a transcript's canonical text.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Len is the number of code points in the span.
func (s Span) Len() int { return s.End - s.Start }

// NoTime marks a turn time that the source does not give.
const NoTime time.Duration = -1

// Sentence is one sentence of a turn.
type Sentence struct {
	Span Span `json:"span"`
}

// Turn is one uninterrupted stretch of speech by one speaker.
type Turn struct {
	Speaker    string        `json:"speaker"`     // as written in the source; "" when unknown
	SpeakerKey string        `json:"speaker_key"` // SpeakerKey(Speaker)
	Start      time.Duration `json:"start"`       // NoTime when unknown
	End        time.Duration `json:"end"`         // NoTime when unknown
	Span       Span          `json:"span"`
	Sentences  []Sentence    `json:"sentences,omitempty"`
	// Role is what the speaker is (interviewer, participant...), from the
	// label or, when RoleInferred, from how they talk; see AssignRoles.
	Role         Role `json:"role"`
	RoleInferred bool `json:"role_inferred,omitempty"`
}

// Transcript is one interview or focus-group session as text, with speakers.
type Transcript struct {
	ID       string            `json:"id"`
	Title    string            `json:"title"`
	Source   string            `json:"source"`  // path of the file it was read from
	Hash     string            `json:"hash"`    // hex SHA-256 of the source bytes
	Version  string            `json:"version"` // ContentHash(), set by SetVersion
	Format   string            `json:"format"`  // txt, md, vtt, srt, sbv, docx, odt, rtf, pdf, csv, tsv, json, eaf, cha
	Metadata map[string]string `json:"metadata,omitempty"`
	Text     string            `json:"text"` // the canonical text
	Turns    []Turn            `json:"turns"`

	// TextFrom is how many code points of the transcript's text come
	// before Text: 0, but for an excerpt (see Joiner). Spans count
	// from the start of the whole text either way.
	TextFrom int       `json:"-"`
	shown    turnRange // the turns an excerpt holds; zero: all

	// index maps code points to bytes for Cut; built on first use.
	index atomic.Pointer[textIndex]
}

// ContentHash is the hex SHA-256 of what a transcript says: its canonical
// text and its turns (speakers, times, spans). Two readings of the same
// conversation have the same content hash, whatever the file around them
// (one changed row of a table leaves the table's other transcripts alone).
func (t *Transcript) ContentHash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\n%s\n", len(t.Text), t.Text)
	for _, turn := range t.Turns {
		fmt.Fprintf(h, "%q %d %d %d %d\n", turn.Speaker, turn.Start, turn.End, turn.Span.Start, turn.Span.End)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SetVersion sets Version to the content hash.
func (t *Transcript) SetVersion() { t.Version = t.ContentHash() }

// TurnText returns the text of turn i.
func (t *Transcript) TurnText(i int) string { return t.Cut(t.Turns[i].Span) }

// Cut returns the part of the canonical text inside span. Unlike the
// function Cut it does not walk the text from its start on every call: a
// transcript is cut thousands of times (sentences, passages, candidates).
func (t *Transcript) Cut(s Span) string {
	b0, b1 := t.byteRange(s)
	return t.Text[b0:b1]
}

// byteRange returns the byte offsets of a span of the canonical text.
func (t *Transcript) byteRange(s Span) (int, int) {
	idx := t.index.Load()
	if idx == nil || idx.text != t.Text {
		idx = newTextIndex(t.Text)
		t.index.Store(idx)
	}
	return idx.byteOffset(s.Start - t.TextFrom), idx.byteOffset(s.End - t.TextFrom)
}

// Holds says whether span is inside the text t holds: always for a whole
// transcript's spans; for an excerpt, those of the turns it holds.
func (t *Transcript) Holds(s Span) bool {
	if t.shown == (turnRange{}) {
		return true
	}
	return s.Start >= t.TextFrom && s.Start <= s.End && s.End <= t.shown.textEnd
}

// textIndex holds the byte offset of every 64th code point of a text.
type textIndex struct {
	text  string
	ascii bool
	marks []int
}

const textIndexStep = 64

func newTextIndex(text string) *textIndex {
	if isASCII(text) { // most transcripts: code points are bytes
		return &textIndex{text: text, ascii: true}
	}
	// Eight ASCII bytes are eight code points: stepping over them so,
	// and decoding the rest one code point at a time as range does, is a
	// few times faster than decoding everything, and a search indexes the
	// text of every transcript it shows a hit of (mostly ASCII).
	idx := &textIndex{text: text, marks: make([]int, 0, len(text)/textIndexStep+1)}
	left := 0 // code points before the next mark
	for b := 0; b < len(text); {
		if left > 8 && b+8 <= len(text) && binary.LittleEndian.Uint64([]byte(text[b:b+8]))&0x8080808080808080 == 0 {
			b, left = b+8, left-8
			continue
		}
		if left == 0 {
			idx.marks = append(idx.marks, b)
			left = textIndexStep
		}
		left--
		_, size := utf8.DecodeRuneInString(text[b:])
		b += size
	}
	return idx
}

// isASCII reports whether s is all ASCII, eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if (s[i]|s[i+1]|s[i+2]|s[i+3]|s[i+4]|s[i+5]|s[i+6]|s[i+7])&0x80 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (idx *textIndex) byteOffset(n int) int {
	if idx.ascii {
		return min(n, len(idx.text))
	}
	m := n / textIndexStep
	if m >= len(idx.marks) {
		return len(idx.text)
	}
	return idx.marks[m] + byteOffset(idx.text[idx.marks[m]:], n-m*textIndexStep)
}

// Cut returns the part of text inside span (code point offsets). It does
// not check the span: callers cut spans the readers made.
func Cut(text string, s Span) string {
	b0, b1 := byteOffset(text, s.Start), 0
	b1 = b0 + byteOffset(text[b0:], s.End-s.Start)
	return text[b0:b1]
}

// byteOffset returns the byte offset of code point n in text (len(text) when
// n is past the end).
func byteOffset(text string, n int) int {
	i := 0
	for b := range text {
		if i == n {
			return b
		}
		i++
	}
	return len(text)
}

// Words counts the words of text: runs of letters or digits.
func Words(text string) int {
	n, in := 0, false
	for _, r := range text {
		w := unicode.IsLetter(r) || unicode.IsDigit(r)
		if w && !in {
			n++
		}
		in = w
	}
	return n
}

// SpeakerKey normalises a speaker label for filters and codebook rules:
// lower case, every run of characters other than letters and digits turned
// into one "-", none at either end ("Dr. Patel" is "dr-patel", "SPEAKER_01"
// is "speaker-01").
func SpeakerKey(speaker string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(speaker) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

// offsets converts byte offsets into code point offsets for one text. It
// walks the text once; offsets must be asked for in increasing order for it
// to stay linear, but any order is answered correctly.
type offsets struct {
	text   string
	byteAt int
	runeAt int
}

func (o *offsets) runeOffset(b int) int {
	if b < o.byteAt {
		o.byteAt, o.runeAt = 0, 0
	}
	o.runeAt += utf8.RuneCountInString(o.text[o.byteAt:b])
	o.byteAt = b
	return o.runeAt
}
