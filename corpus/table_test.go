package corpus

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// tableTurn is a turn written compactly for the table tests.
type tableTurn struct {
	speaker    string
	start, end time.Duration
	text       string
}

func tableTurns(t *Transcript) []tableTurn {
	out := make([]tableTurn, len(t.Turns))
	for i, turn := range t.Turns {
		out[i] = tableTurn{turn.Speaker, turn.Start, turn.End, t.TurnText(i)}
	}
	return out
}

const tableSec = time.Second

func TestParseTable(t *testing.T) {
	const annomiHead = "transcript_id,mi_quality,video_title,utterance_id,interlocutor,timestamp,utterance_text,client_talk_type\n"
	tests := []struct {
		name  string
		file  string
		opts  TableOptions
		data  string
		ids   []string
		title []string
		meta  []map[string]string
		turns [][]tableTurn
		text  string // canonical text of the first transcript, when given
	}{
		{
			name: "annomi layout, groups and rows sorted numerically, same-speaker rows kept apart",
			data: annomiHead +
				`10,low,Ten,0,therapist,00:00:01,Hello.,n/a` + "\n" +
				`2,high,"Two: ""quoted""",10,client,00:01:05,Ten.,change` + "\n" +
				`2,high,"Two: ""quoted""",2,client,00:00:30,Two.,neutral` + "\n" +
				`2,high,"Two: ""quoted""",1,therapist,00:00:13,One.,n/a` + "\n",
			ids:   []string{"t/2", "t/10"},
			title: []string{`Two: "quoted"`, "Ten"},
			meta: []map[string]string{
				{"mi_quality": "high", "video_title": `Two: "quoted"`, "format": "csv"},
				{"mi_quality": "low", "video_title": "Ten", "client_talk_type": "n/a", "format": "csv"},
			},
			turns: [][]tableTurn{
				{{"therapist", 13 * tableSec, NoTime, "One."}, {"client", 30 * tableSec, NoTime, "Two."}, {"client", 65 * tableSec, NoTime, "Ten."}},
				{{"therapist", 1 * tableSec, NoTime, "Hello."}},
			},
			text: "therapist: One.\n\nclient: Two.\n\nclient: Ten.\n",
		},
		{
			name:  "no group column: one transcript in file order, titled by its ID",
			data:  "Speaker,Text\nP1,  first  \nP2,second\n",
			ids:   []string{"t"},
			title: []string{"t"},
			meta:  []map[string]string{{"format": "csv"}},
			turns: [][]tableTurn{{{"P1", NoTime, NoTime, "first"}, {"P2", NoTime, NoTime, "second"}}},
			text:  "P1: first\n\nP2: second\n",
		},
		{
			name:  "time spellings and an end column",
			data:  "speaker,start,end,text\nA,01:02:03,1:02:04.5,a\nB,02:03,,b\nC,75.25,76,c\nD,\"00:00:13,500\",00:00:14,d\nE,,,e\nF,00:09:025,,f\n",
			turns: [][]tableTurn{{{"A", time.Hour + 2*time.Minute + 3*tableSec, time.Hour + 2*time.Minute + 4500*time.Millisecond, "a"}, {"B", 123 * tableSec, NoTime, "b"}, {"C", 75250 * time.Millisecond, 76 * tableSec, "c"}, {"D", 13500 * time.Millisecond, 14 * tableSec, "d"}, {"E", NoTime, NoTime, "e"}, {"F", 9*time.Minute + 25*tableSec, NoTime, "f"}}},
		},
		{
			name:  "CRLF, quoted newlines and doubled quotes, blank rows, empty text",
			data:  "Name,Content\r\n\"Dr. Patel\",\"She said \"\"no\"\".\r\nThen left.\"\r\n,\r\nP2,   \r\nP3,ok\r\n",
			turns: [][]tableTurn{{{"Dr. Patel", NoTime, NoTime, "She said \"no\".\nThen left."}, {"P3", NoTime, NoTime, "ok"}}},
		},
		{
			name:  "tsv with bare quotes",
			file:  "t.tsv",
			data:  "speaker\ttext\nP1\the said \"no\" twice\n",
			meta:  []map[string]string{{"format": "tsv"}},
			turns: [][]tableTurn{{{"P1", NoTime, NoTime, `he said "no" twice`}}},
		},
		{
			name:  "named columns win over guesses; string group keys sort as strings",
			opts:  TableOptions{Text: "Said", Speaker: "who", Group: "Text", Order: "n"},
			data:  "text,who,Said,n,format\nb,X,two,b2,paper\nb,Y,one,b1,paper\na,Z,zero,1,paper\n",
			ids:   []string{"t/a", "t/b"},
			meta:  []map[string]string{{"format": "paper"}, {"format": "paper"}},
			turns: [][]tableTurn{{{"Z", NoTime, NoTime, "zero"}}, {{"Y", NoTime, NoTime, "one"}, {"X", NoTime, NoTime, "two"}}},
		},
		{
			name:  "a group whose rows have no text is left out",
			data:  "session,text\n1,\n2,hi\n",
			ids:   []string{"t/2"},
			turns: [][]tableTurn{{{"", NoTime, NoTime, "hi"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "t.csv"
			}
			ts, err := Parse(file, "t", []byte(tt.data), Options{Table: tt.opts})
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != len(tt.turns) {
				t.Fatalf("got %d transcripts, want %d", len(ts), len(tt.turns))
			}
			for i, tr := range ts {
				if tt.ids != nil && tr.ID != tt.ids[i] {
					t.Errorf("transcript %d: ID %q, want %q", i, tr.ID, tt.ids[i])
				}
				if tt.title != nil && tr.Title != tt.title[i] {
					t.Errorf("transcript %d: title %q, want %q", i, tr.Title, tt.title[i])
				}
				if tt.meta != nil && !sameMetadata(tr.Metadata, tt.meta[i]) {
					t.Errorf("transcript %d: metadata %v, want %v", i, tr.Metadata, tt.meta[i])
				}
				if got := tableTurns(tr); !slices.Equal(got, tt.turns[i]) {
					t.Errorf("transcript %d: turns\n got  %v\n want %v", i, got, tt.turns[i])
				}
			}
			if tt.text != "" && ts[0].Text != tt.text {
				t.Errorf("text %q, want %q", ts[0].Text, tt.text)
			}
		})
	}
}

func sameMetadata(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestParseTableErrors(t *testing.T) {
	tests := []struct {
		name string
		opts TableOptions
		data string
		want string // the whole message
	}{
		{
			name: "no text column",
			data: "who,said\nA,hello\n",
			want: `reading transcript "t.csv": line 1: no text column in the header ["who", "said"] (the first row is taken as the header): name the column of utterance text with the table's Text option`,
		},
		{
			name: "named column missing",
			opts: TableOptions{Speaker: "role"},
			data: "speaker,text\nA,hello\n",
			want: `reading transcript "t.csv": line 1: no column "role" (the table's Speaker option) in the header ["speaker", "text"]`,
		},
		{
			name: "ragged row",
			data: "speaker,text,time\nA,hi,00:01\nB,yes\n",
			want: `reading transcript "t.csv": line 3: row has 2 fields, header has 3`,
		},
		{
			name: "header only",
			data: "speaker,text\n\n",
			want: `reading transcript "t.csv": line 1: the table has a header but no rows`,
		},
		{
			name: "header after blank lines, no text column",
			data: "\n\nwho,said\n",
			want: `reading transcript "t.csv": line 3: no text column in the header ["who", "said"] (the first row is taken as the header): name the column of utterance text with the table's Text option`,
		},
		{
			name: "bad time",
			data: "speaker,text,timestamp\nA,hi,00:01\nB,yes,1:xx\n",
			want: `reading transcript "t.csv": line 3: column "timestamp": bad time "1:xx": want HH:MM:SS, MM:SS or seconds`,
		},
		{
			name: "minutes past 59",
			data: "speaker,text,start\nA,hi,00:61:00\n",
			want: `reading transcript "t.csv": line 2: column "start": bad time "00:61:00": want HH:MM:SS, MM:SS or seconds`,
		},
		{
			name: "time too large",
			data: "speaker,text,start\nA,hi,999999999999\n",
			want: `reading transcript "t.csv": line 2: column "start": time "999999999999" is too large`,
		},
		{
			name: "duplicate order in a group",
			data: "transcript_id,utterance_id,text\n1,1,a\n2,1,b\n1,01,c\n",
			want: `reading transcript "t.csv": line 4: utterance_id "01" in transcript_id "1" is also on line 2`,
		},
		{
			name: "empty group value",
			data: "session,text\n1,a\n,b\n",
			want: `reading transcript "t.csv": line 3: empty value in the group column "session"`,
		},
		{
			name: "bare quote",
			data: "speaker,text\nA,he said \"no\"\n",
			want: `reading transcript "t.csv": line 2: column 11: bare " in non-quoted-field`,
		},
		{
			name: "unclosed quote",
			data: "speaker,text\nA,\"he said\nB,no\n",
			want: `reading transcript "t.csv": line 2: extraneous or missing " in quoted-field (found at line 3, column 6)`,
		},
		{
			name: "no text in any row",
			data: "speaker,text\nA, \n",
			want: `reading transcript "t.csv": no speech found`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := Parse("t.csv", "t", []byte(tt.data), Options{Table: tt.opts})
			if err == nil {
				t.Fatalf("no error; got %d transcripts", len(ts))
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FileError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got  %s\n want %s", err, tt.want)
			}
		})
	}
}

func FuzzParseTable(f *testing.F) {
	f.Add([]byte("transcript_id,mi_quality,video_title,video_url,topic,utterance_id,interlocutor,timestamp,utterance_text,main_therapist_behaviour,client_talk_type\n"+
		`0,high,"NEW VIDEO: Brief intervention: ""Barbara""",https://www.youtube.com/watch?v=PaSKcfTmFEk,reducing alcohol consumption,0,therapist,00:00:13,Thanks for filling it out. Is it okay if I take a look at what you put down?,question,n/a`+"\n"+
		`0,high,"NEW VIDEO: Brief intervention: ""Barbara""",https://www.youtube.com/watch?v=PaSKcfTmFEk,reducing alcohol consumption,1,client,00:00:24,Sure.,n/a,neutral`+"\n"+
		`0,high,"NEW VIDEO: Brief intervention: ""Barbara""",https://www.youtube.com/watch?v=PaSKcfTmFEk,reducing alcohol consumption,2,therapist,00:00:25,"So, let's see. It looks that you put-- You drink alcohol at least four times a week on average-",therapist_input,n/a`+"\n"), false)
	f.Add([]byte("transcript_id,utterance_id,interlocutor,timestamp,utterance_text\n114,18,therapist,00:09:025,\"In what ways might your life be better if you succeed in \nmaking the changes you mentioned?\"\n114,17,client,00:08:59,\"  Speaker 1: \"\"Okay.\"\"  \"\n3,1,client,,—\n"), false)
	f.Add([]byte("\ufeffSpeaker,Text,Start,End\r\nP1,\"a\r\n\r\nb\",1.5,2\r\n,,,\r\nP2,c,00:00:03,\r\n"), false)
	f.Add([]byte("speaker\ttext\ttime\nP1\the said \"no\"\t00:01\nP2\t\"quoted\ttab\"\t\n"), true)
	f.Add([]byte("speaker,text\nA,hi,extra\n"), false)
	f.Add([]byte("speaker,text,time\nA,hi,12:xx\n"), false)
	f.Add([]byte("session,order,text\n1,1,a\n1,1,b\n"), false)
	f.Add([]byte("who,said\nA,hello\n"), false)
	f.Add([]byte("text\n\"unclosed\n"), false)
	f.Add([]byte("text\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, tsv bool) {
		name := "f.csv"
		if tsv {
			name = "f.tsv"
		}
		ts, err := Parse(name, "f", data, Options{})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FileError: %v", err, err)
			}
			return
		}
		var got []string
		for _, tr := range ts {
			runes := []rune(tr.Text) // Cut per turn would be quadratic
			n := len(runes)
			if !norm.NFC.IsNormalString(tr.Text) {
				t.Errorf("%s: text is not NFC: %q", tr.ID, tr.Text)
			}
			prev := 0
			for i, turn := range tr.Turns {
				sp := turn.Span
				if sp.Start < prev || sp.Start >= sp.End || sp.End > n {
					t.Fatalf("%s turn %d: span %v out of order or range (previous end %d, text %d code points)", tr.ID, i, sp, prev, n)
				}
				prev = sp.End
				text := string(runes[sp.Start:sp.End])
				if (i == 0 || i == len(tr.Turns)-1) && Cut(tr.Text, sp) != text {
					t.Errorf("%s turn %d: Cut gives %q, want %q", tr.ID, i, Cut(tr.Text, sp), text)
				}
				if text != strings.TrimSpace(text) {
					t.Errorf("%s turn %d: text %q is not trimmed", tr.ID, i, text)
				}
				got = append(got, text)
			}
		}
		// Every non-blank cell of the text column, and nothing else, is a
		// turn's text.
		want := fuzzTableTexts(t, data, tsv)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("turn texts\n got  %q\n want %q", got, want)
		}
	})
}

// fuzzTableTexts reads the trimmed, non-blank cells of a table's text
// column with encoding/csv alone.
func fuzzTableTexts(t *testing.T, data []byte, tsv bool) []string {
	text, err := Canonical(data)
	if err != nil {
		t.Fatalf("parsed, but not canonical: %v", err)
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	if tsv {
		r.Comma, r.LazyQuotes = '\t', true
	}
	header, err := r.Read()
	if err != nil {
		t.Fatalf("parsed, but the header is not: %v", err)
	}
	cols, err := resolveColumns(header, TableOptions{})
	if err != nil {
		t.Fatalf("parsed, but %v", err)
	}
	var want []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parsed, but a row is not: %v", err)
		}
		if v := strings.TrimSpace(rec[cols[colText]]); v != "" {
			want = append(want, v)
		}
	}
	slices.Sort(want)
	return want
}
