package agreement_test

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/alongside-qda/alongside/stages/agreement"
)

// Two reviewers judged the same candidates blind; ben skipped c4.
var judgements = []agreement.Judgement{
	{Unit: "c1", Coder: "ana", Value: "confirm", Group: "care/walking-alongside"},
	{Unit: "c1", Coder: "ben", Value: "confirm", Group: "care/walking-alongside"},
	{Unit: "c2", Coder: "ana", Value: "reject", Group: "care/walking-alongside"},
	{Unit: "c2", Coder: "ben", Value: "reject", Group: "care/walking-alongside"},
	{Unit: "c3", Coder: "ana", Value: "confirm", Group: "care/walking-alongside"},
	{Unit: "c3", Coder: "ben", Value: "recode:care/availing", Group: "care/walking-alongside"},
	{Unit: "c4", Coder: "ana", Value: "confirm", Group: "care/availing"},
	{Unit: "c5", Coder: "ana", Value: "reject", Group: "care/availing"},
	{Unit: "c5", Coder: "ben", Value: "reject", Group: "care/availing"},
	{Unit: "c6", Coder: "ana", Value: "confirm", Group: "care/availing"},
	{Unit: "c6", Coder: "ben", Value: "confirm", Group: "care/availing"},
}

func ExampleData_PairAgreement() {
	d, err := agreement.NewData(judgements)
	if err != nil {
		panic(err)
	}
	p := d.PairAgreement("ana", "ben")
	fmt.Printf("%s and %s: %d of %d units agree (%.0f%%), kappa %.3f\n", p.A, p.B, p.Agreed, p.Units, 100*p.Percent, p.Kappa)
	// Output:
	// ana and ben: 4 of 5 units agree (80%), kappa 0.667
}

func ExampleData_Alpha() {
	d, err := agreement.NewData(judgements)
	if err != nil {
		panic(err)
	}
	a := d.Alpha()
	fmt.Printf("alpha %.3f over %d pairable units (%d values)\n", a.Value, a.Units, a.Values)

	// When every judgement is the same category, alpha is undefined.
	same, _ := agreement.NewData([]agreement.Judgement{
		{Unit: "c1", Coder: "ana", Value: "confirm"},
		{Unit: "c1", Coder: "ben", Value: "confirm"},
	})
	u := same.Alpha()
	fmt.Printf("alpha %.3f: %s\n", u.Value, u.Undefined)
	// Output:
	// alpha 0.690 over 5 pairable units (10 values)
	// alpha NaN: every judgement is the same category
}

func ExampleData_Disagreements() {
	d, err := agreement.NewData(judgements)
	if err != nil {
		panic(err)
	}
	for _, dis := range d.Disagreements() {
		fmt.Println(dis.Unit, dis.Group)
		coders := make([]string, 0, len(dis.Values))
		for c := range dis.Values {
			coders = append(coders, c)
		}
		sort.Strings(coders)
		for _, c := range coders {
			fmt.Printf("  %s: %s\n", c, dis.Values[c])
		}
	}
	// Output:
	// c3 care/walking-alongside
	//   ana: confirm
	//   ben: recode:care/availing
}

func ExampleData_Bootstrap() {
	d, err := agreement.NewData(judgements)
	if err != nil {
		panic(err)
	}
	// A seeded source makes the interval reproducible.
	iv, err := d.Bootstrap(2000, 0.95, rand.New(rand.NewPCG(2024, 15)))
	if err != nil {
		panic(err)
	}
	fmt.Printf("95%% interval [%.3f, %.3f]; %d of %d resamples undefined\n", iv.Low, iv.High, iv.Undefined, iv.Resamples)
	fmt.Printf("chance alpha < 0.667: %.2f\n", iv.FractionBelow(0.667))
	// Five units say little: the interval is wide.

	// Output:
	// 95% interval [-0.125, 1.000]; 37 of 2000 resamples undefined
	// chance alpha < 0.667: 0.54
}

func ExampleData_Summarize() {
	d, err := agreement.NewData(judgements)
	if err != nil {
		panic(err)
	}
	ss, err := d.Summarize(0, 0, nil) // no bootstrap
	if err != nil {
		panic(err)
	}
	for _, s := range ss {
		name := s.Group
		if s.Overall {
			name = "all codes"
		}
		fmt.Printf("%-22s units %d  alpha %.3f  disagreements %d\n", name, s.Units, s.Alpha.Value, len(s.Disagreements))
	}
	// Output:
	// all codes              units 6  alpha 0.690  disagreements 1
	// care/availing          units 3  alpha 1.000  disagreements 0
	// care/walking-alongside units 3  alpha 0.545  disagreements 1
}
