package stages

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
)

// CheckCodebook parses every rule of the codebook with the query language
// and reports the first bad one at its line:
// codebook.yaml:14: code "Advocating": keyword 2: query: unclosed quote at column 9.
func CheckCodebook(cb *codebook.Codebook) error {
	for _, c := range cb.All() {
		for kind, rules := range map[string][]codebook.Rule{"keyword": c.Keywords, "exclude": c.Exclude} {
			for i, r := range rules {
				if _, err := index.Parse(r.Query); err != nil {
					return &codebook.Error{File: cb.Source, Line: r.Line, Code: c.Name, Msg: fmt.Sprintf("%s %d: %v", kind, i+1, err)}
				}
			}
		}
	}
	return nil
}

// MatchSummary is what a matching pass did. The counts are what the
// analyst's queue gained and lost, so that "8 new" means 8 candidates to
// read that were not waiting before.
type MatchSummary struct {
	Codebook    string                `json:"codebook"`
	Codes       int                   `json:"codes"`
	Rematched   []string              `json:"rematched_codes"`    // matched over the whole corpus (new or changed rules)
	Transcripts int                   `json:"transcripts"`        // matched for every code (new or changed)
	New         int                   `json:"new"`                // proposed by this batch and waiting (re-proposed ones included)
	Suggested   int                   `json:"suggested"`          // suggestions waiting (origin suggested), after the pass
	Waiting     int                   `json:"waiting"`            // every candidate waiting for a decision, after the pass
	Withdrawn   int                   `json:"withdrawn"`          // undecided candidates no longer proposed
	Orphaned    int                   `json:"orphaned"`           // decided candidates whose text is gone
	Warnings    []string              `json:"warnings,omitempty"` // speaker filters that name no one
	PerCode     map[string]CodeCounts `json:"per_code"`
	Seconds     float64               `json:"seconds"`
}

// CodeCounts are one code's part of a MatchSummary.
type CodeCounts struct {
	New       int `json:"new"`
	Waiting   int `json:"waiting"`
	Withdrawn int `json:"withdrawn"`
}

// QueueSummary is the summary of a run that had nothing to match: what
// waits for a decision, per code.
func QueueSummary(ctx context.Context, p Project, st *store.Store, cb *codebook.Codebook) (*MatchSummary, error) {
	sum := &MatchSummary{Codebook: cb.Version(), PerCode: map[string]CodeCounts{}}
	for _, c := range cb.All() {
		if len(c.Keywords) > 0 {
			sum.Codes++
		}
	}
	return sum, sum.count(ctx, st, 0, nil)
}

// RankAfterRun ranks the queue and makes suggestions after a run (when
// the run was asked to: Options.Suggest), and adds what it did to the
// run's summary. Ranking reads the whole corpus; until its cost at scale
// is measured it is not part of every nightly run by default.
func RankAfterRun(ctx context.Context, p Project, st *store.Store, cb *codebook.Codebook, batch int64, sum *MatchSummary, progress StepProgress) error {
	if batch == 0 {
		last, err := st.LastBatch(ctx)
		if err != nil {
			return err
		}
		if last != nil {
			batch = last.ID
		}
	}
	// A run that changed nothing ranking reads (no batch, no decision,
	// the same codebook) leaves the ranking as it is: ranking reads the
	// whole corpus.
	before, err := rankState(ctx, st, cb)
	if err != nil {
		return err
	}
	if last, err := st.RankState(ctx); err != nil {
		return err
	} else if last == before {
		return nil
	}
	rk, err := Rank(ctx, p, st, cb, batch, RankOptions{Progress: progress})
	if err != nil {
		return fmt.Errorf("ranking candidates: %w", err)
	}
	sum.Suggested = rk.Suggested
	sum.Withdrawn += rk.Withdrawn
	// The queue changed: count it again.
	sum.New, sum.Waiting = 0, 0
	for code, cc := range sum.PerCode {
		cc.New, cc.Waiting = 0, 0
		sum.PerCode[code] = cc
	}
	return sum.count(ctx, st, batch, rk.withdrawnCodes)
}

