package agreement

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestNewDataRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		js   []Judgement
		want string
	}{
		{"empty value", []Judgement{{Unit: "u1", Coder: "ana"}}, "empty unit, coder or value"},
		{"empty coder", []Judgement{{Unit: "u1", Value: "confirm"}}, "empty unit, coder or value"},
		{"two categories", []Judgement{
			{Unit: "u1", Coder: "ana", Value: "confirm"},
			{Unit: "u1", Coder: "ana", Value: "reject"},
		}, `unit "u1": coder "ana" gave two categories`},
		{"two groups", []Judgement{
			{Unit: "u1", Coder: "ana", Value: "confirm", Group: "care/alongside"},
			{Unit: "u1", Coder: "ben", Value: "confirm", Group: "care/availing"},
		}, `unit "u1": tagged with two groups`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewData(tc.js)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// The same judgement twice is harmless.
	d, err := NewData([]Judgement{
		{Unit: "u1", Coder: "ana", Value: "confirm"},
		{Unit: "u1", Coder: "ana", Value: "confirm"},
	})
	if err != nil || len(d.Units()) != 1 {
		t.Errorf("repeated judgement: %v, units %v", err, d.Units())
	}
}

func TestGroupsAndDisagreements(t *testing.T) {
	js := []Judgement{
		{Unit: "c3", Coder: "ben", Value: "reject", Group: "care/availing"},
		{Unit: "c3", Coder: "ana", Value: "confirm", Group: "care/availing"},
		{Unit: "c1", Coder: "ana", Value: "confirm", Group: "care/alongside"},
		{Unit: "c1", Coder: "ben", Value: "confirm", Group: "care/alongside"},
		{Unit: "c2", Coder: "ana", Value: "recode:care/availing", Group: "care/alongside"},
		{Unit: "c2", Coder: "ben", Value: "confirm", Group: "care/alongside"},
		{Unit: "c2", Coder: "cai", Value: "confirm", Group: "care/alongside"},
		{Unit: "c4", Coder: "cai", Value: "reject", Group: "care/availing"}, // judged once
	}
	d := mustData(t, js)
	if got, want := d.Units(), []string{"c1", "c2", "c3", "c4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("units %v, want %v", got, want)
	}
	if got, want := d.Coders(), []string{"ana", "ben", "cai"}; !reflect.DeepEqual(got, want) {
		t.Errorf("coders %v, want %v", got, want)
	}
	if got, want := d.Groups(), []string{"care/alongside", "care/availing"}; !reflect.DeepEqual(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
	want := []Disagreement{
		{Unit: "c2", Group: "care/alongside", Values: map[string]string{"ana": "recode:care/availing", "ben": "confirm", "cai": "confirm"}},
		{Unit: "c3", Group: "care/availing", Values: map[string]string{"ana": "confirm", "ben": "reject"}},
	}
	if got := d.Disagreements(); !reflect.DeepEqual(got, want) {
		t.Errorf("disagreements\n%+v\nwant\n%+v", got, want)
	}

	g := d.Group("care/availing")
	if got := g.Units(); !reflect.DeepEqual(got, []string{"c3", "c4"}) {
		t.Errorf("group units %v", got)
	}
	if got := g.Coders(); !reflect.DeepEqual(got, []string{"ana", "ben", "cai"}) {
		t.Errorf("group coders %v", got)
	}
	if ds := g.Disagreements(); len(ds) != 1 || ds[0].Unit != "c3" {
		t.Errorf("group disagreements %+v", ds)
	}
	if a := d.Group("no such code").Alpha(); a.Undefined != NoPairableUnits {
		t.Errorf("empty group alpha %+v", a)
	}
}

func TestSummarize(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	js, _ := generate(rng, 120, []string{"ana", "ben"}, []string{"confirm", "reject", "recode:x"}, 0.8, 0.1)
	d := mustData(t, js)
	ss, err := d.Summarize(200, 0.95, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	groups := d.Groups()
	if len(ss) != 1+len(groups) || !ss[0].Overall {
		t.Fatalf("%d summaries, want overall then %d groups", len(ss), len(groups))
	}
	units := 0
	for i, g := range groups {
		s := ss[i+1]
		if s.Overall || s.Group != g {
			t.Errorf("summary %d is %q (overall %v), want group %q", i+1, s.Group, s.Overall, g)
		}
		units += s.Units
		if want := d.Group(g).Alpha().Value; !sameFloat(s.Alpha.Value, want) {
			t.Errorf("group %q alpha %v, want %v", g, s.Alpha.Value, want)
		}
	}
	// Units nobody judged (both coders missing) are not in the data.
	if n := len(d.Units()); units != ss[0].Units || ss[0].Units != n || n < 100 {
		t.Errorf("groups hold %d units, overall %d, want %d", units, ss[0].Units, n)
	}
	if ss[0].Interval.Resamples != 200 || len(ss[0].Pairs) != 1 {
		t.Errorf("overall interval %+v, pairs %+v", ss[0].Interval, ss[0].Pairs)
	}
	again, _ := d.Summarize(200, 0.95, rand.New(rand.NewPCG(1, 2)))
	if !reflect.DeepEqual(ss, again) {
		t.Error("same seed, different summaries")
	}
	none, err := d.Summarize(0, 0, nil)
	if err != nil || none[0].Interval.Resamples != 0 {
		t.Errorf("no bootstrap: %v, %+v", err, none[0].Interval)
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
