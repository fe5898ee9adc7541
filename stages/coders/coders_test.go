package coders_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/coders"
	"github.com/alongside-qda/alongside/stages/decisions"
	"github.com/alongside-qda/alongside/stages/export"
	"github.com/xuri/excelize/v2"
)

// annomiCSV is the AnnoMI table (public domain; see its README): each
// utterance carries an expert's label, main_therapist_behaviour or
// client_talk_type.
const annomiCSV = "../../corpus/testdata/annomi/AnnoMI-simple.csv"

// Four conversations with change and sustain talk, reflections and
// questions: enough for a per-code table, small enough for -race.
var conversations = []string{"1", "20", "66", "109"}

type utterance struct {
	seconds      float64
	interlocutor string
	text         string
	label        string // client_talk_type or main_therapist_behaviour
}

// writeConversations writes the conversations as plain-text transcripts
// ("[HH:MM:SS] speaker: text") and returns their utterances by transcript
// ID.
func writeConversations(t *testing.T, dir string) map[string][]utterance {
	t.Helper()
	f, err := os.Open(annomiCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	texts := map[string]*strings.Builder{}
	out := map[string][]utterance{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id := rec[col["transcript_id"]]
		if !slices.Contains(conversations, id) {
			continue
		}
		num, _ := strconv.Atoi(id)
		tid := fmt.Sprintf("annomi-%03d", num)
		if texts[tid] == nil {
			texts[tid] = &strings.Builder{}
		}
		text := strings.Join(strings.Fields(rec[col["utterance_text"]]), " ")
		who := rec[col["interlocutor"]]
		fmt.Fprintf(texts[tid], "[%s] %s: %s\n\n", rec[col["timestamp"]], who, text)
		var h, m, s int
		fmt.Sscanf(rec[col["timestamp"]], "%d:%d:%d", &h, &m, &s)
		label := rec[col["client_talk_type"]]
		if who == "therapist" {
			label = rec[col["main_therapist_behaviour"]]
		}
		out[tid] = append(out[tid], utterance{float64(h*3600 + m*60 + s), who, text, label})
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for tid, b := range texts {
		if err := os.WriteFile(filepath.Join(dir, tid+".txt"), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) != len(conversations) {
		t.Fatalf("found %d of the conversations %v", len(out), conversations)
	}
	return out
}

// label finds the expert label of the utterance a candidate was cut from:
// the one of its speaker, at or after its turn's time, whose text holds
// the candidate's.
func label(t *testing.T, us []utterance, c store.Candidate) string {
	t.Helper()
	text := strings.Join(strings.Fields(c.Text), " ")
	for _, u := range us {
		if u.interlocutor == c.Speaker && (c.StartTime == nil || u.seconds >= *c.StartTime) && strings.Contains(u.text, text) {
			return u.label
		}
	}
	t.Fatalf("%s: no utterance of %s holds %q", c.ID, c.Transcript, c.Text)
	return ""
}

// The categories a coder following AnnoMI's labels gives, per code: the
// label that confirms, the label that re-codes (and to what), the rest
// reject.
var follow = map[string]struct{ confirm, recodeLabel, recodeTo string }{
	"Client talk/Change talk": {"change", "sustain", "Client talk/Sustain talk"},
	"Therapist/Reflection":    {"reflection", "question", "Therapist/Question"},
}

// decision is what a sheet's decision cell says: confirm, reject or a path.
func expertDecision(c store.Candidate, label string) string {
	f := follow[c.Code]
	switch label {
	case f.confirm:
		return "confirm"
	case f.recodeLabel:
		return f.recodeTo
	}
	return "reject"
}

func category(decision string) string {
	if decision == "confirm" || decision == "reject" {
		return decision
	}
	return "recode:" + decision
}

// kappa, percent and alpha for two coders without missing values,
// computed here from the two lists of categories, without package
// agreement: Cohen's kappa from the marginals; alpha from the pooled
// values, Do = 2*mismatches/n... over n = 2N values.
func independent(a, b []string) (percent, kappa, alpha float64) {
	n := float64(len(a))
	agreed := 0
	ca, cb, pooled := map[string]float64{}, map[string]float64{}, map[string]float64{}
	for i := range a {
		if a[i] == b[i] {
			agreed++
		}
		ca[a[i]]++
		cb[b[i]]++
		pooled[a[i]]++
		pooled[b[i]]++
	}
	percent = float64(agreed) / n
	pe := 0.0
	for c, k := range ca {
		pe += k / n * cb[c] / n
	}
	kappa = (percent - pe) / (1 - pe)
	// Alpha: 2N values; each disagreeing unit gives 2 mismatching ordered
	// pairs (weight 1/(m-1) = 1), so Do = 2*(N-agreed)/(2N); De is the
	// share of mismatching ordered pairs among all 2N values.
	values := 2 * n
	do := 2 * (n - float64(agreed)) / values
	sumSq := 0.0
	for _, k := range pooled {
		sumSq += k * k
	}
	de := (values*values - sumSq) / (values * (values - 1))
	alpha = 1 - do/de
	return
}

func TestBlindDoubleCodingOnAnnoMI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	utts := writeConversations(t, filepath.Join(dir, "transcripts"))
	cb, err := codebook.Read("testdata/annomi-talk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := stages.CheckCodebook(cb); err != nil {
		t.Fatal(err)
	}
	p := stages.Project{Dir: dir}
	if _, err := stages.Run(ctx, p, stages.Options{Transcripts: []string{"transcripts"}, Workers: 2, Codebook: cb}); err != nil {
		t.Fatal(err)
	}
	st, err := p.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cands, err := st.Candidates(ctx, store.CandidateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }

	// Ana follows AnnoMI's labels, on the command line's path (Record).
	expert := map[string]string{} // candidate -> ana's decision
	var anaDs []decisions.Decision
	for _, c := range cands {
		d := expertDecision(c, label(t, utts[c.Transcript], c))
		expert[c.ID] = d
		if d == "confirm" || d == "reject" {
			anaDs = append(anaDs, decisions.Decision{Candidate: c.ID, Action: d})
		} else {
			anaDs = append(anaDs, decisions.Decision{Candidate: c.ID, Action: store.ActionRecode, Value: d})
		}
	}
	ana := &decisions.Reviewer{Store: st, Codebook: cb, Name: "ana", Now: now}
	created, err := ana.Record(ctx, anaDs)
	if err != nil {
		t.Fatal(err)
	}
	perCode := map[string]int{}
	for _, d := range expert {
		perCode[d]++
	}
	t.Logf("%d candidates in %d conversations; ana's decisions %v; %d re-coded", len(cands), len(conversations), perCode, len(created))
	if len(cands) < 60 || perCode["confirm"] < 10 || perCode["reject"] < 10 || len(created) < 5 {
		t.Fatalf("too little to measure: %d candidates, %v", len(cands), perCode)
	}

	// Ben works blind on another machine, from an exported sheet: it shows
	// none of ana's decisions, nor the candidates her re-codes created.
	var sheet bytes.Buffer
	rows, err := export.ExportRows(ctx, st, store.CandidateFilter{Reviewer: "ben"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(cands) {
		t.Fatalf("ben's blind sheet has %d rows, want the %d proposed candidates", len(rows), len(cands))
	}
	for _, r := range rows {
		if r.Status != "proposed" || r.DecidedBy != "" || store.RecodedFrom(r.Candidate) != "" {
			t.Fatalf("ben's blind sheet shows %s as %s (decided by %q)", r.ID, r.Status, r.DecidedBy)
		}
	}
	if err := export.WriteXLSX(&sheet, rows); err != nil {
		t.Fatal(err)
	}
	// He makes errors at a known rate: a quarter of his decisions, drawn
	// from a seeded source, are another category than the expert's.
	const errorRate = 0.25
	rng := rand.New(rand.NewPCG(2026, 15))
	benDecision := map[string]string{}
	wrong := map[string]bool{}
	x, err := excelize.OpenReader(&sheet)
	if err != nil {
		t.Fatal(err)
	}
	cell := func(column string, row int) string { // by header, as an analyst finds it
		name, _ := excelize.CoordinatesToCellName(slices.Index(export.ExportColumns, column)+1, row)
		return name
	}
	for i, r := range rows {
		d := expert[r.ID]
		if rng.Float64() < errorRate {
			f := follow[r.Code]
			others := slices.DeleteFunc([]string{"confirm", "reject", f.recodeTo}, func(s string) bool { return s == d })
			d = others[rng.IntN(len(others))]
			wrong[r.ID] = true
			x.SetCellValue(export.SheetName, cell("note", i+2), "not sure")
		}
		benDecision[r.ID] = d
		x.SetCellValue(export.SheetName, cell("decision", i+2), d)
	}
	benFile := filepath.Join(dir, "ben.xlsx")
	if err := x.SaveAs(benFile); err != nil {
		t.Fatal(err)
	}
	ben := &decisions.Reviewer{Store: st, Codebook: cb, Name: "ben", Now: now}
	if _, err := decisions.ImportDecisions(ctx, ben, benFile, decisions.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("ben: %d of %d decisions wrong (rate %.2f)", len(wrong), len(rows), float64(len(wrong))/float64(len(rows)))

	// Blind views keep each coder's own.
	for _, who := range []string{"ana", "ben"} {
		mine, err := st.Candidates(ctx, store.CandidateFilter{Reviewer: who})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range mine {
			if store.RecodedFrom(c) != "" {
				continue
			}
			d := expert[c.ID]
			if who == "ben" {
				d = benDecision[c.ID]
			}
			want := map[string]string{"confirm": "confirmed"}[d]
			if want == "" {
				want = "rejected"
			}
			if c.Status != want || c.DecidedBy != who {
				t.Fatalf("%s's view of %s: %s by %q, want %s by %s", who, c.ID, c.Status, c.DecidedBy, want, who)
			}
		}
	}

	// The agreement table, against the independent computation.
	study, err := coders.Load(ctx, st, coders.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(study.Coders, []string{"ana", "ben"}) {
		t.Fatalf("coders %v", study.Coders)
	}
	report, err := study.Report()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := study.Report()
	if !reflect.DeepEqual(report, again) {
		t.Errorf("two reports over the same decisions differ:\n%+v\n%+v", report, again)
	}
	lists := map[string][2][]string{} // code -> ana's and ben's categories
	for _, c := range cands {
		for _, code := range []string{coders.AllCodes, c.Code} {
			l := lists[code]
			l[0] = append(l[0], category(expert[c.ID]))
			l[1] = append(l[1], category(benDecision[c.ID]))
			lists[code] = l
		}
	}
	if len(report) != 3 {
		t.Fatalf("%d rows, want all codes and the 2 codes with candidates", len(report))
	}
	for _, row := range report {
		l := lists[row.Code]
		percent, kappa, alpha := independent(l[0], l[1])
		t.Logf("%-24s units %3d  agreement %.3f  kappa %.3f  alpha %.3f [%.3f, %.3f]  disagreements %d",
			row.Code, row.Units, row.Pairs[0].Percent, row.Pairs[0].Kappa, row.Alpha, row.Low, row.High, row.Disagreements)
		if row.Units != len(l[0]) || row.Pairable != len(l[0]) || len(row.Pairs) != 1 || row.Pairs[0].Units != len(l[0]) {
			t.Errorf("%s: %d units, %d pairable, pairs %+v; want %d", row.Code, row.Units, row.Pairable, row.Pairs, len(l[0]))
			continue
		}
		near := func(what string, got coders.Num, want float64) {
			if math.Abs(float64(got)-want) > 1e-12 {
				t.Errorf("%s: %s %.15f, computed here %.15f", row.Code, what, float64(got), want)
			}
		}
		near("percent agreement", row.Pairs[0].Percent, percent)
		near("kappa", row.Pairs[0].Kappa, kappa)
		near("alpha", row.Alpha, alpha)
		if !(row.Low <= row.Alpha && row.Alpha <= row.High) || row.High-row.Low > 0.5 {
			t.Errorf("%s: alpha %.3f outside its interval [%.3f, %.3f]", row.Code, row.Alpha, row.Low, row.High)
		}
		if row.Code == coders.AllCodes && row.Disagreements != len(wrong) {
			t.Errorf("%d disagreements, want ben's %d errors", row.Disagreements, len(wrong))
		}
	}

	// The disagreement sheet: every unit ben got wrong, with both
	// decisions and ben's note.
	table, err := coders.DisagreementTable(ctx, st, study, study.Disagreements())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := export.WriteTableCSV(&out, table); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"id", "code", "transcript", "speaker", "time", "text", "before", "after", "ana: decision", "ana: note", "ben: decision", "ben: note", "consensus", "note"}
	if !reflect.DeepEqual(recs[0], wantHeader) {
		t.Fatalf("header %q", recs[0])
	}
	if len(recs)-1 != len(wrong) {
		t.Errorf("%d disagreements on the sheet, want %d", len(recs)-1, len(wrong))
	}
	for _, rec := range recs[1:] {
		id := rec[0]
		if !wrong[id] || rec[8] != expert[id] || rec[9] != "" || rec[10] != benDecision[id] || rec[11] != "not sure" || rec[12] != "" {
			t.Errorf("disagreement row %q", rec)
		}
		rec[12], rec[13] = expert[id], "agreed in the meeting" // the consensus: the expert was right
	}
	consensusFile := filepath.Join(dir, "disagreements.csv")
	var filled bytes.Buffer
	w := csv.NewWriter(&filled)
	w.WriteAll(recs)
	if err := os.WriteFile(consensusFile, filled.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// A review sheet import refuses it: its decisions are the consensus.
	if _, err := decisions.ImportDecisions(ctx, ana, consensusFile, decisions.ImportOptions{DryRun: true}); err == nil || !strings.Contains(err.Error(), "--consensus") {
		t.Errorf("importing the disagreement sheet as a review sheet: %v", err)
	}
	plan, err := coders.ImportConsensus(ctx, ana, consensusFile, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Decisions()) != len(wrong) {
		t.Errorf("recorded %d consensus decisions, want %d", len(plan.Decisions()), len(wrong))
	}
	if plan, err := coders.ImportConsensus(ctx, ana, consensusFile, false); err != nil || len(plan.Decisions()) != 0 {
		t.Errorf("importing the consensus again: %v, %d decisions", err, len(plan.Decisions()))
	}

	// Which decision counts: the consensus where there is one, both coders
	// where they agree; both judgements stay in the history.
	shared, err := st.Candidates(ctx, store.CandidateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range shared {
		from := store.RecodedFrom(c)
		switch {
		case from == "" && wrong[c.ID]:
			want := map[string]string{"confirm": "confirmed"}[expert[c.ID]]
			if want == "" {
				want = "rejected"
			}
			if c.Status != want || c.DecidedBy != "consensus" {
				t.Errorf("%s: %s by %q, want %s by consensus", c.ID, c.Status, c.DecidedBy, want)
			}
		case from == "":
			if c.DecidedBy != "ana, ben" {
				t.Errorf("%s: decided by %q, want ana, ben", c.ID, c.DecidedBy)
			}
		case wrong[from] && c.Code != expert[from]:
			// Ben's re-code the consensus overruled.
			if c.Status != "rejected" || c.DecidedBy != "consensus" {
				t.Errorf("re-coded %s (from %s): %s by %q, want rejected by consensus", c.ID, from, c.Status, c.DecidedBy)
			}
		}
	}
	for id := range wrong {
		hist, err := st.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		who := map[string]bool{}
		for _, h := range hist {
			who[h.Reviewer] = true
		}
		if !who["ana"] || !who["ben"] || !who[store.ConsensusReviewer] {
			t.Errorf("%s: history by %v, want ana, ben and the consensus", id, who)
		}
		break
	}
	after, err := coders.Load(ctx, st, coders.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := after.Report(); !reflect.DeepEqual(r, report) {
		t.Error("recording the consensus changed the agreement")
	}
}
