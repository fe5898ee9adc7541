package reviewpage

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

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
