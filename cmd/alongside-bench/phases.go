package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/search"
)

// childPhase runs one measuring step in this process and prints its result
// as JSON on stdout.
func childPhase(ctx context.Context, o options, stdout io.Writer) error {
	if path := os.Getenv("ALONGSIDE_CPUPROFILE"); path != "" {
		// For performance work: a CPU profile of this step, for pprof.
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	var result any
	var err error
	switch o.phase {
	case "bare":
		result, err = bareBleve(ctx, o.project, index.Document)
	case "bare-plain":
		result, err = bareBleve(ctx, o.project, index.PlainDocument)
	case "segment":
		result, err = segmentOnly(o.project)
	case "search":
		result, err = searches(ctx, o.project, o.dir)
	default:
		err = fmt.Errorf("unknown phase %q", o.phase)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(result)
}

// bareBleve indexes the project's passages (from its store: the same
// documents the batch indexed, or with doc the plain ones without word
// pairs) with nothing but a Bleve batch loop, and times only the Bleve
// calls.
func bareBleve(ctx context.Context, project string, doc func(*corpus.Passage) any) (rate, error) {
	p := stages.Project{Dir: project}
	st, err := p.OpenStore()
	if err != nil {
		return rate{}, err
	}
	defer st.Close()
	infos, err := st.Transcripts(ctx)
	if err != nil {
		return rate{}, err
	}
	dir, err := os.MkdirTemp("", "bare-bleve-")
	if err != nil {
		return rate{}, err
	}
	defer os.RemoveAll(dir)
	m, err := index.NewMapping()
	if err != nil {
		return rate{}, err
	}
	idx, err := bleve.New(filepath.Join(dir, "idx"), m)
	if err != nil {
		return rate{}, err
	}
	var r rate
	var spent time.Duration
	batch := idx.NewBatch()
	flush := func() error {
		start := time.Now()
		err := idx.Batch(batch)
		spent += time.Since(start)
		batch.Reset()
		return err
	}
	for _, info := range infos {
		t, err := st.Transcript(ctx, info.ID)
		if err != nil {
			return rate{}, err
		}
		r.Words += info.Words
		for _, ps := range corpus.Passages(t) {
			start := time.Now()
			batch.Index(ps.ID, doc(&ps))
			spent += time.Since(start)
			if batch.Size() >= index.DefaultBatchSize {
				if err := flush(); err != nil {
					return rate{}, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return rate{}, err
	}
	start := time.Now()
	if err := idx.Close(); err != nil {
		return rate{}, err
	}
	spent += time.Since(start)
	r.Seconds = spent.Seconds()
	return r, nil
}

// segmentOnly reads every transcript file (not timed) and times prose
// segmentation alone.
func segmentOnly(dir string) (rate, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return rate{}, err
	}
	var seg corpus.Segmenter
	var r rate
	var spent time.Duration
	for _, e := range entries {
		ts, err := corpus.ReadFile(filepath.Join(dir, e.Name()), e.Name(), corpus.Options{})
		if err != nil {
			return rate{}, err
		}
		for _, t := range ts {
			for i := range t.Turns {
				r.Words += corpus.Words(t.TurnText(i))
			}
			start := time.Now()
			if err := seg.Segment(t); err != nil {
				return rate{}, err
			}
			spent += time.Since(start)
		}
	}
	r.Seconds = spent.Seconds()
	return r, nil
}

// searches runs every query of the sets in file against the project, as
// "alongside search --limit 20" does, and returns the latencies in ms.
func searches(ctx context.Context, project, file string) (map[string][]float64, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var sets map[string][]string
	if err := json.Unmarshal(data, &sets); err != nil {
		return nil, err
	}
	s, err := search.Open(ctx, stages.Project{Dir: project})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	out := map[string][]float64{}
	for _, kind := range kinds {
		for _, q := range sets[kind] {
			start := time.Now()
			if _, _, err := s.Search(ctx, search.Options{Query: q, Limit: 20, Context: 1}); err != nil {
				return nil, fmt.Errorf("%s: %w", q, err)
			}
			out[kind] = append(out[kind], float64(time.Since(start).Microseconds())/1000)
		}
	}
	return out, nil
}
