package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/relevance"
)

// The suggestions phase: how well relevance ranks, and how much the
// analyst's decisions teach it, on AnnoMI's own expert labels as the
// analyst. Three codes, each a turn code of one role (an AnnoMI utterance
// is a turn): change talk and sustain talk (client), reflection
// (therapist). 40 conversations (a seeded split) are the analyst's; the
// other 93 are ranked. Each round the analyst decides the top 20 of each
// code's queue in their 40 as the labels say; the ranking of the 93 is
// measured before any decision and after each of three rounds, beside the
// keyword rules alone.
//
// It uses package relevance as stages.Rank does: every sentence of the
// corpus counted in the statistics, a code's units its role's turns, the
// Scorer given all of them; the queue is what Rank leaves in it (every
// keyword hit, and up to stages.DefaultMaxSuggestions suggestions of at
// least stages.DefaultMinSuggestion), sorted by relevance.

// suggestCode is a code of the phase: what it says it means, and which
// AnnoMI label makes an utterance one of its.
type suggestCode struct {
	name, role  string
	description string
	keywords    []string
	label       func(u utterance) bool
}

// The descriptions and keywords are written from the published coding
// manuals' definitions, not from AnnoMI's utterances: change and sustain
// talk from the Motivational Interviewing Skill Code, MISC 2.1 (Miller,
// Moyers, Ernst and Amrhein 2008) and its client categories (desire,
// ability, reasons, need, commitment, taking steps: "DARN-CAT", for
// change or for the status quo); reflection from the Motivational
// Interviewing Treatment Integrity code, MITI 4.2.1 (Moyers, Manuel and
// Ernst 2014), "a reflective listening statement made by the clinician in
// response to a client statement", simple or complex, and the usual stems
// of reflective listening ("it sounds like", "you feel") of its training
// literature.
var suggestCodes = []suggestCode{
	{
		name: "change talk", role: "client",
		description: "The client's own speech in favour of change: the desire to change (I want to, I wish, I would like), " +
			"the ability to change (I can, I could, I am able to), reasons for change (it would be better, healthier), " +
			"the need to change (I need to, I have to, I must), commitment to change (I will, I am going to, I plan to) " +
			"and steps already taken toward change (I started, I tried, I have cut down).",
		keywords: []string{`"want to" AND NOT "don't want"`, `"i can" OR "able to"`, `"need to" OR "have to"`,
			`"going to" OR "i will" OR "plan to"`, `"i started" OR "i tried"`},
		label: func(u utterance) bool { return u.talk == "change" },
	},
	{
		name: "sustain talk", role: "client",
		description: "The client's own speech in favour of the status quo, against change: not wanting to change (I don't want to), " +
			"not being able to (I can't), reasons to keep the behaviour (I enjoy it, it helps me relax), " +
			"no need to change (it's not a problem, I don't need to), no intention to change (I won't, I'm not going to) " +
			"and steps away from change (I started again).",
		keywords: []string{`"don't want"`, `"can't" OR "not able"`, `"don't need" OR "not a problem"`,
			`"won't" OR "not going to"`, `enjoy`},
		label: func(u utterance) bool { return u.talk == "sustain" },
	},
	{
		name: "reflection", role: "therapist",
		description: "A reflective listening statement by the counsellor in response to what the client has said: " +
			"it captures and returns to the client something the client said or meant, repeating or rephrasing it, " +
			"or adding meaning or emphasis (feelings, both sides of the ambivalence). A statement, not a question: " +
			"it sounds like you, so you feel, you're saying, it seems that you.",
		keywords: []string{`"sounds like" OR "it seems"`, `"you feel" OR "you're feeling"`, `"you're saying" OR "you said"`, `"so you"`},
		label:    func(u utterance) bool { return u.behaviour == "reflection" },
	},
}

// The phase's settings, from the issue.
const (
	suggestLearn   = 40 // conversations of the analyst
	suggestRounds  = 3
	suggestPerTurn = 20 // decisions per code per round
	suggestTop     = 50 // precision of the top 50
)

// suggestResult is one code's figures.
type suggestResult struct {
	code       string
	positives  int       // labelled units among the ranked
	units      int       // units ranked
	top, ap    []float64 // per round, 0 to suggestRounds
	kwHits     int
	kwPrec     float64 // precision of the keyword hits (the yardstick of the top 50)
	kwAP       float64 // average precision of keyword hits first (then corpus order)
	weights    []float64
	confirmed  []int // confirmed decisions after each round
	decisionsN []int
}

