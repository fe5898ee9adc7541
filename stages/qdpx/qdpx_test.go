package qdpx_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/decisions"
	"github.com/alongside-qda/alongside/stages/qdpx"
)

// qdpxProject is the sample project in a temporary folder, after one
// batch with the sample codebook.
func qdpxProject(t *testing.T) (stages.Project, *codebook.Codebook) {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir("../../corpus/sample", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("../../corpus/sample", path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		target := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o600)
	})
	if err != nil {
		t.Fatalf("copying the sample project: %v", err)
	}
	cb, err := codebook.Read(filepath.Join(dir, "codebook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := stages.Project{Dir: dir}
	qdpxBatch(t, p, cb)
	return p, cb
}

func qdpxBatch(t *testing.T, p stages.Project, cb *codebook.Codebook) {
	t.Helper()
	if _, err := stages.Run(context.Background(), p, stages.Options{Transcripts: []string{"transcripts"}, Workers: 2, Codebook: cb}); err != nil {
		t.Fatalf("batch: %v", err)
	}
}

// qdpxClock is a reviewer's clock: a minute later at each decision.
func qdpxClock() func() time.Time {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		at = at.Add(time.Minute)
		return at
	}
}

func qdpxDecide(t *testing.T, r *decisions.Reviewer, ds ...decisions.Decision) []string {
	t.Helper()
	created, err := r.Record(context.Background(), ds)
	if err != nil {
		t.Fatalf("recording %+v: %v", ds, err)
	}
	return created
}

// qdpxExport writes the project's export and returns its bytes and the
// units it left out.
func qdpxExport(t *testing.T, st *store.Store, cb *codebook.Codebook, f store.CandidateFilter) ([]byte, []qdpx.Unplaced) {
	t.Helper()
	var buf bytes.Buffer
	unplaced, err := qdpx.Write(context.Background(), st, cb, &buf, f)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes(), unplaced
}

// qdpxCoding is one coding, as the store has it and as the file says.
type qdpxCoding struct {
	Source, Code, Reviewer, Text string
	Start, End                   int
	At                           string
}