// MatchingDue says whether matching the codebook has anything to do:
// codes whose rules (or the participants sheet) changed since their
// candidates were matched, codes gone from the codebook, or transcripts
// not matched on their current version.
func MatchingDue(ctx context.Context, st *store.Store, cb *codebook.Codebook) (bool, error) {
	unmatched, err := st.Unmatched(ctx)
	if err != nil || len(unmatched) > 0 {
		return len(unmatched) > 0, err
	}
	states, err := st.CodeStates(ctx)
	if err != nil {
		return false, err
	}
	speakers, err := LoadSpeakers(ctx, st)
	if err != nil {
		return false, err
	}
	inBook := map[string]bool{}
	for _, c := range cb.All() {
		inBook[c.Path] = true
		state, ok := states[c.Path]
		if len(c.Keywords) == 0 {
			if ok && state != speakers.rulesState(c) {
				return true, nil // its rules were removed: withdraw
			}
			continue
		}
		if state != speakers.rulesState(c) {
			return true, nil
		}
	}
	for path := range states {
		if !inBook[path] {
			return true, nil
		}
	}
	return false, nil
}

// smallScope is the most transcripts a keyword query names in a filter;
// past it the query runs on the whole corpus and hits are filtered here.
const smallScope = 200

// StepProgress hears how a step that reads no files advances (matching
// the codebook): Start names the step and says how many units of work it
// has, Add counts units done, Finish ends it. Calls come from one
// goroutine.
type StepProgress interface {
	Start(step string, units int)
	Add(units int)
	Finish()
}

// noProgress hears nothing: what a step reports to when no one listens.
type noProgress struct{}

func (noProgress) Start(string, int) {}
func (noProgress) Add(int)           {}
func (noProgress) Finish()           {}

// orNoProgress is p, or noProgress for nil.
func orNoProgress(p StepProgress) StepProgress {
	if p == nil {
		return noProgress{}
	}
	return p
}

