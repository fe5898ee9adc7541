package decisions_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/decisions"
	"github.com/alongside-qda/alongside/stages/export"
	"github.com/xuri/excelize/v2"
)

// The sample project of the repository.
const exportSample = "../../corpus/sample"

// exportProject is a copy of the sample project (configuration, codebook,
// transcripts) in a temporary folder, without the transcripts held back.
func exportProject(t *testing.T, holdBack ...string) string {
	t.Helper()
	dir := t.TempDir()
	copyFile := func(src, dst string) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(filepath.Join(exportSample, "alongside.yaml"), filepath.Join(dir, "alongside.yaml"))
	copyFile(filepath.Join(exportSample, "codebook.yaml"), filepath.Join(dir, "codebook.yaml"))
	if err := os.Mkdir(filepath.Join(dir, "transcripts"), 0o700); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir(filepath.Join(exportSample, "transcripts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.Contains(holdBack, f.Name()) {
			copyFile(filepath.Join(exportSample, "transcripts", f.Name()), filepath.Join(dir, "transcripts", f.Name()))
		}
	}
	return dir
}

// exportRun runs a batch with the project's codebook, as "alongside run"
// does.
func exportRun(t *testing.T, dir string) *stages.Summary {
	t.Helper()
	cb := exportCodebook(t, dir)
	sum, err := stages.Run(context.Background(), stages.Project{Dir: dir}, stages.Options{Transcripts: []string{"transcripts"}, Workers: 2, Codebook: cb})
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	if sum.Candidates == nil || sum.Candidates.New == 0 {
		t.Fatalf("batch %d proposed no candidates: %+v", sum.Batch, sum.Candidates)
	}
	return sum
}

