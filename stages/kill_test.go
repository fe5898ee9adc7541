package stages_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/stages"
)

// These tests run the real alongside binary, kill it with SIGKILL at known
// steps of a batch (the binary's ALONGSIDE_TEST_HOLD_AT hook holds the
// batch there), run it again, and compare the project with one whose batch
// was never interrupted.

// cliTimeout bounds every run of the binary.
const cliTimeout = 3 * time.Minute

var binary struct {
	once sync.Once
	path string
	err  error
}

// alongsideBinary builds cmd/alongside once for the package's tests.
func alongsideBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the alongside binary")
	}
	binary.once.Do(func() {
		gobin, err := exec.LookPath("go")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(tmpRoot, "bin", "alongside")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, gobin, "build", "-o", binary.path, "github.com/alongside-qda/alongside/cmd/alongside").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// cli runs the binary to the end and returns its output and exit status.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, alongsideBinary(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("alongside %s: no answer in %v\nstderr:\n%s", strings.Join(args, " "), cliTimeout, errb.String())
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("alongside %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// mustRun runs a batch with the binary and requires exit status 0.
func mustRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	_, stderr, code := cli(t, append([]string{"run", "--project", dir, "-j", "2"}, args...)...)
	if code != 0 {
		t.Fatalf("alongside run: exit status %d\n%s", code, stderr)
	}
}

// heldRun is a batch held at a step, in its own process.
type heldRun struct {
	cmd  *exec.Cmd
	done chan struct{} // stderr is closed
	mu   sync.Mutex
	log  strings.Builder
	once sync.Once
	ws   syscall.WaitStatus
}

func (h *heldRun) stderr() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.log.String()
}

// startHeld starts `alongside run` with the hook set to step and returns
// once the batch says it is holding there.
func startHeld(t *testing.T, dir, step string, args ...string) *heldRun {
	t.Helper()
	return startHeldCommand(t, step, append([]string{"run", "--project", dir, "-j", "2"}, args...)...)
}

// startHeldCommand starts any alongside command line with the hook set to
// step, as startHeld does.
func startHeldCommand(t *testing.T, step string, args ...string) *heldRun {
	t.Helper()
	cmd := exec.Command(alongsideBinary(t), args...)
	cmd.Env = append(os.Environ(), "ALONGSIDE_TEST_HOLD_AT="+step)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &heldRun{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { h.kill() })
	held := make(chan struct{})
	go func() {
		defer close(h.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			h.mu.Lock()
			h.log.WriteString(sc.Text() + "\n")
			h.mu.Unlock()
			if sc.Text() == "holding at "+step {
				close(held)
			}
		}
		io.Copy(io.Discard, pipe)
	}()
	select {
	case <-held:
		return h
	case <-h.done:
		h.kill()
		t.Fatalf("the batch ended without holding at %s (%v)\nstderr:\n%s", step, h.cmd.ProcessState, h.stderr())
	case <-time.After(cliTimeout):
		h.kill()
		t.Fatalf("the batch did not reach %s in %v\nstderr:\n%s", step, cliTimeout, h.stderr())
	}
	return nil
}

// kill sends SIGKILL and waits for the process; it returns how it ended.
func (h *heldRun) kill() syscall.WaitStatus {
	h.once.Do(func() {
		h.cmd.Process.Signal(syscall.SIGKILL)
		<-h.done
		h.cmd.Wait()
		h.ws, _ = h.cmd.ProcessState.Sys().(syscall.WaitStatus)
	})
	return h.ws
}

