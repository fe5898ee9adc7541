package stages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/pipeline"
)

// Options configure a batch.
type Options struct {
	Transcripts []string       // folders or single files, relative to the project or absolute
	Workers     int            // read and segment workers; 0 means GOMAXPROCS
	Prune       bool           // remove the transcripts of files that are gone
	Read        corpus.Options // reader options
	Now         func() time.Time
	Progress    Progress // nil for none
	// MatchProgress hears how matching the codebook, then ranking the
	// queue, advance; nil for none.
	MatchProgress StepProgress
	Codebook      *codebook.Codebook // nil: no candidates
	// AfterStage, when set, is called as each named step of the batch
	// starts ("discover", "read", "index", "record", "commit", "match",
	// "compact", and per merge "merge", "register", "retire"),
	// once per item for the per-item steps and from several workers at
	// once: it must be safe for concurrent use. Tests use it to stop or
	// kill a batch at a known point.
	AfterStage func(step string)
	// Suggest ranks the queue by meaning and proposes suggestions after
	// matching (see Rank). Off by default: ranking reads the whole
	// corpus, and its cost on a large project is not measured yet;
	// "alongside suggest" does the same on demand.
	Suggest bool
	// ShardDocs is the most passages one index shard holds (0: the
	// default, index.DefaultShardDocs); tests set it low.
	ShardDocs int
	// IndexBatch is how many passages go into one segment file of the
	// index (0: the default, index.DefaultBatchSize): with one such batch
	// being built on each core, the most the index step holds at once,
	// whatever the size of a transcript. Tests set it low.
	IndexBatch int
	// Compact, when set, merges index shards at the end of the run, within
	// its budget (see Compact); nil leaves them for "alongside compact".
	Compact *CompactOptions
}

// Progress hears how a batch advances.
type Progress interface {
	Start(files int, bytes int64)
	Done(bytes int64, words int)
	Finish()
}

// Skip is a file the batch could not read.
type Skip struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// FileEncoding is a file read from a text encoding other than UTF-8.
type FileEncoding struct {
	File     string `json:"file"`
	Encoding string `json:"encoding"` // corpus.EncodingWindows1252, ...
}

// Summary is what a batch did.
type Summary struct {
	Batch        int64  `json:"batch"`
	New          int    `json:"new"`
	Changed      int    `json:"changed"`
	Unchanged    int    `json:"unchanged"`
	Removed      int    `json:"removed"`
	Skipped      int    `json:"skipped"`
	SkippedFiles []Skip `json:"skipped_files"`
	// Files that are not transcripts (audio, images, .DS_Store, ...):
	// named, never read, and no reason for a failing exit status.
	Ignored        int                   `json:"ignored"`
	IgnoredFiles   []string              `json:"ignored_files,omitempty"`
	Encodings      []FileEncoding        `json:"encodings,omitempty"` // files read as other than UTF-8
	RemovedFiles   []string              `json:"removed_files"`
	Pruned         bool                  `json:"pruned"`
	Passages       int                   `json:"passages_indexed"`
	Words          int                   `json:"words"`
	Seconds        float64               `json:"seconds"`
	WordsPerSecond float64               `json:"words_per_second"`
	Stages         []pipeline.StageStats `json:"stages"`
	NothingNew     bool                  `json:"nothing_new"`
	Candidates     *MatchSummary         `json:"candidates,omitempty"`
	Compaction     *CompactSummary       `json:"compaction,omitempty"`
}

// fileJob is one file the batch reads.
type fileJob struct {
	abs  string
	rel  string // to its transcript root: the ID comes from it
	file store.File
	id   string
}

// fileResult is a file after reading and segmenting.
type fileResult struct {
	job     fileJob
	err     error // the file's own problem: it is skipped
	touched bool  // its time changed, its content did not: nothing to read
	items   []*transcriptItem
}

type transcriptItem struct {
	t        *corpus.Transcript
	state    string // new | changed | unchanged | revert
	indexed  bool   // its passages were indexed (new or changed, not a revert)
	passages int    // how many were
	words    int
}

