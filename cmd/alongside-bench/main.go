// Command alongside-bench measures Alongside at research-programme scale
// beside yardsticks measured in the same run, on the same data:
//
//	go run ./cmd/alongside-bench [--words N] [--out FILE.json]
//
// It builds a corpus of N words (default 30 million) from real AnnoMI
// utterances in every supported format, runs the alongside binary on it
// (the full batch, a nightly batch of 20 new transcripts, a run with
// nothing new, the matching stage for a 30-code codebook), times 50
// searches of each kind, and measures the yardsticks: a bare Bleve batch
// loop over the same passages, prose segmentation alone, and grep for the
// phrase queries. Each measuring step runs in its own process, so that its
// peak memory (RSS) is its own.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "alongside-bench: %v\n", err)
		if ctx.Err() != nil {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

type options struct {
	words   int
	perFile int
	out     string
	dir     string
	annomi  string
	seed    uint64
	workers int
	keep    bool
	nights  int    // nights of the years phase (0: none)
	years   bool   // the full batch, then the years phase only
	suggest bool   // the suggestions phase only
	phase   string // internal: a measuring step run as a child process
	project string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("alongside-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.words, "words", 30_000_000, "corpus size in words")
	fs.IntVar(&o.perFile, "per-file", 15_000, "words per transcript file")
	fs.StringVar(&o.out, "out", "", "also write the results as JSON to this `file`")
	fs.StringVar(&o.dir, "dir", "", "work `folder` (default: a new temporary folder, removed at the end)")
	fs.StringVar(&o.annomi, "annomi", filepath.Join(repoRoot(), "corpus", "testdata", "annomi", "AnnoMI-simple.csv"), "the AnnoMI table to build from")
	fs.Uint64Var(&o.seed, "seed", 1, "generator seed")
	fs.IntVar(&o.workers, "j", runtime.GOMAXPROCS(0), "batch workers")
	fs.BoolVar(&o.keep, "keep", false, "keep the work folder")
	fs.IntVar(&o.nights, "nights", 365, "nightly batches of the years phase; 0 for none")
	fs.BoolVar(&o.years, "years-only", false, "after the full batch, run the years phase only")
	fs.BoolVar(&o.suggest, "suggestions-only", false, "run the suggestions phase only (AnnoMI's labels as the analyst; no corpus)")
	fs.StringVar(&o.phase, "phase", "", "internal")
	fs.StringVar(&o.project, "project", "", "internal")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.phase != "" {
		return childPhase(ctx, o, stdout)
	}
	return bench(ctx, o, stdout, stderr)
}

// row is one line of the results table.
type row struct {
	What      string  `json:"what"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Yardstick string  `json:"yardstick,omitempty"`
	YValue    float64 `json:"yardstick_value,omitempty"`
	Ratio     float64 `json:"ratio,omitempty"`
	Target    string  `json:"target,omitempty"`
	Met       *bool   `json:"met,omitempty"`
	PeakMB    float64 `json:"peak_mb,omitempty"`
}

type report struct {
	Machine string `json:"machine"`
	Command string `json:"command"`
	Words   int    `json:"words"`
	Files   int    `json:"files"`
	Rows    []row  `json:"rows"`
}

func met(ok bool) *bool { return &ok }

func bench(ctx context.Context, o options, stdout, stderr io.Writer) error {
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "alongside-bench: "+format+"\n", a...) }
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "alongside-bench-")
		if err != nil {
			return err
		}
		dir = d
		if !o.keep {
			defer os.RemoveAll(dir)
		}
	}
	convs, err := loadAnnoMI(o.annomi)
	if err != nil {
		return err
	}

	// 0. The suggestions phase: ranking quality on AnnoMI's labels, in
	// this process (it is small).
	logf("suggestions: AnnoMI's labels as the analyst, %d conversations", len(convs))
	results, err := suggestionsPhase(convs, o.seed)
	if err != nil {
		return err
	}
	sugRows := suggestionRows(results)
	if o.suggest {
		rep := report{Machine: machine(), Command: "go run ./cmd/alongside-bench " + strings.Join(os.Args[1:], " "), Rows: sugRows}
		return writeReport(o, rep, stdout)
	}
	vocab := newVocabulary(convs)

	// 1. The corpus, and 20 more transcripts for the nightly batch.
	full := filepath.Join(dir, "full")
	logf("writing %d words into %s", o.words, full)
	g := newGenerator(convs, o.seed)
	nTranscripts, nWords, err := writeCorpus(g, filepath.Join(full, "transcripts"), o.words, o.perFile, "t")
	if err != nil {
		return err
	}
	nightly := filepath.Join(dir, "nightly")
	if _, _, err := writeCorpus(newGenerator(convs, o.seed+1), nightly, 20*o.perFile-o.perFile/2, o.perFile, "n"); err != nil {
		return err
	}
	files, _ := os.ReadDir(filepath.Join(full, "transcripts"))
	topical := codebookYAML(vocab, false)
	if err := os.WriteFile(filepath.Join(dir, "codebook.yaml"), []byte(topical), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "codebook-broad.yaml"), []byte(topical+codebookYAML(vocab, true)), 0o600); err != nil {
		return err
	}
	queries := querySets(vocab)
	qfile := filepath.Join(dir, "queries.json") // kept with --keep, to time queries by hand
	if data, err := json.Marshal(queries); err != nil {
		return err
	} else if err := os.WriteFile(qfile, data, 0o600); err != nil {
		return err
	}

	bin, err := filepath.Abs(filepath.Join(dir, "alongside"))
	if err != nil {
		return err
	}
	logf("building the alongside binary")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/alongside")
	build.Dir = repoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building alongside: %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	rep := report{Machine: machine(), Command: "go run ./cmd/alongside-bench " + strings.Join(os.Args[1:], " "), Words: nWords, Files: len(files)}
	add := func(r row) {
		rep.Rows = append(rep.Rows, r)
		logf("%s: %.2f %s", r.What, r.Value, r.Unit)
	}
	for _, r := range sugRows {
		add(r)
	}
	j := fmt.Sprint(o.workers)

	// 2. The full batch from empty.
	logf("full batch: %d transcripts, %d words", nTranscripts, nWords)
	var fullSum runSummary
	fullRun, err := measure(ctx, &fullSum, bin, "run", "--project", full, "--no-candidates", "-j", j, "--json")
	if err != nil {
		return err
	}
	if o.years {
		return finishYears(ctx, o, dir, full, bin, convs, queries, rep, add, logf, stdout)
	}
	// 3. Yardstick: bare Bleve over the same passages.
	logf("yardstick: bare Bleve batch loop")
	var bare rate
	bareRun, err := measure(ctx, &bare, self, "-phase", "bare", "-project", full)
	if err != nil {
		return err
	}
	batchRate := float64(fullSum.Words) / fullRun.seconds
	add(row{What: "full batch", Value: batchRate, Unit: "words/s", Yardstick: "bare Bleve batch loop, same passages", YValue: bare.perSecond(),
		Ratio: batchRate / bare.perSecond(), Target: ">= 0.75 of bare Bleve", Met: met(batchRate/bare.perSecond() >= 0.75), PeakMB: fullRun.peakMB})
	add(row{What: "bare Bleve (yardstick)", Value: bare.perSecond(), Unit: "words/s", PeakMB: bareRun.peakMB})
	// The plain yardstick (issue 16): only the stemmed and exact text
	// fields, as a bare Bleve loop would index them; the word pairs that
	// make phrases fast are the batch's own cost.
	logf("yardstick: bare Bleve batch loop, plain text fields")
	var plain rate
	plainRun, err := measure(ctx, &plain, self, "-phase", "bare-plain", "-project", full)
	if err != nil {
		return err
	}
	add(row{What: "full batch, against plain Bleve", Value: batchRate, Unit: "words/s", Yardstick: "bare Bleve, stemmed and exact fields only", YValue: plain.perSecond(),
		Ratio: batchRate / plain.perSecond(), Target: ">= 0.75 of plain Bleve", Met: met(batchRate/plain.perSecond() >= 0.75), PeakMB: fullRun.peakMB})
	add(row{What: "plain bare Bleve (yardstick)", Value: plain.perSecond(), Unit: "words/s", PeakMB: plainRun.peakMB})
	var seg rate
	segRun, err := measure(ctx, &seg, self, "-phase", "segment", "-project", filepath.Join(full, "transcripts"))
	if err != nil {
		return err
	}
	add(row{What: "prose segmentation alone (yardstick)", Value: seg.perSecond(), Unit: "words/s", PeakMB: segRun.peakMB})

	// 4. Nightly batch of 20 new transcripts, and the same on an empty project.
	if err := copyDir(nightly, filepath.Join(full, "transcripts")); err != nil {
		return err
	}
	var nightlySum, emptySum runSummary
	nightlyRun, err := measure(ctx, &nightlySum, bin, "run", "--project", full, "--no-candidates", "-j", j, "--json")
	if err != nil {
		return err
	}
	empty := filepath.Join(dir, "empty")
	if err := copyDir(nightly, filepath.Join(empty, "transcripts")); err != nil {
		return err
	}
	emptyRun, err := measure(ctx, &emptySum, bin, "run", "--project", empty, "--no-candidates", "-j", j, "--json")
	if err != nil {
		return err
	}
	ratio := nightlyRun.seconds / emptyRun.seconds
	add(row{What: "nightly batch, 20 new transcripts", Value: nightlyRun.seconds, Unit: "s", Yardstick: "same batch on an empty project", YValue: emptyRun.seconds,
		Ratio: ratio, Target: "< 15 s and <= 2x", Met: met(nightlyRun.seconds < 15 && ratio <= 2), PeakMB: nightlyRun.peakMB})

	// 5. Nothing new.
	var idleSum runSummary
	idleRun, err := measure(ctx, &idleSum, bin, "run", "--project", full, "--no-candidates", "-j", j, "--json")
	if err != nil {
		return err
	}
	add(row{What: "run with nothing new", Value: idleRun.seconds, Unit: "s", Target: "< 2 s", Met: met(idleRun.seconds < 2 && idleSum.NothingNew), PeakMB: idleRun.peakMB})

	// 6. Searches as the analyst runs them, an "alongside search" process
	// per query, and grep for the phrases.
	logf("searches: 50 of each kind, a process each")
	grepMS := grepTimes(ctx, filepath.Join(full, "transcripts"), queries["phrase"])
	for _, k := range kinds {
		wall, cpu, peakMB, err := searchProcessTimes(ctx, bin, full, queries[k])
		if err != nil {
			return err
		}
		med, p95 := percentile(wall, 50), percentile(wall, 95)
		r := row{What: "search " + k + " (median, a process each)", Value: med, Unit: "ms", Target: "median < 50 ms", Met: met(med < 50), PeakMB: peakMB}
		if k == "phrase" {
			g := percentile(grepMS, 50)
			r.Yardstick, r.YValue, r.Ratio = "grep -c -i -F, same files (median)", g, med/g
		}
		add(r)
		add(row{What: "search " + k + " (95th percentile)", Value: p95, Unit: "ms", Target: "p95 < 150 ms", Met: met(p95 < 150)})
		add(row{What: "search " + k + " (median CPU time, user + system)", Value: percentile(cpu, 50), Unit: "ms"})
	}

	// 6b. Every hit of the most common word and of a common proximity, as
	// an analyst exports them (--limit 0 --json): memory must not grow with
	// the hits (issue 16: any step under 500 MB).
	for _, q := range []string{"you", `"you know"~3`} {
		logf("every hit of %s", q)
		run, hits, err := everyHit(ctx, bin, full, q)
		if err != nil {
			return err
		}
		add(row{What: fmt.Sprintf("search, every hit of %s (%d hits, --limit 0 --json)", q, hits), Value: run.seconds, Unit: "s",
			Target: "peak < 500 MB", Met: met(run.peakMB < 500), PeakMB: run.peakMB})
	}

	// 7. The matching stage: a 30-code, 150-keyword topical codebook over
	// the whole corpus; then (8) the same with 30 broad codes added, of
	// which only the new ones are matched.
	for _, m := range []struct{ what, log, file string }{
		{"matching stage (%d candidates)", "30 codes, 150 keywords, whole corpus", "codebook.yaml"},
		{"matching stage, 30 broad codes (%d candidates)", "30 broad codes added, whole corpus", "codebook-broad.yaml"},
	} {
		logf("matching: %s", m.log)
		var sum runSummary
		run, err := measure(ctx, &sum, bin, "run", "--project", full, "--codebook", filepath.Join(dir, m.file), "-j", j, "--no-suggest", "--json")
		if err != nil {
			return err
		}
		if sum.Candidates == nil {
			return errors.New("matching: the run reported no candidates")
		}
		add(row{What: fmt.Sprintf(m.what, sum.Candidates.New), Value: sum.Candidates.Seconds, Unit: "s", Target: "< 30 s",
			Met: met(sum.Candidates.Seconds < 30), PeakMB: run.peakMB})
	}

	// 9. The cost of ranking: "alongside suggest" for the 30-code
	// codebook over the whole corpus, and a nightly batch with --suggest
	// beside the same without; before the years phase adds its nights
	// to the corpus.
	if err := suggestCost(ctx, o, dir, full, bin, convs, nWords, add, logf); err != nil {
		return err
	}

	// 10. Years of nights.
	if o.nights > 0 {
		logf("years: %d nights", o.nights)
		if err := yearsPhase(ctx, o, dir, full, bin, newGenerator(convs, o.seed+2), queries, add, logf); err != nil {
			return err
		}
	}

	peak := 0.0
	for _, r := range rep.Rows {
		if !strings.Contains(r.What, "(yardstick)") { // the tool's steps, not the yardsticks'
			peak = max(peak, r.PeakMB)
		}
	}
	add(row{What: "peak memory of alongside, any step above", Value: peak, Unit: "MB", Target: "< 500 MB", Met: met(peak < 500)})

	return writeReport(o, rep, stdout)
}

// finishYears runs the years phase alone (--years-only) and reports it.
func finishYears(ctx context.Context, o options, dir, full, bin string, convs []conversation, queries map[string][]string, rep report, add func(row), logf func(string, ...any), stdout io.Writer) error {
	if err := yearsPhase(ctx, o, dir, full, bin, newGenerator(convs, o.seed+2), queries, func(r row) { rep.Rows = append(rep.Rows, r); add(r) }, logf); err != nil {
		return err
	}
	return writeReport(o, rep, stdout)
}

func writeReport(o options, rep report, stdout io.Writer) error {
	printTable(stdout, rep)
	if o.out != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.out, append(data, '\n'), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// runSummary is the part of "alongside run --json" the bench reads.
type runSummary struct {
	Words      int  `json:"words"`
	NothingNew bool `json:"nothing_new"`
	Candidates *struct {
		New     int     `json:"new"`
		Seconds float64 `json:"seconds"`
	} `json:"candidates"`
}

// rate is what a yardstick phase reports.
type rate struct {
	Words   int     `json:"words"`
	Seconds float64 `json:"seconds"`
}

func (r rate) perSecond() float64 { return float64(r.Words) / r.Seconds }

type measured struct {
	seconds float64
	peakMB  float64
}

// measure runs a command, decodes its stdout as JSON into v, and returns
// its wall time and peak RSS.
func measure(ctx context.Context, v any, name string, args ...string) (measured, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = io.Discard
	var out strings.Builder
	cmd.Stdout = &out
	start := time.Now()
	err := cmd.Run()
	m := measured{seconds: time.Since(start).Seconds()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.peakMB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 3) {
		return m, fmt.Errorf("%s %s: %v", filepath.Base(name), strings.Join(args, " "), err)
	}
	if err := json.Unmarshal([]byte(out.String()), v); err != nil {
		return m, fmt.Errorf("%s %s: reading its output: %v", filepath.Base(name), strings.Join(args, " "), err)
	}
	return m, nil
}

// everyHit runs "alongside search --limit 0 --json" for a query and
// returns its wall time and peak RSS, and the number of hits it printed
// (counted as they stream by, not kept).
func everyHit(ctx context.Context, bin, project, q string) (measured, int, error) {
	cmd := exec.CommandContext(ctx, bin, "search", "--project", project, "--limit", "0", "--json", q)
	var lines lineCounter
	cmd.Stdout, cmd.Stderr = &lines, io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return measured{}, 0, fmt.Errorf("alongside search --limit 0 %s: %v", q, err)
	}
	m := measured{seconds: time.Since(start).Seconds()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.peakMB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return m, int(lines), nil
}

// lineCounter counts the lines written to it.
type lineCounter int

func (c *lineCounter) Write(p []byte) (int, error) {
	*c += lineCounter(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// grepTimes times grep -r -c -i -F for each phrase over the files.
func grepTimes(ctx context.Context, dir string, phrases []string) []float64 {
	var ms []float64
	for _, p := range phrases {
		p = strings.Trim(p, `"`)
		start := time.Now()
		exec.CommandContext(ctx, "grep", "-r", "-c", "-i", "-F", p, dir).Run()
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
	}
	return ms
}

func percentile(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func copyDir(from, to string) error {
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func machine() string {
	model := ""
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "model name") {
				_, model, _ = strings.Cut(l, ": ")
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func printTable(w io.Writer, rep report) {
	if rep.Words > 0 {
		fmt.Fprintf(w, "Alongside benchmark: %d words in %d files; %s\n\n", rep.Words, rep.Files, rep.Machine)
	} else {
		fmt.Fprintf(w, "Alongside benchmark: %s\n\n", rep.Machine)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHAT\tVALUE\tYARDSTICK\tRATIO\tTARGET\tMET\tPEAK MB")
	for _, r := range rep.Rows {
		y, ratio, ok, peak := "", "", "", ""
		prec := "%.1f"
		if r.Unit == "" { // a fraction: precision
			prec = "%.3f"
		}
		if r.Yardstick != "" {
			y = fmt.Sprintf(prec+" (%s)", r.YValue, r.Yardstick)
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		if r.Met != nil {
			ok = map[bool]string{true: "yes", false: "NO"}[*r.Met]
		}
		if r.PeakMB > 0 {
			peak = fmt.Sprintf("%.0f", r.PeakMB)
		}
		fmt.Fprintf(tw, "%s\t"+prec+" %s\t%s\t%s\t%s\t%s\t%s\n", r.What, r.Value, r.Unit, y, ratio, r.Target, ok, peak)
	}
	tw.Flush()
}

// repoRoot is the repository this benchmark was built from (by "go run"),
// where its data and the alongside command are, whatever the working
// directory.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}
