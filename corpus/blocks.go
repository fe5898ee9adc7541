package corpus

import (
	"fmt"
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

// JoinBlocks puts consecutive blocks of a transcript back together into
// into, which holds the transcript's other fields (ID, version, metadata);
// turns is how many turns the whole transcript has. Given all its blocks,
// into is the whole transcript; given some, it is an excerpt: its Text
// starts at the first block's TextFrom and its Turns are all there, those
// outside the blocks empty. An excerpt serves Cut and Context for the
// turns it holds (see Shows), nothing else.
func JoinBlocks(into *Transcript, blocks []Block, turns int) (*Transcript, error) {
	into.Turns = make([]Turn, turns)
	into.Text, into.TextFrom = "", 0
	if len(blocks) == 0 {
		into.Turns = into.Turns[:0]
		return into, nil
	}
	size := 0
	for _, b := range blocks {
		size += len(b.Text)
	}
	text := make([]byte, 0, size)
	at := blocks[0].TextFrom
	for i, b := range blocks {
		if b.TextFrom != at {
			return nil, fmt.Errorf("text block %d of %q starts at %d, not %d", i, into.ID, b.TextFrom, at)
		}
		if b.FirstTurn < 0 || b.FirstTurn+len(b.Turns) > turns || i > 0 && b.FirstTurn != blocks[i-1].FirstTurn+len(blocks[i-1].Turns) {
			return nil, fmt.Errorf("text block %d of %q: turns %d to %d of %d do not follow on", i, into.ID, b.FirstTurn, b.FirstTurn+len(b.Turns), turns)
		}
		copy(into.Turns[b.FirstTurn:], b.Turns)
		text = append(text, b.Text...)
		at += utf8.RuneCountInString(b.Text)
	}
	into.Text, into.TextFrom = string(text), blocks[0].TextFrom
	into.shown = turnRange{blocks[0].FirstTurn, blocks[len(blocks)-1].FirstTurn + len(blocks[len(blocks)-1].Turns)}
	if into.TextFrom == 0 && into.shown == (turnRange{0, turns}) {
		into.shown = turnRange{} // the whole transcript
	}
	return into, nil
}

// turnRange is the turns an excerpt holds, from first up to to; zero for
// a whole transcript.
type turnRange struct{ first, to int }

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
