package coders

import (
	"context"
	"fmt"
	"strings"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/decisions"
	"github.com/alongside-qda/alongside/stages/export"
)

// AgreementTables lays the report out as two sheets: one row per code
// (alpha and its interval), and one row per code and pair of coders
// (percent agreement and kappa).
func AgreementTables(rows []Row) []export.Table {
	codes := export.Table{Name: "Agreement",
		Header: []string{"code", "coders", "units", "pairable units", "alpha", "alpha low", "alpha high", "level", "resamples", "disagreements", "alpha undefined"},
		Widths: []float64{36, 20, 8, 10, 9, 9, 9, 7, 10, 13, 30}}
	pairs := export.Table{Name: "Pairs",
		Header: []string{"code", "coder a", "coder b", "units both judged", "agreed", "percent agreement", "kappa"},
		Widths: []float64{36, 12, 12, 10, 8, 10, 9}}
	for _, r := range rows {
		codes.Rows = append(codes.Rows, []any{r.Code, strings.Join(r.Coders, ", "), r.Units, r.Pairable,
			float64(r.Alpha), float64(r.Low), float64(r.High), r.Level, r.Resamples, r.Disagreements, r.AlphaUndefined})
		for _, p := range r.Pairs {
			pairs.Rows = append(pairs.Rows, []any{r.Code, p.A, p.B, p.Units, p.Agreed, float64(p.Percent), float64(p.Kappa)})
		}
	}
	return []export.Table{codes, pairs}
}

// DisagreementTable is the sheet of the units to discuss: the passage with
// a sentence of context, each coder's decision and notes, and a consensus
// column (filled in with the consensus already recorded, if any) and a
// note column for the outcome. Import it back with ImportConsensus.
func DisagreementTable(ctx context.Context, st *store.Store, s *Study, units []Unit) (export.Table, error) {
	t := export.Table{Name: "Disagreements", Header: []string{"id", "code", "transcript", "speaker", "time", "text", "before", "after"},
		Widths: []float64{15, 30, 22, 12, 10, 60, 40, 40}}
	for _, c := range s.Coders {
		t.Header = append(t.Header, c+": decision", c+": note")
		t.Widths = append(t.Widths, 20, 30)
	}
	t.Header = append(t.Header, "consensus", "note")
	t.Widths = append(t.Widths, 24, 30)
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = u.ID
	}
	context := map[string]export.ExportRow{}
	if len(ids) > 0 {
		rows, err := export.ExportRows(ctx, st, store.CandidateFilter{IDs: ids})
		if err != nil {
			return t, err
		}
		for _, r := range rows {
			context[r.ID] = r
		}
	}
	for _, u := range units {
		c := context[u.ID]
		row := []any{u.ID, u.Code, u.Transcript, u.Speaker, clock(u.StartTime), u.Text, c.Before, c.After}
		for _, coder := range s.Coders {
			v, ok := u.Verdicts[coder]
			if !ok {
				row = append(row, "", "")
				continue
			}
			row = append(row, Decision(&v), strings.Join(v.Notes, "\n"))
		}
		row = append(row, Decision(u.Consensus), "")
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

func clock(sec *float64) string {
	if sec == nil {
		return ""
	}
	t := int(*sec)
	return fmt.Sprintf("%02d:%02d:%02d", t/3600, t/60%60, t%60)
}

// ImportConsensus reads a disagreement sheet's consensus and note columns
// and records them as decisions of the consensus (store.ConsensusReviewer),
// all or nothing, as decisions.ImportDecisions records a review sheet: a
// consensus already recorded is not recorded again, and the coders' own
// decisions are left as they were.
func ImportConsensus(ctx context.Context, r *decisions.Reviewer, path string, dryRun bool) (*decisions.ImportPlan, error) {
	rows, err := export.ReadConsensus(path)
	if err != nil {
		return nil, err
	}
	c := *r
	c.Name = store.ConsensusReviewer
	plan, err := decisions.PlanImport(ctx, &c, path, rows)
	if err != nil || dryRun {
		return plan, err
	}
	if ds := plan.Decisions(); len(ds) > 0 {
		if plan.Created, err = c.Record(ctx, ds); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return plan, nil
}
