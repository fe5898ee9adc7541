package relevance

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/alongside-qda/alongside/index" // registers the apostrophe filter; parses keyword rules
)

// negations stay words of their own: "I don't want to" is sustain talk,
// "I want to" change talk, and the stock stop list drops both.
var negations = map[string]bool{"no": true, "not": true, "nor": true, "don't": true, "can't": true, "won't": true,
	"didn't": true, "doesn't": true, "isn't": true, "wasn't": true, "aren't": true, "couldn't": true, "wouldn't": true,
	"shouldn't": true, "haven't": true, "hasn't": true, "weren't": true, "never": true}

// AnalyzerVersion changes whenever Tokens would give other tokens for the
// same text: words kept from an earlier analysis are then made again.
const AnalyzerVersion = 2

// Analyzer turns text into stemmed words, as the index's "text" field
// does: unicode words, apostrophes folded, lower case, possessives
// dropped, Snowball English stems. Function words are marked, not
// dropped: they count in word pairs ("don't want") but never in a query
// or in why.
type Analyzer struct {
	a    analysis.Analyzer
	tok  analysis.Tokenizer // a's own, alone: where the words are
	stop analysis.TokenMap
}

// NewAnalyzer builds the analyzer from Bleve's own components.
func NewAnalyzer() (*Analyzer, error) {
	cache := registry.NewCache()
	tok, err := cache.TokenizerNamed(unicode.Name)
	if err != nil {
		return nil, fmt.Errorf("relevance analyzer: %w", err)
	}
	var filters []analysis.TokenFilter
	for _, name := range []string{index.ApostropheFilter, lowercase.Name, en.PossessiveName, en.SnowballStemmerName} {
		f, err := cache.TokenFilterNamed(name)
		if err != nil {
			return nil, fmt.Errorf("relevance analyzer: %w", err)
		}
		filters = append(filters, f)
	}
	stop := analysis.NewTokenMap()
	if err := stop.LoadBytes(en.EnglishStopWords); err != nil {
		return nil, fmt.Errorf("relevance analyzer: %w", err)
	}
	for w := range negations {
		delete(stop, w)
	}
	return &Analyzer{a: &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: filters}, tok: tok, stop: stop}, nil
}

// Token is one word of a text: its stem, byte offsets, and whether it is
// a function word.
type Token struct {
	Stem       string
	Start, End int
	Stop       bool
}

// pseudo says whether t is a mark the analyzer adds, not a word.
func (t Token) pseudo() bool { return t.Stem == questionMark }

// questionMark is the stem of the pseudo-token that marks a question.
const questionMark = "?"

// Tokens analyses text. Besides words, a question mark (a run of them)
// is a token of its own, stem "?", marked as a function word: a question
// is not a statement ("so you feel stuck." is a reflection, "do you feel
// stuck?" is not), which the words alone do not tell. It counts in the
// learned model, never in a query, a keyword rule or why.
func (a *Analyzer) Tokens(text string) []Token {
	ts := a.a.Analyze([]byte(text))
	out := make([]Token, 0, len(ts)+1)
	interleave(ts, questions(text), func(t *analysis.Token) {
		surface := strings.ToLower(strings.ReplaceAll(text[t.Start:t.End], "’", "'"))
		out = append(out, Token{Stem: string(t.Term), Start: t.Start, End: t.End, Stop: a.stop[surface] || len(t.Term) < 2})
	}, func(q Token) { out = append(out, q) })
	return out
}

// interleave gives the words of ts and the question marks q in text
// order: where Tokens puts each mark, and so where a passage's kept words
// have it.
func interleave(ts analysis.TokenStream, q []Token, word func(*analysis.Token), mark func(Token)) {
	for _, t := range ts {
		for len(q) > 0 && q[0].Start < t.Start {
			mark(q[0])
			q = q[1:]
		}
		word(t)
	}
	for _, t := range q {
		mark(t)
	}
}

