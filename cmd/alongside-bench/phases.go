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
