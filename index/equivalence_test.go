package index

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"

	"github.com/alongside-qda/alongside/corpus"
)

// The AnnoMI equivalence test indexes the public-domain AnnoMI transcripts
// (../corpus/testdata/annomi) and checks, for queries covering every
// operator, that the index finds exactly the passages an independent
// brute-force matcher finds in the passages' texts. The matcher tokenizes
// sentences itself (a model of the Unicode word boundaries, UAX #29, for the
// characters transcripts use), stems with the Snowball English stemmer, and
// evaluates the parsed query tree with the documented semantics; nothing of
// Bleve's query machinery is involved.

const annomiCSV = "../corpus/testdata/annomi/AnnoMI-simple.csv"

// annomiQueries cover every operator and the tokenizer's edges.
var annomiQueries = []string{
	// phrases
	`"cut down"`,
	`"part of the"`,
	`"don't know"`,
	`"don’t know"`, // curly apostrophe in the query
	`"give up"`,
	`"at the end of the day"`,
	`"on a scale of"`,
	`"I don't want"`,
	`="cut down"`,
	`="drinking alcohol"`,
	// two common words: the pair alone finds the passages when a search
	// ranks without locations
	`"you know"`,
	`"and and"`,
	`"it's like"`,
	`="you know"`,
	// words, stemmed and exact
	`medication`,
	`drinking`,
	`people's`, // people, people's (the possessive goes)
	`=drinking`,
	`=I'm`,
	`=I’m`,
	`=don’t`,
	`=cause`, // "'cause" is the word cause
	// prefixes
	`drink*`,
	`exercise*`,
	`smok*`,
	`Don’t*`,
	`there*`,
	// proximity
	`"want to quit"~3`,
	`"quit smoking"~2`,
	`"I don't want"~4`,
	`"smoking quit"~0`,
	`"that that"~1`, // a repeated word needs two occurrences
	`"drink drink"~5`,
	`="part of"~0`,
	`"feel like I"~6`,
	// two common words (their locations walked side by side)
	`"you know"~3`,
	`"know you"~0`,
	`"I think"~2`,
	`"and the"~3`,
	`"to the"~1`,
	// boolean
	`alcohol OR gambling`,
	`gambl* OR betting`,
	`(smoke OR smoking) AND quit`,
	`drink* NOT alcohol`,
	`NOT (alcohol OR drink* OR smok*)`,
	`quit OR (cut AND down) NOT alcohol`,
	`"cut down" OR "want to quit"~3`,
	`NOT "quit smoking"~2 quit`,
	// phrases inside other clauses: their searcher is advanced, not walked
	`"cut down" AND smok*`,
	`NOT "give up" quit`,
	`"little bit" AND (drink* OR smok*)`,
	`"at the end of the day" OR "part of the" OR "you know"~1`,
	`"I don't know" "a little bit"`,
	// fields
	`smok* speaker:client`,
	`NOT drink* speaker:therapist`,
	`speaker:Client "feel like"`,
	`transcript:AnnoMI-simple/1*`,
	`transcript:AnnoMI-simple/6 drink*`,
	`transcript:AnnoMI-simple/1* OR speaker:client alcohol`,
	// every hit ties: ordered by transcript ID ("AnnoMI-simple/10" before "/2")
	`speaker:client NOT (transcript:AnnoMI-simple/0 OR transcript:AnnoMI-simple/1)`,
	// tokenizer edges seen in AnnoMI
	`6:15`,     // a colon between digits splits: the phrase "6 15"
	`1,000`,    // a comma between digits does not
	`2.8`,      // nor a full stop
	`there.I`,  // a full stop between letters does not split either
	`Um,I`,     // a comma between letters does
	`mm-hmm`,   // hyphens split
	`A1C`,      // letters and digits make one word
	`=20s`,     // nor digits and letters
	`00:01:33`, // a time stamp in the text: three words
	`years'`,   // a trailing apostrophe is no part of the word
}

// annomiRare are words of the edge queries that only one AnnoMI transcript
// has: a sample keeps those transcripts.
var annomiRare = []string{"1,000", "2.8", "there.I", "A1C"}

