package corpus

import (
	"reflect"
	"slices"
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

// turnsV1 is what EncodeTurns wrote before roles (format version 1): one
// turn of P1 with two sentences.
var turnsV1 = []byte{1, 1, 2, 'P', '1', 2, 'p', '1', 1, 10, 6, 12, 2, 0, 4, 6, 6}

// TestTurnCodecVersion1 checks that turns stored before roles still decode,
// with no role.
func TestTurnCodecVersion1(t *testing.T) {
	got, err := DecodeTurns(turnsV1)
	if err != nil {
		t.Fatal(err)
	}
	want := []Turn{{Speaker: "P1", SpeakerKey: "p1", Start: NoTime, End: 5, Span: Span{3, 9}, Sentences: []Sentence{{Span{3, 5}}, {Span{6, 9}}}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestTurnCodecRoles(t *testing.T) {
	var turns []Turn
	for i, r := range append(slices.Clone(Roles), "observer") {
		for _, inferred := range []bool{false, true} {
			turns = append(turns, Turn{Speaker: "S", SpeakerKey: "s", Start: NoTime, End: NoTime, Span: Span{i, i + 1}, Role: r, RoleInferred: inferred})
		}
	}
	got, err := DecodeTurns(EncodeTurns(turns))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, turns) {
		t.Fatalf("got %+v, want %+v", got, turns)
	}
}

func FuzzDecodeTurns(f *testing.F) {
	f.Add(EncodeTurns([]Turn{{Speaker: "P1", SpeakerKey: "p1", Start: NoTime, End: 5, Span: Span{3, 9}, Sentences: []Sentence{{Span{3, 5}}, {Span{6, 9}}}}}))
	f.Add(EncodeTurns([]Turn{{Speaker: "P1", SpeakerKey: "p1", Role: "observer", RoleInferred: true, Start: NoTime, End: 5, Span: Span{3, 9}}}))
	f.Add(turnsV1)
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
