package stages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
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
	Progress    Progress           // nil for none
	Codebook    *codebook.Codebook // nil: no candidates
	// AfterStage, when set, is called as each named step of the batch
	// starts ("discover", "read", "index", "record", "commit", "match"),
	// once per item for the per-item steps and from several workers at
	// once: it must be safe for concurrent use. Tests use it to stop or
	// kill a batch at a known point.
	AfterStage func(step string)
	// ShardDocs is the most passages one index shard holds (0: the
	// default, index.DefaultShardDocs); tests set it low.
	ShardDocs int
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
	job   fileJob
	err   error // the file's own problem: it is skipped
	items []*transcriptItem
}

type transcriptItem struct {
	t        *corpus.Transcript
	state    string // new | changed | unchanged | revert
	passages []corpus.Passage
	words    int
}

// segmentGroupBytes is the size of the groups of files segmented together.
const segmentGroupBytes = 1 << 20

// Run runs one batch over the project's transcripts.
func Run(ctx context.Context, p Project, opts Options) (*Summary, error) {
	start := time.Now()
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	step := func(name string) {
		if opts.AfterStage != nil {
			opts.AfterStage(name)
		}
	}
	if err := os.MkdirAll(p.StateDir(), 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", p.StateDir(), err)
	}
	unlock, err := lockProject(filepath.Join(p.StateDir(), "batch.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()

	st, err := p.OpenStore()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	// A batch killed earlier left rows and folders nobody registered.
	if _, err := st.Sweep(ctx); err != nil {
		return nil, err
	}
	shards, err := st.Shards(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := index.RemoveUnregistered(p.IndexDir(), shards); err != nil {
		return nil, err
	}

	known, err := st.Files(ctx)
	if err != nil {
		return nil, err
	}
	current, err := st.Transcripts(ctx)
	if err != nil {
		return nil, err
	}
	versionOf := map[string]string{}
	idsOfFile := map[string][]string{}
	for _, t := range current {
		versionOf[t.ID] = t.Version
		idsOfFile[t.File] = append(idsOfFile[t.File], t.ID)
	}

	batch, batchName, err := st.BeginBatch(ctx, now())
	if err != nil {
		return nil, err
	}
	sum := &Summary{Batch: batch, Pruned: opts.Prune}
	commit := store.Commit{Batch: batch, Prune: opts.Prune}
	var writer *index.Writer

	fail := func(err error) (*Summary, error) {
		if writer != nil {
			writer.Abort()
		}
		// The batch's own rows go; on a dead context use a fresh one.
		st.FailBatch(context.WithoutCancel(ctx), batch, batchName, now())
		return nil, err
	}

	step("discover")
	seenFiles := map[string]bool{}
	jobs, unchanged, skips, ignored, err := discover(p, opts.Transcripts, known, &commit)
	if err != nil {
		return fail(err)
	}
	sum.SkippedFiles = skips
	sum.IgnoredFiles, sum.Ignored = ignored, len(ignored)
	for _, sk := range skips {
		seenFiles[sk.File] = true
	}
	for _, f := range unchanged {
		seenFiles[f] = true
	}
	for _, j := range jobs {
		seenFiles[j.file.Path] = true
	}
	for path := range known {
		if !seenFiles[path] {
			sum.RemovedFiles = append(sum.RemovedFiles, path)
			commit.Removed = append(commit.Removed, idsOfFile[path]...)
			if opts.Prune {
				commit.Forget = append(commit.Forget, path)
			}
		}
	}
	sort.Strings(sum.RemovedFiles)
	back := map[string]bool{}
	for _, f := range unchanged {
		sum.Unchanged += len(idsOfFile[f])
		back[f] = true
	}
	// A file that was gone and is back unchanged: its transcripts are no
	// longer removed.
	for _, t := range current {
		if t.Removed && back[t.File] {
			commit.Transcripts = append(commit.Transcripts, t)
		}
	}

	if len(jobs) > 0 {
		writer, err = index.Create(p.IndexDir(), batchName, index.WriterOptions{ShardDocs: opts.ShardDocs})
		if err != nil {
			return fail(err)
		}
	}
	var totalBytes int64
	for _, j := range jobs {
		totalBytes += j.file.Size
	}
	if opts.Progress != nil && len(jobs) > 0 {
		opts.Progress.Start(len(jobs), totalBytes)
		defer opts.Progress.Finish()
	}

	var seg corpus.Segmenter
	g := pipeline.New(ctx)
	// Channel buffers are twice the worker count: enough to keep every
	// worker fed, few enough that only a handful of transcripts are in
	// memory at once.
	buf := 2 * workers
	found := pipeline.Source(g, "discover", buf, func(ctx context.Context, emit func(fileJob) error) error {
		for _, j := range jobs {
			if err := emit(j); err != nil {
				return err
			}
		}
		return nil
	})
	read := pipeline.Map(g, "read", workers, buf, found, func(ctx context.Context, j fileJob) (*fileResult, error) {
		step("read")
		ts, err := corpus.ReadFileAs(j.abs, j.id, opts.Read)
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
	})
	// prose costs about 20 ms a document whatever its size, so files are
	// segmented in groups of about a megabyte (see corpus.SegmentAll).
	groups := pipeline.Batch(g, "group", buf, read, func(r *fileResult) int { return int(r.job.file.Size) }, segmentGroupBytes)
	segmentedGroups := pipeline.Map(g, "segment", workers, buf, groups, func(ctx context.Context, rs []*fileResult) ([]*fileResult, error) {
		var todo []*corpus.Transcript
		for _, r := range rs {
			for _, it := range r.items {
				old, ok := versionOf[it.t.ID]
				switch {
				case ok && old == it.t.Version:
					it.state = "unchanged"
					continue
				case ok:
					it.state = "changed"
				default:
					it.state = "new"
				}
				again, err := st.HasVersion(ctx, it.t.ID, it.t.Version)
				if err != nil {
					return nil, err
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
			return nil, fmt.Errorf("segmenting %s: %w", rs[0].job.file.Path, err)
		}
		return rs, nil
	})
	segmented := pipeline.Flatten(g, "ungroup", buf, segmentedGroups)
	withPassages := pipeline.Map(g, "passages", 1, buf, segmented, func(ctx context.Context, r *fileResult) (*fileResult, error) {
		for _, it := range r.items {
			if it.state == "new" || it.state == "changed" {
				it.passages = corpus.Passages(it.t)
			}
		}
		return r, nil
	})
	indexed := pipeline.Map(g, "index", 1, buf, withPassages, func(ctx context.Context, r *fileResult) (*fileResult, error) {
		step("index")
		for _, it := range r.items {
			for i := range it.passages {
				if err := writer.Add(&it.passages[i]); err != nil {
					return nil, err
				}
			}
			if err := writer.EndTranscript(); err != nil {
				return nil, err
			}
		}
		return r, nil
	})
	claimed := map[string]string{} // transcript ID -> file, to refuse a second file with the same ID
	pipeline.Sink(g, "record", indexed, func(ctx context.Context, r *fileResult) error {
		step("record")
		if opts.Progress != nil {
			words := 0
			for _, it := range r.items {
				words += it.words
			}
			opts.Progress.Done(r.job.file.Size, words)
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
				if err := st.AddVersion(ctx, it.t, it.passages, batchName); err != nil {
					return err
				}
				sum.Passages += len(it.passages)
			}
			sum.Words += it.words
			commit.Transcripts = append(commit.Transcripts, store.TranscriptInfo{
				ID: it.t.ID, File: f.Path, Version: it.t.Version, Title: it.t.Title, Format: it.t.Format,
				Words: it.words, Turns: len(it.t.Turns), Passages: countPassages(it),
			})
			it.t, it.passages = nil, nil // let the text go
		}
		// Transcripts a table no longer holds.
		for _, id := range idsOfFile[f.Path] {
			if !present[id] {
				commit.Removed = append(commit.Removed, id)
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return fail(err)
	}
	sum.Stages = g.Stats()

	step("commit")
	if writer != nil {
		shards, err := writer.Finish()
		if err != nil {
			return fail(err)
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
	sum.Seconds = time.Since(start).Seconds()
	if sum.Seconds > 0 {
		sum.WordsPerSecond = float64(sum.Words) / sum.Seconds
	}
	commit.Summary, commit.Now = sum, now()
	if err := st.Commit(ctx, commit); err != nil {
		return fail(err) // the writer deletes its shards
	}
	if opts.Codebook != nil {
		// The batch is committed; matching failing here leaves its
		// transcripts unmatched, and the next run matches them.
		step("match")
		if sum.Candidates, err = MatchCandidates(ctx, p, st, opts.Codebook, batch); err != nil {
			return nil, fmt.Errorf("matching candidates (the batch itself was kept): %w", err)
		}
		sum.NothingNew = sum.NothingNew && len(sum.Candidates.Rematched) == 0
	}
	appendLog(p.LogPath(), sum)
	return sum, nil
}

// countPassages is the number of passages a transcript version has (a
// reverted version keeps the passages it was indexed with).
func countPassages(it *transcriptItem) int {
	if it.passages != nil {
		return len(it.passages)
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
// whose size and modification time match the store, or whose content hash
// does, is unchanged; the others become jobs. Files that are not
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
		if j.file.Hash, err = hashFile(j.abs); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("transcripts: %w", err)
		}
		if ok && prev.Hash == j.file.Hash && prev.Status == "ok" {
			// Touched but not changed: remember the new time only.
			j.file.Status = "ok"
			commit.Files = append(commit.Files, j.file)
			unchanged = append(unchanged, key)
			continue
		}
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

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