// status is what `alongside status --json` says, without what differs
// between two projects holding the same transcripts (the project folder,
// batch IDs, the last batch, files' folders and times).
func status(t *testing.T, dir string) string {
	t.Helper()
	stdout, stderr, code := cli(t, "status", "--project", dir, "--json")
	if code != 0 {
		t.Fatalf("alongside status --json: exit status %d\n%s", code, stderr)
	}
	var r struct {
		Transcripts []map[string]any `json:"transcripts"`
		Skipped     []map[string]any `json:"skipped"`
		Passages    *int             `json:"passages"`
		Words       *int             `json:"words"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("status --json: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("status --json printed more than one JSON value:\n%s", stdout)
	}
	if r.Transcripts == nil || r.Skipped == nil || r.Passages == nil || r.Words == nil {
		t.Fatalf("status --json lacks a field:\n%s", stdout)
	}
	for _, tr := range r.Transcripts {
		delete(tr, "batch")
	}
	for _, f := range r.Skipped {
		delete(f, "root")
		delete(f, "mtime")
	}
	out, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// annomiCSV is the AnnoMI table (public domain; see its README).
const annomiCSV = "../corpus/testdata/annomi/AnnoMI-simple.csv"

// writeAnnoMI writes the first n AnnoMI conversations that the sample does
// not hold as plain-text transcripts ("[HH:MM:SS] speaker: text"), in
// order; skip passes over the first ones.
func writeAnnoMI(t *testing.T, dir string, skip, n int) {
	t.Helper()
	f, err := os.Open(annomiCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, c := range []string{"transcript_id", "interlocutor", "timestamp", "utterance_text"} {
		if _, ok := col[c]; !ok {
			t.Fatalf("%s has no column %q", annomiCSV, c)
		}
	}
	inSample := map[string]bool{"0": true, "16": true, "24": true, "40": true, "63": true, "65": true}
	var order []string
	convs := map[string]*strings.Builder{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id := rec[col["transcript_id"]]
		if inSample[id] {
			continue
		}
		b, ok := convs[id]
		if !ok {
			if len(order) == skip+n {
				break
			}
			b = &strings.Builder{}
			convs[id] = b
			order = append(order, id)
		}
		text := strings.Join(strings.Fields(rec[col["utterance_text"]]), " ")
		fmt.Fprintf(b, "[%s] %s: %s\n\n", rec[col["timestamp"]], rec[col["interlocutor"]], text)
	}
	if len(order) < skip+n {
		t.Fatalf("%s holds %d conversations, want %d", annomiCSV, len(order), skip+n)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, id := range order[skip:] {
		num, err := strconv.Atoi(id)
		if err != nil {
			t.Fatalf("AnnoMI transcript_id %q: %v", id, err)
		}
		name := filepath.Join(dir, fmt.Sprintf("annomi-%03d.txt", num))
		if err := os.WriteFile(name, []byte(convs[id].String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

var killBase struct {
	once sync.Once
	dir  string
}

// killProject is a copy of a project of the sample transcripts and twelve
// AnnoMI conversations, before any batch; extra/ (outside transcripts/)
// holds four more conversations.
func killProject(t *testing.T) string {
	t.Helper()
	killBase.once.Do(func() {
		dir := filepath.Join(tmpRoot, "kill-base")
		copyTree(t, sampleTranscripts, filepath.Join(dir, "transcripts"))
		writeAnnoMI(t, filepath.Join(dir, "transcripts", "annomi"), 0, 12)
		writeAnnoMI(t, filepath.Join(dir, "extra"), 12, 4)
		killBase.dir = dir
	})
	if killBase.dir == "" {
		t.Fatal("no project to kill")
	}
	dir := t.TempDir()
	copyTree(t, killBase.dir, dir)
	return dir
}

// leftovers says what a killed batch left behind: store rows of shards
// nobody registered, shard folders nobody registered, batches still
// marked running.
func leftovers(t *testing.T, dir string) (rows, folders, running int) {
	t.Helper()
	st, err := stages.Project{Dir: dir}.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.DB()
	// Rows carry their batch's name, and count once the batch is done.
	// A version a compaction dropped from the index is in no shard ('').
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM versions WHERE shard != '' AND shard NOT IN (SELECT shard FROM batches WHERE status = 'done')) +
		(SELECT count(*) FROM passages WHERE shard NOT IN (SELECT shard FROM batches WHERE status = 'done'))`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM batches WHERE status = 'running'`).Scan(&running); err != nil {
		t.Fatal(err)
	}
	shards, err := st.Shards(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range shardFolders(t, dir) {
		if !slices.Contains(shards, f) {
			folders++
		}
	}
	return rows, folders, running
}

// checkPrivate checks that everything under the project's state folder is
// the user's alone.
func checkPrivate(t *testing.T, dir string) {
	t.Helper()
	state := stages.Project{Dir: dir}.StateDir()
	err := filepath.WalkDir(state, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %o, want %o", path, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestKilledFirstBatchRerunsExactly(t *testing.T) {
	base := killProject(t)
	// The uninterrupted batch.
	ref := t.TempDir()
	copyTree(t, base, ref)
	mustRun(t, ref)
	checkConsistent(t, ref)
	checkPrivate(t, ref)
	want, wantStatus := dump(t, ref), status(t, ref)
	if ix := readIndex(t, ref); ix.docs == 0 {
		t.Fatal("the uninterrupted batch indexed nothing")
	}

	for _, tc := range []struct {
		step    string
		folders bool // the kill leaves a shard folder to sweep
		rows    bool // the kill leaves store rows to sweep
	}{
		{"read", false, false},
		{"index", false, false}, // before the first passage: no shard yet
		{"record", true, false}, // before the first transcript is stored
		{"record:12", true, true},
		{"commit", true, true}, // everything stored, the shard not finished
	} {
		t.Run(tc.step, func(t *testing.T) {
			dir := killProject(t)
			h := startHeld(t, dir, tc.step)
			if ws := h.kill(); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the batch was not killed: %v", h.cmd.ProcessState)
			}
			rows, folders, running := leftovers(t, dir)
			if running != 1 || (folders > 0) != tc.folders || (rows > 0) != tc.rows {
				t.Errorf("killed at %s: %d running batch(es), %d unregistered shard folder(s), %d unregistered store rows; want 1, folders %v, rows %v",
					tc.step, running, folders, rows, tc.folders, tc.rows)
			}
			if got := status(t, dir); strings.Contains(got, `"id"`) {
				t.Errorf("a killed first batch shows transcripts:\n%s", got)
			}

			mustRun(t, dir)
			checkConsistent(t, dir)
			checkPrivate(t, dir)
			sameDump(t, "killed at "+tc.step+" and run again", dump(t, dir), want)
			if got := status(t, dir); got != wantStatus {
				t.Fatalf("status --json after the re-run:\n%s\nwant:\n%s", got, wantStatus)
			}
		})
	}
}

// A second batch (an edit, a file gone with --prune, new files) killed at
// each step: status, another process, keeps answering with the first
// batch's state while it is held, a second batch is refused, and the
// re-run ends where an uninterrupted second batch does.
func TestKilledSecondBatchRerunsExactly(t *testing.T) {
	first := killProject(t)
	mustRun(t, first)
	// The analysts' decisions are in the log before the batch: no kill
	// and no re-run may lose or change one.
	recordDecisions(t, first)
	decided := decisionLog(t, first)
	before := status(t, first)
	change := func(dir string) {
		tr := filepath.Join(dir, "transcripts")
		fg := filepath.Join(tr, "focus-group-1.txt")
		data, err := os.ReadFile(fg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fg, bytes.Replace(data, []byte("walking alongside"), []byte("walking beside"), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(tr, "annomi-024-smoking.vtt")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(dir, "extra"), filepath.Join(tr, "extra")); err != nil {
			t.Fatal(err)
		}
	}
	ref := t.TempDir()
	copyTree(t, first, ref)
	change(ref)
	mustRun(t, ref, "--prune")
	checkConsistent(t, ref)
	want, wantStatus := dump(t, ref), status(t, ref)
	if ix := readIndex(t, ref); len(ix.masked) == 0 || len(ix.shards) != 2 {
		t.Fatalf("the uninterrupted second batch: %d masked passages, %d shards; want some and 2", len(ix.masked), len(ix.shards))
	}

	for _, step := range []string{"index", "record", "record:3", "commit"} {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, first, dir)
			change(dir)
			h := startHeld(t, dir, step, "--prune")

			if got := status(t, dir); got != before {
				t.Errorf("status during the batch:\n%s\nwant the state before it:\n%s", got, before)
			}
			out, _, code := cli(t, "status", "--project", dir)
			if code != 0 || !strings.Contains(out, "focus-group-1") {
				t.Errorf("status during the batch: exit status %d\n%s", code, out)
			}
			_, stderr, code := cli(t, "run", "--project", dir)
			if code != 1 || !strings.Contains(stderr, "alongside: another batch is running") {
				t.Errorf("a second batch during the first: exit status %d\n%s", code, stderr)
			}

			if ws := h.kill(); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the batch was not killed: %v", h.cmd.ProcessState)
			}
			if got := status(t, dir); got != before {
				t.Errorf("status after the kill:\n%s\nwant the state before the batch:\n%s", got, before)
			}
			if got := decisionLog(t, dir); got != decided {
				t.Errorf("decision log after the kill:\n%s\nwant:\n%s", got, decided)
			}
			mustRun(t, dir, "--prune")
			checkConsistent(t, dir)
			sameDump(t, "second batch killed at "+step+" and run again", dump(t, dir), want)
			if got := decisionLog(t, dir); got != decided {
				t.Errorf("decision log after the re-run:\n%s\nwant:\n%s", got, decided)
			}
			if got := status(t, dir); got != wantStatus {
				t.Fatalf("status --json after the re-run:\n%s\nwant:\n%s", got, wantStatus)
			}
		})
	}
}

// recordDecisions appends a few decisions to a project's log, as the
// review commands do.
func recordDecisions(t *testing.T, dir string) {
	t.Helper()
	st, err := stages.Project{Dir: dir}.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for i, d := range []struct{ id, action, value string }{
		{"c000000000001", "confirm", ""}, {"c000000000002", "reject", ""}, {"c000000000002", "note", "asked, not told"}, {"c000000000003", "recode", "Family"},
	} {
		if err := st.Decide(context.Background(), d.id, d.action, d.value, "ana", "cb1", at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
}

// decisionLog prints a project's whole decision log.
func decisionLog(t *testing.T, dir string) string {
	t.Helper()
	st, err := stages.Project{Dir: dir}.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().Query(`SELECT seq, candidate_id, action, value, reviewer, at, codebook FROM decisions ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var seq int
		var id, action, value, reviewer, at, cb string
		if err := rows.Scan(&seq, &id, &action, &value, &reviewer, &at, &cb); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d %s %s %q %s %s %s\n", seq, id, action, value, reviewer, at, cb)
	}
	if b.Len() == 0 {
		t.Fatal("empty decision log")
	}
	return b.String()
}
