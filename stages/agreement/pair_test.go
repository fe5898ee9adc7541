package agreement

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// table expands a two-coder contingency table into judgements: cell
// [i][j] units where coder A said cats[i] and coder B said cats[j].
func table(cats []string, cells [][]int) []Judgement {
	var js []Judgement
	u := 0
	for i, row := range cells {
		for j, k := range row {
			for range k {
				id := fmt.Sprintf("u%03d", u)
				js = append(js,
					Judgement{Unit: id, Coder: "A", Value: cats[i]},
					Judgement{Unit: id, Coder: "B", Value: cats[j]})
				u++
			}
		}
	}
	return js
}

func TestKappaTextbook(t *testing.T) {
	for _, tc := range []struct {
		name           string
		cats           []string
		cells          [][]int
		units, agreed  int
		percent, kappa float64
	}{{
		// Wikipedia, "Cohen's kappa", simple example: 50 grant proposals,
		// both yes 20, A yes B no 5, A no B yes 10, both no 15. Po = 0.7,
		// Pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
		name:  "wikipedia 50 proposals",
		cats:  []string{"yes", "no"},
		cells: [][]int{{20, 5}, {10, 15}},
		units: 50, agreed: 35, percent: 0.7, kappa: 0.4,
	}, {
		// Three categories worked by hand: A a3 b3 c4, B a2 b3 c5, 8 of 10
		// agree. Pe = .3*.2 + .3*.3 + .4*.5 = .35, kappa = .45/.65.
		name:  "three categories",
		cats:  []string{"a", "b", "c"},
		cells: [][]int{{2, 1, 0}, {0, 2, 1}, {0, 0, 4}},
		units: 10, agreed: 8, percent: 0.8, kappa: 0.45 / 0.65,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustData(t, table(tc.cats, tc.cells)).PairAgreement("A", "B")
			if p.Units != tc.units || p.Agreed != tc.agreed {
				t.Errorf("units %d, agreed %d; want %d, %d", p.Units, p.Agreed, tc.units, tc.agreed)
			}
			if math.Abs(p.Percent-tc.percent) > 1e-12 || math.Abs(p.Kappa-tc.kappa) > 1e-12 {
				t.Errorf("percent %v, kappa %v; want %v, %v", p.Percent, p.Kappa, tc.percent, tc.kappa)
			}
		})
	}
}

func TestPairOnlyCommonUnits(t *testing.T) {
	d := mustData(t, matrix(t,
		"confirm reject  .       confirm confirm",
		"confirm confirm reject  .       confirm",
		".       .       .       .       reject",
	))
	p := d.PairAgreement("A", "B")
	if p.Units != 3 || p.Agreed != 2 || math.Abs(p.Percent-2.0/3) > 1e-12 {
		t.Errorf("A-B %+v, want 3 units in common, 2 agreed", p)
	}
	// Order of the two coders does not matter.
	if q := d.PairAgreement("B", "A"); q.Kappa != p.Kappa || q.Percent != p.Percent {
		t.Errorf("B-A %+v differs from A-B %+v", q, p)
	}
	ps := d.Pairs()
	if len(ps) != 3 || ps[0].A != "A" || ps[0].B != "B" || ps[2].A != "B" || ps[2].B != "C" {
		t.Errorf("pairs %+v, want A-B, A-C, B-C", ps)
	}
	if ps[1].Units != 1 || ps[1].Agreed != 0 {
		t.Errorf("A-C %+v, want 1 unit, 0 agreed", ps[1])
	}
}

