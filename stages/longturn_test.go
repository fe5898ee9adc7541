package stages_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages"
)

// longTurn is a pasted transcript: the utterances of the first AnnoMI
// conversations in one turn with no line breaks, said twice over, so that
// candidates repeat the same text and need their occurrence numbers.
func longTurn(t *testing.T) string {
	t.Helper()
	f, err := os.Open("../corpus/testdata/annomi/AnnoMI-simple.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	var words []string
	for _, r := range rows[1:] {
		if id := r[col["transcript_id"]]; id != "0" && id != "1" && id != "2" && id != "3" {
			continue
		}
		words = append(words, strings.Join(strings.Fields(r[col["utterance_text"]]), " "))
	}
	once := strings.Join(words, " ")
	return "P1: " + once + " " + once + "\n"
}

// A long turn indexed a few passages at a time gives the same store, the
// same search hits and the same candidates as one indexed a thousand at a
// time; every candidate's ID is CandidateID's (the text before it counted
// with strings.Count), and repeated text gets IDs apart.
func TestLongTurnInPieces(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes a long transcript twice")
	}
	cb, err := codebook.Read("testdata/annomi-codebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := longTurn(t)
	clock := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	type result struct {
		dump  string
		hits  []string
		cands []store.Candidate
	}
	run := func(batch int) result {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "transcripts"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "transcripts", "pasted.txt"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		sum := runBatch(t, dir, stages.Options{Codebook: cb, IndexBatch: batch, Now: clock})
		if sum.New != 1 || sum.Passages < 100 {
			t.Fatalf("IndexBatch %d: %d new transcripts, %d passages", batch, sum.New, sum.Passages)
		}
		p := stages.Project{Dir: dir}
		ctx := context.Background()
		st, err := p.OpenStore()
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		idx, err := p.OpenIndex(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		var res result
		for _, q := range []string{`drink*`, `"I think"`, `smoke AND cigarette`} {
			n, err := index.Parse(q)
			if err != nil {
				t.Fatal(err)
			}
			c, err := idx.Compile(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			hits, _, err := idx.Search(ctx, c, 1000)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			for _, h := range hits {
				res.hits = append(res.hits, fmt.Sprintf("%s %s %v", q, h.ID, h.Matches))
			}
		}
		if res.cands, err = st.Candidates(ctx, store.CandidateFilter{}); err != nil {
			t.Fatal(err)
		}
		versions := map[string]*corpus.Transcript{}
		for _, c := range res.cands {
			tr := versions[c.Version]
			if tr == nil {
				if tr, err = st.Version(ctx, c.Transcript, c.Version); err != nil {
					t.Fatal(err)
				}
				versions[c.Version] = tr
			}
			if want := stages.CandidateID(c.Code, tr, c.Start, c.End); c.ID != want {
				t.Fatalf("IndexBatch %d: candidate %s at %d-%d: CandidateID says %s", batch, c.ID, c.Start, c.End, want)
			}
		}
		t.Logf("IndexBatch %d: %d passages, %d candidates, %d hits", batch, sum.Passages, len(res.cands), len(res.hits))
		res.dump = dump(t, dir)
		return res
	}
	small, big := run(7), run(0)
	sameDump(t, "store, 7 passages a batch against 1,000", small.dump, big.dump)
	if !reflect.DeepEqual(small.hits, big.hits) || len(small.hits) == 0 {
		t.Errorf("search hits differ (or there are none): %d and %d", len(small.hits), len(big.hits))
	}
	if len(small.cands) != len(big.cands) || len(small.cands) < 20 {
		t.Fatalf("%d and %d candidates", len(small.cands), len(big.cands))
	}
	byText := map[string]int{}
	for i, c := range small.cands {
		if b := big.cands[i]; c.ID != b.ID || c.Start != b.Start || c.End != b.End {
			t.Fatalf("candidate %d: %s %d-%d and %s %d-%d", i, c.ID, c.Start, c.End, b.ID, b.Start, b.End)
		}
		byText[c.Code+"\x00"+c.Text]++
	}
	repeats := 0
	for _, n := range byText {
		if n > 1 {
			repeats++
		}
	}
	if repeats == 0 {
		t.Fatal("no candidate text repeats: the test does not check occurrence numbers")
	}
}

// stepRecorder is a StepProgress that keeps what it heard.
type stepRecorder struct {
	steps        []string
	units, added int
	finished     int
}

func (r *stepRecorder) Start(step string, units int) { r.steps, r.units = append(r.steps, step), units }
func (r *stepRecorder) Add(n int)                    { r.added += n }
func (r *stepRecorder) Finish()                      { r.finished++ }

// Matching reports its progress: it starts once, counts up to the units
// it announced, and finishes.
func TestMatchingReportsProgress(t *testing.T) {
	cb, err := codebook.Read("testdata/annomi-codebook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "transcripts"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "transcripts", "pasted.txt"), []byte(longTurn(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	rec := &stepRecorder{}
	runBatch(t, dir, stages.Options{Codebook: cb, MatchProgress: rec, ShardDocs: 40})
	if len(rec.steps) != 1 || rec.finished != 1 || rec.units == 0 || rec.added != rec.units {
		t.Errorf("matching progress: steps %q, %d of %d units, finished %d times", rec.steps, rec.added, rec.units, rec.finished)
	}
}
