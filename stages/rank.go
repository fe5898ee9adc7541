package stages

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/pipeline"
	"github.com/alongside-qda/alongside/stages/relevance"
	"golang.org/x/sync/errgroup"
)

// How many suggestions a code may have waiting, and how relevant each
// must be. Suggestions are a second queue beside the keyword hits: a few
// dozen of the best, re-chosen at every run.
const (
	DefaultMaxSuggestions = 25
	DefaultMinSuggestion  = 0.3
)

// RankOptions tune Rank; zero values mean the defaults.
type RankOptions struct {
	MaxSuggestions int     // per code; -1: none
	MinSuggestion  float64 // least relevance of a suggestion
	Workers        int     // analyse new transcripts with this many; 0: one per core
	// Progress hears the ranking advance, a unit per transcript read and
	// per code ranked; nil for none.
	Progress StepProgress
	// reportOnly: score each code and stop, writing nothing (see
	// CodeScores).
	reportOnly bool
}

// RankSummary is what a ranking pass did.
type RankSummary struct {
	Ranked         int                         `json:"ranked"`    // candidates given a relevance
	Suggested      int                         `json:"suggested"` // suggestions waiting after the pass
	Withdrawn      int                         `json:"withdrawn"` // suggestions no longer made
	Codes          map[string]relevance.Report `json:"codes"`
	withdrawnCodes []string
	byCode         map[string][]store.Candidate // the candidates ranked, as read (reportOnly)
}