// annomiSample reads and segments the AnnoMI transcripts and cuts them into
// passages: all of them, or (with -short or -race, under which segmenting
// and indexing take minutes) every third transcript and those with a word
// of annomiRare.
func annomiSample(t *testing.T) ([]*corpus.Transcript, []corpus.Passage) {
	t.Helper()
	annomi.once.Do(func() { annomi.ts, annomi.passages, annomi.err = readAnnoMI() })
	if annomi.err != nil {
		t.Fatal(annomi.err)
	}
	return annomi.ts, annomi.passages
}

// annomi is the sample, read once and shared (read-only) by the tests.
var annomi struct {
	once     sync.Once
	ts       []*corpus.Transcript
	passages []corpus.Passage
	err      error
}

func readAnnoMI() ([]*corpus.Transcript, []corpus.Passage, error) {
	all, err := corpus.ReadFile(annomiCSV, "AnnoMI-simple.csv", corpus.Options{})
	if err != nil {
		return nil, nil, err
	}
	if len(all) != 133 {
		return nil, nil, fmt.Errorf("read %d AnnoMI transcripts, want 133", len(all))
	}
	ts := all
	if testing.Short() || raceEnabled {
		ts = nil
		for i, tr := range all {
			if i%3 == 0 || slices.ContainsFunc(annomiRare, func(w string) bool { return strings.Contains(tr.Text, w) }) {
				ts = append(ts, tr)
			}
		}
	}
	var (
		seg      corpus.Segmenter
		passages []corpus.Passage
	)
	for _, tr := range ts {
		if err := seg.Segment(tr); err != nil {
			return nil, nil, err
		}
		tr.SetVersion()
		passages = append(passages, corpus.Passages(tr)...)
	}
	return ts, passages, nil
}

