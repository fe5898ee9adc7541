package relevance

import (
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
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
	exampleWeight     = 1.0
	confirmedWeight   = 0.5 // per confirmed text, shrunk past 10 of them
	weakWeight        = 0.05
	weakSample        = 500 // unreviewed units taken as weak negatives
	blendK            = 10  // the model weighs at most k/(k+blendK)
	looFolds          = 10  // past looMax decisions, 10-fold instead of leave-one-out
	looMax            = 40
	likeCosine        = 0.25 // how close a confirmed candidate must be to be named in why
	defaultThreshold  = 0.5  // recommended from this relevance, before decisions tell better
	keywordPrior      = 0.5
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
	model     *model
	modelMax  float64
	weight    float64
	threshold float64
	report    Report
	rules     []matcher // the keyword rules, on a unit's words
}

type confirmedDoc struct {
	id   string
	q    query
	vec  map[int32]float64 // tf-idf, unit length
	part float64           // its weight in q
}

// Scorer builds the scorer of a code from what it says, what the analysts
// decided, and the units it may propose (their best score is 1; a sample
// of them are the weak negatives). The same inputs give the same scorer.
func (x *Index) Scorer(p Profile, decided []Decided, units []Doc) *Scorer {
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
	for _, u := range units {
		s.descMax = math.Max(s.descMax, x.bm25(s.q, u, nil))
	}
	if s.descMax == 0 {
		s.descMax = 1
	}
	s.report.Threshold = s.threshold
	if len(decided) > 0 {
		s.learn(decided, units)
	}
	s.report.Words = s.topWords(8)
	return s
}

// Report says how the code is scored.
func (s *Scorer) Report() Report { return s.report }

// description is the description score of d, 0 to 1.
func (s *Scorer) description(d Doc) float64 {
	return s.withKeywords(math.Min(1, s.x.bm25(s.q, d, nil)/s.descMax), d)
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

// Score is d's relevance to the code, 0 to 1.
func (s *Scorer) Score(d Doc) float64 {
	r := s.description(d)
	if s.weight > 0 {
		r = (1-s.weight)*r + s.weight*math.Min(1, s.model.predict(s.x, d)/s.modelMax)
	}
	return r
}

// Recommended says whether the tool expects the analyst to confirm a unit
// of this relevance.
func (s *Scorer) Recommended(relevance float64) bool { return relevance >= s.threshold }

// learn trains the model and chooses its weight and the threshold by
// leave-one-out on the decisions.
func (s *Scorer) learn(decided []Decided, units []Doc) {
	var weak []Doc
	step := max(1, len(units)/weakSample)
	for i := 0; i < len(units) && len(weak) < weakSample; i += step {
		weak = append(weak, units[i])
	}
	s.model = train(s.x, decided, weak, nil)
	for _, u := range units {
		s.modelMax = math.Max(s.modelMax, s.model.predict(s.x, u))
	}
	if s.modelMax == 0 {
		s.modelMax = 1
	}
	k := len(decided)
	if s.report.Confirmed == 0 || s.report.Rejected == 0 {
		return // nothing to tell apart: the description score alone
	}
	// Each decided unit scored without itself, and so is each weak
	// negative: the weight is chosen on how the blend ranks confirmed
	// units above both the rejected ones and the corpus at large (the
	// weak negatives, at their weight), since the queue is drawn from the
	// whole corpus, not from what was decided.
	n := k + len(weak)
	desc := make([]float64, n)
	prob := make([]float64, n)
	docs := make([]Doc, 0, n)
	for _, d := range decided {
		docs = append(docs, d.Doc)
	}
	docs = append(docs, weak...)
	folds := k
	if k > looMax {
		folds = looFolds
	}
	for f := 0; f < folds; f++ {
		held := func(i int) bool { return i%folds == f }
		m := train(s.x, decided, weak, held)
		// The whole model's bias, not the fold's: holding a confirmed
		// unit out lowers the share of confirmed ones and so the fold's
		// bias, which would mark down every held-out confirmed unit (and
		// up every rejected one) for nothing the unit's words say.
		m.bias = s.model.bias
		for i, d := range docs {
			if held(i) {
				prob[i] = math.Min(1, m.predict(s.x, d)/s.modelMax)
			}
		}
	}
	ci := 0
	for i, d := range docs {
		raw := s.x.bm25(s.q, d, nil)
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
	toks := s.x.an.Tokens(text)
	var words []string
	seen := map[string]bool{}
	for _, k := range keys {
		if len(words) == 3 {
			break
		}
		if w := surface(s.x, k, toks, text); w != "" && !seen[w] {
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
