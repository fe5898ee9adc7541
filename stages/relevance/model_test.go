package relevance

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The predictor gives what the model's definition gives: each word and
// pair of featuresOf once, at 1/sqrt(their number), for short units and
// long ones, with repeats and function words.
func TestPredictorIsTheModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := &model{w: map[uint64]float64{}, bias: -0.7}
	for range 300 {
		a, b := int32(rng.IntN(60)), int32(rng.IntN(60))
		m.w[uint64(a)] = rng.NormFloat64()
		m.w[pairKey(a, b)] = rng.NormFloat64()
	}
	reference := func(d Doc) float64 {
		z := m.bias
		for k, v := range featuresOf(d) {
			z += m.w[k] * v
		}
		return 1 / (1 + math.Exp(-z))
	}
	p := m.predictor()
	for _, n := range []int{0, 1, 2, 5, 12, 40, 65, 300} {
		for range 20 {
			d := Doc{Seq: make([]int32, n)}
			for i := range d.Seq {
				v := int32(rng.IntN(80)) // some words the model never saw
				if rng.IntN(3) == 0 {
					v = -v - 1 // a function word
				}
				d.Seq[i] = v
			}
			if got, want := p.predict(d), reference(d); math.Abs(got-want) > 1e-12 {
				t.Fatalf("%d words %v: predictor %v, model %v", n, d.Seq, got, want)
			}
		}
	}
}
