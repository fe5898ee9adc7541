package pipeline

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Group runs the stages of one batch.
type Group struct {
	ctx context.Context
	eg  *errgroup.Group

	mu    sync.Mutex
	stats map[string]*StageStats
	order []string
}

// StageStats is what one stage did.
type StageStats struct {
	Name  string        `json:"name"`
	Items int           `json:"items"`
	Busy  time.Duration `json:"busy_ns"` // summed over workers
}

// New returns a group whose context is cancelled when any stage fails or
// ctx ends.
func New(ctx context.Context) *Group {
	eg, ctx := errgroup.WithContext(ctx)
	return &Group{ctx: ctx, eg: eg, stats: map[string]*StageStats{}}
}

// Wait waits for every stage and returns the first error.
func (g *Group) Wait() error { return g.eg.Wait() }

// Stats returns the stages' statistics in the order they were added.
func (g *Group) Stats() []StageStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]StageStats, 0, len(g.order))
	for _, n := range g.order {
		out = append(out, *g.stats[n])
	}
	return out
}

func (g *Group) record(name string, items int, busy time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.stats[name]
	if !ok {
		s = &StageStats{Name: name}
		g.stats[name] = s
		g.order = append(g.order, name)
	}
	s.Items += items
	s.Busy += busy
}

// Send sends v on ch unless ctx ends first.
func Send[T any](ctx context.Context, ch chan<- T, v T) error {
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Source starts a stage that produces items by calling emit; its channel
// holds up to buf items.
func Source[T any](g *Group, name string, buf int, fn func(ctx context.Context, emit func(T) error) error) <-chan T {
	out := make(chan T, buf)
	g.record(name, 0, 0)
	g.eg.Go(func() error {
		defer close(out)
		start := time.Now()
		n := 0
		err := fn(g.ctx, func(v T) error {
			n++
			return Send(g.ctx, out, v)
		})
		g.record(name, n, time.Since(start))
		return err
	})
	return out
}

// Map starts a stage of workers goroutines that turn each item of in into
// one item of out. Items leave in the order they came in, whatever the
// number of workers: what a batch writes (which passages land in which
// shard) must not depend on -j. Its channel holds up to buf items.
//
// Order is kept by a ticket per item: the dispatcher hands each item to a
// worker together with a one-slot result channel, and queues that channel;
// the emitter takes the queue in order and waits on each. At most
// workers+buf items are in flight, so a slow item holds back at most that
// many finished ones.
func Map[In, Out any](g *Group, name string, workers, buf int, in <-chan In, fn func(ctx context.Context, v In) (Out, error)) <-chan Out {
	if workers < 1 {
		workers = 1
	}
	type job struct {
		v      In
		result chan Out
	}
	out := make(chan Out, buf)
	jobs := make(chan job)
	tickets := make(chan chan Out, workers+buf)
	g.record(name, 0, 0)
	g.eg.Go(func() error { // the dispatcher
		defer close(jobs)
		defer close(tickets)
		for {
			var v In
			var ok bool
			select {
			case v, ok = <-in:
				if !ok {
					return nil
				}
			case <-g.ctx.Done():
				return g.ctx.Err()
			}
			j := job{v: v, result: make(chan Out, 1)}
			if err := Send(g.ctx, tickets, j.result); err != nil {
				return err
			}
			if err := Send(g.ctx, jobs, j); err != nil {
				return err
			}
		}
	})
	for w := 0; w < workers; w++ {
		g.eg.Go(func() error {
			var busy time.Duration
			n := 0
			defer func() { g.record(name, n, busy) }()
			for {
				var j job
				var ok bool
				select {
				case j, ok = <-jobs:
					if !ok {
						return nil
					}
				case <-g.ctx.Done():
					return g.ctx.Err()
				}
				start := time.Now()
				r, err := fn(g.ctx, j.v)
				busy += time.Since(start)
				n++
				if err != nil {
					return err
				}
				j.result <- r // never blocks: one slot, one send
			}
		})
	}
	g.eg.Go(func() error { // the emitter, which closes out
		defer close(out)
		for t := range tickets {
			var r Out
			select {
			case r = <-t:
			case <-g.ctx.Done():
				return g.ctx.Err()
			}
			if err := Send(g.ctx, out, r); err != nil {
				return err
			}
		}
		return nil
	})
	return out
}

// Sink starts the last stage: one goroutine that consumes every item.
func Sink[T any](g *Group, name string, in <-chan T, fn func(ctx context.Context, v T) error) {
	g.record(name, 0, 0)
	g.eg.Go(func() error {
		var busy time.Duration
		n := 0
		defer func() { g.record(name, n, busy) }()
		for {
			select {
			case v, ok := <-in:
				if !ok {
					return nil
				}
				start := time.Now()
				err := fn(g.ctx, v)
				busy += time.Since(start)
				n++
				if err != nil {
					return err
				}
			case <-g.ctx.Done():
				return g.ctx.Err()
			}
		}
	})
}

// Batch starts a stage that groups consecutive items of in into slices
// whose weights add up to at least limit (the last one may weigh less), for
// work that costs a fixed amount per call whatever its size.
func Batch[T any](g *Group, name string, buf int, in <-chan T, weight func(T) int, limit int) <-chan []T {
	return Source(g, name, buf, func(ctx context.Context, emit func([]T) error) error {
		var group []T
		w := 0
		for {
			select {
			case v, ok := <-in:
				if !ok {
					if len(group) > 0 {
						return emit(group)
					}
					return nil
				}
				group = append(group, v)
				w += weight(v)
				if w >= limit {
					if err := emit(group); err != nil {
						return err
					}
					group, w = nil, 0
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
}

// Flatten starts a stage that sends the items of each slice of in, in order.
func Flatten[T any](g *Group, name string, buf int, in <-chan []T) <-chan T {
	return Source(g, name, buf, func(ctx context.Context, emit func(T) error) error {
		for {
			select {
			case vs, ok := <-in:
				if !ok {
					return nil
				}
				for _, v := range vs {
					if err := emit(v); err != nil {
						return err
					}
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
}
