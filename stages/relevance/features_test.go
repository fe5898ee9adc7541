package relevance

import (
	"math"
	"strings"
	"testing"
)

// A question mark is a token of its own, marked as a function word, at
// its place among the words; a run of marks is one token.
func TestQuestionToken(t *testing.T) {
	an, err := NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want string // stems, function words in brackets
	}{
		{"So you feel stuck.", "[so] [you] feel stuck"},
		{"Do you feel stuck?", "[do] [you] feel stuck [?]"},
		{"Really?? Why not", "realli [?] [whi] not"},
		{"You what？ OK.", "[you] [what] [?] ok"},
		{"Why? Because.", "[whi] [?] [becaus]"},
	} {
		var got []string
		for _, tok := range an.Tokens(tc.text) {
			s := tok.Stem
			if tok.Stop {
				s = "[" + s + "]"
			}
			got = append(got, s)
			if tok.Stem == questionMark && !strings.HasPrefix(tc.text[tok.Start:tok.End], "?") && !strings.HasPrefix(tc.text[tok.Start:tok.End], "？") {
				t.Errorf("%q: the question token spans %q", tc.text, tc.text[tok.Start:tok.End])
			}
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%q: %s, want %s", tc.text, g, tc.want)
		}
	}
}

// The learned model sees whether a unit asks: with questions rejected and
// statements confirmed, a new question ranks below a new statement with
// the same words; and why still names only words of the passage.
func TestQuestionFeature(t *testing.T) {
	an, err := NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	x := NewIndex(an)
	texts := []string{
		"So you feel worried about your health.",
		"Has work been hard?",
		"It sounds like your job has been a strain.",
		"Does the drinking help you relax?",
		"You're saying the evenings are lonely.",
		"What do you want for your family?",
		"You want to be there for your grandchildren.",
		"How often do you see the doctor?",
		"So the weekends are the hardest part.",
		"Are the weekends the hardest part?",
	}
	docs := make([]Doc, len(texts))
	for i, s := range texts {
		docs[i] = x.Doc(s)
		x.Add(docs[i])
	}
	var decided []Decided
	for i := range 8 {
		decided = append(decided, Decided{ID: texts[i], Doc: docs[i], Confirmed: i%2 == 0})
	}
	s := x.Scorer(Profile{Description: "A reflective listening statement that returns what the client said."}, decided, docs)
	if s.weight == 0 {
		t.Fatalf("the model does not weigh in (report %+v); the test shows nothing", s.Report())
	}
	statement, question := s.Score(docs[8]), s.Score(docs[9])
	if statement <= question {
		t.Errorf("statement %v, question %v: the question should rank lower", statement, question)
	}
	for i, text := range texts {
		why := s.Why(docs[i], text, "")
		words, _, _ := strings.Cut(why, ";")
		for _, w := range strings.Split(words, ", ") {
			if w != "" && !strings.Contains(text, w) {
				t.Errorf("%q: why %q names %q, not in the passage", text, why, w)
			}
			if strings.Contains(w, "?") {
				t.Errorf("%q: why %q names the question mark", text, why)
			}
		}
	}
}

// Keyword rules match a unit's words as the index does.
func TestKeywordRules(t *testing.T) {
	an, err := NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	x := NewIndex(an)
	corpus := []string{
		"I really want to stop drinking.", "I don't want to stop.", "To want is fine.", "I just can't do it.",
		"I'm not able to.", "It sounded like a lot of pressure.", "You, so, yes.", "She enjoyed smoking.",
		"My grandson plays football.", "We walked the dog by the river.",
	}
	for _, s := range corpus {
		x.Add(x.Doc(s))
	}
	for _, tc := range []struct {
		rule, text string
		want       bool
	}{
		{`"want to" AND NOT "don't want"`, "I really want to stop drinking.", true},
		{`"want to" AND NOT "don't want"`, "I don't want to stop.", false},
		{`"want to" AND NOT "don't want"`, "To want is fine.", false},
		{`"can't" OR "not able"`, "I just can't do it.", true},
		{`"can't" OR "not able"`, "I'm not able to.", true},
		{`"sounds like" OR "it seems"`, "It sounded like a lot of pressure.", true},
		{`"so you"`, "You, so, yes.", false},
		{`enjoy`, "She enjoyed smoking.", true},
		{`grand*`, "My grandson plays football.", true},
		{`grand*`, "We walked the dog by the river.", false},
		{`"dog river"~3`, "We walked the dog by the river.", true},
		{`"dog river"~3 AND speaker:p1`, "We walked the dog by the river.", true},
		{`unheard`, "We walked the dog by the river.", false},
		{`(`, "We walked the dog by the river.", false},
	} {
		s := x.Scorer(Profile{Keywords: []string{tc.rule}}, nil, nil)
		if got := s.keywordHit(x.Doc(tc.text)); got != tc.want {
			t.Errorf("%s on %q: %v, want %v", tc.rule, tc.text, got, tc.want)
		}
	}
}

// A keyword hit counts beside the description: it lifts a unit toward 1,
// and a unit no rule matches keeps its description score.
func TestKeywordPrior(t *testing.T) {
	an, err := NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	x := NewIndex(an)
	docs := make([]Doc, len(sentences))
	for i, s := range sentences {
		docs[i] = x.Doc(s)
		x.Add(docs[i])
	}
	p := Profile{Description: "The client speaks of reasons to cut down on drinking."}
	without := x.Scorer(p, nil, docs)
	p.Keywords = []string{"pub"}
	with := x.Scorer(p, nil, docs)
	for i, d := range docs {
		a, b := without.Score(d), with.Score(d)
		hit := strings.Contains(sentences[i], "pub")
		switch {
		case hit && (b < keywordPrior || b <= a):
			t.Errorf("%q matches the rule: %v without it, %v with it", sentences[i], a, b)
		case !hit && b > a:
			t.Errorf("%q matches no rule: %v without it, %v with it", sentences[i], a, b)
		}
	}
}

// Average precision with weights: at 1 it is the usual one; a unit at
// weight 0 does not count; a weak negative counts a little.
func TestAveragePrecisionWeights(t *testing.T) {
	scores := []float64{0.9, 0.8, 0.7, 0.1}
	truth := []bool{true, false, true, false}
	for _, tc := range []struct {
		wgt  []float64
		want float64
	}{
		{[]float64{1, 1, 1, 1}, (1 + 2.0/3) / 2},
		{[]float64{1, 0, 1, 1}, 1},
		{[]float64{1, 0.05, 1, 1}, (1 + 2/2.05) / 2},
	} {
		if got := averagePrecision(scores, truth, tc.wgt); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("weights %v: %v, want %v", tc.wgt, got, tc.want)
		}
	}
}
