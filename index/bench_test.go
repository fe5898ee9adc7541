package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus"
)

// The query benchmarks search a million passages, in shards as a batch
// writes them:
// the AnnoMI passages copied over and over, each copy under other
// transcript IDs ("c0001/AnnoMI-simple/5"), so every passage ID is unique
// and the words are real speech. Building it takes minutes, so it is
// built once and kept under os.TempDir(), in a folder named after the
// mapping, the data and the size; later runs reuse it. Benchmarks only run
// with -bench, so "go test ./..." never builds it.
//
//	go test ./index -run '^$' -bench Query -benchtime 20x
//
// ALONGSIDE_BENCH_PASSAGES sets another size (at least 1). Two processes
// must not build the same shard at once.

const benchShardName = "bench"

// benchFormat names how Writer lays out shards; change it when that
// changes (the cached shards are then rebuilt). 4: shards of at most
// DefaultShardDocs passages, each merged into one segment.
const benchFormat = 4

var benchIndex struct {
	once   sync.Once
	r      *Reader
	docs   uint64
	dir    string
	cached bool
	build  time.Duration
	err    error
}

// benchReader opens (building it first if needed) the benchmark shard.
func benchReader(b *testing.B) *Reader {
	b.Helper()
	benchIndex.once.Do(func() { benchIndex.err = openBenchIndex() })
	if benchIndex.err != nil {
		b.Fatal(benchIndex.err)
	}
	state := "built in"
	if benchIndex.cached {
		state = "cached; it was built in"
	}
	segments, _ := filepath.Glob(filepath.Join(benchIndex.dir, benchShardName+"-*", "store", "*.zap"))
	b.Logf("%d passages, %d segments, in %s (%s %v)", benchIndex.docs, len(segments), benchIndex.dir, state, benchIndex.build.Round(time.Second))
	return benchIndex.r
}

func openBenchIndex() error {
	size := 1_000_000
	if s := os.Getenv("ALONGSIDE_BENCH_PASSAGES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("ALONGSIDE_BENCH_PASSAGES=%q: want a positive number", s)
		}
		size = n
	}
	data, err := os.ReadFile(annomiCSV)
	if err != nil {
		return err
	}
	m, err := NewMapping()
	if err != nil {
		return err
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d %d\n%s\n", benchFormat, size, mj)
	h.Write(data)
	root := filepath.Join(os.TempDir(), fmt.Sprintf("alongside-bench-%d-%s", size, hex.EncodeToString(h.Sum(nil))[:12]))
	benchIndex.dir = root
	took := filepath.Join(root, "build-time")
	list := filepath.Join(root, "shards")

	names, err := os.ReadFile(list)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		start := time.Now()
		shards, err := buildBenchShards(root, size)
		if err != nil {
			return err
		}
		benchIndex.build = time.Since(start)
		if err := os.WriteFile(took, []byte(benchIndex.build.String()), 0o600); err != nil {
			return err
		}
		for _, s := range shards {
			names = append(names, s.Name+"\n"...)
		}
		if err := os.WriteFile(list, names, 0o600); err != nil {
			return err
		}
	} else {
		benchIndex.cached = true
		if s, err := os.ReadFile(took); err == nil {
			benchIndex.build, _ = time.ParseDuration(string(s))
		}
	}
	r, err := Open(root, strings.Fields(string(names)), nil)
	if err != nil {
		return err
	}
	benchIndex.r = r
	benchIndex.docs, err = r.DocCount()
	if err == nil && benchIndex.docs != uint64(size) {
		err = fmt.Errorf("the benchmark shards in %s have %d passages, want %d: delete it", root, benchIndex.docs, size)
	}
	return err
}

// buildBenchShards writes size passages, copies of the AnnoMI passages,
// into new shards under root.
func buildBenchShards(root string, size int) ([]Shard, error) {
	ts, err := corpus.ReadFile(annomiCSV, "AnnoMI-simple.csv", corpus.Options{})
	if err != nil {
		return nil, err
	}
	var (
		seg      corpus.Segmenter
		passages []corpus.Passage
	)
	for _, t := range ts {
		if err := seg.Segment(t); err != nil {
			return nil, err
		}
		t.SetVersion()
		passages = append(passages, corpus.Passages(t)...)
	}
	w, err := Create(root, benchShardName, WriterOptions{})
	if err != nil {
		return nil, err
	}
	for i := 0; i < size; i++ {
		p := passages[i%len(passages)]
		p.TranscriptID = fmt.Sprintf("c%04d/%s", i/len(passages), p.TranscriptID)
		p.ID = corpus.PassageID(p.TranscriptID, p.Version, p.Seq)
		if err := w.Add(&p); err != nil {
			w.Abort()
			return nil, err
		}
		if (i+1)%len(passages) == 0 { // a copy of the corpus ends
			if err := w.EndTranscript(); err != nil {
				w.Abort()
				return nil, err
			}
		}
	}
	return w.Finish()
}

// benchQuery runs Compile and Search (the top 20 hits) on q.
func benchQuery(b *testing.B, q string) {
	r := benchReader(b)
	n, err := Parse(q)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	total := 0
	for b.Loop() {
		c, err := r.Compile(ctx, n)
		if err != nil {
			b.Fatal(err)
		}
		hits, t, err := r.Search(ctx, c, 20)
		if err != nil {
			b.Fatal(err)
		}
		if t > 0 && len(hits) == 0 {
			b.Fatalf("%s: %d hits in total, none returned", q, t)
		}
		total = t
	}
	if total == 0 {
		b.Fatalf("%s: no hits", q)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
	b.ReportMetric(float64(total), "hits")
}

func BenchmarkQueryPhrase(b *testing.B)     { benchQuery(b, `"cut down"`) }
func BenchmarkQueryPhraseLong(b *testing.B) { benchQuery(b, `"at the end of the day"`) }
func BenchmarkQueryNear(b *testing.B)       { benchQuery(b, `"want to quit"~3`) }
func BenchmarkQueryWord(b *testing.B)       { benchQuery(b, `medication`) }
func BenchmarkQueryPrefix(b *testing.B)     { benchQuery(b, `drink*`) }
func BenchmarkQueryBoolean(b *testing.B)    { benchQuery(b, `smok* speaker:client`) }

// BenchmarkQueryTies: every hit scores the same, so the first 20 are the
// first by transcript and position among hundreds of thousands.
func BenchmarkQueryTies(b *testing.B) { benchQuery(b, `speaker:client`) }

// benchCount runs Compile and IDs (every hit, as "alongside search
// --count" and codebook rules do) on q.
func benchCount(b *testing.B, q string) {
	r := benchReader(b)
	n, err := Parse(q)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ids := 0
	for b.Loop() {
		c, err := r.Compile(ctx, n)
		if err != nil {
			b.Fatal(err)
		}
		got, err := r.IDs(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		ids = len(got)
	}
	if ids == 0 {
		b.Fatalf("%s: no hits", q)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
	b.ReportMetric(float64(ids), "hits")
}

func BenchmarkCountPrefix(b *testing.B) { benchCount(b, `drink*`) }
func BenchmarkCountBroad(b *testing.B)  { benchCount(b, `NOT drink* speaker:therapist`) }