// questions are the question-mark tokens of text ("?" or the full-width
// "？"), one per run of marks.
func questions(text string) []Token {
	var out []Token
	for i, r := range text {
		if r != '?' && r != '？' {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End == i {
			out[n-1].End = i + utf8.RuneLen(r)
			continue
		}
		out = append(out, Token{Stem: questionMark, Start: i, End: i + utf8.RuneLen(r), Stop: true})
	}
	return out
}

// lazySpans are where the tokens of a text are, as Tokens gives them
// (words and question marks), without the filters' work (no filter drops
// or adds a word), found a chunk of text at a time as far as asked.
type lazySpans struct {
	a     *Analyzer
	text  string
	off   int // how far the text has been read
	spans [][2]int
}

// spanChunk is how much text is tokenized at a time.
const spanChunk = 64 << 10

// at is where token i is; false past the text's end.
func (l *lazySpans) at(i int) ([2]int, bool) {
	for len(l.spans) <= i && l.off < len(l.text) {
		l.more()
	}
	if i < len(l.spans) {
		return l.spans[i], true
	}
	return [2]int{}, false
}

// all reads the whole text and says how many tokens it has.
func (l *lazySpans) all() int {
	for l.off < len(l.text) {
		l.more()
	}
	return len(l.spans)
}

// more reads the next chunk, cut after a space so that no word or run of
// question marks is split.
func (l *lazySpans) more() {
	end := min(len(l.text), l.off+spanChunk)
	if end < len(l.text) {
		if i := strings.LastIndexAny(l.text[l.off:end], " \t\n\r"); i > 0 {
			end = l.off + i + 1
		}
	}
	chunk := l.text[l.off:end]
	interleave(l.a.tok.Tokenize([]byte(chunk)), questions(chunk),
		func(t *analysis.Token) { l.spans = append(l.spans, [2]int{l.off + t.Start, l.off + t.End}) },
		func(q Token) { l.spans = append(l.spans, [2]int{l.off + q.Start, l.off + q.End}) })
	l.off = end
}

// Doc is an analysed unit: its words as IDs in the Index's vocabulary, in
// order (function words negative: -id-1), so pairs can be formed.
type Doc struct {
	Seq []int32
}

// Concat joins units (the sentences of a run or a turn).
func Concat(ds ...Doc) Doc {
	n := 0
	for _, d := range ds {
		n += len(d.Seq)
	}
	out := Doc{Seq: make([]int32, 0, n)}
	for _, d := range ds {
		out.Seq = append(out.Seq, d.Seq...)
	}
	return out
}

func wordID(v int32) int32 {
	if v < 0 {
		return -v - 1
	}
	return v
}

// Index holds the vocabulary and the document frequencies of a corpus.
type Index struct {
	an     *Analyzer
	vocab  map[string]int32
	words  []string // by ID
	df     []int32
	pseudo int32 // the ID of "?", -1 until it is seen
	n      int   // documents counted
	total  int64 // their words
	stamp  []int32
}

// NewIndex starts an empty index.
func NewIndex(an *Analyzer) *Index {
	return &Index{an: an, vocab: map[string]int32{}, pseudo: -1}
}

// WordID is stem's ID in the vocabulary, added when new: a Doc read back
// from store is made of these.
func (x *Index) WordID(stem string) int32 { return x.id(stem) }

// WordIDBytes is WordID of a stem as bytes; a known one costs no string.
func (x *Index) WordIDBytes(stem []byte) int32 {
	if id, ok := x.vocab[string(stem)]; ok {
		return id
	}
	return x.id(string(stem))
}

func (x *Index) id(stem string) int32 {
	id, ok := x.vocab[stem]
	if !ok {
		id = int32(len(x.words))
		x.vocab[stem] = id
		x.words = append(x.words, stem)
		x.df = append(x.df, 0)
		if stem == questionMark {
			x.pseudo = id
		}
	}
	return id
}

// isPseudo says whether id is a pseudo-token's, not a word's.
func (x *Index) isPseudo(id int32) bool { return id == x.pseudo }

// Doc analyses text into a Doc, adding new words to the vocabulary (it
// does not count the text in the statistics: see Add).
func (x *Index) Doc(text string) Doc {
	return x.docOf(x.an.Tokens(text))
}

func (x *Index) docOf(toks []Token) Doc {
	d := Doc{Seq: make([]int32, len(toks))}
	for i, t := range toks {
		id := x.id(t.Stem)
		if t.Stop {
			id = -id - 1
		}
		d.Seq[i] = id
	}
	return d
}

// Add counts d in the corpus statistics (each word once per document).
func (x *Index) Add(d Doc) {
	x.n++
	x.total += int64(len(d.Seq))
	if len(x.stamp) < len(x.df) {
		x.stamp = append(x.stamp, make([]int32, len(x.df)-len(x.stamp))...)
	}
	// stamp[id] == n: id already counted in this document (a map per
	// sentence was a tenth of a ranking's time).
	for _, v := range d.Seq {
		id := wordID(v)
		if x.stamp[id] != int32(x.n) {
			x.stamp[id] = int32(x.n)
			x.df[id]++
		}
	}
}

// idf is BM25's inverse document frequency (never negative).
func (x *Index) idf(id int32) float64 {
	df := 0.0
	if int(id) < len(x.df) {
		df = float64(x.df[id])
	}
	return math.Log(1 + (float64(x.n)-df+0.5)/(df+0.5))
}

func (x *Index) avgLen() float64 {
	if x.n == 0 {
		return 1
	}
	return math.Max(1, float64(x.total)/float64(x.n))
}

// BM25's parameters, the usual ones.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// query is a weighted bag of words.
type query map[int32]float64

// addText adds the content words of text to q, each occurrence at weight w.
func (x *Index) addText(q query, text string, w float64) {
	for _, t := range x.an.Tokens(text) {
		if !t.Stop {
			q[x.id(t.Stem)] += w
		}
	}
}

// addPrefix adds every word of the vocabulary whose stem starts with the
// (analysed) prefix, the commonest first, at most maxExpansions of them.
func (x *Index) addPrefix(q query, prefix string, w float64) {
	var ids []int32
	for id := range x.prefixIDs(prefix) {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if x.df[ids[i]] != x.df[ids[j]] {
			return x.df[ids[i]] > x.df[ids[j]]
		}
		return ids[i] < ids[j]
	})
	for i, id := range ids {
		if i == maxExpansions {
			break
		}
		q[id] += w
	}
}

