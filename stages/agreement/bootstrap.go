package agreement

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Interval is a bootstrap confidence interval for alpha.
type Interval struct {
	Level     float64 // e.g. 0.95
	Low, High float64 // NaN when no resample gave a defined alpha
	Resamples int     // resamples drawn
	Undefined int     // resamples whose alpha was undefined (one category only); left out
	alphas    []float64
}

// Bootstrap estimates a confidence interval for alpha by a unit-level
// nonparametric bootstrap: draw as many pairable units as there are, with
// replacement, keeping each unit's judgements together (units are what was
// sampled; judgements of one unit are not independent), recompute alpha,
// and take the percentile interval of the resampled alphas. This is not
// Hayes and Krippendorff's (2007) macro, which resamples pairs of values
// within the coincidence matrix; Zapf et al. (2016, BMC Medical Research
// Methodology 16:93, doi:10.1186/s12874-016-0200-9) found bootstrap
// intervals for nominal alpha close to their stated coverage.
//
// Resamples whose alpha is undefined (every value the same category) are
// counted in Undefined and left out of the percentiles. The result depends
// only on the data and on rng, so a seeded rng gives reproducible intervals.
func (d *Data) Bootstrap(resamples int, level float64, rng *rand.Rand) (Interval, error) {
	if resamples < 1 {
		return Interval{}, fmt.Errorf("bootstrap: %d resamples, want at least 1", resamples)
	}
	if rng == nil {
		return Interval{}, fmt.Errorf("bootstrap: no random source")
	}
	if !(level > 0 && level < 1) {
		return Interval{}, fmt.Errorf("bootstrap: confidence level %v, want between 0 and 1", level)
	}
	iv := Interval{Level: level, Low: math.NaN(), High: math.NaN(), Resamples: resamples}
	cats, us := d.pairable()
	if len(us) == 0 {
		iv.Undefined = resamples
		return iv, nil
	}
	sample := make([]unitCounts, len(us))
	for range resamples {
		for i := range sample {
			sample[i] = us[rng.IntN(len(us))]
		}
		a := alphaOf(sample, len(cats), false)
		if a.Undefined != "" {
			iv.Undefined++
			continue
		}
		iv.alphas = append(iv.alphas, a.Value)
	}
	if len(iv.alphas) == 0 {
		return iv, nil
	}
	slices.Sort(iv.alphas)
	tail := (1 - level) / 2
	iv.Low = quantile(iv.alphas, tail)
	iv.High = quantile(iv.alphas, 1-tail)
	return iv, nil
}

// quantile interpolates linearly between order statistics (R's type 7).
func quantile(sorted []float64, p float64) float64 {
	h := p * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// FractionBelow is the share of defined resampled alphas below min: Hayes
// and Krippendorff's q, the estimated chance that the data's reliability
// falls short of a required minimum such as 0.667 or 0.8. NaN when no
// resample gave a defined alpha.
func (iv Interval) FractionBelow(min float64) float64 {
	if len(iv.alphas) == 0 {
		return math.NaN()
	}
	i, _ := slices.BinarySearch(iv.alphas, min)
	return float64(i) / float64(len(iv.alphas))
}
