package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"
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

func TestBatchAndFlatten(t *testing.T) {
	g := New(context.Background())
	groups := Batch(g, "batch", 1, numbers(g, 10), func(v int) int { return v }, 10)
	var sizes []int
	seen := make(chan []int, 10)
	flat := Flatten(g, "flatten", 1, Map(g, "sizes", 1, 1, groups, func(_ context.Context, vs []int) ([]int, error) {
		seen <- vs
		return vs, nil
	}))
	var got []int
	Sink(g, "collect", flat, func(_ context.Context, v int) error { got = append(got, v); return nil })
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	close(seen)
	for vs := range seen {
		sizes = append(sizes, len(vs))
	}
	// 0+1+2+3+4 = 10, 5+6 = 11, 7+8 = 15, then 9 alone.
	if fmt.Sprint(sizes) != "[5 2 2 1]" {
		t.Errorf("group sizes %v, want [5 2 2 1]", sizes)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4 5 6 7 8 9]" {
		t.Errorf("flattened %v", got)
	}
}

func TestMapKeepsOrder(t *testing.T) {
	// Later items finish first: without the tickets the output would come
	// back roughly reversed.
	const n = 200
	g := New(context.Background())
	src := Source(g, "src", 0, func(ctx context.Context, emit func(int) error) error {
		for i := 0; i < n; i++ {
			if err := emit(i); err != nil {
				return err
			}
		}
		return nil
	})
	doubled := Map(g, "slow first", 8, 4, src, func(ctx context.Context, v int) (int, error) {
		time.Sleep(time.Duration((n-v)%7) * time.Millisecond)
		return 2 * v, nil
	})
	var got []int
	Sink(g, "sink", doubled, func(ctx context.Context, v int) error {
		got = append(got, v)
		return nil
	})
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("got %d items, want %d", len(got), n)
	}
	for i, v := range got {
		if v != 2*i {
			t.Fatalf("item %d is %d, want %d: order not kept", i, v, 2*i)
		}
	}
}
