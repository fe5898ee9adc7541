package reviewpage

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/decisions"
)

const testReviewer = "Ada Reviewer"

// newProject builds a project in a temporary folder from the sample
// transcripts, codebook and alongside.yaml, runs the batch over it, and
// returns a server on its store, and the project folder.
func newProject(t *testing.T) (*Server, string) {
	t.Helper()
	dir := t.TempDir()
	sample := filepath.Join("..", "..", "..", "corpus", "sample")
	if err := os.CopyFS(filepath.Join(dir, "transcripts"), os.DirFS(filepath.Join(sample, "transcripts"))); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"codebook.yaml", "alongside.yaml"} {
		data, err := os.ReadFile(filepath.Join(sample, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cb, err := codebook.Read(filepath.Join(dir, "codebook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := stages.Project{Dir: dir}
	if _, err := stages.Run(context.Background(), p, stages.Options{Transcripts: []string{"transcripts"}, Codebook: cb}); err != nil {
		t.Fatalf("running the batch: %v", err)
	}
	st, err := p.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(&decisions.Reviewer{Store: st, Codebook: cb, Name: testReviewer, Now: time.Now}), dir
}

// candidates reads the store's candidates, by ID.
func candidates(t *testing.T, s *Server) map[string]store.Candidate {
	t.Helper()
	cands, err := s.Reviewer.Store.Candidates(context.Background(), store.CandidateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Candidate{}
	for _, c := range cands {
		out[c.ID] = c
	}
	return out
}

func get(t *testing.T, ts *httptest.Server, path string) (int, string) {
	t.Helper()
	res, err := ts.Client().Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

var (
	rowRE      = regexp.MustCompile(`<article class="cand"[^>]* data-id="([^"]+)" data-code="([^"]+)" data-status="([^"]+)"`)
	progressRE = regexp.MustCompile(`<strong id="reviewed">(\d+)</strong> of <strong id="total">(\d+)</strong> reviewed`)
)

type pageRow struct{ id, code, status string }

// rows returns the candidates a page lists, in order.
func rows(body string) []pageRow {
	var out []pageRow
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, pageRow{m[1], m[2], m[3]})
	}
	return out
}

func progressText(t *testing.T, body string) string {
	t.Helper()
	m := progressRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no progress on the page")
	}
	return m[1] + " of " + m[2]
}

// post sends a decision as the page would, with changes made by edit.
func post(t *testing.T, ts *httptest.Server, path, body string, edit func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if edit != nil {
		edit(req)
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(res.Body)
	json.Unmarshal(data, &out)
	return res.StatusCode, out
}

func TestPageListsCandidatesWithTokenAndContext(t *testing.T) {
	t.Parallel()
	s, _ := newProject(t)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	status, body := get(t, ts, "/")
	if status != 200 {
		t.Fatalf("GET /: %d %s", status, body)
	}
	all := candidates(t, s)
	rs := rows(body)
	if len(rs) == 0 || len(rs) != len(all) {
		t.Fatalf("page lists %d candidates, the store has %d", len(rs), len(all))
	}
	if !strings.Contains(body, `<meta name="alongside-token" content="`+s.Token()+`">`) {
		t.Error("the page does not carry the session token")
	}
	if len(s.Token()) != 64 {
		t.Errorf("token %q: want 32 bytes in hex", s.Token())
	}
	if !strings.Contains(body, "<mark>") {
		t.Error("no matched words marked")
	}
	if got, want := progressText(t, body), "0 of "+itoa(len(all)); got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
	for _, k := range []string{"<kbd>c</kbd> confirm", "<kbd>r</kbd> reject", "<kbd>j</kbd>", "<kbd>k</kbd>", "<kbd>e</kbd> re-code"} {
		if !strings.Contains(body, k) {
			t.Errorf("the page does not list the shortcut %q", k)
		}
	}
	if !strings.Contains(body, "Reviewing as <strong>"+testReviewer+"</strong>") {
		t.Error("the page does not say who is reviewing")
	}
}

func TestPostNeedsTokenAndSameOrigin(t *testing.T) {
	t.Parallel()
	s, _ := newProject(t)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	var id string
	for id = range candidates(t, s) {
		break
	}
	body := `{"candidate":"` + id + `","action":"confirm"}`
	for _, tc := range []struct {
		name string
		edit func(*http.Request)
		want int
	}{
		{"no token", nil, http.StatusForbidden},
		{"wrong token", func(r *http.Request) { r.Header.Set(TokenHeader, strings.Repeat("0", 64)) }, http.StatusForbidden},
		{"other site", func(r *http.Request) {
			r.Header.Set(TokenHeader, s.Token())
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		}, http.StatusForbidden},
		{"other site, old browser", func(r *http.Request) {
			r.Header.Set(TokenHeader, s.Token())
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Del("Sec-Fetch-Site")
		}, http.StatusForbidden},
		{"rebound host", func(r *http.Request) {
			r.Header.Set(TokenHeader, s.Token())
			r.Host = "evil.example"
		}, http.StatusForbidden},
		{"form post", func(r *http.Request) {
			r.Header.Set(TokenHeader, s.Token())
			r.Header.Set("Content-Type", "text/plain")
		}, http.StatusUnsupportedMediaType},
	} {
		if status, out := post(t, ts, "/api/decisions", body, tc.edit); status != tc.want {
			t.Errorf("%s: status %d (%v), want %d", tc.name, status, out, tc.want)
		}
	}
	if c := candidates(t, s)[id]; c.Status != "proposed" {
		t.Fatalf("a refused POST changed the candidate: %s", c.Status)
	}
	hist, err := s.Reviewer.Store.History(context.Background(), id)
	if err != nil || len(hist) != 0 {
		t.Fatalf("a refused POST wrote the log: %v %v", hist, err)
	}

	status, out := post(t, ts, "/api/decisions", body, func(r *http.Request) { r.Header.Set(TokenHeader, s.Token()) })
	if status != 200 || out["status"] != "confirmed" {
		t.Fatalf("POST with the token: %d %v", status, out)
	}
	if c := candidates(t, s)[id]; c.Status != "confirmed" {
		t.Errorf("store says %s, want confirmed", c.Status)
	}
}

func TestPageRefusesForeignHost(t *testing.T) {
	t.Parallel()
	s, _ := newProject(t)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for host, want := range map[string]int{
		"evil.example:7424":   http.StatusForbidden,
		"192.168.1.10:7424":   http.StatusForbidden,
		"localhost:7424":      http.StatusOK,
		"127.0.0.2:7424":      http.StatusOK,
		"[::1]:7424":          http.StatusOK,
		"my-workstation:7424": http.StatusForbidden,
	} {
		req, _ := http.NewRequest("GET", ts.URL+"/", nil)
		req.Host = host
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, res.StatusCode, want)
		}
	}

	// Served on purpose on another address: any IP, and the names given.
	remote := New(s.Reviewer)
	remote.AllowRemote, remote.Hosts = true, []string{"my-workstation"}
	rs := httptest.NewServer(remote.Handler())
	defer rs.Close()
	for host, want := range map[string]int{
		"evil.example:7424":   http.StatusForbidden,
		"192.168.1.10:7424":   http.StatusOK,
		"my-workstation:7424": http.StatusOK,
	} {
		req, _ := http.NewRequest("GET", rs.URL+"/", nil)
		req.Host = host
		res, err := rs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("allow-remote: Host %s: %d, want %d", host, res.StatusCode, want)
		}
	}
}

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:7424", false, true},
		{"127.1.2.3:7424", false, true},
		{"localhost:7424", false, true},
		{"[::1]:7424", false, true},
		{":7424", false, false},
		{"0.0.0.0:7424", false, false},
		{"[::]:7424", false, false},
		{"192.168.1.10:7424", false, false},
		{"workstation.example:7424", false, false},
		{"0.0.0.0:7424", true, true},
		{":7424", true, true},
		{"127.0.0.1", false, false}, // no port
	} {
		err := CheckAddr(tc.addr, tc.remote)
		if (err == nil) != tc.ok {
			t.Errorf("CheckAddr(%q, %v) = %v, want ok=%v", tc.addr, tc.remote, err, tc.ok)
		}
	}
}

