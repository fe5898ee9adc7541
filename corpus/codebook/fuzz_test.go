package codebook

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The seeds are small on purpose: the fuzzer minimizes each new input it
// keeps, at a cost that grows with the square of its length, so a seed of a
// few kilobytes leaves no time for fuzzing. The sample files are read in
// full by the unit tests.

const seedYAML = `name: C
codes:
  - name: A
    description: d
    codes:
      - name: B
        keywords: ['"a b"~2', walk*]
        exclude: [x]
        speakers: [S, P1]
        unit: turn
`

func FuzzParseYAML(f *testing.F) {
	f.Add([]byte(seedYAML))
	f.Add([]byte("codes: [{name: A, description: \"t\\n\\nKeyword: k\", keywords: [k]}]"))
	f.Add([]byte("codes: [{name: A, description: \"t\\n\\nKeyword: k\"}]"))
	f.Add([]byte("codes:\n  - name: A\n    unit: para\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParsed(t, ParseYAML, data)
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("\ufeffCode Path,Description,Keyword\r\nA/B,Desc,\"\"\"a b\"\"~2\"\r\nA,,\r\n"))
	f.Add([]byte("unit;speakers;keyword;exclude;path;description\nturn;P1, P2;a;b;X/Y;d\n;;c;;X/Y;\n"))
	f.Add([]byte("code\tkeyword\t\nA / B\tb\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParsed(t, ParseCSV, data)
	})
}

func FuzzParseQDC(f *testing.F) {
	cb, err := ParseYAML("seed.yaml", []byte(seedYAML))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(writeQDC(f, cb))
	f.Add([]byte(`<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="A"><Description>d

Keyword: a
Speakers: ,</Description><Code name="B"/></Code></Codes><Sets/></CodeBook>`))
	f.Add([]byte(`<?xml version="1.0"?><CodeBook><Codes><Code name="A&amp;"><Description><![CDATA[<x>]]>&#xD;</Description></Code></Codes></CodeBook>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParsed(t, ParseQDC, data)
	})
}

// checkParsed checks what any reader must give: paths on every code, and a
// tree that WriteQDC and ParseQDC carry unchanged (or that WriteQDC
// refuses, for text a .qdc cannot hold).
func checkParsed(t *testing.T, parse func(string, []byte) (*Codebook, error), data []byte) {
	cb, err := parse("fuzz", data)
	if err != nil {
		switch e := err.(type) {
		case *Error:
		case Errors:
			if len(e) < 2 {
				t.Fatalf("Errors %v: a lone problem is an *Error", e)
			}
			for i := 1; i < len(e); i++ {
				if e[i].Line < e[i-1].Line {
					t.Fatalf("Errors %v: not in line order", e)
				}
			}
		default:
			t.Fatalf("error %T %v, want *Error or Errors", err, err)
		}
		return
	}
	var walk func(prefix string, cs []*Code)
	walk = func(prefix string, cs []*Code) {
		for _, c := range cs {
			want := c.Name
			if prefix != "" {
				want = prefix + "/" + c.Name
			}
			if c.Path == "" || c.Path != want || c.Name == "" {
				t.Fatalf("code %q: path %q, want %q", c.Name, c.Path, want)
			}
			if c.Unit != UnitSentence && c.Unit != UnitTurn {
				t.Fatalf("code %q: unit %q", c.Path, c.Unit)
			}
			walk(c.Path, c.Codes)
		}
	}
	walk("", cb.Codes)

	var out bytes.Buffer
	if err := WriteQDC(&out, cb); err != nil {
		if !unwritable(cb) {
			t.Fatalf("WriteQDC: %v", err)
		}
		return
	}
	back, err := ParseQDC("fuzz.qdc", out.Bytes())
	if err != nil {
		t.Fatalf("ParseQDC of WriteQDC: %v\n%s", err, out.Bytes())
	}
	if got, want := dump(back), dump(trimmed(cb)); got != want {
		t.Fatalf("round trip:\n%s\nwant:\n%s\nfile:\n%s", got, want, out.Bytes())
	}
	var again bytes.Buffer
	if err := WriteQDC(&again, back); err != nil || !bytes.Equal(again.Bytes(), out.Bytes()) {
		t.Fatalf("second WriteQDC differs (%v):\n%s\nfirst:\n%s", err, again.Bytes(), out.Bytes())
	}
}

// unwritable reports text WriteQDC must refuse: characters outside XML
// 1.0, line breaks in rules, separators in speakers.
func unwritable(cb *Codebook) bool {
	bad := func(s string) bool {
		return !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
			return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0xD800 && r <= 0xDFFF || r == 0xFFFE || r == 0xFFFF
		})
	}
	for _, c := range cb.All() {
		if bad(c.Name) || bad(c.Description) {
			return true
		}
		for _, r := range slices.Concat(c.Keywords, c.Exclude) {
			if bad(r.Query) || strings.ContainsAny(r.Query, "\r\n") {
				return true
			}
		}
		for _, s := range c.Speakers {
			if bad(s) || strings.ContainsAny(s, ",;\r\n") {
				return true
			}
		}
	}
	return false
}

// trimmed is cb as a .qdc gives it back: rules and speakers without
// surrounding space, and no empty speakers.
func trimmed(cb *Codebook) *Codebook {
	var copyCodes func([]*Code) []*Code
	copyCodes = func(cs []*Code) []*Code {
		var out []*Code
		for _, c := range cs {
			d := *c
			d.Keywords, d.Exclude, d.Speakers = nil, nil, nil
			for _, r := range c.Keywords {
				d.Keywords = append(d.Keywords, Rule{Query: strings.TrimSpace(r.Query)})
			}
			for _, r := range c.Exclude {
				d.Exclude = append(d.Exclude, Rule{Query: strings.TrimSpace(r.Query)})
			}
			for _, s := range c.Speakers {
				if s = strings.TrimSpace(s); s != "" {
					d.Speakers = append(d.Speakers, s)
				}
			}
			d.Codes = copyCodes(c.Codes)
			out = append(out, &d)
		}
		return out
	}
	return &Codebook{Name: cb.Name, Source: cb.Source, Codes: copyCodes(cb.Codes)}
}
