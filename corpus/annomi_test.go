package corpus

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// The AnnoMI equivalence tests read the public-domain AnnoMI table (see
// testdata/annomi/README.md) with the table reader, check every utterance
// against an independent reading with encoding/csv, then write each
// conversation as .txt, .vtt, .srt and .docx and check that those readers
// find the same speakers, times and texts.

const annomiFile = "testdata/annomi/AnnoMI-simple.csv"

var annomiWriteSample = flag.Bool("write-sample", false, "rewrite the AnnoMI files of sample/transcripts")

// annomiRow is one utterance as encoding/csv reads it.
type annomiRow struct {
	order   int
	speaker string
	start   time.Duration
	text    string // canonical (LF, NFC) and trimmed, as a turn's text
	fields  []string
}

// annomi is read once and shared by the tests (read-only).
var annomi struct {
	once   sync.Once
	ts     []*Transcript          // the table reader's transcripts
	header []string               // the CSV header
	rows   map[string][]annomiRow // by transcript_id, in utterance order
	err    error
}

func annomiData(tb testing.TB) ([]*Transcript, map[string][]annomiRow) {
	tb.Helper()
	annomi.once.Do(func() {
		annomi.ts, annomi.err = ReadFile(annomiFile, "annomi/AnnoMI-simple.csv", Options{})
		if annomi.err == nil {
			annomi.header, annomi.rows, annomi.err = readAnnoMIRows(annomiFile)
		}
	})
	if annomi.err != nil {
		tb.Fatal(annomi.err)
	}
	return annomi.ts, annomi.rows
}

// readAnnoMIRows reads the table without the table reader.
func readAnnoMIRows(file string) ([]string, map[string][]annomiRow, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, nil, err
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	rows := map[string][]annomiRow{}
	for _, rec := range recs[1:] {
		order, err := strconv.Atoi(rec[col["utterance_id"]])
		if err != nil {
			return nil, nil, err
		}
		var h, m, s int
		if _, err := fmt.Sscanf(rec[col["timestamp"]], "%d:%d:%d", &h, &m, &s); err != nil {
			return nil, nil, fmt.Errorf("timestamp %q: %w", rec[col["timestamp"]], err)
		}
		text := strings.ReplaceAll(rec[col["utterance_text"]], "\r\n", "\n")
		key := rec[col["transcript_id"]]
		rows[key] = append(rows[key], annomiRow{
			order:   order,
			speaker: rec[col["interlocutor"]],
			start:   time.Duration(h*3600+m*60+s) * time.Second,
			text:    strings.TrimSpace(norm.NFC.String(text)),
			fields:  rec,
		})
	}
	for _, rs := range rows {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].order < rs[j].order })
	}
	return recs[0], rows, nil
}

func TestAnnoMICSV(t *testing.T) {
	ts, rows := annomiData(t)
	if len(ts) != 133 || len(rows) != 133 {
		t.Fatalf("got %d transcripts and %d conversations, want 133", len(ts), len(rows))
	}
	turns, prev := 0, -1
	for _, tr := range ts {
		key := strings.TrimPrefix(tr.ID, "annomi/AnnoMI-simple/")
		n, err := strconv.Atoi(key)
		if err != nil || n <= prev {
			t.Fatalf("transcript %q after %d: want numeric IDs in increasing order", tr.ID, prev)
		}
		prev = n
		want := rows[key]
		if len(tr.Turns) != len(want) {
			t.Errorf("%s: %d turns, want %d", tr.ID, len(tr.Turns), len(want))
			continue
		}
		turns += len(tr.Turns)
		first := want[0].fields
		for k, v := range map[string]string{
			"topic":       strings.TrimSpace(first[4]),
			"mi_quality":  first[1],
			"video_title": first[2],
			"video_url":   first[3],
			"format":      "csv",
		} {
			if tr.Metadata[k] != v {
				t.Errorf("%s: metadata %s = %q, want %q", tr.ID, k, tr.Metadata[k], v)
			}
		}
		if tr.Title != first[2] || tr.Format != "csv" {
			t.Errorf("%s: title %q, format %q", tr.ID, tr.Title, tr.Format)
		}
		if !norm.NFC.IsNormalString(tr.Text) {
			t.Errorf("%s: text is not NFC", tr.ID)
		}
		for i, turn := range tr.Turns {
			w := want[i]
			if got := Cut(tr.Text, turn.Span); got != w.text {
				t.Errorf("%s turn %d: text %q, want %q", tr.ID, i, got, w.text)
			}
			if turn.Speaker != w.speaker || turn.Start != w.start || turn.End != NoTime {
				t.Errorf("%s turn %d: speaker %q, %v-%v, want %q at %v", tr.ID, i, turn.Speaker, turn.Start, turn.End, w.speaker, w.start)
			}
			if i > 0 && turn.Span.Start < tr.Turns[i-1].Span.End {
				t.Errorf("%s turn %d: span %v overlaps the previous turn", tr.ID, i, turn.Span)
			}
		}
	}
	if turns != 9699 {
		t.Errorf("got %d turns, want 9699", turns)
	}
}

