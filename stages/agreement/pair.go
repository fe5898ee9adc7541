package agreement

import (
	"maps"
	"math"
	"slices"
)

// Pair is the agreement between two coders over the units both judged.
type Pair struct {
	A, B    string
	Units   int     // units both judged
	Agreed  int     // of those, units given the same category
	Percent float64 // Agreed / Units; NaN when Units is 0
	// Kappa is Cohen's kappa, (Po - Pe) / (1 - Pe), with Pe from each
	// coder's own category proportions. It is NaN when Units is 0 or when
	// both coders used one and the same category throughout (Pe = 1:
	// chance alone explains the agreement, so kappa is undefined).
	Kappa float64
}

// PairAgreement compares coders a and b. Units that either of them did not
// judge are left out.
func (d *Data) PairAgreement(a, b string) Pair {
	p := Pair{A: a, B: b, Percent: math.NaN(), Kappa: math.NaN()}
	ca, cb := map[string]int{}, map[string]int{}
	for _, u := range d.units {
		va, okA := u.values[a]
		vb, okB := u.values[b]
		if !okA || !okB {
			continue
		}
		p.Units++
		if va == vb {
			p.Agreed++
		}
		ca[va]++
		cb[vb]++
	}
	if p.Units == 0 {
		return p
	}
	n := float64(p.Units)
	po := float64(p.Agreed) / n
	pe := 0.0
	// In category order, so that every run adds up the same bits.
	for _, c := range slices.Sorted(maps.Keys(ca)) {
		pe += float64(ca[c]) / n * float64(cb[c]) / n
	}
	p.Percent = po
	if pe < 1 {
		p.Kappa = (po - pe) / (1 - pe)
	}
	return p
}

// Pairs compares every two coders, in coder order.
func (d *Data) Pairs() []Pair {
	var ps []Pair
	for i, a := range d.coders {
		for _, b := range d.coders[i+1:] {
			ps = append(ps, d.PairAgreement(a, b))
		}
	}
	return ps
}