func exportCodebook(t *testing.T, dir string) *codebook.Codebook {
	t.Helper()
	cb, err := codebook.Read(filepath.Join(dir, "codebook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

// exportReviewer opens the project's store for recording decisions as
// "ana"; the store closes when the test ends.
func exportReviewer(t *testing.T, dir string) *decisions.Reviewer {
	t.Helper()
	st, err := stages.Project{Dir: dir}.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	return &decisions.Reviewer{Store: st, Codebook: exportCodebook(t, dir), Name: "ana", Now: func() time.Time {
		at = at.Add(time.Second)
		return at
	}}
}

func decisionCount(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM decisions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// exportTo exports the candidates f selects and writes them to path.
func exportTo(t *testing.T, st *store.Store, f store.CandidateFilter, path string, write func(*os.File, []export.ExportRow) error) []export.ExportRow {
	t.Helper()
	rows, err := export.ExportRows(context.Background(), st, f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := write(out, rows); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
	return rows
}

func writeCSVFile(f *os.File, rows []export.ExportRow) error  { return export.WriteCSV(f, rows) }
func writeXLSXFile(f *os.File, rows []export.ExportRow) error { return export.WriteXLSX(f, rows) }

// fillXLSX writes decisions and notes into an exported workbook, by
// candidate ID, as an analyst would.
func fillXLSX(t *testing.T, path string, decisions, notes map[string]string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(export.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	column := func(name string) string { // columns are found by name, as ReadDecisions does
		i := slices.Index(rows[0], name)
		if i < 0 {
			t.Fatalf("no %q column in %v", name, rows[0])
		}
		c, _ := excelize.ColumnNumberToName(i + 1)
		return c
	}
	filled := 0
	for i, row := range rows[1:] {
		id := row[0]
		for col, values := range map[string]map[string]string{column("decision"): decisions, column("note"): notes} {
			if v, ok := values[id]; ok {
				if err := f.SetCellStr(export.SheetName, col+itoa(i+2), v); err != nil {
					t.Fatal(err)
				}
				filled++
			}
		}
	}
	if filled != len(decisions)+len(notes) {
		t.Fatalf("filled %d cells, want %d", filled, len(decisions)+len(notes))
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string {
	name, _ := excelize.CoordinatesToCellName(1, n)
	return strings.TrimPrefix(name, "A")
}

// The done-when: run, export xlsx, fill decisions in, import, run
// again with new transcripts: decisions intact, rejected candidates not
// re-proposed, new candidates added.
func TestExportXLSXRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := exportProject(t, "focus-group-2.txt")
	sum1 := exportRun(t, dir)
	r := exportReviewer(t, dir)
	path := filepath.Join(dir, "decisions.xlsx")
	rows := exportTo(t, r.Store, store.CandidateFilter{}, path, writeXLSXFile)

	// Four candidates of the focus group whose file changes below.
	var fg []store.Candidate
	for _, row := range rows {
		if row.Transcript == "focus-group-1" && len(fg) < 4 {
			fg = append(fg, row.Candidate)
		}
	}
	if len(fg) < 4 {
		t.Fatalf("focus-group-1 has %d candidates, want 4 or more", len(fg))
	}
	confirmed, rejected, recoded, noted := fg[0], fg[1], fg[2], fg[3]
	target := "Interactive-dialogic processes/Taking the perspective of the other"
	if recoded.Code == target {
		t.Fatalf("pick another target code than %q", target)
	}
	fillXLSX(t, path, map[string]string{confirmed.ID: "confirm", rejected.ID: "Reject", recoded.ID: target},
		map[string]string{rejected.ID: "not about substance use", noted.ID: "ask Kari"})

	plan, err := decisions.ImportDecisions(ctx, r, path, decisions.ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	var got []string
	for _, s := range plan.Steps {
		got = append(got, s.Candidate+" "+s.String())
	}
	want := []string{confirmed.ID + " confirm", rejected.ID + " reject + note", recoded.ID + " recode to " + target, noted.ID + " note"}
	slices.Sort(got)
	slices.Sort(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("import steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(plan.Created) != 1 {
		t.Fatalf("re-code created %v, want one candidate", plan.Created)
	}
	created := plan.Created[0]
	ids := []string{confirmed.ID, rejected.ID, recoded.ID, noted.ID, created}
	history := func() map[string][]store.DecisionEntry {
		out := map[string][]store.DecisionEntry{}
		for _, id := range ids {
			h, err := r.Store.History(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			out[id] = h
		}
		return out
	}
	before := history()
	if n := decisionCount(t, r.Store); n != 6 { // confirm; reject, note; recode, confirm (new); note
		t.Fatalf("%d decisions recorded, want 6", n)
	}
	if h := before[rejected.ID]; len(h) != 2 || h[0].Action != store.ActionReject || h[1].Value != "not about substance use" || h[0].Reviewer != "ana" {
		t.Fatalf("history of the rejected candidate: %+v", h)
	}

	// A new transcript, and an edit to the one the decisions are on (so
	// that it is matched again).
	data, err := os.ReadFile(filepath.Join(exportSample, "transcripts", "focus-group-2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "transcripts", "focus-group-2.txt"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	fg1, err := os.OpenFile(filepath.Join(dir, "transcripts", "focus-group-1.txt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fg1.WriteString("\nModerator: One more thing before we stop: the room is booked until four.\n"); err != nil {
		t.Fatal(err)
	}
	fg1.Close()
	sum2 := exportRun(t, dir)
	if sum2.New != 1 || sum2.Changed != 1 {
		t.Fatalf("second batch: %d new, %d changed transcripts, want 1 and 1", sum2.New, sum2.Changed)
	}

	if after := history(); !reflect.DeepEqual(after, before) {
		t.Errorf("decisions changed by the second batch:\nbefore %+v\nafter  %+v", before, after)
	}
	status := map[string]string{}
	all, err := r.Store.Candidates(ctx, store.CandidateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		status[c.ID] = c.Status
		if c.Status == "proposed" && c.Code == rejected.Code && c.Transcript == rejected.Transcript && c.Text == rejected.Text {
			t.Errorf("rejected candidate %s proposed again as %s", rejected.ID, c.ID)
		}
	}
	wantStatus := map[string]string{confirmed.ID: "confirmed", rejected.ID: "rejected", recoded.ID: "rejected", created: "confirmed", noted.ID: "proposed"}
	for id, want := range wantStatus {
		if status[id] != want {
			t.Errorf("candidate %s is %q after the second batch, want %q", id, status[id], want)
		}
	}

	// Keyword candidates: suggestions elsewhere may change with the corpus.
	fresh, err := r.Store.Candidates(ctx, store.CandidateFilter{Since: sum2.Batch, Origin: store.OriginKeyword})
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) == 0 {
		t.Fatal("the new transcript added no candidates")
	}
	for _, c := range fresh {
		if c.Transcript != "focus-group-2" || c.Batch < sum2.Batch || c.Status != "proposed" {
			t.Errorf("candidate since batch %d: %s %s batch %d %s", sum2.Batch, c.ID, c.Transcript, c.Batch, c.Status)
		}
	}
	if len(fresh) >= len(all) || sum2.Batch <= sum1.Batch {
		t.Errorf("--since %d selected %d of %d candidates", sum2.Batch, len(fresh), len(all))
	}

	// The file imported again after the batch: nothing new.
	n := decisionCount(t, r.Store)
	if _, err := decisions.ImportDecisions(ctx, r, path, decisions.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if m := decisionCount(t, r.Store); m != n {
		t.Errorf("importing the file again recorded %d more decisions", m-n)
	}
}

// csvEdit sets cells of an exported CSV file by row number (as a
// spreadsheet numbers rows) and column name.
type csvEdit map[int]map[string]string

// fillCSV writes a copy of an exported CSV with edits, as a spreadsheet
// saves it (with the byte order mark, cells as typed).
func fillCSV(t *testing.T, src, dst string, edits csvEdit) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for row, cells := range edits {
		for name, v := range cells {
			recs[row-1][slices.Index(export.ExportColumns, name)] = v
		}
	}
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.WriteAll(recs)
	if err := os.WriteFile(dst, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestImportDecisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := exportProject(t)
	exportRun(t, dir)
	r := exportReviewer(t, dir)
	exported := filepath.Join(dir, "export.csv")
	rows := exportTo(t, r.Store, store.CandidateFilter{}, exported, writeCSVFile)
	if len(rows) < 10 {
		t.Fatalf("%d candidates exported, want 10 or more", len(rows))
	}
	id := func(row int) string { return rows[row-2].ID }
	other := "Substance use/Smoking"
	if rows[4].Code == other {
		other = "Substance use/Alcohol"
	}

	t.Run("context", func(t *testing.T) {
		crossed := false
		for _, row := range rows {
			tr, err := r.Store.Version(ctx, row.Transcript, row.Version)
			if err != nil {
				t.Fatal(err)
			}
			// Every sentence of the transcript in order, across turns.
			type at struct{ turn, sentence int }
			var order []at
			for ti, turn := range tr.Turns {
				for si := range turn.Sentences {
					order = append(order, at{ti, si})
				}
			}
			text := func(i int) string {
				if i < 0 || i >= len(order) {
					return ""
				}
				return corpus.Cut(tr.Text, tr.Turns[order[i].turn].Sentences[order[i].sentence].Span)
			}
			first := slices.Index(order, at{row.Turn, row.First})
			last := slices.Index(order, at{row.Turn, row.Last})
			// One sentence each side; another speaker's sentence is named,
			// and so is the candidate's speaker after it; a turn that goes
			// on beyond what is shown is marked.
			label := func(turn int) string { return corpus.SpeakerLabel(tr.Turns[turn].Speaker) + ": " }
			wantBefore, wantAfter := "", ""
			if first > 0 {
				b := order[first-1]
				if b.sentence > 0 {
					wantBefore = corpus.Gap + " "
				}
				if b.turn != row.Turn {
					wantBefore += label(b.turn) + text(first-1) + " " + strings.TrimSpace(label(row.Turn))
				} else if last+1 < len(order) && order[last+1].turn != row.Turn {
					wantBefore += label(b.turn) + text(first-1) // the context crosses after: every part named
				} else {
					wantBefore += text(first - 1)
				}
			}
			if last+1 < len(order) {
				a := order[last+1]
				if a.turn != row.Turn {
					wantAfter = label(a.turn)
				}
				wantAfter += text(last + 1)
				if a.sentence < len(tr.Turns[a.turn].Sentences)-1 {
					wantAfter += " " + corpus.Gap
				}
			}
			if row.Before != wantBefore || row.After != wantAfter {
				t.Errorf("candidate %s: context %q / %q, want %q / %q", row.ID, row.Before, row.After, wantBefore, wantAfter)
			}
			crossed = crossed || (row.First == 0 && row.Turn > 0 && row.Before != "")
		}
		if !crossed {
			t.Error("no candidate's context came from the turn before")
		}
	})

	t.Run("dry run records nothing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "decisions.csv")
		fillCSV(t, exported, path, csvEdit{2: {"decision": "confirm"}, 3: {"note": "hm"}, 4: {"decision": other}})
		plan, err := decisions.ImportDecisions(ctx, r, path, decisions.ImportOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Decisions()) != 3 || plan.Steps[2].String() != "recode to "+other {
			t.Errorf("dry run plan: %+v", plan.Steps)
		}
		if n := decisionCount(t, r.Store); n != 0 {
			t.Errorf("a dry run recorded %d decisions", n)
		}
	})

	t.Run("bad rows refuse the file", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			edits csvEdit
			want  []string // the error, one line per bad row
		}{
			{"unknown id", csvEdit{7: {"id": "c123", "decision": "confirm"}},
				[]string{`row 7: candidate "c123": no such candidate`}},
			{"unknown code path", csvEdit{5: {"decision": "Substance use/Gambling"}},
				[]string{`row 5: candidate "` + id(5) + `": re-code to "Substance use/Gambling": no such code in the codebook`}},
			{"unknown word", csvEdit{6: {"decision": "maybe"}},
				[]string{`row 6: candidate "` + id(6) + `": decision "maybe": write confirm, reject, or a code path from the codebook`}},
			{"its own code", csvEdit{6: {"decision": rows[4].Code}},
				[]string{`row 6: candidate "` + id(6) + `": "` + rows[4].Code + `" is its code already: write confirm to keep it`}},
			{"unreadable cell", csvEdit{8: {"note": "bl\xf8tt"}},
				[]string{`row 8: note: not UTF-8 text; save the file as CSV UTF-8`}},
			{"no id", csvEdit{9: {"id": "", "decision": "reject"}},
				[]string{`row 9: no candidate id in the id column`}},
			{"same candidate twice", csvEdit{10: {"id": id(2), "decision": "reject"}},
				[]string{`row 10: candidate "` + id(2) + `": also on row 2`}},
			{"every bad row", csvEdit{4: {"decision": "yes"}, 9: {"id": "cnope", "note": "x"}},
				[]string{`row 4: candidate "` + id(4) + `": decision "yes": write confirm, reject, or a code path from the codebook`,
					`row 9: candidate "cnope": no such candidate`}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "decisions.csv")
				tc.edits[2] = map[string]string{"decision": "confirm", "note": "fine"} // a good row
				fillCSV(t, exported, path, tc.edits)
				for _, dry := range []bool{true, false} {
					_, err := decisions.ImportDecisions(ctx, r, path, decisions.ImportOptions{DryRun: dry})
					var ie *export.ImportError
					if !errors.As(err, &ie) {
						t.Fatalf("import: %v, want an *export.ImportError", err)
					}
					var got []string
					for _, row := range ie.Rows {
						got = append(got, row.Error())
					}
					if !reflect.DeepEqual(got, tc.want) {
						t.Errorf("bad rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
					}
					if len(tc.want) == 1 && err.Error() != path+": "+tc.want[0] {
						t.Errorf("error %q, want %q", err, path+": "+tc.want[0])
					}
				}
				if n := decisionCount(t, r.Store); n != 0 {
					t.Errorf("a refused file recorded %d decisions", n)
				}
			})
		}
	})

	t.Run("csv round trip, twice", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "decisions.csv")
		// Cells as a spreadsheet saves them: a quote before what would
		// run as a formula, taken off again on import.
		fillCSV(t, exported, path, csvEdit{
			2: {"decision": " Confirm ", "note": "'=SUM(A1:A2)"},
			3: {"decision": "reject", "note": "'-- not this one"},
			4: {"decision": strings.ToLower(other)},
			5: {"note": "'quoted on purpose"},
		})
		plan, err := decisions.ImportDecisions(ctx, r, path, decisions.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Created) != 1 {
			t.Errorf("created %v, want one re-coded candidate", plan.Created)
		}
		wantLog := map[string][]string{
			id(2): {"confirm ", "note =SUM(A1:A2)"},
			id(3): {"reject ", "note -- not this one"},
			id(4): {"recode " + other},
			id(5): {"note 'quoted on purpose"},
		}
		for cid, want := range wantLog {
			h, err := r.Store.History(ctx, cid)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range h {
				got = append(got, e.Action+" "+e.Value)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("history of %s: %q, want %q", cid, got, want)
			}
		}
		n := decisionCount(t, r.Store)
		again, err := decisions.ImportDecisions(ctx, r, path, decisions.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if m := decisionCount(t, r.Store); m != n {
			t.Errorf("importing the same file twice recorded %d more decisions", m-n)
		}
		for _, s := range again.Steps {
			if s.Action != "" {
				t.Errorf("second import: row %d: %s", s.Row, s)
			}
		}

		// Another reviewer's agreement is recorded; a disagreement with
		// a decision made after the sheet was exported is held back until
		// asked for; a changed row of the first reviewer's is recorded.
		fillCSV(t, exported, path, csvEdit{2: {"decision": "confirm"}, 3: {"decision": "confirm"}})
		bo := *r
		bo.Name = "bo"
		if plan, err := decisions.ImportDecisions(ctx, &bo, path, decisions.ImportOptions{DryRun: true}); err != nil || len(plan.Decisions()) != 1 || len(plan.Stale) != 1 || plan.Stale[0].Row != 3 {
			t.Errorf("bo's import: %v, %+v; want 1 decision and row 3 stale", err, plan)
		}
		if plan, err := decisions.ImportDecisions(ctx, &bo, path, decisions.ImportOptions{DryRun: true, ApplyStale: true}); err != nil || len(plan.Decisions()) != 2 {
			t.Errorf("bo's import with ApplyStale: %v, %+v; want 2 decisions", err, plan)
		}
		if plan, err := decisions.ImportDecisions(ctx, r, path, decisions.ImportOptions{DryRun: true}); err != nil || len(plan.Decisions()) != 1 || plan.Steps[1].Action != store.ActionConfirm {
			t.Errorf("ana's changed file: %v, %+v; want row 3 confirmed", err, plan)
		}
	})
}

func sampleRows() []export.ExportRow {
	sec := 3725.5
	return []export.ExportRow{
		{Candidate: store.Candidate{ID: "c1", Code: "Interactive-dialogic processes/Walking alongside", Transcript: "fg-1", Speaker: "@P1",
			Role: "participant", Participant: "P01", StartTime: &sec, Start: 100, End: 147, Text: "=I walk with them; walking alongside matters.", Status: "proposed",
			Matches: []store.MatchSpan{{Text: "walk", Start: 103, End: 107}, {Text: "with", Start: 108, End: 112}, {Text: "walking", Start: 119, End: 126}, {Text: "alongside", Start: 127, End: 136}}},
			Before: "-", After: "'=x", LogSeq: 7},
		{Candidate: store.Candidate{ID: "c2", Code: "Substance use/Alcohol", Transcript: "annomi-000", Speaker: "client", Start: 5, End: 20,
			Text: "No match here.", Status: "confirmed", Rules: []string{"drink*", `"cut down"`}}, Note: "see memo", LogSeq: 7},
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := export.WriteCSV(&b, sampleRows()); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if !bytes.HasPrefix(data, []byte("\ufeffid,code,")) {
		t.Fatalf("no byte order mark and header: %q", data[:min(20, len(data))])
	}
	if !bytes.Contains(data, []byte("log_seq,blind_for\r\n")) {
		t.Errorf("lines do not end in CRLF")
	}
	recs, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"c1", "Interactive-dialogic processes/Walking alongside", "fg-1", "'@P1", "participant", "P01", "01:02:05",
		"'=I walk with them; walking alongside matters.", "'-", "''=x", "walk with, walking alongside", "", "proposed", "", "", "", "7", ""}
	if !reflect.DeepEqual(recs[1], want) {
		t.Errorf("row 2:\n%q\nwant\n%q", recs[1], want)
	}
	if want := []string{"drink*; \"cut down\"", "confirmed", "", "", "see memo", "7", ""}; !reflect.DeepEqual(recs[2][11:], want) {
		t.Errorf("row 3 ends %q, want rules, status, no decision, the note, log_seq and no blind reviewer: %q", recs[2][11:], want)
	}

	// Read back: the quotes added come off, the analyst's columns are found
	// by name, even with semicolons for separators.
	recs[1][14], recs[1][15] = "confirm", "'=x"
	recs[2][15] = "'-1 is fine"
	path := filepath.Join(t.TempDir(), "d.csv")
	var out bytes.Buffer
	out.WriteString("\ufeff")
	w := csv.NewWriter(&out)
	w.Comma = ';'
	w.WriteAll(recs)
	os.WriteFile(path, out.Bytes(), 0o600)
	got, err := export.ReadDecisions(path)
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []export.ImportRow{{Row: 2, ID: "c1", Decision: "confirm", Note: "=x", LogSeq: 7}, {Row: 3, ID: "c2", Note: "-1 is fine", LogSeq: 7}}
	if !reflect.DeepEqual(got, wantRows) {
		t.Errorf("read back %+v, want %+v", got, wantRows)
	}
}

func TestReadDecisionsErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, data, want string }{
		{"no decision column", "id,code,note\r\nc1,x,y\r\n", `row 1: no "decision" column`},
		{"utf-16", "\xff\xfei\x00d\x00", "UTF-16; save it as CSV UTF-8"},
		{"bad quote", "id,decision\r\nc1,confirm\r\nc2,\"con\"firm\r\n", `row 3 (line 3): extraneous or missing " in quoted-field`},
		{"empty", "", "empty"},
		{"not a table.txt", "id,decision\r\n", "not a .csv or .xlsx file"},
	} {
		name := tc.name + ".csv"
		if strings.HasSuffix(tc.name, ".txt") {
			name = tc.name
		}
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(tc.data), 0o600)
		_, err := export.ReadDecisions(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want an error naming the file and %q", tc.name, err, tc.want)
		}
	}
}

func TestWriteXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.xlsx")
	var b bytes.Buffer
	rows := sampleRows()
	if err := export.WriteXLSX(&b, rows); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, b.Bytes(), 0o600)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{export.SheetName}) {
		t.Errorf("sheets %q", got)
	}
	panes, err := f.GetPanes(export.SheetName)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v (%v), want the header row frozen", panes, err)
	}
	filter := ""
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm._FilterDatabase" && d.Scope == export.SheetName {
			filter = d.RefersTo
		}
	}
	if filter != "'Candidates'!$A$1:$R$3" {
		t.Errorf("autofilter on %q, want the header and both rows", filter)
	}
	// The worksheet's own autoFilter element is what gives Excel its
	// filter buttons; the defined name alone does not.
	if sheet := zipEntry(t, path, "xl/worksheets/sheet1.xml"); !strings.Contains(sheet, `<autoFilter ref="$A$1:$R$3">`) {
		t.Errorf("no autoFilter element in the worksheet")
	}
	for _, col := range []string{"Q", "R"} {
		if visible, err := f.GetColVisible(export.SheetName, col); err != nil || visible {
			t.Errorf("column %s (log_seq, blind_for) visible %v (%v), want hidden", col, visible, err)
		}
	}
	for _, cell := range []string{"A1", "H2", "I2", "P3"} {
		id, err := f.GetCellStyle(export.SheetName, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Alignment == nil || !st.Alignment.WrapText {
			t.Errorf("%s does not wrap", cell)
		}
		if bold := st.Font != nil && st.Font.Bold; bold != (cell == "A1") {
			t.Errorf("%s bold %v", cell, bold)
		}
	}
	got, err := f.GetRows(export.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{export.ExportColumns,
		{"c1", "Interactive-dialogic processes/Walking alongside", "fg-1", "@P1", "participant", "P01", "01:02:05", rows[0].Text, "-", "'=x", "walk with, walking alongside", "", "proposed", "", "", "", "7"},
		{"c2", "Substance use/Alcohol", "annomi-000", "client", "", "", "", "No match here.", "", "", "", `drink*; "cut down"`, "confirmed", "", "", "see memo", "7"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cells:\n%q\nwant\n%q", got, want)
	}
	if typ, _ := f.GetCellType(export.SheetName, "H2"); typ == excelize.CellTypeFormula {
		t.Error("a passage starting with = became a formula")
	}

	runs, err := f.GetCellRichText(export.SheetName, "H2")
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	var bold []string
	for _, r := range runs {
		all.WriteString(r.Text)
		if r.Font != nil && r.Font.Bold {
			bold = append(bold, r.Text)
		}
	}
	if all.String() != rows[0].Text || !reflect.DeepEqual(bold, []string{"walk with", "walking alongside"}) {
		t.Errorf("passage runs %q, bold %q", all.String(), bold)
	}
	if runs, _ := f.GetCellRichText(export.SheetName, "H3"); len(runs) > 1 {
		t.Errorf("a passage without matches has runs %+v", runs)
	}

	// Read back: an analyst's decision, and a cell holding an error value
	// (which excelize cannot write: patch the sheet's XML).
	f.SetCellStr(export.SheetName, "O2", "reject")
	f.SetCellInt(export.SheetName, "P3", 12345)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	dec, err := export.ReadDecisions(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []export.ImportRow{{Row: 2, ID: "c1", Decision: "reject", LogSeq: 7}, {Row: 3, ID: "c2", Note: "12345", LogSeq: 7}}; !reflect.DeepEqual(dec, want) {
		t.Errorf("read back %+v, want %+v", dec, want)
	}
	patchZip(t, path, "xl/worksheets/sheet1.xml", regexp.MustCompile(`<c r="P3"([^>]*)><v>12345</v></c>`), `<c r="P3"$1 t="e"><v>#N/A</v></c>`)
	dec, err = export.ReadDecisions(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(dec) != 2 || dec[1].Err == nil || dec[1].Err.Error() != "note: cell P3 holds the error #N/A" {
		t.Errorf("read back %+v, want row 3 unreadable", dec)
	}
}

// zipEntry returns one file of a zip archive.
func zipEntry(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// patchZip rewrites one file of a zip archive with a regular expression,
// which must match.
func patchZip(t *testing.T, path, name string, re *regexp.Regexp, repl string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			if !re.Match(data) {
				t.Fatalf("%s: no match for %s in %s", path, re, name)
			}
			data = re.ReplaceAll(data, []byte(repl))
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue 14.2 in the XLSX sheet: context that reaches into another turn
// names its speakers, and a turn that goes on beyond what is shown is
// marked; the CSV has the same cells (TestImportDecisions/context checks
// them one by one).
func TestXLSXContextNamesSpeakers(t *testing.T) {
	ctx := context.Background()
	dir := exportProject(t)
	exportRun(t, dir)
	r := exportReviewer(t, dir)
	rows, err := export.ExportRows(ctx, r.Store, store.CandidateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "review.xlsx")
	exportTo(t, r.Store, store.CandidateFilter{}, path, writeXLSXFile)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cells, err := f.GetRows(export.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	columns, _ := export.Columns(rows)
	before, after, speaker := slices.Index(columns, "before"), slices.Index(columns, "after"), slices.Index(columns, "speaker")
	labelled, gaps := 0, 0
	for i, line := range cells[1:] {
		for len(line) < len(columns) {
			line = append(line, "")
		}
		for _, c := range []string{line[before], line[after]} {
			if strings.Contains(c, corpus.Gap) {
				gaps++
			}
		}
		// Context from another turn starts with, or holds, "Label:".
		if b := line[before]; b != "" && rows[i].Before != b {
			t.Errorf("row %d: before cell %q, export row %q", i+2, b, rows[i].Before)
		}
		for _, c := range []string{line[before], line[after]} {
			if strings.Contains(c, ": ") && strings.Contains(c, line[speaker]+":") {
				labelled++
			}
		}
	}
	if labelled == 0 || gaps == 0 {
		t.Errorf("%d context cells name the candidate's speaker, %d mark a gap; want some of each", labelled, gaps)
	}
}
