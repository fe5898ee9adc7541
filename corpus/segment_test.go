package corpus

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jdkato/prose/v2"
)

// transcriptOf builds a transcript from (speaker, text) pairs with the
// renderer, as the structured readers do.
func transcriptOf(t testing.TB, turns ...string) *Transcript {
	t.Helper()
	var r renderer
	for i := 0; i+1 < len(turns); i += 2 {
		r.add(turns[i], turns[i+1], NoTime, NoTime, 0)
	}
	tr, err := build(source{name: "test"}, "test", "test", r.text(), r.turns, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func sentencesOf(tr *Transcript) [][]string {
	var out [][]string
	for _, turn := range tr.Turns {
		var ss []string
		for _, s := range turn.Sentences {
			ss = append(ss, Cut(tr.Text, s.Span))
		}
		out = append(out, ss)
	}
	return out
}

func TestSegment(t *testing.T) {
	long := strings.Repeat("and then we went on ", 20) // 100 words, no punctuation
	tests := []struct {
		name  string
		turns []string
		want  [][]string
	}{
		{"two sentences",
			[]string{"therapist", "How are you? I saw the form.", "client", "Fine."},
			[][]string{{"How are you?", "I saw the form."}, {"Fine."}}},
		{"turn boundary ends an unpunctuated sentence",
			[]string{"P1", "we were walking alongside them", "P2", "yes and that mattered"},
			[][]string{{"we were walking alongside them"}, {"yes and that mattered"}}},
		{"lower-case start continues the sentence",
			[]string{"P1", "It was approx. two weeks. Then it stopped."},
			[][]string{{"It was approx. two weeks.", "Then it stopped."}}},
		{"omission mark continues the sentence",
			[]string{"P1", "I told her (...) and she listened. Then we talked."},
			[][]string{{"I told her (...) and she listened.", "Then we talked."}}},
		{"omission alone is no sentence",
			[]string{"P1", "We sat down. (...) It helped a lot."},
			[][]string{{"We sat down.", "(...) It helped a lot."}}},
		{"paragraphs inside a turn",
			[]string{"P1", "First point.\n\nSecond point."},
			[][]string{{"First point.", "Second point."}}},
		{"non-ASCII text keeps code point offsets",
			[]string{"Sofía", "Allí fue. ¿Qué más?"},
			[][]string{{"Allí fue.", "¿Qué más?"}}},
		{"long unpunctuated speech is capped",
			[]string{"P1", strings.TrimSpace(long)},
			[][]string{{strings.TrimSpace(strings.Repeat("and then we went on ", 12)), strings.TrimSpace(strings.Repeat("and then we went on ", 8))}}},
	}
	var seg Segmenter
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := transcriptOf(t, tc.turns...)
			if err := seg.Segment(tr); err != nil {
				t.Fatal(err)
			}
			got := sentencesOf(tr)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d turns %q, want %d", len(got), got, len(tc.want))
			}
			for i := range got {
				if strings.Join(got[i], "|") != strings.Join(tc.want[i], "|") {
					t.Errorf("turn %d: got %q, want %q", i, got[i], tc.want[i])
				}
			}
			checkSentences(t, tr)
		})
	}
}

func TestSegmentCapPrefersComma(t *testing.T) {
	text := strings.Repeat("word ", 30) + "then a comma, " + strings.Repeat("more ", 40)
	tr := transcriptOf(t, "P1", text)
	seg := Segmenter{}
	if err := seg.Segment(tr); err != nil {
		t.Fatal(err)
	}
	got := sentencesOf(tr)[0]
	if len(got) != 2 || !strings.HasSuffix(got[0], "comma,") {
		t.Fatalf("got %q, want a cut after the comma", got)
	}
}

// checkSentences checks the segmentation invariants: sentences lie inside
// their turn, in order, without overlap, trimmed, and together hold every
// non-space character of the turn.
func checkSentences(t testing.TB, tr *Transcript) {
	t.Helper()
	for i, turn := range tr.Turns {
		prev := turn.Span.Start
		var joined strings.Builder
		for _, s := range turn.Sentences {
			if s.Span.Start < prev || s.Span.End <= s.Span.Start || s.Span.End > turn.Span.End {
				t.Fatalf("turn %d: sentence %v outside turn %v or out of order", i, s.Span, turn.Span)
			}
			text := Cut(tr.Text, s.Span)
			if strings.Trim(text, " \t\n\f") != text {
				t.Fatalf("turn %d: sentence %q not trimmed", i, text)
			}
			joined.WriteString(text)
			prev = s.Span.End
		}
		if a, b := stripSpace(joined.String()), stripSpace(Cut(tr.Text, turn.Span)); a != b {
			t.Fatalf("turn %d: sentences %q do not cover turn %q", i, a, b)
		}
	}
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\t' || r == '\f' {
			return -1
		}
		return r
	}, s)
}

