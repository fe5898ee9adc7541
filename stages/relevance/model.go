package relevance

import (
	"math"
	"slices"
)

// model is a logistic regression over a unit's content words and pairs
// of adjacent words (function words count in pairs: "don't want").
type model struct {
	w    map[uint64]float64
	bias float64
}

const pairBit = 1 << 63

func pairKey(a, b int32) uint64 { return pairBit | uint64(a)<<31 | uint64(b) }

func unpair(k uint64) (a, b int32, pair bool) {
	if k&pairBit == 0 {
		return int32(k), 0, false
	}
	k &^= pairBit
	return int32(k >> 31), int32(k & (1<<31 - 1)), true
}

// featureValue is a feature of a unit and its value.
type featureValue struct {
	k uint64
	v float64
}

// features of d: its content words and pairs of adjacent words, each
// present one at 1/sqrt(count), so long units do not weigh more for being
// long, and the pseudo-tokens of Tokens ("?") at 1: whether a unit asks
// is the unit's, however long it is. They come sorted by key: map
// order must not reach a sum (float addition is not associative, and -j
// or a rerun must give the same scores).
func (x *Index) features(d Doc) []featureValue {
	keys := make([]uint64, 0, 2*len(d.Seq))
	for i, v := range d.Seq {
		if v >= 0 || x.isPseudo(wordID(v)) {
			keys = append(keys, uint64(wordID(v)))
		}
		if i+1 < len(d.Seq) {
			u := d.Seq[i+1]
			if v >= 0 || u >= 0 {
				keys = append(keys, pairKey(wordID(v), wordID(u)))
			}
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	f := make([]featureValue, len(keys))
	n := 1 / math.Sqrt(float64(max(1, len(keys))))
	for i, k := range keys {
		f[i] = featureValue{k, n}
		if k&pairBit == 0 && x.isPseudo(int32(k)) {
			f[i].v = 1
		}
	}
	return f
}

// predictor scores units one after another, the model's weights laid
// out for it: words by ID, pairs by key behind a mark on their first word
// (a corpus of 30 million words is scored for every code with decisions).
type predictor struct {
	m         *model
	pseudo    int32     // the "?" mark's ID (-1: none): a feature at 1, not 1/sqrt(n)
	words     []float64 // word ID -> weight
	pairFirst []bool    // word ID -> some weighted pair starts with it
	pairW     pairTable
	stamp     []uint32 // word ID -> the unit it was last counted in
	unit      uint32
	pairs     []uint64            // the unit's pairs so far
	seen      map[uint64]struct{} // the same, for a long unit
}

func (m *model) predictor(x *Index) *predictor {
	p := &predictor{m: m, pseudo: x.pseudo}
	p.pairW.init(len(m.w))
	for k, w := range m.w {
		a, _, pair := unpair(k)
		if int(a) >= len(p.pairFirst) {
			p.pairFirst = append(p.pairFirst, make([]bool, int(a)+1-len(p.pairFirst))...)
			p.words = append(p.words, make([]float64, int(a)+1-len(p.words))...)
		}
		if pair {
			p.pairFirst[a] = true
			p.pairW.put(k, w)
		} else {
			p.words[a] = w
		}
	}
	return p
}

// pairTable is a hash table of pair weights, open addressing: a lookup
// for every pair of the corpus, several times cheaper than a Go map's.
type pairTable struct {
	keys  []uint64 // 0: empty (a pair key always has its top bit set)
	vals  []float64
	shift uint
}

func (t *pairTable) init(n int) {
	size, shift := 16, uint(60)
	for size < 2*n {
		size, shift = size*2, shift-1
	}
	t.keys, t.vals, t.shift = make([]uint64, size), make([]float64, size), shift
}

func (t *pairTable) slot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> t.shift) }

func (t *pairTable) put(k uint64, w float64) {
	for i := t.slot(k); ; i = (i + 1) & (len(t.keys) - 1) {
		if t.keys[i] == 0 || t.keys[i] == k {
			t.keys[i], t.vals[i] = k, w
			return
		}
	}
}

func (t *pairTable) get(k uint64) float64 {
	for i := t.slot(k); ; i = (i + 1) & (len(t.keys) - 1) {
		switch t.keys[i] {
		case k:
			return t.vals[i]
		case 0:
			return 0
		}
	}
}

