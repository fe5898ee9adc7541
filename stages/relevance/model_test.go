package relevance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The predictor gives what the model's definition gives: each word and
// pair of features once, at 1/sqrt(their number), the question mark at 1,
// for short units and long ones, with repeats and function words.
func TestPredictorIsTheModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := NewIndex(nil)
	for i := range 80 {
		x.id(fmt.Sprint("w", i))
	}
	ask := x.id(questionMark)
	m := &model{w: map[uint64]float64{uint64(ask): 1.3}, bias: -0.7}
	for range 300 {
		a, b := int32(rng.IntN(60)), int32(rng.IntN(60))
		m.w[uint64(a)] = rng.NormFloat64()
		m.w[pairKey(a, b)] = rng.NormFloat64()
	}
	reference := func(d Doc) float64 {
		z := m.bias
		for _, fv := range x.features(d) {
			z += m.w[fv.k] * fv.v
		}
		return 1 / (1 + math.Exp(-z))
	}
	p := m.predictor(x)
	for _, n := range []int{0, 1, 2, 5, 12, 40, 65, 300} {
		for range 20 {
			d := Doc{Seq: make([]int32, n)}
			for i := range d.Seq {
				v := int32(rng.IntN(80)) // some words the model never saw
				switch rng.IntN(6) {
				case 0, 1:
					v = -v - 1 // a function word
				case 2:
					v = -ask - 1 // a question mark
				}
				d.Seq[i] = v
			}
			if got, want := p.predict(d), reference(d); math.Abs(got-want) > 1e-12 {
				t.Fatalf("%d words %v: predictor %v, model %v", n, d.Seq, got, want)
			}
		}
	}
}