// annomiTurn is a turn another reader should find.
type annomiTurn struct {
	speaker    string
	start, end time.Duration
	text       string
}

// annomiFormat writes one conversation in a format and says what its
// reader should find.
type annomiFormat struct {
	ext   string
	write func(*Transcript) ([]byte, error)
	want  func(*Transcript) []annomiTurn
	start bool // the format carries start times
	end   bool // and end times
}

var annomiFormats = []annomiFormat{
	{ext: "txt", write: annomiTxt, want: annomiUtterances, start: true},
	{ext: "vtt", write: annomiVTT, want: annomiCaptionTurns, start: true, end: true},
	{ext: "srt", write: annomiSRT, want: annomiCaptionTurns, start: true, end: true},
	{ext: "docx", write: annomiDOCX, want: annomiUtterances},
}

func TestAnnoMIFormats(t *testing.T) {
	ts, _ := annomiData(t)
	for _, f := range annomiFormats {
		t.Run(f.ext, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			failures := 0
			for _, tr := range ts {
				data, err := f.write(tr)
				if err != nil {
					t.Fatal(err)
				}
				name := strings.ReplaceAll(strings.TrimPrefix(tr.ID, "annomi/"), "/", "-") + "." + f.ext
				file := filepath.Join(dir, name)
				if err := os.WriteFile(file, data, 0o644); err != nil {
					t.Fatal(err)
				}
				got, err := ReadFile(file, name, Options{})
				if err != nil {
					t.Errorf("%s (%s): %v", name, tr.ID, err)
					failures++
					continue
				}
				if len(got) != 1 {
					t.Errorf("%s: %d transcripts, want 1", name, len(got))
					failures++
					continue
				}
				if msg := annomiCompare(got[0], f.want(tr), f.start, f.end); msg != "" {
					t.Errorf("%s (%s): %s", name, tr.ID, msg)
					failures++
				}
				if failures >= 10 {
					t.Fatal("stopping after 10 failing conversations")
				}
			}
		})
	}
}

// annomiCompare describes the first difference between got's turns and
// want, or returns "".
func annomiCompare(got *Transcript, want []annomiTurn, start, end bool) string {
	for i := 0; i < len(got.Turns) || i < len(want); i++ {
		if i >= len(got.Turns) {
			return fmt.Sprintf("%d turns, want %d; first missing turn %d: %s: %q", len(got.Turns), len(want), i, want[i].speaker, want[i].text)
		}
		g := got.Turns[i]
		text := Cut(got.Text, g.Span)
		if i >= len(want) {
			return fmt.Sprintf("%d turns, want %d; first extra turn %d: %s: %q", len(got.Turns), len(want), i, g.Speaker, text)
		}
		w := want[i]
		switch {
		case g.Speaker != w.speaker || text != w.text:
			return fmt.Sprintf("turn %d:\n got  %s: %q\n want %s: %q", i, g.Speaker, text, w.speaker, w.text)
		case start && g.Start != w.start:
			return fmt.Sprintf("turn %d (%q): start %v, want %v", i, w.text, g.Start, w.start)
		case end && g.End != w.end:
			return fmt.Sprintf("turn %d (%q): end %v, want %v", i, w.text, g.End, w.end)
		}
	}
	return ""
}

