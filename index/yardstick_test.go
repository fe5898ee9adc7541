package index

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/alongside-qda/alongside/corpus"
)

// The indexing yardstick: the same passages indexed by a bare Bleve batch
// loop (the library's own limit) and by Writer (what a batch's index stage
// does), both reporting words/s. The batch as a whole is measured beside
// the bare loop by cmd/alongside-bench.
//
//	go test ./index -run '^$' -bench 'Index(BareBleve|BarePlain|Writer)' -benchtime 1x
//
// ALONGSIDE_BENCH_INDEX_PASSAGES sets the number of passages (default
// 200,000: the AnnoMI passages copied under other transcript IDs).

var yardstick struct {
	once     sync.Once
	passages []corpus.Passage
	words    int
	err      error
}

func yardstickPassages(b *testing.B) ([]corpus.Passage, int) {
	b.Helper()
	yardstick.once.Do(func() {
		size := 200_000
		if s := os.Getenv("ALONGSIDE_BENCH_INDEX_PASSAGES"); s != "" {
			if size, yardstick.err = strconv.Atoi(s); yardstick.err != nil {
				return
			}
		}
		ts, err := corpus.ReadFile(annomiCSV, "AnnoMI-simple.csv", corpus.Options{})
		if err != nil {
			yardstick.err = err
			return
		}
		var seg corpus.Segmenter
		if yardstick.err = seg.SegmentAll(ts); yardstick.err != nil {
			return
		}
		var base []corpus.Passage
		for _, t := range ts {
			t.SetVersion()
			base = append(base, corpus.Passages(t)...)
		}
		for i := range size {
			p := base[i%len(base)]
			p.TranscriptID = fmt.Sprintf("y%04d/%s", i/len(base), p.TranscriptID)
			p.ID = corpus.PassageID(p.TranscriptID, p.Version, p.Seq)
			for _, s := range p.Sentences {
				yardstick.words += corpus.Words(s)
			}
			yardstick.passages = append(yardstick.passages, p)
		}
	})
	if yardstick.err != nil {
		b.Fatal(yardstick.err)
	}
	return yardstick.passages, yardstick.words
}

func BenchmarkIndexBareBleve(b *testing.B) { benchBare(b, Document) }

// BenchmarkIndexBarePlain is the plain yardstick: no word pairs.
func BenchmarkIndexBarePlain(b *testing.B) { benchBare(b, PlainDocument) }

func benchBare(b *testing.B, doc func(*corpus.Passage) any) {
	passages, words := yardstickPassages(b)
	m, err := NewMapping()
	if err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		idx, err := bleve.New(filepath.Join(b.TempDir(), strconv.Itoa(i)), m)
		if err != nil {
			b.Fatal(err)
		}
		batch := idx.NewBatch()
		for j := range passages {
			if err := batch.Index(passages[j].ID, doc(&passages[j])); err != nil {
				b.Fatal(err)
			}
			if batch.Size() >= DefaultBatchSize {
				if err := idx.Batch(batch); err != nil {
					b.Fatal(err)
				}
				batch.Reset()
			}
		}
		if err := idx.Batch(batch); err != nil {
			b.Fatal(err)
		}
		if err := idx.Close(); err != nil {
			b.Fatal(err)
		}
	}
	reportRates(b, words, len(passages), cpu)
}

// cpuTime is the CPU time the process has used (every thread, Bleve's
// background merger included): on a shared machine it varies less than
// the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportRates(b *testing.B, words, passages int, cpuBefore time.Duration) {
	b.ReportMetric(float64(words*b.N)/b.Elapsed().Seconds(), "words/s")
	b.ReportMetric(float64(passages*b.N)/b.Elapsed().Seconds(), "passages/s")
	b.ReportMetric(float64(words*b.N)/(cpuTime()-cpuBefore).Seconds(), "words/cpu-s")
}

func BenchmarkIndexWriter(b *testing.B) {
	passages, words := yardstickPassages(b)
	cpu := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		w, err := Create(b.TempDir(), "s"+strconv.Itoa(i), WriterOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for j := range passages {
			if err := w.Add(&passages[j]); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := w.Finish(); err != nil {
			b.Fatal(err)
		}
	}
	reportRates(b, words, len(passages), cpu)
}