// segmentGroupBytes is the size of the groups of files segmented together.
const segmentGroupBytes = 1 << 20

// Run runs one batch over the project's transcripts, in named steps:
// prepare (lock, sweep what a killed batch left, load what the store
// knows), plan (discover files; which are new, changed, gone), then, only
// when there is something to do, begin a batch, index (the pipeline),
// commit, and match the codebook; last, when Options.Compact says so,
// merge index shards. A run with nothing to do creates no batch: batch
// numbers count batches that did something.
func Run(ctx context.Context, p Project, opts Options) (*Summary, error) {
	b := &batchRun{p: p, opts: opts, start: time.Now(), now: opts.Now}
	if b.now == nil {
		b.now = time.Now
	}
	unlock, err := b.prepare(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	defer b.st.Close()

	b.step("discover")
	if err := b.plan(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	due, err := b.matchingDue(ctx)
	if err != nil {
		return nil, err
	}
	if !b.changes() && !due {
		b.sum.NothingNew = true
		if opts.Codebook != nil {
			// Nothing to match, but the analyst still hears what waits.
			if b.sum.Candidates, err = QueueSummary(ctx, p, b.st, opts.Codebook); err != nil {
				return nil, err
			}
			if opts.Suggest {
				if err := RankAfterRun(ctx, p, b.st, opts.Codebook, 0, b.sum.Candidates, opts.MatchProgress); err != nil {
					return nil, err
				}
			}
		}
		// A quiet night may still finish a merge an earlier one had no time for.
		if err := b.compact(ctx); err != nil {
			return nil, err
		}
		b.sum.Seconds = time.Since(b.start).Seconds()
		return b.sum, nil
	}
	if b.sum.Batch, b.name, err = b.st.BeginBatch(ctx, b.now()); err != nil {
		return nil, err
	}
	b.commit.Batch = b.sum.Batch
	if err := b.index(ctx); err != nil {
		return b.fail(err)
	}
	b.step("commit")
	// The transcripts are let go: hand their memory back before the shards
	// are merged (which maps their files) and before matching, so that the
	// peak is one step's, not the sum of two.
	debug.FreeOSMemory()
	if err := b.finish(ctx); err != nil {
		return b.fail(err) // the writer deletes its shards
	}
	if opts.Codebook != nil {
		// The batch is committed; matching failing here leaves its
		// transcripts unmatched, and the next run matches them.
		b.step("match")
		debug.FreeOSMemory()
		if b.sum.Candidates, err = MatchCandidates(ctx, p, b.st, opts.Codebook, b.sum.Batch, opts.MatchProgress); err != nil {
			return nil, fmt.Errorf("matching candidates (the batch itself was kept): %w", err)
		}
		if opts.Suggest {
			if err := RankAfterRun(ctx, p, b.st, opts.Codebook, b.sum.Batch, b.sum.Candidates, opts.MatchProgress); err != nil {
				return nil, fmt.Errorf("ranking candidates (the batch itself was kept): %w", err)
			}
		}
		b.sum.NothingNew = b.sum.NothingNew && len(b.sum.Candidates.Rematched) == 0
	}
	if err := b.compact(ctx); err != nil {
		return nil, err
	}
	appendLog(p.LogPath(), b.sum)
	return b.sum, nil
}

// compact merges shards when the options ask for it, after everything
// else: the batch is committed and matched, and a merge killed half-way
// leaves the project as the batch left it.
func (b *batchRun) compact(ctx context.Context) error {
	if b.opts.Compact == nil {
		return nil
	}
	b.step("compact")
	opts := *b.opts.Compact
	if opts.AfterStage == nil {
		opts.AfterStage = b.opts.AfterStage
	}
	var err error
	if b.sum.Compaction, err = compact(ctx, b.p, b.st, opts); err != nil {
		return fmt.Errorf("merging index shards (the batch itself was kept): %w", err)
	}
	return nil
}

// batchRun is one run's state, shared by its steps.
type batchRun struct {
	p     Project
	opts  Options
	start time.Time
	now   func() time.Time

	st     *store.Store
	name   string // the batch's name, which its rows and shards carry
	sum    *Summary
	commit store.Commit
	writer *index.Writer

	known     map[string]store.File // files the store knows, by path
	current   []store.TranscriptInfo
	versionOf map[string]string   // transcript ID -> current version
	idsOfFile map[string][]string // file -> its transcripts
	jobs      []fileJob
}

func (b *batchRun) step(name string) {
	if b.opts.AfterStage != nil {
		b.opts.AfterStage(name)
	}
}

// fail aborts the batch: its shards and rows go (on a dead context, with a
// fresh one).
func (b *batchRun) fail(err error) (*Summary, error) {
	if b.writer != nil {
		b.writer.Abort()
	}
	b.st.FailBatch(context.WithoutCancel(ctx0), b.sum.Batch, b.name, b.now())
	return nil, err
}

// ctx0 is the context fail cleans up with.
var ctx0 = context.Background()

// prepare takes the project's lock, opens the store, sweeps away what a
// killed batch left, and loads the files and transcripts the store knows.
func (b *batchRun) prepare(ctx context.Context) (unlock func(), err error) {
	p := b.p
	if err := os.MkdirAll(p.StateDir(), 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", p.StateDir(), err)
	}
	unlock, err = lockProject(filepath.Join(p.StateDir(), "batch.lock"))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if b.st != nil {
				b.st.Close()
			}
			unlock()
		}
	}()
	if b.st, err = p.OpenStore(); err != nil {
		return nil, err
	}
	if _, err := b.st.Sweep(ctx); err != nil {
		return nil, err
	}
	shards, err := b.st.Shards(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := index.RemoveUnregistered(p.IndexDir(), shards); err != nil {
		return nil, err
	}
	if b.known, err = b.st.Files(ctx); err != nil {
		return nil, err
	}
	if b.current, err = b.st.Transcripts(ctx); err != nil {
		return nil, err
	}
	b.versionOf, b.idsOfFile = map[string]string{}, map[string][]string{}
	for _, t := range b.current {
		b.versionOf[t.ID] = t.Version
		b.idsOfFile[t.File] = append(b.idsOfFile[t.File], t.ID)
	}
	b.sum = &Summary{Pruned: b.opts.Prune}
	b.commit = store.Commit{Prune: b.opts.Prune}
	return unlock, nil
}

// plan discovers the files and works out what the batch must do: the
// jobs to read, the files gone, the transcripts unchanged or back.
func (b *batchRun) plan() error {
	jobs, unchanged, skips, ignored, err := discover(b.p, b.opts.Transcripts, b.known, &b.commit)
	if err != nil {
		return err
	}
	b.jobs = jobs
	b.sum.SkippedFiles = skips
	b.sum.IgnoredFiles, b.sum.Ignored = ignored, len(ignored)
	seen := map[string]bool{}
	for _, sk := range skips {
		seen[sk.File] = true
	}
	for _, f := range unchanged {
		seen[f] = true
	}
	for _, j := range jobs {
		seen[j.file.Path] = true
	}
	for path := range b.known {
		if !seen[path] {
			b.sum.RemovedFiles = append(b.sum.RemovedFiles, path)
			b.commit.Removed = append(b.commit.Removed, b.idsOfFile[path]...)
			if b.opts.Prune {
				b.commit.Forget = append(b.commit.Forget, path)
			}
		}
	}
	sort.Strings(b.sum.RemovedFiles)
	back := map[string]bool{}
	for _, f := range unchanged {
		b.sum.Unchanged += len(b.idsOfFile[f])
		back[f] = true
	}
	// A file that was gone and is back unchanged: its transcripts are no
	// longer removed.
	for _, t := range b.current {
		if t.Removed && back[t.File] {
			b.commit.Transcripts = append(b.commit.Transcripts, t)
		}
	}
	return nil
}

// changes says whether the plan changes anything in the store.
func (b *batchRun) changes() bool {
	c := b.commit
	return len(b.jobs) > 0 || len(c.Files) > 0 || len(c.Removed) > 0 || len(c.Forget) > 0 || len(c.Transcripts) > 0
}

// matchingDue says whether the codebook has matching to do: codes whose
// rules changed, or transcripts not matched on their current version.
func (b *batchRun) matchingDue(ctx context.Context) (bool, error) {
	if b.opts.Codebook == nil {
		return false, nil
	}
	return MatchingDue(ctx, b.st, b.opts.Codebook)
}

// index runs the pipeline over the jobs: read, segment, cut passages,
// index them into the batch's shards, and record each transcript version.
func (b *batchRun) index(ctx context.Context) error {
	opts, st := b.opts, b.st
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if len(b.jobs) > 0 {
		var err error
		if b.writer, err = index.Create(b.p.IndexDir(), b.name, index.WriterOptions{ShardDocs: opts.ShardDocs, BatchSize: opts.IndexBatch}); err != nil {
			return err
		}
	}
	var totalBytes int64
	for _, j := range b.jobs {
		totalBytes += j.file.Size
	}
	if opts.Progress != nil && len(b.jobs) > 0 {
		opts.Progress.Start(len(b.jobs), totalBytes)
		defer opts.Progress.Finish()
	}

	var seg corpus.Segmenter
	g := pipeline.New(ctx)
	// Channel buffers are twice the worker count: enough to keep every
	// worker fed, few enough that only a handful of transcripts are in
	// memory at once.
	buf := 2 * workers
	found := pipeline.Source(g, "discover", buf, func(ctx context.Context, emit func(fileJob) error) error {
		for _, j := range b.jobs {
			if err := emit(j); err != nil {
				return err
			}
		}
		return nil
	})
	read := pipeline.Map(g, "read", workers, buf, found, b.read)
	// prose costs about 20 ms a document whatever its size, so files are
	// segmented in groups of about a megabyte (see corpus.SegmentAll).
	groups := pipeline.Batch(g, "group", buf, read, func(r *fileResult) int { return int(r.job.file.Size) }, segmentGroupBytes)
	segmentedGroups := pipeline.Map(g, "segment", workers, buf, groups, func(ctx context.Context, rs []*fileResult) ([]*fileResult, error) {
		return rs, b.segment(ctx, &seg, rs)
	})
	segmented := pipeline.Flatten(g, "ungroup", buf, segmentedGroups)
	// Passages are cut as they are indexed, one at a time, and let go once
	// the writer's batch is written: a pasted transcript of ten million
	// words has 180,000 of them, and holding them all took more memory than
	// its text. The record step cuts them again for the store.
	indexed := pipeline.Map(g, "index", 1, buf, segmented, func(ctx context.Context, r *fileResult) (*fileResult, error) {
		b.step("index")
		for _, it := range r.items {
			if it.state == "new" || it.state == "changed" {
				it.indexed = true
				for p := range corpus.EachPassage(it.t) {
					if err := b.writer.Add(&p); err != nil {
						return nil, err
					}
					it.passages++
				}
			}
			if err := b.writer.EndTranscript(); err != nil {
				return nil, err
			}
		}
		return r, nil
	})
	claimed := map[string]string{} // transcript ID -> file, to refuse a second file with the same ID
	pipeline.Sink(g, "record", indexed, func(ctx context.Context, r *fileResult) error {
		return b.record(ctx, r, claimed)
	})
	if err := g.Wait(); err != nil {
		return err
	}
	b.sum.Stages = g.Stats()
	_ = st
	return nil
}

// read reads one file, once: its bytes are hashed as they are parsed. A
// file whose content is what the store has (only its time changed) is
// passed on as touched, not parsed.
func (b *batchRun) read(ctx context.Context, j fileJob) (*fileResult, error) {
	b.step("read")
	f, err := corpus.Load(j.abs, b.opts.Read)
	var ts []*corpus.Transcript
	if err == nil {
		j.file.Hash = f.Hash
		if prev, ok := b.known[j.file.Path]; ok && prev.Status == "ok" && prev.Hash == f.Hash {
			return &fileResult{job: j, touched: true}, nil
		}
		ts, err = f.Parse(j.id, b.opts.Read)
	}
	if err != nil {
		var fe *corpus.FileError
		if errors.As(err, &fe) {
			// Name the file as the project does, not by where the
			// project happens to be: the reason is stored.
			fe.File = j.file.Path
			return &fileResult{job: j, err: err}, nil
		}
		return nil, fmt.Errorf("reading %s: %w", j.abs, err)
	}
	r := &fileResult{job: j}
	for _, t := range ts {
		t.Source = j.file.Path
		t.SetVersion()
		r.items = append(r.items, &transcriptItem{t: t})
	}
	return r, nil
}

// segment decides what each transcript of a group of files is to the
// batch (new, changed, unchanged, or a return to a version indexed before)
// and splits the ones to index into sentences, one prose document per
// group.
func (b *batchRun) segment(ctx context.Context, seg *corpus.Segmenter, rs []*fileResult) error {
	var todo []*corpus.Transcript
	for _, r := range rs {
		for _, it := range r.items {
			old, ok := b.versionOf[it.t.ID]
			switch {
			case ok && old == it.t.Version:
				it.state = "unchanged"
				continue
			case ok:
				it.state = "changed"
			default:
				it.state = "new"
			}
			again, err := b.st.HasVersion(ctx, it.t.ID, it.t.Version)
			if err != nil {
				return err
			}
			if again {
				it.state += "+revert" // indexed before: point back at it
			}
			todo = append(todo, it.t)
			for i := range it.t.Turns {
				it.words += corpus.Words(it.t.TurnText(i))
			}
		}
	}
	if err := seg.SegmentAll(todo); err != nil {
		return fmt.Errorf("segmenting %s: %w", rs[0].job.file.Path, err)
	}
	return nil
}

// record stores what one file gave: its transcripts' new versions (rows
// that stay invisible until the commit), and what the commit must say.
func (b *batchRun) record(ctx context.Context, r *fileResult, claimed map[string]string) error {
	b.step("record")
	sum, commit := b.sum, &b.commit
	if b.opts.Progress != nil {
		words := 0
		for _, it := range r.items {
			words += it.words
		}
		b.opts.Progress.Done(r.job.file.Size, words)
	}
	f := r.job.file
	if r.err != nil {
		f.Status, f.Error = "skipped", r.err.Error()
		sum.SkippedFiles = append(sum.SkippedFiles, Skip{File: f.Path, Reason: r.err.Error()})
		commit.Files = append(commit.Files, f)
		return nil
	}
	f.Status = "ok"
	commit.Files = append(commit.Files, f)
	if r.touched {
		// Touched but not changed: remember the new time; a file back
		// after it was gone gets its transcripts back.
		sum.Unchanged += len(b.idsOfFile[f.Path])
		for _, t := range b.current {
			if t.Removed && t.File == f.Path {
				commit.Transcripts = append(commit.Transcripts, t)
			}
		}
		return nil
	}
	if len(r.items) > 0 {
		if enc := r.items[0].t.Metadata[corpus.MetaEncoding]; enc != "" {
			sum.Encodings = append(sum.Encodings, FileEncoding{File: f.Path, Encoding: enc})
		}
	}
	present := map[string]bool{}
	for _, it := range r.items {
		present[it.t.ID] = true
		if other, ok := claimed[it.t.ID]; ok && other != f.Path {
			return fmt.Errorf("transcript %q comes from both %s and %s", it.t.ID, other, f.Path)
		}
		claimed[it.t.ID] = f.Path
		switch strings.TrimSuffix(it.state, "+revert") {
		case "unchanged":
			sum.Unchanged++
			continue
		case "new":
			sum.New++
		case "changed":
			sum.Changed++
		}
		if !strings.HasSuffix(it.state, "+revert") {
			if err := b.st.AddVersion(ctx, it.t, corpus.EachPassage(it.t), b.name); err != nil {
				return err
			}
			sum.Passages += it.passages
		}
		sum.Words += it.words
		commit.Transcripts = append(commit.Transcripts, store.TranscriptInfo{
			ID: it.t.ID, File: f.Path, Version: it.t.Version, Title: it.t.Title, Format: it.t.Format,
			Words: it.words, Turns: len(it.t.Turns), Passages: countPassages(it),
		})
		it.t = nil // let the text go
	}
	// Transcripts a table no longer holds.
	for _, id := range b.idsOfFile[f.Path] {
		if !present[id] {
			commit.Removed = append(commit.Removed, id)
		}
	}
	return nil
}

// finish finishes the batch's shards and commits: one store transaction
// registers them and points the transcripts at their new versions.
func (b *batchRun) finish(ctx context.Context) error {
	sum, commit := b.sum, &b.commit
	if b.writer != nil {
		shards, err := b.writer.Finish()
		if err != nil {
			return err
		}
		for _, sh := range shards {
			commit.Shards = append(commit.Shards, store.Shard{Name: sh.Name, Docs: sh.Docs})
		}
	}
	sort.Slice(sum.SkippedFiles, func(i, j int) bool { return sum.SkippedFiles[i].File < sum.SkippedFiles[j].File })
	sort.Slice(sum.Encodings, func(i, j int) bool { return sum.Encodings[i].File < sum.Encodings[j].File })
	sort.Slice(commit.Files, func(i, j int) bool { return commit.Files[i].Path < commit.Files[j].Path })
	sort.Slice(commit.Transcripts, func(i, j int) bool { return commit.Transcripts[i].ID < commit.Transcripts[j].ID })
	sort.Strings(commit.Removed)
	sum.Removed = len(commit.Removed)
	sum.Skipped = len(sum.SkippedFiles)
	sum.NothingNew = sum.New == 0 && sum.Changed == 0 && sum.Removed == 0 && sum.Skipped == 0
	sum.Seconds = time.Since(b.start).Seconds()
	if sum.Seconds > 0 {
		sum.WordsPerSecond = float64(sum.Words) / sum.Seconds
	}
	commit.Summary, commit.Now = sum, b.now()
	return b.st.Commit(ctx, *commit)
}

// countPassages is the number of passages a transcript version has (a
// reverted version keeps the passages it was indexed with).
func countPassages(it *transcriptItem) int {
	if it.indexed {
		return it.passages
	}
	n := 0
	for _, turn := range it.t.Turns {
		n += (len(turn.Sentences) + corpus.PassageSentences - 1) / corpus.PassageSentences
	}
	return n
}

// appendLog adds the summary to the run log; the log is a convenience, so
// a failure to write it does not fail the batch.
func appendLog(path string, sum *Summary) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	line, _ := json.Marshal(sum)
	f.Write(append(line, '\n'))
}