// Rank scores every undecided candidate for its code (relevance, why,
// recommended), proposes suggested candidates (units that rank high for
// a code but match none of its keywords) and withdraws undecided
// suggestions no longer made. It runs after every matching pass, and on
// demand ("alongside suggest"); it reads the whole corpus, so its scores
// depend only on the corpus, the codebook and the decisions.
func Rank(ctx context.Context, p Project, st *store.Store, cb *codebook.Codebook, batch int64, opts RankOptions) (*RankSummary, error) {
	if opts.MaxSuggestions == 0 {
		opts.MaxSuggestions = DefaultMaxSuggestions
	}
	if opts.MinSuggestion == 0 {
		opts.MinSuggestion = DefaultMinSuggestion
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	sum := &RankSummary{Codes: map[string]relevance.Report{}}
	an, err := relevance.NewAnalyzer()
	if err != nil {
		return nil, err
	}
	x := relevance.NewIndex(an)

	// The corpus: every sentence of every current transcript.
	progress := orNoProgress(opts.Progress)
	rc, err := loadRankCorpus(ctx, st, x, an, opts.Workers, progress, len(cb.All()))
	if err != nil {
		return nil, err
	}

	// The codebook's codes' candidates only: those of codes no longer in
	// it are never ranked (a benchmark's changed codebook left twice the
	// queue behind).
	paths := []string{}
	for _, code := range cb.All() {
		paths = append(paths, code.Path)
	}
	all, err := st.Candidates(ctx, store.CandidateFilter{Codes: paths, Lean: !opts.reportOnly})
	if err != nil {
		return nil, err
	}
	// The queue comes ordered by code: each code's candidates are a run of
	// it, not a copy (a large project has hundreds of thousands).
	byCode := map[string][]store.Candidate{}
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].Code == all[i].Code {
			j++
		}
		if prev, ok := byCode[all[i].Code]; ok { // not a run after all: joined
			byCode[all[i].Code] = append(prev[:len(prev):len(prev)], all[i:j]...)
		} else {
			byCode[all[i].Code] = all[i:j:j]
		}
		i = j
	}
	sum.byCode = byCode
	speakers, err := LoadSpeakers(ctx, st)
	if err != nil {
		return nil, err
	}
	rejected, err := rejections(ctx, st)
	if err != nil {
		return nil, err
	}
	m := matcher{st: st, cb: cb, version: cb.Version(), rejected: rejected, speakers: speakers}
	var excluded map[string]map[[3]int]bool
	if !opts.reportOnly {
		if excluded, err = exclusions(ctx, p, st, cb, speakers); err != nil {
			return nil, err
		}
	}

	// Every code's query first: making them adds words to the
	// vocabulary, which scoring then only reads, code by code in parallel.
	var work []*codeRank
	for _, code := range cb.All() {
		r := &codeRank{code: code, cands: byCode[code.Path], docs: map[string]relevance.Doc{}}
		var decided []relevance.Decided
		for _, c := range r.cands {
			if c.Status == "confirmed" || c.Status == "rejected" {
				d, ok := rc.candidateDoc(c, nil)
				if !ok {
					d = x.Doc(c.Text)
				}
				decided = append(decided, relevance.Decided{ID: c.ID, Doc: d, Confirmed: c.Status == "confirmed"})
			} else if _, ok := rc.candidateTurn(c); !ok && !c.Decided && c.State != "orphaned" {
				r.docs[c.ID] = x.Doc(c.Text) // not in a current version
			}
		}
		// Re-codes: a candidate re-coded to this code is a confirmed one
		// of it, and is listed under it; nothing more to add here.
		r.query = x.Prepare(relevance.Profile{Description: code.Description, Keywords: rules(code.Keywords), Examples: code.Examples}, decided)
		work = append(work, r)
	}
	cr := &codeRanker{ctx: ctx, st: st, rc: rc, m: m, speakers: speakers, excluded: excluded, opts: opts,
		loaded: map[int]*corpus.Transcript{}, unitLists: map[string]*unitList{}}
	g := pipeline.New(ctx)
	batches := pipeline.Source(g, "rank: codes", 0, func(ctx context.Context, emit func([]*codeRank) error) error {
		for _, b := range cr.batches(work) {
			if err := emit(b); err != nil {
				return err
			}
		}
		return nil
	})
	// One batch at a time: its scores are what ranking holds most of
	// besides the corpus; the batch itself is ranked by every worker.
	ranked := pipeline.Map(g, "rank: score", 1, 0, batches, func(ctx context.Context, b []*codeRank) ([]*codeRank, error) {
		return b, cr.rankBatch(ctx, b)
	})
	var rankings []store.Ranking
	var suggestions []store.Candidate
	kept := map[string]bool{}
	pipeline.Sink(g, "rank: collect", ranked, func(ctx context.Context, b []*codeRank) error {
		for _, r := range b {
			sum.Codes[r.code.Path] = r.report
			progress.Add(1)
			rankings = append(rankings, r.rankings...)
			sum.Ranked += r.ranked
			suggestions = append(suggestions, r.suggestions...)
			for _, c := range r.suggestions {
				kept[c.ID] = true
			}
			*r = codeRank{} // its texts are no longer needed
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	progress.Finish()
	if opts.reportOnly {
		return sum, nil
	}
	if err := st.SetRankings(ctx, rankings); err != nil {
		return nil, err
	}
	sum.Ranked += len(suggestions)
	if _, err := st.ProposeCandidates(ctx, cb.Version(), batch, suggestions); err != nil {
		return nil, err
	}
	sum.Suggested = len(suggestions)
	// Undecided suggestions not made again are withdrawn.
	proposed, err := st.Proposed(ctx, nil)
	if err != nil {
		return nil, err
	}
	var withdraw []string
	for _, c := range proposed {
		if c.Origin == store.OriginSuggested && !kept[c.ID] {
			withdraw = append(withdraw, c.ID)
			sum.withdrawnCodes = append(sum.withdrawnCodes, c.Code)
		}
	}
	if sum.Withdrawn, err = st.Withdraw(ctx, withdraw); err != nil {
		return nil, err
	}
	if opts.MaxSuggestions == DefaultMaxSuggestions && opts.MinSuggestion == DefaultMinSuggestion {
		// What this ranking read, for the next run to compare: the
		// ranking's own changes are in it.
		state, err := rankState(ctx, st, cb)
		if err != nil {
			return nil, err
		}
		if err := st.SetRankState(ctx, state); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// rankVersion changes when ranking would rank the same inputs otherwise.
const rankVersion = 2

// rankState sums up a ranking's inputs: the store's, the codebook and how
// ranking is done.
func rankState(ctx context.Context, st *store.Store, cb *codebook.Codebook) (string, error) {
	inputs, err := st.RankInputs(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("rank %d/%d, codebook %s, %s", rankVersion, rankWordsAnalyzer, cb.Version(), inputs), nil
}

// codeRank is one code's part of a ranking: what it reads, and what it
// found.
type codeRank struct {
	code  *codebook.Code
	cands []store.Candidate
	docs  map[string]relevance.Doc // candidates not in a current version, analysed
	query *relevance.Prepared

	report      relevance.Report
	ranked      int             // undecided candidates scored
	rankings    []store.Ranking // those whose ranking changed
	suggestions []store.Candidate
}

// codeRanker ranks codes; its rank may run for several codes at once.
type codeRanker struct {
	ctx      context.Context
	st       *store.Store
	rc       *rankCorpus
	m        matcher
	speakers *Speakers
	excluded map[string]map[[3]int]bool
	opts     RankOptions

	mu          sync.Mutex
	loaded      map[int]*corpus.Transcript // transcripts read for suggestions, kept across codes
	loadedBytes int                        // their text, bounded by loadedMax
	unitLists   map[string]*unitList       // codes with the same speakers and unit share their units
}

// loadedMax bounds the transcripts kept for suggestions: their text and
// their turns and sentences.
const loadedMax = 16 << 20

// unitList is a code's units, made once for every code that shares them.
type unitList struct {
	once  sync.Once
	units *rankUnits
}

func (cr *codeRanker) load(ti int) (*corpus.Transcript, error) {
	// One load at a time: two workers wanting the same transcript (the
	// codes' suggestions fall in the same ones) must not read it twice,
	// and a pasted transcript of 50 MB must not be held twice.
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if t, ok := cr.loaded[ti]; ok {
		return t, nil
	}
	t, err := cr.st.Version(cr.ctx, cr.rc.ts[ti].id, cr.rc.ts[ti].version)
	if err != nil {
		return nil, err
	}
	size := len(t.Text)
	for _, turn := range t.Turns {
		size += 128 + 16*len(turn.Sentences)
	}
	if cr.loadedBytes+size > loadedMax {
		clear(cr.loaded)
		cr.loadedBytes = 0
	}
	cr.loaded[ti] = t
	cr.loadedBytes += size
	return t, nil
}

// unitsKey names the units a code may propose: its unit (sentence or
// turn) and its speaker filter, resolved.
func (cr *codeRanker) unitsKey(code *codebook.Code) (string, index.Node) {
	filter := SpeakerFilter(code)
	if filter != nil {
		filter, _ = cr.speakers.Resolve(filter)
	}
	return fmt.Sprintf("%s\x00%v", code.Unit, filter), filter
}

// units are the units a code may propose: its unit of the turns its
// speaker filter lets through. Codes alike in both share one list (most
// codes take the participants' sentences).
func (cr *codeRanker) units(code *codebook.Code) *rankUnits {
	key, filter := cr.unitsKey(code)
	cr.mu.Lock()
	l, ok := cr.unitLists[key]
	if !ok {
		l = &unitList{}
		cr.unitLists[key] = l
	}
	cr.mu.Unlock()
	l.once.Do(func() { l.units = cr.makeUnits(filter, code.Unit == codebook.UnitTurn) })
	return l.units
}

func (cr *codeRanker) makeUnits(filter index.Node, turns bool) *rankUnits {
	rc, ts := cr.rc, cr.rc.ts
	units := &rankUnits{c: rc, turns: turns}
	spoken := map[[2]string]bool{} // a filter's verdict per transcript and speaker: turns repeat them
	for g, tr := range rc.turns {
		if tr.sentences == 0 {
			continue
		}
		if filter != nil {
			k := [2]string{ts[tr.t].id, rc.speakerKey(int32(g))}
			ok, seen := spoken[k]
			if !seen {
				ok = speaks(filter, k[0], k[1])
				spoken[k] = ok
			}
			if !ok {
				continue
			}
		}
		if units.turns {
			units.ids = append(units.ids, int32(g))
			continue
		}
		for si := range tr.sentences {
			units.ids = append(units.ids, tr.firstSent+si)
		}
	}
	return units
}

// batches group the codes that propose the same units, in the order the
// codes come, at most a worker's worth in each: a batch's codes are
// scored in one pass over their units (each decoded once for all of
// them), and as many codes' scores are held at once as when each worker
// scored a code of its own.
func (cr *codeRanker) batches(work []*codeRank) [][]*codeRank {
	var keys []string
	groups := map[string][]*codeRank{}
	for _, r := range work {
		key, _ := cr.unitsKey(r.code)
		if groups[key] == nil {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], r)
	}
	var out [][]*codeRank
	for _, key := range keys {
		for g := groups[key]; len(g) > 0; {
			n := min(len(g), max(1, cr.opts.Workers))
			out = append(out, g[:n:n])
			g = g[n:]
		}
	}
	return out
}

// rankBatch scores a batch's codes together, then ranks each code's
// candidates and chooses its suggestions, a code per worker.
func (cr *codeRanker) rankBatch(ctx context.Context, b []*codeRank) error {
	units := cr.units(b[0].code)
	queries := make([]*relevance.Prepared, len(b))
	for i, r := range b {
		queries[i] = r.query
	}
	scorers := relevance.Scorers(queries, units, cr.opts.Workers)
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(max(1, cr.opts.Workers))
	for i, r := range b {
		eg.Go(func() error { return cr.rank(ctx, r, scorers[i], units) })
	}
	return eg.Wait()
}

// rank ranks a code's candidates and chooses its suggestions, from its
// scorer s over its units. It reads the corpus and the index and writes
// only to r.
func (cr *codeRanker) rank(ctx context.Context, r *codeRank, s *relevance.Scorer, units *rankUnits) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rc, ts, code, opts := cr.rc, cr.rc.ts, r.code, cr.opts
	r.query = nil // s holds what it made
	r.report = s.Report()
	if opts.reportOnly {
		return nil
	}

	// Undecided candidates: their relevance.
	taken := map[[3]int]bool{} // transcript, turn, sentence already a candidate of the code
	var buf []int32            // the words of the candidate scored
	for _, c := range r.cands {
		ti, ok := rc.byID[c.Transcript]
		if ok && ts[ti].version == c.Version && c.State != "withdrawn" && (c.Origin != store.OriginSuggested || c.Decided) {
			for si := c.First; si <= c.Last; si++ {
				taken[[3]int{ti, c.Turn, si}] = true
			}
		}
		if c.Decided || c.State == "orphaned" {
			continue
		}
		d, ok := rc.candidateDoc(c, buf)
		if ok {
			buf = d.Seq[:0]
		}
		if !ok {
			d = r.docs[c.ID]
		}
		rel := s.Score(d)
		r.ranked++
		rk := store.Ranking{ID: c.ID, Relevance: rel, Why: s.Why(d, c.Text, c.ID), Recommended: s.Recommended(rel)}
		if rk != (store.Ranking{ID: c.ID, Relevance: c.Relevance, Why: c.Why, Recommended: c.Recommended}) {
			r.rankings = append(r.rankings, rk) // only what changed is written
		}
	}
	if opts.MaxSuggestions < 0 {
		return nil
	}

	// Suggestions: the best units no keyword took.
	var idx []int
	for i := range units.Len() {
		if s.UnitScore(i) >= opts.MinSuggestion {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return s.UnitScore(idx[a]) > s.UnitScore(idx[b]) })
	chosen := map[int]map[int]map[int]*sentenceHit{} // transcript -> turn -> sentences
	n := 0
	for _, i := range idx {
		if n == opts.MaxSuggestions {
			break
		}
		g, first, last := units.unit(i)
		ti, turn := int(rc.turns[g].t), rc.turnNumber(g)
		if blocked(ti, turn, first, last, taken, cr.excluded[code.Path]) {
			continue
		}
		hits := map[int]*sentenceHit{}
		for si := first; si <= last; si++ {
			hits[si] = &sentenceHit{rules: map[string]bool{}}
		}
		t, err := cr.load(ti)
		if err != nil {
			return err
		}
		if !cr.m.dropRejected(code, t, turn, hits) {
			continue
		}
		if chosen[ti] == nil {
			chosen[ti] = map[int]map[int]*sentenceHit{}
		}
		if chosen[ti][turn] == nil {
			chosen[ti][turn] = map[int]*sentenceHit{}
		}
		for si, h := range hits {
			chosen[ti][turn][si] = h
		}
		n++
	}
	tis := make([]int, 0, len(chosen))
	for ti := range chosen {
		tis = append(tis, ti)
	}
	sort.Ints(tis)
	for _, ti := range tis {
		turns := make([]int, 0, len(chosen[ti]))
		for turn := range chosen[ti] {
			turns = append(turns, turn)
		}
		sort.Ints(turns)
		t, err := cr.load(ti)
		if err != nil {
			return err
		}
		occurrences := newOccurrences(t)
		for _, turn := range turns {
			for _, c := range cr.m.candidates(code, t, turn, chosen[ti][turn], occurrences) {
				d := rc.span(ts[ti].firstTurn+int32(turn), c.First, c.Last, nil)
				c.Origin, c.Rules, c.Score = store.OriginSuggested, []string{}, 0
				c.Text = strings.Clone(c.Text) // not the whole transcript's text, kept alive till the end
				c.Relevance = s.Score(d)
				c.Why = s.Why(d, c.Text, c.ID)
				c.Recommended = s.Recommended(c.Relevance)
				r.suggestions = append(r.suggestions, c)
			}
		}
	}
	return nil
}

func rules(rs []codebook.Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Query
	}
	return out
}

// blocked says whether a unit overlaps a candidate of the code, or a
// sentence its exclusions rule out.
func blocked(t, turn, first, last int, taken map[[3]int]bool, excluded map[[3]int]bool) bool {
	for si := first; si <= last; si++ {
		k := [3]int{t, turn, si}
		if taken[k] || excluded[k] {
			return true
		}
	}
	return false
}

// speaks evaluates a resolved speaker filter (speaker and transcript
// fields under And, Or, Not) on one turn.
func speaks(n index.Node, transcript, speakerKey string) bool {
	switch v := n.(type) {
	case index.And:
		for _, c := range v.Nodes {
			if !speaks(c, transcript, speakerKey) {
				return false
			}
		}
		return true
	case index.Or:
		for _, c := range v.Nodes {
			if speaks(c, transcript, speakerKey) {
				return true
			}
		}
		return false
	case index.Not:
		return !speaks(v.Node, transcript, speakerKey)
	case index.Field:
		got := transcript
		if strings.EqualFold(v.Name, "speaker") {
			got = speakerKey
		}
		if strings.HasSuffix(v.Value, "*") {
			return strings.HasPrefix(strings.ToLower(got), strings.ToLower(strings.TrimSuffix(v.Value, "*")))
		}
		if strings.EqualFold(v.Name, "speaker") {
			return corpus.SpeakerKey(v.Value) == got
		}
		return v.Value == got
	}
	return false
}

// exclusions finds, per code with exclusions, the sentences of passages
// its exclusions match: suggestions honour them as keyword hits do.
func exclusions(ctx context.Context, p Project, st *store.Store, cb *codebook.Codebook, speakers *Speakers) (map[string]map[[3]int]bool, error) {
	var codes []*codebook.Code
	for _, c := range cb.All() {
		if len(c.Exclude) > 0 {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 {
		return nil, nil
	}
	infos, err := st.Transcripts(ctx)
	if err != nil {
		return nil, err
	}
	tIndex := map[string]int{}
	n := 0
	for _, info := range infos {
		if !info.Removed {
			tIndex[info.ID+"\x00"+info.Version] = n
			n++
		}
	}
	idx, err := p.OpenIndex(ctx, st)
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	out := map[string]map[[3]int]bool{}
	for _, c := range codes {
		var nodes []index.Node
		for _, r := range c.Exclude {
			node, err := index.Parse(r.Query)
			if err != nil {
				return nil, fmt.Errorf("code %q: exclude %q: %w", c.Path, r.Query, err)
			}
			node, _ = speakers.Resolve(node)
			nodes = append(nodes, node)
		}
		q, err := idx.Compile(ctx, orOf(nodes))
		if err != nil {
			return nil, err
		}
		ids, err := idx.IDs(ctx, q)
		if err != nil {
			return nil, err
		}
		rows, err := st.Passages(ctx, ids)
		if err != nil {
			return nil, err
		}
		out[c.Path] = map[[3]int]bool{}
		for _, row := range rows {
			ti, ok := tIndex[row.TranscriptID+"\x00"+row.Version]
			if !ok {
				continue
			}
			for si := row.Sentence; si < row.Sentence+row.Sentences; si++ {
				out[c.Path][[3]int{ti, row.Turn, si}] = true
			}
		}
	}
	return out, nil
}

// codeScores scores every code as Rank does (its learned model, the
// model's and the description's precision left out on the decisions, its
// strongest words) and writes nothing: what "codebook report" shows.
// It also returns the candidates it read, by code.
func codeScores(ctx context.Context, p Project, st *store.Store, cb *codebook.Codebook) (map[string]relevance.Report, map[string][]store.Candidate, error) {
	sum, err := Rank(ctx, p, st, cb, 0, RankOptions{reportOnly: true})
	if err != nil {
		return nil, nil, err
	}
	return sum.Codes, sum.byCode, nil
}

// Suggest ranks the queue again and renews the suggestions, without a
// batch ("alongside suggest"): after decisions, the learned models and
// "like confirmed" see them at once. It holds the batch lock, as a run
// does; new suggestions count as the last batch's.
func Suggest(ctx context.Context, p Project, cb *codebook.Codebook, opts RankOptions) (*RankSummary, error) {
	if err := CheckCodebook(cb); err != nil {
		return nil, err
	}
	unlock, err := lockProject(filepath.Join(p.StateDir(), "batch.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	st, err := p.OpenExistingStore()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var batch int64
	if last, err := st.LastBatch(ctx); err != nil {
		return nil, err
	} else if last != nil {
		batch = last.ID
	}
	return Rank(ctx, p, st, cb, batch, opts)
}
