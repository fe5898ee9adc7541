package codebook

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tricky holds what the description convention and XML escaping must
// survive.
const tricky = `codes:
  - name: 'Help & control <"quoted"> it''s'
    description: "Tabs\tand CR\r\nand ]]> and &amp; literally"
    codes:
      - name: Looks like rules
        description: "Some text.\n\nKeyword: not a rule\nUnit: turn"
      - name: Rule-like, with rules
        description: "Keyword: also text"
        keywords: [real, 'speaker:P1 AND control*', 'Unit: turn']
      - name: Only rules
        keywords: ['"a b"~3', '=exact OR walk*', 'x AND NOT y']
        exclude: ['"not this"']
        speakers: [S, P1]
        unit: turn
        examples: ['Example: a colon inside', 'I said "no" & <left>']
      - name: Only examples
        examples: [I want to stop drinking, 'Keyword: not a rule either']
      - name: Only a unit
        unit: turn
      - name: Trailing breaks
        description: "Ends with blank lines\n\n\n"
        keywords: [k]
      - name: Whitespace description
        description: " "
        keywords: [k]
      - name: "Name with\nline break\tand tab"
      - name: Ünïcødé 🙂
        description: "Æøå — “quotes” and 𝄞"
      - name: Keyword
        description: "Keyword:"
`

