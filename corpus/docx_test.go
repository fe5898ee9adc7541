package corpus

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// docxArchive packs parts (name to content) into a zip archive.
func docxArchive(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(parts))
	for name := range parts {
		names = append(names, name)
	}
	sort.Strings(names)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// docxDocument wraps body XML in a WordprocessingML document part.
func docxDocument(body string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>` +
		body + `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>`
}

// docxFile makes a minimal .docx file around body XML.
func docxFile(t testing.TB, body string) []byte {
	return docxArchive(t, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		docxPart:              docxDocument(body),
	})
}

// docxBody writes text as Word paragraphs, one per line: a leading
// "Name:" label in a bold run as Word users write it, tabs as <w:tab/>.
func docxBody(text string) string {
	var b bytes.Buffer
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		b.WriteString("<w:p>")
		if i := strings.Index(line, ": "); i > 0 && i < 40 {
			b.WriteString(`<w:r><w:rPr><w:b/></w:rPr><w:t>`)
			xml.EscapeText(&b, []byte(line[:i+1]))
			b.WriteString(`</w:t></w:r>`)
			line = line[i+1:]
		}
		if line != "" {
			b.WriteString(`<w:r>`)
			for j, part := range strings.Split(line, "\t") {
				if j > 0 {
					b.WriteString(`<w:tab/>`)
				}
				b.WriteString(`<w:t xml:space="preserve">`)
				xml.EscapeText(&b, []byte(part))
				b.WriteString(`</w:t>`)
			}
			b.WriteString(`</w:r>`)
		}
		b.WriteString("</w:p>\n")
	}
	return b.String()
}

func docxParse(t *testing.T, data []byte) *Transcript {
	t.Helper()
	ts, err := Parse("interview.docx", "interview", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 {
		t.Fatalf("%d transcripts, want 1", len(ts))
	}
	textCheck(t, ts[0])
	return ts[0]
}

// TestParseDOCXFormats saves each text layout as a Word document, one
// paragraph per line, and expects the same text and turns as from the
// plain text.
func TestParseDOCXFormats(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "formats", "*.txt"))
	if err != nil || len(files) < 7 {
		t.Fatalf("format files: %v, %v", files, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if nvivoHeader(string(data)) {
				t.Skip("NVivo rows are a table, not paragraphs")
			}
			plain := textParse(t, filepath.Base(file), string(data))
			doc := docxParse(t, docxFile(t, docxBody(plain.Text)))
			if doc.Text != plain.Text {
				t.Fatalf("DOCX text differs from the plain text:\n%q\n%q", doc.Text[:min(200, len(doc.Text))], plain.Text[:min(200, len(plain.Text))])
			}
			if doc.Format != "docx" || doc.Title != strings.Replace(plain.Title, IDFromPath(filepath.Base(file)), "interview", 1) {
				t.Errorf("format %q, title %q (plain %q)", doc.Format, doc.Title, plain.Title)
			}
			want, got := textTurns(plain), textTurns(doc)
			if len(got) != len(want) {
				t.Fatalf("%d turns, plain text has %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("turn %d\n got  %+v\n want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestParseDOCXRuns(t *testing.T) {
	body := `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>` +
		`<w:r><w:rPr><w:b/></w:rPr><w:t>Interviewer:</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">How was </w:t></w:r>` +
		`<w:hyperlink r:id="rId5"><w:r><w:t>it</w:t></w:r></w:hyperlink><w:r><w:t>?</w:t><w:br/><w:t>Take your time.</w:t></w:r>` +
		`<w:del w:id="1"><w:r><w:delText>deleted words</w:delText></w:r></w:del>` +
		`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r></w:p>` +
		`<w:p><w:r><w:t>Participant: Well</w:t><w:noBreakHyphen/><w:t>ish.</w:t></w:r>` +
		`<mc:AlternateContent><mc:Choice Requires="wps"><w:r><w:t xml:space="preserve"> (box)</w:t></w:r></mc:Choice>` +
		`<mc:Fallback><w:r><w:t xml:space="preserve"> (box again)</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>` +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Interviewer: In a table.</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
		`<w:p/>` +
		`<w:p><w:r><w:t xml:space="preserve">Participant: &amp; done &lt;3 </w:t></w:r><w:ins w:id="2"><w:r><w:t>inserted.</w:t></w:r></w:ins></w:p>`
	tr := docxParse(t, docxFile(t, body))
	wantText := "Interviewer:\tHow was it?\nTake your time.\nParticipant: Well-ish. (box)\nInterviewer: In a table.\n\nParticipant: & done <3 inserted.\n"
	if tr.Text != wantText {
		t.Fatalf("text\n got  %q\n want %q", tr.Text, wantText)
	}
	want := []textTurn{
		{"Interviewer", "How was it?\nTake your time.", NoTime, NoTime},
		{"Participant", "Well-ish. (box)", NoTime, NoTime},
		{"Interviewer", "In a table.", NoTime, NoTime},
		{"Participant", "& done <3 inserted.", NoTime, NoTime},
	}
	got := textTurns(tr)
	if len(got) != len(want) {
		t.Fatalf("turns %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("turn %d\n got  %+v\n want %+v", i, got[i], want[i])
		}
	}
}

