package corpus

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocuments reads one AnnoMI conversation per document type, each
// written by LibreOffice 7.4 (testdata/documents/gen.sh): every utterance
// a paragraph with its speaker label in bold.
func TestDocuments(t *testing.T) {
	tests := []struct {
		file, annomi string
	}{
		{"annomi-085.odt", "85"},
		{"annomi-023.rtf", "23"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			file := filepath.Join("testdata", "documents", tc.file)
			ts, err := ReadFile(file, tc.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 1 {
				t.Fatalf("%d transcripts", len(ts))
			}
			tr := ts[0]
			textCheck(t, tr)
			if tr.Format != strings.TrimPrefix(filepath.Ext(tc.file), ".") || tr.Metadata["layout"] != "speaker-colon" {
				t.Errorf("format %q, layout %q", tr.Format, tr.Metadata["layout"])
			}
			if sp := textSpeakers(tr); len(sp) != 2 || sp[0] != "Therapist" || sp[1] != "Client" {
				t.Errorf("speakers %q", sp)
			}
			compareTurns(t, tr, annomiWant(t, tc.annomi))
		})
	}
}

// fuzzDocument checks a document reader's result on any input: no panic,
// a *FileError or one transcript whose spans are in range and whose
// canonical text reads back unchanged.
func fuzzDocument(t *testing.T, name string, data []byte) {
	ts, err := Parse(name, "f", data, Options{})
	if err != nil {
		var fe *FileError
		if !errors.As(err, &fe) || strings.Contains(err.Error(), "internal") {
			t.Fatalf("error %v", err)
		}
		return
	}
	if len(ts) != 1 {
		t.Fatalf("%d transcripts", len(ts))
	}
	textCheck(t, ts[0])
	for i := range ts[0].Turns {
		if got := ts[0].TurnText(i); got != Cut(ts[0].Text, ts[0].Turns[i].Span) {
			t.Fatalf("turn %d: %q", i, got)
		}
	}
	if text, err := Canonical([]byte(ts[0].Text)); err != nil || text != ts[0].Text {
		t.Fatalf("text is not canonical: %v", err)
	}
}

// FuzzParseODT checks the ODT reader on content.xml parts (wrapped in a
// zip here) and on whole files (input starting "PK").
func FuzzParseODT(f *testing.F) {
	odt, err := os.ReadFile(filepath.Join("testdata", "documents", "annomi-085.odt"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(odt)
	content := odtContent(f, odt)
	f.Add(content[:min(len(content), 4000)])
	f.Add([]byte(`<office:document-content xmlns:office="` + odtOfficeNS + `" xmlns:text="` + odtTextNS + `"><office:body><office:text>` +
		`<text:h>Interview 4</text:h><text:p><text:span>A:</text:span><text:s text:c="3"/>x<text:tab/>y<text:line-break/>z<text:note><text:p>n</text:p></text:note></text:p>` +
		`<text:p>  B:   hi  there </text:p></office:text></office:body></office:document-content>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("PK")) {
			data = docxArchive(t, map[string]string{odtPart: string(data)})
		}
		fuzzDocument(t, "f.odt", data)
	})
}

// odtContent returns the content.xml of an ODT file.
func odtContent(tb testing.TB, odt []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(odt), int64(len(odt)))
	if err != nil {
		tb.Fatal(err)
	}
	rc, err := zr.Open(odtPart)
	if err != nil {
		tb.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzParseRTF checks the RTF reader on any input (given "{\rtf1 " in
// front when it lacks it).
func FuzzParseRTF(f *testing.F) {
	rtf, err := os.ReadFile(filepath.Join("testdata", "documents", "annomi-023.rtf"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rtf[:min(len(rtf), 6000)])
	f.Add([]byte(`{\rtf1\ansi\ansicpg1252\uc1{\fonttbl{\f0 Arial;}}{\*\generator x;}\pard{\b Interviewer:} Caf\'e9 \u8217\'92s {\field{\*\fldinst HYPERLINK "x"}{\fldrslt link}}\par{\pntext 1.}B:\tab hi\line there\u-10179\u-8704?\par}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte(`{\rtf`)) {
			data = append([]byte(`{\rtf1 `), data...)
		}
		fuzzDocument(t, "f.rtf", data)
	})
}
