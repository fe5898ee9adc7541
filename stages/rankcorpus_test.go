package stages

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/stages/relevance"
)

func rankCorpusTranscript(t testing.TB) *corpus.Transcript {
	t.Helper()
	ts, err := corpus.Parse("s1.txt", "s1", []byte("Therapist: What brings you in today?\n\n"+
		"Client: My doctor says I should quit smoking. I don't want to stop, honestly.\n\n"+
		"Therapist: You're not sure.\n\nClient: No.\n\n"+
		"Client: Well, I smoke about twenty a day, and my wife hates the smell, and the kids keep asking me when I'm going to stop for good?\n"), corpus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var seg corpus.Segmenter
	if err := seg.Segment(ts[0]); err != nil {
		t.Fatal(err)
	}
	return ts[0]
}

// Kept words read back are what analysing the text gives, word for word,
// with the same vocabulary IDs, however large the IDs (held as varints of
// one to three bytes here).
func TestRankWordsRoundTrip(t *testing.T) {
	an, err := relevance.NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	tr := rankCorpusTranscript(t)
	for _, known := range []int{0, 100, 70000} { // words already in the vocabulary
		fresh, x := relevance.NewIndex(an), relevance.NewIndex(an)
		for i := range known {
			fresh.WordID(fmt.Sprint("w", i))
			x.WordID(fmt.Sprint("w", i))
		}
		var want []int32
		for _, turn := range tr.Turns {
			for _, s := range turn.Sentences {
				want = append(want, fresh.Doc(tr.Cut(s.Span)).Seq...)
			}
		}
		c := newRankCorpus()
		if err := c.add(x, tr.ID, tr.Version, encodeRankWords(an, tr)); err != nil {
			t.Fatal(err)
		}
		var got []int32
		for s := range int32(len(c.sentEnd)) {
			got = append(got, c.decode(c.sentStart(s), c.sentEnd[s], nil).Seq...)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d words known: read back %v, analysed %v", known, got, want)
		}
		if len(c.turns) != len(tr.Turns) || c.speakerKey(1) != tr.Turns[1].SpeakerKey || int(c.turns[1].sentences) != len(tr.Turns[1].Sentences) || c.turnNumber(1) != 1 {
			t.Errorf("turns %+v", c.turns)
		}
		if !slices.ContainsFunc(got, func(v int32) bool { return v < 0 }) {
			t.Error("no function word marked")
		}
	}
}

// Damaged kept words add nothing and say so; the caller analyses again.
func TestDamagedRankWords(t *testing.T) {
	an, err := relevance.NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	tr := rankCorpusTranscript(t)
	good := encodeRankWords(an, tr)
	x := relevance.NewIndex(an)
	c := newRankCorpus()
	for _, bad := range [][]byte{nil, good[:len(good)/2], append(bytes.Clone(good), 7), {0xff, 0xff, 0xff}} {
		if err := c.add(x, tr.ID, tr.Version, bad); err == nil {
			t.Errorf("%x: no error", bad)
		}
		if len(c.words) != 0 || len(c.sentEnd) != 0 || len(c.turns) != 0 || len(c.ts) != 0 || len(c.speakers) != 0 || len(c.speaker) != 0 {
			t.Fatalf("%x: damaged words were added", bad)
		}
	}
}

func FuzzRankWords(f *testing.F) {
	an, err := relevance.NewAnalyzer()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encodeRankWords(an, rankCorpusTranscript(f)))
	f.Add([]byte{1, 1, 'a', 1, 0, 1, 2, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		x := relevance.NewIndex(an)
		c := newRankCorpus()
		if c.add(x, "t", "v", data) != nil {
			return
		}
		// What was read is whole: every sentence's words in range.
		for s := range c.sentEnd {
			if c.sentStart(int32(s)) > c.sentEnd[s] || int(c.sentEnd[s]) > len(c.words) {
				t.Fatalf("sentence %d out of range", s)
			}
		}
		for g, tr := range c.turns {
			if int(tr.firstSent+tr.sentences) > len(c.sentEnd) {
				t.Fatalf("turn %+v out of range", tr)
			}
			if tr.sentences > 0 {
				c.span(int32(g), 0, int(tr.sentences)-1, nil) // decodes
			}
		}
	})
}

// Every sentence is found in the turn that holds it, across transcripts
// and past turns without sentences.
func TestTurnOf(t *testing.T) {
	an, err := relevance.NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	x := relevance.NewIndex(an)
	c := newRankCorpus()
	for _, id := range []string{"a", "b"} {
		tr := rankCorpusTranscript(t)
		tr.Turns = append([]corpus.Turn{{Speaker: "Nobody", SpeakerKey: "nobody"}}, tr.Turns...) // a turn without sentences first
		if err := c.add(x, id, tr.Version, encodeRankWords(an, tr)); err != nil {
			t.Fatal(err)
		}
	}
	for s := range int32(len(c.sentEnd)) {
		g := c.turnOf(s)
		if tr := c.turns[g]; s < tr.firstSent || s >= tr.firstSent+tr.sentences {
			t.Errorf("sentence %d: turn %d holds %d to %d", s, g, tr.firstSent, tr.firstSent+tr.sentences-1)
		}
	}
}

// The corpus read for ranking keeps no buffer as large as its longest
// transcript: add's buffers (four bytes a word of the longest version, 40
// MB for a pasted transcript of 49 MB) are let go once every version is
// read.
func TestRankCorpusLetsGoOfItsBuffers(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "transcripts"), 0o700); err != nil {
		t.Fatal(err)
	}
	long := "Client: " + strings.Repeat("I want to stop smoking for my kids, and I know it will be hard. ", 2000) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "transcripts", "long.txt"), []byte(long), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := Project{Dir: dir}
	if _, err := Run(ctx, p, Options{Transcripts: []string{"transcripts"}, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	st, err := p.OpenExistingStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	an, err := relevance.NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	for _, pass := range []string{"first", "again"} {
		c, err := loadRankCorpus(ctx, st, relevance.NewIndex(an), an, 1, noProgress{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.sentEnd) == 0 {
			t.Fatalf("%s: no sentences read", pass)
		}
		if cap(c.seqs) != 0 || cap(c.sentLen) != 0 {
			t.Errorf("%s: the corpus keeps buffers of %d and %d entries", pass, cap(c.seqs), cap(c.sentLen))
		}
	}
}