func TestParseDOCXUnlabelled(t *testing.T) {
	// Without speakers each paragraph is a turn; the NFC form is kept.
	tr := docxParse(t, docxFile(t, docxBody("Life story\nI grew up by the sea.\nWe moved when I was ten.\nCafe\u0301 days.\n")))
	want := []textTurn{
		{"", "I grew up by the sea.", NoTime, NoTime},
		{"", "We moved when I was ten.", NoTime, NoTime},
		{"", "Café days.", NoTime, NoTime},
	}
	got := textTurns(tr)
	if len(got) != len(want) || tr.Title != "Life story" {
		t.Fatalf("title %q, turns %+v; want %+v", tr.Title, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("turn %d\n got  %+v\n want %+v", i, got[i], want[i])
		}
	}
}

func TestParseDOCXErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string // the whole message, or its start when it ends in "..."
	}{
		{"not a zip", []byte("Interviewer: this is plain text saved as .docx\n"), `reading transcript "x.docx": not a DOCX file (not a zip archive)`},
		{"no document part", docxArchive(t, map[string]string{"word/styles.xml": "<w:styles/>"}), `reading transcript "x.docx": not a DOCX file (no word/document.xml)`},
		{"no body", docxArchive(t, map[string]string{docxPart: `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"></w:document>`}), `reading transcript "x.docx": not a DOCX file (word/document.xml has no body)`},
		{"broken XML", docxArchive(t, map[string]string{docxPart: `<w:document xmlns:w="x"><w:body><w:p>`}), `reading transcript "x.docx": not a DOCX file (word/document.xml: XML syntax error...`},
		{"empty body", docxFile(t, ""), `reading transcript "x.docx": no speech found`},
		{"only a title", docxFile(t, docxBody("# Interview 4\n")), `reading transcript "x.docx": no speech found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.docx", "x", tc.data, Options{})
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *FileError", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("message has more than one line: %q", msg)
			}
			if prefix, ok := strings.CutSuffix(tc.want, "..."); ok {
				if !strings.HasPrefix(msg, prefix) {
					t.Errorf("error %q, want it to start %q", msg, prefix)
				}
			} else if msg != tc.want {
				t.Errorf("error %q, want %q", msg, tc.want)
			}
		})
	}
}

func TestDOCXSizeCap(t *testing.T) {
	doc := docxDocument(docxBody("Interviewer: Hello.\n"))
	_, err := docxParagraphs(&capReader{r: strings.NewReader(doc), n: 100})
	if !errors.Is(err, ErrTooBig) {
		t.Errorf("error %v, want ErrTooBig", err)
	}
	if text, err := docxParagraphs(&capReader{r: strings.NewReader(doc), n: int64(len(doc))}); err != nil || text != "Interviewer: Hello.\n" {
		t.Errorf("got %q, %v", text, err)
	}
}

// FuzzParseDOCX checks the DOCX reader on document parts (wrapped in a zip
// here) and on whole files (input starting "PK").
func FuzzParseDOCX(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "formats", "*.txt"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		text, err := Canonical(data)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(docxDocument(docxBody(text))))
	}
	f.Add([]byte(docxDocument(`<w:p><w:r><w:t>A:</w:t><w:tab/><w:t>x</w:t><w:br/></w:r></w:p><w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>`)))
	f.Add(docxFile(f, docxBody("Interviewer: Hello.\nParticipant: Hi.\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("PK")) {
			data = docxArchive(t, map[string]string{docxPart: string(data)})
		}
		ts, err := Parse("f.docx", "f", data, Options{})
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
		if text, err := Canonical([]byte(ts[0].Text)); err != nil || text != ts[0].Text {
			t.Fatalf("text is not canonical: %v", err)
		}
	})
}