// annomiUtterances is the table reading: one turn per utterance.
func annomiUtterances(tr *Transcript) []annomiTurn {
	want := make([]annomiTurn, len(tr.Turns))
	for i, turn := range tr.Turns {
		want[i] = annomiTurn{speaker: turn.Speaker, start: turn.Start, end: annomiCueEnd(tr, i), text: tr.TurnText(i)}
	}
	return want
}

// annomiCaptionTurns is what captions readers find: consecutive cues of one
// speaker merged, texts joined with a space. A cue's lines are display
// wrapping, so they are joined with a space too (AnnoMI 114/18 has a line
// break inside an utterance).
func annomiCaptionTurns(tr *Transcript) []annomiTurn {
	var want []annomiTurn
	for i, w := range annomiUtterances(tr) {
		lines := strings.Split(w.text, "\n")
		for j := range lines {
			lines[j] = strings.TrimSpace(lines[j])
		}
		w.text = strings.Join(lines, " ")
		if n := len(want); n > 0 && want[n-1].speaker == w.speaker {
			want[n-1].text += " " + w.text
			want[n-1].end = annomiCueEnd(tr, i)
			continue
		}
		want = append(want, w)
	}
	return want
}

// annomiCueEnd is the end of utterance i as a caption cue: the next utterance's
// start, or a second after its own start when the next one does not start
// later (AnnoMI has equal and a few decreasing time stamps).
func annomiCueEnd(tr *Transcript, i int) time.Duration {
	start := tr.Turns[i].Start
	if i+1 < len(tr.Turns) && tr.Turns[i+1].Start > start {
		return tr.Turns[i+1].Start
	}
	return start + time.Second
}

// annomiClock formats d as HH:MM:SS, with milliseconds after sep when sep is not "".
func annomiClock(d time.Duration, sep string) string {
	s := int64(d / time.Second)
	out := fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
	if sep != "" {
		out += fmt.Sprintf("%s%03d", sep, int64(d%time.Second/time.Millisecond))
	}
	return out
}

// annomiTxt writes "[HH:MM:SS] speaker: text" paragraphs.
func annomiTxt(tr *Transcript) ([]byte, error) {
	var b bytes.Buffer
	for i, turn := range tr.Turns {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "[%s] %s: %s\n", annomiClock(turn.Start, ""), turn.Speaker, tr.TurnText(i))
	}
	return b.Bytes(), nil
}

// annomiVTT writes one WebVTT cue per utterance with a voice tag.
func annomiVTT(tr *Transcript) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("WEBVTT\n")
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	for i, turn := range tr.Turns {
		fmt.Fprintf(&b, "\n%s --> %s\n<v %s>%s\n", annomiClock(turn.Start, "."), annomiClock(annomiCueEnd(tr, i), "."), turn.Speaker, esc.Replace(tr.TurnText(i)))
	}
	return b.Bytes(), nil
}

// annomiSRT writes one numbered SRT cue per utterance, "speaker: text".
func annomiSRT(tr *Transcript) ([]byte, error) {
	var b bytes.Buffer
	for i, turn := range tr.Turns {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%d\n%s --> %s\n%s: %s\n", i+1, annomiClock(turn.Start, ","), annomiClock(annomiCueEnd(tr, i), ","), turn.Speaker, tr.TurnText(i))
	}
	return b.Bytes(), nil
}

// annomiDOCX writes a minimal Word document: one paragraph per utterance,
// the speaker label in a bold run, line breaks inside an utterance as
// <w:br/>.
func annomiDOCX(tr *Transcript) ([]byte, error) {
	var body bytes.Buffer
	for i, turn := range tr.Turns {
		body.WriteString(`<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>`)
		xml.EscapeText(&body, []byte(turn.Speaker+":"))
		body.WriteString(`</w:t></w:r><w:r><w:t xml:space="preserve">`)
		for j, line := range strings.Split(" "+tr.TurnText(i), "\n") {
			if j > 0 {
				body.WriteString(`</w:t><w:br/><w:t xml:space="preserve">`)
			}
			xml.EscapeText(&body, []byte(line))
		}
		body.WriteString("</w:t></w:r></w:p>\n")
	}
	return annomiDocxArchive(body.String())
}

