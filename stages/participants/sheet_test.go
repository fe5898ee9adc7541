package participants_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/export"
	"github.com/alongside-qda/alongside/stages/participants"
	"github.com/alongside-qda/alongside/stages/search"
	"github.com/xuri/excelize/v2"
)

// focusGroups is a project of the sample's two sessions of one focus group.
func focusGroups(t *testing.T) (*store.Store, stages.Project) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"focus-group-1.txt", "focus-group-2.txt", "annomi-000-alcohol.txt"} {
		data, err := os.ReadFile(filepath.Join("../../corpus/sample/transcripts", name))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, "transcripts"), 0o700)
		if err := os.WriteFile(filepath.Join(dir, "transcripts", name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := stages.Project{Dir: dir}
	if _, err := stages.Run(context.Background(), p, stages.Options{Transcripts: []string{"transcripts"}, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	st, err := p.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, p
}

// fill edits the sheet as an analyst would: one ID per person across the
// two sessions, a site column, P2 of the first session a professional.
func fill(table [][]string) [][]string {
	out := [][]string{append(append([]string{}, table[0]...), "site")}
	col := map[string]int{}
	for i, c := range table[0] {
		col[c] = i
	}
	for _, line := range table[1:] {
		line = append(append([]string{}, line...), "")
		tr, sp := line[col["transcript"]], line[col["speaker"]]
		if strings.HasPrefix(tr, "focus-group-") && strings.HasPrefix(sp, "P") {
			line[col["participant"]] = "FG-" + sp // the same person in both sessions
			line[len(line)-1] = map[bool]string{true: "Drammen", false: "Oslo"}[sp == "P1" || sp == "P3"]
		}
		if tr == "focus-group-1" && sp == "P2" {
			line[col["role"]] = "professional"
		}
		out = append(out, line)
	}
	return out
}

func TestSheetRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			st, p := focusGroups(t)
			rows, err := st.Speakers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "participants."+format)
			var buf bytes.Buffer
			if format == "csv" {
				err = participants.WriteCSV(&buf, rows, nil)
			} else {
				err = participants.WriteXLSX(&buf, rows, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path, buf.Bytes(), 0o600)
			table := readTable(t, path)
			if len(table) != len(rows)+1 {
				t.Fatalf("%d lines for %d speakers", len(table), len(rows))
			}
			writeTable(t, path, fill(table))
			sheet, err := participants.ReadFile(path, rows)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.ReplaceParticipants(ctx, sheet); err != nil {
				t.Fatal(err)
			}
			after, err := st.Speakers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range after {
				switch {
				case r.Transcript == "focus-group-1" && r.Key == "p2":
					if r.Role != "professional" || r.Inferred || r.Participant != "FG-P2" || r.Attributes["site"] != "Oslo" {
						t.Errorf("P2 of session 1: %+v", r)
					}
				case strings.HasPrefix(r.Transcript, "focus-group-") && strings.HasPrefix(r.Key, "p"):
					if r.Role != "participant" || r.Participant != "FG-"+r.Label {
						t.Errorf("%s %s: %+v", r.Transcript, r.Label, r)
					}
				case r.Participant != "" || len(r.Attributes) > 0:
					t.Errorf("%s %s: the sheet gave nothing, got %+v", r.Transcript, r.Label, r)
				}
			}
			// The filters follow at once, with no run.
			s, err := search.Open(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			hits, _, err := s.Search(ctx, search.Options{Query: "NOT transcript:x site:Drammen", Limit: 0})
			if err != nil || len(hits) == 0 || len(s.Warnings) > 0 {
				t.Fatalf("site:Drammen: %d hits, %v, warnings %q", len(hits), err, s.Warnings)
			}
			sessions := map[string]bool{}
			for _, h := range hits {
				if h.Participant != "FG-P1" && h.Participant != "FG-P3" {
					t.Errorf("site:Drammen hit by %s (%s)", h.Speaker, h.Participant)
				}
				sessions[h.Transcript] = true
			}
			if len(sessions) != 2 {
				t.Errorf("site:Drammen found sessions %v, want both", sessions)
			}
			hits, _, err = s.Search(ctx, search.Options{Query: "participant:fg-p2", Limit: 0})
			if err != nil {
				t.Fatal(err)
			}
			roles := map[string]bool{}
			for _, h := range hits {
				roles[h.Transcript+" "+h.Role] = true
			}
			if !roles["focus-group-1 professional"] || !roles["focus-group-2 participant"] {
				t.Errorf("participant:fg-p2 found %v, want P2 in both sessions, a professional in the first", roles)
			}
		})
	}
}