// maxExpansions bounds the words a prefix adds to a query.
const maxExpansions = 20

// bm25 scores d against q, and gives each word's part to fn when not nil.
func (x *Index) bm25(q query, d Doc, fn func(id int32, part float64)) float64 {
	if len(q) == 0 {
		return 0
	}
	return x.bm25Of(func(id int32) float64 { return q[id] * x.idf(id) }, d, fn)
}

// bm25Of scores d with weight(id) as each word's query weight times its
// idf. Words are summed in the order they first appear in d, so the same
// d always gives the same float sum.
func (x *Index) bm25Of(weight func(id int32) float64, d Doc, fn func(id int32, part float64)) float64 {
	if len(d.Seq) == 0 {
		return 0
	}
	type count struct {
		id int32
		w  float64
		n  int
	}
	var local [16]count
	tf := local[:0]
next:
	for _, v := range d.Seq {
		if v < 0 {
			continue
		}
		for i := range tf {
			if tf[i].id == v {
				tf[i].n++
				continue next
			}
		}
		if w := weight(v); w != 0 {
			tf = append(tf, count{v, w, 1})
		}
	}
	norm := bm25K1 * (1 - bm25B + bm25B*float64(len(d.Seq))/x.avgLen())
	s := 0.0
	for _, c := range tf {
		f := float64(c.n)
		part := c.w * f * (bm25K1 + 1) / (f + norm)
		s += part
		if fn != nil {
			fn(c.id, part)
		}
	}
	return s
}

// KeywordWords are the words a keyword rule looks for (under NOT: none),
// for the description query: "walk* AND NOT dog" gives walk* (a prefix
// keeps its star).
func KeywordWords(rule string) []string {
	n, err := index.Parse(rule)
	if err != nil {
		return nil
	}
	var out []string
	var walk func(index.Node)
	walk = func(n index.Node) {
		switch v := n.(type) {
		case index.Word:
			out = append(out, v.Text)
		case index.Prefix:
			out = append(out, v.Text+"*")
		case index.Phrase:
			out = append(out, v.Words...)
		case index.And:
			for _, c := range v.Nodes {
				walk(c)
			}
		case index.Or:
			for _, c := range v.Nodes {
				walk(c)
			}
		}
	}
	walk(n)
	return out
}
