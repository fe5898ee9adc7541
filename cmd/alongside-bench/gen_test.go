package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/search"
)

const annomiPath = "../../corpus/testdata/annomi/AnnoMI-simple.csv"

// TestCorpusGenerator writes a small corpus and checks that it is
// deterministic, reaches its size, uses every format, and that every file
// reads back with the project's own readers into real AnnoMI utterances.
func TestCorpusGenerator(t *testing.T) {
	convs, err := loadAnnoMI(annomiPath)
	if err != nil {
		t.Fatal(err)
	}
	utterances := map[string]bool{}
	for _, c := range convs {
		for _, u := range c {
			utterances[u.text] = true
		}
	}
	a, b := t.TempDir(), t.TempDir()
	n, words, err := writeCorpus(newGenerator(convs, 7), a, 60_000, 3_000, "t")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := writeCorpus(newGenerator(convs, 7), b, 60_000, 3_000, "t"); err != nil {
		t.Fatal(err)
	}
	if words < 60_000 || words > 66_000 {
		t.Errorf("wrote %d words, want about 60,000", words)
	}
	entries, _ := os.ReadDir(a)
	exts := map[string]int{}
	read := 0
	for _, e := range entries {
		x, _ := os.ReadFile(filepath.Join(a, e.Name()))
		y, _ := os.ReadFile(filepath.Join(b, e.Name()))
		if !bytes.Equal(x, y) {
			t.Fatalf("%s differs between two runs with the same seed", e.Name())
		}
		exts[filepath.Ext(e.Name())]++
		ts, err := corpus.ReadFile(filepath.Join(a, e.Name()), e.Name(), corpus.Options{})
		if err != nil {
			t.Fatalf("%s does not read back: %v", e.Name(), err)
		}
		for _, tr := range ts {
			read++
			for i, turn := range tr.Turns {
				if turn.Speaker != "Interviewer" && turn.Speaker != "Participant" && turn.Speaker != "therapist" && turn.Speaker != "client" {
					t.Fatalf("%s turn %d: speaker %q", e.Name(), i, turn.Speaker)
				}
				if i >= 3 {
					continue // the first turns of each file show the source
				}
				// Captions merge a speaker's consecutive cues: check the start.
				text := tr.TurnText(i)
				found := false
				for u := range utterances {
					if strings.HasPrefix(text, u) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("%s turn %d: %.40q is no AnnoMI utterance", e.Name(), i, text)
				}
			}
		}
	}
	for _, f := range formats {
		if exts[f.ext] == 0 {
			t.Errorf("no %s file among %v", f.ext, exts)
		}
	}
	if read != n {
		t.Errorf("read %d transcripts, wrote %d", read, n)
	}
}

// TestBenchCodebookAndQueries checks that the generated codebooks have 30
// codes and 150 valid keywords each, and that every query parses.
func TestBenchCodebookAndQueries(t *testing.T) {
	convs, err := loadAnnoMI(annomiPath)
	if err != nil {
		t.Fatal(err)
	}
	v := newVocabulary(convs)
	// The topical codebook alone, and with the broad one added, as the
	// benchmark writes them.
	topical := codebookYAML(v, false)
	for _, tc := range []struct {
		yaml  string
		codes int
	}{{topical, 30}, {topical + codebookYAML(v, true), 60}} {
		cb, err := codebook.ParseYAML("bench.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		if err := stages.CheckCodebook(cb); err != nil {
			t.Fatal(err)
		}
		codes, keywords := 0, 0
		for _, c := range cb.All() {
			if len(c.Keywords) > 0 {
				codes++
				keywords += len(c.Keywords)
			}
		}
		if codes != tc.codes || keywords != 5*tc.codes {
			t.Errorf("%d codes, %d keywords; want %d and %d", codes, keywords, tc.codes, 5*tc.codes)
		}
	}
	for kind, qs := range querySets(v) {
		if len(qs) != 50 {
			t.Errorf("%s: %d queries, want 50", kind, len(qs))
		}
		for _, q := range qs {
			if _, err := search.BuildQuery(search.Options{Query: q}); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	}
}

// The line counter counts lines split across writes, and a last line
// without its newline not at all (the JSON lines all end in one).
func TestLineCounter(t *testing.T) {
	var c lineCounter
	for _, w := range []string{"{\"a\":1}\n{\"b\"", ":2}\n", "", "{\"c\":3}\n{\"d\""} {
		if _, err := c.Write([]byte(w)); err != nil {
			t.Fatal(err)
		}
	}
	if c != 3 {
		t.Errorf("counted %d lines, want 3", c)
	}
}
