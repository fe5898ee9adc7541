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
		for c, k := range byCat {
			uc.cats = append(uc.cats, c)
			uc.counts = append(uc.counts, k)
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
	a := alphaOf(us, len(cats))
	a.Categories = cats
	return a
}

func alphaOf(us []unitCounts, ncat int) Alpha {
	o := make([][]float64, ncat)
	for c := range o {
		o[c] = make([]float64, ncat)
	}
	values := 0
	for _, u := range us {
		w := 1 / float64(u.m-1)
		for i, c := range u.cats {
			for j, k := range u.cats {
				pairs := u.counts[i] * u.counts[j]
				if i == j {
					pairs = u.counts[i] * (u.counts[i] - 1) // a value is not paired with itself
				}
				o[c][k] += float64(pairs) * w
			}
		}
		values += u.m
	}
	a := Alpha{Value: math.NaN(), Units: len(us), Values: values, Coincidences: o}
	if len(us) == 0 {
		a.Undefined = NoPairableUnits
		return a
	}
	nc := make([]float64, ncat)
	used := 0
	for c := range o {
		for k := range o[c] {
			nc[c] += o[c][k]
		}
		if nc[c] > 0 {
			used++
		}
	}
	n := float64(values)
	var off, expected float64
	for c := range o {
		for k := range o[c] {
			if c != k {
				off += o[c][k]
				expected += nc[c] * nc[k]
			}
		}
	}
	a.Observed = off / n
	a.Expected = expected / (n * (n - 1))
	if used < 2 {
		// Do = De = 0: perfect agreement, but on data that cannot show
		// disagreement, so reliability is not measurable.
		a.Undefined = NoVariation
		return a
	}
	a.Value = 1 - a.Observed/a.Expected
	return a
}
