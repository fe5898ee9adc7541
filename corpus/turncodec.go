package corpus

import (
	"encoding/binary"
	"errors"
	"slices"
	"time"
)

// EncodeTurns writes turns (with their sentences) in a compact binary form
// for the store: a search decodes the turns of up to twenty transcripts,
// and JSON made that most of its time. Offsets are written as differences,
// as varints.
//
// Format version 2 adds one byte per turn after the speaker key: the role's
// index in Roles (roleOther and the role as a string for any other role),
// with roleInferredBit set when the role was inferred. DecodeTurns reads
// version 1 too, whose turns have no role.
func EncodeTurns(turns []Turn) []byte {
	b := make([]byte, 0, 16+len(turns)*25)
	b = append(b, 2) // format version
	b = binary.AppendUvarint(b, uint64(len(turns)))
	prev := 0
	for _, t := range turns {
		b = appendString(b, t.Speaker)
		b = appendString(b, t.SpeakerKey)
		b = appendRole(b, t.Role, t.RoleInferred)
		b = binary.AppendVarint(b, int64(t.Start))
		b = binary.AppendVarint(b, int64(t.End))
		b = binary.AppendVarint(b, int64(t.Span.Start-prev))
		b = binary.AppendVarint(b, int64(t.Span.End-t.Span.Start))
		prev = t.Span.Start
		b = binary.AppendUvarint(b, uint64(len(t.Sentences)))
		at := t.Span.Start
		for _, s := range t.Sentences {
			b = binary.AppendVarint(b, int64(s.Span.Start-at))
			b = binary.AppendVarint(b, int64(s.Span.End-s.Span.Start))
			at = s.Span.Start
		}
	}
	return b
}

// The role byte: the role's index in Roles, or roleOther followed by the
// role as a string; roleInferredBit marks an inferred role.
const (
	roleOther       = 0x07
	roleInferredBit = 0x08
)

func appendRole(b []byte, r Role, inferred bool) []byte {
	var flag byte
	if inferred {
		flag = roleInferredBit
	}
	if i := slices.Index(Roles, r); i >= 0 {
		return append(b, byte(i)|flag)
	}
	return appendString(append(b, roleOther|flag), string(r))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errTurnCodec = errors.New("corrupt turns")

// DecodeTurns reads what EncodeTurns wrote.
func DecodeTurns(b []byte) ([]Turn, error) {
	var d turnDecoder
	return d.decode(nil, b)
}

// decode appends the turns b encodes to turns. One decoder decoding the
// blocks of a transcript keeps one copy of each speaker's name.
func (d *turnDecoder) decode(turns []Turn, b []byte) ([]Turn, error) {
	if len(b) == 0 || b[0] != 1 && b[0] != 2 {
		return nil, errTurnCodec
	}
	roles := b[0] >= 2
	d.b, d.err = b[1:], nil
	n := d.uvarint()
	if d.err != nil || n > uint64(len(b)) {
		return nil, errTurnCodec
	}
	turns = slices.Grow(turns, int(n))
	// All the sentences in one array, each turn a piece of it: a search
	// decodes the turns of up to twenty transcripts, and one allocation a
	// turn was most of that.
	sentences := d.sentences
	prev := 0
	for range n {
		var t Turn
		t.Speaker = d.string()
		t.SpeakerKey = d.string()
		if roles {
			t.Role, t.RoleInferred = d.role()
		}
		t.Start = time.Duration(d.varint())
		t.End = time.Duration(d.varint())
		t.Span.Start = prev + int(d.varint())
		t.Span.End = t.Span.Start + int(d.varint())
		prev = t.Span.Start
		ns := d.uvarint()
		if d.err != nil || ns > uint64(len(d.b)) {
			return nil, errTurnCodec
		}
		if ns > 0 {
			if uint64(cap(sentences)-len(sentences)) < ns {
				sentences = make([]Sentence, 0, max(ns, uint64(max(len(d.b)/2, d.room))))
			}
			first := len(sentences)
			sentences = sentences[:first+int(ns)]
			t.Sentences = sentences[first:len(sentences):len(sentences)]
		}
		at := t.Span.Start
		for i := range t.Sentences {
			s := &t.Sentences[i].Span
			s.Start = at + int(d.varint())
			s.End = s.Start + int(d.varint())
			at = s.Start
		}
		if d.err != nil {
			return nil, d.err
		}
		turns = append(turns, t)
	}
	if len(d.b) != 0 {
		return nil, errTurnCodec
	}
	d.sentences = sentences
	return turns, nil
}

type turnDecoder struct {
	b       []byte
	err     error
	strings map[string]string // a transcript has few speakers: one string each

	// Across calls of decode: the sentences array being filled, and
	// how many sentences to make room for when it is full (0: half the
	// encoded bytes left).
	sentences []Sentence
	room      int
}

func (d *turnDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errTurnCodec
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *turnDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errTurnCodec
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *turnDecoder) role() (Role, bool) {
	if len(d.b) == 0 {
		d.err = errTurnCodec
		return RoleUnknown, false
	}
	c := d.b[0]
	d.b = d.b[1:]
	inferred := c&roleInferredBit != 0
	switch i := int(c &^ roleInferredBit); {
	case i < len(Roles):
		return Roles[i], inferred
	case i == roleOther:
		return Role(d.string()), inferred
	}
	d.err = errTurnCodec
	return RoleUnknown, false
}

func (d *turnDecoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errTurnCodec
		return ""
	}
	s, ok := d.strings[string(d.b[:n])] // no allocation to look up
	if !ok {
		if d.strings == nil {
			d.strings = map[string]string{}
		}
		s = string(d.b[:n])
		d.strings[s] = s
	}
	d.b = d.b[n:]
	return s
}
