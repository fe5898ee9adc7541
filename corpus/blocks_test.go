package corpus

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// blockTranscripts are the export layouts' transcripts, segmented, and a
// few AnnoMI conversations, and edge cases: a transcript of one turn, and
// text before the first turn and between turns.
func blockTranscripts(t *testing.T) []*Transcript {
	t.Helper()
	var seg Segmenter
	var out []*Transcript
	files, err := os.ReadDir(filepath.Join("testdata", "formats"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		ts, err := ReadFile(filepath.Join("testdata", "formats", f.Name()), f.Name(), Options{})
		if err != nil {
			continue // not a transcript (the README, the fixture script)
		}
		out = append(out, ts...)
	}
	out = append(out, loadAnnoMIOnce(t)[:20]...)
	one := &Transcript{ID: "one", Text: "Just one turn here. It has two sentences.", Turns: []Turn{{Speaker: "A", Span: Span{Start: 0, End: 41}}}}
	gaps := &Transcript{ID: "gaps", Text: "Title line\nÅsa: Hej där. Hur mår du?\nBo: Bra, tack. Och du?\n(end)\n"}
	gaps.Turns = []Turn{{Speaker: "Åsa", Span: Span{Start: 16, End: 36}}, {Speaker: "Bo", Span: Span{Start: 41, End: 59}}}
	out = append(out, one, gaps)
	for _, tr := range out {
		if err := seg.Segment(tr); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 30 {
		t.Fatalf("only %d transcripts", len(out))
	}
	return out
}

// The blocks of a transcript, all joined, are the transcript; any run of
// them that Shows a passage and its context gives the same text and
// context as the whole transcript.
func TestBlocksKeepTheTranscript(t *testing.T) {
	excerpts, shown := 0, 0
	for _, tr := range blockTranscripts(t) {
		for _, size := range []int{1, 150, 2500, 1 << 30} {
			blocks := tr.Blocks(size)
			if size == 1 && len(blocks) != max(len(tr.Turns), 1) {
				t.Errorf("%s: %d blocks of size 1 for %d turns", tr.ID, len(blocks), len(tr.Turns))
			}
			var text strings.Builder
			for _, b := range blocks {
				text.WriteString(b.Text)
			}
			if text.String() != tr.Text {
				t.Fatalf("%s, size %d: the blocks' text is not the transcript's", tr.ID, size)
			}
			whole, err := joinBlocks(&Transcript{ID: tr.ID}, blocks, len(tr.Turns))
			if err != nil {
				t.Fatal(err)
			}
			if whole.Text != tr.Text || !slices.EqualFunc(whole.Turns, tr.Turns, sameTurn) || whole.TextFrom != 0 {
				t.Fatalf("%s, size %d: joined blocks differ from the transcript", tr.ID, size)
			}
			for ti, turn := range tr.Turns {
				// the blocks from the one holding turn ti-1 to the one holding ti+1
				lo := blockOf(blocks, max(ti-1, 0))
				hi := blockOf(blocks, min(ti+1, len(tr.Turns)-1))
				ex, err := joinBlocks(&Transcript{ID: tr.ID}, slices.Clone(blocks[lo:hi+1]), len(tr.Turns))
				if err != nil {
					t.Fatal(err)
				}
				excerpts++
				for s := range turn.Sentences {
					for _, n := range []int{0, 1, 2} {
						if !ex.Shows(ti, s, s, n) {
							continue
						}
						shown++
						if got, want := ex.Cut(turn.Sentences[s].Span), tr.Cut(turn.Sentences[s].Span); got != want {
							t.Fatalf("%s turn %d sentence %d: cut %q, want %q", tr.ID, ti, s, got, want)
						}
						gb, ga := ex.Context(ti, s, s, n)
						wb, wa := tr.Context(ti, s, s, n)
						if gb != wb || ga != wa {
							t.Fatalf("%s turn %d sentence %d, context %d: %q / %q, want %q / %q", tr.ID, ti, s, n, gb, ga, wb, wa)
						}
					}
					// One sentence of context either side never needs more
					// than the turns either side, each of which has one.
					if n := 1; !ex.Shows(ti, s, s, n) && everyTurnSpeaks(tr) {
						t.Errorf("%s turn %d sentence %d: an excerpt of the turns around it does not show it", tr.ID, ti, s)
					}
				}
			}
		}
	}
	if shown < excerpts {
		t.Errorf("%d checks of %d excerpts", shown, excerpts)
	}
}

// An excerpt does not pretend to show what it lacks: a turn outside it,
// or context reaching past its edge.
func TestExcerptShowsOnlyWhatItHolds(t *testing.T) {
	tr := loadAnnoMIOnce(t)[0]
	if err := new(Segmenter).Segment(tr); err != nil {
		t.Fatal(err)
	}
	blocks := tr.Blocks(1)
	if len(blocks) < 6 {
		t.Fatalf("%d blocks", len(blocks))
	}
	ex, err := joinBlocks(&Transcript{ID: tr.ID}, slices.Clone(blocks[2:4]), len(tr.Turns))
	if err != nil {
		t.Fatal(err)
	}
	if !ex.Shows(2, 0, 0, 0) || !ex.Shows(3, 0, 0, 0) {
		t.Error("the excerpt's own turns are not shown")
	}
	if ex.Shows(1, 0, 0, 0) || ex.Shows(4, 0, 0, 0) {
		t.Error("a turn outside the excerpt is shown")
	}
	last := len(tr.Turns[3].Sentences) - 1
	if ex.Shows(3, last, last, 1) {
		t.Error("context after the excerpt's last turn is shown")
	}
	if ex.Shows(2, 0, 0, 1) {
		t.Error("context before the excerpt's first turn is shown")
	}
	if ex.Holds(tr.Turns[5].Span) || !ex.Holds(tr.Turns[2].Span) {
		t.Error("Holds is wrong about the excerpt's text")
	}
	if _, err := joinBlocks(&Transcript{ID: tr.ID}, []Block{blocks[1], blocks[3]}, len(tr.Turns)); err == nil {
		t.Error("blocks with a gap between them were joined")
	}
}

func blockOf(blocks []Block, turn int) int {
	for i, b := range blocks {
		if turn >= b.FirstTurn && turn < b.FirstTurn+len(b.Turns) {
			return i
		}
	}
	return -1
}

func everyTurnSpeaks(tr *Transcript) bool {
	for _, turn := range tr.Turns {
		if len(turn.Sentences) == 0 {
			return false
		}
	}
	return true
}

func sameTurn(a, b Turn) bool {
	return a.Speaker == b.Speaker && a.SpeakerKey == b.SpeakerKey && a.Start == b.Start && a.End == b.End &&
		a.Span == b.Span && a.Role == b.Role && a.RoleInferred == b.RoleInferred && slices.Equal(a.Sentences, b.Sentences)
}

// joinBlocks joins blocks as the store reads them back: their turns
// encoded, a block at a time.
func joinBlocks(into *Transcript, blocks []Block, turns int) (*Transcript, error) {
	j := NewJoiner(into, turns)
	for _, b := range blocks {
		if err := j.Add(b.FirstTurn, b.TextFrom, []byte(b.Text), EncodeTurns(b.Turns)); err != nil {
			return nil, err
		}
	}
	return j.Transcript(), nil
}

// Blocks read back from a damaged store are refused or joined into an
// excerpt whose Shows never lets Cut or Context reach outside its text.
// (A whole transcript's spans are trusted, as they always were.)
func FuzzJoiner(f *testing.F) {
	tr := &Transcript{ID: "f", Text: "Title\nA: One. Two.\nB: Three, four.\n"}
	tr.Turns = []Turn{{Speaker: "A", Span: Span{Start: 9, End: 18}, Sentences: []Sentence{{Span: Span{Start: 9, End: 13}}, {Span: Span{Start: 14, End: 18}}}},
		{Speaker: "B", Span: Span{Start: 22, End: 34}, Sentences: []Sentence{{Span: Span{Start: 22, End: 34}}}}}
	for _, b := range tr.Blocks(1) {
		f.Add(b.FirstTurn, b.TextFrom, b.Text, EncodeTurns(b.Turns), 2)
	}
	f.Add(0, 0, tr.Text, EncodeTurns(tr.Turns), 2)
	f.Fuzz(func(t *testing.T, first, from int, text string, turns []byte, all int) {
		if all < 0 || all > 1000 {
			return
		}
		j := NewJoiner(&Transcript{ID: "f"}, all)
		if err := j.Add(first, from, []byte(text), turns); err != nil {
			return
		}
		got := j.Transcript()
		if got.shown == (turnRange{}) {
			return
		}
		for ti, turn := range got.Turns {
			for s := range turn.Sentences {
				for n := range 3 {
					if got.Shows(ti, s, s, n) {
						got.Cut(turn.Sentences[s].Span)
						got.Context(ti, s, s, n)
					}
				}
			}
		}
	})
}
