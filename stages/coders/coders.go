package coders

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/agreement"
)

// Bootstrap defaults: 1000 resamples give percentile limits that move by
// about 0.01 from one seed to another on a few hundred units; a fixed seed
// makes the report the same on every run over the same decisions.
const (
	DefaultResamples = 1000
	DefaultLevel     = 0.95
	DefaultSeed      = 15
)

// Options select the units and coders agreement is measured on.
type Options struct {
	Reviewers []string  // the coders; none: every reviewer with a verdict but the consensus
	Code      string    // only this code path and the codes under it
	Batch     int64     // only candidates proposed by this batch
	Since     time.Time // only verdicts recorded at or after this time
	Resamples int       // bootstrap resamples for alpha's interval (0: DefaultResamples; <0: none)
	Level     float64   // the interval's confidence level (0: DefaultLevel)
	Seed      uint64    // the bootstrap's seed (0: DefaultSeed)
}

// Unit is a candidate the coders judged.
type Unit struct {
	store.Candidate
	Verdicts  map[string]store.Verdict // by coder: their latest verdict and their notes
	Consensus *store.Verdict           // nil when none was recorded
}

// Study is the coders' judgements on the units they judged.
type Study struct {
	Coders []string
	Units  []Unit // in the store's order: code, transcript, position
	Data   *agreement.Data
	opts   Options
}

// Load reads the coders' latest verdicts from the decision log.
func Load(ctx context.Context, st *store.Store, o Options) (*Study, error) {
	if o.Resamples == 0 {
		o.Resamples = DefaultResamples
	}
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if slices.Contains(o.Reviewers, store.ConsensusReviewer) {
		return nil, fmt.Errorf("reviewers: %q is the consensus, not a coder", store.ConsensusReviewer)
	}
	cands, err := st.Candidates(ctx, store.CandidateFilter{Code: o.Code, Batch: o.Batch})
	if err != nil {
		return nil, err
	}
	vs, err := st.Verdicts(ctx, nil)
	if err != nil {
		return nil, err
	}
	byCand := map[string][]store.Verdict{}
	coders := map[string]bool{}
	for _, v := range vs {
		if v.Action == "" && v.Reviewer != store.ConsensusReviewer {
			continue // notes only: no judgement
		}
		if !o.Since.IsZero() && v.At.Before(o.Since) && v.Reviewer != store.ConsensusReviewer {
			continue
		}
		if v.Reviewer != store.ConsensusReviewer && (len(o.Reviewers) == 0 || slices.Contains(o.Reviewers, v.Reviewer)) {
			coders[v.Reviewer] = true
		}
		byCand[v.Candidate] = append(byCand[v.Candidate], v)
	}
	s := &Study{opts: o}
	if len(o.Reviewers) > 0 {
		s.Coders = slices.Clone(o.Reviewers)
		slices.Sort(s.Coders)
	} else {
		for c := range coders {
			s.Coders = append(s.Coders, c)
		}
		slices.Sort(s.Coders)
	}
	var js []agreement.Judgement
	for _, c := range cands {
		if store.RecodedFrom(c) != "" {
			continue // stands for a verdict on the candidate it came from
		}
		u := Unit{Candidate: c, Verdicts: map[string]store.Verdict{}}
		for _, v := range byCand[c.ID] {
			switch {
			case v.Reviewer == store.ConsensusReviewer:
				if v.Action != "" {
					u.Consensus = &v
				}
			case slices.Contains(s.Coders, v.Reviewer):
				u.Verdicts[v.Reviewer] = v
				js = append(js, agreement.Judgement{Unit: c.ID, Coder: v.Reviewer, Value: v.Category(), Group: c.Code})
			}
		}
		if len(u.Verdicts) > 0 {
			s.Units = append(s.Units, u)
		}
	}
	if s.Data, err = agreement.NewData(js); err != nil {
		return nil, err
	}
	return s, nil
}

