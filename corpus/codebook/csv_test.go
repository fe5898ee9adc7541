package codebook

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	for _, tc := range []struct {
		name, src, tree, lines string
	}{
		{
			name: "keyword per row, implied parents, BOM and CRLF",
			src: "\ufeffCode Path,Description,Keyword\r\n" +
				"Interactive-dialogic processes/Walking alongside,Being a companion on an equal footing.,\"\"\"walking alongside\"\"\"\r\n" +
				"Interactive-dialogic processes/Walking alongside,,walk*\r\n" +
				"Negotiated-supportive processes/Advocating,Speaking up for the service user.,advoca*\r\n" +
				"\r\n" +
				"Interactive-dialogic processes,How people talk and relate.,\r\n" +
				"Interactive-dialogic processes/Information sharing , ,\"\"\"share information\"\"~2\"\r\n" +
				",,\r\n",
			tree: `Interactive-dialogic processes | "How people talk and relate." | unit=sentence
Interactive-dialogic processes/Walking alongside | "Being a companion on an equal footing." | unit=sentence | k "walking alongside" | k walk*
Interactive-dialogic processes/Information sharing | "" | unit=sentence | k "share information"~2
Negotiated-supportive processes | "" | unit=sentence
Negotiated-supportive processes/Advocating | "Speaking up for the service user." | unit=sentence | k advoca*
`,
			lines: `Interactive-dialogic processes@6
Interactive-dialogic processes/Walking alongside@2 k@2 k@3
Interactive-dialogic processes/Information sharing@7 k@7
Negotiated-supportive processes@4
Negotiated-supportive processes/Advocating@4 k@4
`,
		},
		{
			name: "all columns, any order, semicolons",
			src: "UNIT;speakers;keyword;exclude;path;description\n" +
				"turn;P1, P2;\"\"\"help and control\"\"\";;Dilemmas/Help and control;Where helping turns into control.\n" +
				";;control*;\"\"\"self-control\"\"\";Dilemmas/Help and control;\n" +
				";P1,P2;coerci*;;Dilemmas/Help and control;\n" +
				"sentence;;;;Dilemmas;\"Competing values;\nacross the team.\"\n",
			tree: `Dilemmas | "Competing values;\nacross the team." | unit=sentence
Dilemmas/Help and control | "Where helping turns into control." | unit=turn | k "help and control" | k control* | k coerci* | x "self-control" | s P1,P2
`,
			// Dilemmas is implied on line 2, named on line 5.
			lines: `Dilemmas@5
Dilemmas/Help and control@2 k@2 k@3 k@4 x@3
`,
		},
		{
			name: "tabs, code column, empty trailing column",
			src:  "code\tkeyword\t\nA / B\tb\t\n",
			tree: `A | "" | unit=sentence
A/B | "" | unit=sentence | k b
`,
			lines: "A@2\nA/B@2 k@2\n",
		},
		{
			name: "keyword cell spanning lines",
			src:  "code path,keyword,description\nA,\"x\ny\",\"one\ntwo\"\nA,z,\n",
			tree: `A | "one\ntwo" | unit=sentence | k x
y | k z
`,
			lines: "A@2 k@2 k@5\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb, err := ParseCSV("codes.csv", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(cb); got != tc.tree {
				t.Errorf("tree:\n%s\nwant:\n%s", got, tc.tree)
			}
			if got := lines(cb); got != tc.lines {
				t.Errorf("lines:\n%s\nwant:\n%s", got, tc.lines)
			}
		})
	}
}

func TestParseCSVErrors(t *testing.T) {
	const head = "code path,description,keyword\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{"no code path column", "code name,description,keyword\nA,,a\n",
			`codes.csv:1: unknown column "code name" (use code path, description, keyword, exclude, speakers, unit, example)`},
		{"only description and keyword", "\n\ndescription,keyword\nA,a\n",
			`codes.csv:3: no "code path" column (the header needs code path, description, keyword)`},
		{"code and path", "code,path,keyword\nA,B,c\n",
			`codes.csv:1: columns "code" and "path" are the same column`},
		{"keywords twice", "code path,keywords,Keyword\nA,a,b\n",
			`codes.csv:1: columns "keywords" and "Keyword" are the same column`},
		{"ragged row", head + "A,,a\nA,a\n",
			`codes.csv:3: the row has 2 cells, the header 3`},
		{"long row", head + "A,,a,b\n",
			`codes.csv:2: the row has 4 cells, the header 3`},
		{"two descriptions", head +
			"Negotiated-supportive processes/Advocating,Speaking up for the user.,advoca*\n" +
			"Negotiated-supportive processes/Coordinating,,coordinat*\n" +
			"Negotiated-supportive processes/Advocating,Speaking up.,\"\"\"speak up\"\"~2\"\n",
			`codes.csv:4: code "Advocating": description differs from the one on line 2 (give it once, or the same on every row)`},
		{"two units", "code path,keyword,unit\nAvailing,availab*,turn\nAvailing,\"\"\"open door\"\"\",sentence\n",
			`codes.csv:3: code "Availing": unit "sentence" differs from unit "turn" on line 2`},
		{"bad unit", "code path,keyword,unit\nA/Advocating,advoca*,para\n",
			`codes.csv:2: code "Advocating": unit "para": use sentence or turn`},
		{"two speaker lists", "code path,keyword,speakers\nA,a,P1\nA,b,\"P1,P2\"\n",
			`codes.csv:3: code "A": speakers differ from those on line 2`},
		{"empty part", head + "A//B,,b\n",
			`codes.csv:2: code path "A//B" has an empty part`},
		{"trailing slash", head + "A/,,b\n",
			`codes.csv:2: code path "A/" has an empty part`},
		{"no code path", head + "A,,a\n,Described,b\n",
			`codes.csv:3: the row has no code path`},
		{"value without header", "code path,keyword,\nA,a,oops\n",
			`codes.csv:2: a value in column 3, which has no header`},
		{"bare quote", head + "A,,\"walking alongside\"~2\n",
			`codes.csv:2: extraneous or missing " in quoted-field (a cell holding quotes is quoted and its quotes doubled: """walking alongside""")`},
		{"bare quote inside", head + "A,,walk \"alongside\"\n",
			`codes.csv:2: bare " in non-quoted-field (a cell holding quotes is quoted and its quotes doubled: """walking alongside""")`},
		{"header only", head, `codes.csv: no codes`},
		{"empty", "", `codes.csv: empty file: expected a header row with code path, description, keyword`},
		{"utf-16", "\xff\xfec\x00o\x00", `codes.csv: the file is UTF-16; save it as CSV UTF-8`},
		{"windows-1252", head + "A,,a\nB,Br\xf8d,b\n", `codes.csv:3: not UTF-8 text; save the table as CSV UTF-8`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb, err := ParseCSV("codes.csv", []byte(tc.src))
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

// The sample codebook as a table gives the same tree as its YAML.
func TestParseCSVSameAsYAML(t *testing.T) {
	y, err := Read("testdata/collaboration.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Read("testdata/collaboration.csv")
	if err != nil {
		t.Fatal(err)
	}
	// YAML keeps the final line break of a block description.
	want := strings.ReplaceAll(dump(y), `\n"`, `"`)
	if got := dump(c); got != want {
		t.Errorf("csv:\n%s\nyaml:\n%s", got, want)
	}
}
