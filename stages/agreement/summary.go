package agreement

import (
	"math/rand/v2"
)

// Summary is everything a reliability report shows for one set of units.
type Summary struct {
	Group         string // the group, when Overall is false
	Overall       bool   // all units, whatever their group
	Units         int    // units judged by anyone
	Coders        []string
	Alpha         Alpha
	Interval      Interval // zero when no resamples were asked for
	Pairs         []Pair   // every two coders
	Disagreements []Disagreement
}

// Summarize reports on all units and then on each group in order.
// resamples = 0 skips the bootstrap; otherwise rng is drawn from in that
// fixed order, so a seeded rng gives the same report every time.
func (d *Data) Summarize(resamples int, level float64, rng *rand.Rand) ([]Summary, error) {
	all, err := d.summary(resamples, level, rng)
	if err != nil {
		return nil, err
	}
	all.Overall = true
	out := []Summary{all}
	for _, g := range d.Groups() {
		s, err := d.Group(g).summary(resamples, level, rng)
		if err != nil {
			return nil, err
		}
		s.Group = g
		out = append(out, s)
	}
	return out, nil
}

func (d *Data) summary(resamples int, level float64, rng *rand.Rand) (Summary, error) {
	s := Summary{
		Units:         len(d.units),
		Coders:        d.Coders(),
		Alpha:         d.Alpha(),
		Pairs:         d.Pairs(),
		Disagreements: d.Disagreements(),
	}
	if resamples > 0 {
		iv, err := d.Bootstrap(resamples, level, rng)
		if err != nil {
			return Summary{}, err
		}
		s.Interval = iv
	}
	return s, nil
}
