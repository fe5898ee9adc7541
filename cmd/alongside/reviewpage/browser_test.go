package reviewpage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alongside-qda/alongside/corpus/store"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// findChromium returns the browser the test drives: Debian's chromium
// first, then the usual names on PATH.
func findChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (/usr/bin/chromium or chromium on PATH): install it with apt-get install chromium to test the review page in a browser"
	if os.Getenv("ALONGSIDE_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + " (ALONGSIDE_REQUIRE_BROWSER=1)")
	}
	t.Skip(msg)
	return ""
}

// TestBrowserReview reviews three candidates in headless Chromium with the
// keyboard alone (j, k, c, r, then e and a code path typed into the
// re-code box) and checks the store afterwards.
func TestBrowserReview(t *testing.T) {
	t.Parallel()
	chromium := findChromium(t)
	s, _ := newProject(t)
	ts := httptest.NewServer(s.Handler()) // listens on 127.0.0.1
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 1000),
	)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	waitFor := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("waiting for %s (%s): %v; the page says %q", what, expr, err, eval(`document.getElementById("announce").textContent`))
		}
	}
	row := func(i int) string { return fmt.Sprintf(`document.querySelectorAll(".cand")[%d]`, i) }

	do("opening the page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".cand")))
	shot(ctx, t, "review-top.png")
	var ids [3]string
	for i := range ids {
		ids[i] = eval(row(i) + ".dataset.id")
	}
	code2 := eval(row(2) + ".dataset.code")
	target := ""
	for _, c := range s.Reviewer.Codebook.All() {
		if len(c.Codes) == 0 && c.Path != code2 {
			target = c.Path
		}
	}

	// j and k move the focus between candidates.
	do("j", press("j"))
	waitFor("j to focus the second candidate", `document.activeElement === `+row(1))
	do("k", press("k"))
	waitFor("k to focus the first candidate", `document.activeElement === `+row(0))

	do("c", press("c"))
	waitFor("the first candidate confirmed", row(0)+`.dataset.status === "confirmed" && document.activeElement === `+row(1))
	do("r", press("r"))
	waitFor("the second candidate rejected", row(1)+`.dataset.status === "rejected" && document.activeElement === `+row(2))
	waitFor("progress 2 of", `document.getElementById("reviewed").textContent === "2"`)

	do("e", press("e"))
	waitFor("the re-code box", `document.getElementById("recode").open && document.activeElement.id === "recode-path"`)
	do("typing the new code", press(target))
	shot(ctx, t, "review-recode.png")
	do("enter", press(kb.Enter))
	waitFor("the third candidate re-coded", row(2)+`.dataset.status === "rejected" && `+row(2)+`.querySelector(".recoded").textContent !== "" && !document.getElementById("recode").open`)
	// The re-code rejected the candidate and confirmed a new one: both count.
	waitFor("progress 4 of", `document.getElementById("reviewed").textContent === "4"`)
	shot(ctx, t, "review.png")

	// The store has the decisions, under the reviewer's name.
	all := candidates(t, s)
	for i, want := range []string{"confirmed", "rejected", "rejected"} {
		if got := all[ids[i]].Status; got != want {
			t.Errorf("candidate %s: %s, want %s", ids[i], got, want)
		}
	}
	recoded := 0
	for _, c := range all {
		if c.Code == target && c.Status == "confirmed" && c.Start == all[ids[2]].Start && c.End == all[ids[2]].End {
			recoded++
		}
	}
	if recoded != 1 {
		t.Errorf("%d confirmed candidates under %q for the re-coded span, want 1", recoded, target)
	}
	for i, want := range []string{"confirm", "reject", "recode"} {
		hist, err := s.Reviewer.Store.History(context.Background(), ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 1 || hist[0].Action != want || hist[0].Reviewer != testReviewer {
			t.Errorf("candidate %s: log %+v, want one %s by %s", ids[i], hist, want, testReviewer)
		}
		if want == "recode" && len(hist) == 1 && hist[0].Value != target {
			t.Errorf("re-coded to %q, want %q", hist[0].Value, target)
		}
	}
	if got, want := eval(`document.getElementById("total").textContent`), strconv.Itoa(len(all)); got != want {
		t.Errorf("the page counts %s candidates, the store %s (with the re-coded one)", got, want)
	}
}

// press types keys as a keyboard does: each key is a keyDown that carries
// its text, then a keyUp, so that a page that cancels the keydown also
// cancels the character (as Puppeteer's keyboard.press does).
// chromedp.KeyEvent sends the character as a separate "char" event, which
// reaches whatever has the focus after the keydown handler ran: the re-code
// box that "e" opens would receive the "e".
func press(keys string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range keys {
			events := kb.Encode(r)
			down, up := *events[0], *events[len(events)-1]
			if len(events) == 3 {
				down.Text, down.UnmodifiedText = events[1].Text, events[1].UnmodifiedText
			}
			for _, e := range []input.DispatchKeyEventParams{down, up} {
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, e); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// shot saves a screenshot of the page in the test's folder, and also in
// ALONGSIDE_SCREENSHOT_DIR when set, to look at.
func shot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dirs := []string{t.TempDir()}
	if d := os.Getenv("ALONGSIDE_SCREENSHOT_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, name), png, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserPagingNotesUndo drives the rest of the page in Chromium: a
// save that fails shows on its card and is retried from there; u takes a
// decision back; c on a confirmed card records nothing; a note is added
// and edited on the card; the next-page link goes past the page's limit
// (3 here, 500 by default), and the default list drops what was decided.
func TestBrowserPagingNotesUndo(t *testing.T) {
	t.Parallel()
	chromium := findChromium(t)
	s, _ := newProject(t)
	s.Limit = 3
	// failNext makes the next POSTs fail as a busy or broken store would.
	var failNext atomic.Int32
	h := s.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && failNext.Load() > 0 {
			failNext.Add(-1)
			writeError(w, http.StatusServiceUnavailable, errors.New("the project database is locked"))
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 1000),
	)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	waitFor := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("waiting for %s (%s): %v; the page says %q", what, expr, err, eval(`document.getElementById("announce").textContent`))
		}
	}
	row := func(i int) string { return fmt.Sprintf(`document.querySelectorAll(".cand")[%d]`, i) }
	log := func(id string) []store.LoggedDecision {
		t.Helper()
		l, err := s.Reviewer.Store.Log(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	do("opening the page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".cand")))
	if n := eval(`String(document.querySelectorAll(".cand").length)`); n != "3" {
		t.Fatalf("%s candidates on the first page, want 3", n)
	}
	first := [3]string{}
	for i := range first {
		first[i] = eval(row(i) + ".dataset.id")
	}

	// A failed save: shown on the card, which stays as it was and keeps
	// the focus; Retry saves it.
	failNext.Store(1)
	do("c", press("c"))
	waitFor("the error on the first card", `!`+row(0)+`.querySelector(".save-error").hidden && `+row(0)+`.dataset.save === "failed"`)
	if msg := eval(row(0) + `.querySelector(".save-error").textContent`); !strings.Contains(msg, "Not saved: the project database is locked") {
		t.Errorf("the card says %q", msg)
	}
	if role := eval(row(0) + `.querySelector(".save-error").getAttribute("role")`); role != "alert" {
		t.Errorf("the card's error has role %q, want alert (announced)", role)
	}
	if st := eval(row(0) + ".dataset.status"); st != "proposed" || len(log(first[0])) != 0 {
		t.Errorf("after a failed save: the card says %s, the log has %d entries", st, len(log(first[0])))
	}
	shot(ctx, t, "review-failed-save.png")
	do("retry", chromedp.Click(chromedp.CSS(`.cand.selected button.retry`)))
	waitFor("the retried save", row(0)+`.dataset.status === "confirmed" && `+row(0)+`.querySelector(".save-error").hidden`)

	// c again on the confirmed card records nothing.
	do("k back to the first card", press("k"))
	waitFor("the first card", `document.activeElement === `+row(0))
	do("c on a confirmed card", press("c"))
	waitFor("the announcement", `document.getElementById("announce").textContent.startsWith("Already confirmed")`)
	if l := log(first[0]); len(l) != 1 {
		t.Errorf("c on a confirmed card: %d log entries, want 1", len(l))
	}

	// (and moves on, as a decision does). Reject the second, then u takes
	// it back: an undo entry, the card proposed again.
	waitFor("the second card", `document.activeElement === `+row(1))
	do("r", press("r"))
	waitFor("the second rejected", row(1)+`.dataset.status === "rejected"`)
	do("u", press("u"))
	waitFor("the reject undone", row(1)+`.dataset.status === "proposed"`)
	if l := log(first[1]); len(l) != 2 || l[0].Action != "reject" || !l[0].Undone || l[1].Action != store.ActionUndo || l[1].Value != strconv.FormatInt(l[0].Seq, 10) {
		t.Errorf("log after undo: %+v, want the reject and an undo naming it", l)
	}
	if st := candidates(t, s)[first[1]].Status; st != "proposed" {
		t.Errorf("store status after undo: %s, want proposed", st)
	}

	// A note on the second card, then edited.
	do("n", press("n"))
	waitFor("the note box", `document.activeElement.name === "note"`)
	do("typing a note", press("ask Kari"))
	do("save", chromedp.Click(chromedp.CSS(`.cand.selected .note-form button[type=submit]`)))
	waitFor("the note on the card", row(1)+`.querySelector(".notes").textContent.includes("ask Kari")`)
	do("n again", press("n"))
	waitFor("the note box", `document.activeElement.name === "note" && document.activeElement.value === "ask Kari"`)
	do("editing it", press(" first"))
	do("save", chromedp.Click(chromedp.CSS(`.cand.selected .note-form button[type=submit]`)))
	waitFor("the edited note", row(1)+`.querySelector(".notes").textContent === "`+testReviewer+`: ask Kari first"`)
	shot(ctx, t, "review-note.png")
	notes, err := s.Reviewer.Store.Notes(context.Background(), []string{first[1]})
	if err != nil || len(notes[first[1]]) != 1 || notes[first[1]][0].Text != "ask Kari first" {
		t.Errorf("notes in the store: %+v (%v), want the edited one", notes[first[1]], err)
	}

	// The next page goes on after the third candidate.
	do("next page", chromedp.Click(chromedp.CSS("#next-page")), chromedp.WaitVisible(chromedp.CSS(".cand")))
	waitFor("the second page", `location.search.includes("after=")`)
	// One of the first page's three is confirmed, so the second page
	// holds the 3rd to 5th of the candidates still to review.
	proposed, err := s.Reviewer.Store.Candidates(context.Background(), store.CandidateFilter{Status: "proposed"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := eval(`document.getElementById("page-range").textContent`), fmt.Sprintf("Candidates 3–5 of %d", len(proposed)); got != want {
		t.Errorf("page range %q, want %q", got, want)
	}
	for i := range 3 {
		if got, want := eval(row(i)+".dataset.id"), proposed[2+i].ID; got != want {
			t.Errorf("second page, row %d: %s, want %s", i+1, got, want)
		}
	}
	if id := eval(row(0) + ".dataset.id"); slices.Contains(first[:], id) {
		t.Errorf("the second page starts with %s, from the first page", id)
	}
	// The default list drops the confirmed candidate: the first page now
	// starts with the second one.
	do("first page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".cand")))
	if id := eval(row(0) + ".dataset.id"); id != first[1] {
		t.Errorf("the first page starts with %s, want %s (the confirmed %s left the list)", id, first[1], first[0])
	}
}