// discover lists the transcript files under roots in path order. A file
// whose size and modification time match the store is unchanged; the
// others become jobs (the read step tells a touched file from a changed
// one by its content hash). Files that are not
// transcripts (by extension, hidden, Office lock files) are listed in
// ignored. Files that differ only in extension get IDs apart (see
// assignIDs); files that still share a transcript ID with an earlier one
// are recorded as skipped in commit.
func discover(p Project, roots []string, known map[string]store.File, commit *store.Commit) (jobs []fileJob, unchanged []string, skips []Skip, ignored []string, err error) {
	var all []fileJob
	for _, root := range roots {
		abs := root
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(p.Dir, root)
		}
		info, err := os.Stat(abs)
		if err != nil {
			return nil, nil, nil, nil, fmt.Errorf("transcripts %s: %w", root, err)
		}
		if !info.IsDir() {
			all = append(all, fileJob{abs: abs, rel: filepath.Base(abs)})
			continue
		}
		err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != abs && (strings.HasPrefix(name, ".") || name == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") || !corpus.Supported(name) {
				if d.Type().IsRegular() {
					ignored = append(ignored, projectPath(p, path))
				}
				return nil
			}
			rel, err := filepath.Rel(abs, path)
			if err != nil {
				return err
			}
			all = append(all, fileJob{abs: path, rel: rel})
			return nil
		})
		if err != nil {
			return nil, nil, nil, nil, fmt.Errorf("walking %s: %w", root, err)
		}
	}
	sort.Strings(ignored)
	ignored = slices.Compact(ignored)
	var files []fileJob
	seen := map[string]bool{}
	for _, j := range all {
		key := projectPath(p, j.abs)
		if seen[key] {
			continue // named by two roots
		}
		seen[key] = true
		info, err := os.Stat(j.abs)
		if err != nil {
			return nil, nil, nil, nil, fmt.Errorf("transcripts: %w", err)
		}
		j.file = store.File{Path: key, Root: filepath.ToSlash(filepath.Dir(j.abs)), Size: info.Size(), MTime: info.ModTime().UnixNano()}
		files = append(files, j)
	}
	assignIDs(files, known)
	ids := map[string]string{}
	for _, j := range files {
		key := j.file.Path
		if other, dup := ids[j.id]; dup {
			j.file.Status, j.file.Error = "skipped", fmt.Sprintf("same transcript ID %q as %s: rename one of them", j.id, other)
			commit.Files = append(commit.Files, j.file)
			skips = append(skips, Skip{File: key, Reason: j.file.Error})
			continue
		}
		ids[j.id] = key
		prev, ok := known[key]
		if ok && prev.Status == "skipped" && strings.HasPrefix(prev.Error, "same transcript ID") {
			ok = false // skipped for a clash that IDs now keep apart: read it
		}
		if ok && prev.Size == j.file.Size && prev.MTime == j.file.MTime {
			// Unchanged since the last run: read nothing. (A file skipped
			// then stays skipped, with its reason, until it changes.)
			unchanged = append(unchanged, key)
			continue
		}
		// Changed in size or time: read it (once; the read step hashes it
		// and passes over a file whose content is what the store has).
		jobs = append(jobs, j)
	}
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].file.Path < jobs[b].file.Path })
	return jobs, unchanged, skips, ignored, nil
}

