package stages

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages/relevance"
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

// rankTranscript is what ranking keeps of a transcript: not its text or
// turns (at 2 million words those were two thirds of Rank's memory), only
// who speaks each turn and how many sentences it has; a transcript is
// read again when a suggestion is made in it.
type rankTranscript struct {
	id, version string
	turns       []rankTurn
}

type rankTurn struct {
	speakerKey string
	sentences  int
}

// rankUnit is a unit a code may propose: a sentence, or a whole turn.
type rankUnit struct {
	t           int // index in the loaded transcripts
	turn        int
	first, last int
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
	sum := &RankSummary{Codes: map[string]relevance.Report{}}
	an, err := relevance.NewAnalyzer()
	if err != nil {
		return nil, err
	}
	x := relevance.NewIndex(an)

	// The corpus: every sentence of every current transcript.
	infos, err := st.Transcripts(ctx)
	if err != nil {
		return nil, err
	}
	var ts []rankTranscript
	var sents [][][]relevance.Doc // transcript, turn, sentence
	for _, info := range infos {
		if info.Removed {
			continue
		}
		t, err := st.Version(ctx, info.ID, info.Version)
		if err != nil {
			return nil, err
		}
		rt := rankTranscript{id: t.ID, version: t.Version, turns: make([]rankTurn, len(t.Turns))}
		turns := make([][]relevance.Doc, len(t.Turns))
		for ti, turn := range t.Turns {
			rt.turns[ti] = rankTurn{speakerKey: turn.SpeakerKey, sentences: len(turn.Sentences)}
			turns[ti] = make([]relevance.Doc, len(turn.Sentences))
			for si, s := range turn.Sentences {
				d := x.Doc(t.Cut(s.Span))
				x.Add(d)
				turns[ti][si] = d
			}
		}
		ts = append(ts, rt)
		sents = append(sents, turns)
	}
	byID := map[string]int{}
	for i, t := range ts {
		byID[t.id] = i
	}

	all, err := st.Candidates(ctx, store.CandidateFilter{})
	if err != nil {
		return nil, err
	}
	byCode := map[string][]store.Candidate{}
	for _, c := range all {
		byCode[c.Code] = append(byCode[c.Code], c)
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

	var rankings []store.Ranking
	var suggestions []store.Candidate
	kept := map[string]bool{}
	for _, code := range cb.All() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cands := byCode[code.Path]
		filter := SpeakerFilter(code)
		if filter != nil {
			filter, _ = speakers.Resolve(filter)
		}
		var units []rankUnit
		var docs []relevance.Doc
		spoken := map[[2]string]bool{} // a filter's verdict per transcript and speaker: turns repeat them
		for ti, t := range ts {
			for turn, tr := range t.turns {
				if tr.sentences == 0 {
					continue
				}
				if filter != nil {
					k := [2]string{t.id, tr.speakerKey}
					ok, seen := spoken[k]
					if !seen {
						ok = speaks(filter, t.id, tr.speakerKey)
						spoken[k] = ok
					}
					if !ok {
						continue
					}
				}
				if code.Unit == codebook.UnitTurn {
					units = append(units, rankUnit{ti, turn, 0, tr.sentences - 1})
					docs = append(docs, relevance.Concat(sents[ti][turn]...))
					continue
				}
				for si := range tr.sentences {
					units = append(units, rankUnit{ti, turn, si, si})
					docs = append(docs, sents[ti][turn][si])
				}
			}
		}
		var decided []relevance.Decided
		for _, c := range cands {
			if c.Status == "confirmed" || c.Status == "rejected" {
				decided = append(decided, relevance.Decided{ID: c.ID, Doc: x.Doc(c.Text), Confirmed: c.Status == "confirmed"})
			}
		}
		// Re-codes: a candidate re-coded to this code is a confirmed one
		// of it, and is listed under it; nothing more to add here.
		s := x.Scorer(relevance.Profile{Description: code.Description, Keywords: rules(code.Keywords), Examples: code.Examples}, decided, docs)
		sum.Codes[code.Path] = s.Report()
		if opts.reportOnly {
			continue
		}

		// Undecided candidates: their relevance.
		taken := map[[3]int]bool{} // transcript, turn, sentence already a candidate of the code
		for _, c := range cands {
			ti, ok := byID[c.Transcript]
			if ok && ts[ti].version == c.Version && c.State != "withdrawn" && (c.Origin != store.OriginSuggested || c.Decided) {
				for si := c.First; si <= c.Last; si++ {
					taken[[3]int{ti, c.Turn, si}] = true
				}
			}
			if c.Decided || c.State == "orphaned" {
				continue
			}
			d := x.Doc(c.Text)
			rel := s.Score(d)
			rankings = append(rankings, store.Ranking{ID: c.ID, Relevance: rel, Why: s.Why(d, c.Text, c.ID), Recommended: s.Recommended(rel)})
		}
		if opts.MaxSuggestions < 0 {
			continue
		}

		// Suggestions: the best units no keyword took.
		scores := make([]float64, len(docs))
		for i, d := range docs {
			scores[i] = s.Score(d)
		}
		idx := make([]int, len(docs))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
		chosen := map[int]map[int]map[int]*sentenceHit{} // transcript -> turn -> sentences
		loaded := map[int]*corpus.Transcript{}
		load := func(ti int) (*corpus.Transcript, error) {
			if t, ok := loaded[ti]; ok {
				return t, nil
			}
			t, err := st.Version(ctx, ts[ti].id, ts[ti].version)
			if err != nil {
				return nil, err
			}
			loaded[ti] = t
			return t, nil
		}
		n := 0
		for _, i := range idx {
			if n == opts.MaxSuggestions || scores[i] < opts.MinSuggestion {
				break
			}
			u := units[i]
			if blocked(u, taken, excluded[code.Path]) {
				continue
			}
			hits := map[int]*sentenceHit{}
			for si := u.first; si <= u.last; si++ {
				hits[si] = &sentenceHit{rules: map[string]bool{}}
			}
			t, err := load(u.t)
			if err != nil {
				return nil, err
			}
			if !m.dropRejected(code, t, u.turn, hits) {
				continue
			}
			if chosen[u.t] == nil {
				chosen[u.t] = map[int]map[int]*sentenceHit{}
			}
			if chosen[u.t][u.turn] == nil {
				chosen[u.t][u.turn] = map[int]*sentenceHit{}
			}
			for si, h := range hits {
				chosen[u.t][u.turn][si] = h
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
			t, err := load(ti)
			if err != nil {
				return nil, err
			}
			occurrences := newOccurrences(t)
			for _, turn := range turns {
				for _, c := range m.candidates(code, t, turn, chosen[ti][turn], occurrences) {
					d := relevance.Concat(sents[ti][turn][c.First : c.Last+1]...)
					c.Origin, c.Rules, c.Score = store.OriginSuggested, []string{}, 0
					c.Text = strings.Clone(c.Text) // not the whole transcript's text, kept alive till the end
					c.Relevance = s.Score(d)
					c.Why = s.Why(d, c.Text, c.ID)
					c.Recommended = s.Recommended(c.Relevance)
					suggestions = append(suggestions, c)
					kept[c.ID] = true
				}
			}
		}
	}
	if opts.reportOnly {
		return sum, nil
	}
	if err := st.SetRankings(ctx, rankings); err != nil {
		return nil, err
	}
	sum.Ranked = len(rankings) + len(suggestions)
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
	return sum, nil
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
func blocked(u rankUnit, taken map[[3]int]bool, excluded map[[3]int]bool) bool {
	for si := u.first; si <= u.last; si++ {
		k := [3]int{u.t, u.turn, si}
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
