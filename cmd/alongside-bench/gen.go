package main

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// utterance is one AnnoMI utterance.
type utterance struct {
	speaker string // therapist | client
	text    string
	// AnnoMI's expert labels: client_talk_type (change, sustain,
	// neutral) and main_therapist_behaviour (reflection, question...).
	talk, behaviour string
}

// conversation is one AnnoMI conversation, in order.
type conversation []utterance

// loadAnnoMI reads the AnnoMI table (public domain; see
// corpus/testdata/annomi/README.md) into conversations.
func loadAnnoMI(path string) ([]conversation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading AnnoMI: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading AnnoMI %s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	type keyed struct {
		order int
		u     utterance
	}
	groups := map[int][]keyed{}
	for _, r := range rows[1:] {
		id, _ := strconv.Atoi(r[col["transcript_id"]])
		order, _ := strconv.Atoi(r[col["utterance_id"]])
		text := strings.Join(strings.Fields(r[col["utterance_text"]]), " ")
		if text == "" {
			continue
		}
		groups[id] = append(groups[id], keyed{order, utterance{speaker: r[col["interlocutor"]], text: text,
			talk: r[col["client_talk_type"]], behaviour: r[col["main_therapist_behaviour"]]}})
	}
	ids := make([]int, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var out []conversation
	for _, id := range ids {
		g := groups[id]
		sort.Slice(g, func(i, j int) bool { return g[i].order < g[j].order })
		var c conversation
		for _, k := range g {
			c = append(c, k.u)
		}
		out = append(out, c)
	}
	return out, nil
}

// turn is one generated turn.
type turn struct {
	speaker string
	start   time.Duration
	text    string
}

// generator assembles long interviews from real AnnoMI utterances: runs of
// consecutive utterances from random conversations, so that vocabulary,
// turn lengths and the back-and-forth are real. It is deterministic for a
// seed.
type generator struct {
	convs []conversation
	rng   *rand.Rand
}

func newGenerator(convs []conversation, seed uint64) *generator {
	return &generator{convs: convs, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// transcript returns turns adding up to about words words.
func (g *generator) transcript(words int) []turn {
	var out []turn
	at := time.Duration(0)
	n := 0
	for n < words {
		c := g.convs[g.rng.IntN(len(g.convs))]
		start := g.rng.IntN(len(c))
		run := 20 + g.rng.IntN(40)
		for i := start; i < len(c) && i < start+run && n < words; i++ {
			at += time.Duration(2+g.rng.IntN(15)) * time.Second
			out = append(out, turn{speaker: c[i].speaker, start: at, text: c[i].text})
			n += len(strings.Fields(c[i].text))
		}
	}
	return out
}

// Formats the generated files rotate through, with their share.
var formats = []struct {
	ext   string
	share int // out of 100
}{{".txt", 55}, {".vtt", 15}, {".srt", 10}, {".docx", 15}, {".csv", 5}}

// writeCorpus writes about words words as files of about perFile words
// each into dir, in rotating formats; every 20th file of the CSV share
// is a table holding several transcripts. It returns the number of
// transcripts and words written.
func writeCorpus(g *generator, dir string, words, perFile int, prefix string) (transcripts, written int, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, 0, err
	}
	for i := 0; written < words; i++ {
		ext := pickFormat(i)
		var data []byte
		name := fmt.Sprintf("%s%05d%s", prefix, i, ext)
		if ext == ".csv" {
			// A table of four shorter conversations.
			var tables [][]turn
			for range 4 {
				tables = append(tables, g.transcript(perFile/4))
			}
			data = tableBytes(tables)
			transcripts += 4
			for _, t := range tables {
				written += countWords(t)
			}
		} else {
			ts := g.transcript(perFile)
			transcripts++
			written += countWords(ts)
			switch ext {
			case ".txt":
				data = txtBytes(ts)
			case ".vtt":
				data = vttBytes(ts)
			case ".srt":
				data = srtBytes(ts)
			case ".docx":
				if data, err = docxBytes(ts); err != nil {
					return 0, 0, err
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return 0, 0, err
		}
	}
	return transcripts, written, nil
}

// pickFormat spreads the formats over file numbers by their shares.
func pickFormat(i int) string {
	slot := (i * 37) % 100
	for _, f := range formats {
		if slot < f.share {
			return f.ext
		}
		slot -= f.share
	}
	return ".txt"
}

func countWords(ts []turn) int {
	n := 0
	for _, t := range ts {
		n += len(strings.Fields(t.text))
	}
	return n
}

var labels = map[string]string{"therapist": "Interviewer", "client": "Participant"}

func clock(d time.Duration, sep string) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

func txtBytes(ts []turn) []byte {
	var b bytes.Buffer
	b.WriteString("Interview transcript (generated from AnnoMI utterances)\n\n")
	for _, t := range ts {
		s := int(t.start.Seconds())
		fmt.Fprintf(&b, "[%02d:%02d:%02d] %s: %s\n\n", s/3600, s/60%60, s%60, labels[t.speaker], t.text)
	}
	return b.Bytes()
}

func cueEnd(ts []turn, i int) time.Duration {
	if i+1 < len(ts) {
		return ts[i+1].start - 100*time.Millisecond
	}
	return ts[i].start + 2*time.Second
}

func vttBytes(ts []turn) []byte {
	var b bytes.Buffer
	b.WriteString("WEBVTT\n\n")
	for i, t := range ts {
		fmt.Fprintf(&b, "%d\n%s --> %s\n<v %s>%s</v>\n\n", i+1, clock(t.start, "."), clock(cueEnd(ts, i), "."), labels[t.speaker], xmlEscape(t.text))
	}
	return b.Bytes()
}

func srtBytes(ts []turn) []byte {
	var b bytes.Buffer
	for i, t := range ts {
		fmt.Fprintf(&b, "%d\n%s --> %s\n%s: %s\n\n", i+1, clock(t.start, ","), clock(cueEnd(ts, i), ","), labels[t.speaker], t.text)
	}
	return b.Bytes()
}

func tableBytes(tables [][]turn) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"transcript_id", "utterance_id", "interlocutor", "timestamp", "utterance_text"})
	for id, ts := range tables {
		for i, t := range ts {
			s := int(t.start.Seconds())
			w.Write([]string{strconv.Itoa(id), strconv.Itoa(i), t.speaker, fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60), t.text})
		}
	}
	w.Flush()
	return b.Bytes()
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// docxBytes writes a minimal Word document: one paragraph per turn.
func docxBytes(ts []turn) ([]byte, error) {
	var body strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&body, `<w:p><w:r><w:t xml:space="preserve">%s: %s</w:t></w:r></w:p>`, labels[t.speaker], xmlEscape(t.text))
	}
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":   `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`,
	}
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
		w, err := z.Create(name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(parts[name])); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
