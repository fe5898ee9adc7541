package stages

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/relevance"
)

// CodeReport is one code's line of "codebook report": what it proposed,
// what the analysts made of it, how well each keyword rule does, and how
// the code is scored.
type CodeReport struct {
	Code string `json:"code"`
	// Proposed counts every candidate the code ever proposed, whatever
	// became of it: Waiting + Confirmed + Rejected + Withdrawn.
	Proposed  int `json:"proposed"`
	Suggested int `json:"suggested"` // of Proposed, by relevance (origin suggested)
	Waiting   int `json:"waiting"`
	Confirmed int `json:"confirmed"`
	Rejected  int `json:"rejected"`  // re-coded to another code counts as rejected
	Withdrawn int `json:"withdrawn"` // withdrawn, or orphaned by a transcript edit
	// Keywords are the code's keyword rules, in codebook order, then the
	// rules no longer in the codebook that decided candidates still name.
	Keywords []KeywordPrecision `json:"keywords"`
	// Model is how the code is scored now: the learned model's weight, its
	// and the description score's precision left out on the decisions, and
	// the words that weigh most (see relevance.Report).
	Model relevance.Report `json:"model"`
	Since *SinceReport     `json:"since,omitempty"`
}

// KeywordPrecision is how often the analysts confirmed the candidates a
// keyword rule matched.
type KeywordPrecision struct {
	Rule       string `json:"rule"`
	Line       int    `json:"line,omitempty"` // in the codebook; 0 when no longer there
	InCodebook bool   `json:"in_codebook"`
	Decided    int    `json:"decided"` // confirmed + rejected candidates it matched
	Confirmed  int    `json:"confirmed"`
	Rejected   int    `json:"rejected"`
	// Precision is Confirmed / Decided; NaN (null in JSON) before any
	// decision.
	Precision Ratio `json:"precision"`
}

// Ratio is a share that may be undefined: NaN, written null in JSON.
type Ratio float64

func (r Ratio) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(r)) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(r), 'f', -1, 64), nil
}

// SinceReport is what is new for a code since a batch or a time.
type SinceReport struct {
	Batch     int64     `json:"batch"` // the first batch counted; 0 when none started since
	Time      time.Time `json:"time"`  // decisions recorded at or after it count
	Proposed  int       `json:"proposed"`
	Confirmed int       `json:"confirmed"` // candidates whose latest verdict, recorded since, confirms
	Rejected  int       `json:"rejected"`
}

// ReportOptions say what "new" means; zero values: no Since part. Give
// a batch (its candidates and later ones; decisions since it started) or
// a time (batches started then or later; decisions since then).
type ReportOptions struct {
	SinceBatch int64
	SinceTime  time.Time
}

// CodebookReport reports on every code of the codebook, in codebook
// order. It reads the whole corpus to score the codes, as a ranking pass
// does, and writes nothing.
func CodebookReport(ctx context.Context, p Project, st *store.Store, cb *codebook.Codebook, opts ReportOptions) ([]CodeReport, error) {
	// The candidates as the scoring read them: one read of the store.
	scores, byCode, err := codeScores(ctx, p, st, cb)
	if err != nil {
		return nil, err
	}
	since, err := sinceOf(ctx, st, opts)
	if err != nil {
		return nil, err
	}
	var decidedAt map[string]time.Time
	if since != nil {
		if decidedAt, err = st.DecidedAt(ctx); err != nil {
			return nil, err
		}
	}
	var out []CodeReport
	for _, code := range cb.All() {
		r := CodeReport{Code: code.Path, Model: scores[code.Path], Keywords: []KeywordPrecision{}}
		if r.Model.Words == nil {
			r.Model.Words = []string{}
		}
		kw := map[string]*KeywordPrecision{}
		var order []string
		for _, rule := range code.Keywords {
			if kw[rule.Query] == nil {
				kw[rule.Query] = &KeywordPrecision{Rule: rule.Query, Line: rule.Line, InCodebook: true}
				order = append(order, rule.Query)
			}
		}
		if since != nil {
			s := *since
			r.Since = &s
		}
		for _, c := range byCode[code.Path] {
			r.Proposed++
			if c.Origin == store.OriginSuggested {
				r.Suggested++
			}
			switch c.Status {
			case "confirmed":
				r.Confirmed++
			case "rejected":
				r.Rejected++
			case "proposed":
				r.Waiting++
			default:
				r.Withdrawn++
			}
			if since != nil {
				if c.Batch >= since.Batch && since.Batch > 0 {
					r.Since.Proposed++
				}
				if at, ok := decidedAt[c.ID]; ok && !at.Before(since.Time) {
					switch c.Status {
					case "confirmed":
						r.Since.Confirmed++
					case "rejected":
						r.Since.Rejected++
					}
				}
			}
			if c.Status != "confirmed" && c.Status != "rejected" || store.RecodedFrom(c) != "" {
				continue
			}
			for _, rule := range c.Rules {
				k := kw[rule]
				if k == nil {
					k = &KeywordPrecision{Rule: rule}
					kw[rule] = k
					order = append(order, rule)
				}
				k.Decided++
				if c.Status == "confirmed" {
					k.Confirmed++
				} else {
					k.Rejected++
				}
			}
		}
		for _, rule := range order {
			k := kw[rule]
			k.Precision = Ratio(math.NaN())
			if k.Decided > 0 {
				k.Precision = Ratio(float64(k.Confirmed) / float64(k.Decided))
			}
			r.Keywords = append(r.Keywords, *k)
		}
		out = append(out, r)
	}
	return out, nil
}

// sinceOf resolves the options to a first batch and a time, or nil.
func sinceOf(ctx context.Context, st *store.Store, opts ReportOptions) (*SinceReport, error) {
	if opts.SinceBatch == 0 && opts.SinceTime.IsZero() {
		return nil, nil
	}
	starts, err := st.BatchStarts(ctx)
	if err != nil {
		return nil, err
	}
	s := &SinceReport{Batch: opts.SinceBatch, Time: opts.SinceTime}
	if opts.SinceBatch > 0 {
		t, ok := starts[opts.SinceBatch]
		if !ok {
			return nil, &NoBatchError{opts.SinceBatch}
		}
		s.Time = t
		return s, nil
	}
	for id, t := range starts {
		if !t.Before(opts.SinceTime) && (s.Batch == 0 || id < s.Batch) {
			s.Batch = id
		}
	}
	return s, nil
}

// NoBatchError is a batch number the project never had.
type NoBatchError struct{ Batch int64 }

func (e *NoBatchError) Error() string {
	return "the project has no batch " + strconv.FormatInt(e.Batch, 10)
}
