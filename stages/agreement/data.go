package agreement

import (
	"cmp"
	"fmt"
	"slices"
)

// Judgement is one coder's category for one unit.
type Judgement struct {
	Unit  string // candidate meaning unit ID
	Coder string // reviewer name
	Value string // nominal category: "confirm", "reject", "recode:<code path>", ...
	Group string // what the unit is tagged with, e.g. its proposed code path; may be ""
}

// Data is the reliability data: which category each coder gave each unit.
// Units, coders and categories are kept sorted so every result is
// deterministic. A missing judgement is simply absent.
type Data struct {
	units  []unit   // sorted by ID
	coders []string // sorted
}

type unit struct {
	id     string
	group  string
	values map[string]string // coder -> category
}

// NewData gathers judgements into reliability data. It refuses empty
// fields, a unit tagged with two groups, and a coder giving one unit two
// different categories: the caller passes each coder's final decision.
// Repeating an identical judgement is harmless.
func NewData(js []Judgement) (*Data, error) {
	byID := map[string]*unit{}
	coders := map[string]bool{}
	for i, j := range js {
		if j.Unit == "" || j.Coder == "" || j.Value == "" {
			return nil, fmt.Errorf("judgement %d (unit %q, coder %q): empty unit, coder or value", i, j.Unit, j.Coder)
		}
		u := byID[j.Unit]
		if u == nil {
			u = &unit{id: j.Unit, group: j.Group, values: map[string]string{}}
			byID[j.Unit] = u
		}
		if u.group != j.Group {
			return nil, fmt.Errorf("unit %q: tagged with two groups, %q and %q", j.Unit, u.group, j.Group)
		}
		if v, ok := u.values[j.Coder]; ok && v != j.Value {
			return nil, fmt.Errorf("unit %q: coder %q gave two categories, %q and %q", j.Unit, j.Coder, v, j.Value)
		}
		u.values[j.Coder] = j.Value
		coders[j.Coder] = true
	}
	d := &Data{}
	for _, u := range byID {
		d.units = append(d.units, *u)
	}
	slices.SortFunc(d.units, func(a, b unit) int { return cmp.Compare(a.id, b.id) })
	for c := range coders {
		d.coders = append(d.coders, c)
	}
	slices.Sort(d.coders)
	return d, nil
}

// Units returns the IDs of all units with at least one judgement, sorted.
func (d *Data) Units() []string {
	ids := make([]string, len(d.units))
	for i, u := range d.units {
		ids[i] = u.id
	}
	return ids
}

// Coders returns every coder who judged at least one unit, sorted.
func (d *Data) Coders() []string { return slices.Clone(d.coders) }

// Groups returns the distinct groups of the units, sorted.
func (d *Data) Groups() []string {
	var gs []string
	for _, u := range d.units {
		gs = append(gs, u.group)
	}
	slices.Sort(gs)
	return slices.Compact(gs)
}

// Group returns the data restricted to the units of one group, so every
// statistic can be computed per code as well as overall.
func (d *Data) Group(g string) *Data {
	sub := &Data{}
	seen := map[string]bool{}
	for _, u := range d.units {
		if u.group != g {
			continue
		}
		sub.units = append(sub.units, u)
		for c := range u.values {
			seen[c] = true
		}
	}
	for _, c := range d.coders {
		if seen[c] {
			sub.coders = append(sub.coders, c)
		}
	}
	return sub
}

// Disagreement is a unit whose coders did not all give the same category.
type Disagreement struct {
	Unit   string
	Group  string
	Values map[string]string // coder -> category, for every coder who judged the unit
}

// Disagreements lists the units, in unit order, where at least two coders
// judged and their categories differ. Units judged by one coder only are
// not disagreements: there is nothing to compare.
func (d *Data) Disagreements() []Disagreement {
	var out []Disagreement
	for _, u := range d.units {
		first, differ := "", false
		for _, v := range u.values {
			if first == "" {
				first = v
			} else if v != first {
				differ = true
			}
		}
		if differ {
			vs := make(map[string]string, len(u.values))
			for c, v := range u.values {
				vs[c] = v
			}
			out = append(out, Disagreement{Unit: u.id, Group: u.group, Values: vs})
		}
	}
	return out
}