// MatchCandidates matches the codebook's rules against the index and
// records candidate meaning units. Codes whose rules are new or changed are
// matched over the whole corpus; the others only over transcripts not yet
// matched on their current version. It runs after a batch is committed, and
// can run again safely: what it records is keyed by stable IDs. progress,
// when not nil, hears each keyword query on each shard, and each shard's
// candidates cut and recorded.
func MatchCandidates(ctx context.Context, p Project, st *store.Store, cb *codebook.Codebook, batch int64, progress StepProgress) (*MatchSummary, error) {
	start := time.Now()
	if err := CheckCodebook(cb); err != nil {
		return nil, err
	}
	states, err := st.CodeStates(ctx)
	if err != nil {
		return nil, err
	}
	unmatched, err := st.Unmatched(ctx)
	if err != nil {
		return nil, err
	}
	sum := &MatchSummary{Codebook: cb.Version(), PerCode: map[string]CodeCounts{}, Transcripts: len(unmatched)}
	res := passResult{Scope: map[string][]string{}, Rules: map[string]string{}, Transcripts: map[string]string{}}

	idx, err := p.OpenIndex(ctx, st)
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	rejected, err := rejections(ctx, st)
	if err != nil {
		return nil, err
	}
	speakers, err := LoadSpeakers(ctx, st)
	if err != nil {
		return nil, err
	}
	m := matcher{st: st, idx: idx, cb: cb, version: cb.Version(), rejected: rejected, speakers: speakers, progress: orNoProgress(progress)}
	var work []codeScope

	for _, c := range cb.All() {
		res.Rules[c.Path] = speakers.rulesState(c)
		if len(c.Keywords) == 0 {
			// No keywords proposes nothing; if the code's rules were
			// removed, its undecided candidates are withdrawn everywhere.
			if h, ok := states[c.Path]; ok && h != speakers.rulesState(c) {
				res.Scope[c.Path] = nil
			}
			continue
		}
		sum.Codes++
		var scope []string // nil: whole corpus
		if states[c.Path] != speakers.rulesState(c) {
			sum.Rematched = append(sum.Rematched, c.Path)
		} else if len(unmatched) == 0 {
			continue
		} else {
			scope = unmatched
		}
		res.Scope[c.Path] = scope
		work = append(work, codeScope{code: c, scope: scope})
	}
	res.Found = map[string]bool{}
	err = m.match(ctx, work, func(cands []store.Candidate) error {
		for _, c := range cands {
			res.Found[c.ID] = true
		}
		_, err := st.ProposeCandidates(ctx, cb.Version(), batch, cands)
		return err
	})
	if err != nil {
		return nil, err
	}
	sum.Warnings = m.warnings
	// Every current transcript has now been matched on its version.
	infos, err := st.Transcripts(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range unmatchedSet(unmatched, infos) {
		res.Transcripts[t.ID] = t.Version
	}
	outcome, withdrawnCodes, err := settle(ctx, st, res)
	if err != nil {
		return nil, err
	}
	outcome.Batch = batch
	if sum.Withdrawn, err = st.FinishMatch(ctx, outcome); err != nil {
		return nil, err
	}
	sum.Orphaned = len(outcome.Orphan)
	if err := sum.count(ctx, st, batch, withdrawnCodes); err != nil {
		return nil, err
	}
	sum.Seconds = time.Since(start).Seconds()
	return sum, nil
}

// count fills in what the queue holds after the pass, per code.
func (sum *MatchSummary) count(ctx context.Context, st *store.Store, batch int64, withdrawnCodes []string) error {
	waiting, fromBatch, err := st.QueueCounts(ctx, batch)
	if err != nil {
		return err
	}
	for code, n := range waiting {
		cc := sum.PerCode[code]
		cc.Waiting, cc.New = n, fromBatch[code]
		sum.PerCode[code] = cc
		sum.Waiting += n
		sum.New += fromBatch[code]
	}
	for _, code := range withdrawnCodes {
		cc := sum.PerCode[code]
		cc.Withdrawn++
		sum.PerCode[code] = cc
	}
	return nil
}

func unmatchedSet(ids []string, infos []store.TranscriptInfo) []store.TranscriptInfo {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []store.TranscriptInfo
	for _, t := range infos {
		if want[t.ID] {
			out = append(out, t)
		}
	}
	return out
}

type matcher struct {
	st       *store.Store
	idx      *index.Reader
	rejected map[string]map[string][]rejection // code -> transcript -> what the analysts rejected
	speakers *Speakers
	warnings []string // filters that name no one, per code
	cb       *codebook.Codebook
	version  string       // cb.Version(), computed once
	progress StepProgress // never nil when matching (orNoProgress)
}

// step reports n units of matching done.
func (m *matcher) step(n int) { m.progress.Add(n) }

// sentenceHit is what matched in one sentence of a turn.
type sentenceHit struct {
	rules   map[string]bool
	matches []store.MatchSpan
}

// codeScope is a code to match and where: nil scope is the whole corpus.
type codeScope struct {
	code  *codebook.Code
	scope []string
}

// ruleHit is what one keyword of one code matched in one passage.
type ruleHit struct {
	code, rule int
	matches    []index.Match
}

// compiledRule is one keyword of a code, compiled with the code's filters.
type compiledRule struct {
	code, rule int
	query      *index.Compiled
}

// match finds the candidates of every code in work and hands them to
// record, a shard at a time: a transcript version lives in one shard, so what the
// matcher holds at once is bounded by a shard's hits, whatever the corpus.
func (m *matcher) match(ctx context.Context, work []codeScope, record func([]store.Candidate) error) error {
	var rules []compiledRule
	inScope := make([]map[string]bool, len(work))
	for ci, w := range work {
		filters, err := m.codeFilters(w)
		if err != nil {
			return err
		}
		if w.scope != nil {
			inScope[ci] = map[string]bool{}
			for _, t := range w.scope {
				inScope[ci][t] = true
			}
		}
		for ri, r := range w.code.Keywords {
			n, _ := index.Parse(r.Query) // checked by CheckCodebook
			compiled, err := m.idx.Compile(ctx, index.And{Nodes: append([]index.Node{n}, filters...)})
			if err != nil {
				return err
			}
			rules = append(rules, compiledRule{code: ci, rule: ri, query: compiled})
		}
	}
	shards := m.idx.PerShard()
	if len(rules) > 0 {
		// A unit per keyword query on each shard, and one per shard for
		// cutting and recording its candidates (a pasted transcript of
		// millions of words is one shard's work).
		m.progress.Start("matching candidates", len(shards)*(len(rules)+1))
		defer m.progress.Finish()
	}
	for _, shard := range shards {
		cands, err := m.matchShard(ctx, shard, work, rules, inScope)
		if err != nil {
			return err
		}
		if err := record(cands); err != nil {
			return err
		}
		m.step(1)
	}
	return nil
}

// matchShard matches the rules in one shard. It runs in two passes, so
// that each transcript is loaded once however many codes and keywords hit
// it: first every keyword query runs and its hits are kept by passage; then
// the hits are grouped by transcript and turned into candidates.
// Long on purpose: the two passes share the hits of every rule in the
// shard, and splitting them would hand those maps around for no clarity.
func (m *matcher) matchShard(ctx context.Context, shard *index.Reader, work []codeScope, rules []compiledRule, inScope []map[string]bool) ([]store.Candidate, error) {
	byPassage := map[string][]ruleHit{}
	for _, r := range rules {
		hits, err := shard.All(ctx, r.query)
		if err != nil {
			w := work[r.code].code
			return nil, fmt.Errorf("matching code %q keyword %q: %w", w.Path, w.Keywords[r.rule].Query, err)
		}
		for _, h := range hits {
			byPassage[h.ID] = append(byPassage[h.ID], ruleHit{code: r.code, rule: r.rule, matches: h.Matches})
		}
		m.step(1)
	}
	ids := make([]string, 0, len(byPassage))
	for id := range byPassage {
		ids = append(ids, id)
	}
	rows, err := m.st.Passages(ctx, ids)
	if err != nil {
		return nil, err
	}
	// Group the passages by transcript version, in a fixed order.
	type version struct{ id, version string }
	byVersion := map[version][]store.PassageRow{}
	for _, row := range rows {
		v := version{row.TranscriptID, row.Version}
		byVersion[v] = append(byVersion[v], row)
	}
	versions := make([]version, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool {
		if versions[i].id != versions[j].id {
			return versions[i].id < versions[j].id
		}
		return versions[i].version < versions[j].version
	})

	var out []store.Candidate
	for _, v := range versions {
		t, err := m.st.Version(ctx, v.id, v.version) // once per transcript
		if err != nil {
			return nil, err
		}
		// code -> turn -> sentence -> what matched there
		found := map[int]map[int]map[int]*sentenceHit{}
		for _, row := range byVersion[v] {
			sents := t.Turns[row.Turn].Sentences
			for _, rh := range byPassage[row.ID] {
				if inScope[rh.code] != nil && !inScope[rh.code][row.TranscriptID] {
					continue
				}
				rule := work[rh.code].code.Keywords[rh.rule].Query
				for _, mt := range rh.matches {
					si := row.Sentence + mt.Sentence
					if si >= len(sents) {
						continue
					}
					text := t.Cut(sents[si].Span)
					if mt.End > len(text) || mt.Start > mt.End {
						continue
					}
					if found[rh.code] == nil {
						found[rh.code] = map[int]map[int]*sentenceHit{}
					}
					if found[rh.code][row.Turn] == nil {
						found[rh.code][row.Turn] = map[int]*sentenceHit{}
					}
					sh := found[rh.code][row.Turn][si]
					if sh == nil {
						sh = &sentenceHit{rules: map[string]bool{}}
						found[rh.code][row.Turn][si] = sh
					}
					sh.rules[rule] = true
					start := sents[si].Span.Start + utf8.RuneCountInString(text[:mt.Start])
					sh.matches = append(sh.matches, store.MatchSpan{Text: text[mt.Start:mt.End], Start: start, End: start + utf8.RuneCountInString(text[mt.Start:mt.End])})
				}
			}
		}
		// The candidates' spans are numbered together, in one walk over
		// the text (see occurrences.count), before their IDs are made.
		type codeTurn struct{ code, turn int }
		var kept []codeTurn
		var spans []corpus.Span
		for ci, turns := range found {
			code := work[ci].code
			for turn, sentences := range turns {
				if !m.dropRejected(code, t, turn, sentences) {
					continue
				}
				kept = append(kept, codeTurn{ci, turn})
				spans = append(spans, runSpans(t.Turns[turn], candidateRuns(code, t.Turns[turn], sentences))...)
			}
		}
		occurrences := newOccurrences(t) // of this transcript version
		occurrences.count(spans)
		for _, k := range kept {
			out = append(out, m.candidates(work[k.code].code, t, k.turn, found[k.code][k.turn], occurrences)...)
		}
	}
	// In transcript order, which is the order of the one index on
	// candidates besides the ID's: their writes then stay together.
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Transcript != b.Transcript {
			return a.Transcript < b.Transcript
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Start < b.Start
	})
	return out, nil
}