// annomiDocxArchive packs paragraphs into the three parts Word needs to open a
// document.
func annomiDocxArchive(paragraphs string) ([]byte, error) {
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
` + paragraphs + `</w:body></w:document>`},
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		// A fixed time keeps the archive byte-identical across runs.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// The sample project's AnnoMI files: one conversation per format, and a
// table of a few more. Regenerate with
//
//	go test ./corpus -run TestWriteSample -write-sample
var annomiSampleFiles = []struct {
	name string
	ids  []string // AnnoMI transcript_id values
}{
	{"annomi-000-alcohol.txt", []string{"0"}},
	{"annomi-024-smoking.vtt", []string{"24"}},
	{"annomi-063-drugs.docx", []string{"63"}},
	{"annomi-alcohol-smoking-drugs.csv", []string{"16", "40", "65"}},
}

// annomiSample returns the contents of the sample's AnnoMI files.
func annomiSample(tb testing.TB) map[string][]byte {
	ts, rows := annomiData(tb)
	byKey := map[string]*Transcript{}
	for _, tr := range ts {
		byKey[strings.TrimPrefix(tr.ID, "annomi/AnnoMI-simple/")] = tr
	}
	out := map[string][]byte{}
	for _, f := range annomiSampleFiles {
		var data []byte
		var err error
		switch ext := filepath.Ext(f.name); ext {
		case ".csv":
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			w.Write(annomi.header)
			for _, id := range f.ids {
				for _, r := range rows[id] {
					w.Write(r.fields)
				}
			}
			w.Flush()
			data, err = b.Bytes(), w.Error()
		default:
			for _, af := range annomiFormats {
				if "."+af.ext == ext {
					data, err = af.write(byKey[f.ids[0]])
				}
			}
		}
		if err == nil && data == nil {
			err = fmt.Errorf("no writer for %s", f.name)
		}
		if err != nil {
			tb.Fatal(err)
		}
		out[f.name] = data
	}
	return out
}

func TestWriteSample(t *testing.T) {
	if !*annomiWriteSample {
		t.Skip("run with -write-sample to rewrite sample/transcripts")
	}
	dir := filepath.Join("sample", "transcripts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range annomiSample(t) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSample checks that the sample project reads, that its AnnoMI files
// are what TestWriteSample writes, and that the constructed focus groups
// say what they are and have the phrase the README searches for.
func TestSample(t *testing.T) {
	dir := filepath.Join("sample", "transcripts")
	for name, want := range annomiSample(t) {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what TestWriteSample writes (err %v): run go test ./corpus -run TestWriteSample -write-sample", name, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		ts, err := ReadFile(filepath.Join(dir, e.Name()), e.Name(), Options{})
		if err != nil {
			t.Error(err)
			continue
		}
		for _, tr := range ts {
			ids = append(ids, tr.ID)
			if !strings.HasPrefix(e.Name(), "focus-group-") {
				continue
			}
			if !strings.HasPrefix(tr.Title, "Constructed example focus group, not real data") {
				t.Errorf("%s: title %q does not say it is constructed", tr.ID, tr.Title)
			}
			phrases := 0
			for i, turn := range tr.Turns {
				if turn.Speaker != "Moderator" && !(len(turn.Speaker) == 2 && turn.Speaker[0] == 'P') {
					t.Errorf("%s turn %d: speaker %q", tr.ID, i, turn.Speaker)
				}
				phrases += strings.Count(strings.ToLower(tr.TurnText(i)), "alongside")
			}
			if phrases < 4 {
				t.Errorf("%s: %q %d times, want several", tr.ID, "alongside", phrases)
			}
		}
	}
	want := []string{
		"annomi-000-alcohol", "annomi-024-smoking", "annomi-063-drugs",
		"annomi-alcohol-smoking-drugs/16", "annomi-alcohol-smoking-drugs/40", "annomi-alcohol-smoking-drugs/65",
		"focus-group-1", "focus-group-2",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("sample transcripts %q, want %q", ids, want)
	}
}