// predict is the model's probability that d is the code's: its weights of
// d's features (as features has them: each word and pair once, at
// 1/sqrt(their number), the question mark at 1).
func (p *predictor) predict(d Doc) float64 {
	p.unit++
	if p.unit == 0 { // wrapped: no stamp may look current
		clear(p.stamp)
		p.unit = 1
	}
	p.pairs = p.pairs[:0]
	long := len(d.Seq) > 64 // a turn: a set, not a scan, for its pairs
	if long {
		if p.seen == nil {
			p.seen = map[uint64]struct{}{}
		}
		clear(p.seen)
	}
	sum, n := 0.0, 0
	asks := false
	for i, v := range d.Seq {
		if v < 0 && wordID(v) == p.pseudo {
			if !asks {
				asks = true
				n++
			}
		} else if v >= 0 {
			if int(v) >= len(p.stamp) {
				p.stamp = append(p.stamp, make([]uint32, int(v)+1-len(p.stamp)+len(p.stamp)/4)...)
			}
			if p.stamp[v] != p.unit {
				p.stamp[v] = p.unit
				n++
				if int(v) < len(p.words) {
					sum += p.words[v]
				}
			}
		}
		if i+1 < len(d.Seq) {
			u := d.Seq[i+1]
			if v < 0 && u < 0 {
				continue
			}
			a := wordID(v)
			k := pairKey(a, wordID(u))
			if long {
				if _, ok := p.seen[k]; ok {
					continue
				}
				p.seen[k] = struct{}{}
			} else {
				if slices.Contains(p.pairs, k) {
					continue
				}
				p.pairs = append(p.pairs, k)
			}
			n++
			if int(a) < len(p.pairFirst) && p.pairFirst[a] {
				sum += p.pairW.get(k)
			}
		}
	}
	z := p.m.bias
	if n > 0 {
		z += sum / math.Sqrt(float64(n))
	}
	if asks {
		z += p.m.w[uint64(p.pseudo)]
	}
	return 1 / (1 + math.Exp(-z))
}

// example is a unit the model learns from: its features (indices into
// the train set's keys, in key order), its label and weight.
type example struct {
	f      []indexedValue
	y, wgt float64
}

type indexedValue struct {
	i int32
	v float64
}

// Training settings: full-batch gradient descent with AdaGrad steps and
// a small L2 penalty, a fixed number of epochs, so the same examples give
// the same weights.
const (
	epochs = 60
	rate   = 0.5
	l2     = 1e-3
)

// trainSet is what a code's models learn from: the decided units, then
// the weak negatives, their features numbered once for every model a
// leave-one-out trains on them (maps per feature were most of ranking a
// project with decisions).
type trainSet struct {
	keys    []uint64 // every feature, sorted
	ex      []example
	decided int // the first decided examples are the decided units
}

func newTrainSet(x *Index, decided []Decided, weak []Doc) *trainSet {
	t := &trainSet{decided: len(decided)}
	feats := make([][]featureValue, 0, len(decided)+len(weak))
	seen := map[uint64]bool{}
	add := func(d Doc, y, w float64) {
		fs := x.features(d)
		for _, fv := range fs {
			if !seen[fv.k] {
				seen[fv.k] = true
				t.keys = append(t.keys, fv.k)
			}
		}
		feats = append(feats, fs)
		t.ex = append(t.ex, example{y: y, wgt: w})
	}
	for _, d := range decided {
		y := 0.0
		if d.Confirmed {
			y = 1
		}
		add(d.Doc, y, 1)
	}
	for _, d := range weak {
		add(d, 0, weakWeight)
	}
	slices.Sort(t.keys)
	index := make(map[uint64]int32, len(t.keys))
	for i, k := range t.keys {
		index[k] = int32(i)
	}
	for e, fs := range feats {
		f := make([]indexedValue, len(fs))
		for j, fv := range fs { // in key order, as features gives them
			f[j] = indexedValue{index[fv.k], fv.v}
		}
		t.ex[e].f = f
	}
	return t
}

// fit trains a model on the examples but those skip holds out, when not
// nil (decided units by their index, weak ones by len(decided) + theirs).
func (t *trainSet) fit(skip func(i int) bool) *model {
	ex := t.ex
	if skip != nil {
		ex = make([]example, 0, len(t.ex))
		for i, e := range t.ex {
			if skip(i) {
				continue
			}
			ex = append(ex, e)
		}
	}
	m := &model{w: map[uint64]float64{}}
	total := 0.0
	for _, e := range ex {
		total += e.wgt
	}
	if total == 0 {
		return m
	}
	// A feature of no example here has no gradient and keeps weight 0.
	w := make([]float64, len(t.keys))
	grad := make([]float64, len(t.keys))
	g2 := make([]float64, len(t.keys))
	var b2 float64
	for range epochs {
		clear(grad)
		gb := 0.0
		for _, e := range ex {
			z := m.bias
			for _, fv := range e.f {
				z += w[fv.i] * fv.v
			}
			p := 1 / (1 + math.Exp(-z))
			g := e.wgt * (p - e.y) / total
			gb += g
			for _, fv := range e.f {
				grad[fv.i] += g * fv.v
			}
		}
		for k := range w {
			g := grad[k] + l2*w[k]
			g2[k] += g * g
			if g2[k] > 0 {
				w[k] -= rate * g / math.Sqrt(g2[k])
			}
		}
		b2 += gb * gb
		if b2 > 0 {
			m.bias -= rate * gb / math.Sqrt(b2)
		}
	}
	for k, key := range t.keys {
		if g2[k] > 0 {
			m.w[key] = w[k]
		}
	}
	return m
}