// codeFilters are a code's filters (CodeFilters), with the speaker
// filters resolved, and a small scope named in the query.
func (m *matcher) codeFilters(w codeScope) ([]index.Node, error) {
	filters, err := CodeFilters(w.code)
	if err != nil {
		return nil, err
	}
	for i, f := range filters {
		var warns []string
		filters[i], warns = m.speakers.Resolve(f)
		if len(w.code.Speakers) == 0 {
			warns = nil // the default: a project without interviewers is fine
		}
		for _, w2 := range warns {
			m.warnings = append(m.warnings, fmt.Sprintf("code %q: %s", w.code.Path, w2))
		}
	}
	if w.scope != nil && len(w.scope) <= smallScope {
		var nodes []index.Node
		for _, t := range w.scope {
			nodes = append(nodes, index.Field{Name: "transcript", Value: t})
		}
		filters = append(filters, orOf(nodes))
	}
	return filters, nil
}

// candidates turns the matching sentences of one code in one turn into
// candidates: runs of adjacent sentences (unit sentence) or the whole turn.
func (m *matcher) candidates(c *codebook.Code, t *corpus.Transcript, turnIndex int, sentences map[int]*sentenceHit, occurrences *occurrences) []store.Candidate {
	turn := t.Turns[turnIndex]
	idx := sortedSentences(sentences)
	runs := candidateRuns(c, turn, sentences)
	// Spans not numbered yet (a caller that did not count them first) are
	// numbered in one walk, not one scan each.
	occurrences.count(runSpans(turn, runs))
	var out []store.Candidate
	for _, run := range runs {
		cand := store.Candidate{
			Code: c.Path, Transcript: t.ID, Version: t.Version, Turn: turnIndex, First: run[0], Last: run[1],
			Start: turn.Sentences[run[0]].Span.Start, End: turn.Sentences[run[1]].Span.End, Speaker: turn.Speaker,
			Codebook: m.version, Matches: []store.MatchSpan{},
		}
		if turn.Start != corpus.NoTime {
			sec := turn.Start.Seconds()
			cand.StartTime = &sec
		}
		cand.Text = t.Cut(corpus.Span{Start: cand.Start, End: cand.End})
		rules := map[string]bool{}
		// The matching sentences of this run (idx is sorted): looking
		// through all of them for every run was quadratic in a pasted
		// transcript's one turn.
		lo, _ := slices.BinarySearch(idx, run[0])
		hi, _ := slices.BinarySearch(idx, run[1]+1)
		for _, si := range idx[lo:hi] {
			for r := range sentences[si].rules {
				rules[r] = true
			}
			cand.Matches = append(cand.Matches, sentences[si].matches...)
		}
		cand.Matches = uniqueSpans(cand.Matches)
		for _, r := range c.Keywords { // in codebook order
			if rules[r.Query] {
				cand.Rules = append(cand.Rules, r.Query)
			}
		}
		cand.Score = float64(len(cand.Rules)) + float64(len(cand.Matches))/10
		// Many codes propose the same span: count its occurrences once.
		span := corpus.Span{Start: cand.Start, End: cand.End}
		occ := occurrences.of(span)
		cand.ID = candidateID(c.Path, t, cand.Start, cand.End, occ)
		out = append(out, cand)
	}
	return out
}

