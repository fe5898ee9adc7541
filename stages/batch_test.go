package stages_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/search"
)

// sampleTranscripts is the sample project of the repository: one
// transcript in each format plus two constructed focus groups.
const sampleTranscripts = "../corpus/sample/transcripts"

// tmpRoot holds what the tests share (the seeded project, the binary); it
// goes when they end.
var tmpRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stages-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// copyTree copies the files under src to dst, keeping their modification
// times (the batch compares them) and permissions.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(target, data, info.Mode().Perm()); err != nil {
			return err
		}
		return os.Chtimes(target, info.ModTime(), info.ModTime())
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}

// newSampleProject is a project whose transcripts/ folder is a copy of the
// sample transcripts.
func newSampleProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, sampleTranscripts, filepath.Join(dir, "transcripts"))
	return dir
}

var seed struct {
	once sync.Once
	dir  string
	sum  *stages.Summary
	err  error
}

// seededProject is a copy of a sample project after one batch, state
// included: the tests that start from an indexed project share that batch.
func seededProject(t *testing.T) string {
	t.Helper()
	seed.once.Do(func() {
		seed.dir = filepath.Join(tmpRoot, "seed")
		copyTree(t, sampleTranscripts, filepath.Join(seed.dir, "transcripts"))
		seed.sum, seed.err = stages.Run(context.Background(), stages.Project{Dir: seed.dir}, stages.Options{Transcripts: []string{"transcripts"}, Workers: 2})
	})
	if seed.err != nil {
		t.Fatalf("seeding a project: %v", seed.err)
	}
	dir := t.TempDir()
	copyTree(t, seed.dir, dir)
	return dir
}

// runBatch runs a batch over dir/transcripts (two workers unless opts says)
// and fails the test if it fails; it then checks the project is consistent.
func runBatch(t *testing.T, dir string, opts stages.Options) *stages.Summary {
	t.Helper()
	if opts.Transcripts == nil {
		opts.Transcripts = []string{"transcripts"}
	}
	if opts.Workers == 0 {
		opts.Workers = 2
	}
	sum, err := stages.Run(context.Background(), stages.Project{Dir: dir}, opts)
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	checkConsistent(t, dir)
	return sum
}

// stageItems is how many items a stage of the batch handled.
func stageItems(t *testing.T, sum *stages.Summary, name string) int {
	t.Helper()
	for _, s := range sum.Stages {
		if s.Name == name {
			return s.Items
		}
	}
	if len(sum.Stages) > 0 || !sum.NothingNew {
		t.Fatalf("no stage %q in %+v", name, sum.Stages)
	}
	return 0 // a run with nothing to do starts no stage
}

// countTranscripts reads every transcript file under dir with the corpus
// readers: the number of transcripts a batch should find.
func countTranscripts(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		ts, err := corpus.ReadFile(filepath.Join(dir, e.Name()), e.Name(), corpus.Options{})
		if err != nil {
			t.Fatalf("sample transcript: %v", err)
		}
		n += len(ts)
	}
	return n
}

// indexState is what a project's index holds.
type indexState struct {
	docs   uint64   // documents in the registered shards, masked included
	masked []string // passage IDs the store masks
	shards []string // registered shards
}