func TestFiltersAndProgress(t *testing.T) {
	t.Parallel()
	s, _ := newProject(t)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	all := candidates(t, s)

	// Pick a code and a speaker that exist, and count by hand.
	var some store.Candidate
	for _, c := range all {
		if some.ID == "" || c.ID < some.ID {
			some = c
		}
	}
	parent := some.Code[:strings.LastIndex(some.Code, "/")]
	count := func(keep func(store.Candidate) bool) int {
		n := 0
		for _, c := range all {
			if keep(c) {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		query string
		keep  func(store.Candidate) bool
	}{
		{"?code=" + urlq(some.Code), func(c store.Candidate) bool { return c.Code == some.Code }},
		{"?code=" + urlq(parent), func(c store.Candidate) bool { return strings.HasPrefix(c.Code, parent+"/") }},
		{"?transcript=" + urlq(some.Transcript), func(c store.Candidate) bool { return c.Transcript == some.Transcript }},
		{"?speaker=" + urlq(strings.ToUpper(some.Speaker)), func(c store.Candidate) bool { return strings.EqualFold(c.Speaker, some.Speaker) }},
		{"?batch=" + itoa(int(some.Batch)), func(c store.Candidate) bool { return c.Batch == some.Batch }},
		{"?batch=999", func(c store.Candidate) bool { return false }},
		{"?status=confirmed", func(c store.Candidate) bool { return false }},
	} {
		status, body := get(t, ts, "/"+tc.query)
		if status != 200 {
			t.Fatalf("%s: %d %s", tc.query, status, body)
		}
		rs := rows(body)
		if want := count(tc.keep); len(rs) != want {
			t.Errorf("%s: %d rows, want %d", tc.query, len(rs), want)
		}
		for _, r := range rs {
			if !tc.keep(all[r.id]) {
				t.Errorf("%s: lists %s (%s, %s)", tc.query, r.id, all[r.id].Code, all[r.id].Speaker)
			}
		}
	}
	if status, _ := get(t, ts, "/?status=maybe"); status != http.StatusBadRequest {
		t.Errorf("unknown status: %d, want 400", status)
	}
	if status, _ := get(t, ts, "/?batch=x"); status != http.StatusBadRequest {
		t.Errorf("bad batch: %d, want 400", status)
	}

	// Decide on two candidates of the code: the progress of that code's
	// page counts them, the status filter finds them.
	q := "?code=" + urlq(some.Code)
	inCode := count(func(c store.Candidate) bool { return c.Code == some.Code })
	_, body := get(t, ts, "/"+q)
	rs := rows(body)
	decide := func(id, action string) map[string]any {
		status, out := post(t, ts, "/api/decisions"+q, `{"candidate":"`+id+`","action":"`+action+`"}`,
			func(r *http.Request) { r.Header.Set(TokenHeader, s.Token()) })
		if status != 200 {
			t.Fatalf("%s %s: %d %v", action, id, status, out)
		}
		return out
	}
	decide(rs[0].id, "confirm")
	out := decide(rs[len(rs)-1].id, "reject")
	if p := out["progress"].(map[string]any); p["reviewed"] != float64(min(2, len(rs))) || p["total"] != float64(inCode) {
		t.Errorf("progress in the answer: %v, want %d of %d", p, min(2, len(rs)), inCode)
	}
	_, body = get(t, ts, "/"+q)
	if got, want := progressText(t, body), itoa(min(2, len(rs)))+" of "+itoa(inCode); got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
	_, body = get(t, ts, "/"+q+"&status=confirmed")
	if rs2 := rows(body); len(rs2) != 1 || rs2[0].id != rs[0].id || rs2[0].status != "confirmed" {
		t.Errorf("status=confirmed lists %v, want %s", rs2, rs[0].id)
	}
	// The progress counts over every status, whatever the status filter.
	if got, want := progressText(t, body), itoa(min(2, len(rs)))+" of "+itoa(inCode); got != want {
		t.Errorf("progress with a status filter %q, want %q", got, want)
	}
}

func TestBadDecisionIsRefused(t *testing.T) {
	t.Parallel()
	s, _ := newProject(t)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	withToken := func(r *http.Request) { r.Header.Set(TokenHeader, s.Token()) }
	var id string
	for id = range candidates(t, s) {
		break
	}
	for _, body := range []string{
		`{"candidate":"nope","action":"confirm"}`,
		`{"candidate":"` + id + `","action":"recode","value":"No/Such code"}`,
		`{"candidate":"` + id + `","action":"delete"}`,
		`{"candidate":"` + id + `","action":"confirm","extra":1}`,
		`not json`,
	} {
		if status, out := post(t, ts, "/api/decisions", body, withToken); status != http.StatusBadRequest || out["error"] == "" {
			t.Errorf("%s: %d %v, want 400 with an error", body, status, out)
		}
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	t.Parallel()
	s, _ := newProject(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET: %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-errc:
		if err != context.Canceled {
			t.Fatalf("Serve returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("still listening after Serve returned")
	}
}

var (
	itoa = strconv.Itoa
	urlq = url.QueryEscape
)

// TestPageDuringBatch reads and decides while a second batch is held just
// before its commit, then sees the batch's new candidates on reload.
func TestPageDuringBatch(t *testing.T) {
	t.Parallel()
	s, dir := newProject(t)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	// Every status: the decision below takes a candidate off the default
	// list (what needs a decision).
	_, body := get(t, ts, "/?status=all")
	before := rows(body)

	fg := "Constructed focus group for a test\n\nModerator: What helps?\n\nP6: Walking alongside them, on an equal footing. That is what helps.\n"
	if err := os.WriteFile(filepath.Join(dir, "transcripts", "focus-group-9.txt"), []byte(fg), 0o600); err != nil {
		t.Fatal(err)
	}
	atCommit, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		held := false
		_, err := stages.Run(context.Background(), stages.Project{Dir: dir}, stages.Options{
			Transcripts: []string{"transcripts"}, Codebook: s.Reviewer.Codebook,
			AfterStage: func(step string) {
				if step == "commit" && !held {
					held = true
					close(atCommit)
					<-release
				}
			},
		})
		done <- err
	}()
	<-atCommit

	status, body := get(t, ts, "/?status=all")
	if status != 200 || len(rows(body)) != len(before) {
		t.Fatalf("during the batch: %d, %d rows, want 200 and %d", status, len(rows(body)), len(before))
	}
	if status, out := post(t, ts, "/api/decisions", `{"candidate":"`+before[0].id+`","action":"confirm"}`,
		func(r *http.Request) { r.Header.Set(TokenHeader, s.Token()) }); status != 200 {
		t.Fatalf("deciding during the batch: %d %v", status, out)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("batch: %v", err)
	}

	_, body = get(t, ts, "/?status=all")
	after := rows(body)
	if len(after) <= len(before) {
		t.Errorf("after the batch the page lists %d candidates, before %d: the new transcript's are missing", len(after), len(before))
	}
	if c := candidates(t, s)[before[0].id]; c.Status != "confirmed" {
		t.Errorf("the decision made during the batch: %s, want confirmed", c.Status)
	}
}
