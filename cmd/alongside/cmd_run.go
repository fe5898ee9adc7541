package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/stages"
)

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "run [--project DIR] [--transcripts PATH]... [--codebook FILE] [-j N] [--prune] [--no-candidates] [--json]")
	project := fs.String("project", ".", "project `folder`")
	var transcripts listFlag
	fs.Var(&transcripts, "transcripts", "transcript folder or file (repeatable; overrides alongside.yaml)")
	codebookFlag := fs.String("codebook", "", "codebook `file` (overrides alongside.yaml)")
	workers := fs.Int("j", -1, "read and segment `workers` (default: alongside.yaml, else one per core)")
	prune := fs.Bool("prune", false, "remove transcripts whose files are gone")
	noCandidates := fs.Bool("no-candidates", false, "index only; candidates are matched on the next run without it")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if _, err := parse(fs, args); err != nil {
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
		fmt.Fprintf(e.stderr, "alongside: codebook: %v\nalongside: indexing without matching candidates\n", cbErr)
	}
	if *workers >= 0 {
		cfg.Workers = *workers
	}
	opts := stages.Options{
		Transcripts: cfg.Transcripts,
		Workers:     cfg.Workers,
		Prune:       *prune,
		Read:        corpus.Options{MaxSize: cfg.MaxFileMB << 20},
		Codebook:    cb,
	}
	if step := os.Getenv("ALONGSIDE_TEST_HOLD_AT"); step != "" {
		opts.AfterStage = holdAt(e, step)
	}
	if e.stderrTTY {
		opts.Progress = &barProgress{w: e.stderr}
	} else {
		opts.Progress = &lineProgress{w: e.stderr, interval: 10 * time.Second}
	}
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
	if c := s.Candidates; c != nil && (c.Proposed+c.Withdrawn+c.Orphaned > 0 || len(c.Rematched) > 0 || !s.NothingNew) {
		fmt.Fprintf(w, "Candidates: %d proposed, %d withdrawn, %d orphaned (codebook %s, %d codes; %.1f s).\n", c.Proposed, c.Withdrawn, c.Orphaned, c.Codebook, c.Codes, c.Seconds)
		if len(c.Rematched) > 0 {
			fmt.Fprintf(w, "Matched over the whole corpus (new or changed rules): %s\n", strings.Join(c.Rematched, "; "))
		}
		if c.Proposed > 0 {
			fmt.Fprintf(w, "Review them: alongside candidates --project %s --status proposed\n", project)
		}
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