// TestAlignmentNeverFails runs prose over every AnnoMI conversation and
// checks that the moving cursor finds every sentence prose returned.
func TestAlignmentNeverFails(t *testing.T) {
	ts := loadAnnoMIOnce(t)
	var seg Segmenter
	total := 0
	for _, tr := range ts {
		var b strings.Builder
		for i := range tr.Turns {
			if i > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(tr.TurnText(i))
		}
		doc, err := prose.NewDocument(b.String(), prose.WithTokenization(false), prose.WithTagging(false), prose.WithExtraction(false))
		if err != nil {
			t.Fatal(err)
		}
		nonEmpty := 0
		for _, s := range doc.Sentences() {
			if s.Text != "" {
				nonEmpty++
			}
		}
		if got := len(alignSentences(b.String(), doc.Sentences())); got != nonEmpty {
			t.Fatalf("%s: aligned %d of %d sentences", tr.ID, got, nonEmpty)
		}
		total += nonEmpty
		if err := seg.Segment(tr); err != nil {
			t.Fatal(err)
		}
		checkSentences(t, tr)
	}
	t.Logf("aligned %d sentences in %d transcripts", total, len(ts))
}

// FuzzSentenceFixes checks the invariants of the transcript fixes for any
// text and any sentence starts prose could give. (prose itself is too slow
// under the fuzzer's coverage instrumentation: it rebuilds its splitter from
// training data on every document; TestAlignmentNeverFails runs it on
// AnnoMI instead.)
func FuzzSentenceFixes(f *testing.F) {
	f.Add("How are you? I saw the form.", "Fine (...) thanks. approx. two", []byte{0, 13, 30})
	f.Add("", "...", []byte{1})
	f.Add("Mr. Smith said so.\n\nNext.", "é́ à. B", []byte{4, 200, 7})
	f.Fuzz(func(t *testing.T, a, b string, cuts []byte) {
		for _, s := range []string{a, b} {
			if c, err := Canonical([]byte(s)); err != nil || c != s {
				return // readers only ever segment canonical text
			}
		}
		var r renderer
		r.add("P1", a, NoTime, NoTime, 0)
		r.add("P2", b, NoTime, NoTime, 0)
		tr, err := build(source{name: "fuzz"}, "fuzz", "fuzz", r.text(), r.turns, nil)
		if err != nil {
			return // nothing but space: no turns
		}
		sp := joinTurns(tr)
		var starts []int
		at := 0
		for _, c := range cuts {
			at += int(c)
			if at >= len(sp.text) {
				break
			}
			starts = append(starts, at)
		}
		sp.setSentences(tr, starts, 8)
		checkSentences(t, tr)
	})
}

// TestSegmentAllMatchesOneByOne checks that segmenting transcripts together
// gives every transcript the sentences it gets alone.
func TestSegmentAllMatchesOneByOne(t *testing.T) {
	all := loadAnnoMIOnce(t)[:20]
	var seg Segmenter
	alone := make([][][]string, len(all))
	for i, tr := range all {
		if err := seg.Segment(tr); err != nil {
			t.Fatal(err)
		}
		alone[i] = sentencesOf(tr)
	}
	if err := seg.SegmentAll(all); err != nil {
		t.Fatal(err)
	}
	for i, tr := range all {
		checkSentences(t, tr)
		if got := sentencesOf(tr); fmt.Sprint(got) != fmt.Sprint(alone[i]) {
			t.Fatalf("%s: segmented together differs from alone", tr.ID)
		}
	}
}

// A pasted transcript (one turn, thousands of sentences) is segmented a
// chunk at a time, and the sentences are the ones one document gives.
func TestLongTurnSegmentsInChunks(t *testing.T) {
	data, err := os.ReadFile("testdata/annomi/AnnoMI-simple.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("P1: ")
	for _, r := range recs[1:3000] {
		b.WriteString(strings.TrimSpace(r[8]) + " ") // utterance_text
	}
	read := func(chunk int) *Transcript {
		ts, err := Parse("pasted.txt", "pasted", []byte(b.String()), Options{})
		if err != nil {
			t.Fatal(err)
		}
		seg := Segmenter{ChunkBytes: chunk}
		if err := seg.Segment(ts[0]); err != nil {
			t.Fatal(err)
		}
		return ts[0]
	}
	whole, chunked := read(1<<30), read(16<<10)
	if len(whole.Turns) != 1 {
		t.Fatalf("%d turns, want one", len(whole.Turns))
	}
	a, c := whole.Turns[0].Sentences, chunked.Turns[0].Sentences
	if len(a) < 2000 {
		t.Fatalf("%d sentences: the test needs a long turn", len(a))
	}
	// Only the sentences at a cut may differ: count those not in both.
	in := map[Sentence]bool{}
	for _, x := range a {
		in[x] = true
	}
	diff := 0
	for _, x := range c {
		if !in[x] {
			diff++
		}
	}
	cuts := len(b.String()) / (16 << 10)
	t.Logf("%d sentences, %d chunk cuts, %d sentences differ", len(a), cuts, diff)
	if diff > cuts {
		t.Errorf("chunked segmentation differs from one document in %d of %d sentences, more than the %d cuts (%d vs %d sentences)", diff, len(a), cuts, len(c), len(a))
	}
}
