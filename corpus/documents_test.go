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
		{"annomi-044.pdf", "44"},
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

func TestDocumentErrors(t *testing.T) {
	scan, err := os.ReadFile(filepath.Join("testdata", "documents", "scan.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file string
		data       []byte
		is         error
		want       string
	}{
		{"scan", "x.pdf", scan, ErrNoTextLayer, `reading transcript "x.pdf": PDF has no text layer (a scan?): run it through OCR first`},
		{"not a PDF", "x.pdf", []byte("Interviewer: text saved as .pdf\n"), errNotPDF, `reading transcript "x.pdf": not a readable PDF file (it does not start "%PDF-")`},
		{"broken PDF", "x.pdf", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), errNotPDF, `reading transcript "x.pdf": not a readable PDF file (...`},
		{"not a zip", "x.odt", []byte("Interviewer: hi\n"), errNotODT, `reading transcript "x.odt": not an OpenDocument text file (not a zip archive)`},
		{"no content", "x.odt", docxArchive(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.text"}), errNotODT, `reading transcript "x.odt": not an OpenDocument text file (no content.xml)`},
		{"no body", "x.odt", docxArchive(t, map[string]string{odtPart: `<office:document-content xmlns:office="` + odtOfficeNS + `"/>`}), errNotODT, `reading transcript "x.odt": not an OpenDocument text file (content.xml has no office:text)`},
		{"not RTF", "x.rtf", []byte("Interviewer: hi\n"), errNotRTF, `reading transcript "x.rtf": not an RTF file (it does not start "{\rtf")`},
		{"RTF code page", "x.rtf", []byte(`{\rtf1\ansi\ansicpg932 A: \'82\'a0\par}`), errNotRTF, `reading transcript "x.rtf": not an RTF file (code page 932 is not supported)`},
		{"RTF without speech", "x.rtf", []byte(`{\rtf1{\fonttbl{\f0 Arial;}}{\info{\title Interview 3}}}`), ErrNoTurns, `reading transcript "x.rtf": no speech found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := Parse(tc.file, "x", tc.data, Options{})
			if !errors.Is(err, tc.is) || ts != nil {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			if prefix, ok := strings.CutSuffix(tc.want, "..."); ok {
				if !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("error %q, want it to start %q", err, prefix)
				}
			} else if err.Error() != tc.want {
				t.Errorf("error\n got  %s\n want %s", err, tc.want)
			}
		})
	}
}

// TestRTFText checks the RTF extractor on what Word and LibreOffice write
// besides plain paragraphs.
func TestRTFText(t *testing.T) {
	in := `{\rtf1\ansi\ansicpg1252\uc1{\fonttbl{\f0 Arial;}}{\colortbl;\red0\green0\blue0;}{\*\generator Word;}{\info{\author X}}` +
		`\pard{\b Interviewer:} Caf\'e9 \u8217\'92s {\field{\*\fldinst HYPERLINK "x"}{\fldrslt link}}{\footnote note}\par` +
		`{\pntext 1.\tab}P1:\tab hi\line there \u-10179?\u-8704? \{ok\}{\v hidden}\emdash done\par` +
		`\trowd\cellx1000 a\cell b\cell\row}`
	got, err := rtfText([]byte(in))
	want := "Interviewer: Café ’s link\nP1:\thi\nthere 😀 {ok}—done\na\nb\n"
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
}

// FuzzParsePDF checks the PDF reader on any input (made to start "%PDF-").
func FuzzParsePDF(f *testing.F) {
	for _, name := range []string{"annomi-044.pdf", "scan.pdf"} {
		data, err := os.ReadFile(filepath.Join("testdata", "documents", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/Contents 4 0 R>>endobj\n4 0 obj<</Length 30>>stream\nBT /F1 12 Tf (A: hi) Tj ET\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			data = append([]byte("%PDF-1.4\n"), data...)
		}
		fuzzDocument(t, "f.pdf", data)
	})
}
