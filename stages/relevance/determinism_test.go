package relevance

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// therapistTurns reads the therapist utterances of AnnoMI's first
// conversations (public domain; see corpus/testdata/annomi/README.md)
// and whether the experts labelled each a reflection.
func therapistTurns(t *testing.T, convs int) (texts []string, reflection []bool) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "corpus", "testdata", "annomi", "AnnoMI-simple.csv"))
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
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		id := r[col["transcript_id"]]
		if !seen[id] {
			if len(seen) == convs {
				break
			}
			seen[id] = true
		}
		if r[col["interlocutor"]] == "therapist" {
			texts = append(texts, r[col["utterance_text"]])
			reflection = append(reflection, r[col["main_therapist_behaviour"]] == "reflection")
		}
	}
	return texts, reflection
}

// The same corpus, codebook and decisions give the same scores to the
// last bit, however often the index and the scorer are built: no sum may
// run in a map's (random) order.
func TestScoresDeterministic(t *testing.T) {
	texts, reflection := therapistTurns(t, 4)
	p := Profile{
		Description: "A reflective listening statement that returns what the client said or meant.",
		Keywords:    []string{`"sounds like" OR "it seems"`, `"you feel"`, `"so you"`},
	}
	build := func() []float64 {
		an, err := NewAnalyzer()
		if err != nil {
			t.Fatal(err)
		}
		x := NewIndex(an)
		docs := make([]Doc, len(texts))
		for i, s := range texts {
			docs[i] = x.Doc(s)
			x.Add(docs[i])
		}
		var decided []Decided
		for i := 0; i < len(docs) && i < 40; i += 2 {
			decided = append(decided, Decided{ID: texts[i], Doc: docs[i], Confirmed: reflection[i]})
		}
		s := x.Scorer(p, decided, docs)
		if s.weight == 0 {
			t.Fatalf("the learned model does not weigh in (%+v): the test would not cover it", s.Report())
		}
		out := make([]float64, len(docs))
		for i, d := range docs {
			out[i] = s.Score(d)
		}
		return out
	}
	first := build()
	for run := 1; run < 4; run++ {
		for i, v := range build() {
			if v != first[i] {
				t.Fatalf("run %d: %q scored %v, first run %v", run, texts[i], v, first[i])
			}
		}
	}
}

// Codes scored together in one pass, its units shared among goroutines,
// are scored as each alone: the same unit scores, reports and blends.
func TestScorersTogether(t *testing.T) {
	texts, reflection := therapistTurns(t, 20)
	an, err := NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	x := NewIndex(an)
	var docs Docs
	for r := 0; len(docs) < 3*minShare; r++ { // enough for three shares, each unlike the others
		for i, s := range texts {
			if r > 0 {
				s += " " + texts[(i+r)%len(texts)]
			}
			d := x.Doc(s)
			x.Add(d)
			docs = append(docs, d)
		}
	}
	var decided []Decided
	for i := 0; i < 60; i += 2 {
		decided = append(decided, Decided{ID: texts[i], Doc: docs[i], Confirmed: reflection[i]})
	}
	codes := []struct {
		p       Profile
		decided []Decided
	}{
		{Profile{Description: "A reflective listening statement that returns what the client said or meant.",
			Keywords: []string{`"sounds like" OR "it seems"`, `"you feel"`}}, decided},
		{Profile{Description: "A question about the client's drinking or smoking.", Keywords: []string{`drink*`, `smok*`}}, nil},
		{Profile{Description: "Affirming the client's strengths and efforts."}, decided[:10]},
	}
	prepare := func() []*Prepared {
		var ps []*Prepared
		for _, c := range codes {
			ps = append(ps, x.Prepare(c.p, c.decided))
		}
		return ps
	}
	together := Scorers(prepare(), docs, 3)
	for k, p := range prepare() {
		alone, got := p.Scorer(docs), together[k]
		if k == 0 && alone.weight == 0 {
			t.Fatalf("the learned model does not weigh in (%+v): the test would not cover it", alone.Report())
		}
		if !reflect.DeepEqual(got.Report(), alone.Report()) {
			t.Errorf("code %d: together %+v, alone %+v", k, got.Report(), alone.Report())
		}
		for i := range docs {
			if got.UnitScore(i) != alone.UnitScore(i) {
				t.Fatalf("code %d, unit %d: together %v, alone %v", k, i, got.UnitScore(i), alone.UnitScore(i))
			}
		}
	}
}