func readYAML(t testing.TB, name, src string) *Codebook {
	t.Helper()
	cb, err := ParseYAML(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

func writeQDC(t testing.TB, cb *Codebook) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteQDC(&buf, cb); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestQDCRoundTrip(t *testing.T) {
	sample, err := os.ReadFile("testdata/collaboration.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"collaboration": string(sample), "tricky": tricky} {
		t.Run(name, func(t *testing.T) {
			cb := readYAML(t, name+".yaml", src)
			out := writeQDC(t, cb)
			back, err := ParseQDC(name+".qdc", out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if got, want := dump(back), dump(cb); got != want {
				t.Errorf("after WriteQDC and ParseQDC:\n%s\nwant:\n%s\nfile:\n%s", got, want, out)
			}
			if again := writeQDC(t, back); !bytes.Equal(again, out) {
				t.Errorf("writing the read-back codebook gives another file:\n%s\nfirst:\n%s", again, out)
			}
			// Lines point into the written file.
			fileLines := strings.Split(string(out), "\n")
			for _, c := range back.All() {
				if l := fileLines[c.Line-1]; !strings.Contains(l, `<Code guid="`+CodeGUID(c.Path)+`"`) {
					t.Errorf("%s: line %d is %q", c.Path, c.Line, l)
				}
				for _, r := range c.Keywords {
					if l := xmlText.Replace("Keyword: " + r.Query); !strings.Contains(fileLines[r.Line-1], l) {
						t.Errorf("%s: keyword %q: line %d is %q", c.Path, r.Query, r.Line, fileLines[r.Line-1])
					}
				}
			}
		})
	}
}

func TestQDCDescriptionConvention(t *testing.T) {
	cb := readYAML(t, "c.yaml", tricky)
	for _, tc := range []struct{ path, want string }{
		{"Help & control <\"quoted\"> it's", "Tabs\tand CR\r\nand ]]> and &amp; literally"},
		{"Help & control <\"quoted\"> it's/Looks like rules", "Some text.\n\nKeyword: not a rule\nUnit: turn\n\nUnit: sentence"},
		{"Help & control <\"quoted\"> it's/Rule-like, with rules", "Keyword: also text\n\nKeyword: real\nKeyword: speaker:P1 AND control*\nKeyword: Unit: turn"},
		{"Help & control <\"quoted\"> it's/Only rules", "Keyword: \"a b\"~3\nKeyword: =exact OR walk*\nKeyword: x AND NOT y\nExclude: \"not this\"\nSpeakers: S, P1\nUnit: turn\nExample: Example: a colon inside\nExample: I said \"no\" & <left>"},
		{"Help & control <\"quoted\"> it's/Only a unit", "Unit: turn"},
		{"Help & control <\"quoted\"> it's/Trailing breaks", "Ends with blank lines\n\n\n\n\nKeyword: k"},
		{"Help & control <\"quoted\"> it's/Ünïcødé 🙂", "Æøå — “quotes” and 𝄞"},
		{"Help & control <\"quoted\"> it's/Keyword", "Keyword:\n\nUnit: sentence"},
	} {
		c := cb.Find(tc.path)
		if c == nil {
			t.Fatalf("no code %q", tc.path)
		}
		if got := qdcDescription(c); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.path, got, tc.want)
		}
	}
}

func TestWriteQDC(t *testing.T) {
	cb := readYAML(t, "c.yaml", `codes:
  - name: Interactive-dialogic processes
    codes:
      - name: Walking alongside
        description: Being a companion on an equal footing.
        keywords: ['"walking alongside"', walk*]
  - name: Availing
    unit: turn
  - name: Advocating
`)
	want := `<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Alongside">
  <Codes>
    <Code guid="ecd4ebaf-2e04-8636-8436-4b9da47b0523" name="Interactive-dialogic processes" isCodable="true">
      <Code guid="f7a2a527-0582-8666-922c-5257961c9472" name="Walking alongside" isCodable="true">
        <Description>Being a companion on an equal footing.

Keyword: "walking alongside"
Keyword: walk*</Description>
      </Code>
    </Code>
    <Code guid="` + CodeGUID("Availing") + `" name="Availing" isCodable="true">
      <Description>Unit: turn</Description>
    </Code>
    <Code guid="` + CodeGUID("Advocating") + `" name="Advocating" isCodable="true"/>
  </Codes>
</CodeBook>
`
	if got := string(writeQDC(t, cb)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteQDCErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"control character", "codes:\n  - name: A\n    description: \"bell \\a\"\n",
			`c.yaml:2: code "A": description holds U+0007, which XML cannot carry`},
		{"control character in name", "codes:\n  - name: \"A\\x01\"\n",
			`c.yaml:2: code "A\x01": name holds U+0001, which XML cannot carry`},
		{"line break in keyword", "codes:\n  - name: A\n    keywords: [\"a\\nb\"]\n",
			`c.yaml:2: code "A": keyword "a\nb" holds a line break, which a .qdc description cannot keep`},
		{"comma in speaker", "codes:\n  - name: A\n    speakers: [\"Smith, GP\"]\n",
			`c.yaml:2: code "A": speaker "Smith, GP" holds a comma, semicolon or line break, which separate speakers in a .qdc description`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb := readYAML(t, "c.yaml", tc.src)
			var buf bytes.Buffer
			err := WriteQDC(&buf, cb)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
			if buf.Len() > 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
	if err := WriteQDC(&bytes.Buffer{}, &Codebook{Source: "c.yaml"}); err == nil || err.Error() != "c.yaml: no codes to write (a .qdc needs at least one)" {
		t.Errorf("empty codebook: %v", err)
	}
}

// A .qdc as another tool might write it: Sets, colours, a comment, CDATA,
// CRLF line ends, rules edited by hand.
const foreign = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n" +
	"<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"MAXQDA 24\">\r\n" +
	"  <Codes>\r\n" +
	"    <!-- a comment -->\r\n" +
	"    <Code guid=\"{0B2D4C1E-1111-4222-8333-944455556666}\" name=\"Dilemmas staff describe\" isCodable=\"false\" color=\"#ff0000\">\r\n" +
	"      <Description>Competing values.</Description>\r\n" +
	"      <Code\r\n" +
	"          guid=\"0b2d4c1e-1111-4222-8333-944455556667\"\r\n" +
	"          name=\"Balancing mastery and helplessness\" isCodable=\"true\">\r\n" +
	"        <Description><![CDATA[Expecting the person to cope <or not>.]]>\r\n" +
	"\r\n" +
	"keyword:helpless*\r\n" +
	"  KEYWORD :  \"cope on their own\"~2  \r\n" +
	"Speakers: P1; P2 ,P3\r\n" +
	"\r\n" +
	"</Description>\r\n" +
	"      </Code>\r\n" +
	"      <Code guid=\"0b2d4c1e-1111-4222-8333-944455556668\" name=\"Other\" isCodable=\"true\">\r\n" +
	"        <Description>Not rules:\r\nKeyword: x\r\nNote: y</Description>\r\n" +
	"      </Code>\r\n" +
	"    </Code>\r\n" +
	"  </Codes>\r\n" +
	"  <Sets>\r\n" +
	"    <Set guid=\"0b2d4c1e-1111-4222-8333-944455556669\" name=\"Set\"><MemberCode guid=\"0b2d4c1e-1111-4222-8333-944455556667\"/></Set>\r\n" +
	"  </Sets>\r\n" +
	"</CodeBook>\r\n"

func TestParseQDC(t *testing.T) {
	cb, err := ParseQDC("maxqda.qdc", []byte("\ufeff"+foreign))
	if err != nil {
		t.Fatal(err)
	}
	want := `Dilemmas staff describe | "Competing values." | unit=sentence
Dilemmas staff describe/Balancing mastery and helplessness | "Expecting the person to cope <or not>." | unit=sentence | k helpless* | k "cope on their own"~2 | s P1,P2,P3
Dilemmas staff describe/Other | "Not rules:\nKeyword: x\nNote: y" | unit=sentence
`
	if got := dump(cb); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	wantLines := "Dilemmas staff describe@5\nDilemmas staff describe/Balancing mastery and helplessness@7 k@12 k@13\nDilemmas staff describe/Other@18\n"
	if got := lines(cb); got != wantLines {
		t.Errorf("lines:\n%s\nwant:\n%s", got, wantLines)
	}
}

func TestParseQDCErrors(t *testing.T) {
	book := func(codes string) string {
		return "<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">\n<Codes>\n" + codes + "</Codes>\n</CodeBook>\n"
	}
	for _, tc := range []struct{ name, src, want string }{
		{"empty", " \n", "c.qdc: empty file"},
		{"not XML", "code path,keyword\nA,a\n", "c.qdc: not a REFI-QDA codebook: no XML element"},
		{"declaration only", "<?xml version=\"1.0\"?>\n", "c.qdc: not a REFI-QDA codebook: no XML element"},
		{"not XML with a tag", "name: x\n<b>\n", "c.qdc:2: not a REFI-QDA codebook: the root element is <b> (expected <CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">)"},
		{"project", "<?xml version=\"1.0\"?>\n<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"p\"><CodeBook/></Project>",
			"c.qdc:2: not a REFI-QDA codebook: the root element is <Project> in namespace \"urn:QDA-XML:project:1.0\" (expected <CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">)"},
		{"other namespace", "<CodeBook xmlns=\"urn:other\"/>",
			"c.qdc:1: not a REFI-QDA codebook: the root element is <CodeBook> in namespace \"urn:other\" (expected <CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">)"},
		{"html", "<!DOCTYPE html>\n<html><body>hi</body></html>",
			"c.qdc:2: not a REFI-QDA codebook: the root element is <html> (expected <CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">)"},
		{"no codes", "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes></Codes></CodeBook>", "c.qdc: no codes"},
		{"truncated", book(`<Code guid="x" name="A" isCodable="true">`)[:90], "c.qdc:4: not well-formed XML: unexpected EOF"},
		{"mismatched tags", book("<Code name=\"A\"></Codes>\n"), "c.qdc:4: not well-formed XML: element <Code> closed by </Codes>"},
		{"unknown entity", book("<Code name=\"A&nbsp;B\"/>\n"), "c.qdc:4: not well-formed XML: invalid character entity &nbsp;"},
		{"no name", book("<Code guid=\"x\" isCodable=\"true\"/>\n"), "c.qdc:4: a code has no name"},
		{"duplicate names", book("<Code name=\"A\"/>\n<Code name=\"A\"/>\n"), "c.qdc:5: code \"A\": two codes with this name under the same parent"},
		{"slash", book("<Code name=\"Help/control\"/>\n"), "c.qdc:4: code \"Help/control\": a name cannot hold \"/\" (it separates the parts of a code path)"},
		{"bad unit", book("<Code name=\"A\">\n<Description>Text.\n\nKeyword: a\nUnit: paragraph</Description></Code>\n"), "c.qdc:4: code \"A\": unit \"paragraph\": use sentence or turn"},
		{"empty keyword", book("<Code name=\"A\">\n<Description>Keyword: a\nKeyword:\n</Description></Code>\n"), "c.qdc:6: code \"A\": keyword 2 is empty"},
		{"unknown encoding", "<?xml version=\"1.0\" encoding=\"EBCDIC-X\"?>\n<CodeBook/>", "c.qdc:1: reading XML: xml: opening charset \"EBCDIC-X\": unknown encoding \"EBCDIC-X\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb, err := ParseQDC("c.qdc", []byte(tc.src))
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

func TestParseQDCLatin1(t *testing.T) {
	src := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>\n" +
		"<Code guid=\"0b2d4c1e-1111-4222-8333-944455556666\" name=\"Samarbeid p\xe5 like fot\" isCodable=\"true\"/>\n</Codes></CodeBook>"
	cb, err := ParseQDC("c.qdc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := lines(cb); got != "Samarbeid på like fot@3\n" {
		t.Errorf("got %q", got)
	}
}

// Written .qdc files validate against Codebook.xsd.
func TestQDCValidates(t *testing.T) {
	// The hand-made foreign sample is a valid codebook too.
	if err := xmllint(t, "foreign.qdc", []byte(foreign)); err != nil {
		t.Errorf("foreign sample: %v", err)
	}
	sample, err := os.ReadFile("testdata/collaboration.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"collaboration": string(sample), "tricky": tricky} {
		out := writeQDC(t, readYAML(t, name+".yaml", src))
		if err := xmllint(t, name+".qdc", out); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The check can fail: a GUID the schema refuses.
	bad := bytes.Replace(writeQDC(t, readYAML(t, "c.yaml", "codes: [{name: A}]")), []byte(`guid="`), []byte(`guid="x`), 1)
	if xmllint(t, "bad.qdc", bad) == nil {
		t.Error("xmllint accepted a bad GUID")
	}
}

// xmllint validates data against testdata/Codebook.xsd. Without xmllint it
// skips, unless ALONGSIDE_REQUIRE_XMLLINT=1.
func xmllint(t *testing.T, name string, data []byte) error {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("ALONGSIDE_REQUIRE_XMLLINT") == "1" {
			t.Fatal("xmllint is not on PATH and ALONGSIDE_REQUIRE_XMLLINT=1 (Debian: apt-get install libxml2-utils)")
		}
		t.Skip("xmllint is not on PATH, so .qdc files are not checked against Codebook.xsd (Debian: apt-get install libxml2-utils; set ALONGSIDE_REQUIRE_XMLLINT=1 to fail instead)")
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", "testdata/Codebook.xsd", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func TestCodeGUID(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]string{}
	for _, p := range []string{"A", "A/B", "B", "a", "A/B/C", "Interactive-dialogic processes"} {
		g := CodeGUID(p)
		if !shape.MatchString(g) {
			t.Errorf("%s: %s is not a version 8 UUID", p, g)
		}
		if q, dup := seen[g]; dup {
			t.Errorf("%s and %s share %s", p, q, g)
		}
		seen[g] = p
		if CodeGUID(p) != g {
			t.Errorf("%s: GUID not stable", p)
		}
	}
	// Pinned: a change would give every exported code a new identity in
	// the tools that import it.
	if g := CodeGUID("Interactive-dialogic processes"); g != "ecd4ebaf-2e04-8636-8436-4b9da47b0523" {
		t.Errorf("CodeGUID changed: %s", g)
	}
}
