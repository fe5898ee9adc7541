package codebook_test

import (
	"slices"
	"testing"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/index"
)

// The sample codebook reads, covers the themes, and every rule is a valid
// query.
func TestSampleCodebook(t *testing.T) {
	for _, file := range []string{"testdata/collaboration.yaml", "testdata/collaboration.csv"} {
		cb, err := codebook.Read(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(cb.Codes) != 5 {
			t.Errorf("%s: %d themes, want 5", file, len(cb.Codes))
		}
		for _, p := range []string{
			"Interactive-dialogic processes/Walking alongside",
			"Interactive-dialogic processes/Information sharing",
			"Negotiated-participatory engagement/The tension between help and control",
			"Negotiated-supportive processes/Availing",
			"Dilemmas staff describe/Balancing total abstinence and acceptance of substance use/Accepting continued use",
			"Recovery as relational processes/Municipal policies that support or hinder",
		} {
			if cb.Find(p) == nil {
				t.Errorf("%s: no code %s", file, p)
			}
		}
		rules := 0
		for _, c := range cb.All() {
			for _, r := range slices.Concat(c.Keywords, c.Exclude) {
				rules++
				if _, err := index.Parse(r.Query); err != nil {
					t.Errorf("%s:%d: code %q: %q: %v", file, r.Line, c.Name, r.Query, err)
				}
			}
			if len(c.Codes) == 0 && len(c.Keywords) == 0 {
				t.Errorf("%s: code %q has no keywords", file, c.Path)
			}
		}
		if rules < 80 {
			t.Errorf("%s: only %d rules", file, rules)
		}
	}
}
