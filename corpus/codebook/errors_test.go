package codebook

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/index"
)

func parseQuery(q string) error {
	_, err := index.Parse(q)
	return err
}

// Check reports every problem in the file, each at its line, in line
// order: the shape of each code and each keyword as a query.
func TestCheckReportsEveryProblem(t *testing.T) {
	for _, tc := range []struct {
		file, text string
		want       []string
	}{
		{"codebook.yaml", `name: Test
codes:
  - name: Walking alongside
    keywords:
      - '"walking alongside"'
      - 'walking "alongside'
    exclude: ['a AND']
  - name: Walking alongside
    unit: paragraph
    keywrods: [walk*]
  - name: Control
    keywords: ['', 'control*', '(coerc*']
    codes:
      - name: a/b
`, []string{
			`codebook.yaml:6: code "Walking alongside": keyword 2: query: unclosed quote at column 9`,
			`codebook.yaml:7: code "Walking alongside": exclude 1: query: AND needs a term after it at column 3`,
			`codebook.yaml:8: code "Walking alongside": two codes with this name under the same parent`,
			`codebook.yaml:8: code "Walking alongside": unit "paragraph": use sentence or turn`,
			`codebook.yaml:10: code "Walking alongside": unknown key "keywrods" (use name, description, keywords, exclude, speakers, unit, examples, codes)`,
			`codebook.yaml:12: code "Control": keyword 1 is empty`,
			`codebook.yaml:12: code "Control": keyword 3: query: unclosed ( at column 1`,
			`codebook.yaml:14: code "a/b": a name cannot hold "/" (it separates the parts of a code path)`,
		}},
		{"codebook.csv", `code path,description,keyword,unit
A,First.,"""walking alongside""",
A,Other.,walk*,
B,,b,,extra
C,,"(c",paragraph
D,,d,
`, []string{
			`codebook.csv:3: code "A": description differs from the one on line 2 (give it once, or the same on every row)`,
			`codebook.csv:4: the row has 5 cells, the header 4`,
			`codebook.csv:5: code "C": unit "paragraph": use sentence or turn`,
		}},
		{"codebook.csv", `code path,description,keyword
A,,"(a"
B,,b OR
`, []string{
			`codebook.csv:2: code "A": keyword 1: query: unclosed ( at column 1`,
			`codebook.csv:3: code "B": keyword 1: query: OR needs a term after it at column 3`,
		}},
		{"codebook.yaml", "name: [\n", []string{
			"codebook.yaml: yaml: line 1: did not find expected node content",
		}},
	} {
		path := filepath.Join(t.TempDir(), tc.file)
		if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		cb, err := Check(path, parseQuery)
		if err == nil {
			t.Errorf("%s: no error, %d codes", tc.file, len(cb.All()))
			continue
		}
		if got, want := err.Error(), strings.Join(tc.want, "\n"); got != want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", tc.file, got, want)
		}
		var e *Error
		if !errors.As(err, &e) || e.Error() != tc.want[0] {
			t.Errorf("%s: errors.As finds %v, want the first problem", tc.file, e)
		}
	}
}

// Read checks the shape only; Check with a parser checks queries too.
func TestReadLeavesQueriesToTheCaller(t *testing.T) {
	path := filepath.Join(t.TempDir(), "codebook.yaml")
	if err := os.WriteFile(path, []byte("codes:\n  - name: A\n    keywords: ['(a']\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err != nil {
		t.Errorf("Read: %v", err)
	}
	if _, err := Check(path, parseQuery); err == nil || err.Error() != `codebook.yaml:3: code "A": keyword 1: query: unclosed ( at column 1` {
		t.Errorf("Check: %v", err)
	}
}
