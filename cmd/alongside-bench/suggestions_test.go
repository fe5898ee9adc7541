package main

import (
	"math"
	"testing"

	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages/relevance"
)

// The phase's keyword rules must match as the index does: phrases by
// stem and in order, NOT excluding, contractions whole.
func TestRuleMatches(t *testing.T) {
	an, err := relevance.NewAnalyzer()
	if err != nil {
		t.Fatal(err)
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
	} {
		n, err := index.Parse(tc.rule)
		if err != nil {
			t.Fatal(err)
		}
		if got := ruleMatches(an, n, an.Tokens(tc.text), tc.text); got != tc.want {
			t.Errorf("%s on %q: %v, want %v", tc.rule, tc.text, got, tc.want)
		}
	}
}

func TestPrecisionMeasures(t *testing.T) {
	scores := []float64{0.9, 0.8, 0.7, 0.1}
	truth := []bool{true, false, true, false}
	if got := precisionAt(scores, truth, 2); got != 0.5 {
		t.Errorf("precision of the top 2: %v, want 0.5", got)
	}
	if got, want := avgPrecision(scores, truth), (1.0+2.0/3)/2; math.Abs(got-want) > 1e-12 {
		t.Errorf("average precision: %v, want %v", got, want)
	}
}
