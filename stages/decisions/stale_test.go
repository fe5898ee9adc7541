package decisions_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/decisions"
)

// The stale sheet: a sheet is exported; a later run withdraws one
// of its candidates (a code left the codebook); another reviewer decides
// another one; the old sheet comes back. Those two rows are reported and
// not recorded; the rest of the sheet is. Asked to, the import records
// them too.
func TestImportStaleSheet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := exportProject(t)
	exportRun(t, dir)
	ana := exportReviewer(t, dir)
	bo := *ana
	bo.Name = "bo"
	exported := filepath.Join(dir, "review.csv")
	rows := exportTo(t, ana.Store, store.CandidateFilter{}, exported, writeCSVFile)

	// A later run without the code of a candidate (one with siblings, so
	// the codebook stays valid).
	gone := ""
	cb := exportCodebook(t, dir)
	for _, r := range rows {
		if i := strings.LastIndex(r.Code, "/"); i > 0 && len(cb.Find(r.Code[:i]).Codes) > 1 {
			gone = r.Code
			break
		}
	}
	cbPath := filepath.Join(dir, "codebook.yaml")
	data, err := os.ReadFile(cbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cbPath, removeCode(t, data, gone[strings.LastIndex(gone, "/")+1:]), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := stages.Run(ctx, stages.Project{Dir: dir}, stages.Options{Transcripts: []string{"transcripts"}, Workers: 2, Codebook: exportCodebook(t, dir)}); err != nil {
		t.Fatalf("second batch: %v", err)
	}

	rowOf := map[string]int{} // candidate -> its row in the sheet
	var withdrawn, decidedSince, untouched string
	for i, r := range rows {
		rowOf[r.ID] = i + 2
		switch {
		case r.Code == gone && withdrawn == "":
			withdrawn = r.ID
		case r.Code != gone && decidedSince == "":
			decidedSince = r.ID
		case r.Code != gone && untouched == "":
			untouched = r.ID
		}
	}
	if withdrawn == "" || untouched == "" {
		t.Fatalf("the sample has no candidate of %q, or too few others", gone)
	}
	if s := status(t, ana.Store, withdrawn); s != "withdrawn" {
		t.Fatalf("candidate %s of the removed code is %s, want withdrawn", withdrawn, s)
	}
	if _, err := bo.Record(ctx, []decisions.Decision{{Candidate: decidedSince, Action: store.ActionReject}}); err != nil {
		t.Fatal(err)
	}

	// Ana fills in the sheet she exported before all that.
	path := filepath.Join(dir, "filled.csv")
	fillCSV(t, exported, path, csvEdit{
		rowOf[withdrawn]:    {"decision": "confirm"},
		rowOf[decidedSince]: {"decision": "confirm"},
		rowOf[untouched]:    {"decision": "confirm", "note": "clear case"},
	})
	n := decisionCount(t, ana.Store)
	plan, err := decisions.ImportDecisions(ctx, ana, path, decisions.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var stale []string
	for _, s := range plan.Stale {
		stale = append(stale, s.String())
	}
	slices.Sort(stale)
	if len(stale) != 2 || !strings.Contains(strings.Join(stale, "\n"), "withdrawn by a run after the export") ||
		!strings.Contains(strings.Join(stale, "\n"), "bo decided reject on ") {
		t.Fatalf("stale rows:\n%s\nwant the withdrawn candidate and bo's reject", strings.Join(stale, "\n"))
	}
	for _, s := range plan.Stale {
		if want := rowOf[s.Candidate]; s.Row != want {
			t.Errorf("stale candidate %s reported on row %d, want %d", s.Candidate, s.Row, want)
		}
	}
	if got := decisionCount(t, ana.Store) - n; got != 2 { // the untouched row: confirm + note
		t.Errorf("recorded %d decisions, want 2 (the untouched row's)", got)
	}
	for id, want := range map[string]string{withdrawn: "withdrawn", decidedSince: "rejected", untouched: "confirmed"} {
		if got := status(t, ana.Store, id); got != want {
			t.Errorf("candidate %s is %s, want %s", id, got, want)
		}
	}

	// Asked to, the import records the held rows (and nothing twice).
	n = decisionCount(t, ana.Store)
	plan, err = decisions.ImportDecisions(ctx, ana, path, decisions.ImportOptions{ApplyStale: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := decisionCount(t, ana.Store) - n; got != 2 || len(plan.Stale) != 2 {
		t.Errorf("with ApplyStale: recorded %d decisions (%d stale rows), want the 2 stale rows", got, len(plan.Stale))
	}
	for _, id := range []string{withdrawn, decidedSince} {
		if got := status(t, ana.Store, id); got != "confirmed" {
			t.Errorf("candidate %s is %s after ApplyStale, want confirmed", id, got)
		}
	}
	n = decisionCount(t, ana.Store)
	if plan, err = decisions.ImportDecisions(ctx, ana, path, decisions.ImportOptions{}); err != nil || len(plan.Stale) != 0 || decisionCount(t, ana.Store) != n {
		t.Errorf("the same sheet again: %v, stale %v, %d new decisions; want nothing", err, plan.Stale, decisionCount(t, ana.Store)-n)
	}
}

// Notes go out in a fresh export's note column, and the sheet comes back
// without recording them again, whoever wrote them; a changed note is
// recorded as the importer's.
func TestExportCarriesNotes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := exportProject(t, "focus-group-2.txt")
	exportRun(t, dir)
	ana := exportReviewer(t, dir)
	bo := *ana
	bo.Name = "bo"
	cands, err := ana.Store.Candidates(ctx, store.CandidateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := cands[0].ID, cands[1].ID
	if _, err := bo.Record(ctx, []decisions.Decision{{Candidate: a, Action: store.ActionNote, Value: "ask Kari"}, {Candidate: b, Action: store.ActionConfirm, Note: "first draft"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Record(ctx, []decisions.Decision{{Candidate: b, Action: store.ActionNote, Value: "clear case"}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "review.xlsx")
	rows := exportTo(t, ana.Store, store.CandidateFilter{}, path, writeXLSXFile)
	notes := map[string]string{}
	for _, r := range rows {
		notes[r.ID] = r.Note
	}
	if notes[a] != "ask Kari" || notes[b] != "clear case" {
		t.Fatalf("exported notes %q and %q, want bo's current notes", notes[a], notes[b])
	}

	// Ana confirms a and leaves the notes as they are: only her confirm.
	fillXLSX(t, path, map[string]string{a: "confirm"}, nil)
	n := decisionCount(t, ana.Store)
	plan, err := decisions.ImportDecisions(ctx, ana, path, decisions.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := decisionCount(t, ana.Store) - n; got != 1 || len(plan.Decisions()) != 1 || plan.Decisions()[0].Note != "" {
		t.Errorf("recorded %d decisions (%+v), want ana's confirm alone", got, plan.Decisions())
	}

	// Ana edits b's note: recorded under her name, and the next export
	// shows it.
	fillXLSX(t, path, nil, map[string]string{b: "clear case, but see fg-2"})
	if _, err := decisions.ImportDecisions(ctx, ana, path, decisions.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	hist, err := ana.Store.History(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if last := hist[len(hist)-1]; last.Action != store.ActionNote || last.Reviewer != "ana" || last.Value != "clear case, but see fg-2" {
		t.Errorf("last entry on %s: %+v, want ana's edited note", b, last)
	}
	rows = exportTo(t, ana.Store, store.CandidateFilter{}, path, writeXLSXFile)
	for _, r := range rows {
		if r.ID == b && r.Note != "clear case, but see fg-2" {
			t.Errorf("fresh export: note %q, want ana's edited note", r.Note)
		}
	}
	got, err := ana.Store.Notes(ctx, []string{b})
	if err != nil {
		t.Fatal(err)
	}
	if len(got[b]) != 2 || got[b][0].Reviewer != "bo" || got[b][1].Reviewer != "ana" {
		t.Errorf("notes on %s: %+v, want bo's latest then ana's", b, got[b])
	}
}

func status(t *testing.T, st *store.Store, id string) string {
	t.Helper()
	cs, err := st.Candidates(context.Background(), store.CandidateFilter{IDs: []string{id}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("candidate %s: %v (%d found)", id, err, len(cs))
	}
	return cs[0].Status
}

// removeCode takes the code named name (a leaf) out of a codebook's YAML:
// its "- name:" line and the more indented lines under it.
func removeCode(t *testing.T, yaml []byte, name string) []byte {
	t.Helper()
	lines := strings.SplitAfter(string(yaml), "\n")
	var out []string
	indent := -1 // the removed code's, while removing
	found := false
	for _, l := range lines {
		n := len(l) - len(strings.TrimLeft(l, " "))
		if indent >= 0 && (n > indent || strings.TrimSpace(l) == "") {
			continue
		}
		indent = -1
		if strings.TrimSpace(l) == "- name: "+name {
			indent, found = n, true
			continue
		}
		out = append(out, l)
	}
	if !found {
		t.Fatalf("no code %q in the codebook", name)
	}
	return []byte(strings.Join(out, ""))
}
