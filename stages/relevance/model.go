package relevance

import (
	"math"
	"slices"
	"sort"
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

func (m *model) predict(x *Index, d Doc) float64 {
	z := m.bias
	for _, fv := range x.features(d) {
		z += m.w[fv.k] * fv.v
	}
	return 1 / (1 + math.Exp(-z))
}

type example struct {
	f      []featureValue
	y, wgt float64
}

type featureValue struct {
	k uint64
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

// train fits a model on the decided units and the weak negatives, but
// those skip holds out, when not nil (decided units by their index, weak
// ones by len(decided) + theirs).
func train(x *Index, decided []Decided, weak []Doc, skip func(i int) bool) *model {
	var ex []example
	add := func(d Doc, y, w float64) {
		e := example{y: y, wgt: w, f: x.features(d)}
		ex = append(ex, e)
	}
	for i, d := range decided {
		if skip != nil && skip(i) {
			continue
		}
		y := 0.0
		if d.Confirmed {
			y = 1
		}
		add(d.Doc, y, 1)
	}
	for j, d := range weak {
		if skip != nil && skip(len(decided)+j) {
			continue
		}
		add(d, 0, weakWeight)
	}
	m := &model{w: map[uint64]float64{}}
	g2 := map[uint64]float64{}
	var b2 float64
	total := 0.0
	for _, e := range ex {
		total += e.wgt
	}
	if total == 0 {
		return m
	}
	grad := map[uint64]float64{}
	keys := []uint64{}
	for _, e := range ex {
		for _, fv := range e.f {
			if _, ok := grad[fv.k]; !ok {
				grad[fv.k] = 0
				keys = append(keys, fv.k)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for range epochs {
		for _, k := range keys {
			grad[k] = 0
		}
		gb := 0.0
		for _, e := range ex {
			z := m.bias
			for _, fv := range e.f {
				z += m.w[fv.k] * fv.v
			}
			p := 1 / (1 + math.Exp(-z))
			g := e.wgt * (p - e.y) / total
			gb += g
			for _, fv := range e.f {
				grad[fv.k] += g * fv.v
			}
		}
		for _, k := range keys {
			g := grad[k] + l2*m.w[k]
			g2[k] += g * g
			if g2[k] > 0 {
				m.w[k] -= rate * g / math.Sqrt(g2[k])
			}
		}
		b2 += gb * gb
		if b2 > 0 {
			m.bias -= rate * gb / math.Sqrt(b2)
		}
	}
	return m
}
