package index

import (
	"context"
	"sort"

	"github.com/blevesearch/bleve/v2/search"
)

// All returns every hit of a compiled query with its matched words, in ID
// order. Candidate matching uses it: it needs every hit, not the best few.
func (r *Reader) All(ctx context.Context, c *Compiled) ([]Hit, error) {
	var hits []Hit
	err := r.each(ctx, c.Query, true, true, func(h *search.DocumentMatch) {
		hits = append(hits, Hit{ID: h.ID, Score: h.Score, Matches: c.matches(h)})
	})
	sort.Slice(hits, func(i, j int) bool { return hits[i].ID < hits[j].ID })
	return hits, err
}