// writeShards writes passages into new shards named after base under root.
func writeShards(t testing.TB, root, base string, passages []corpus.Passage) []Shard {
	t.Helper()
	w, err := Create(root, base, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range passages {
		if err := w.Add(&passages[i]); err != nil {
			w.Abort()
			t.Fatal(err)
		}
	}
	shards, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return shards
}

// indexPassages writes passages into a new shard and opens it.
func indexPassages(t testing.TB, passages []corpus.Passage) *Reader {
	t.Helper()
	root := t.TempDir()
	r, err := Open(root, shardNames(writeShards(t, root, "annomi", passages)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestAnnoMIEquivalence(t *testing.T) {
	start := time.Now()
	ts, passages := annomiSample(t)
	t.Logf("%d transcripts, %d passages, segmented in %v", len(ts), len(passages), time.Since(start).Round(time.Millisecond))
	o := newOracle(passages)

	t.Run("tokens", func(t *testing.T) { checkTokens(t, o) })

	start = time.Now()
	r := indexPassages(t, passages)
	t.Logf("indexed in %v", time.Since(start).Round(time.Millisecond))
	if n, err := r.DocCount(); err != nil || n != uint64(len(passages)) {
		t.Fatalf("DocCount %d (%v), want %d", n, err, len(passages))
	}
	texts := map[string]string{}
	for _, tr := range ts {
		texts[tr.ID] = tr.Text
	}

	ctx := context.Background()
	for _, q := range annomiQueries {
		t.Run(q, func(t *testing.T) {
			n, err := Parse(q)
			if err != nil {
				t.Fatal(err)
			}
			want := o.ids(n)
			c, err := r.Compile(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.IDs(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || len(want) == len(passages) {
				t.Errorf("the matcher finds %d of %d passages: the query tests nothing", len(want), len(passages))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("index: %d passages, matcher: %d\n%s", len(got), len(want), o.diff(got, want))
			}
			t.Logf("%d passages", len(want))

			hits, total, err := r.Search(ctx, c, 0)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(got) || len(hits) != len(got) {
				t.Errorf("Search: %d hits, total %d; IDs: %d", len(hits), total, len(got))
			}
			for _, h := range hits {
				checkHit(t, o, texts, n, h)
			}
			checkOrder(t, o, hits)
			all, err := r.All(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(hitIDs(all), got) {
				t.Errorf("All: %d hits, not the %d IDs in order", len(all), len(got))
			}
			for _, h := range all {
				if p := o.byID[h.ID]; p != nil {
					if _, want := o.words(n, p); !slices.Equal(h.Matches, want) {
						t.Errorf("All: hit %s: matches\n got  %s\n want %s", h.ID, o.show(p, h.Matches), o.show(p, want))
					}
				}
			}
			for _, limit := range []int{1, 20} {
				top, total, err := r.Search(ctx, c, limit)
				if err != nil {
					t.Fatal(err)
				}
				if want := hits[:min(limit, len(hits))]; total != len(got) || !sameHits(top, want) {
					t.Errorf("Search with limit %d: total %d, hits %v; want %d, %v", limit, total, hitIDs(top), len(got), hitIDs(want))
				}
			}
		})
	}
}

// TestAnnoMIShards checks the queries on the passages spread over three
// batches' shards (written in batches of different sizes), searched
// together, with every seventh passage masked: the index finds what the
// matcher finds outside the masked passages.
func TestAnnoMIShards(t *testing.T) {
	_, all := annomiSample(t)
	root := t.TempDir()
	bases := []string{"s0", "s1", "s2"}
	var (
		names    []string
		passages []corpus.Passage // not masked
		masked   []string
	)
	for i, base := range bases {
		// Several shards each; batches of 37 and of 5 make a shard of
		// dozens and hundreds of segments, merged in groups as they are
		// written and then into one.
		w, err := Create(root, base, WriterOptions{ShardDocs: 1000, BatchSize: []int{1000, 37, 5}[i]})
		if err != nil {
			t.Fatal(err)
		}
		for j := range all {
			if j%len(bases) != i {
				continue
			}
			if err := w.Add(&all[j]); err != nil {
				w.Abort()
				t.Fatal(err)
			}
			if err := w.EndTranscript(); err != nil { // here any passage may end a shard
				w.Abort()
				t.Fatal(err)
			}
			if j%7 == 0 {
				masked = append(masked, all[j].ID)
			} else {
				passages = append(passages, all[j])
			}
		}
		shards, err := w.Finish()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, shardNames(shards)...)
	}
	o := newOracle(passages)
	layout := func(t *testing.T, names, masked []string) {
		r, err := Open(root, names, masked)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if n, err := r.DocCount(); err != nil || int(n)-len(masked) != len(passages) {
			t.Fatalf("%d passages (%v), %d masked; want %d unmasked", n, err, len(masked), len(passages))
		}
		checkLayout(t, r, o)
	}
	t.Run("shards", func(t *testing.T) { layout(t, names, masked) })

	// Compacted: the first half of the shards merged into one, the masked
	// passages they hold dropped (the others still masked in the rest);
	// then everything merged into one shard that holds no masked passage.
	ctx := context.Background()
	half := names[:len(names)/2]
	res, err := Merge(ctx, root, "m1", half, masked)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) == 0 {
		t.Fatal("the merge dropped no masked passage")
	}
	for _, id := range res.Dropped {
		if !slices.Contains(masked, id) {
			t.Fatalf("the merge dropped %s, which is not masked", id)
		}
	}
	stillMasked := slices.DeleteFunc(slices.Clone(masked), func(id string) bool { return slices.Contains(res.Dropped, id) })
	partial := append([]string{"m1"}, names[len(names)/2:]...)
	t.Run("half-merged", func(t *testing.T) { layout(t, partial, stillMasked) })
	merged, err := Merge(ctx, root, "m2", partial, stillMasked)
	if err != nil {
		t.Fatal(err)
	}
	if got := append(slices.Clone(res.Dropped), merged.Dropped...); len(got) != len(masked) {
		t.Fatalf("the merges dropped %d passages, want the %d masked", len(got), len(masked))
	}
	if merged.Shard.Docs != len(passages) {
		t.Fatalf("the merged shard holds %d passages, want %d", merged.Shard.Docs, len(passages))
	}
	t.Run("merged", func(t *testing.T) { layout(t, []string{"m2"}, nil) })
}

// checkLayout checks every AnnoMI query on a reader against the matcher.
func checkLayout(t *testing.T, r *Reader, o *oracle) {
	t.Helper()
	ctx := context.Background()
	for _, q := range annomiQueries {
		n, err := Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		want := o.ids(n)
		c, err := r.Compile(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.IDs(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: index: %d passages, matcher: %d\n%s", q, len(got), len(want), o.diff(got, want))
		}
		hits, total, err := r.Search(ctx, c, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids := hitIDs(hits)
		sort.Strings(ids)
		if total != len(want) || !slices.Equal(ids, want) {
			t.Errorf("%s: Search: total %d, %d hits; want %d", q, total, len(hits), len(want))
		}
		for _, h := range hits {
			p := o.byID[h.ID]
			if p == nil {
				t.Errorf("%s: hit %s: masked or unknown", q, h.ID)
				break
			}
			if _, wantMatches := o.words(n, p); !slices.Equal(h.Matches, wantMatches) {
				t.Errorf("%s: hit %s: matches\n got  %s\n want %s", q, h.ID, o.show(p, h.Matches), o.show(p, wantMatches))
				break
			}
		}
	}
}

// checkOrder checks that hits come by score, then transcript and position.
func checkOrder(t *testing.T, o *oracle, hits []Hit) {
	t.Helper()
	for i := 1; i < len(hits); i++ {
		a, b := hits[i-1], hits[i]
		pa, pb := o.byID[a.ID], o.byID[b.ID]
		if pa == nil || pb == nil {
			return // reported by checkHit
		}
		if a.Score > b.Score {
			continue
		}
		if a.Score < b.Score || pa.TranscriptID > pb.TranscriptID || pa.TranscriptID == pb.TranscriptID && pa.Seq >= pb.Seq {
			t.Errorf("hit %d (%s, score %v) comes before hit %d (%s, score %v)", i-1, a.ID, a.Score, i, b.ID, b.Score)
			return
		}
	}
}

func sameHits(a, b []Hit) bool {
	return slices.EqualFunc(a, b, func(x, y Hit) bool {
		return x.ID == y.ID && x.Score == y.Score && slices.Equal(x.Matches, y.Matches)
	})
}

func hitIDs(hits []Hit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

// checkHit checks a hit's matches: they are exactly the words that the
// matcher finds the query's words, phrases and windows at (outside NOT),
// and each, cut from the canonical text at the passage's spans as "alongside
// search" does, is the same word inside the passage.
func checkHit(t *testing.T, o *oracle, texts map[string]string, n Node, h Hit) {
	t.Helper()
	p := o.byID[h.ID]
	if p == nil {
		t.Errorf("hit %s: no such passage", h.ID)
		return
	}
	_, want := o.words(n, p)
	if !reflect.DeepEqual(h.Matches, want) {
		t.Errorf("hit %s: matches\n got  %s\n want %s", h.ID, o.show(p, h.Matches), o.show(p, want))
	}
	text := texts[p.TranscriptID]
	passage := corpus.Cut(text, p.Span)
	for _, m := range h.Matches {
		if m.Sentence < 0 || m.Sentence >= len(p.Sentences) {
			t.Errorf("hit %s: match %+v: no such sentence", h.ID, m)
			continue
		}
		sent := p.Sentences[m.Sentence]
		if m.Start < 0 || m.Start >= m.End || m.End > len(sent) {
			t.Errorf("hit %s: match %+v outside sentence %q", h.ID, m, sent)
			continue
		}
		word := sent[m.Start:m.End]
		if p.Spans[m.Sentence].Len() != utf8.RuneCountInString(sent) {
			t.Errorf("hit %s: sentence %d span %v does not fit its text %q", h.ID, m.Sentence, p.Spans[m.Sentence], sent)
			continue
		}
		start := p.Spans[m.Sentence].Start + utf8.RuneCountInString(sent[:m.Start])
		span := corpus.Span{Start: start, End: start + utf8.RuneCountInString(word)}
		if span.Start < p.Span.Start || span.End > p.Span.End {
			t.Errorf("hit %s: match %v outside the passage's span %v", h.ID, span, p.Span)
		}
		if got := corpus.Cut(text, span); got != word {
			t.Errorf("hit %s: match %v cut from the canonical text is %q, want %q", h.ID, span, got, word)
		}
		if !strings.Contains(passage, word) {
			t.Errorf("hit %s: the passage's text %q does not contain %q", h.ID, passage, word)
		}
	}
}

// checkTokens compares the matcher's tokens with the index analyzers' on
// every sentence: the terms, positions and offsets must agree.
func checkTokens(t *testing.T, o *oracle) {
	m, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, p := range o.passages {
		for si, sent := range p.Sentences {
			for _, exact := range []bool{false, true} {
				name := analyzerStem
				if exact {
					name = analyzerExact
				}
				var got []token2
				for _, tok := range m.AnalyzerNamed(name).Analyze([]byte(sent)) {
					got = append(got, token2{term: string(tok.Term), start: tok.Start, end: tok.End})
				}
				var want []token2
				for _, tok := range o.tokens[p.ID][si] {
					want = append(want, token2{term: tok.form(exact), start: tok.start, end: tok.end})
				}
				if !reflect.DeepEqual(got, want) {
					bad++
					if bad <= 10 {
						t.Errorf("%s %q:\n analyzer %v\n matcher  %v", name, sent, got, want)
					}
				}
			}
		}
	}
	if bad > 10 {
		t.Errorf("... %d sentences disagree", bad)
	}
}

// token2 is a word of a sentence as the matcher sees it: byte offsets in
// the sentence, its exact (lower-case) form and its stem.
type token2 struct {
	term        string // for comparisons with the analyzer
	exact, stem string
	start, end  int
}

// oracle is the brute-force matcher.
type oracle struct {
	passages []*corpus.Passage
	byID     map[string]*corpus.Passage
	tokens   map[string][][]token2 // by passage ID, then sentence
}

func newOracle(passages []corpus.Passage) *oracle {
	o := &oracle{byID: map[string]*corpus.Passage{}, tokens: map[string][][]token2{}}
	for i := range passages {
		p := &passages[i]
		o.passages = append(o.passages, p)
		o.byID[p.ID] = p
		sents := make([][]token2, len(p.Sentences))
		for si, s := range p.Sentences {
			sents[si] = tokenize(s)
		}
		o.tokens[p.ID] = sents
	}
	return o
}

// ids returns the IDs of the passages n matches, sorted.
func (o *oracle) ids(n Node) []string {
	var ids []string
	for _, p := range o.passages {
		if o.match(n, p) {
			ids = append(ids, p.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

func (o *oracle) match(n Node, p *corpus.Passage) bool {
	ok, _ := o.words(n, p)
	return ok
}

// words reports whether n matches p and returns the words it matches
// there, as the index reports them: every occurrence of a word or prefix,
// every word of every occurrence of a phrase, every query word inside a
// window that satisfies a proximity; nothing under NOT or for a field. A
// disjunction reports the words of the branches that match.
func (o *oracle) words(n Node, p *corpus.Passage) (bool, []Match) {
	w := wordSet{}
	ok := o.collect(n, p, w)
	return ok, w.sorted()
}

type wordSet map[Match]bool

func (w wordSet) sorted() []Match {
	var out []Match
	for m := range w {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Sentence != b.Sentence {
			return a.Sentence < b.Sentence
		}
		return a.Start < b.Start
	})
	return out
}

func (o *oracle) collect(n Node, p *corpus.Passage, w wordSet) bool {
	switch v := n.(type) {
	case Word:
		return o.phrase(p, queryWords(v.Text, v.Exact), v.Exact, w)
	case Phrase:
		terms := queryWords(strings.Join(v.Words, " "), v.Exact)
		if v.Near < 0 {
			return o.phrase(p, terms, v.Exact, w)
		}
		return o.near(p, terms, v.Exact, v.Near, w)
	case Prefix:
		prefix := strings.ToLower(apostrophes(v.Text))
		found := false
		for si, sent := range o.tokens[p.ID] {
			for _, tok := range sent {
				if strings.HasPrefix(tok.exact, prefix) {
					found = true
					w[tok.match(si)] = true
				}
			}
		}
		return found
	case Field:
		value, isPrefix := strings.CutSuffix(v.Value, "*")
		value = strings.TrimRight(value, "*")
		have := p.TranscriptID
		if v.Name == "speaker" {
			value, have = corpus.SpeakerKey(value), p.SpeakerKey
		}
		if isPrefix {
			return strings.HasPrefix(have, value)
		}
		return have == value
	case And:
		mine := wordSet{}
		for _, c := range v.Nodes {
			if !o.collect(c, p, mine) {
				return false
			}
		}
		maps.Copy(w, mine)
		return true
	case Or:
		found := false
		for _, c := range v.Nodes {
			found = o.collect(c, p, w) || found
		}
		return found
	case Not:
		return !o.collect(v.Node, p, wordSet{})
	}
	panic(fmt.Sprintf("unknown node %T", n))
}

// phrase finds the terms adjacent, in order, inside one sentence of p.
func (o *oracle) phrase(p *corpus.Passage, terms []string, exact bool, w wordSet) bool {
	if len(terms) == 0 {
		return false
	}
	found := false
	for si, sent := range o.tokens[p.ID] {
	next:
		for i := 0; i+len(terms) <= len(sent); i++ {
			for j, term := range terms {
				if sent[i+j].form(exact) != term {
					continue next
				}
			}
			found = true
			for j := range terms {
				w[sent[i+j].match(si)] = true
			}
		}
	}
	return found
}

// near finds every term (a repeated term as often as it is repeated) inside
// one sentence of p with at most n other words between the first and the
// last: it tries every window of n+len(terms) words.
func (o *oracle) near(p *corpus.Passage, terms []string, exact bool, n int, w wordSet) bool {
	if len(terms) == 0 {
		return false
	}
	need := map[string]int{}
	for _, term := range terms {
		need[term]++
	}
	width := n + len(terms)
	found := false
	for si, sent := range o.tokens[p.ID] {
		for i := range sent {
			end := min(i+width, len(sent))
			have := map[string]int{}
			for _, tok := range sent[i:end] {
				have[tok.form(exact)]++
			}
			ok := true
			for term, k := range need {
				if have[term] < k {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			found = true
			for _, tok := range sent[i:end] {
				if need[tok.form(exact)] > 0 {
					w[tok.match(si)] = true
				}
			}
		}
	}
	return found
}

func (t token2) match(sentence int) Match {
	return Match{Sentence: sentence, Start: t.start, End: t.end}
}

func (t token2) form(exact bool) string {
	if exact {
		return t.exact
	}
	return t.stem
}

// show prints matches as the words they cover.
func (o *oracle) show(p *corpus.Passage, ms []Match) string {
	parts := []string{}
	for _, m := range ms {
		w := "?"
		if m.Sentence >= 0 && m.Sentence < len(p.Sentences) && m.Start >= 0 && m.Start <= m.End && m.End <= len(p.Sentences[m.Sentence]) {
			w = p.Sentences[m.Sentence][m.Start:m.End]
		}
		parts = append(parts, fmt.Sprintf("%d:%d-%d:%q", m.Sentence, m.Start, m.End, w))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// diff describes the passages only one side found.
func (o *oracle) diff(got, want []string) string {
	in := func(ids []string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	g, w := in(got), in(want)
	var b strings.Builder
	shown := 0
	for _, side := range []struct {
		label string
		ids   []string
		other map[string]bool
	}{{"only the index", got, w}, {"only the matcher", want, g}} {
		for _, id := range side.ids {
			if side.other[id] || shown >= 10 {
				continue
			}
			shown++
			if p := o.byID[id]; p != nil {
				fmt.Fprintf(&b, "  %s: %s %q %q\n", side.label, id, p.SpeakerKey, strings.Join(p.Sentences, " | "))
			} else {
				fmt.Fprintf(&b, "  %s: %s (not a passage the matcher searches)\n", side.label, id)
			}
		}
	}
	return b.String()
}

// queryWords analyses the words of a query as the matcher analyses text.
func queryWords(s string, exact bool) []string {
	var out []string
	for _, tok := range tokenize(s) {
		out = append(out, tok.form(exact))
	}
	return out
}

// The matcher's tokenizer: a model of the Unicode word boundary rules
// (UAX #29, Unicode 8.0 as Bleve's segmenter implements them) for the
// characters that occur in transcripts.

type wordBreak int

const (
	wbOther        wordBreak = iota
	wbLetter                 // ALetter
	wbNumeric                // Numeric
	wbMidLetter              // ':' and kin: inside words only
	wbMidNum                 // ',' ';' and kin: inside numbers only
	wbMidNumLet              // '.' and the curly apostrophes: inside both
	wbSingleQuote            // the straight apostrophe, like MidNumLet here
	wbExtendNumLet           // connector punctuation such as '_'
	wbExtend                 // combining marks and format characters
	wbIdeographic            // a word of its own each
)

func wordBreakOf(r rune) wordBreak {
	switch {
	case r == '\'':
		return wbSingleQuote
	case strings.ContainsRune(".\u2018\u2019\u2024\ufe52\uff07\uff0e", r):
		return wbMidNumLet
	case strings.ContainsRune(":\u00b7\u0387\u05f4\u2027\ufe13\ufe55\uff1a", r):
		return wbMidLetter
	case strings.ContainsRune(",;\u037e\u0589\u060c\u060d\u066c\u07f8\u2044\ufe10\ufe14\ufe50\ufe54\uff0c\uff1b", r):
		return wbMidNum
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
		return wbIdeographic
	case unicode.IsLetter(r):
		return wbLetter
	case unicode.Is(unicode.Nd, r):
		return wbNumeric
	case unicode.Is(unicode.Pc, r):
		return wbExtendNumLet
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf) && r != '\u200b':
		return wbExtend
	}
	return wbOther
}

// unit is a character with the combining marks after it (rule WB4).
type unit struct {
	wb         wordBreak
	start, end int
}

// tokenize splits text into words: runs of letters and digits, joined
// across a full stop or an apostrophe between two letters or two digits, a
// colon between two letters, a comma or semicolon between two digits, and
// connector punctuation. Each word is lower-cased with its apostrophes made
// straight (exact), then loses a final "'s" and is stemmed (stem).
func tokenize(text string) []token2 {
	var units []unit
	for i, r := range text {
		wb := wordBreakOf(r)
		if wb == wbExtend && len(units) > 0 && units[len(units)-1].wb != wbOther {
			units[len(units)-1].end = i + utf8.RuneLen(r)
			continue
		}
		units = append(units, unit{wb: wb, start: i, end: i + utf8.RuneLen(r)})
	}
	isWord := func(wb wordBreak) bool { return wb == wbLetter || wb == wbNumeric || wb == wbExtendNumLet }
	var out []token2
	for i := 0; i < len(units); {
		u := units[i]
		if u.wb == wbIdeographic {
			out = append(out, newToken(text, u.start, u.end))
			i++
			continue
		}
		if !isWord(u.wb) {
			i++
			continue
		}
		j := i + 1 // the word is units[i:j]
		for j < len(units) {
			prev, next := units[j-1].wb, units[j].wb
			if isWord(next) {
				j++
				continue
			}
			if j+1 < len(units) {
				after := units[j+1].wb
				mid := next == wbMidNumLet || next == wbSingleQuote
				if prev == wbLetter && after == wbLetter && (mid || next == wbMidLetter) ||
					prev == wbNumeric && after == wbNumeric && (mid || next == wbMidNum) {
					j += 2
					continue
				}
			}
			break
		}
		letters := false
		for _, u := range units[i:j] {
			letters = letters || u.wb == wbLetter || u.wb == wbNumeric
		}
		if letters {
			out = append(out, newToken(text, units[i].start, units[j-1].end))
		}
		i = j
	}
	return out
}

func newToken(text string, start, end int) token2 {
	exact := strings.ToLower(apostrophes(text[start:end]))
	stem := exact
	if s, ok := strings.CutSuffix(stem, "'s"); ok {
		stem = s
	}
	env := snowballstem.NewEnv(stem)
	english.Stem(env)
	return token2{exact: exact, stem: env.Current(), start: start, end: end}
}

var apostropheReplacer = strings.NewReplacer("’", "'", "‘", "'", "＇", "'", "ʼ", "'")

func apostrophes(s string) string { return apostropheReplacer.Replace(s) }

// Used by the tokens check only, so that a failure shows both sides.
func (t token2) String() string { return fmt.Sprintf("%s@%d-%d", t.term, t.start, t.end) }