// Num is a statistic that may be undefined: NaN prints as JSON null.
type Num float64

func (n Num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

// Pair is the agreement of two coders over the units both judged.
type Pair struct {
	A       string `json:"a"`
	B       string `json:"b"`
	Units   int    `json:"units"`   // judged by both
	Agreed  int    `json:"agreed"`  // of those, same category
	Percent Num    `json:"percent"` // Agreed/Units, 0 to 1
	Kappa   Num    `json:"kappa"`   // Cohen's kappa
}

// Row is the agreement on one code, or on all of them ("all codes",
// Overall), one line of the agreement table.
type Row struct {
	Code           string   `json:"code"`
	Overall        bool     `json:"overall"`
	Coders         []string `json:"coders"`
	Units          int      `json:"units"`          // judged by at least one coder
	Pairable       int      `json:"pairable_units"` // judged by at least two coders
	Alpha          Num      `json:"alpha"`          // Krippendorff's alpha, nominal
	AlphaUndefined string   `json:"alpha_undefined,omitempty"`
	Low            Num      `json:"alpha_low"`  // the bootstrap interval
	High           Num      `json:"alpha_high"` // for alpha
	Level          float64  `json:"level"`
	Resamples      int      `json:"resamples"`
	Seed           uint64   `json:"seed"`
	Disagreements  int      `json:"disagreements"`
	Pairs          []Pair   `json:"pairs"` // every two coders
}

// AllCodes names the overall row.
const AllCodes = "all codes"

// Report measures agreement overall and per code, in code order. The
// bootstrap draws from a source seeded with Options.Seed, in that fixed
// order, so the same decisions give the same report.
func (s *Study) Report() ([]Row, error) {
	resamples, rng := s.opts.Resamples, rand.New(rand.NewPCG(s.opts.Seed, s.opts.Seed))
	if resamples < 0 {
		resamples = 0
	}
	sums, err := s.Data.Summarize(resamples, s.opts.Level, rng)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(sums))
	for _, sum := range sums {
		r := Row{Code: sum.Group, Overall: sum.Overall, Coders: sum.Coders, Units: sum.Units, Pairable: sum.Alpha.Units,
			Alpha: Num(sum.Alpha.Value), AlphaUndefined: sum.Alpha.Undefined, Low: Num(math.NaN()), High: Num(math.NaN()),
			Level: s.opts.Level, Resamples: resamples, Seed: s.opts.Seed, Disagreements: len(sum.Disagreements), Pairs: []Pair{}}
		if sum.Overall {
			r.Code = AllCodes
		}
		if r.Coders == nil {
			r.Coders = []string{}
		}
		if resamples > 0 {
			r.Low, r.High = Num(sum.Interval.Low), Num(sum.Interval.High)
		}
		for _, p := range sum.Pairs {
			r.Pairs = append(r.Pairs, Pair{A: p.A, B: p.B, Units: p.Units, Agreed: p.Agreed, Percent: Num(p.Percent), Kappa: Num(p.Kappa)})
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// Disagreements returns the units where at least two coders judged and
// their categories differ, in the store's order.
func (s *Study) Disagreements() []Unit {
	var out []Unit
	for _, u := range s.Units {
		first, differ := "", false
		for _, v := range u.Verdicts {
			if first == "" {
				first = v.Category()
			} else if v.Category() != first {
				differ = true
			}
		}
		if differ {
			out = append(out, u)
		}
	}
	return out
}

// Decision prints a verdict as a review sheet's decision cell says it:
// confirm, reject, or the code path re-coded to.
func Decision(v *store.Verdict) string {
	if v == nil {
		return ""
	}
	if v.Action == store.ActionRecode {
		return v.Value
	}
	return v.Action
}

// ParseReviewers splits a --reviewers list ("ana,ben").
func ParseReviewers(list string) []string {
	var out []string
	for _, r := range strings.Split(list, ",") {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
