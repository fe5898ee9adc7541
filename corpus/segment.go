package corpus

import (
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/jdkato/prose/v2"
)

// DefaultMaxSentenceWords caps the length of a sentence: unpunctuated
// speech comes back from prose as one very long "sentence", which is no use
// as a meaning unit.
const DefaultMaxSentenceWords = 60

// Segmenter splits the turns of transcripts into sentences with prose. One
// Segmenter is safe for concurrent use: its model is loaded once and shared
// (tagging and entity extraction are off, as nothing here uses them).
type Segmenter struct {
	// MaxWords is the longest sentence kept whole; 0 means
	// DefaultMaxSentenceWords.
	MaxWords int
	// ChunkBytes is the most text prose reads as one document; 0 means
	// segmentChunk (tests set it low).
	ChunkBytes int

	once  sync.Once
	model *prose.Model
}

// Segment fills the Sentences of every turn of t, replacing any there.
//
// The turns' texts are joined with blank lines, without labels or time
// stamps, into one prose document per transcript (prose rebuilds its
// sentence splitter on every document). prose's sentences are trimmed
// substrings of that text in order, so a moving cursor finds each one and
// gives its offsets. Then the transcript fixes apply, and win over prose:
//
//   - a turn boundary always ends a sentence;
//   - a "sentence" that starts in lower case, or that is only an omission
//     mark such as "(...)", continues the previous one (prose splits after
//     "(...)" and "approx." where the speaker did not stop);
//   - a sentence longer than MaxWords words is cut, at the last comma, semicolon or
//     dash before the cap when there is one.
//
// Every part of a turn's text ends up in exactly one sentence, even where
// prose and the text disagree.
func (s *Segmenter) Segment(t *Transcript) error {
	return s.SegmentAll([]*Transcript{t})
}

// SegmentAll segments several transcripts with one prose document: prose
// rebuilds its sentence splitter from training data for every document
// (about 20 ms, most of the cost for a transcript of 15,000 words), and a
// transcript's end is a turn boundary, where a sentence always ends, so
// joining them changes no sentence.
func (s *Segmenter) SegmentAll(ts []*Transcript) error {
	s.once.Do(func() {
		// A document with every stage off builds the bare model once.
		doc, err := prose.NewDocument("", prose.WithTokenization(false), prose.WithTagging(false), prose.WithExtraction(false), prose.WithSegmentation(false))
		if err == nil {
			s.model = doc.Model
		}
	})
	maxWords := s.MaxWords
	if maxWords <= 0 {
		maxWords = DefaultMaxSentenceWords
	}
	speeches := make([]speech, len(ts))
	bases := make([]int, len(ts))
	var all strings.Builder
	for i, t := range ts {
		speeches[i] = joinTurns(t)
		if len(ts) == 1 {
			break
		}
		if i > 0 {
			all.WriteString("\n\n")
		}
		bases[i] = all.Len()
		all.WriteString(speeches[i].text)
	}
	text := all.String()
	if len(ts) == 1 {
		text = speeches[0].text // the same bytes: no second copy of a long one
	}
	opts := []prose.DocOpt{prose.WithTokenization(false), prose.WithTagging(false), prose.WithExtraction(false), prose.WithSegmentation(true)}
	if s.model != nil {
		opts = append(opts, prose.UsingModel(s.model))
	}
	// prose builds a token for every word of its document: a pasted
	// transcript of ten million words as one document took gigabytes. It
	// reads at most segmentChunk bytes at a time, cut where a paragraph or
	// a sentence ends.
	var starts []int
	for off := 0; off < len(text); {
		end := chunkEnd(text, off, s.chunk())
		doc, err := prose.NewDocument(text[off:end], opts...)
		if err != nil {
			return err
		}
		for _, st := range alignSentences(text[off:end], doc.Sentences()) {
			starts = append(starts, off+st)
		}
		off = end
	}
	for i, t := range ts {
		lo := sort.SearchInts(starts, bases[i])
		hi := sort.SearchInts(starts, bases[i]+len(speeches[i].text))
		local := make([]int, hi-lo)
		for k, st := range starts[lo:hi] {
			local[k] = st - bases[i]
		}
		speeches[i].setSentences(t, local, maxWords)
	}
	return nil
}

// speech is the turns' texts of a transcript joined with blank lines;
// turnAt[i] is where turn i starts in text, turnByte[i] where it starts in
// the canonical text.
type speech struct {
	text     string
	turnAt   []int
	turnByte []int
}

func joinTurns(t *Transcript) speech {
	var b strings.Builder
	sp := speech{turnAt: make([]int, len(t.Turns)), turnByte: make([]int, len(t.Turns))}
	if len(t.Turns) == 1 { // a pasted transcript: no copy of its text
		b0, b1 := t.byteRange(t.Turns[0].Span)
		sp.turnByte[0], sp.text = b0, t.Text[b0:b1]
		return sp
	}
	for i, turn := range t.Turns {
		b0, b1 := t.byteRange(turn.Span)
		if i > 0 {
			b.WriteString("\n\n")
		}
		sp.turnAt[i], sp.turnByte[i] = b.Len(), b0
		b.WriteString(t.Text[b0:b1])
	}
	sp.text = b.String()
	return sp
}

