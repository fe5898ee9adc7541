package codebook

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRulesHash(t *testing.T) {
	base := func() *Code {
		return &Code{
			Name:        "Walking alongside",
			Description: "Being a companion.",
			Keywords:    []Rule{{Query: `"walking alongside"`, Line: 3}, {Query: "walk*", Line: 4}},
			Exclude:     []Rule{{Query: `"alongside the road"`, Line: 5}},
			Speakers:    []string{"S", "P1"},
			Unit:        UnitSentence,
			Line:        2,
		}
	}
	h := base().RulesHash()
	for _, tc := range []struct {
		name    string
		edit    func(*Code)
		changes bool
	}{
		{"description", func(c *Code) { c.Description = "Something else." }, false},
		{"lines", func(c *Code) { c.Line, c.Keywords[0].Line, c.Exclude[0].Line = 20, 30, 50 }, false},
		{"name", func(c *Code) { c.Name = "Walking with" }, false},
		{"children", func(c *Code) { c.Codes = []*Code{{Name: "x"}} }, false},
		{"empty unit is sentence", func(c *Code) { c.Unit = "" }, false},
		{"keyword text", func(c *Code) { c.Keywords[1].Query = "walked" }, true},
		{"keyword added", func(c *Code) { c.Keywords = append(c.Keywords, Rule{Query: "companion"}) }, true},
		{"keyword order", func(c *Code) { c.Keywords[0], c.Keywords[1] = c.Keywords[1], c.Keywords[0] }, true},
		{"keyword moved to exclude", func(c *Code) { c.Exclude = append(c.Exclude, c.Keywords[1]); c.Keywords = c.Keywords[:1] }, true},
		{"exclude", func(c *Code) { c.Exclude = nil }, true},
		{"speakers", func(c *Code) { c.Speakers = []string{"S"} }, true},
		{"speakers none", func(c *Code) { c.Speakers = nil }, true},
		{"unit", func(c *Code) { c.Unit = UnitTurn }, true},
		// Quoting keeps rule boundaries: two rules are not one.
		{"split rule", func(c *Code) { c.Keywords = []Rule{{Query: `"walking alongside" walk*`}} }, true},
	} {
		c := base()
		tc.edit(c)
		if got := c.RulesHash() != h; got != tc.changes {
			t.Errorf("%s: hash changed %v, want %v", tc.name, got, tc.changes)
		}
	}
}

func TestVersion(t *testing.T) {
	a := readYAML(t, "a.yaml", "codes:\n  - name: A\n    keywords: [a]\n  - name: B\n")
	b := readYAML(t, "b.yaml", "# moved down\n\ncodes:\n  - name: A\n    description: new\n    keywords: [a]\n  - name: B\n")
	c := readYAML(t, "c.yaml", "codes:\n  - name: A\n    keywords: [a]\n  - name: C\n")
	if a.Version() != b.Version() {
		t.Error("description and lines changed the version")
	}
	if a.Version() == c.Version() {
		t.Error("renaming a code left the version alone")
	}
	if len(a.Version()) != 12 {
		t.Errorf("version %q", a.Version())
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"c.yaml": "codes:\n  - name: A\n    keywords: [a]\n",
		"c.YML":  "codes:\n  - name: A\n    keywords: [a]\n",
		"c.csv":  "code path,keyword\nA,a\n",
		"c.txt":  "A\n",
		"c.qdc":  `<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="A" guid="00000000-0000-0000-0000-000000000000" isCodable="true"><Description>Keyword: a</Description></Code></Codes></CodeBook>`,
	}
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if name == "c.txt" {
			continue
		}
		cb, err := Read(p)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := dump(cb); got != "A | \"\" | unit=sentence | k a\n" || cb.Source != name {
			t.Errorf("%s: %s (source %s)", name, got, cb.Source)
		}
	}
	if _, err := Read(filepath.Join(dir, "c.txt")); err == nil || err.Error() != "reading codebook c.txt: unknown format (use .yaml, .csv or .qdc)" {
		t.Errorf("txt: %v", err)
	}
}
