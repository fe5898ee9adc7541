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
	b, a := t.Around(turn, first, last, n)
	crosses := false
	for _, x := range append(slices.Clone(b), a...) {
		crosses = crosses || x.Turn != turn
	}
	render := func(list []SentenceAt, gapBefore, gapAfter bool, labelFirst bool) string {
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
			if crosses && (i == 0 && labelFirst || i > 0 && list[i-1].Turn != x.Turn) {
				write(SpeakerLabel(t.Turns[x.Turn].Speaker) + ":")
			}
			write(t.Cut(t.Turns[x.Turn].Sentences[x.Sentence].Span))
		}
		if gapAfter {
			write(Gap)
		}
		return sb.String()
	}
	if len(b) > 0 {
		before = render(b, b[0].Sentence > 0, false, true)
		if crosses && b[len(b)-1].Turn != turn {
			// the hit's turn resumes after the context: say whose it is
			before += " " + SpeakerLabel(t.Turns[turn].Speaker) + ":"
		}
	}
	if len(a) > 0 {
		l := a[len(a)-1]
		after = render(a, false, l.Sentence < len(t.Turns[l.Turn].Sentences)-1, a[0].Turn != turn)
	}
	return before, after
}

// SentenceAt is one sentence of a transcript: its turn and its index in
// the turn.
type SentenceAt struct{ Turn, Sentence int }

// Around returns up to n sentences before sentences first to last of a
// turn and up to n after them, in the transcript's order, across turns:
// the context every view of a passage shows (search, sheets, the review
// page).
func (t *Transcript) Around(turn, first, last, n int) (before, after []SentenceAt) {
	if n <= 0 || turn < 0 || turn >= len(t.Turns) {
		return nil, nil
	}
	for ti, si := turn, first-1; len(before) < n && ti >= 0; {
		if si < 0 {
			if ti--; ti >= 0 {
				si = len(t.Turns[ti].Sentences) - 1
			}
			continue
		}
		before = append(before, SentenceAt{ti, si})
		si--
	}
	slices.Reverse(before)
	for ti, si := turn, last+1; len(after) < n && ti < len(t.Turns); {
		if si >= len(t.Turns[ti].Sentences) {
			ti, si = ti+1, 0
			continue
		}
		after = append(after, SentenceAt{ti, si})
		si++
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
