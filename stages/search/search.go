package search

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages"
)

// Options describe one search.
type Options struct {
	Query      string
	Speaker    string // a speaker filter added to the query
	Transcript string // a transcript filter added to the query
	Limit      int    // 0: every hit
	Context    int    // sentences of context before and after
}

// Span is a stretch of a transcript's canonical text, in code points.
type Span struct {
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Hit is one passage a search found, resolved against the store.
type Hit struct {
	Passage    string `json:"passage"`
	Transcript string `json:"transcript"`
	Speaker    string `json:"speaker"`
	// Role, Participant and Attributes say who the speaker is (roles
	// inferred or from the labels, the rest from the participants sheet).
	Role        string            `json:"role"`
	Participant string            `json:"participant,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	Time        *float64          `json:"time"` // start time of the turn, in seconds
	Start       int               `json:"start"`
	End         int               `json:"end"`
	Text        string            `json:"text"`
	Before      string            `json:"before"`
	After       string            `json:"after"`
	Matches     []Span            `json:"matches"`
	Sentences   []Span            `json:"sentences"` // the passage's sentences
	Score       float64           `json:"score"`
}

// BuildQuery parses a query and adds the speaker and transcript filters.
func BuildQuery(opts Options) (index.Node, error) {
	n, err := index.Parse(opts.Query)
	if err != nil {
		return nil, err
	}
	and := index.And{Nodes: []index.Node{n}}
	if opts.Speaker != "" {
		and.Nodes = append(and.Nodes, index.Field{Name: "speaker", Value: opts.Speaker})
	}
	if opts.Transcript != "" {
		and.Nodes = append(and.Nodes, index.Field{Name: "transcript", Value: opts.Transcript})
	}
	if len(and.Nodes) == 1 {
		return n, nil
	}
	return and, nil
}

// Searcher answers searches on a project: the store and every registered
// index shard, opened read-only, so it works while a batch runs (and sees
// the batch's passages once it is committed and the searcher reopened).
type Searcher struct {
	Store *store.Store
	Index *index.Reader
	// Warnings are the filters of the last search that named no speaker,
	// role, participant or attribute value in the project (the search
	// still ran: they match nothing).
	Warnings []string
	speakers *stages.Speakers
	cache    map[store.VersionKey]*corpus.Transcript
	project  stages.Project
	// spillAbove is how many hits All holds in memory, resolved, to give
	// them in rank order; more go through a file (see spill).
	spillAbove int
	// excerptHits is the most hits it shows from excerpts of their
	// versions, the turns around each hit (store.Excerpts), rather than
	// from whole versions: for twenty hits, a few kilobytes each against
	// 80 KB a version, read and decoded. Many hits share versions, and
	// whole versions read once serve them all.
	excerptHits int
}

// Speakers returns the project's speakers, read once per Searcher.
func (s *Searcher) Speakers(ctx context.Context) (*stages.Speakers, error) {
	if s.speakers == nil {
		sp, err := stages.LoadSpeakers(ctx, s.Store)
		if err != nil {
			return nil, err
		}
		s.speakers = sp
	}
	return s.speakers, nil
}

// query builds a search's query and resolves its filters on who speaks.
func (s *Searcher) query(ctx context.Context, opts Options) (index.Node, error) {
	n, err := BuildQuery(opts)
	if err != nil {
		return nil, err
	}
	return s.resolve(ctx, n)
}

func (s *Searcher) resolve(ctx context.Context, n index.Node) (index.Node, error) {
	s.Warnings = nil
	if !filtersWho(n) {
		return n, nil // reading every speaker in the corpus took a third of a rare word's search
	}
	sp, err := s.Speakers(ctx)
	if err != nil {
		return nil, err
	}
	n, s.Warnings = sp.Resolve(n)
	return n, nil
}

// SearchNode runs a query tree (such as a codebook rule with its code's
// filters) and returns up to limit hits and the total.
func (s *Searcher) SearchNode(ctx context.Context, n index.Node, limit, contextN int) ([]Hit, int, error) {
	hits, total, err := s.indexHits(ctx, n, limit)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.Resolve(ctx, hits, contextN)
	return out, total, err
}

// indexHits resolves a query's filters on who speaks and runs it on the
// index: up to limit hits (0: all), ranked, and the total.
func (s *Searcher) indexHits(ctx context.Context, n index.Node, limit int) ([]index.Hit, int, error) {
	n, err := s.resolve(ctx, n)
	if err != nil {
		return nil, 0, err
	}
	c, err := s.Index.Compile(ctx, n)
	if err != nil {
		return nil, 0, err
	}
	return s.Index.Search(ctx, c, limit)
}

// Open opens a project for searching.
func Open(ctx context.Context, p stages.Project) (*Searcher, error) {
	st, err := p.OpenExistingStore()
	if err != nil {
		return nil, err
	}
	idx, err := p.OpenIndex(ctx, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Searcher{Store: st, Index: idx, cache: map[store.VersionKey]*corpus.Transcript{}, project: p, spillAbove: 5000, excerptHits: 100}, nil
}

// Close closes the index and the store.
func (s *Searcher) Close() error {
	err := s.Index.Close()
	if err2 := s.Store.Close(); err == nil {
		err = err2
	}
	return err
}

// Search runs a search and returns the hits (best first, then by transcript
// and position) and the total number of hits.
func (s *Searcher) Search(ctx context.Context, opts Options) ([]Hit, int, error) {
	n, err := BuildQuery(opts)
	if err != nil {
		return nil, 0, err
	}
	return s.SearchNode(ctx, n, opts.Limit, opts.Context)
}

// All runs a search for every hit and writes each to w as render makes it
// (appended to the bytes it is given), best first, then by transcript and
// position (as Search), and returns the total. Memory does not grow with
// the hits' text: beyond a few thousand hits, they are rendered into a
// file as they are resolved and copied out in order (all hits of "you" at
// 30M words are 640,000 passages, and held 1.2 GB).
func (s *Searcher) All(ctx context.Context, opts Options, render func([]byte, Hit) ([]byte, error), w io.Writer) (int, error) {
	n, err := BuildQuery(opts)
	if err != nil {
		return 0, err
	}
	hits, total, err := s.indexHits(ctx, n, 0)
	if err != nil {
		return 0, err
	}
	if len(hits) > s.spillAbove {
		f, err := os.CreateTemp(s.project.StateDir(), "search-*.tmp")
		if err == nil {
			return total, s.spill(ctx, f, hits, opts.Context, render, w)
		}
		// A project the user may only read: the hits are held in memory.
	}
	out, err := s.Resolve(ctx, hits, opts.Context)
	if err != nil {
		return 0, err
	}
	var b []byte
	for _, h := range out {
		if b, err = render(b[:0], h); err != nil {
			return 0, err
		}
		if _, err := w.Write(b); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// spill renders hits into f, a new file in the project's state folder
// (where their text already is, readable by the owner alone), each at its
// offset as it is resolved, then copies them to w in the hits' order. The
// file is removed as soon as it is open, where the system allows it, so
// that nothing is left behind even if the process is killed.
func (s *Searcher) spill(ctx context.Context, f *os.File, hits []index.Hit, contextN int, render func([]byte, Hit) ([]byte, error), w io.Writer) error {
	defer os.Remove(f.Name()) // where it could not be removed while open
	defer f.Close()
	os.Remove(f.Name())
	fw := bufio.NewWriterSize(f, 1<<20)
	offsets := make([]int64, len(hits)) // hit i at offsets[i], its size in sizes[i]
	sizes := make([]int32, len(hits))   // 0: not resolved
	var end int64
	var b []byte
	err := s.resolveEach(ctx, hits, contextN, func(i int, h Hit) error {
		var err error
		if b, err = render(b[:0], h); err != nil {
			return err
		}
		offsets[i], sizes[i] = end, int32(len(b))
		end += int64(len(b))
		if _, err = fw.Write(b); err != nil {
			return fmt.Errorf("holding the hits in order: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := fw.Flush(); err != nil {
		return fmt.Errorf("holding the hits in order: %w", err)
	}
	for i, size := range sizes {
		if size == 0 {
			continue
		}
		b = slices.Grow(b[:0], int(size))[:size]
		if _, err := f.ReadAt(b, offsets[i]); err != nil {
			return fmt.Errorf("holding the hits in order: %w", err)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// Count returns the number of hits per transcript and per speaker.
func (s *Searcher) Count(ctx context.Context, opts Options) (total int, byTranscript, bySpeaker map[string]int, err error) {
	n, err := s.query(ctx, opts)
	if err != nil {
		return 0, nil, nil, err
	}
	c, err := s.Index.Compile(ctx, n)
	if err != nil {
		return 0, nil, nil, err
	}
	ids, err := s.Index.IDs(ctx, c)
	if err != nil {
		return 0, nil, nil, err
	}
	rows, err := s.Store.Passages(ctx, ids)
	if err != nil {
		return 0, nil, nil, err
	}
	byTranscript, bySpeaker = map[string]int{}, map[string]int{}
	for _, r := range rows {
		byTranscript[r.TranscriptID]++
		bySpeaker[r.Speaker]++
	}
	return len(rows), byTranscript, bySpeaker, nil
}

// Resolve turns index hits into passages with text, context and matched
// words in code points of the canonical text, in the hits' order. Hits of
// passages the store does not know are left out.
func (s *Searcher) Resolve(ctx context.Context, hits []index.Hit, contextN int) ([]Hit, error) {
	out := make([]Hit, len(hits))
	resolved := make([]bool, len(hits))
	err := s.resolveEach(ctx, hits, contextN, func(i int, h Hit) error {
		out[i], resolved[i] = h, true
		return nil
	})
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for i := range out {
		if resolved[i] {
			kept = append(kept, out[i])
		}
	}
	return kept, nil
}

// resolveEach resolves hits a few transcript versions at a time and calls
// fn with each hit's place in hits, in no order. Each version is read once,
// with the rows of its hits alone: hits come best first, from transcripts
// all over the corpus, and resolving them in that order read the same
// transcripts again and again (all hits of "people" at 30M words: 27 s,
// 4.5 GB). Hits of passages the store does not know are skipped
// (compaction keeps the rows).
func (s *Searcher) resolveEach(ctx context.Context, hits []index.Hit, contextN int, fn func(int, Hit) error) error {
	groups := map[string][]int{} // hits by the version their ID names
	var order []string
	for i, h := range hits {
		k := h.ID
		if t, v, _, ok := corpus.ParsePassageID(h.ID); ok {
			k = h.ID[:len(t)+1+len(v)]
		}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	if len(order) > 500 && s.speakers == nil { // as many as a query may name: read every speaker once
		if _, err := s.Speakers(ctx); err != nil {
			return err
		}
	}
	// Versions beyond what the cache holds would only push each other out
	// of it, and hold more text meanwhile.
	keep := len(order) <= cacheSize
	for start := 0; start < len(order); start += versionBatch {
		var ids []string
		var places []int
		for _, k := range order[start:min(start+versionBatch, len(order))] {
			for _, i := range groups[k] {
				ids = append(ids, hits[i].ID)
				places = append(places, i)
			}
		}
		rows, err := s.Store.Passages(ctx, ids)
		if err != nil {
			return err
		}
		who, err := s.whoSpeaks(ctx, rows)
		if err != nil {
			return err
		}
		var versions map[store.VersionKey]*corpus.Transcript
		if len(hits) <= s.excerptHits {
			versions, err = s.excerpts(ctx, rows, contextN)
		} else {
			versions, err = s.versions(ctx, versionsOf(rows), keep)
		}
		if err != nil {
			return err
		}
		for _, i := range places {
			row, ok := rows[hits[i].ID]
			if !ok {
				continue
			}
			hit := resolveHit(versions[store.VersionKey{ID: row.TranscriptID, Version: row.Version}], row, hits[i], contextN)
			if r := who[row.TranscriptID+"\x00"+row.SpeakerKey]; r != nil {
				hit.Role, hit.Participant, hit.Attributes = r.Role, r.Participant, r.Attributes
			}
			if err := fn(i, hit); err != nil {
				return err
			}
		}
	}
	return nil
}

// whoSpeaks returns the speakers of the passages' transcripts, by
// transcript and speaker key: from the project's speakers when a filter or
// a search of many transcripts has read them, else read for these
// transcripts alone.
func (s *Searcher) whoSpeaks(ctx context.Context, rows map[string]store.PassageRow) (map[string]*store.SpeakerRow, error) {
	seen := map[string]bool{}
	var transcripts []string
	for _, r := range rows {
		if !seen[r.TranscriptID] {
			seen[r.TranscriptID] = true
			transcripts = append(transcripts, r.TranscriptID)
		}
	}
	var speakers []store.SpeakerRow
	if s.speakers != nil {
		speakers = s.speakers.Rows()
	} else {
		var err error
		if speakers, err = s.Store.SpeakersOf(ctx, transcripts); err != nil {
			return nil, err
		}
	}
	who := make(map[string]*store.SpeakerRow, len(speakers))
	for i := range speakers {
		if seen[speakers[i].Transcript] {
			who[speakers[i].Transcript+"\x00"+speakers[i].Key] = &speakers[i]
		}
	}
	return who, nil
}

// filtersWho says whether a query filters on who speaks (anything but a
// transcript filter), which needs the project's speakers to resolve.
func filtersWho(n index.Node) bool {
	switch v := n.(type) {
	case index.And:
		return slices.ContainsFunc(v.Nodes, filtersWho)
	case index.Or:
		return slices.ContainsFunc(v.Nodes, filtersWho)
	case index.Not:
		return filtersWho(v.Node)
	case index.Field:
		return !strings.EqualFold(v.Name, "transcript")
	}
	return false
}

// versionBatch is how many transcript versions Resolve holds at once
// (tens of kilobytes of text and turns each), beside the cache.
const versionBatch = 32

// cacheSize is how many transcript versions a Searcher keeps between
// searches.
const cacheSize = 64

// versionsOf lists the versions of the passages, each once.
func versionsOf(rows map[string]store.PassageRow) []store.VersionKey {
	var keys []store.VersionKey
	seen := map[store.VersionKey]bool{}
	for _, row := range rows {
		if k := (store.VersionKey{ID: row.TranscriptID, Version: row.Version}); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// excerpts returns the versions of the passages: those in the cache, and
// for the others an excerpt of the turns around the passages with contextN
// sentences either side; a version whose excerpt does not show one of its
// passages with that context (turns with no sentence on the way) is read
// whole.
func (s *Searcher) excerpts(ctx context.Context, rows map[string]store.PassageRow, contextN int) (map[store.VersionKey]*corpus.Transcript, error) {
	out := map[store.VersionKey]*corpus.Transcript{}
	wanted := map[store.VersionKey]int{} // index in keys
	var keys []store.ExcerptKey
	for _, row := range rows {
		k := store.VersionKey{ID: row.TranscriptID, Version: row.Version}
		if t, ok := s.cache[k]; ok {
			out[k] = t
			continue
		}
		// A sentence of context either side is in the turn either side,
		// unless that turn has none.
		first, last := row.Turn-contextN, row.Turn+contextN
		if i, ok := wanted[k]; ok {
			keys[i].First, keys[i].Last = min(keys[i].First, first), max(keys[i].Last, last)
			continue
		}
		wanted[k] = len(keys)
		keys = append(keys, store.ExcerptKey{VersionKey: k, First: first, Last: last})
	}
	read, err := s.Store.Excerpts(ctx, keys)
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		out[k.VersionKey] = read[i]
	}
	var whole []store.VersionKey
	for _, row := range rows {
		k := store.VersionKey{ID: row.TranscriptID, Version: row.Version}
		t := out[k]
		if t == nil {
			continue // read whole below
		}
		if !t.Shows(row.Turn, row.Sentence, row.Sentence+row.Sentences-1, contextN) || !t.Holds(corpus.Span{Start: row.Start, End: row.End}) {
			whole = append(whole, k)
			out[k] = nil
		}
	}
	if len(whole) > 0 {
		slices.SortFunc(whole, func(a, b store.VersionKey) int { return strings.Compare(a.ID+"\x00"+a.Version, b.ID+"\x00"+b.Version) })
		read, err := s.versions(ctx, slices.Compact(whole), true)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, read)
	}
	return out, nil
}

// versions returns the transcript versions named: from the cache, the rest
// read together (see store.Versions) and kept in the cache if keep is set.
// The cache keeps memory flat: searches touch few transcripts.
func (s *Searcher) versions(ctx context.Context, keys []store.VersionKey, keep bool) (map[store.VersionKey]*corpus.Transcript, error) {
	out := make(map[store.VersionKey]*corpus.Transcript, len(keys))
	var missing []store.VersionKey
	for _, k := range keys {
		if t, ok := s.cache[k]; ok {
			out[k] = t
		} else {
			missing = append(missing, k)
		}
	}
	read, err := s.Store.Versions(ctx, missing)
	if err != nil {
		return nil, err
	}
	if keep && len(s.cache)+len(read) > cacheSize {
		clear(s.cache)
	}
	for i, k := range missing {
		out[k] = read[i]
		if keep {
			s.cache[k] = read[i]
		}
	}
	return out, nil
}

// resolveHit makes a hit of a passage of t. Its strings are copies: a
// slice of the transcript's text would keep the whole text alive with it.
func resolveHit(t *corpus.Transcript, row store.PassageRow, h index.Hit, contextN int) Hit {
	turn := t.Turns[row.Turn]
	sents := turn.Sentences[row.Sentence : row.Sentence+row.Sentences]
	passage := corpus.Span{Start: row.Start, End: row.End}
	hit := Hit{
		Passage: row.ID, Transcript: row.TranscriptID, Speaker: row.Speaker,
		Start: row.Start, End: row.End, Text: strings.Clone(t.Cut(passage)),
		Score: h.Score, Matches: make([]Span, 0, len(h.Matches)), Sentences: make([]Span, 0, len(sents)),
	}
	if row.TimeMS != nil {
		sec := float64(*row.TimeMS) / 1000
		hit.Time = &sec
	}
	for _, s := range sents {
		// A sentence's text is a slice of the passage's copy: a copy of
		// its own doubled the text all hits of a common phrase held.
		text := t.Cut(s.Span)
		if s.Span.Start >= passage.Start && s.Span.End <= passage.End {
			from := len(t.Cut(corpus.Span{Start: passage.Start, End: s.Span.Start}))
			text = hit.Text[from : from+len(text)]
		} else {
			text = strings.Clone(text)
		}
		hit.Sentences = append(hit.Sentences, Span{Text: text, Start: s.Span.Start, End: s.Span.End})
	}
	for _, m := range h.Matches {
		if m.Sentence >= len(hit.Sentences) {
			continue
		}
		s := hit.Sentences[m.Sentence]
		if m.End > len(s.Text) || m.Start > m.End {
			continue
		}
		start := s.Start + utf8.RuneCountInString(s.Text[:m.Start])
		hit.Matches = append(hit.Matches, Span{Text: s.Text[m.Start:m.End], Start: start, End: start + utf8.RuneCountInString(s.Text[m.Start:m.End])})
	}
	sort.Slice(hit.Matches, func(i, j int) bool { return hit.Matches[i].Start < hit.Matches[j].Start })
	hit.Before, hit.After = t.Context(row.Turn, row.Sentence, row.Sentence+row.Sentences-1, contextN)
	return hit
}
