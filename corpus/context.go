package corpus

import (
	"slices"
	"strings"
)

// Gap marks speech left out of a context: the part of a turn before or
// after the sentences shown.
const Gap = "[…]"

// Context returns up to n sentences before and after sentences first to
// last of a turn, in the transcript's order, across turns. A quote copied
// from it must not put words in the wrong mouth, so when the context reaches
// into another turn every turn's part starts with its speaker
// ("Therapist: ", the hit's own turn included), and Gap marks where a turn
// goes on beyond what is shown. Context wholly inside the hit's own turn
// carries no label: the hit's speaker is shown beside it.
func (t *Transcript) Context(turn, first, last, n int) (before, after string) {
	if n <= 0 || turn < 0 || turn >= len(t.Turns) {
		return "", ""
	}
	type at struct{ turn, sentence int }
	var b []at
	ti, si := turn, first-1
	for len(b) < n && ti >= 0 {
		if si < 0 {
			ti--
			if ti >= 0 {
				si = len(t.Turns[ti].Sentences) - 1
			}
			continue
		}
		b = append(b, at{ti, si})
		si--
	}
	slices.Reverse(b)
	var a []at
	ti, si = turn, last+1
	for len(a) < n && ti < len(t.Turns) {
		if si >= len(t.Turns[ti].Sentences) {
			ti++
			si = 0
			continue
		}
		a = append(a, at{ti, si})
		si++
	}
	crosses := false
	for _, x := range append(slices.Clone(b), a...) {
		crosses = crosses || x.turn != turn
	}
	render := func(list []at, gapBefore, gapAfter bool, labelFirst bool) string {
		var sb strings.Builder
		write := func(s string) {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(s)
		}
		if gapBefore {
			write(Gap)
		}
		for i, x := range list {
			if crosses && (i == 0 && labelFirst || i > 0 && list[i-1].turn != x.turn) {
				write(SpeakerLabel(t.Turns[x.turn].Speaker) + ":")
			}
			write(t.Cut(t.Turns[x.turn].Sentences[x.sentence].Span))
		}
		if gapAfter {
			write(Gap)
		}
		return sb.String()
	}
	if len(b) > 0 {
		before = render(b, b[0].sentence > 0, false, true)
		if crosses && b[len(b)-1].turn != turn {
			// the hit's turn resumes after the context: say whose it is
			before += " " + SpeakerLabel(t.Turns[turn].Speaker) + ":"
		}
	}
	if len(a) > 0 {
		l := a[len(a)-1]
		after = render(a, false, l.sentence < len(t.Turns[l.turn].Sentences)-1, a[0].turn != turn)
	}
	return before, after
}

// SpeakerLabel is how a turn's speaker is named to a reader: the label as
// written, or "(unknown speaker)".
func SpeakerLabel(speaker string) string {
	if strings.TrimSpace(speaker) == "" {
		return "(unknown speaker)"
	}
	return speaker
}