// setSentences cuts every turn at the sentence starts (increasing offsets
// into sp.text), applies the transcript fixes, and stores the sentences.
func (sp speech) setSentences(t *Transcript, starts []int, maxWords int) {
	conv := offsets{text: t.Text}
	for i := range t.Turns {
		end := len(sp.text)
		if i+1 < len(t.Turns) {
			end = sp.turnAt[i+1] - 2
		}
		shift := sp.turnByte[i] - sp.turnAt[i]
		pieces := splitTurn(sp.text[sp.turnAt[i]:end], sp.turnAt[i], starts, maxWords)
		sents := make([]Sentence, 0, len(pieces))
		for _, p := range pieces {
			sents = append(sents, Sentence{Span: Span{Start: conv.runeOffset(p[0] + shift), End: conv.runeOffset(p[1] + shift)}})
		}
		t.Turns[i].Sentences = sents
	}
}

// chunk is the most text prose reads as one document (ChunkBytes, or
// segmentChunk).
func (s *Segmenter) chunk() int {
	if s.ChunkBytes > 0 {
		return s.ChunkBytes
	}
	return segmentChunk
}

// segmentChunk is the most text prose reads as one document: groups of
// files are about a megabyte (see stages), so only a very long transcript
// is cut.
const segmentChunk = 2 << 20

// chunkEnd is where the chunk of text starting at off ends: the end of the
// text when it is within limit, else the last paragraph break ("\n\n") in
// the second half of the window, else the last sentence end (". ", "? ",
// "! "), else the last space, else the window's end (at a rune start).
func chunkEnd(text string, off, limit int) int {
	if len(text)-off <= limit {
		return len(text)
	}
	win := text[off : off+limit]
	half := limit / 2
	if i := strings.LastIndex(win, "\n\n"); i >= half {
		return off + i + 2
	}
	best := -1
	for _, end := range []string{". ", "? ", "! "} {
		if i := strings.LastIndex(win, end); i > best {
			best = i
		}
	}
	if best >= half {
		return off + best + 2
	}
	if i := strings.LastIndexAny(win, " \t\n"); i >= half {
		return off + i + 1
	}
	end := off + limit
	for end > off && !utf8.RuneStart(text[end]) {
		end--
	}
	return end
}

// alignSentences finds each of prose's sentences in text with a moving
// cursor and returns their start offsets, in order. A sentence it cannot
// find (which prose should never give) is passed over: its text still ends
// up in a neighbour.
func alignSentences(text string, sents []prose.Sentence) []int {
	starts := make([]int, 0, len(sents))
	cursor := 0
	for _, s := range sents {
		if s.Text == "" {
			continue
		}
		i := strings.Index(text[cursor:], s.Text)
		if i < 0 {
			continue
		}
		starts = append(starts, cursor+i)
		cursor += i + len(s.Text)
	}
	return starts
}

// splitTurn cuts one turn's text (which starts at offset base of the joined
// text) at the sentence starts that fall inside it, applies the transcript
// fixes, and returns [start, end) byte pairs in joined-text offsets.
func splitTurn(turn string, base int, starts []int, maxWords int) [][2]int {
	lo := sort.SearchInts(starts, base+1)
	hi := sort.SearchInts(starts, base+len(turn))
	cuts := []int{0}
	for _, s := range starts[lo:hi] {
		if !utf8.RuneStart(turn[s-base]) {
			continue // not a character boundary: no sentence starts here
		}
		if continues(turn[s-base:]) || onlyOmission(turn[cuts[len(cuts)-1]:s-base]) {
			continue
		}
		cuts = append(cuts, s-base)
	}
	cuts = append(cuts, len(turn))

	var out [][2]int
	for i := 0; i+1 < len(cuts); i++ {
		for _, p := range capWords(turn, cuts[i], cuts[i+1], maxWords) {
			a, b := trimPiece(turn, p[0], p[1])
			if a < b {
				out = append(out, [2]int{base + a, base + b})
			}
		}
	}
	return out
}

// continues reports whether a sentence that prose started here really
// continues the previous one: it starts in lower case, or with an omission
// mark followed by lower case.
func continues(s string) bool {
	s = strings.TrimLeft(s, " \t\n")
	for _, mark := range []string{"(...)", "[...]", "…", "..."} {
		if strings.HasPrefix(s, mark) {
			s = strings.TrimLeft(s[len(mark):], " \t\n")
			break
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// onlyOmission reports whether a piece holds nothing but omission marks,
// punctuation and space: it is no sentence of its own.
func onlyOmission(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// capWords cuts text[a:b] into pieces of at most maxWords words, each cut
// after the last comma, semicolon or dash before the cap when the piece has
// one past its first third, else at the cap.
func capWords(text string, a, b, maxWords int) [][2]int {
	var out [][2]int
	for {
		words, cut, soft := 0, -1, -1
		in := false
		for i, r := range text[a:b] {
			w := unicode.IsLetter(r) || unicode.IsDigit(r)
			if w && !in {
				words++
				if words == maxWords+1 {
					cut = a + i
					break
				}
			}
			in = w
			if (r == ',' || r == ';' || r == '–' || r == '—') && words > maxWords/3 {
				soft = a + i + utf8.RuneLen(r)
			}
		}
		if cut < 0 {
			return append(out, [2]int{a, b})
		}
		if soft > a {
			cut = soft
		}
		out = append(out, [2]int{a, cut})
		a = cut
	}
}

// trimPiece narrows [a, b) of text to exclude surrounding white space.
func trimPiece(text string, a, b int) (int, int) {
	for a < b && isSpace(text[a]) {
		a++
	}
	for b > a && isSpace(text[b-1]) {
		b--
	}
	return a, b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' }
