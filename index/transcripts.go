package index

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// transcriptIDs are the transcript IDs the shards hold, as indexed (case
// kept), read once from the shards' term dictionaries.
type transcriptIDs struct {
	once sync.Once
	ids  []string // sorted
	err  error
}

// transcriptQuery matches passages of the transcripts whose ID is value
// (or starts with it, when prefix), case aside: transcript:FG-03 and
// transcript:fg-03 are the same filter, as every word of a query is. The
// index keeps IDs as they are (they are shown as they are), so the filter
// becomes the IDs it names; a corpus has thousands of transcripts at most.
func (r *Reader) transcriptQuery(value string, prefix bool) (query.Query, error) {
	ids, err := r.transcriptIDs()
	if err != nil {
		return nil, err
	}
	want := strings.ToLower(value)
	var qs []query.Query
	for _, id := range ids {
		low := strings.ToLower(id)
		if low == want || prefix && strings.HasPrefix(low, want) {
			t := bleve.NewTermQuery(id)
			t.SetField(FieldTranscript)
			qs = append(qs, t)
		}
	}
	switch len(qs) {
	case 0:
		return bleve.NewMatchNoneQuery(), nil
	case 1:
		return qs[0], nil
	}
	return bleve.NewDisjunctionQuery(qs...), nil
}

func (r *Reader) transcriptIDs() ([]string, error) {
	t := &r.transcripts
	t.once.Do(func() {
		seen := map[string]bool{}
		type dictionary interface {
			FieldDict(field string) (index.FieldDict, error)
		}
		var sources []dictionary
		for _, s := range r.shards {
			sources = append(sources, s)
		}
		if len(sources) == 0 && r.alias != nil {
			sources = append(sources, r.alias) // a PerShard reader: one shard
		}
		for _, s := range sources {
			d, err := s.FieldDict(FieldTranscript)
			if errors.Is(err, bleve.ErrorAliasEmpty) {
				continue // no shards: no transcripts
			}
			if err != nil {
				t.err = fmt.Errorf("reading the transcript IDs of the index: %w", err)
				return
			}
			for {
				e, err := d.Next()
				if err != nil {
					d.Close()
					t.err = fmt.Errorf("reading the transcript IDs of the index: %w", err)
					return
				}
				if e == nil {
					break
				}
				if !seen[e.Term] {
					seen[e.Term] = true
					t.ids = append(t.ids, e.Term)
				}
			}
			if err := d.Close(); err != nil {
				t.err = fmt.Errorf("reading the transcript IDs of the index: %w", err)
				return
			}
		}
		sort.Strings(t.ids)
	})
	return t.ids, t.err
}