// projectPath names a file as the store does: relative to the project,
// slash-separated, or absolute when it is outside the project.
func projectPath(p Project, abs string) string {
	if rel, err := filepath.Rel(p.Dir, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return abs
}

// idPreference orders the extensions of files that differ only in
// extension: the first keeps the plain ID. Documents an analyst edits come
// before the text and captions exported from them.
var idPreference = []string{".docx", ".odt", ".rtf", ".txt", ".md", ".pdf", ".vtt", ".srt", ".csv", ".tsv"}

// assignIDs sets each file's transcript ID: IDFromPath, unless files
// differ only in extension ("interview-03.docx" beside
// "interview-03.txt"). Then one keeps the plain ID, "interview-03": the one
// the store already read under it, else the first by idPreference; the
// others keep their extension, "interview-03.txt". IDs of files read
// before stay as they were.
func assignIDs(files []fileJob, known map[string]store.File) {
	byID := map[string][]int{}
	for i := range files {
		files[i].id = corpus.IDFromPath(files[i].rel)
		byID[files[i].id] = append(byID[files[i].id], i)
	}
	rank := func(j fileJob) int {
		if f, ok := known[j.file.Path]; ok && f.Status == "ok" {
			return -1
		}
		if i := slices.Index(idPreference, strings.ToLower(filepath.Ext(j.rel))); i >= 0 {
			return i
		}
		return len(idPreference)
	}
	for _, group := range byID {
		if len(group) < 2 {
			continue
		}
		slices.SortFunc(group, func(a, b int) int {
			if c := rank(files[a]) - rank(files[b]); c != 0 {
				return c
			}
			return strings.Compare(files[a].file.Path, files[b].file.Path)
		})
		for _, i := range group[1:] {
			files[i].id = filepath.ToSlash(files[i].rel)
		}
	}
}
