package agreement

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// matrix turns a reliability-data matrix, one line per coder and one
// column per unit, "." or "*" for a missing value, into judgements. Coders
// are named A, B, C... and units u01, u02...
func matrix(t *testing.T, rows ...string) []Judgement {
	t.Helper()
	var js []Judgement
	for i, row := range rows {
		for u, v := range strings.Fields(row) {
			if v == "." || v == "*" {
				continue
			}
			js = append(js, Judgement{Unit: fmt.Sprintf("u%02d", u+1), Coder: string(rune('A' + i)), Value: v})
		}
	}
	return js
}

func mustData(t *testing.T, js []Judgement) *Data {
	t.Helper()
	d, err := NewData(js)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAlphaPublishedExamples(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rows      []string
		published float64 // as printed, three decimals
		exact     float64 // worked by hand from the coincidences; 0 if not
		units     int
		values    int
		totals    map[string]float64 // category totals n_c, when published
	}{{
		// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
		// section C: nominal data, 4 observers, 12 units, missing values;
		// alpha = 0.743. Data as copied in jucor/krippendorff
		// data-raw/nominal.R, whose tests/testthat/test-nominal.R expects
		// 0.743. Unit 12 has one value and is not pairable: n = 40 values,
		// totals 9, 13, 10, 5, 3.
		name: "krippendorff 2011 C, 4 observers with missing values",
		rows: []string{
			"1 2 3 3 2 1 4 1 2 . . .",
			"1 2 3 3 2 2 4 1 2 5 . 3",
			". 3 3 3 2 3 4 2 2 5 1 .",
			"1 2 3 3 2 4 4 1 2 5 1 .",
		},
		published: 0.743,
		units:     11,
		values:    40,
		totals:    map[string]float64{"1": 9, "2": 13, "3": 10, "4": 5, "5": 3},
	}, {
		// Krippendorff (2004), Content Analysis, section 11.3.1, and (2011)
		// section A: binary data, two observers, no missing data; alpha =
		// 0.095. Data from jucor/krippendorff
		// data-raw/news_presence_krippendorff2004_11_3_1.csv (its
		// test-binary.R expects .0952). o01 = 4, n0 = 14, n1 = 6:
		// alpha = 1 - 19*4/(14*6).
		name: "krippendorff 2004 11.3.1, binary, two observers",
		rows: []string{
			"1 1 0 0 0 0 0 0 0 0",
			"0 1 1 0 0 1 0 1 0 0",
		},
		published: 0.095,
		exact:     1 - 19.0*4/(14*6),
		units:     10,
		values:    20,
		totals:    map[string]float64{"0": 14, "1": 6},
	}, {
		// Krippendorff (2011) section B: nominal data, two observers, no
		// missing data; alpha = 0.692. Three units disagree (6 off-diagonal
		// coincidences); totals a4 b6 c6 d6 e2, n = 24:
		// alpha = 1 - 23*6/(24^2 - (16+36+36+36+4)).
		name: "krippendorff 2011 B, nominal, two observers",
		rows: []string{
			"a a b b d c c c e d d a",
			"b a b b b c c c e d d d",
		},
		published: 0.692,
		exact:     1 - 23.0*6/(576-128),
		units:     12,
		values:    24,
		totals:    map[string]float64{"a": 4, "b": 6, "c": 6, "d": 6, "e": 2},
	}, {
		// Wikipedia, "Krippendorff's alpha", a computational example: 3
		// coders, 15 units, missing values; nominal alpha = 0.691. The same
		// matrix is the doc example of pln-fing-udelar/fast-krippendorff
		// and dallascard/krippendorff_alpha's README gives 0.691. Units 1,
		// 2 and 14 have fewer than two values; 26 values remain.
		name: "wikipedia, 3 coders with missing values",
		rows: []string{
			"*    *    *    *    *    3    4    1    2    1    1    3    3    *    3",
			"1    *    2    1    3    3    4    3    *    *    *    *    *    *    *",
			"*    *    2    1    3    4    4    *    2    1    1    3    3    *    4",
		},
		published: 0.691,
		units:     12,
		values:    26,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			a := mustData(t, matrix(t, tc.rows...)).Alpha()
			if got := math.Round(a.Value*1000) / 1000; got != tc.published {
				t.Errorf("alpha %.5f rounds to %.3f, published %.3f", a.Value, got, tc.published)
			}
			if tc.exact != 0 && math.Abs(a.Value-tc.exact) > 1e-12 {
				t.Errorf("alpha %.15f, worked by hand %.15f", a.Value, tc.exact)
			}
			if a.Units != tc.units || a.Values != tc.values {
				t.Errorf("pairable units %d, values %d; want %d, %d", a.Units, a.Values, tc.units, tc.values)
			}
			var sum, off float64
			for c, cat := range a.Categories {
				var nc float64
				for k, o := range a.Coincidences[c] {
					nc += o
					if k != c {
						off += o
					}
				}
				sum += nc
				if want, ok := tc.totals[cat]; ok && math.Abs(nc-want) > 1e-9 {
					t.Errorf("category %q total %v, want %v", cat, nc, want)
				}
			}
			if math.Abs(sum-float64(tc.values)) > 1e-9 {
				t.Errorf("coincidences sum to %v, want n = %d", sum, tc.values)
			}
			if math.Abs(off/sum-a.Observed) > 1e-12 {
				t.Errorf("off-diagonal coincidences %v over n = %v, want Do = %v", off, sum, a.Observed)
			}
		})
	}
}

