package corpus

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// sbvTiming is a YouTube SBV timing line: "0:00:01.000,0:00:04.000".
var sbvTiming = lazyRegexp(`^\s*(\d{1,3}:\d{2}:\d{2}(?:\.\d{1,3})?)\s*,\s*(\d{1,3}:\d{2}:\d{2}(?:\.\d{1,3})?)\s*$`)

// sbvMarker is YouTube's speaker change mark ">>", at the start of a line
// or after a space.
var sbvMarker = lazyRegexp(`(?:^|\s)>>(?:\s|$)`)

// parseSBV reads YouTube SBV captions: blocks of a timing line and text
// lines, a blank line between blocks. SBV has no markup; YouTube's caption
// convention marks a change of speaker with ">>", and names the speaker
// with ">> NAME:". A cue without ">>" carries on the turn before it
// (captions cut turns anywhere); ">>" without a name starts a turn of an
// unknown speaker. Consecutive parts of one named speaker are one turn.
func parseSBV(src source) ([]*Transcript, error) {
	type part struct {
		speaker    string
		change     bool // starts at a ">>"
		text       string
		start, end time.Duration
		line       int
	}
	var parts []part
	lines := strings.Split(src.text, "\n")
	for i := 0; i < len(lines); {
		if strings.TrimSpace(lines[i]) == "" {
			i++
			continue
		}
		m := sbvTiming().FindStringSubmatch(lines[i])
		if m == nil {
			return nil, &FileError{Line: i + 1, Err: fmt.Errorf("%w: expected an SBV timing line such as \"0:00:01.000,0:00:04.000\", found %s", errBrokenCue, cueQuote(lines[i]))}
		}
		start, ok1 := parseClock(m[1])
		end, ok2 := parseClock(m[2])
		if !ok1 || !ok2 {
			return nil, &FileError{Line: i + 1, Err: fmt.Errorf("%w: bad timing line %s", errBrokenCue, cueQuote(lines[i]))}
		}
		if end < start {
			return nil, &FileError{Line: i + 1, Err: fmt.Errorf("%w: end %s is before start %s", errBrokenCue, m[2], m[1])}
		}
		line := i + 1
		var text []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			text = append(text, strings.TrimSpace(lines[i]))
		}
		cue := strings.Join(text, " ")
		// Split the cue at each ">>"; the text before the first one
		// carries on the current turn.
		at := 0
		idx := sbvMarker().FindAllStringIndex(cue, -1)
		for k := 0; k <= len(idx); k++ {
			seg, change := cue[at:], k > 0
			if k < len(idx) {
				seg = cue[at:idx[k][0]]
				at = idx[k][1]
			}
			if k == 0 && len(idx) > 0 && strings.TrimSpace(seg) == "" {
				continue
			}
			p := part{change: change, text: strings.TrimSpace(seg), start: start, end: end, line: line}
			if change {
				if label, rest, ok := cueLabel(p.text); ok && sbvName(label) {
					p.speaker, p.text = label, rest
				}
			}
			parts = append(parts, p)
		}
	}
	var r renderer
	speaker := ""
	for i := 0; i < len(parts); {
		if parts[i].change {
			speaker = parts[i].speaker
		}
		j, texts := i, []string{}
		for ; j < len(parts); j++ {
			p := parts[j]
			// A ">>" starts a new turn unless it names the speaker
			// already talking.
			if j > i && p.change && (p.speaker == "" || p.speaker != speaker) {
				break
			}
			if p.text != "" {
				texts = append(texts, p.text)
			}
		}
		r.add(speaker, norm.NFC.String(strings.Join(texts, " ")), parts[i].start, parts[j-1].end, parts[i].line)
		i = j
	}
	t, err := build(src, src.id, src.id, r.text(), r.turns, nil)
	if err != nil {
		return nil, err
	}
	return []*Transcript{t}, nil
}

// sbvName reports whether a ">> LABEL:" names a speaker: a name in
// capitals, as YouTube's captioners write them, or one shaped like a name.
func sbvName(label string) bool {
	if utf8.RuneCountInString(label) > maxCueLabel || len(strings.Fields(label)) > 5 {
		return false
	}
	return !strings.ContainsFunc(label, unicode.IsLower) || cueNameLike(label)
}
