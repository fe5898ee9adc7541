package corpus

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Block is a run of whole turns of a transcript with the text they stand
// in: what the store keeps a transcript's text in, so that showing one
// passage reads the few turns around it instead of the whole text (a
// search showing twenty hits read twenty whole transcripts, 80 KB each,
// and that was a fifth of its time).
//
// The blocks of a transcript hold its whole text, in order, without a
// gap: the first starts at the text's start, each other at its first
// turn's start, and each ends where the next starts (the last, at the
// text's end).
type Block struct {
	FirstTurn int    // the index of its first turn in the transcript
	TextFrom  int    // code points of the transcript's text before Text
	Text      string // from its first turn's start to the next block's
	Turns     []Turn // its turns, spans as in the transcript
}

// Blocks cuts t into blocks of whole turns with about size bytes of text
// each (a turn longer than that is a block of its own). A transcript with
// no turns is one block of its text.
func (t *Transcript) Blocks(size int) []Block {
	if len(t.Turns) == 0 {
		return []Block{{Text: t.Text}}
	}
	total := utf8.RuneCountInString(t.Text)
	// where a block may start: the text's start, then each turn's start
	// (kept in order and inside the text, whatever a reader wrote)
	starts := make([]int, len(t.Turns))
	for i, turn := range t.Turns {
		starts[i] = min(max(turn.Span.Start, 0), total)
		if i == 0 {
			starts[i] = 0
		} else {
			starts[i] = max(starts[i], starts[i-1])
		}
	}
	var blocks []Block
	for first := 0; first < len(t.Turns); {
		b0, _ := t.byteRange(Span{Start: starts[first]})
		end := first + 1
		for end < len(t.Turns) {
			b1, _ := t.byteRange(Span{Start: starts[end]})
			if b1-b0 >= size {
				break
			}
			end++
		}
		to := total
		if end < len(t.Turns) {
			to = starts[end]
		}
		blocks = append(blocks, Block{FirstTurn: first, TextFrom: starts[first],
			Text: t.Cut(Span{Start: starts[first], End: to}), Turns: t.Turns[first:end]})
		first = end
	}
	return blocks
}

// Joiner puts consecutive blocks of a transcript, read back in order,
// together, a block at a time as they are read (its text copied, its turns
// decoded), into a whole transcript or an excerpt: given all the blocks,
// the whole transcript; given some, an excerpt whose Text starts at the
// first block's TextFrom and whose Turns are all there, those outside the
// blocks empty. An excerpt serves Cut and Context for the turns it holds
// (see Shows), nothing else.
type Joiner struct {
	t     *Transcript
	text  strings.Builder
	dec   turnDecoder
	first int // the first turn joined; -1 before the first block
	next  int // the turn the next block starts at
}

// NewJoiner starts joining blocks into into, which holds the transcript's
// other fields (ID, version, metadata); turns is how many turns the whole
// transcript has.
func NewJoiner(into *Transcript, turns int) *Joiner {
	into.Turns, into.Text, into.TextFrom, into.shown = make([]Turn, turns), "", 0, turnRange{}
	j := &Joiner{t: into, first: -1}
	j.dec.room = 1024 // sentences: a block's encoding is short, its transcript's sentences many
	return j
}

// Grow makes room for n bytes of text: the whole text's length, when
// joining all the blocks.
func (j *Joiner) Grow(n int) { j.text.Grow(max(n, 0)) }

// Add joins the next block: its first turn, the code points of the text
// before it, its text and its turns as EncodeTurns wrote them. It keeps
// neither slice.
func (j *Joiner) Add(firstTurn, textFrom int, text, turns []byte) error {
	if j.first < 0 {
		j.first, j.next, j.t.TextFrom = firstTurn, firstTurn, textFrom
	}
	all := len(j.t.Turns)
	if textFrom < 0 {
		return fmt.Errorf("text block of %q at turn %d starts before the text (%d)", j.t.ID, firstTurn, textFrom)
	}
	if firstTurn != j.next || firstTurn < 0 || firstTurn > all {
		return fmt.Errorf("text block of %q at turn %d does not follow on turn %d", j.t.ID, firstTurn, j.next)
	}
	got, err := j.dec.decode(j.t.Turns[firstTurn:firstTurn:all], turns)
	if err != nil {
		return fmt.Errorf("text block of %q at turn %d: %w", j.t.ID, firstTurn, err)
	}
	if firstTurn+len(got) > all || len(got) > 0 && &got[0] != &j.t.Turns[firstTurn] {
		return fmt.Errorf("text block of %q at turn %d: %d turns, past the %d of the transcript", j.t.ID, firstTurn, len(got), all)
	}
	j.next += len(got)
	j.text.Write(text)
	return nil
}

// Transcript returns the transcript the blocks make.
func (j *Joiner) Transcript() *Transcript {
	t := j.t
	t.Text = j.text.String()
	if j.first > 0 || j.next < len(t.Turns) || t.TextFrom > 0 {
		t.shown = turnRange{max(j.first, 0), j.next, t.TextFrom + utf8.RuneCountInString(t.Text)}
	}
	return t
}

// turnRange is the turns an excerpt holds, from first up to to, and where
// its text ends (in code points); zero for a whole transcript.
type turnRange struct{ first, to, textEnd int }

// Shows says whether t shows sentences first to last of a turn, and n
// sentences of context either side, as the whole transcript would: always
// for a whole transcript; for an excerpt, when they and every turn the
// context walks over are among its turns, and their text is in its text.
func (t *Transcript) Shows(turn, first, last, n int) bool {
	if t.shown == (turnRange{}) {
		return true
	}
	if turn < t.shown.first || turn >= t.shown.to {
		return false
	}
	before, after := t.Around(turn, first, last, n)
	// Context cut short by a turn the excerpt lacks (it looks empty) would
	// end at the excerpt's edge, not at the transcript's.
	if len(before) < n && t.shown.first > 0 || len(after) < n && t.shown.to < len(t.Turns) {
		return false
	}
	for _, s := range append(before, after...) {
		if !t.Holds(t.Turns[s.Turn].Sentences[s.Sentence].Span) {
			return false
		}
	}
	if first < 0 || last >= len(t.Turns[turn].Sentences) || first > last {
		return false
	}
	for _, s := range t.Turns[turn].Sentences[first : last+1] {
		if !t.Holds(s.Span) {
			return false
		}
	}
	return true
}
