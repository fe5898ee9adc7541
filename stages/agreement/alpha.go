package agreement

import (
	"math"
	"slices"
)

// Why alpha can be undefined.
const (
	NoPairableUnits = "no unit was judged by two coders"
	NoVariation     = "every judgement is the same category"
)

// Alpha is Krippendorff's alpha for nominal data, 1 - Do/De.
type Alpha struct {
	Value     float64 // NaN when undefined; 1 is perfect agreement, 0 chance level
	Undefined string  // why Value is NaN (NoPairableUnits, NoVariation); "" when defined
	Units     int     // pairable units: judged by at least two coders
	Values    int     // pairable values n: the judgements in those units
	Observed  float64 // Do, the observed disagreement
	Expected  float64 // De, the disagreement expected by chance

	// Categories and Coincidences are the coincidence matrix: entry [c][k]
	// counts the pairs of values (c, k) coders gave the same unit, each
	// unit weighted 1/(m-1) for its m values so that it contributes m
	// values in all. Row sums are the category totals n_c.
	Categories   []string
	Coincidences [][]float64
}

// unitCounts is one pairable unit as the coincidence matrix sees it: how
// many of its values fell in each category (by index in the category list).
type unitCounts struct {
	cats   []int
	counts []int
	m      int
}

// pairable returns the sorted categories used in pairable units and each
// pairable unit's category counts. Units with fewer than two values carry
// no information about agreement and are left out, as Krippendorff does.
func (d *Data) pairable() ([]string, []unitCounts) {
	var cats []string
	for _, u := range d.units {
		if len(u.values) < 2 {
			continue
		}
		for _, v := range u.values {
			cats = append(cats, v)
		}
	}
	slices.Sort(cats)
	cats = slices.Compact(cats)
	index := make(map[string]int, len(cats))
	for i, c := range cats {
		index[c] = i
	}
	var us []unitCounts
	for _, u := range d.units {
		if len(u.values) < 2 {
			continue
		}
		byCat := map[int]int{}
		for _, v := range u.values {
			byCat[index[v]]++
		}
		uc := unitCounts{m: len(u.values)}
		for c := range byCat {
			uc.cats = append(uc.cats, c)
		}
		// In category order, not the map's: the sums in alphaOf must add
		// up in the same order on every run to give identical bits.
		slices.Sort(uc.cats)
		for _, c := range uc.cats {
			uc.counts = append(uc.counts, byCat[c])
		}
		us = append(us, uc)
	}
	return cats, us
}

// Alpha computes Krippendorff's alpha for nominal data over all coders,
// allowing missing judgements, by the coincidence-matrix method of
// Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011).
func (d *Data) Alpha() Alpha {
	cats, us := d.pairable()
	a := alphaOf(us, len(cats), true)
	a.Categories = cats
	return a
}

// alphaOf computes alpha from the coincidences of the units. The matrix
// itself is kept only when asked for: the bootstrap needs just its
// off-diagonal sum and its row sums, and with hundreds of re-code
// categories allocating it for every resample dominated the run time.
func alphaOf(us []unitCounts, ncat int, keep bool) Alpha {
	var o [][]float64
	if keep {
		o = make([][]float64, ncat)
		for c := range o {
			o[c] = make([]float64, ncat)
		}
	}
	nc := make([]int, ncat) // row sums of the matrix: each category's pairable values
	values := 0
	var off float64 // sum of the off-diagonal coincidences
	for _, u := range us {
		w := 1 / float64(u.m-1)
		for i, c := range u.cats {
			nc[c] += u.counts[i]
			for j, k := range u.cats {
				pairs := u.counts[i] * u.counts[j]
				if i == j {
					pairs = u.counts[i] * (u.counts[i] - 1) // a value is not paired with itself
				}
				if keep {
					o[c][k] += float64(pairs) * w
				}
				if c != k {
					off += float64(pairs) * w
				}
			}
		}
		values += u.m
	}
	a := Alpha{Value: math.NaN(), Units: len(us), Values: values, Coincidences: o}
	if len(us) == 0 {
		a.Undefined = NoPairableUnits
		return a
	}
	used, sumSq := 0, 0
	for _, k := range nc {
		if k > 0 {
			used++
		}
		sumSq += k * k
	}
	n := float64(values)
	a.Observed = off / n
	// sum over c != k of n_c n_k, over n(n-1)
	a.Expected = float64(values*values-sumSq) / (n * (n - 1))
	if used < 2 {
		// Do = De = 0: perfect agreement, but on data that cannot show
		// disagreement, so reliability is not measurable.
		a.Undefined = NoVariation
		return a
	}
	a.Value = 1 - a.Observed/a.Expected
	return a
}
