package corpus

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ELAN (.eaf) files are XML (schema EAFv3.0.xsd): a TIME_ORDER of
// TIME_SLOTs with TIME_VALUEs in milliseconds (a slot may have none), and
// TIERs of annotations. A top-level tier holds one participant's speech in
// ALIGNABLE_ANNOTATIONs that refer to two time slots; dependent tiers
// (those with a PARENT_REF: translations, glosses, notes, words) are left
// out, and so are REF_ANNOTATIONs. The reader orders the annotations of
// all speech tiers by time; one speaker's consecutive annotations are one
// turn. The speaker is the tier's PARTICIPANT, or its TIER_ID when that is
// empty.

// errNotEAF marks an XML file that is not an ELAN annotation document.
var errNotEAF = errors.New("not an ELAN file")

// eafAnn is one alignable annotation of a speech tier.
type eafAnn struct {
	speaker    string
	ref1, ref2 string // time slot IDs
	text       string
	line       int
	tier, seq  int // for a stable order of annotations at the same time
	key        time.Duration
}

// eafSlot is one time slot: its time, or NoTime, and its place in the
// TIME_ORDER.
type eafSlot struct {
	t     time.Duration
	order int
}

// parseEAF reads an ELAN annotation document.
// One pass over the XML tokens: time slots, tiers and annotations refer
// to each other by ID, so the reader keeps them side by side and resolves
// them at the end (long, but read top to bottom).
func parseEAF(src source) ([]*Transcript, error) {
	if _, err := Canonical(src.raw); err != nil {
		return nil, err // binary, or bad UTF-8 with its line
	}
	d := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(string(src.raw), "\ufeff")))
	line := func() int { l, _ := d.InputPos(); return l }
	attr := func(se xml.StartElement, name string) string {
		for _, a := range se.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	var (
		slots     = map[string]eafSlot{}
		slotOrder []string
		anns      []eafAnn
		root      bool
		tier      = -1
		speaker   string
		speech    bool // inside a top-level tier
		cur       *eafAnn
		inValue   bool
		value     strings.Builder
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &FileError{Line: se.Line, Err: fmt.Errorf("bad XML: %s", se.Msg)}
			}
			return nil, &FileError{Line: line(), Err: fmt.Errorf("bad XML: %w", err)}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !root {
				if t.Name.Local != "ANNOTATION_DOCUMENT" {
					return nil, &FileError{Line: line(), Err: fmt.Errorf("%w: the root element is <%s>, not <ANNOTATION_DOCUMENT>", errNotEAF, t.Name.Local)}
				}
				root = true
				continue
			}
			switch t.Name.Local {
			case "HEADER":
				if u := attr(t, "TIME_UNITS"); u != "" && u != "milliseconds" {
					return nil, &FileError{Line: line(), Err: fmt.Errorf("time units %q: only milliseconds are supported", u)}
				}
			case "TIME_SLOT":
				id := attr(t, "TIME_SLOT_ID")
				if _, dup := slots[id]; dup || id == "" {
					return nil, &FileError{Line: line(), Err: fmt.Errorf("time slot %q is empty or defined twice", id)}
				}
				s := eafSlot{t: NoTime, order: len(slotOrder)}
				if v := attr(t, "TIME_VALUE"); v != "" {
					ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
					if err != nil || ms < 0 || time.Duration(ms) > maxTableTime/time.Millisecond {
						return nil, &FileError{Line: line(), Err: fmt.Errorf("time slot %q: bad TIME_VALUE %q", id, v)}
					}
					s.t = time.Duration(ms) * time.Millisecond
				}
				slots[id] = s
				slotOrder = append(slotOrder, id)
			case "TIER":
				tier++
				speech = attr(t, "PARENT_REF") == ""
				speaker = asrLabel(attr(t, "PARTICIPANT"))
				if speaker == "" {
					speaker = asrLabel(attr(t, "TIER_ID"))
				}
			case "ALIGNABLE_ANNOTATION":
				if speech && tier >= 0 {
					cur = &eafAnn{speaker: speaker, ref1: attr(t, "TIME_SLOT_REF1"), ref2: attr(t, "TIME_SLOT_REF2"), line: line(), tier: tier, seq: len(anns)}
				}
			case "ANNOTATION_VALUE":
				if cur != nil {
					inValue = true
					value.Reset()
				}
			}
		case xml.CharData:
			if inValue {
				value.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "ANNOTATION_VALUE":
				inValue = false
			case "ALIGNABLE_ANNOTATION":
				if cur != nil {
					cur.text = value.String()
					anns = append(anns, *cur)
					cur = nil
				}
			case "TIER":
				speech = false
			}
		}
	}
	if !root {
		return nil, fmt.Errorf("%w: no <ANNOTATION_DOCUMENT>", errNotEAF)
	}
	// An unaligned slot sorts at the time of the last aligned slot before
	// it in the TIME_ORDER.
	keys := make([]time.Duration, len(slotOrder))
	last := time.Duration(0)
	for i, id := range slotOrder {
		if t := slots[id].t; t != NoTime {
			last = t
		}
		keys[i] = last
	}
	for i := range anns {
		a := &anns[i]
		s1, ok1 := slots[a.ref1]
		s2, ok2 := slots[a.ref2]
		if !ok1 || !ok2 {
			missing := a.ref1
			if ok1 {
				missing = a.ref2
			}
			return nil, &FileError{Line: a.line, Err: fmt.Errorf("annotation refers to time slot %q, which TIME_ORDER does not define", missing)}
		}
		if s1.t != NoTime && s2.t != NoTime && s2.t < s1.t {
			return nil, &FileError{Line: a.line, Err: fmt.Errorf("annotation ends (%v) before it starts (%v)", s2.t, s1.t)}
		}
		a.key = keys[s1.order]
	}
	sort.SliceStable(anns, func(i, j int) bool {
		if anns[i].key != anns[j].key {
			return anns[i].key < anns[j].key
		}
		return anns[i].tier < anns[j].tier
	})
	var r renderer
	for i := 0; i < len(anns); {
		j, texts := i, []string{}
		for ; j < len(anns) && anns[j].speaker == anns[i].speaker; j++ {
			texts = append(texts, anns[j].text)
		}
		start, end := slots[anns[i].ref1].t, slots[anns[j-1].ref2].t
		if start != NoTime && end != NoTime && end < start {
			end = NoTime // overlapping annotations of one speaker
		}
		r.add(anns[i].speaker, asrText(strings.Join(texts, " ")), start, end, anns[i].line)
		i = j
	}
	t, err := build(src, src.id, src.id, r.text(), r.turns, map[string]string{"layout": "elan"})
	if err != nil {
		return nil, err
	}
	return []*Transcript{t}, nil
}