// candidateRuns are the spans, as first and last sentence, of the
// candidates of one code in one turn: runs of adjacent matching sentences
// (unit sentence) or the whole turn.
func candidateRuns(c *codebook.Code, turn corpus.Turn, sentences map[int]*sentenceHit) [][2]int {
	if c.Unit == codebook.UnitTurn {
		return [][2]int{{0, len(turn.Sentences) - 1}}
	}
	var runs [][2]int
	for _, si := range sortedSentences(sentences) {
		if n := len(runs); n > 0 && runs[n-1][1] == si-1 {
			runs[n-1][1] = si
		} else {
			runs = append(runs, [2]int{si, si})
		}
	}
	return runs
}

// runSpans are the spans of runs of a turn's sentences.
func runSpans(turn corpus.Turn, runs [][2]int) []corpus.Span {
	spans := make([]corpus.Span, len(runs))
	for i, run := range runs {
		spans[i] = corpus.Span{Start: turn.Sentences[run[0]].Span.Start, End: turn.Sentences[run[1]].Span.End}
	}
	return spans
}

func sortedSentences(sentences map[int]*sentenceHit) []int {
	idx := make([]int, 0, len(sentences))
	for si := range sentences {
		idx = append(idx, si)
	}
	sort.Ints(idx)
	return idx
}

