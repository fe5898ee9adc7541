package relevance

import (
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Profile is what a code says it means.
type Profile struct {
	Description string
	Keywords    []string // rules in the query language; their words count
	Examples    []string
}

// Decided is a unit the analysts decided for the code: confirmed, or
// rejected (a reject or a re-code to another code).
type Decided struct {
	ID        string
	Doc       Doc
	Confirmed bool
}

// Weights of the parts of a code's query, per word occurrence.
const (
	descriptionWeight = 1.0
	keywordWeight     = 2.0 // the analyst chose these words
	keywordPrior      = 0.5 // what a keyword hit alone says of a unit (see withKeywords)
	exampleWeight     = 1.0
	confirmedWeight   = 0.5 // per confirmed text, shrunk past 10 of them
	weakWeight        = 0.05
	weakSamples       = 500 // unreviewed units taken as weak negatives
	blendK            = 10  // the model weighs at most k/(k+blendK)
	looFolds          = 10  // past looMax decisions, 10-fold instead of leave-one-out
	looMax            = 40
	likeCosine        = 0.25 // how close a confirmed candidate must be to be named in why
	defaultThreshold  = 0.5  // recommended from this relevance, before decisions tell better
)

// Report says how a code is scored, for "codebook report".
type Report struct {
	Decisions int `json:"decisions"`
	Confirmed int `json:"confirmed"`
	Rejected  int `json:"rejected"`
	// Weight is the learned model's part in relevance, 0 to k/(k+10).
	Weight float64 `json:"model_weight"`
	// Precision of the top n decided units (n = confirmed ones), each
	// scored without itself (leave-one-out, or 10-fold past 40
	// decisions): by the learned model alone, by the description score
	// alone, and by the blend in use. 0 when there is nothing to compare.
	LOOModel       float64  `json:"loo_precision_model"`
	LOODescription float64  `json:"loo_precision_description"`
	LOOBlend       float64  `json:"loo_precision_blend"`
	Threshold      float64  `json:"recommend_from"`
	Words          []string `json:"top_words"`
}

// Scorer ranks units for one code.
type Scorer struct {
	x         *Index
	q         query // description, keywords, examples and confirmed texts
	confirmed []confirmedDoc
	descMax   float64
	dense     []float64 // q's weight times idf, by word ID: scoring a whole corpus reads this
	avgLen    float64
	model     *model
	train     *trainSet // what model learnt from
	weak      []Doc     // its weak negatives
	rules     []matcher // the keyword rules, on a unit's words
	maybeHit  []bool    // word ID -> a unit without any of these words matches no rule
	anyHit    bool      // some rule may match a unit without any word (NOT x): check every unit
	unitHit   []bool    // the units' keyword hits
	modelMax  float64
	unitDesc  []float32 // the units' raw description and model scores
	unitModel []float32
	weight    float64
	threshold float64
	report    Report
}

type confirmedDoc struct {
	id   string
	q    query
	vec  map[int32]float64 // tf-idf, unit length
	part float64           // its weight in q
}

// Units are the units a code may propose, as a scorer reads them.
type Units interface {
	Len() int
	// Doc is unit i. Units held compactly decode it into buf (from its
	// start, growing it) and return it there: the Doc is the caller's
	// until it passes buf again. A nil buf gives a Doc to keep.
	Doc(i int, buf []int32) Doc
}

// Docs are units held as Docs.
type Docs []Doc

func (d Docs) Len() int                 { return len(d) }
func (d Docs) Doc(i int, _ []int32) Doc { return d[i] }

// Scorer builds the scorer of a code from what it says, what the analysts
// decided, and the units it may propose (their best score is 1; a sample
// of them are the weak negatives). The same inputs give the same scorer.
func (x *Index) Scorer(p Profile, decided []Decided, units []Doc) *Scorer {
	return x.ScorerOf(p, decided, Docs(units))
}

// ScorerOf is Scorer over any Units; UnitScore then gives each unit's
// relevance without scoring it again.
func (x *Index) ScorerOf(p Profile, decided []Decided, units Units) *Scorer {
	return x.Prepare(p, decided).Scorer(units)
}

// Prepared is a code's query, made from its profile and decisions: the
// part of making a scorer that adds words to the vocabulary. Scorer then
// only reads the index, so several codes' scorers may be made at once
// once every code is prepared.
type Prepared struct {
	s       *Scorer
	decided []Decided
}

// Prepare makes a code's query.
func (x *Index) Prepare(p Profile, decided []Decided) *Prepared {
	s := &Scorer{x: x, q: query{}, threshold: defaultThreshold}
	x.addText(s.q, p.Description, descriptionWeight)
	for _, r := range p.Keywords {
		if m := x.compileRule(r); m != nil {
			s.rules = append(s.rules, m)
		}
		for _, w := range KeywordWords(r) {
			if p, ok := strings.CutSuffix(w, "*"); ok {
				x.addPrefix(s.q, p, keywordWeight)
				continue
			}
			x.addText(s.q, w, keywordWeight)
		}
	}
	for _, e := range p.Examples {
		x.addText(s.q, e, exampleWeight)
	}
	nConf := 0
	for _, d := range decided {
		if d.Confirmed {
			nConf++
		}
	}
	cw := confirmedWeight * math.Min(1, 10/math.Max(1, float64(nConf)))
	for _, d := range decided {
		s.report.Decisions++
		if !d.Confirmed {
			s.report.Rejected++
			continue
		}
		s.report.Confirmed++
		cd := confirmedDoc{id: d.ID, q: query{}, vec: x.tfidf(d.Doc), part: cw}
		for _, v := range d.Doc.Seq {
			if v >= 0 {
				cd.q[v] += 1
				s.q[v] += cw
			}
		}
		s.confirmed = append(s.confirmed, cd)
	}
	s.maybeHit, s.anyHit = x.mayMatch(p.Keywords)
	s.avgLen = x.avgLen()
	s.dense = make([]float64, len(x.words))
	for id, w := range s.q {
		s.dense[id] = w * x.idf(id)
	}
	return &Prepared{s: s, decided: decided}
}

// Scorer scores the units: the model learnt from the decisions, every
// unit's scores, and the blend chosen by leave-one-out. It reads the
// index and changes nothing in it.
func (p *Prepared) Scorer(units Units) *Scorer {
	return Scorers([]*Prepared{p}, units, 1)[0]
}

// Scorers is Scorer for several codes' queries over the same units, in
// one pass over them: each unit is read once for all of them (units held
// compactly are decoded once), by up to workers goroutines, each taking
// a share of the units. Each scorer is the one Scorer would make: a
// unit's scores do not depend on the others, and the maxima do not
// depend on the order they are taken in.
func Scorers(ps []*Prepared, units Units, workers int) []*Scorer {
	ss := make([]*Scorer, len(ps))
	parallel(len(ps), workers, func(k int) { ss[k] = ps[k].begin(units) })
	n := units.Len()
	shares := max(1, min(workers, n/minShare))
	descMax := make([][]float64, shares) // by share, then scorer
	modelMax := make([][]float64, shares)
	parallel(shares, shares, func(w int) {
		descMax[w], modelMax[w] = make([]float64, len(ss)), make([]float64, len(ss))
		prs := make([]*predictor, len(ss)) // a predictor keeps state while it predicts
		for k, s := range ss {
			if s.model != nil {
				prs[k] = s.model.predictor(s.x)
			}
		}
		var buf []int32
		for i := n * w / shares; i < n*(w+1)/shares; i++ {
			d := units.Doc(i, buf)
			buf = d.Seq[:0]
			for k, s := range ss {
				r, m := s.scoreUnit(i, d, prs[k])
				descMax[w][k] = math.Max(descMax[w][k], r)
				modelMax[w][k] = math.Max(modelMax[w][k], m)
			}
		}
	})
	for k, s := range ss {
		for w := range shares {
			s.descMax = math.Max(s.descMax, descMax[w][k])
			s.modelMax = math.Max(s.modelMax, modelMax[w][k])
		}
	}
	parallel(len(ps), workers, func(k int) { ss[k].finish(ps[k].decided) })
	return ss
}

// minShare is the fewest units a goroutine of Scorers takes: fewer are
// not worth starting one for.
const minShare = 4096

// begin learns the model and makes room for the units' scores.
func (p *Prepared) begin(units Units) *Scorer {
	s, decided := p.s, p.decided
	if len(decided) > 0 {
		s.weak = weakSample(units)
		s.train = newTrainSet(s.x, decided, s.weak)
		s.model = s.train.fit(nil)
	}
	n := units.Len()
	s.unitDesc = make([]float32, n)
	s.unitHit = make([]bool, n)
	if s.model != nil {
		s.unitModel = make([]float32, n)
	}
	return s
}

// scoreUnit scores unit i, d: its raw description score and, with a
// model (pr), its model score.
func (s *Scorer) scoreUnit(i int, d Doc, pr *predictor) (desc, model float64) {
	desc = s.descriptionRaw(d)
	s.unitDesc[i] = float32(desc)
	if len(s.rules) > 0 && (s.anyHit || s.mayHit(d)) {
		s.unitHit[i] = s.keywordHit(d)
	}
	if pr != nil {
		model = pr.predict(d)
		s.unitModel[i] = float32(model)
	}
	return desc, model
}

// finish, once every unit is scored, chooses the blend.
func (s *Scorer) finish(decided []Decided) {
	if s.descMax == 0 {
		s.descMax = 1
	}
	if s.modelMax == 0 {
		s.modelMax = 1
	}
	s.report.Threshold = s.threshold
	if len(decided) > 0 {
		s.learn(decided)
	}
	s.report.Words = s.topWords(8)
}

// parallel runs fn(0) to fn(n-1) on up to workers goroutines.
func parallel(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// descriptionRaw is bm25Of with the query's dense weights, written out:
// it runs for every unit of the corpus for every code, and most words
// weigh nothing. It adds the same parts in the same order as bm25Of.
func (s *Scorer) descriptionRaw(d Doc) float64 {
	type count struct {
		id int32
		n  int
	}
	var local [16]count
	tf := local[:0]
	dense := s.dense
next:
	for _, v := range d.Seq {
		if v < 0 || int(v) >= len(dense) || dense[v] == 0 {
			continue
		}
		for i := range tf {
			if tf[i].id == v {
				tf[i].n++
				continue next
			}
		}
		tf = append(tf, count{v, 1})
	}
	if len(tf) == 0 {
		return 0
	}
	norm := bm25K1 * (1 - bm25B + bm25B*float64(len(d.Seq))/s.avgLen)
	sum := 0.0
	for _, c := range tf {
		f := float64(c.n)
		sum += dense[c.id] * f * (bm25K1 + 1) / (f + norm)
	}
	return sum
}

// UnitScore is the relevance of units.Doc(i), as Score would give it.
func (s *Scorer) UnitScore(i int) float64 {
	r := math.Min(1, float64(s.unitDesc[i])/s.descMax)
	if s.unitHit[i] {
		r = 1 - (1-r)*(1-keywordPrior)
	}
	if s.weight > 0 {
		r = (1-s.weight)*r + s.weight*math.Min(1, float64(s.unitModel[i])/s.modelMax)
	}
	return r
}

// weakSample takes evenly spaced units as the weak negatives.
func weakSample(units Units) []Doc {
	var weak []Doc
	step := max(1, units.Len()/weakSamples)
	for i := 0; i < units.Len() && len(weak) < weakSamples; i += step {
		weak = append(weak, units.Doc(i, nil))
	}
	return weak
}

// Report says how the code is scored.
func (s *Scorer) Report() Report { return s.report }

// description is the description score of d, 0 to 1.
func (s *Scorer) description(d Doc) float64 {
	return s.withKeywords(math.Min(1, s.descriptionRaw(d)/s.descMax), d)
}

// withKeywords counts a keyword hit beside the similarity r, as two
// independent signs of relevance (a noisy OR): a hit lifts r toward 1,
// a unit no rule matches keeps r.
func (s *Scorer) withKeywords(r float64, d Doc) float64 {
	if s.keywordHit(d) {
		r = 1 - (1-r)*(1-keywordPrior)
	}
	return r
}

// keywordHit says whether one of the code's keyword rules matches d.
func (s *Scorer) keywordHit(d Doc) bool {
	for _, m := range s.rules {
		if m(d.Seq) {
			return true
		}
	}
	return false
}

// mayHit says whether d holds a word some rule needs.
func (s *Scorer) mayHit(d Doc) bool {
	for _, v := range d.Seq {
		if id := wordID(v); int(id) < len(s.maybeHit) && s.maybeHit[id] {
			return true
		}
	}
	return false
}

// Score is d's relevance to the code, 0 to 1.
func (s *Scorer) Score(d Doc) float64 {
	r := s.description(d)
	if s.weight > 0 {
		r = (1-s.weight)*r + s.weight*math.Min(1, s.model.predictor(s.x).predict(d)/s.modelMax)
	}
	return r
}

// Recommended says whether the tool expects the analyst to confirm a unit
// of this relevance.
func (s *Scorer) Recommended(relevance float64) bool { return relevance >= s.threshold }

// learn trains the model and chooses its weight and the threshold by
// leave-one-out on the decisions.
func (s *Scorer) learn(decided []Decided) {
	k := len(decided)
	if s.report.Confirmed == 0 || s.report.Rejected == 0 {
		return // nothing to tell apart: the description score alone
	}
	// Each decided unit scored without itself, and so is each weak
	// negative: the weight is chosen on how the blend ranks confirmed
	// units above both the rejected ones and the corpus at large (the
	// weak negatives, at their weight), since the queue is drawn from the
	// whole corpus, not from what was decided.
	n := k + len(s.weak)
	desc := make([]float64, n)
	prob := make([]float64, n)
	docs := make([]Doc, 0, n)
	for _, d := range decided {
		docs = append(docs, d.Doc)
	}
	docs = append(docs, s.weak...)
	folds := k
	if k > looMax {
		folds = looFolds
	}
	for f := 0; f < folds; f++ {
		held := func(i int) bool { return i%folds == f }
		m := s.train.fit(held)
		// The whole model's bias, not the fold's: holding a confirmed
		// unit out lowers the share of confirmed ones and so the fold's
		// bias, which would mark down every held-out confirmed unit (and
		// up every rejected one) for nothing the unit's words say.
		m.bias = s.model.bias
		pm := m.predictor(s.x)
		for i, d := range docs {
			if held(i) {
				prob[i] = math.Min(1, pm.predict(d)/s.modelMax)
			}
		}
	}
	ci := 0
	for i, d := range docs {
		raw := s.descriptionRaw(d)
		if i < k && decided[i].Confirmed {
			raw -= s.confirmed[ci].part * s.x.bm25(s.confirmed[ci].q, d, nil)
			ci++
		}
		desc[i] = s.withKeywords(math.Min(1, math.Max(0, raw)/s.descMax), d)
	}
	truth := make([]bool, n)
	wgt := make([]float64, n)
	for i := range docs {
		truth[i] = i < k && decided[i].Confirmed
		wgt[i] = 1
		if i >= k {
			wgt[i] = weakWeight
		}
	}
	base := float64(k) / float64(k+blendK)
	best, bestAP := 0.0, -1.0
	var bestScores []float64
	for _, f := range []float64{0, 0.25, 0.5, 0.75, 1} {
		w := f * base
		sc := make([]float64, n)
		for i := range sc {
			sc[i] = (1-w)*desc[i] + w*prob[i]
		}
		if ap := averagePrecision(sc, truth, wgt); ap > bestAP+1e-9 {
			best, bestAP, bestScores = w, ap, sc
		}
	}
	desc, prob, bestScores, truth = desc[:k], prob[:k], bestScores[:k], truth[:k]
	s.weight = best
	s.report.Weight = best
	s.report.LOOModel = rPrecision(prob, truth)
	s.report.LOODescription = rPrecision(desc, truth)
	s.report.LOOBlend = rPrecision(bestScores, truth)
	if k >= 5 {
		s.threshold = bestThreshold(bestScores, truth)
		s.report.Threshold = s.threshold
	}
}

// order sorts indices by score, highest first, ties by index.
func order(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx
}

// averagePrecision of a ranking where each unit counts wgt[i] times.
func averagePrecision(scores []float64, truth []bool, wgt []float64) float64 {
	seen, hits, sum := 0.0, 0.0, 0.0
	for _, i := range order(scores) {
		seen += wgt[i]
		if truth[i] {
			hits += wgt[i]
			sum += wgt[i] * hits / seen
		}
	}
	if hits == 0 {
		return 0
	}
	return sum / hits
}

// rPrecision is the precision of the top n, n the number of true ones.
func rPrecision(scores []float64, truth []bool) float64 {
	n := 0
	for _, t := range truth {
		if t {
			n++
		}
	}
	if n == 0 {
		return 0
	}
	hits := 0
	for _, i := range order(scores)[:n] {
		if truth[i] {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

// bestThreshold is the score from which units are recommended: the one
// that best tells confirmed from rejected (F1 of confirmed), the higher
// on a tie.
func bestThreshold(scores []float64, truth []bool) float64 {
	pos := 0
	for _, t := range truth {
		if t {
			pos++
		}
	}
	best, bestF := defaultThreshold, -1.0
	tp, fp := 0, 0
	idx := order(scores)
	for r, i := range idx {
		if truth[i] {
			tp++
		} else {
			fp++
		}
		if r+1 < len(idx) && scores[idx[r+1]] == scores[i] {
			continue // a threshold cannot split equal scores
		}
		f := 2 * float64(tp) / float64(tp+fp+pos)
		if f > bestF+1e-9 {
			best, bestF = scores[i], f
		}
	}
	return math.Max(best, 0.01)
}

// tfidf is d's content words weighted by tf-idf, at unit length.
func (x *Index) tfidf(d Doc) map[int32]float64 {
	v := map[int32]float64{}
	for _, id := range d.Seq {
		if id >= 0 {
			v[id] += x.idf(id)
		}
	}
	norm := 0.0
	for _, id := range slices.Sorted(maps.Keys(v)) { // in a fixed order: float sums
		norm += v[id] * v[id]
	}
	norm = math.Sqrt(norm)
	for id := range v {
		v[id] /= norm
	}
	return v
}

// Why names what weighs most in d's relevance: up to three of its words
// or word pairs, as written in text (d's own text), and the closest
// confirmed candidate other than self when it is close.
func (s *Scorer) Why(d Doc, text, self string) string {
	parts := map[uint64]float64{}
	descPart := 1 - s.weight
	s.x.bm25(s.q, d, func(id int32, part float64) { parts[uint64(id)] += descPart * part / s.descMax })
	if s.weight > 0 {
		for _, fv := range s.x.features(d) {
			if w := s.model.w[fv.k]; w > 0 {
				parts[fv.k] += s.weight * w * fv.v / 4
			}
		}
	}
	keys := make([]uint64, 0, len(parts))
	for k := range parts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if parts[keys[i]] != parts[keys[j]] {
			return parts[keys[i]] > parts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	// Where d's words are in text: d is text's analysis (its words kept
	// by ranking), so the tokenizer alone finds them, and only as far into
	// the text as the words named (a candidate may be a whole turn of a
	// pasted transcript). A short text whose tokens do not line up with d
	// is analysed whole.
	sp := &lazySpans{a: s.x.an, text: text}
	var find func(k uint64) string
	if len(text) > spanChunk || sp.all() == len(d.Seq) {
		find = func(k uint64) string { return surfaceAt(s.x, k, d.Seq, sp, text) }
	} else {
		toks := s.x.an.Tokens(text)
		find = func(k uint64) string { return surface(s.x, k, toks, text) }
	}
	var words []string
	seen := map[string]bool{}
	for _, k := range keys {
		if len(words) == 3 {
			break
		}
		if w := find(k); w != "" && !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	out := strings.Join(words, ", ")
	if like := s.like(d, self); like != "" {
		if out != "" {
			out += "; "
		}
		out += "like confirmed " + like
	}
	return out
}

// surface finds feature k (a word or a pair) in the text's tokens and
// returns it as written.
func surface(x *Index, k uint64, toks []Token, text string) string {
	a, b, pair := unpair(k)
	if x.isPseudo(a) || pair && x.isPseudo(b) {
		return "" // a mark, not words of the passage
	}
	for i, t := range toks {
		if x.vocab[t.Stem] != a || t.Stop && !pair {
			continue
		}
		if !pair {
			return text[t.Start:t.End]
		}
		if i+1 < len(toks) && x.vocab[toks[i+1].Stem] == b {
			return text[t.Start:toks[i+1].End]
		}
	}
	return ""
}

// surfaceAt is surface for a text whose words are seq, at spans.
func surfaceAt(x *Index, k uint64, seq []int32, spans *lazySpans, text string) string {
	a, b, pair := unpair(k)
	if x.isPseudo(a) || pair && x.isPseudo(b) {
		return "" // a mark, not words of the passage
	}
	for i, v := range seq {
		if wordID(v) != a || v < 0 && !pair {
			continue
		}
		if !pair {
			if sp, ok := spans.at(i); ok {
				return text[sp[0]:sp[1]]
			}
			return ""
		}
		if i+1 < len(seq) && wordID(seq[i+1]) == b {
			first, ok1 := spans.at(i)
			second, ok2 := spans.at(i + 1)
			if ok1 && ok2 {
				return text[first[0]:second[1]]
			}
			return ""
		}
	}
	return ""
}

// like is the ID of the confirmed unit closest to d, when close enough.
func (s *Scorer) like(d Doc, self string) string {
	if len(s.confirmed) == 0 {
		return ""
	}
	v := s.x.tfidf(d)
	ids := slices.Sorted(maps.Keys(v)) // in a fixed order: float sums
	best, bestID := likeCosine, ""
	for _, c := range s.confirmed {
		if c.id == self {
			continue
		}
		cos := 0.0
		for _, id := range ids {
			cos += v[id] * c.vec[id]
		}
		if cos > best+1e-12 {
			best, bestID = cos, c.id
		}
	}
	return bestID
}

// topWords are the code's strongest words: of its query by weight and
// rarity, and of the model by weight, as stems.
func (s *Scorer) topWords(n int) []string {
	type kv struct {
		w string
		v float64
	}
	var all []kv
	for id, q := range s.q {
		all = append(all, kv{s.x.words[id], q * s.x.idf(id)})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].v != all[j].v {
			return all[i].v > all[j].v
		}
		return all[i].w < all[j].w
	})
	out := []string{}
	for _, e := range all {
		if len(out) == n {
			break
		}
		out = append(out, e.w)
	}
	if s.weight > 0 {
		var ms []kv
		for f, w := range s.model.w {
			if w > 0 {
				a, b, pair := unpair(f)
				name := s.x.words[a]
				if pair {
					name += " " + s.x.words[b]
				}
				ms = append(ms, kv{name, w})
			}
		}
		sort.Slice(ms, func(i, j int) bool {
			if ms[i].v != ms[j].v {
				return ms[i].v > ms[j].v
			}
			return ms[i].w < ms[j].w
		})
		for i := 0; i < len(ms) && i < n/2; i++ {
			out = append(out, "model: "+ms[i].w)
		}
	}
	return out
}
