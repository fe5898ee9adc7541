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

// features of d, each present one at 1/sqrt(count), so long units do not
// weigh more for being long.
func (m *model) features(x *Index, d Doc) map[uint64]float64 {
	return featuresOf(d)
}

func featuresOf(d Doc) map[uint64]float64 {
	f := map[uint64]float64{}
	for i, v := range d.Seq {
		if v >= 0 {
			f[uint64(v)] = 1
		}
		if i+1 < len(d.Seq) {
			u := d.Seq[i+1]
			if v >= 0 || u >= 0 {
				f[pairKey(wordID(v), wordID(u))] = 1
			}
		}
	}
	if len(f) > 0 {
		n := 1 / math.Sqrt(float64(len(f)))
		for k := range f {
			f[k] = n
		}
	}
	return f
}

// predictor scores units one after another, the model's weights laid
// out for it: words by ID, pairs by key behind a mark on their first word
// (a corpus of 30 million words is scored for every code with decisions).
type predictor struct {
	m         *model
	words     []float64 // word ID -> weight
	pairFirst []bool    // word ID -> some weighted pair starts with it
	pairW     pairTable
	stamp     []uint32  // word ID -> the unit it was last counted in
	unit      uint32
	pairs     []uint64            // the unit's pairs so far
	seen      map[uint64]struct{} // the same, for a long unit
}

func (m *model) predictor() *predictor {
	p := &predictor{m: m}
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
// d's features (as featuresOf has them: each word and pair once), at
// 1/sqrt(their number).
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
	for i, v := range d.Seq {
		if v >= 0 {
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
	return 1 / (1 + math.Exp(-z))
}

// example is a unit the model learns from: its features (indices into
// the train set's keys, in key order), its label and weight.
type example struct {
	f      []featureValue
	y, wgt float64
}

type featureValue struct {
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

func newTrainSet(decided []Decided, weak []Doc) *trainSet {
	t := &trainSet{decided: len(decided)}
	feats := make([]map[uint64]float64, 0, len(decided)+len(weak))
	seen := map[uint64]bool{}
	add := func(d Doc, y, w float64) {
		fs := featuresOf(d)
		for k := range fs {
			if !seen[k] {
				seen[k] = true
				t.keys = append(t.keys, k)
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
		f := make([]featureValue, 0, len(fs))
		for k, v := range fs {
			f = append(f, featureValue{index[k], v})
		}
		// In key order: float addition is not associative, and -j or a
		// rerun must give the same weights.
		slices.SortFunc(f, func(a, b featureValue) int { return int(a.i) - int(b.i) })
		t.ex[e].f = f
	}
	return t
}

// fit trains a model on the examples but the decided ones skip holds out
// (when not nil).
func (t *trainSet) fit(skip func(i int) bool) *model {
	ex := t.ex
	if skip != nil {
		ex = make([]example, 0, len(t.ex))
		for i, e := range t.ex {
			if i < t.decided && skip(i) {
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
