package index

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Node
	}{
		{"flexible", Word{Text: "flexible"}},
		{`"walking alongside"`, Phrase{Words: []string{"walking", "alongside"}, Near: -1}},
		{`="walking alongside"`, Phrase{Words: []string{"walking", "alongside"}, Exact: true, Near: -1}},
		{"=walking", Word{Text: "walking", Exact: true}},
		{"walk*", Prefix{Text: "walk"}},
		{`"walk alongside"~3`, Phrase{Words: []string{"walk", "alongside"}, Near: 3}},
		{"a AND b", And{Nodes: []Node{Word{Text: "a"}, Word{Text: "b"}}}},
		{"a b", And{Nodes: []Node{Word{Text: "a"}, Word{Text: "b"}}}},
		{"a OR b", Or{Nodes: []Node{Word{Text: "a"}, Word{Text: "b"}}}},
		{"NOT a", Not{Node: Word{Text: "a"}}},
		{"a OR b c", Or{Nodes: []Node{Word{Text: "a"}, And{Nodes: []Node{Word{Text: "b"}, Word{Text: "c"}}}}}},
		{"(a OR b) c", And{Nodes: []Node{Or{Nodes: []Node{Word{Text: "a"}, Word{Text: "b"}}}, Word{Text: "c"}}}},
		{"drink* NOT alcohol", And{Nodes: []Node{Prefix{Text: "drink"}, Not{Node: Word{Text: "alcohol"}}}}},
		{"speaker:client", Field{Name: "speaker", Value: "client"}},
		{"role:participant", Field{Name: "role", Value: "participant"}},
		{"participant:P03 site:Drammen", And{Nodes: []Node{Field{Name: "participant", Value: "P03"}, Field{Name: "site", Value: "Drammen"}}}},
		{"transcript:fg-03", Field{Name: "transcript", Value: "fg-03"}},
		{`speaker:"Dr. Patel"`, Field{Name: "speaker", Value: "Dr. Patel"}},
		{"smok* speaker:client", And{Nodes: []Node{Prefix{Text: "smok"}, Field{Name: "speaker", Value: "client"}}}},
		{"service user’s", And{Nodes: []Node{Word{Text: "service"}, Word{Text: "user’s"}}}},
		{`"AND"`, Phrase{Words: []string{"AND"}, Near: -1}},
		{`"single"`, Word{Text: "single"}},
		{"a AND (b OR c) AND d", And{Nodes: []Node{Word{Text: "a"}, Or{Nodes: []Node{Word{Text: "b"}, Word{Text: "c"}}}, Word{Text: "d"}}}},
		{"NOT NOT a", Word{Text: "a"}},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
		again, err := Parse(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("Parse(%q).String() = %q does not parse back: %v %#v", tc.in, got.String(), err, again)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`walking "alongside`, "query: unclosed quote at column 9"},
		{"", "query: empty query at column 1"},
		{"a AND", "query: AND needs a term after it at column 3"},
		{"OR a", "query: OR needs a term before it at column 1"},
		{"(a OR b", "query: unclosed ( at column 1"},
		{"a)", "query: unmatched ) at column 2"},
		{`"a b"~`, "query: ~ needs a number at column 6"},
		{`"a"~2`, "query: ~N needs at least two words in the quotes at column 1"},
		{"*", "query: * must follow at least one letter at column 1"},
		{"wa*lk", "query: * only goes at the end of a word at column 1"},
		{"NOT", "query: NOT needs a term after it at column 1"},
		{`""`, "query: empty phrase at column 1"},
		{"()", "query: empty ( ) at column 1"},
		{"speaker:", "query: speaker: needs a value at column 1"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.in)
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("Parse(%q): got %v, want a QueryError", tc.in, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Parse(%q): got %q, want %q", tc.in, err.Error(), tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"flexible", `"walking alongside"~3`, `="a b" OR (c NOT d*)`, "speaker:client transcript:fg-*", `x:"y z"`, `"AND"`, "a)(", "=*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := Parse(q)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Column < 1 {
				t.Fatalf("Parse(%q): bad error %v", q, err)
			}
			return
		}
		s := n.String()
		again, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q: %v", q, s, err)
		}
		if !reflect.DeepEqual(again, n) {
			t.Fatalf("Parse(%q) = %#v; String %q parses to %#v", q, n, s, again)
		}
	})
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		in   string
		want []Warning
	}{
		{"quit OR cut", nil},
		{"quit or cut", []Warning{{6, `"or" is searched as a word; write OR to match either term`}}},
		{"quit Or (cut down)", []Warning{{6, `"Or" is searched as a word; write OR to match either term`}}},
		{`"cut down" or "quit"`, []Warning{{12, `"or" is searched as a word; write OR to match either term`}}},
		{"alcohol and drugs", []Warning{{9, `"and" is searched as a word; write AND for the operator, or leave it out (a space between terms means AND)`}}},
		{"drink* not alcohol", []Warning{{8, `"not" is searched as a word; write NOT to leave out what the next term matches`}}},
		{"not alcohol", []Warning{{1, `"not" is searched as a word; write NOT to leave out what the next term matches`}}},
		{"quit and not drink", []Warning{
			{6, `"and" is searched as a word; write AND for the operator, or leave it out (a space between terms means AND)`},
			{10, `"not" is searched as a word; write NOT to leave out what the next term matches`}}},
		// Words, not operators, where nothing suggests otherwise.
		{"or", nil},
		{"not", nil},
		{"quit or", nil},
		{"or quit", nil},
		{`"either or"`, nil},
		{`"not now"~2`, nil},
		{"=or quit", nil},
		{"speaker:and", nil},
		{"ordinary notable android", nil},
		{"(or quit)", nil},
		// A malformed query has errors, not warnings.
		{`quit or "cut`, nil},
	}
	for _, tc := range tests {
		got := Warnings(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Warnings(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if tc.want != nil {
			if _, err := Parse(tc.in); err != nil {
				t.Errorf("Parse(%q): %v; a warned query still runs", tc.in, err)
			}
		}
	}
}