// suggestUnit is one utterance as a unit of a code.
type suggestUnit struct {
	conv  int
	learn bool
	u     utterance
	doc   relevance.Doc
	text  string
}

// suggestionsPhase runs the simulation; seed chooses the split.
func suggestionsPhase(convs []conversation, seed uint64) ([]suggestResult, error) {
	an, err := relevance.NewAnalyzer()
	if err != nil {
		return nil, err
	}
	x := relevance.NewIndex(an)
	perm := rand.New(rand.NewPCG(seed, 13)).Perm(len(convs))
	learn := map[int]bool{}
	for _, c := range perm[:min(suggestLearn, len(convs))] {
		learn[c] = true
	}

	// Every utterance a turn, segmented as a batch does; every sentence
	// counted in the statistics.
	var seg corpus.Segmenter
	var units []suggestUnit
	for ci, c := range convs {
		t := &corpus.Transcript{ID: fmt.Sprint(ci)}
		var b strings.Builder
		pos := 0
		for i, u := range c {
			if i > 0 {
				b.WriteString("\n")
				pos++
			}
			n := utf8.RuneCountInString(u.text)
			t.Turns = append(t.Turns, corpus.Turn{Speaker: u.speaker, SpeakerKey: corpus.SpeakerKey(u.speaker), Start: corpus.NoTime, End: corpus.NoTime,
				Span: corpus.Span{Start: pos, End: pos + n}})
			b.WriteString(u.text)
			pos += n
		}
		t.Text = b.String()
		if err := seg.Segment(t); err != nil {
			return nil, fmt.Errorf("segmenting AnnoMI conversation %d: %w", ci, err)
		}
		for i, turn := range t.Turns {
			var ds []relevance.Doc
			for _, s := range turn.Sentences {
				d := x.Doc(t.Cut(s.Span))
				x.Add(d)
				ds = append(ds, d)
			}
			units = append(units, suggestUnit{conv: ci, learn: learn[ci], u: c[i], doc: relevance.Concat(ds...), text: t.TurnText(i)})
		}
	}

	var out []suggestResult
	for _, code := range suggestCodes {
		var mine []suggestUnit
		for _, u := range units {
			if u.u.speaker == code.role {
				mine = append(mine, u)
			}
		}
		docs := make([]relevance.Doc, len(mine))
		hit := make([]bool, len(mine))
		var nodes []index.Node
		for _, k := range code.keywords {
			n, err := index.Parse(k)
			if err != nil {
				return nil, fmt.Errorf("code %q: keyword %q: %w", code.name, k, err)
			}
			nodes = append(nodes, n)
		}
		for i, u := range mine {
			docs[i] = u.doc
			toks := an.Tokens(u.text)
			for _, n := range nodes {
				if ruleMatches(an, n, toks, u.text) {
					hit[i] = true
				}
			}
		}
		r := suggestResult{code: code.name}
		var ranked []int // the 93's units
		var truth []bool
		for i, u := range mine {
			if !u.learn {
				ranked = append(ranked, i)
				truth = append(truth, code.label(u.u))
				if code.label(u.u) {
					r.positives++
				}
			}
		}
		r.units = len(ranked)
		// The yardstick: the keyword hits among the ranked.
		kwScores := make([]float64, len(ranked))
		tp := 0
		for j, i := range ranked {
			if hit[i] {
				kwScores[j] = 1
				r.kwHits++
				if truth[j] {
					tp++
				}
			}
		}
		if r.kwHits > 0 {
			r.kwPrec = float64(tp) / float64(r.kwHits)
		}
		r.kwAP = avgPrecision(kwScores, truth)

		var decided []relevance.Decided
		done := map[int]bool{}
		profile := relevance.Profile{Description: code.description, Keywords: code.keywords}
		for round := 0; ; round++ {
			s := x.Scorer(profile, decided, docs)
			scores := make([]float64, len(ranked))
			for j, i := range ranked {
				scores[j] = s.Score(docs[i])
			}
			r.top = append(r.top, precisionAt(scores, truth, suggestTop))
			r.ap = append(r.ap, avgPrecision(scores, truth))
			r.weights = append(r.weights, s.Report().Weight)
			r.confirmed = append(r.confirmed, s.Report().Confirmed)
			r.decisionsN = append(r.decisionsN, s.Report().Decisions)
			if round == suggestRounds {
				break
			}
			// The queue in the analyst's 40: keyword hits, and the best
			// suggestions, as Rank makes them; the top 20 by relevance.
			var queue, rest []int
			all := map[int]float64{}
			for i, u := range mine {
				if !u.learn || done[i] {
					continue
				}
				all[i] = s.Score(docs[i])
				if hit[i] {
					queue = append(queue, i)
				} else if all[i] >= stages.DefaultMinSuggestion {
					rest = append(rest, i)
				}
			}
			byScore := func(is []int) {
				sort.SliceStable(is, func(a, b int) bool { return all[is[a]] > all[is[b]] })
			}
			byScore(rest)
			queue = append(queue, rest[:min(len(rest), stages.DefaultMaxSuggestions)]...)
			byScore(queue)
			for _, i := range queue[:min(len(queue), suggestPerTurn)] {
				done[i] = true
				decided = append(decided, relevance.Decided{ID: fmt.Sprintf("u%d", i), Doc: docs[i], Confirmed: code.label(mine[i].u)})
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// ruleMatches evaluates a keyword rule on one unit's tokens, as the index
// matches it: words by stem, prefixes and exact forms by the word as
// written, phrases as adjacent words (near: all present). Filters are the
// code's speakers, already applied.
func ruleMatches(an *relevance.Analyzer, n index.Node, toks []relevance.Token, text string) bool {
	stem := func(w string) string {
		if ts := an.Tokens(w); len(ts) > 0 {
			return ts[0].Stem
		}
		return strings.ToLower(w)
	}
	surface := func(t relevance.Token) string {
		return strings.ToLower(strings.ReplaceAll(text[t.Start:t.End], "’", "'"))
	}
	wordAt := func(i int, w string, exact bool) bool {
		if exact {
			return surface(toks[i]) == strings.ToLower(w)
		}
		return toks[i].Stem == stem(w)
	}
	switch v := n.(type) {
	case index.Word:
		for i := range toks {
			if wordAt(i, v.Text, v.Exact) {
				return true
			}
		}
		return false
	case index.Prefix:
		for _, t := range toks {
			if strings.HasPrefix(surface(t), strings.ToLower(v.Text)) {
				return true
			}
		}
		return false
	case index.Phrase:
		if v.Near >= 0 {
			for _, w := range v.Words {
				if !ruleMatches(an, index.Word{Text: w, Exact: v.Exact}, toks, text) {
					return false
				}
			}
			return true
		}
	outer:
		for i := 0; i+len(v.Words) <= len(toks); i++ {
			for k, w := range v.Words {
				if !wordAt(i+k, w, v.Exact) {
					continue outer
				}
			}
			return true
		}
		return false
	case index.And:
		for _, c := range v.Nodes {
			if !ruleMatches(an, c, toks, text) {
				return false
			}
		}
		return true
	case index.Or:
		for _, c := range v.Nodes {
			if ruleMatches(an, c, toks, text) {
				return true
			}
		}
		return false
	case index.Not:
		return !ruleMatches(an, v.Node, toks, text)
	}
	return true // a filter: the units are the code's speakers' already
}

// rankOrder sorts indices by score, highest first, ties in corpus order.
func rankOrder(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx
}

func precisionAt(scores []float64, truth []bool, n int) float64 {
	idx := rankOrder(scores)
	n = min(n, len(idx))
	hits := 0
	for _, i := range idx[:n] {
		if truth[i] {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

// avgPrecision is the average precision of the whole ranking.
func avgPrecision(scores []float64, truth []bool) float64 {
	hits, sum, pos := 0, 0.0, 0
	for _, t := range truth {
		if t {
			pos++
		}
	}
	if pos == 0 {
		return 0
	}
	for rank, i := range rankOrder(scores) {
		if truth[i] {
			hits++
			sum += float64(hits) / float64(rank+1)
		}
	}
	return sum / float64(pos)
}

// suggestionRows turns the phase's results into rows of the table, with
// the targets.
func suggestionRows(rs []suggestResult) []row {
	var rows []row
	for _, r := range rs {
		for round := range r.top {
			what := fmt.Sprintf("suggestions: %s, top-50 precision, round %d (%d decided, model weight %.2f)", r.code, round, r.decisionsN[round], r.weights[round])
			x := row{What: what, Value: r.top[round], Unit: "", Yardstick: fmt.Sprintf("keyword rules: precision of their %d hits", r.kwHits),
				YValue: r.kwPrec, Ratio: r.top[round] / r.kwPrec}
			switch round {
			case 0:
				x.Target, x.Met = ">= keyword rules'", met(r.top[0] >= r.kwPrec)
			case len(r.top) - 1:
				x.Target, x.Met = ">= round 0", met(r.top[round] >= r.top[0])
			}
			rows = append(rows, x)
		}
		for round := range r.ap {
			what := fmt.Sprintf("suggestions: %s, average precision, round %d (%d of %d units positive)", r.code, round, r.positives, r.units)
			x := row{What: what, Value: r.ap[round], Yardstick: "keyword hits first", YValue: r.kwAP, Ratio: r.ap[round] / r.kwAP}
			if round == len(r.ap)-1 {
				x.Target, x.Met = ">= round 0", met(r.ap[round] >= r.ap[0])
				if r.code == "reflection" {
					x.Target, x.Met = ">= round 0 and >= 0.55", met(r.ap[round] >= r.ap[0] && r.ap[round] >= 0.55)
				}
			}
			rows = append(rows, x)
		}
	}
	return rows
}

// suggestCost measures what ranking costs at scale: "alongside suggest"
// with the 30-code topical codebook over the whole corpus (no decisions:
// the description score alone), extrapolated linearly to 30 million words
// when the corpus is smaller; then two nightly batches of 20 new
// transcripts with that codebook, one with --suggest and one without.
func suggestCost(ctx context.Context, o options, dir, full, bin string, convs []conversation, words int, add func(row), logf func(string, ...any)) error {
	if err := copyFile(filepath.Join(dir, "codebook.yaml"), filepath.Join(full, "codebook.yaml")); err != nil {
		return err
	}
	j := fmt.Sprint(o.workers)
	var first runSummary // the codebook's candidates, before ranking
	if _, err := measure(ctx, &first, bin, "run", "--project", full, "-j", j, "--no-suggest", "--json"); err != nil {
		return err
	}
	logf("suggestions: alongside suggest, 30 codes")
	var sum struct {
		Ranked    int `json:"ranked"`
		Suggested int `json:"suggested"`
	}
	m, err := measure(ctx, &sum, bin, "suggest", "--project", full, "--json")
	if err != nil {
		return err
	}
	scale := 30e6 / float64(words)
	add(row{What: fmt.Sprintf("alongside suggest, 30 codes (%d ranked, %d suggested)", sum.Ranked, sum.Suggested), Value: m.seconds, Unit: "s", PeakMB: m.peakMB})
	if scale > 1.01 {
		add(row{What: "alongside suggest, 30 codes, extrapolated linearly to 30M words", Value: m.seconds * scale, Unit: "s",
			Target: "< 60 s", Met: met(m.seconds*scale < 60)})
		add(row{What: "alongside suggest, peak memory extrapolated linearly to 30M words", Value: m.peakMB * scale, Unit: "MB",
			Target: "< 500 MB", Met: met(m.peakMB*scale < 500)})
	} else {
		add(row{What: "alongside suggest, 30 codes, 30M words", Value: m.seconds, Unit: "s", Target: "< 60 s and < 500 MB",
			Met: met(m.seconds < 60 && m.peakMB < 500), PeakMB: m.peakMB})
	}
	var nights [2]measured
	for i, flags := range [][]string{{"--no-suggest"}, {"--suggest"}} {
		night := filepath.Join(dir, fmt.Sprintf("nightly-suggest-%d", i))
		if _, _, err := writeCorpus(newGenerator(convs, o.seed+10+uint64(i)), night, 20*o.perFile-o.perFile/2, o.perFile, fmt.Sprintf("s%d", i)); err != nil {
			return err
		}
		if err := copyDir(night, filepath.Join(full, "transcripts")); err != nil {
			return err
		}
		var s runSummary
		args := append([]string{"run", "--project", full, "-j", j, "--json"}, flags...)
		if nights[i], err = measure(ctx, &s, bin, args...); err != nil {
			return err
		}
	}
	add(row{What: "nightly batch, 20 new transcripts, 30 codes, --suggest", Value: nights[1].seconds, Unit: "s",
		Yardstick: "with --no-suggest (other 20)", YValue: nights[0].seconds, Ratio: nights[1].seconds / nights[0].seconds,
		Target: "< 5 s more", Met: met(nights[1].seconds-nights[0].seconds < 5), PeakMB: nights[1].peakMB})
	return nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o600)
}
