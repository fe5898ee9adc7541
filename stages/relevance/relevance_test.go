package relevance

import (
	"strings"
	"testing"
)

var sentences = []string{
	"I like a drink after work, it helps me relax.",
	"My wife wants me to cut down on the beer.",
	"The traffic was terrible on Sunday.",
	"I walked the dog by the river.",
	"My grandson asked me to come to his football match.",
	"I would love to be there for my grandchildren when they grow up.",
	"I go to the pub with friends on Fridays.",
	"The weather has been awful lately.",
	"We had pasta for dinner.",
	"I want to be around to see my grandson play football.",
}

func rank(s *Scorer, docs []Doc, target int) int {
	t := s.Score(docs[target])
	r := 0
	for i, d := range docs {
		if i != target && s.Score(d) >= t {
			r++
		}
	}
	return r
}

// A confirmed candidate raises the rank of a similar unseen passage, and
// why names it.
func TestConfirmedRaisesSimilar(t *testing.T) {
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
	p := Profile{Description: "The client speaks of reasons to cut down on drinking.", Keywords: []string{"drink*"}}
	before := x.Scorer(p, nil, docs)
	confirmed := []Decided{{ID: "c1", Doc: docs[4], Confirmed: true}, {ID: "c2", Doc: docs[3]}}
	after := x.Scorer(p, confirmed, docs)
	const target = 9 // "my grandson play football", like the confirmed one
	if rb, ra := rank(before, docs, target), rank(after, docs, target); ra >= rb {
		t.Errorf("rank of the similar passage: %d before, %d after confirming a passage like it", rb, ra)
	}
	if why := after.Why(docs[target], sentences[target], ""); !strings.Contains(why, "like confirmed c1") {
		t.Errorf("why = %q, want it to name the confirmed c1", why)
	}
	// The same inputs give the same scores.
	again := x.Scorer(p, confirmed, docs)
	for i, d := range docs {
		if a, b := after.Score(d), again.Score(d); a != b {
			t.Errorf("%q: %v then %v", sentences[i], a, b)
		}
	}
}

func TestKeywordWords(t *testing.T) {
	for q, want := range map[string]string{
		`"walking alongside" OR companion*`: "walking alongside companion*",
		`drink AND NOT (beer OR wine)`:      "drink",
		`"walk with"~2`:                     "walk with",
	} {
		if got := strings.Join(KeywordWords(q), " "); got != want {
			t.Errorf("%s: %q, want %q", q, got, want)
		}
	}
}
