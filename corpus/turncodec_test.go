package corpus

import (
	"reflect"
	"testing"
)

func TestTurnCodecRoundTrip(t *testing.T) {
	ts := loadAnnoMIOnce(t)[:10]
	var seg Segmenter
	if err := seg.SegmentAll(ts); err != nil {
		t.Fatal(err)
	}
	for _, tr := range ts {
		got, err := DecodeTurns(EncodeTurns(tr.Turns))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tr.Turns) {
			t.Fatalf("%s: turns differ after a round trip", tr.ID)
		}
	}
	if got, err := DecodeTurns(EncodeTurns(nil)); err != nil || len(got) != 0 {
		t.Fatalf("no turns: %v %v", got, err)
	}
}

func FuzzDecodeTurns(f *testing.F) {
	f.Add(EncodeTurns([]Turn{{Speaker: "P1", SpeakerKey: "p1", Start: NoTime, End: 5, Span: Span{3, 9}, Sentences: []Sentence{{Span{3, 5}}, {Span{6, 9}}}}}))
	f.Add([]byte{1, 200, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		turns, err := DecodeTurns(b) // must not panic
		if err != nil {
			return
		}
		again, err := DecodeTurns(EncodeTurns(turns))
		if err != nil || !reflect.DeepEqual(again, turns) {
			t.Fatalf("decoded turns do not round trip: %v", err)
		}
	})
}