func TestPairDegenerate(t *testing.T) {
	none := mustData(t, matrix(t, "confirm .", ". reject")).PairAgreement("A", "B")
	if none.Units != 0 || !math.IsNaN(none.Percent) || !math.IsNaN(none.Kappa) {
		t.Errorf("no common units: %+v, want 0 units and NaN", none)
	}
	same := mustData(t, matrix(t, "confirm confirm confirm", "confirm confirm confirm")).PairAgreement("A", "B")
	if same.Percent != 1 || !math.IsNaN(same.Kappa) {
		t.Errorf("one shared category: %+v, want percent 1, kappa NaN", same)
	}
	unknown := mustData(t, matrix(t, "confirm", "confirm")).PairAgreement("A", "Z")
	if unknown.Units != 0 || !math.IsNaN(unknown.Kappa) {
		t.Errorf("unknown coder: %+v, want 0 units", unknown)
	}
	opposite := mustData(t, matrix(t, "x x x", "y y y")).PairAgreement("A", "B")
	if opposite.Percent != 0 || opposite.Kappa != 0 {
		t.Errorf("each coder one different category: %+v, want percent 0, kappa 0", opposite)
	}
}

// twoCoders returns random two-coder data with no missing values and its
// contingency table over cats.
func twoCoders(rng *rand.Rand, units int, cats []string) ([]Judgement, [][]float64) {
	js, _ := generate(rng, units, []string{"A", "B"}, cats, 0.6, 0)
	idx := map[string]int{}
	for i, c := range cats {
		idx[c] = i
	}
	cells := make([][]float64, len(cats))
	for i := range cells {
		cells[i] = make([]float64, len(cats))
	}
	for i := 0; i < len(js); i += 2 {
		cells[idx[js[i].Value]][idx[js[i+1].Value]]++
	}
	return js, cells
}

func TestKappaAndAlphaAgainstDirectFormulas(t *testing.T) {
	cats := []string{"confirm", "reject", "recode:a", "recode:b", "recode:c"}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 60))
		js, cells := twoCoders(rng, 80+int(seed)*7, cats)
		d := mustData(t, js)

		// Cohen (1960) from the proportions table p_ij.
		var n, po float64
		rows, cols := make([]float64, len(cats)), make([]float64, len(cats))
		for i := range cells {
			for j, k := range cells[i] {
				n += k
				rows[i] += k
				cols[j] += k
				if i == j {
					po += k
				}
			}
		}
		po /= n
		var pe, pi float64
		for i := range cats {
			pe += rows[i] / n * cols[i] / n
			pooled := (rows[i] + cols[i]) / (2 * n)
			pi += pooled * pooled
		}
		kappa := (po - pe) / (1 - pe)
		scott := (po - pi) / (1 - pi)

		p := d.PairAgreement("A", "B")
		if math.Abs(p.Kappa-kappa) > 1e-12 || math.Abs(p.Percent-po) > 1e-12 {
			t.Errorf("seed %d: kappa %v, percent %v; direct %v, %v", seed, p.Kappa, p.Percent, kappa, po)
		}
		// Kappa's chance term uses each coder's own proportions, which can
		// only lower it below Scott's pooled one (AM-GM), so kappa >= pi.
		if p.Kappa < scott-1e-12 {
			t.Errorf("seed %d: kappa %v below Scott's pi %v", seed, p.Kappa, scott)
		}
		// Two coders, no missing data: alpha is Scott's pi with the
		// small-sample correction, alpha = 1 - (1 - pi)(2N - 1)/(2N),
		// since De = n/(n-1) (1 - Pe) over the n = 2N pooled values.
		a := d.Alpha()
		if want := 1 - (1-scott)*(2*n-1)/(2*n); math.Abs(a.Value-want) > 1e-12 {
			t.Errorf("seed %d: alpha %v, from Scott's pi %v", seed, a.Value, want)
		}
	}
}

func TestKappaEqualsPiForEqualMarginals(t *testing.T) {
	// Symmetric table: both coders use each category equally often, so
	// kappa's and Scott's chance terms coincide.
	d := mustData(t, table([]string{"confirm", "reject", "recode"}, [][]int{{10, 2, 1}, {2, 8, 3}, {1, 3, 6}}))
	p := d.PairAgreement("A", "B")
	n := 36.0
	pi := (24/n - (13*13+13*13+10*10)/(n*n)) / (1 - (13*13+13*13+10*10)/(n*n))
	if math.Abs(p.Kappa-pi) > 1e-12 {
		t.Errorf("kappa %v, Scott's pi %v", p.Kappa, pi)
	}
}
