package stages

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"sort"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/pipeline"
	"github.com/alongside-qda/alongside/stages/relevance"
)

// rankWordsAnalyzer names how the kept words were made: the analyzer's
// version and this file's encoding. Words kept by another are analysed
// again.
const rankWordsAnalyzer = relevance.AnalyzerVersion<<8 | 1

// rankCorpus is what ranking reads of the corpus, in flat arrays: every
// current version's analysed words, sentence by sentence, and who speaks
// each turn. Words are held as varints of their relevance IDs (id*2, +1
// for a function word), decoded a unit at a time: common words come
// first in the vocabulary, so most take a byte (at 30 million words,
// about 40 MB instead of 120 MB as int32s).
type rankCorpus struct {
	words    []byte
	sentEnd  []int32 // sentence i is words[sentEnd[i-1]:sentEnd[i]]
	turns    []rankTurn
	ts       []rankTranscript
	byID     map[string]int
	speakers []string // the speaker keys turns name
	speaker  map[string]int32

	seqs, sentLen []int32 // add's buffers
}

type rankTranscript struct {
	id, version string
	firstTurn   int32
}

type rankTurn struct {
	t         int32 // transcript (in ts)
	speaker   int32 // in speakers
	firstSent int32
	sentences int32
}

// turnNumber is turn g's number in its transcript.
func (c *rankCorpus) turnNumber(g int32) int {
	return int(g - c.ts[c.turns[g].t].firstTurn)
}

// speakerKey is who speaks turn g.
func (c *rankCorpus) speakerKey(g int32) string { return c.speakers[c.turns[g].speaker] }

// turnOf is the turn sentence s is in: the last turn starting at or
// before it (turns are in order, and an empty turn starts where the next
// does).
func (c *rankCorpus) turnOf(s int32) int32 {
	g := sort.Search(len(c.turns), func(g int) bool { return c.turns[g].firstSent > s }) - 1
	for g > 0 && c.turns[g].sentences == 0 {
		g--
	}
	return int32(g)
}

func (c *rankCorpus) sentStart(s int32) int32 {
	if s == 0 {
		return 0
	}
	return c.sentEnd[s-1]
}

// span is the words of sentences first to last of a turn (in turns),
// decoded into buf (see relevance.Units).
func (c *rankCorpus) span(g int32, first, last int, buf []int32) relevance.Doc {
	tr := c.turns[g]
	return c.decode(c.sentStart(tr.firstSent+int32(first)), c.sentEnd[tr.firstSent+int32(last)], buf)
}

// decode appends the words of words[a:b] to buf[:0]. It runs for every
// unit of the corpus for every code, so a word of one or two bytes (most
// are: ID below 8192) is read without a branch on its length, which is
// as unpredictable as the words.
func (c *rankCorpus) decode(a, b int32, buf []int32) relevance.Doc {
	w := c.words[a:b]
	seq := slices.Grow(buf[:0], len(w))[:len(w)] // no more words than bytes
	n := 0
	for i := 0; i < len(w); {
		x := uint32(w[i])
		if i+1 < len(w) {
			x |= uint32(w[i+1]) << 8
		}
		if x&0x8080 == 0x8080 { // three bytes or more (binary.AppendUvarint of an int32: five at most)
			v := x&0x7f | (x>>1)&0x3f80
			i += 2
			for shift := 14; ; shift += 7 {
				b := uint32(w[i])
				i++
				v |= (b & 0x7f) << shift
				if b < 0x80 {
					break
				}
			}
			seq[n] = unzigWord(v)
			n++
			continue
		}
		more := x >> 7 & 1 // a second byte
		seq[n] = unzigWord(x&0x7f | (x>>1)&0x3f80&-more)
		n++
		i += 1 + int(more)
	}
	return relevance.Doc{Seq: seq[:n]}
}

// unzigWord is the word ID a kept value stands for: id*2, +1 for a
// function word (-id-1, that is ^id).
func unzigWord(v uint32) int32 { return int32(v>>1) ^ -int32(v&1) }

// candidateDoc is a candidate's words, decoded into buf, when it is in
// the current version of its transcript.
func (c *rankCorpus) candidateDoc(cand store.Candidate, buf []int32) (relevance.Doc, bool) {
	g, ok := c.candidateTurn(cand)
	if !ok {
		return relevance.Doc{}, false
	}
	return c.span(g, cand.First, cand.Last, buf), true
}

// candidateTurn is where a candidate's turn is (in turns) when it is in
// the current version of its transcript.
func (c *rankCorpus) candidateTurn(cand store.Candidate) (int32, bool) {
	ti, ok := c.byID[cand.Transcript]
	if !ok || c.ts[ti].version != cand.Version {
		return 0, false
	}
	g := c.ts[ti].firstTurn + int32(cand.Turn)
	if cand.Turn < 0 || int(g) >= len(c.turns) || c.turns[g].t != int32(ti) ||
		cand.First < 0 || cand.First > cand.Last || cand.Last >= int(c.turns[g].sentences) {
		return 0, false
	}
	return g, true
}

