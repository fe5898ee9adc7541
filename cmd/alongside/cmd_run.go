package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/stages"
)

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run")
	project := fs.project()
	var transcripts listFlag
	fs.Var(&transcripts, "transcripts", "transcript folder or file, `PATH`; repeat for several (default: transcripts: in alongside.yaml)")
	codebookFlag := fs.String("codebook", "", "codebook `FILE` (default: codebook: in alongside.yaml)")
	workers := fs.Int("jobs", 0, "read and segment with `N` workers; 0 for one per core (default: workers: in alongside.yaml)")
	fs.alias("j", "jobs")
	prune := fs.Bool("prune", false, "remove transcripts whose files are gone")
	noCandidates := fs.Bool("no-candidates", false, "index only; candidates are matched on the next run without it")
	suggest := fs.Bool("suggest", false, "rank the queue by meaning and suggest candidates after matching, even when alongside.yaml says suggestions: false")
	noSuggest := fs.Bool("no-suggest", false, "leave the queue's ranking and suggestions as they are this run")
	asJSON := fs.json("print the summary as one JSON object")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*project)
	if err != nil {
		return err
	}
	if len(transcripts) > 0 {
		cfg.Transcripts = transcripts
	}
	if *codebookFlag != "" {
		cfg.Codebook = *codebookFlag
	}
	// A broken codebook does not stop the night's indexing: the batch runs,
	// matching waits for the fix, and the run ends with status 3.
	var cb *codebook.Codebook
	var cbErr error
	if !*noCandidates {
		cb, cbErr = loadCodebook(*project, cfg, *codebookFlag != "")
	}
	if cbErr != nil {
		for _, line := range strings.Split(cbErr.Error(), "\n") {
			fmt.Fprintf(e.stderr, "alongside: codebook: %s\n", line)
		}
		fmt.Fprintln(e.stderr, "alongside: indexing without matching candidates")
	}
	if fs.given("jobs") || fs.given("j") {
		if *workers < 0 {
			return usageError{msg: "run: --jobs: give 0 (one per core) or more"}
		}
		cfg.Workers = *workers
	}
	opts := stages.Options{
		Transcripts: cfg.Transcripts,
		Workers:     cfg.Workers,
		Prune:       *prune,
		Read:        corpus.Options{MaxSize: cfg.MaxFileMB << 20},
		Codebook:    cb,
		Suggest:     (cfg.Suggestions || *suggest) && !*noSuggest,
	}
	if cfg.CompactSeconds > 0 {
		opts.Compact = &stages.CompactOptions{Budget: time.Duration(cfg.CompactSeconds) * time.Second}
	}
	if step := os.Getenv("ALONGSIDE_TEST_HOLD_AT"); step != "" {
		opts.AfterStage = holdAt(e, step)
	}
	if e.stderrTTY {
		opts.Progress = &barProgress{w: e.stderr}
	} else {
		opts.Progress = &lineProgress{w: e.stderr, interval: 10 * time.Second}
	}
	opts.MatchProgress = stepProgress(e)
	sum, err := stages.Run(ctx, stages.Project{Dir: *project}, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := json.NewEncoder(e.stdout).Encode(sum); err != nil {
			return err
		}
	} else {
		printSummary(e, sum, *project)
	}
	if sum.Skipped > 0 || cbErr != nil {
		n := sum.Skipped
		if cbErr != nil {
			n++
		}
		return skippedError{n: n}
	}
	return nil
}

// holdAt is a test hook (ALONGSIDE_TEST_HOLD_AT=step, or step:N): the
// batch says "holding at STEP" (or "holding at STEP:N") on stderr the first
// (or Nth) time it reaches the step and waits there for a minute, so a test
// can kill it at a known point. Later arrivals at the step wait too.
func holdAt(e *env, target string) func(string) {
	step, nth := target, 1
	if s, n, ok := strings.Cut(target, ":"); ok {
		if k, err := strconv.Atoi(n); err == nil && k > 0 {
			step, nth = s, k
		}
	}
	var mu sync.Mutex
	seen := 0
	held := make(chan struct{})
	return func(s string) {
		if s != step {
			return
		}
		mu.Lock()
		seen++
		n := seen
		mu.Unlock()
		switch {
		case n == nth:
			fmt.Fprintf(e.stderr, "holding at %s\n", target)
			time.Sleep(time.Minute)
			close(held)
		case n > nth:
			<-held
		}
	}
}

