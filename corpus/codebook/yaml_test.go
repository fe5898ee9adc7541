package codebook

import (
	"errors"
	"strings"
	"testing"
)

func TestParseYAML(t *testing.T) {
	src := `name: Collaboration
codes:
  - name: Interactive-dialogic processes
    description: How people talk and relate.
    codes:
      - name: Walking alongside
        description: Being a companion on an equal footing.
        keywords:
          - '"walking alongside"'
          - walk*
        exclude: ['"alongside the road"']
        speakers: [S, client]
        codes:
          - name: Equal footing
            keywords: '"equal footing"'
            unit: turn
  - name: Advocating
    description: |
      Speaking up for the service user.
      To other services too.
`
	cb, err := ParseYAML("codebook.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Name != "Collaboration" || cb.Source != "codebook.yaml" {
		t.Errorf("name %q, source %q", cb.Name, cb.Source)
	}
	want := `Interactive-dialogic processes | "How people talk and relate." | unit=sentence
Interactive-dialogic processes/Walking alongside | "Being a companion on an equal footing." | unit=sentence | k "walking alongside" | k walk* | x "alongside the road" | s S,client
Interactive-dialogic processes/Walking alongside/Equal footing | "" | unit=turn | k "equal footing"
Advocating | "Speaking up for the service user.\nTo other services too.\n" | unit=sentence
`
	if got := dump(cb); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	wantLines := `Interactive-dialogic processes@3
Interactive-dialogic processes/Walking alongside@6 k@9 k@10 x@11
Interactive-dialogic processes/Walking alongside/Equal footing@14 k@15
Advocating@17
`
	if got := lines(cb); got != wantLines {
		t.Errorf("lines:\n%s\nwant:\n%s", got, wantLines)
	}
	if c := cb.Find("Interactive-dialogic processes/Walking alongside/Equal footing"); c == nil || c.Name != "Equal footing" {
		t.Errorf("Find: %+v", c)
	}
}

func TestParseYAMLErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unit", `name: x
codes:
  - name: Negotiated-supportive processes
    codes:
      - name: Advocating
        unit: para
`, `codebook.yaml:5: code "Advocating": unit "para": use sentence or turn`},
		{"unknown code key", `codes:
  - name: Walking alongside
    keywrods: [walk*]
`, `codebook.yaml:3: code "Walking alongside": unknown key "keywrods" (use name, description, keywords, exclude, speakers, unit, examples, codes)`},
		{"unknown top key", `name: x
code:
  - name: A
`, `codebook.yaml:2: unknown key "code" (use name and codes)`},
		{"no codes key", `name: Collaboration
`, `codebook.yaml:1: no codes`},
		{"codes not a list", `codes:
  name: Walking alongside
`, `codebook.yaml:2: codes: must be a list (each item starting with - name: ...)`},
		{"nested codes not a list", `codes:
  - name: A
    codes: B
`, `codebook.yaml:3: codes: must be a list (each item starting with - name: ...)`},
		{"item not a mapping", `codes:
  - Walking alongside
`, `codebook.yaml:2: each code is a mapping with at least name:`},
		{"duplicate siblings", `codes:
  - name: A
    codes:
      - name: Advocating
      - name: B
      - name: Advocating
`, `codebook.yaml:6: code "Advocating": two codes with this name under the same parent`},
		{"same name, other parents", `codes:
  - name: A
    codes: [{name: Advocating}]
  - name: B
    codes: [{name: Advocating}]
  - name: A
`, `codebook.yaml:6: code "A": two codes with this name under the same parent`},
		{"empty keyword", `codes:
  - name: Availing
    keywords:
      - availab*
      - ''
`, `codebook.yaml:5: code "Availing": keyword 2 is empty`},
		{"blank keyword", `codes:
  - name: Availing
    keywords: ["  "]
`, `codebook.yaml:3: code "Availing": keyword 1 is empty`},
		{"no name", `codes:
  - description: nameless
`, `codebook.yaml:2: a code has no name`},
		{"slash in name", `codes:
  - name: Help/control
`, `codebook.yaml:2: code "Help/control": a name cannot hold "/" (it separates the parts of a code path)`},
		{"keyword not a scalar", `codes:
  - name: A
    keywords:
      - [walk, run]
`, `codebook.yaml:4: code "A": keywords: each item must be one value (quote a phrase: '"walking alongside"')`},
		{"speakers a mapping", `codes:
  - name: A
    speakers: {S: 1}
`, `codebook.yaml:3: code "A": speakers: must be a list`},
		{"description a list", `codes:
  - name: A
    description: [a, b]
`, `codebook.yaml:3: code "A": description: must be a single value`},
		{"not a mapping", `- name: A
`, `codebook.yaml:1: a codebook is a mapping with name: and codes:`},
		{"empty", ``, `codebook.yaml: empty codebook`},
		{"bad yaml", "codes:\n  - name: A\n - name: B\n", `codebook.yaml: yaml: line 2: did not find expected key`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb, err := ParseYAML("codebook.yaml", []byte(tc.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, %v; want *Error %s", cb, err, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestParseYAMLBOM(t *testing.T) {
	cb, err := ParseYAML("c.yaml", []byte("\ufeffcodes:\r\n  - name: A\r\n    keywords: [a]\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(dump(cb)); got != `A | "" | unit=sentence | k a` {
		t.Errorf("got %s", got)
	}
}
