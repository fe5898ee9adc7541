package agreement

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestBootstrap(t *testing.T) {
	cats := []string{"confirm", "reject", "recode:care/alongside"}
	js, _ := generate(rand.New(rand.NewPCG(7, 7)), 200, []string{"ana", "ben", "cai"}, cats, 0.75, 0.3)
	d := mustData(t, js)
	a := d.Alpha()

	iv, err := d.Bootstrap(1000, 0.95, rand.New(rand.NewPCG(42, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if !(iv.Low < a.Value && a.Value < iv.High) {
		t.Errorf("interval [%v, %v] does not contain alpha %v", iv.Low, iv.High, a.Value)
	}
	if w := iv.High - iv.Low; w <= 0 || w > 0.3 {
		t.Errorf("interval [%v, %v] has width %v for %d units", iv.Low, iv.High, w, a.Units)
	}
	if iv.Resamples != 1000 || iv.Undefined != 0 || iv.Level != 0.95 {
		t.Errorf("interval %+v", iv)
	}
	t.Logf("alpha %.4f over %d units, 95%% interval [%.4f, %.4f]", a.Value, a.Units, iv.Low, iv.High)

	same, _ := d.Bootstrap(1000, 0.95, rand.New(rand.NewPCG(42, 0)))
	if !reflect.DeepEqual(iv, same) {
		t.Errorf("same seed, different intervals: %+v and %+v", iv, same)
	}
	other, _ := d.Bootstrap(1000, 0.95, rand.New(rand.NewPCG(43, 0)))
	if other.Low == iv.Low && other.High == iv.High {
		t.Errorf("another seed gave the identical interval %+v", other)
	}
	narrow, _ := d.Bootstrap(1000, 0.5, rand.New(rand.NewPCG(42, 0)))
	if !(iv.Low <= narrow.Low && narrow.High <= iv.High) {
		t.Errorf("50%% interval [%v, %v] not inside 95%% [%v, %v]", narrow.Low, narrow.High, iv.Low, iv.High)
	}

	if q := iv.FractionBelow(iv.Low); math.Abs(q-0.025) > 0.002 {
		t.Errorf("fraction below the low end %v, want about 0.025", q)
	}
	if iv.FractionBelow(-1) != 0 || iv.FractionBelow(2) != 1 {
		t.Errorf("fraction below -1 %v, below 2 %v", iv.FractionBelow(-1), iv.FractionBelow(2))
	}
}

func TestBootstrapDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	empty, err := mustData(t, nil).Bootstrap(100, 0.95, rng)
	if err != nil || !math.IsNaN(empty.Low) || !math.IsNaN(empty.High) || empty.Undefined != 100 {
		t.Errorf("no data: %+v, %v", empty, err)
	}
	if q := empty.FractionBelow(0.8); !math.IsNaN(q) {
		t.Errorf("no data: fraction below %v, want NaN", q)
	}
	one, _ := mustData(t, matrix(t, "confirm confirm", "confirm confirm")).Bootstrap(50, 0.95, rng)
	if !math.IsNaN(one.Low) || one.Undefined != 50 {
		t.Errorf("one category: %+v", one)
	}
	// One disagreeing unit among agreeing ones: some resamples miss it and
	// are undefined, the rest are counted.
	some, _ := mustData(t, matrix(t, "a a a b", "a a a a")).Bootstrap(500, 0.9, rng)
	if some.Undefined == 0 || some.Undefined == 500 || math.IsNaN(some.Low) {
		t.Errorf("mostly one category: %+v", some)
	}
	if _, err := mustData(t, nil).Bootstrap(100, 0.95, nil); err == nil {
		t.Error("bootstrap without a random source: no error")
	}
	for _, bad := range []struct {
		n     int
		level float64
	}{{0, 0.95}, {100, 0}, {100, 1}, {100, math.NaN()}} {
		if _, err := mustData(t, nil).Bootstrap(bad.n, bad.level, rng); err == nil {
			t.Errorf("bootstrap(%d, %v): no error", bad.n, bad.level)
		}
	}
}