func TestBadSheetIsRefusedWhole(t *testing.T) {
	ctx := context.Background()
	st, _ := focusGroups(t)
	rows, err := st.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "participants.csv")
	good := "transcript,speaker,role,participant,site\nfocus-group-1,P1,,FG-P1,Drammen\nfocus-group-*,Moderator,interviewer,,\n"
	tests := []struct{ name, sheet, want string }{
		{"unknown transcript", good + "focus-group-9,P1,,,\n", "row 4, column transcript: no transcript \"focus-group-9\""},
		{"speaker not in it", good + "focus-group-1,P9,,,\n", "row 4, column speaker: \"P9\" does not speak in focus-group-1"},
		{"bad role", good + "focus-group-2,P1,doctor,,\n", "row 4, column role: \"doctor\" is not a role"},
		{"twice", good + "focus-group-1,p1,,,\n", "row 4: focus-group-1 \"p1\" is on row 2 too"},
		{"bad pattern", good + "focus-group-[*,P1,,,\n", "row 4, column transcript: pattern"},
		{"no speaker column", "transcript,who\nfocus-group-1,P1\n", "row 1, column speaker: no \"speaker\" column"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(tc.sheet), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := participants.ReadFile(path, rows)
			var se *participants.SheetError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a SheetError with %q", err, tc.want)
			}
		})
	}
	// Several bad rows: every one is reported.
	os.WriteFile(path, []byte(good+"focus-group-9,P1,,,\nfocus-group-1,P1,boss,,\n"), 0o600)
	_, err = participants.ReadFile(path, rows)
	var se *participants.SheetError
	if !errors.As(err, &se) || len(se.Errors) != 3 {
		t.Errorf("two bad rows (one with two bad cells): %v", err)
	}
	// The good part alone is read.
	os.WriteFile(path, []byte(good), 0o600)
	sheet, err := participants.ReadFile(path, rows)
	if err != nil || len(sheet) != 2 || sheet[0].Attributes["site"] != "Drammen" {
		t.Errorf("good sheet: %+v %v", sheet, err)
	}
}

func readTable(t *testing.T, path string) [][]string {
	t.Helper()
	if strings.HasSuffix(path, ".xlsx") {
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(participants.SheetName)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows { // Excel leaves trailing empty cells out
			for len(rows[i]) < len(rows[0]) {
				rows[i] = append(rows[i], "")
			}
		}
		return rows
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, line := range strings.Split(strings.TrimSpace(strings.TrimPrefix(string(data), "\ufeff")), "\r\n") {
		out = append(out, strings.Split(line, ","))
	}
	return out
}

func writeTable(t *testing.T, path string, table [][]string) {
	t.Helper()
	if strings.HasSuffix(path, ".xlsx") {
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range table {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			vals := make([]any, len(line))
			for j, v := range line {
				vals[j] = v
			}
			if err := f.SetSheetRow(participants.SheetName, cell, &vals); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		return
	}
	var b strings.Builder
	for _, line := range table {
		b.WriteString(strings.Join(line, ",") + "\r\n")
	}
	os.WriteFile(path, []byte(b.String()), 0o600)
}

// Exports carry who speaks: role, participant ID and the sheet's attribute
// columns, after participant.
func TestExportsCarryParticipants(t *testing.T) {
	ctx := context.Background()
	st, p := focusGroups(t)
	cb, err := codebook.ParseYAML("codebook.yaml", []byte("codes:\n  - name: Family\n    keywords: [famil*]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stages.MatchCandidates(ctx, p, st, cb, 1, nil); err != nil {
		t.Fatal(err)
	}
	rows, _ := st.Speakers(ctx)
	sheet := []store.ParticipantRow{}
	for _, r := range rows {
		if strings.HasPrefix(r.Transcript, "focus-group-") && strings.HasPrefix(r.Label, "P") {
			sheet = append(sheet, store.ParticipantRow{Transcript: r.Transcript, SpeakerKey: r.Key, Participant: "FG-" + r.Label, Attributes: map[string]string{"site": "Site " + r.Label}})
		}
	}
	if err := st.ReplaceParticipants(ctx, sheet); err != nil {
		t.Fatal(err)
	}
	exported, err := export.ExportRows(ctx, st, store.CandidateFilter{})
	if err != nil || len(exported) == 0 {
		t.Fatalf("%d rows (%v)", len(exported), err)
	}
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, exported); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	col := func(name string) int { return slices.Index(head, name) }
	if col("role") != col("speaker")+1 || col("participant") != col("role")+1 || col("site") != col("participant")+1 {
		t.Fatalf("header %q: want speaker, role, participant, site together", head)
	}
	checked := 0
	for _, r := range recs[1:] {
		sp := r[col("speaker")]
		if strings.HasPrefix(sp, "P") {
			checked++
			if r[col("participant")] != "FG-"+sp || r[col("site")] != "Site "+sp || r[col("role")] != "participant" {
				t.Errorf("row %q: want FG-%s, Site %s, participant", r, sp, sp)
			}
		} else if r[col("participant")] != "" || r[col("site")] != "" {
			t.Errorf("row by %s has participant columns: %q", sp, r)
		}
	}
	if checked == 0 {
		t.Error("no participant's candidate to check")
	}
}
