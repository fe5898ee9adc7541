package corpus

import (
	"iter"
	"strconv"
	"strings"
	"time"
)

// Passage limits: a passage is a run of whole sentences of one turn, at most
// PassageSentences sentences and, past its first sentence, at most
// PassageWords words.
const (
	PassageSentences = 5
	PassageWords     = 120
)

// Passage is the unit the index stores: up to PassageSentences consecutive
// sentences of one turn, with exact offsets. Words that must occur together
// (AND, phrases, ~N) must occur in one passage; a phrase never crosses a
// sentence.
type Passage struct {
	ID           string        // "<transcript ID>#<version prefix>#<seq>": stable for the same text
	TranscriptID string        //
	Version      string        // the transcript version (Transcript.Version)
	Seq          int           // 0-based position in the transcript
	Turn         int           // index of the turn
	Sentence     int           // index of its first sentence in the turn
	Speaker      string        // as written
	SpeakerKey   string        //
	Time         time.Duration // the turn's start time, or NoTime
	Span         Span          // from the first sentence's start to the last one's end
	Sentences    []string      // the sentences' texts
	Spans        []Span        // the sentences' spans
}

// PassageID is the stable ID of passage seq of a transcript version.
func PassageID(transcriptID, version string, seq int) string {
	return PassageIDPrefix(transcriptID, version) + strconv.Itoa(seq)
}

// PassageIDPrefix is what the IDs of a version's passages begin with: the
// transcript ID and the first 12 characters of the version, each followed
// by '#'.
func PassageIDPrefix(transcriptID, version string) string {
	if len(version) > 12 {
		version = version[:12]
	}
	return transcriptID + "#" + version + "#"
}

// ParsePassageID splits a passage ID into its transcript ID, the first 12
// characters of its version and its seq; ok is false for other strings.
func ParsePassageID(id string) (transcriptID, version string, seq int, ok bool) {
	i := strings.LastIndexByte(id, '#')
	if i < 0 {
		return "", "", 0, false
	}
	j := strings.LastIndexByte(id[:i], '#')
	if j < 0 {
		return "", "", 0, false
	}
	seq, err := strconv.Atoi(id[i+1:])
	if err != nil {
		return "", "", 0, false
	}
	return id[:j], id[j+1 : i], seq, true
}

// Passages cuts a segmented transcript into passages.
func Passages(t *Transcript) []Passage {
	var out []Passage
	for p := range EachPassage(t) {
		out = append(out, p)
	}
	return out
}

// EachPassage yields the passages of a segmented transcript in order, the
// ones Passages returns, one at a time: a pasted transcript of millions of
// words has hundreds of thousands of passages, and the batch indexes and
// stores them without holding them all.
func EachPassage(t *Transcript) iter.Seq[Passage] {
	return func(yield func(Passage) bool) {
		seq := 0
		for ti, turn := range t.Turns {
			for si := 0; si < len(turn.Sentences); {
				p := Passage{
					ID: PassageID(t.ID, t.Version, seq), TranscriptID: t.ID, Version: t.Version,
					Seq: seq, Turn: ti, Sentence: si,
					Speaker: turn.Speaker, SpeakerKey: turn.SpeakerKey, Time: turn.Start,
				}
				words := 0
				for si < len(turn.Sentences) && len(p.Sentences) < PassageSentences {
					s := t.Cut(turn.Sentences[si].Span)
					w := Words(s)
					if len(p.Sentences) > 0 && words+w > PassageWords {
						break
					}
					words += w
					p.Sentences = append(p.Sentences, s)
					p.Spans = append(p.Spans, turn.Sentences[si].Span)
					si++
				}
				p.Span = Span{Start: p.Spans[0].Start, End: p.Spans[len(p.Spans)-1].End}
				if !yield(p) {
					return
				}
				seq++
			}
		}
	}
}