func printSummary(e *env, s *stages.Summary, project string) {
	w := e.stdout
	if s.NothingNew {
		fmt.Fprintf(w, "Nothing new: %d transcript(s) unchanged since the last run.\n", s.Unchanged)
	} else {
		fmt.Fprintf(w, "Batch %d: %d new, %d changed, %d unchanged, %d removed transcript(s); %d file(s) skipped.\n",
			s.Batch, s.New, s.Changed, s.Unchanged, s.Removed, s.Skipped)
		fmt.Fprintf(w, "Indexed %d passages (%d words) in %.1f s: %.0f words/s.\n", s.Passages, s.Words, s.Seconds, s.WordsPerSecond)
	}
	if len(s.SkippedFiles) > 0 {
		fmt.Fprintln(w, "Skipped:")
		for _, sk := range s.SkippedFiles {
			fmt.Fprintf(w, "  %s: %s\n", sk.File, sk.Reason)
		}
	}
	if len(s.Encodings) > 0 {
		fmt.Fprintln(w, "Not UTF-8 (check their accented letters):")
		for _, e := range s.Encodings {
			fmt.Fprintf(w, "  %s: read as %s\n", e.File, corpus.EncodingName(e.Encoding))
		}
	}
	if s.Ignored > 0 {
		// One line: a folder of audio next to its transcripts is normal.
		names := s.IgnoredFiles
		more := ""
		if len(names) > 5 {
			names, more = names[:5], fmt.Sprintf(" and %d more", len(s.IgnoredFiles)-5)
		}
		fmt.Fprintf(w, "Ignored %d file(s) that are not transcripts: %s%s.\n", s.Ignored, strings.Join(names, ", "), more)
	}
	if len(s.RemovedFiles) > 0 {
		if s.Pruned {
			fmt.Fprintln(w, "Files gone, their transcripts removed:")
		} else {
			fmt.Fprintln(w, "Files gone (their transcripts stay searchable until you run with --prune):")
		}
		for _, f := range s.RemovedFiles {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	if c := s.Candidates; c != nil && (c.New+c.Withdrawn+c.Orphaned > 0 || len(c.Rematched) > 0 || !s.NothingNew) {
		fmt.Fprintf(w, "Candidates: %d new, %d withdrawn, %d orphaned; %d waiting for a decision (codebook %s, %d codes; %.1f s).\n",
			c.New, c.Withdrawn, c.Orphaned, c.Waiting, c.Codebook, c.Codes, c.Seconds)
		if c.Suggested > 0 {
			fmt.Fprintf(w, "Of those waiting, %d are suggestions: passages like a code's description that match none of its keywords (origin suggested).\n", c.Suggested)
		}
		if len(c.Rematched) > 0 {
			fmt.Fprintf(w, "Matched over the whole corpus (new or changed rules): %s\n", strings.Join(c.Rematched, "; "))
		}
		codes := make([]string, 0, len(c.PerCode))
		for code, n := range c.PerCode {
			if n.New+n.Withdrawn > 0 {
				codes = append(codes, code)
			}
		}
		sort.Strings(codes)
		for _, code := range codes {
			n := c.PerCode[code]
			fmt.Fprintf(w, "  %s: %d new, %d withdrawn, %d waiting\n", code, n.New, n.Withdrawn, n.Waiting)
		}
		for _, warn := range c.Warnings {
			fmt.Fprintf(e.stderr, "alongside: warning: %s\n", warn)
		}
		if c.New > 0 {
			fmt.Fprintf(w, "Review the new ones: alongside candidates --project %s --batch %d\n", project, s.Batch)
		}
	}
	if c := s.Compaction; c != nil && len(c.Merges) > 0 {
		printMerges(e, c)
	}
	if c := s.Compaction; c != nil && c.Waiting > 0 {
		fmt.Fprintf(w, "A merge of %d passages waits (longer than compact_seconds: allows): run alongside compact --project %s\n", c.Waiting, project)
	}
	if !s.NothingNew && len(s.Stages) > 0 {
		fmt.Fprint(w, "Time per stage (busy, summed over workers):")
		for _, st := range s.Stages {
			fmt.Fprintf(w, " %s %.2fs", st.Name, st.Busy.Seconds())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(e.stderr, "alongside: project state in %s\n", filepath.Join(project, ".alongside"))
}