// pairwiseAlpha computes nominal alpha a second way, without the
// coincidence matrix: Do from the mismatching ordered pairs of values
// within each unit, weighted 1/(m-1), over n; De from the mismatching
// ordered pairs among all n pairable values, over n(n-1).
func pairwiseAlpha(units [][]string) float64 {
	var all []string
	var do float64
	for _, vs := range units {
		if len(vs) < 2 {
			continue
		}
		all = append(all, vs...)
		mismatches := 0
		for i := range vs {
			for j := range vs {
				if i != j && vs[i] != vs[j] {
					mismatches++
				}
			}
		}
		do += float64(mismatches) / float64(len(vs)-1)
	}
	n := float64(len(all))
	var de float64
	for i := range all {
		for j := range all {
			if i != j && all[i] != all[j] {
				de++
			}
		}
	}
	return 1 - (do/n)/(de/(n*(n-1)))
}

// generate makes reliability data for coders judging units: each unit has a
// true category among cats, each coder gives it with probability accuracy
// (otherwise any category), and leaves the unit unjudged with probability
// missing. Units are grouped by their true category's first letter.
func generate(rng *rand.Rand, units int, coders []string, cats []string, accuracy, missing float64) ([]Judgement, [][]string) {
	var js []Judgement
	var byUnit [][]string
	for u := range units {
		truth := cats[rng.IntN(len(cats))]
		var vs []string
		for _, c := range coders {
			if rng.Float64() < missing {
				continue
			}
			v := truth
			if rng.Float64() > accuracy {
				v = cats[rng.IntN(len(cats))]
			}
			vs = append(vs, v)
			js = append(js, Judgement{Unit: fmt.Sprintf("unit-%04d", u), Coder: c, Value: v, Group: "g" + truth[:1]})
		}
		byUnit = append(byUnit, vs)
	}
	return js, byUnit
}

func TestAlphaAgreesWithPairwiseFormula(t *testing.T) {
	cats := []string{"confirm", "reject", "recode:care/alongside", "recode:care/availing"}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 15))
		js, byUnit := generate(rng, 150, []string{"ana", "ben", "cai"}, cats, 0.7, 0.3)
		got := mustData(t, js).Alpha()
		want := pairwiseAlpha(byUnit)
		if math.IsNaN(got.Value) || math.Abs(got.Value-want) > 1e-12 {
			t.Errorf("seed %d: coincidence alpha %.15f, pairwise %.15f", seed, got.Value, want)
		}
	}
}

func TestAlphaUndefined(t *testing.T) {
	for _, tc := range []struct {
		name string
		js   []Judgement
		why  string
	}{
		{"no judgements", nil, NoPairableUnits},
		{"each unit judged once", matrix(t, "confirm . reject", ". reject ."), NoPairableUnits},
		{"everyone always confirms", matrix(t, "confirm confirm confirm", "confirm . confirm", ". confirm ."), NoVariation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mustData(t, tc.js).Alpha()
			if !math.IsNaN(a.Value) || a.Undefined != tc.why {
				t.Errorf("alpha %v, undefined %q; want NaN, %q", a.Value, a.Undefined, tc.why)
			}
		})
	}
	// Systematic disagreement is defined, and worse than chance.
	a := mustData(t, matrix(t, "x x x", "y y y")).Alpha()
	if a.Undefined != "" || !(a.Value < 0) {
		t.Errorf("coders always differing: alpha %v (%q), want below 0", a.Value, a.Undefined)
	}
}