// loadRankCorpus reads every current transcript's words: kept ones as
// they are, others analysed (by workers, in order) and kept for the next
// ranking.
func loadRankCorpus(ctx context.Context, st *store.Store, x *relevance.Index, an *relevance.Analyzer, workers int, progress StepProgress, codes int) (*rankCorpus, error) {
	infos, err := st.Transcripts(ctx)
	if err != nil {
		return nil, err
	}
	type words struct {
		info  store.TranscriptInfo
		data  []byte
		fresh bool // analysed now, to keep
		kept  bool // read from the store
	}
	analyse := func(ctx context.Context, info store.TranscriptInfo) (words, error) {
		t, err := st.Version(ctx, info.ID, info.Version)
		if err != nil {
			return words{}, err
		}
		return words{info: info, data: encodeRankWords(an, t), fresh: true}, nil
	}
	c := newRankCorpus()
	// Sized once from the word counts (a byte and a half a word at 30
	// million words, a byte and three fifths here): growing would copy
	// the corpus.
	total, transcripts, turns := 0, 0, 0
	for _, info := range infos {
		if !info.Removed {
			total += info.Words
			transcripts++
			turns += info.Turns
		}
	}
	c.turns = make([]rankTurn, 0, turns)
	// The progress of the whole ranking: a unit per transcript read, then
	// one per code ranked.
	progress.Start("ranking the queue", transcripts+codes)
	c.words = make([]byte, 0, total*8/5)
	var pending []store.RankWordsRow
	pendingBytes := 0
	flush := func() error {
		err := st.PutRankWords(ctx, rankWordsAnalyzer, pending)
		pending, pendingBytes = nil, 0
		return err
	}
	g := pipeline.New(ctx)
	// The kept words in one scan, in the transcripts' order (both by ID),
	// not a query per transcript: each current version with its kept
	// words, or none to be analysed.
	current := pipeline.Source(g, "rank: transcripts", 0, func(ctx context.Context, emit func(words) error) error {
		var next []store.TranscriptInfo
		for _, info := range infos {
			if !info.Removed {
				next = append(next, info)
			}
		}
		err := st.EachRankWords(ctx, rankWordsAnalyzer, func(id, version string, data []byte) error {
			for len(next) > 0 && next[0].ID < id { // none kept
				if err := emit(words{info: next[0]}); err != nil {
					return err
				}
				next = next[1:]
			}
			if len(next) > 0 && next[0].ID == id && next[0].Version == version {
				if err := emit(words{info: next[0], data: data, kept: true}); err != nil {
					return err
				}
				next = next[1:]
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, info := range next {
			if err := emit(words{info: info}); err != nil {
				return err
			}
		}
		return nil
	})
	read := pipeline.Map(g, "rank: words", workers, workers, current, func(ctx context.Context, w words) (words, error) {
		if w.kept {
			return w, nil
		}
		return analyse(ctx, w.info)
	})
	pipeline.Sink(g, "rank: corpus", read, func(ctx context.Context, w words) error {
		if err := c.add(x, w.info.ID, w.info.Version, w.data); err != nil {
			if w.fresh {
				return err // what was just encoded must decode
			}
			if w, err = analyse(ctx, w.info); err != nil { // damaged: analysed again
				return err
			}
			if err := c.add(x, w.info.ID, w.info.Version, w.data); err != nil {
				return err
			}
		}
		progress.Add(1)
		if !w.fresh {
			return nil
		}
		pending = append(pending, store.RankWordsRow{Transcript: w.info.ID, Version: w.info.Version, Words: w.data})
		if pendingBytes += len(w.data); pendingBytes > 8<<20 {
			return flush()
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// add's buffers are as large as the longest version's words (40 MB
	// for a pasted transcript of 49 MB): not kept through the ranking.
	c.seqs, c.sentLen = nil, nil
	if err := flush(); err != nil {
		return nil, err
	}
	return c, st.PruneRankWords(ctx, rankWordsAnalyzer)
}

// encodeRankWords analyses a version's sentences: its stems (in the order
// they first appear), then each turn's speaker and sentences, each
// sentence its words as stem number*2 (+1 for a function word).
func encodeRankWords(an *relevance.Analyzer, t *corpus.Transcript) []byte {
	local := map[string]uint64{}
	var stems []string
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(t.Turns)))
	for _, turn := range t.Turns {
		body = appendString(body, turn.SpeakerKey)
		body = binary.AppendUvarint(body, uint64(len(turn.Sentences)))
		for _, s := range turn.Sentences {
			toks := an.Tokens(t.Cut(s.Span))
			body = binary.AppendUvarint(body, uint64(len(toks)))
			for _, tok := range toks {
				id, ok := local[tok.Stem]
				if !ok {
					id = uint64(len(stems))
					local[tok.Stem] = id
					stems = append(stems, tok.Stem)
				}
				v := id << 1
				if tok.Stop {
					v |= 1
				}
				body = binary.AppendUvarint(body, v)
			}
		}
	}
	var out []byte
	out = binary.AppendUvarint(out, uint64(len(stems)))
	for _, s := range stems {
		out = appendString(out, s)
	}
	return append(out, body...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var (
	errRankWords      = errors.New("damaged ranking words")
	errRankCorpusSize = errors.New("corpus too large to rank: over 2 GB of analysed words")
)

// wordReader reads what encodeRankWords wrote.
type wordReader struct {
	b   []byte
	err error
}

func (r *wordReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errRankWords
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a count no larger than what is left to read.
func (r *wordReader) count() int {
	v := r.uvarint()
	if v > uint64(len(r.b)) {
		r.err = errRankWords
		return 0
	}
	return int(v)
}

func (r *wordReader) bytes() []byte {
	n := r.count()
	if r.err != nil {
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

// add appends a version's kept words to the corpus and counts them in
// x's statistics; damaged words add nothing (but may add to x's vocabulary).
func (c *rankCorpus) add(x *relevance.Index, id, version string, data []byte) error {
	r := &wordReader{b: data}
	ids := make([]int32, r.count())
	for i := range ids {
		ids[i] = x.WordIDBytes(r.bytes())
	}
	nWords, nSents, nTurns, nSpeakers := len(c.words), len(c.sentEnd), len(c.turns), len(c.speakers)
	ti := int32(len(c.ts))
	// The version's words, decoded, for x's statistics once it is read
	// whole (in buffers kept from one version to the next).
	seqs, sentLen := c.seqs[:0], c.sentLen[:0]
	defer func() { c.seqs, c.sentLen = seqs[:0], sentLen[:0] }()
	turns := r.count()
	for turn := 0; turn < turns && r.err == nil; turn++ {
		tr := rankTurn{t: ti, speaker: c.speakerID(r.bytes()), firstSent: int32(len(c.sentEnd))}
		tr.sentences = int32(r.count())
		for range tr.sentences {
			n := r.count()
			for range n {
				v := r.uvarint()
				if v>>1 >= uint64(len(ids)) {
					r.err = errRankWords
					break
				}
				w := ids[v>>1]
				c.words = binary.AppendUvarint(c.words, uint64(w)<<1|v&1)
				if v&1 == 1 {
					w = -w - 1
				}
				seqs = append(seqs, w)
			}
			if len(c.words) > math.MaxInt32 {
				r.err = errRankCorpusSize
			}
			c.sentEnd = append(c.sentEnd, int32(len(c.words)))
			sentLen = append(sentLen, int32(n))
		}
		c.turns = append(c.turns, tr)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errRankWords
	}
	if r.err != nil {
		c.words, c.sentEnd, c.turns = c.words[:nWords], c.sentEnd[:nSents], c.turns[:nTurns]
		for _, k := range c.speakers[nSpeakers:] {
			delete(c.speaker, k)
		}
		c.speakers = c.speakers[:nSpeakers]
		return r.err
	}
	at := 0
	for _, n := range sentLen {
		x.Add(relevance.Doc{Seq: seqs[at : at+int(n)]})
		at += int(n)
	}
	c.byID[id] = int(ti)
	c.ts = append(c.ts, rankTranscript{id: id, version: version, firstTurn: int32(nTurns)})
	return nil
}

// rankUnits are a code's units: sentences, or whole turns.
type rankUnits struct {
	c     *rankCorpus
	ids   []int32 // sentences, or turns
	turns bool
}

func (u *rankUnits) Len() int { return len(u.ids) }

func (u *rankUnits) Doc(i int, buf []int32) relevance.Doc {
	if u.turns {
		g := u.ids[i]
		return u.c.span(g, 0, int(u.c.turns[g].sentences)-1, buf)
	}
	s := u.ids[i]
	return u.c.decode(u.c.sentStart(s), u.c.sentEnd[s], buf)
}

// unit is where unit i is: its turn (in turns) and sentences.
func (u *rankUnits) unit(i int) (g int32, first, last int) {
	if u.turns {
		g = u.ids[i]
		return g, 0, int(u.c.turns[g].sentences) - 1
	}
	s := u.ids[i]
	g = u.c.turnOf(s)
	si := int(s - u.c.turns[g].firstSent)
	return g, si, si
}

func newRankCorpus() *rankCorpus {
	return &rankCorpus{byID: map[string]int{}, speaker: map[string]int32{}}
}

// speakerID is the number of a speaker key, added when new.
func (c *rankCorpus) speakerID(key []byte) int32 {
	if id, ok := c.speaker[string(key)]; ok {
		return id
	}
	id := int32(len(c.speakers))
	c.speakers = append(c.speakers, string(key))
	c.speaker[string(key)] = id
	return id
}