func TestQDPXExport(t *testing.T) {
	ctx := context.Background()
	p, cb := qdpxProject(t)
	st, err := p.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	proposed, err := st.Candidates(ctx, store.CandidateFilter{Status: "proposed"})
	if err != nil {
		t.Fatal(err)
	}
	// Decide on candidates of different transcripts: the first is in
	// focus-group-1.txt, which the test edits later.
	const changed = "focus-group-1"
	var picks []store.Candidate
	var wide store.Candidate // a candidate whose turn has more sentences than it covers
	var wideTurn int
	for _, c := range proposed {
		if c.Transcript == changed {
			picks = append(picks, c)
			break
		}
	}
	for _, c := range proposed {
		if len(picks) < 5 && len(picks) > 0 && !slices.ContainsFunc(picks, func(p store.Candidate) bool { return p.Transcript == c.Transcript }) {
			picks = append(picks, c)
			continue
		}
		if wide.ID != "" || slices.ContainsFunc(picks, func(p store.Candidate) bool { return p.ID == c.ID }) {
			continue
		}
		tv, err := st.Version(ctx, c.Transcript, c.Version)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(tv.Turns[c.Turn].Sentences); n > c.Last-c.First+1 {
			wide, wideTurn = c, n
		}
	}
	if len(picks) < 5 || wide.ID == "" {
		t.Fatalf("the sample gives too few candidates to test with: %d picked of %d", len(picks), len(proposed))
	}
	clock := qdpxClock()
	ana := &decisions.Reviewer{Store: st, Codebook: cb, Name: "ana", Now: clock}
	ben := &decisions.Reviewer{Store: st, Codebook: cb, Name: "ben", Now: clock}
	qdpxDecide(t, ana, decisions.Decision{Candidate: picks[0].ID, Action: store.ActionConfirm},
		decisions.Decision{Candidate: picks[1].ID, Action: store.ActionConfirm},
		decisions.Decision{Candidate: picks[2].ID, Action: store.ActionReject})
	qdpxDecide(t, ben, decisions.Decision{Candidate: picks[3].ID, Action: store.ActionConfirm})
	// A re-code: rejected under its code, confirmed under another.
	var other string
	for _, c := range cb.All() {
		if c.Path != picks[4].Code && len(c.Codes) == 0 {
			other = c.Path
			break
		}
	}
	recoded := qdpxDecide(t, ana, decisions.Decision{Candidate: picks[4].ID, Action: store.ActionRecode, Value: other})
	// Confirmed by ana, then widened to the whole turn by ben.
	qdpxDecide(t, ana, decisions.Decision{Candidate: wide.ID, Action: store.ActionConfirm})
	qdpxDecide(t, ben, decisions.Decision{Candidate: wide.ID, Action: store.ActionSpan, Value: fmt.Sprintf("0-%d", wideTurn-1)})

	// A second unit of that transcript, whose sentence the edit below
	// rewrites.
	var gone store.Candidate
	for _, c := range proposed {
		if c.Transcript == changed && c.ID != picks[0].ID && !strings.Contains(c.Text, picks[0].Text) && !strings.Contains(picks[0].Text, c.Text) &&
			!slices.ContainsFunc(picks, func(p store.Candidate) bool { return p.ID == c.ID }) && c.ID != wide.ID {
			gone = c
			break
		}
	}
	if gone.ID == "" {
		t.Fatalf("no second candidate in %s", changed)
	}
	qdpxDecide(t, ben, decisions.Decision{Candidate: gone.ID, Action: store.ActionConfirm})

	// The transcript of the first unit changes: text is added before it (so
	// the store keeps it on its now earlier version, at offsets that
	// version alone gives), and the second unit's sentence is rewritten.
	// The issue: the export held the transcript twice, the confirmed
	// coding only on the old one.
	info, err := st.Transcripts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range info {
		if ti.ID == changed && !strings.HasSuffix(ti.File, ".txt") {
			t.Fatalf("transcript %s is in %s: the test edits a .txt transcript", changed, ti.File)
		}
	}
	file := filepath.Join(p.Dir, "transcripts", changed+".txt")
	old, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the test edits the first unit's transcript: %v", err)
	}
	head, rest, _ := strings.Cut(string(old), "\n\n")
	edited := head + "\n\nModerator: Before we start — a word about the café, naïve questions welcome 🙂.\n\n" + rest
	if !strings.Contains(edited, gone.Text) {
		t.Fatalf("the text of %s is not in the file as written", gone.ID)
	}
	edited = strings.Replace(edited, gone.Text, "(...) we said other things there.", 1)
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	qdpxBatch(t, p, cb)
	// And a unit on the new version, after the inserted non-ASCII text.
	fresh, err := st.Candidates(ctx, store.CandidateFilter{Transcript: changed, Status: "proposed"})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := st.Transcript(ctx, changed)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(fresh, func(c store.Candidate) bool { return c.Version == cur.Version && c.Start > 0 })
	if i < 0 {
		t.Fatalf("no new candidate on the edited transcript %s", changed)
	}
	if before := corpus.Cut(cur.Text, corpus.Span{Start: 0, End: fresh[i].Start}); utf8.RuneCountInString(before) == len(before) {
		t.Fatalf("candidate %s: no non-ASCII text before it, so code points and bytes agree", fresh[i].ID)
	}
	qdpxDecide(t, ana, decisions.Decision{Candidate: fresh[i].ID, Action: store.ActionConfirm})

	confirmed, err := st.Candidates(ctx, store.CandidateFilter{Status: "confirmed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(confirmed) != 6 {
		t.Fatalf("%d confirmed units, want 6: %+v", len(confirmed), confirmed)
	}
	want := map[qdpxCoding]bool{}
	byID := map[string]store.Candidate{}
	for _, c := range confirmed {
		byID[c.ID] = c
		hist, err := st.History(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var by string
		var at time.Time
		for _, e := range hist {
			if e.Action == store.ActionConfirm {
				by, at = e.Reviewer, e.At
			}
		}
		start, end := c.Start, c.End
		if c.Transcript == changed && c.Version != cur.Version {
			// Carried onto the current text, where its text is (once).
			if n := strings.Count(cur.Text, c.Text); n != 1 {
				t.Fatalf("the text of %s is %d times in the current version, want once", c.ID, n)
			}
			start = utf8.RuneCountInString(cur.Text[:strings.Index(cur.Text, c.Text)])
			end = start + utf8.RuneCountInString(c.Text)
		}
		want[qdpxCoding{Source: c.Transcript, Code: c.Code, Reviewer: by, Text: c.Text, Start: start, End: end, At: at.UTC().Format(time.RFC3339)}] = true
	}
	if c := byID[recoded[0]]; c.Code != other {
		t.Fatalf("re-coded unit has code %q, want %q", c.Code, other)
	}
	if c := byID[wide.ID]; c.First != 0 || c.Last != wideTurn-1 {
		t.Fatalf("widened unit covers sentences %d-%d, want 0-%d", c.First, c.Last, wideTurn-1)
	}
	if c := byID[picks[0].ID]; c.Version == cur.Version {
		t.Fatalf("the unit on the edited transcript moved to its new version")
	}

	data, unplaced := qdpxExport(t, st, cb, store.CandidateFilter{Status: "rejected"}) // --status does not apply
	q, err := qdpx.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(unplaced) != 1 || unplaced[0].Candidate != gone.ID || !strings.Contains(unplaced[0].Reason, "text is gone") {
		t.Errorf("unplaced %+v, want the rewritten unit %s alone", unplaced, gone.ID)
	}

	t.Run("schema", func(t *testing.T) { qdpxValidate(t, data) })

	t.Run("zip", func(t *testing.T) {
		if q.Files[0] != "project.qde" {
			t.Errorf("first entry %q, want project.qde", q.Files[0])
		}
		for _, name := range q.Files[1:] {
			if !strings.HasPrefix(name, "sources/") {
				t.Errorf("entry %q is not in sources/", name)
			}
		}
		for _, s := range q.Project.Sources.TextSources {
			want := "internal://" + s.GUID + ".txt"
			if s.PlainTextPath != want || !slices.Contains(q.Files, "sources/"+s.GUID+".txt") {
				t.Errorf("source %s: plainTextPath %q, want %q in sources/", s.Name, s.PlainTextPath, want)
			}
		}
	})

	// Every transcript once, as its current version, with exactly the
	// store's text; the codings are the confirmed units.
	codePath := qdpxCodePaths(t, q.Project.CodeBook)
	users := map[string]string{}
	for _, u := range q.Project.Users.Users {
		users[u.GUID] = u.Name
	}
	if got := slices.Sorted(maps.Values(users)); !slices.Equal(got, []string{"ana", "ben"}) {
		t.Errorf("users %v, want [ana ben]", got)
	}
	got := map[qdpxCoding]bool{}
	var names []string
	for _, s := range q.Project.Sources.TextSources {
		names = append(names, s.Name)
		text := q.Texts[s.GUID]
		id := s.Name
		tr, err := st.Transcript(ctx, id)
		if err != nil {
			t.Fatalf("source %q: %v", s.Name, err)
		}
		tv, err := st.Version(ctx, id, tr.Version)
		if err != nil {
			t.Fatal(err)
		}
		if text != tv.Text {
			t.Errorf("source %q: the exported text is not the transcript's canonical text", s.Name)
		}
		for _, sel := range s.Selections {
			if len(sel.Codings) != 1 {
				t.Fatalf("selection %s has %d codings, want 1", sel.GUID, len(sel.Codings))
			}
			cd := sel.Codings[0]
			if cd.CreatingUser != sel.CreatingUser || cd.CreationDateTime != sel.CreationDateTime {
				t.Errorf("selection %s: coding made by %s at %s, selection by %s at %s", sel.GUID, cd.CreatingUser, cd.CreationDateTime, sel.CreatingUser, sel.CreationDateTime)
			}
			if sel.Start < 0 || sel.End < sel.Start || sel.End > utf8.RuneCountInString(text) {
				t.Fatalf("selection %s: %d-%d outside the text", sel.GUID, sel.Start, sel.End)
			}
			path, ok := codePath[cd.CodeRef.Target]
			if !ok {
				t.Errorf("selection %s: CodeRef %s resolves to no code", sel.GUID, cd.CodeRef.Target)
			}
			got[qdpxCoding{Source: s.Name, Code: path, Reviewer: users[cd.CreatingUser], Start: sel.Start, End: sel.End,
				Text: corpus.Cut(text, corpus.Span{Start: sel.Start, End: sel.End}), At: cd.CreationDateTime}] = true
			// Only the widened unit was changed after its confirmation.
			widened := strings.Contains(sel.Description, wide.ID)
			if modifier := users[sel.ModifyingUser]; widened && modifier != "ben" || !widened && sel.ModifyingUser != "" {
				t.Errorf("selection %q: modified by %q", sel.Description, modifier)
			}
		}
	}
	var ids []string
	for _, ti := range info {
		ids = append(ids, ti.ID)
	}
	wantNames := slices.Sorted(slices.Values(ids))
	if slices.Sort(names); !slices.Equal(names, wantNames) {
		t.Errorf("sources %q, want %q", names, wantNames)
	}
	if len(got) != len(want) {
		t.Errorf("%d codings, want %d", len(got), len(want))
	}
	for c := range want {
		if !got[c] {
			t.Errorf("missing coding %+v", c)
		}
	}
	for c := range got {
		if !want[c] {
			t.Errorf("unexpected coding %+v", c)
		}
	}

	// The whole codebook, with the .qdc's GUIDs.
	for _, c := range cb.All() {
		if codePath[codebook.CodeGUID(c.Path)] != c.Path {
			t.Errorf("code %q missing from the codebook (or under another GUID)", c.Path)
		}
	}
	if len(codePath) != len(cb.All()) {
		t.Errorf("%d codes exported, the codebook has %d", len(codePath), len(cb.All()))
	}

	t.Run("deterministic", func(t *testing.T) {
		if again, _ := qdpxExport(t, st, cb, store.CandidateFilter{}); !bytes.Equal(again, data) {
			t.Error("a second export gave different bytes")
		}
	})

	t.Run("code filter", func(t *testing.T) {
		data, _ := qdpxExport(t, st, cb, store.CandidateFilter{Code: other})
		q, err := qdpx.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range q.Project.Sources.TextSources {
			for _, sel := range s.Selections {
				n++
				if p := codePath[sel.Codings[0].CodeRef.Target]; p != other {
					t.Errorf("--code %q exported a coding with %q", other, p)
				}
			}
		}
		if n == 0 || len(q.Project.Sources.TextSources) != len(ids) || len(qdpxCodePaths(t, q.Project.CodeBook)) != len(cb.All()) {
			t.Errorf("--code %q: %d codings, %d sources, want the re-coded one, every transcript and every code", other, n, len(q.Project.Sources.TextSources))
		}
	})

	t.Run("code gone from codebook", func(t *testing.T) {
		// A codebook without the re-coded unit's code: the code is still
		// exported, so the coding resolves.
		small := &codebook.Codebook{Name: cb.Name, Source: cb.Source}
		for _, c := range cb.Codes {
			if !strings.HasPrefix(other, c.Path+"/") {
				small.Codes = append(small.Codes, c)
			}
		}
		data, _ := qdpxExport(t, st, small, store.CandidateFilter{})
		q, err := qdpx.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if paths := qdpxCodePaths(t, q.Project.CodeBook); paths[codebook.CodeGUID(other)] != other {
			t.Errorf("code %q of a confirmed unit is not exported when the codebook lost it", other)
		}
		qdpxValidate(t, data)
	})
}

// qdpxCodePaths walks the exported code tree: code paths by GUID.
func qdpxCodePaths(t *testing.T, cb *qdpx.QDECodeBook) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(prefix string, cs []qdpx.QDECode)
	walk = func(prefix string, cs []qdpx.QDECode) {
		for _, c := range cs {
			path := c.Name
			if prefix != "" {
				path = prefix + "/" + c.Name
			}
			if _, dup := out[c.GUID]; dup {
				t.Errorf("two codes with GUID %s", c.GUID)
			}
			out[c.GUID] = path
			walk(path, c.Codes)
		}
	}
	if cb != nil {
		walk("", cb.Codes)
	}
	return out
}

// qdpxValidate checks project.qde against the REFI-QDA schema with
// xmllint.
func qdpxValidate(t *testing.T, data []byte) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("ALONGSIDE_REQUIRE_XMLLINT") == "1" {
			t.Fatal("xmllint is not on PATH and ALONGSIDE_REQUIRE_XMLLINT=1 (install libxml2-utils)")
		}
		t.Skip("xmllint is not on PATH: install libxml2-utils to validate project.qde against Project.xsd")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	qde := filepath.Join(dir, "project.qde")
	if err := os.CopyFS(dir, zr); err != nil {
		t.Fatalf("unzipping: %v", err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/refi-qda/Project.xsd", qde).CombinedOutput()
	if err != nil {
		t.Fatalf("project.qde does not validate against Project.xsd: %v\n%s", err, out)
	}
}
