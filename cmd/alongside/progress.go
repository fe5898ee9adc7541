package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/alongside-qda/alongside/stages"
	"github.com/schollz/progressbar/v3"
)

// barProgress shows one progress bar on a terminal's stderr.
type barProgress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	mu    sync.Mutex
	files int
	done  int
	words int
	start time.Time
}

func (p *barProgress) Start(files int, bytes int64) {
	p.files, p.start = files, time.Now()
	p.bar = progressbar.NewOptions64(bytes,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionShowBytes(false),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription("reading"),
	)
}

func (p *barProgress) Done(bytes int64, words int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.words += words
	rate := float64(p.words) / time.Since(p.start).Seconds()
	p.bar.Describe(fmt.Sprintf("%d/%d files, %d words, %.0f words/s", p.done, p.files, p.words, rate))
	p.bar.Add64(bytes)
}

func (p *barProgress) Finish() { p.bar.Finish() }

// lineProgress writes a plain progress line at most every interval, for
// logs and cron mail: no bar redraws.
type lineProgress struct {
	w        io.Writer
	interval time.Duration
	mu       sync.Mutex
	files    int
	done     int
	words    int
	start    time.Time
	last     time.Time
}

func (p *lineProgress) Start(files int, bytes int64) {
	p.files, p.start, p.last = files, time.Now(), time.Now()
	fmt.Fprintf(p.w, "alongside: %d file(s) to read\n", files)
}

func (p *lineProgress) Done(bytes int64, words int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.words += words
	if time.Since(p.last) >= p.interval {
		p.last = time.Now()
		fmt.Fprintf(p.w, "alongside: %d/%d files, %d words, %.0f words/s\n", p.done, p.files, p.words, float64(p.words)/time.Since(p.start).Seconds())
	}
}

func (p *lineProgress) Finish() {}

// barStep shows one progress bar on a terminal's stderr for a step that
// reads no files (matching the codebook).
type barStep struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (p *barStep) Start(step string, units int) {
	p.bar = progressbar.NewOptions(units,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription(step),
	)
}

func (p *barStep) Add(units int) { p.bar.Add(units) }

func (p *barStep) Finish() { p.bar.Finish() }

// lineStep writes a plain progress line for a step at its start and at
// most every interval after, for logs and cron mail.
type lineStep struct {
	w           io.Writer
	interval    time.Duration
	step        string
	units, done int
	last        time.Time
}

func (p *lineStep) Start(step string, units int) {
	p.step, p.units, p.done, p.last = step, units, 0, time.Now()
	fmt.Fprintf(p.w, "alongside: %s\n", step)
}

func (p *lineStep) Add(units int) {
	p.done += units
	if time.Since(p.last) >= p.interval && p.done < p.units {
		p.last = time.Now()
		fmt.Fprintf(p.w, "alongside: %s: %d%%\n", p.step, 100*p.done/max(p.units, 1))
	}
}

func (p *lineStep) Finish() {}

// stepProgress is how a step that reads no files (matching, ranking)
// reports on stderr: a bar on a terminal, plain lines otherwise.
func stepProgress(e *env) stages.StepProgress {
	if e.stderrTTY {
		return &barStep{w: e.stderr}
	}
	return &lineStep{w: e.stderr, interval: 10 * time.Second}
}