func readIndex(t testing.TB, dir string) indexState {
	t.Helper()
	ctx := context.Background()
	p := stages.Project{Dir: dir}
	st, err := p.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var s indexState
	if s.masked, err = st.Masked(ctx); err != nil {
		t.Fatal(err)
	}
	if s.shards, err = st.Shards(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := p.OpenIndex(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if s.docs, err = r.DocCount(); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkConsistent checks what must hold of a project between batches: the
// index holds exactly the passages of the current transcript versions plus
// the masked ones, every current version has its text and passages in the
// store, no batch is left running, and the index folder holds the
// registered shards only.
func checkConsistent(t testing.TB, dir string) {
	t.Helper()
	ctx := context.Background()
	p := stages.Project{Dir: dir}
	ix := readIndex(t, dir)
	st, err := p.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts, err := st.Transcripts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, tr := range ts {
		sum += tr.Passages
		var n int
		if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM passages WHERE transcript_id = ? AND version = ?`, tr.ID, tr.Version).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != tr.Passages {
			t.Errorf("transcript %s: the store holds %d passages of its version, it says %d", tr.ID, n, tr.Passages)
		}
		if _, err := st.Transcript(ctx, tr.ID); err != nil {
			t.Errorf("transcript %s: %v", tr.ID, err)
		}
	}
	if got := ix.docs - uint64(len(ix.masked)); got != uint64(sum) {
		t.Errorf("index: %d documents, %d masked: %d searchable, but the transcripts have %d passages", ix.docs, len(ix.masked), got, sum)
	}
	var running int
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM batches WHERE status = 'running'`).Scan(&running); err != nil {
		t.Fatal(err)
	}
	if running != 0 {
		t.Errorf("%d batch(es) still marked running", running)
	}
	if got := shardFolders(t, dir); !slices.Equal(got, sortedCopy(ix.shards)) {
		t.Errorf("index folder holds %q, the store registers %q", got, ix.shards)
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// shardFolders lists the folders in the project's index folder, sorted.
func shardFolders(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(stages.Project{Dir: dir}.IndexDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// dump prints what a project's store holds, sorted, without what differs
// between two runs over the same files (times, the files' absolute folders
// and modification times), followed by the
// index's document count and masked passages.
func dump(t testing.TB, dir string) string {
	t.Helper()
	ctx := context.Background()
	st, err := stages.Project{Dir: dir}.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Batch names ("b000003") count every batch begun, killed ones too:
	// name each by its rank among the batches that finished instead.
	done, err := st.DB().QueryContext(ctx, `SELECT shard FROM batches WHERE status = 'done' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var renames []string
	for done.Next() {
		var name string
		if err := done.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name != "" {
			renames = append(renames, name, fmt.Sprintf("batch%d", len(renames)/2+1))
		}
	}
	done.Close()
	rank := strings.NewReplacer(renames...)
	var b strings.Builder
	for _, q := range []struct{ table, query string }{
		{"transcripts", `SELECT id, file, version, title, format, words, turns, passages, removed FROM transcripts ORDER BY id`},
		{"versions", `SELECT transcript_id, version, shard, source, metadata, text, turns FROM versions ORDER BY transcript_id, version`},
		{"passages", `SELECT id, transcript_id, version, seq, shard, turn, sentence, sentences, speaker, speaker_key, time_ms, start, end FROM passages ORDER BY id`},
		{"files", `SELECT path, size, hash, status, error FROM files ORDER BY path`},
		{"shards", `SELECT name, docs FROM shards ORDER BY batch_id, name`},
	} {
		rows, err := st.DB().QueryContext(ctx, q.query)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			b.WriteString(q.table)
			for i, v := range vals {
				switch v := v.(type) {
				case string:
					if cols[i] == "shard" || cols[i] == "name" {
						v = rank.Replace(v)
					}
					fmt.Fprintf(&b, "\t%q", v)
				case []byte:
					fmt.Fprintf(&b, "\t%q", v)
				default:
					fmt.Fprintf(&b, "\t%v", v)
				}
			}
			b.WriteByte('\n')
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	ix := readIndex(t, dir)
	fmt.Fprintf(&b, "index\t%d documents\n", ix.docs)
	for _, id := range ix.masked {
		fmt.Fprintf(&b, "masked\t%s\n", id)
	}
	return b.String()
}

// sameDump fails the test if two dumps differ, showing the first
// difference.
func sameDump(t testing.TB, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Fatalf("%s: stores differ (%d and %d lines); first difference at line %d:\n got: %.300s\nwant: %.300s", what, len(g), len(w), i+1, gl, wl)
		}
	}
}

// transcriptsByID lists the project's transcripts.
func transcriptsByID(t *testing.T, dir string) map[string]transcriptRow {
	t.Helper()
	st, err := stages.Project{Dir: dir}.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts, err := st.Transcripts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]transcriptRow{}
	for _, tr := range ts {
		out[tr.ID] = transcriptRow{file: tr.File, version: tr.Version, passages: tr.Passages, removed: tr.Removed, batch: tr.Batch}
	}
	return out
}

type transcriptRow struct {
	file, version string
	passages      int
	removed       bool
	batch         int64
}

// passageIDs lists the passages the store holds of one transcript version.
func passageIDs(t *testing.T, dir, id, version string) []string {
	t.Helper()
	st, err := stages.Project{Dir: dir}.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().Query(`SELECT id FROM passages WHERE transcript_id = ? AND version = ? ORDER BY id`, id, version)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestFirstRunThenNothingNew(t *testing.T) {
	dir := newSampleProject(t)
	want := countTranscripts(t, filepath.Join(dir, "transcripts"))

	first := runBatch(t, dir, stages.Options{})
	if first.New != want || first.Changed != 0 || first.Unchanged != 0 || first.Skipped != 0 || first.NothingNew {
		t.Fatalf("first run: %d new, %d changed, %d unchanged, %d skipped, nothing new %v; want %d new only",
			first.New, first.Changed, first.Unchanged, first.Skipped, first.NothingNew, want)
	}
	if first.Passages == 0 || first.Words == 0 {
		t.Fatalf("first run indexed %d passages, %d words", first.Passages, first.Words)
	}
	ix := readIndex(t, dir)
	if ix.docs != uint64(first.Passages) || len(ix.masked) != 0 || len(ix.shards) != 1 {
		t.Fatalf("after the first run the index has %d documents (%d masked) in %d shard(s); the run indexed %d passages",
			ix.docs, len(ix.masked), len(ix.shards), first.Passages)
	}
	ts := transcriptsByID(t, dir)
	if len(ts) != want {
		t.Fatalf("the store lists %d transcripts, want %d", len(ts), want)
	}
	for id, tr := range ts {
		if tr.batch != first.Batch || tr.removed {
			t.Errorf("transcript %s: batch %d, removed %v; want batch %d", id, tr.batch, tr.removed, first.Batch)
		}
	}
	before := dump(t, dir)

	second := runBatch(t, dir, stages.Options{})
	if !second.NothingNew || second.New+second.Changed+second.Removed+second.Skipped+second.Passages != 0 || second.Unchanged != want {
		t.Fatalf("second run: %+v; want nothing new, %d unchanged", second, want)
	}
	if n := stageItems(t, second, "read"); n != 0 {
		t.Errorf("second run read %d file(s)", n)
	}
	sameDump(t, "after a second run", dump(t, dir), before)

	// Touching every file changes times, not content: each file is read
	// once, for its hash, and not parsed or indexed.
	later := time.Now().Add(time.Hour).Truncate(time.Second)
	files, _ := filepath.Glob(filepath.Join(dir, "transcripts", "*"))
	for _, f := range files {
		if err := os.Chtimes(f, later, later); err != nil {
			t.Fatal(err)
		}
	}
	touched := runBatch(t, dir, stages.Options{})
	if !touched.NothingNew || touched.Unchanged != want || touched.Passages != 0 {
		t.Fatalf("run after touching the files: %+v; want nothing new, %d unchanged", touched, want)
	}
	if n := stageItems(t, touched, "read"); n != len(files) {
		t.Errorf("run after touching the files read %d file(s), want each of the %d once", n, len(files))
	}
	sameDump(t, "after touching the files", dump(t, dir), before)
	st, err := stages.Project{Dir: dir}.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	known, err := st.Files(context.Background())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range known {
		if f.MTime != later.UnixNano() {
			t.Errorf("%s: the store remembers time %d, the file has %d", f.Path, f.MTime, later.UnixNano())
		}
	}
}

func TestChangedFileMasksOldPassages(t *testing.T) {
	dir := seededProject(t)
	const id, file = "focus-group-1", "transcripts/focus-group-1.txt"
	path := filepath.Join(dir, file)
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before := transcriptsByID(t, dir)
	old := before[id]
	oldPassages := passageIDs(t, dir, id, old.version)
	if len(oldPassages) == 0 {
		t.Fatalf("no passages stored for %s", id)
	}

	edited := append(slices.Clone(original), "\nP2: One more thing. We also phoned his sister, with his consent, and that changed a lot.\n"...)
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := runBatch(t, dir, stages.Options{})
	if sum.Changed != 1 || sum.New != 0 || sum.Unchanged != len(before)-1 || sum.NothingNew {
		t.Fatalf("after an edit: %d new, %d changed, %d unchanged; want 0, 1, %d", sum.New, sum.Changed, sum.Unchanged, len(before)-1)
	}
	if n := stageItems(t, sum, "read"); n != 1 {
		t.Errorf("read %d files, want the edited one only", n)
	}
	after := transcriptsByID(t, dir)
	now := after[id]
	if now.version == old.version || now.batch != sum.Batch || sum.Passages != now.passages {
		t.Fatalf("%s after the edit: %+v (was %+v); the batch indexed %d passages", id, now, old, sum.Passages)
	}
	for other, tr := range before {
		if other != id && after[other] != tr {
			t.Errorf("%s changed: %+v, was %+v", other, after[other], tr)
		}
	}
	ix := readIndex(t, dir)
	if !slices.Equal(ix.masked, oldPassages) {
		t.Fatalf("masked passages: %d (%.3q...), want the %d passages of the old version", len(ix.masked), ix.masked, len(oldPassages))
	}
	editedPassages := passageIDs(t, dir, id, now.version)

	// Back to the old content: the old version is indexed already, so the
	// transcript points back at it and nothing is indexed.
	if err := os.WriteFile(path, original, 0o600); err != nil {
		t.Fatal(err)
	}
	shards := len(ix.shards)
	sum = runBatch(t, dir, stages.Options{})
	if sum.Changed != 1 || sum.Passages != 0 {
		t.Fatalf("after undoing the edit: %d changed, %d passages indexed; want 1 and 0", sum.Changed, sum.Passages)
	}
	if got := transcriptsByID(t, dir)[id]; got.version != old.version || got.passages != old.passages {
		t.Fatalf("%s after undoing the edit: %+v, want version %.12s with %d passages", id, got, old.version, old.passages)
	}
	ix = readIndex(t, dir)
	if !slices.Equal(ix.masked, editedPassages) || len(ix.shards) != shards {
		t.Fatalf("after undoing the edit: %d masked (want the %d of the edit), %d shards (want %d)", len(ix.masked), len(editedPassages), len(ix.shards), shards)
	}
}

func TestRemovedFileLeavesIndexOnlyWithPrune(t *testing.T) {
	for _, file := range []string{"transcripts/focus-group-2.txt", "transcripts/annomi-alcohol-smoking-drugs.csv"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			dir := seededProject(t)
			before := transcriptsByID(t, dir)
			var gone []string // its transcripts
			var gonePassages []string
			for id, tr := range before {
				if tr.file == file {
					gone = append(gone, id)
					gonePassages = append(gonePassages, passageIDs(t, dir, id, tr.version)...)
				}
			}
			sort.Strings(gonePassages)
			if len(gone) == 0 {
				t.Fatalf("no transcript comes from %s", file)
			}
			if err := os.Remove(filepath.Join(dir, file)); err != nil {
				t.Fatal(err)
			}
			docs := readIndex(t, dir).docs

			// Without --prune, every run reports the file and keeps its
			// transcripts searchable.
			for run := 1; run <= 2; run++ {
				sum := runBatch(t, dir, stages.Options{})
				if !slices.Equal(sum.RemovedFiles, []string{file}) || sum.Removed != len(gone) || sum.Pruned || sum.NothingNew {
					t.Fatalf("run %d without --prune: removed files %q, %d removed transcripts, pruned %v; want %q and %d",
						run, sum.RemovedFiles, sum.Removed, sum.Pruned, file, len(gone))
				}
				ts := transcriptsByID(t, dir)
				for id, tr := range before {
					want := tr
					want.removed = tr.file == file
					if got := ts[id]; got.removed != want.removed || got.version != want.version {
						t.Errorf("run %d: %s is %+v, want %+v", run, id, got, want)
					}
				}
				if ix := readIndex(t, dir); ix.docs != docs || len(ix.masked) != 0 {
					t.Errorf("run %d: index has %d documents, %d masked; want %d, none masked", run, ix.docs, len(ix.masked), docs)
				}
			}

			sum := runBatch(t, dir, stages.Options{Prune: true})
			if !slices.Equal(sum.RemovedFiles, []string{file}) || sum.Removed != len(gone) || !sum.Pruned {
				t.Fatalf("run with --prune: removed files %q, %d removed, pruned %v", sum.RemovedFiles, sum.Removed, sum.Pruned)
			}
			ts := transcriptsByID(t, dir)
			if len(ts) != len(before)-len(gone) {
				t.Errorf("after --prune %d transcripts, want %d", len(ts), len(before)-len(gone))
			}
			for _, id := range gone {
				if _, ok := ts[id]; ok {
					t.Errorf("%s is still listed after --prune", id)
				}
			}
			if ix := readIndex(t, dir); !slices.Equal(ix.masked, gonePassages) {
				t.Errorf("after --prune %d passages masked, want the %d of %s", len(ix.masked), len(gonePassages), file)
			}
			st, err := stages.Project{Dir: dir}.OpenStore()
			if err != nil {
				t.Fatal(err)
			}
			known, err := st.Files(context.Background())
			st.Close()
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := known[file]; ok {
				t.Errorf("the store still remembers %s after --prune", file)
			}

			sum = runBatch(t, dir, stages.Options{})
			if !sum.NothingNew || len(sum.RemovedFiles) != 0 {
				t.Errorf("run after --prune: nothing new %v, removed files %q", sum.NothingNew, sum.RemovedFiles)
			}
		})
	}
}

// A file that went away and came back unchanged is no longer gone.
func TestFileBackIsNotRemoved(t *testing.T) {
	dir := seededProject(t)
	const id, file = "focus-group-2", "transcripts/focus-group-2.txt"
	path := filepath.Join(dir, file)
	aside := filepath.Join(dir, "focus-group-2.txt.aside")
	if err := os.Rename(path, aside); err != nil {
		t.Fatal(err)
	}
	runBatch(t, dir, stages.Options{})
	if !transcriptsByID(t, dir)[id].removed {
		t.Fatalf("%s is not marked removed while its file is gone", id)
	}
	if err := os.Rename(aside, path); err != nil { // same content, same time
		t.Fatal(err)
	}
	sum := runBatch(t, dir, stages.Options{})
	if len(sum.RemovedFiles) != 0 || sum.Removed != 0 {
		t.Errorf("file back: reported removed %q (%d)", sum.RemovedFiles, sum.Removed)
	}
	if tr := transcriptsByID(t, dir)[id]; tr.removed {
		t.Fatalf("%s is still marked removed though its file is back", id)
	}
	// --prune now leaves it alone.
	runBatch(t, dir, stages.Options{Prune: true})
	if _, ok := transcriptsByID(t, dir)[id]; !ok {
		t.Fatalf("--prune removed %s, whose file is there", id)
	}
}

// badFiles are transcript files no reader accepts, with a word of the
// reason each must be skipped for.
var badFiles = []struct{ name, content, reason string }{
	{"bad-utf8.txt", "Moderator: Welcome.\n\nP1: Caf\xc3 au lait, café please.\n", "UTF-8"},
	{"binary.txt", "\x00\x01\x02\x03PK\x00\x00\x07\x08\x00\x00\x00\x00binary\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "binary"},
	{"not-a-zip.docx", "this is not a Word file at all", ""},
	{"empty.vtt", "", "empty"},
}

func writeBadFiles(t *testing.T, dir string) {
	t.Helper()
	for _, b := range badFiles {
		if err := os.WriteFile(filepath.Join(dir, "transcripts", b.name), []byte(b.content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBadFilesAreSkippedOthersProcessed(t *testing.T) {
	dir := newSampleProject(t)
	want := countTranscripts(t, filepath.Join(dir, "transcripts"))
	writeBadFiles(t, dir)

	sum := runBatch(t, dir, stages.Options{})
	if sum.New != want || sum.Skipped != len(badFiles) || len(sum.SkippedFiles) != len(badFiles) {
		t.Fatalf("%d new, %d skipped (%+v); want %d new, %d skipped", sum.New, sum.Skipped, sum.SkippedFiles, want, len(badFiles))
	}
	if !sort.SliceIsSorted(sum.SkippedFiles, func(i, j int) bool { return sum.SkippedFiles[i].File < sum.SkippedFiles[j].File }) {
		t.Errorf("skipped files not in path order: %+v", sum.SkippedFiles)
	}
	skipped := map[string]string{}
	for _, s := range sum.SkippedFiles {
		skipped[s.File] = s.Reason
	}
	st, err := stages.Project{Dir: dir}.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	known, err := st.Files(context.Background())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range badFiles {
		path := "transcripts/" + b.name
		reason, ok := skipped[path]
		if !ok || reason == "" || !strings.Contains(reason, b.reason) {
			t.Errorf("%s: skipped %v, reason %q; want a reason mentioning %q", b.name, ok, reason, b.reason)
		}
		if f := known[path]; f.Status != "skipped" || f.Error != reason {
			t.Errorf("the store has %s as %q (%q), want skipped (%q)", path, f.Status, f.Error, reason)
		}
	}
	if ix := readIndex(t, dir); ix.docs != uint64(sum.Passages) {
		t.Errorf("index holds %d documents, the batch indexed %d passages", ix.docs, sum.Passages)
	}

	// Unchanged bad files are not read again, and stay skipped in the store.
	again := runBatch(t, dir, stages.Options{})
	if !again.NothingNew || stageItems(t, again, "read") != 0 {
		t.Errorf("second run: nothing new %v, %d file(s) read", again.NothingNew, stageItems(t, again, "read"))
	}

	// Mended, a file is read like any other.
	if err := os.WriteFile(filepath.Join(dir, "transcripts", "bad-utf8.txt"), []byte("Moderator: Welcome.\n\nP1: Café au lait, please.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mended := runBatch(t, dir, stages.Options{})
	if mended.New != 1 || mended.Skipped != 0 {
		t.Errorf("after mending a file: %d new, %d skipped (%+v); want 1 new", mended.New, mended.Skipped, mended.SkippedFiles)
	}
	if tr, ok := transcriptsByID(t, dir)["bad-utf8"]; !ok || tr.passages == 0 {
		t.Errorf("mended file: transcript %+v (listed %v)", tr, ok)
	}
}

// -j 1 and -j 8 store the same bytes, first run and after changes, with
// small shards so that each batch fills several: which passage lands in
// which shard is part of the dump.
func TestWorkersGiveIdenticalStores(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := func() time.Time { return clock }
	dirs := map[int]string{1: newSampleProject(t), 8: newSampleProject(t)}
	sums := map[int]*stages.Summary{}
	for _, dir := range dirs {
		writeBadFiles(t, dir)
	}
	summary := func(s *stages.Summary) string {
		return fmt.Sprintf("batch %d: new %d changed %d unchanged %d removed %d %q skipped %+v passages %d words %d",
			s.Batch, s.New, s.Changed, s.Unchanged, s.Removed, s.RemovedFiles, s.SkippedFiles, s.Passages, s.Words)
	}
	compare := func(what string) {
		t.Helper()
		if a, b := summary(sums[1]), summary(sums[8]); a != b {
			t.Fatalf("%s: summaries differ:\n-j 1: %s\n-j 8: %s", what, a, b)
		}
		sameDump(t, what+", -j 8 against -j 1", dump(t, dirs[8]), dump(t, dirs[1]))
	}
	for j, dir := range dirs {
		sums[j] = runBatch(t, dir, stages.Options{Workers: j, Now: now, ShardDocs: 40})
	}
	compare("first run")
	if n := len(readIndex(t, dirs[1]).shards); n < 3 {
		t.Fatalf("%d shards: the test needs a batch that fills several", n)
	}

	for j, dir := range dirs {
		tr := filepath.Join(dir, "transcripts")
		if err := os.WriteFile(filepath.Join(tr, "focus-group-1.txt"), []byte("Moderator: Shorter now.\n\nP1: Much shorter. We walked alongside him.\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(tr, "annomi-024-smoking.vtt")); err != nil {
			t.Fatal(err)
		}
		sums[j] = runBatch(t, dir, stages.Options{Workers: j, Now: now, Prune: true, ShardDocs: 40})
	}
	compare("after an edit and a prune")
}

// Everything a batch writes under .alongside is the user's alone: files
// 0600, folders 0700, even when the process umask would allow more.
func TestStateIsPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := newSampleProject(t)
	runBatch(t, dir, stages.Options{})
	state := stages.Project{Dir: dir}.StateDir()
	n := 0
	err := filepath.WalkDir(state, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n++
		mode := info.Mode().Perm()
		switch {
		case d.IsDir() && mode != 0o700:
			t.Errorf("folder %s has mode %o, want 700", path, mode)
		case !d.IsDir() && mode != 0o600:
			t.Errorf("file %s has mode %o, want 600", path, mode)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d entries under %s", n, state)
	}
}

// A batch cancelled at any step keeps nothing, and the next run does the
// work.
func TestCancelledBatchKeepsNothing(t *testing.T) {
	for _, step := range []string{"discover", "read", "index", "record", "commit"} {
		t.Run(step, func(t *testing.T) {
			dir := seededProject(t)
			tr := filepath.Join(dir, "transcripts")
			if err := os.WriteFile(filepath.Join(tr, "focus-group-1.txt"), []byte("Moderator: Shorter now.\n\nP1: Much shorter. We walked alongside him.\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			copyTree(t, filepath.Join(sampleTranscripts, "focus-group-2.txt"), filepath.Join(tr, "extra", "focus-group-3.txt"))
			if err := os.Remove(filepath.Join(tr, "annomi-024-smoking.vtt")); err != nil {
				t.Fatal(err)
			}
			before, folders := dump(t, dir), shardFolders(t, dir)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var reached atomic.Bool // AfterStage is called from the workers
			_, err := stages.Run(ctx, stages.Project{Dir: dir}, stages.Options{
				Transcripts: []string{"transcripts"},
				Workers:     2,
				Prune:       true,
				AfterStage: func(s string) {
					if s == step {
						reached.Store(true)
						cancel()
					}
				},
			})
			if !reached.Load() {
				t.Fatalf("the batch never reached %q (error %v)", step, err)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled at %s: error %v, want context.Canceled", step, err)
			}
			sameDump(t, "after the cancelled batch", dump(t, dir), before)
			if got := shardFolders(t, dir); !slices.Equal(got, folders) {
				t.Fatalf("index folder holds %q after the cancelled batch, held %q before", got, folders)
			}
			checkConsistent(t, dir)
			st, err := stages.Project{Dir: dir}.OpenStore()
			if err != nil {
				t.Fatal(err)
			}
			last, err := st.LastBatch(context.Background())
			st.Close()
			// Cancelled while planning, the run began no batch; later, it
			// began one and marked it failed.
			if step == "discover" {
				if err != nil || last == nil || last.ID != 1 || last.Status != "done" {
					t.Fatalf("last batch after cancelling at discover: %+v (%v), want the seeding batch", last, err)
				}
			} else if err != nil || last == nil || last.Status != "failed" {
				t.Fatalf("last batch after cancelling: %+v (%v), want failed", last, err)
			}

			sum := runBatch(t, dir, stages.Options{Prune: true})
			if sum.New != 1 || sum.Changed != 1 || sum.Removed != 1 {
				t.Fatalf("re-run: %d new, %d changed, %d removed; want 1 each", sum.New, sum.Changed, sum.Removed)
			}
		})
	}
}

// A batch killed after its shard got its final name but before the store
// registered it (a window the hold hook cannot reach) leaves a complete
// shard folder, its store rows and a running batch: the next run sweeps
// them away before anything else.
func TestKilledAfterRenameIsSwept(t *testing.T) {
	dir := seededProject(t)
	before := dump(t, dir)
	p := stages.Project{Dir: dir}
	ix := readIndex(t, dir)
	if len(ix.shards) != 1 {
		t.Fatalf("seeded project has shards %q", ix.shards)
	}
	const stale = "b000099"
	copyTree(t, filepath.Join(p.IndexDir(), ix.shards[0]), filepath.Join(p.IndexDir(), stale))
	st, err := p.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO batches (started, shard) VALUES ('2026-01-01T00:00:00Z', '` + stale + `')`,
		`INSERT INTO versions (transcript_id, version, shard, source, metadata, text, turns) VALUES ('focus-group-1', 'v-from-a-killed-batch', '` + stale + `', 'transcripts/focus-group-1.txt', '{}', 'x', '[]')`,
		`INSERT INTO passages (id, transcript_id, version, seq, shard, turn, sentence, sentences, speaker, speaker_key, start, end) VALUES ('p-killed', 'focus-group-1', 'v-from-a-killed-batch', 0, '` + stale + `', 0, 0, 1, 'P1', 'p1', 0, 1)`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	sum := runBatch(t, dir, stages.Options{}) // checks no folder or running batch is left
	if !sum.NothingNew {
		t.Errorf("after sweeping: %+v, want nothing new", sum)
	}
	sameDump(t, "after sweeping a killed batch", dump(t, dir), before)
}

// A batch larger than a shard writes several shards; searches find the same
// passages as in one shard, and an edit masks old
// passages in whichever shard holds them.
func TestSmallShardsSearchLikeOne(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := func() time.Time { return clock }
	one, many := newSampleProject(t), newSampleProject(t)
	queries := []string{`"walking alongside"`, `drink*`, `smok* AND NOT cigarette`, `"cut down"~3`, `family speaker:client`, `=quit OR stop`}
	searchAll := func(dir string) string {
		t.Helper()
		s, err := search.Open(context.Background(), stages.Project{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var b strings.Builder
		for _, q := range queries {
			hits, total, err := s.Search(context.Background(), search.Options{Query: q})
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			fmt.Fprintf(&b, "%s: %d hits\n", q, total)
			sort.Slice(hits, func(i, j int) bool { return hits[i].Passage < hits[j].Passage })
			for _, h := range hits {
				// Not the order: scores come from each shard's own term
				// statistics, so they differ between layouts.
				fmt.Fprintf(&b, "  %s %s %d-%d\n", h.Transcript, h.Passage, h.Start, h.End)
			}
		}
		return b.String()
	}
	withoutShards := func(dump string) string {
		var keep []string
		for _, line := range strings.Split(dump, "\n") {
			if !strings.HasPrefix(line, "shards\t") {
				keep = append(keep, line)
			}
		}
		return strings.Join(keep, "\n")
	}
	candidates := func(dir string) string {
		t.Helper()
		st, err := stages.Project{Dir: dir}.OpenStore()
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		cands, err := st.Candidates(context.Background(), store.CandidateFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, c := range cands {
			fmt.Fprintf(&b, "%s %s %s %d-%d %s %q %v\n", c.ID, c.Code, c.Transcript, c.Start, c.End, c.Status, c.Text, c.Matches)
		}
		return b.String()
	}
	cb, err := codebook.Read(filepath.Join(sampleTranscripts, "..", "codebook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	compare := func(what string) {
		t.Helper()
		sameDump(t, what+": store, small shards against one", withoutShards(dump(t, many)), withoutShards(dump(t, one)))
		sameDump(t, what+": searches, small shards against one", searchAll(many), searchAll(one))
		sameDump(t, what+": candidates, small shards against one", candidates(many), candidates(one))
	}
	// compacted is many with the merges of a nightly run: the store differs
	// from one's only in its shards and in the versions compaction took
	// out of the index; searches and candidates do not differ at all.
	compacted := newSampleProject(t)
	compactOpts := &stages.CompactOptions{Policy: index.Policy{FloorDocs: 100}}
	withoutVersions := func(dump string) string {
		var keep []string
		for _, line := range strings.Split(withoutShards(dump), "\n") {
			if !strings.HasPrefix(line, "versions\t") && !strings.HasPrefix(line, "masked\t") && !strings.HasPrefix(line, "index\t") {
				keep = append(keep, line)
			}
		}
		return strings.Join(keep, "\n")
	}
	compareCompacted := func(what string) {
		t.Helper()
		sameDump(t, what+": store, compacted against one", withoutVersions(dump(t, compacted)), withoutVersions(dump(t, one)))
		sameDump(t, what+": searches, compacted against one", searchAll(compacted), searchAll(one))
		sameDump(t, what+": candidates, compacted against one", candidates(compacted), candidates(one))
	}
	runBatch(t, one, stages.Options{Now: now, Codebook: cb})
	runBatch(t, many, stages.Options{Now: now, Codebook: cb, ShardDocs: 40})
	sum := runBatch(t, compacted, stages.Options{Now: now, Codebook: cb, ShardDocs: 40, Compact: compactOpts})
	if c := sum.Compaction; c == nil || len(c.Merges) == 0 || c.Shards >= len(readIndex(t, many).shards) {
		t.Fatalf("the nightly compaction merged nothing: %+v", c)
	}
	if n := len(readIndex(t, one).shards); n != 1 {
		t.Fatalf("default shard size: %d shards, want 1", n)
	}
	if n := len(readIndex(t, many).shards); n < 4 {
		t.Fatalf("40 passages a shard: %d shards, want several", n)
	}
	if got := searchAll(one); !strings.Contains(got, "hits\n  ") {
		t.Fatalf("the queries find nothing in the sample project:\n%s", got)
	}
	if got := candidates(one); strings.Count(got, "\n") < 10 {
		t.Fatalf("the sample codebook proposes few candidates:\n%s", got)
	}
	compare("first run")
	compareCompacted("first run")

	for _, dir := range []string{one, many, compacted} {
		tr := filepath.Join(dir, "transcripts")
		if err := os.WriteFile(filepath.Join(tr, "focus-group-1.txt"), []byte("Moderator: Shorter now.\n\nP1: Much shorter. We walked alongside him and cut down.\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	runBatch(t, one, stages.Options{Now: now, Codebook: cb})
	runBatch(t, many, stages.Options{Now: now, Codebook: cb, ShardDocs: 40})
	runBatch(t, compacted, stages.Options{Now: now, Codebook: cb, ShardDocs: 40}) // no merges tonight
	compare("after an edit")
	compareCompacted("after an edit")
	// On demand, with every masked passage reclaimed: none is left, and
	// nothing else changes.
	if len(readIndex(t, compacted).masked) == 0 {
		t.Fatal("no masked passage left to reclaim")
	}
	if _, err := stages.Compact(context.Background(), stages.Project{Dir: compacted}, stages.CompactOptions{Policy: index.Policy{FloorDocs: 100, MaskedShare: 1e-9}}); err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, compacted)
	if ix := readIndex(t, compacted); len(ix.masked) != 0 || len(ix.shards) > 2 {
		t.Errorf("after compact: %d masked passages, %d shards; want none and at most 2", len(ix.masked), len(ix.shards))
	}
	compareCompacted("after compact")
}

// A project the first release wrote (unnumbered schema) opens with this
// version: the run finds nothing new, search and candidates work, and the
// analyst's decisions are all there.
func TestFirstReleaseProjectStillWorks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	copyTree(t, "../corpus/store/testdata/schema1-project", dir)
	cb, err := codebook.Read(filepath.Join(dir, "codebook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sum := runBatch(t, dir, stages.Options{Codebook: cb})
	if sum.New != 0 || sum.Changed != 0 || sum.Unchanged != 2 {
		t.Errorf("first run after the upgrade: new %d changed %d unchanged %d, want 0 0 2", sum.New, sum.Changed, sum.Unchanged)
	}
	p := stages.Project{Dir: dir}
	if _, err := os.Stat(store.BackupPath(p.StorePath(), 0)); err != nil {
		t.Errorf("no backup of the old store: %v", err)
	}
	s, err := search.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hits, total, err := s.Search(ctx, search.Options{Query: `"walking alongside"`, Limit: 5})
	if err != nil || total == 0 || len(hits) == 0 {
		t.Fatalf("search after the upgrade: %d hits (%v)", total, err)
	}
	confirmed, err := s.Store.Candidates(ctx, store.CandidateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, c := range confirmed {
		h, err := s.Store.History(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		decided += len(h)
	}
	if decided != 5 {
		t.Errorf("%d decision log entries after the upgrade, want the 5 the project had", decided)
	}
}

// Two files that differ only in extension are both read, with IDs kept
// apart: a file read before keeps its ID; between new files, the one of
// the preferred type does (a Word file before its text export).
func TestSameNameTwoExtensions(t *testing.T) {
	dir := seededProject(t) // annomi-000-alcohol.txt is indexed
	tr := filepath.Join(dir, "transcripts")
	docx, err := os.ReadFile(filepath.Join(tr, "annomi-063-drugs.docx"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"annomi-000-alcohol.docx": string(docx),
		"interview-03.txt":        "Interviewer: How was the week?\n\nParticipant: Long, but better.\n",
		"interview-03.docx":       string(docx),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(tr, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sum := runBatch(t, dir, stages.Options{})
	if sum.New != 3 || sum.Skipped != 0 || sum.Removed != 0 {
		t.Fatalf("%d new, %d skipped (%+v), %d removed; want 3 new", sum.New, sum.Skipped, sum.SkippedFiles, sum.Removed)
	}
	byID := transcriptsByID(t, dir)
	for id, file := range map[string]string{
		"annomi-000-alcohol":      "transcripts/annomi-000-alcohol.txt", // read before: kept
		"annomi-000-alcohol.docx": "transcripts/annomi-000-alcohol.docx",
		"interview-03":            "transcripts/interview-03.docx", // .docx before .txt
		"interview-03.txt":        "transcripts/interview-03.txt",
	} {
		if got, ok := byID[id]; !ok || got.file != file || got.removed || got.passages == 0 {
			t.Errorf("transcript %q: %+v (listed %v), want it from %s", id, got, ok, file)
		}
	}
	// The next run finds nothing new: the IDs do not move.
	if again := runBatch(t, dir, stages.Options{}); !again.NothingNew {
		t.Errorf("second run: %+v", again)
	}
}

// Files that are not transcripts are named once in the summary and never
// read; they do not count as skipped. A text file in Windows-1252 is read
// and the summary says so.
func TestIgnoredFilesAndEncodings(t *testing.T) {
	dir := newSampleProject(t)
	tr := filepath.Join(dir, "transcripts")
	if err := os.MkdirAll(filepath.Join(tr, "audio"), 0o700); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"audio/interview-03.mp3": "ID3\x04\x00\x00\x00\x00\x00\x00",
		"audio/interview-03.m4a": "\x00\x00\x00\x20ftypM4A ",
		".DS_Store":              "\x00\x00\x00\x01Bud1",
		"photo.jpg":              "\xff\xd8\xff\xe0\x00\x10JFIF",
		"~$draft.docx":           "lock",
		"ansi.txt":               "Interviewer: Where did you meet?\r\n\r\nParticipant: In the caf\xe9 by the station \x96 it\x92s gone now.\r\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(tr, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sum := runBatch(t, dir, stages.Options{})
	wantIgnored := []string{"transcripts/.DS_Store", "transcripts/audio/interview-03.m4a", "transcripts/audio/interview-03.mp3", "transcripts/photo.jpg", "transcripts/~$draft.docx"}
	if sum.Skipped != 0 || sum.Ignored != len(wantIgnored) || !slices.Equal(sum.IgnoredFiles, wantIgnored) {
		t.Errorf("%d skipped (%+v); ignored %d %q, want %q", sum.Skipped, sum.SkippedFiles, sum.Ignored, sum.IgnoredFiles, wantIgnored)
	}
	if want := []stages.FileEncoding{{File: "transcripts/ansi.txt", Encoding: corpus.EncodingWindows1252}}; !slices.Equal(sum.Encodings, want) {
		t.Errorf("encodings %+v, want %+v", sum.Encodings, want)
	}
	if got := transcriptsByID(t, dir)["ansi"]; got.passages == 0 {
		t.Errorf("ansi.txt: %+v", got)
	}
	// Ignored files stay out of every later run too, and do not make it
	// something new.
	again := runBatch(t, dir, stages.Options{})
	if !again.NothingNew || again.Ignored != len(wantIgnored) {
		t.Errorf("second run: nothing new %v, %d ignored", again.NothingNew, again.Ignored)
	}
}
