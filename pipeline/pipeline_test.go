package pipeline

import (
	"context"
	"errors"
	"sort"
	"testing"
)

func numbers(g *Group, n int) <-chan int {
	return Source(g, "numbers", 4, func(ctx context.Context, emit func(int) error) error {
		for i := 0; i < n; i++ {
			if err := emit(i); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestStagesCarryEveryItem(t *testing.T) {
	for _, workers := range []int{1, 4} {
		g := New(context.Background())
		sq := Map(g, "square", workers, 4, numbers(g, 100), func(_ context.Context, v int) (int, error) { return v * v, nil })
		var got []int
		Sink(g, "collect", sq, func(_ context.Context, v int) error { got = append(got, v); return nil })
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		if workers == 1 && !sort.IntsAreSorted(got) {
			t.Errorf("one worker must keep the order: %v", got[:10])
		}
		sort.Ints(got)
		if len(got) != 100 || got[99] != 99*99 {
			t.Fatalf("workers=%d: got %d items, last %d", workers, len(got), got[len(got)-1])
		}
		stats := g.Stats()
		if len(stats) != 3 || stats[1].Name != "square" || stats[1].Items != 100 {
			t.Errorf("stats = %+v", stats)
		}
	}
}

func TestErrorStopsEveryStage(t *testing.T) {
	boom := errors.New("boom")
	g := New(context.Background())
	// The source would run forever if the error did not cancel it.
	src := Source(g, "forever", 1, func(ctx context.Context, emit func(int) error) error {
		for i := 0; ; i++ {
			if err := emit(i); err != nil {
				return err
			}
		}
	})
	out := Map(g, "fail", 2, 1, src, func(_ context.Context, v int) (int, error) {
		if v == 50 {
			return 0, boom
		}
		return v, nil
	})
	Sink(g, "drain", out, func(context.Context, int) error { return nil })
	if err := g.Wait(); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
}

func TestCancelStopsEveryStage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	g := New(ctx)
	src := Source(g, "forever", 1, func(ctx context.Context, emit func(int) error) error {
		for i := 0; ; i++ {
			if err := emit(i); err != nil {
				return err
			}
		}
	})
	Sink(g, "cancel", src, func(_ context.Context, v int) error {
		if v == 10 {
			cancel()
		}
		return nil
	})
	if err := g.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
