package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// annomiSpeakers names AnnoMI's interlocutors as the fixtures label them.
var annomiSpeakers = map[string]string{"therapist": "Therapist", "client": "Client"}

// annomiWant is an AnnoMI conversation as one turn per utterance, white
// space runs as one space (as testdata/encodings/gen.sh and
// testdata/documents/gen.sh write them).
func annomiWant(t *testing.T, id string) []textTurn {
	t.Helper()
	_, rows := annomiData(t)
	var want []textTurn
	for _, r := range rows[id] {
		want = append(want, textTurn{annomiSpeakers[r.speaker], strings.Join(strings.Fields(r.text), " "), NoTime, NoTime})
	}
	if len(want) == 0 {
		t.Fatalf("no AnnoMI conversation %s", id)
	}
	return want
}

// compareTurns reports the first difference between got's turns and want.
func compareTurns(t *testing.T, got *Transcript, want []textTurn) {
	t.Helper()
	turns := textTurns(got)
	for i := 0; i < len(turns) || i < len(want); i++ {
		switch {
		case i >= len(turns):
			t.Fatalf("%d turns, want %d; first missing: %+v", len(turns), len(want), want[i])
		case i >= len(want):
			t.Fatalf("%d turns, want %d; first extra: %+v", len(turns), len(want), turns[i])
		case turns[i] != want[i]:
			t.Fatalf("turn %d\n got  %+v\n want %+v", i, turns[i], want[i])
		}
	}
}

// TestEncodings reads one AnnoMI conversation per encoding, written with
// iconv (testdata/encodings/gen.sh).
func TestEncodings(t *testing.T) {
	tests := []struct {
		file, annomi, encoding string
		nonASCII               string // characters the text must hold
	}{
		{"windows-1252.txt", "58", EncodingWindows1252, "’—"},
		{"utf-16le.txt", "131", EncodingUTF16LE, "£—"},
		{"utf-16be.txt", "117", EncodingUTF16BE, "’—"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			file := filepath.Join("testdata", "encodings", tc.file)
			ts, err := ReadFile(file, tc.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr := ts[0]
			textCheck(t, tr)
			if got := tr.Metadata[MetaEncoding]; got != tc.encoding {
				t.Errorf("encoding %q, want %q", got, tc.encoding)
			}
			if tr.Metadata["layout"] != "speaker-colon" || strings.Contains(tr.Text, "\r") || !utf8.ValidString(tr.Text) {
				t.Errorf("layout %q; text %q...", tr.Metadata["layout"], tr.Text[:80])
			}
			for _, r := range tc.nonASCII {
				if !strings.ContainsRune(tr.Text, r) {
					t.Errorf("text has no %q", r)
				}
			}
			compareTurns(t, tr, annomiWant(t, tc.annomi))
			if sp := textSpeakers(tr); len(sp) != 2 {
				t.Errorf("speakers %q", sp)
			}
		})
	}
}

// TestEncodingsAgree checks that one text reads the same in every encoding
// it can be written in, and that only non-UTF-8 readings are marked.
func TestEncodingsAgree(t *testing.T) {
	const text = "Interviewer: Was it a café or a pub?\r\n\r\nP1: A café – “Chez Anaïs”. I’d go there à pied, 5 € a coffee.\r\n"
	le, _ := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes([]byte(text))
	be, _ := xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewEncoder().Bytes([]byte(text))
	cp, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(text, "\r\n", "\n")
	for _, tc := range []struct {
		name string
		data []byte
		enc  string
	}{
		{"utf-8", []byte(text), ""},
		{"utf-8 bom", append([]byte("\ufeff"), text...), ""},
		{"utf-16le", le, EncodingUTF16LE},
		{"utf-16be", be, EncodingUTF16BE},
		{"windows-1252", cp, EncodingWindows1252},
	} {
		ts, err := Parse("x.txt", "x", tc.data, Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if ts[0].Text != want || ts[0].Metadata[MetaEncoding] != tc.enc || len(ts[0].Turns) != 2 {
			t.Errorf("%s: text %q, encoding %q, %d turns", tc.name, ts[0].Text, ts[0].Metadata[MetaEncoding], len(ts[0].Turns))
		}
	}
	// A table and captions in UTF-16 read too; the encoding is on each
	// transcript of a table.
	csv, _ := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes([]byte("session,speaker,text\r\na,I,Hello.\r\nb,P,Hi.\r\n"))
	ts, err := Parse("t.csv", "t", csv, Options{})
	if err != nil || len(ts) != 2 || ts[1].Metadata[MetaEncoding] != EncodingUTF16LE {
		t.Errorf("UTF-16 table: %v, %d transcripts", err, len(ts))
	}
}

// FuzzDecode checks Decode on any bytes: no panic; text comes back valid,
// canonical UTF-8 with a known encoding, or a *FileError or sentinel.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "encodings", "*.txt"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 600)])
	}
	f.Add([]byte("P1: caf\xe9 \x81"))
	f.Add([]byte("\xfe\xff\xd8\x00\xdc\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		text, enc, err := Decode(data)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) && !errors.Is(err, ErrBinary) {
				t.Fatalf("error %v", err)
			}
			return
		}
		switch enc {
		case EncodingUTF8, EncodingUTF16LE, EncodingUTF16BE, EncodingWindows1252:
		default:
			t.Fatalf("encoding %q", enc)
		}
		if !utf8.ValidString(text) || strings.Contains(text, "\r") {
			t.Fatalf("text %q not canonical", text)
		}
		// (A second byte-order mark stays in the text and is taken as
		// the mark on a second reading.)
		if again, enc2, err := Decode([]byte(text)); !strings.HasPrefix(text, "\ufeff") && (err != nil || again != text || enc2 != EncodingUTF8) {
			t.Fatalf("canonical text does not read back: %v", err)
		}
		if enc == EncodingUTF8 && !utf8.Valid(data) {
			t.Fatalf("invalid UTF-8 read as UTF-8")
		}
	})
}