func orOf(nodes []index.Node) index.Node {
	if len(nodes) == 1 {
		return nodes[0]
	}
	return index.Or{Nodes: nodes}
}

// uniqueSpans sorts matched spans by position and drops repeats.
func uniqueSpans(ms []store.MatchSpan) []store.MatchSpan {
	slices.SortFunc(ms, func(a, b store.MatchSpan) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End), cmp.Compare(a.Text, b.Text))
	})
	return slices.Compact(ms)
}

// CandidateID is stable: the same code on the same text of the same
// transcript gets the same ID, wherever the text moved in an edited
// transcript. The text's occurrence number tells repeated identical spans
// apart.
func CandidateID(code string, t *corpus.Transcript, start, end int) string {
	return candidateID(code, t, start, end, occurrence(t, start, end))
}

// occurrence is how many times the text of a span occurs in the transcript
// before it: the same words twice in one transcript get two IDs.
func occurrence(t *corpus.Transcript, start, end int) int {
	text := t.Cut(corpus.Span{Start: start, End: end})
	return strings.Count(t.Cut(corpus.Span{Start: 0, End: start}), text)
}

func candidateID(code string, t *corpus.Transcript, start, end, occurrence int) string {
	text := t.Cut(corpus.Span{Start: start, End: end})
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d", code, t.ID, text, occurrence)
	return "c" + hex.EncodeToString(h.Sum(nil))[:11]
}
