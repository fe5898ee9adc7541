package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/alongside-qda/alongside/stages"
)

// The years phase: a research programme runs the batch every night. Onto
// the project of the full batch, nights of 1 to 5 new transcripts (of
// nightWords words each, plain text), and every tenth night an earlier
// night's transcript edited (its old version masked), each run as
// "alongside run --no-candidates" with the default merging at its end. At
// night 1, 90, 180 and 365 (those --nights reaches, and the last) it
// reports the night's batch time, the shard count, the index size against
// the text size, and search latencies with one "alongside search" process
// per query; beside them, the same transcripts indexed in one batch (the
// yardstick).

const nightWords = 5_000

// yearsQueries is how many queries of each kind a checkpoint times (each
// a process of its own).
const yearsQueries = 20

func yearsPhase(ctx context.Context, o options, dir, full, bin string, g *generator, queries map[string][]string, add func(row), logf func(string, ...any)) error {
	checkpoints := []int{1, 90, 180, 365}
	checkpoints = slices.DeleteFunc(checkpoints, func(n int) bool { return n > o.nights })
	if !slices.Contains(checkpoints, o.nights) {
		checkpoints = append(checkpoints, o.nights)
	}
	tdir := filepath.Join(full, "transcripts")
	var written []string
	for night := 1; night <= o.nights; night++ {
		n := 1 + g.rng.IntN(5)
		for i := range n {
			name := filepath.Join(tdir, fmt.Sprintf("night%03d-%d.txt", night, i))
			if err := os.WriteFile(name, txtBytes(g.transcript(nightWords)), 0o600); err != nil {
				return err
			}
			written = append(written, name)
		}
		if night%10 == 0 && len(written) > n { // an edit of an earlier night's transcript
			old := written[g.rng.IntN(len(written)-n)]
			if err := os.WriteFile(old, txtBytes(g.transcript(nightWords)), 0o600); err != nil {
				return err
			}
		}
		var sum runSummary
		m, err := measure(ctx, &sum, bin, "run", "--project", full, "--no-candidates", "-j", fmt.Sprint(o.workers), "--json")
		if err != nil {
			return fmt.Errorf("night %d: %w", night, err)
		}
		if !slices.Contains(checkpoints, night) {
			continue
		}
		logf("years: night %d", night)
		shards, indexMB, textMB, err := projectSizes(ctx, full)
		if err != nil {
			return err
		}
		add(row{What: fmt.Sprintf("years: night %d, nightly batch (%d new)", night, n), Value: m.seconds, Unit: "s",
			Target: "< 15 s", Met: met(m.seconds < 15), PeakMB: m.peakMB})
		add(row{What: fmt.Sprintf("years: night %d, shards", night), Value: float64(shards), Unit: "shards", Target: "<= 12", Met: met(shards <= 12)})

		// The yardstick: the same transcripts in one batch.
		one := filepath.Join(dir, fmt.Sprintf("one-batch-%d", night))
		if err := copyTree(tdir, filepath.Join(one, "transcripts")); err != nil {
			return err
		}
		var oneSum runSummary
		if _, err := measure(ctx, &oneSum, bin, "run", "--project", one, "--no-candidates", "-j", fmt.Sprint(o.workers), "--json"); err != nil {
			return err
		}
		oneShards, oneMB, _, err := projectSizes(ctx, one)
		if err != nil {
			return err
		}
		add(row{What: fmt.Sprintf("years: night %d, index size / text size", night), Value: indexMB / textMB, Unit: "x",
			Yardstick: fmt.Sprintf("one batch (%d shards)", oneShards), YValue: oneMB / textMB, Ratio: indexMB / oneMB})
		for _, k := range kinds {
			qs := queries[k][:min(yearsQueries, len(queries[k]))]
			got, want, err := searchPairs(ctx, bin, full, one, qs)
			if err != nil {
				return err
			}
			med, p95 := percentile(got, 50), percentile(got, 95)
			wmed, wp95 := percentile(want, 50), percentile(want, 95)
			add(row{What: fmt.Sprintf("years: night %d, search %s (median, a process each)", night, k), Value: med, Unit: "ms",
				Yardstick: "one batch", YValue: wmed, Ratio: med / wmed, Target: "<= 1.2x one batch", Met: met(med <= 1.2*wmed)})
			add(row{What: fmt.Sprintf("years: night %d, search %s (95th percentile)", night, k), Value: p95, Unit: "ms",
				Yardstick: "one batch", YValue: wp95, Ratio: p95 / wp95, Target: "<= 1.2x one batch", Met: met(p95 <= 1.2*wp95)})
		}
		os.RemoveAll(one)
	}
	return nil
}

// searchPairs times "alongside search --limit 20" for each query on two
// projects, a process each, as the analyst runs it (wall time, in ms). The
// two take turns, query by query and in alternating order (ABBA), so that
// neither takes the other's cold reads or a busy spell of the machine:
// timed one project after the other, the same layouts differed by 1.3x.
//
// Each query runs once on both, untimed, before it is timed on both. The
// yardstick has just been written, so its files are in the page cache,
// and the years project's were evicted while it was built (on a machine
// that hands idle cache back to its host within seconds, at 30M words).
// Without the untimed run, the rows compared the page cache and not the
// layouts: a rare word at night 180 was 198 ms against 40 ms in one batch.
func searchPairs(ctx context.Context, bin, a, b string, qs []string) (wallA, wallB []float64, err error) {
	for i, q := range qs {
		first, second := a, b
		if i%2 == 1 {
			first, second = b, a
		}
		for _, p := range []string{first, second} {
			if _, _, _, err := searchProcessTimes(ctx, bin, p, []string{q}); err != nil {
				return nil, nil, err
			}
		}
		times := map[string]float64{}
		for _, p := range []string{first, second} {
			wall, _, _, err := searchProcessTimes(ctx, bin, p, []string{q})
			if err != nil {
				return nil, nil, err
			}
			times[p] = wall[0]
		}
		wallA, wallB = append(wallA, times[a]), append(wallB, times[b])
	}
	return wallA, wallB, nil
}

// searchProcessTimes times "alongside search --limit 20" for each query, a
// process each: its wall time and CPU time (user and system, in ms), and
// the largest peak RSS (MB) among them. On a shared
// machine wall time swings with the load and the page cache, CPU time much
// less.
func searchProcessTimes(ctx context.Context, bin, project string, qs []string) (wall, cpu []float64, peakMB float64, err error) {
	for _, q := range qs {
		cmd := exec.CommandContext(ctx, bin, "search", "--project", project, "--limit", "20", q)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return nil, nil, 0, fmt.Errorf("alongside search %s: %v", q, err)
		}
		wall = append(wall, float64(time.Since(start).Microseconds())/1000)
		ps := cmd.ProcessState
		cpu = append(cpu, float64((ps.UserTime()+ps.SystemTime()).Microseconds())/1000)
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			peakMB = max(peakMB, float64(ru.Maxrss)/1024) // KiB on Linux
		}
	}
	return wall, cpu, peakMB, nil
}

// projectSizes returns a project's registered shard count, the size of its
// index folder and of its current transcripts' text, in MB.
func projectSizes(ctx context.Context, project string) (shards int, indexMB, textMB float64, err error) {
	p := stages.Project{Dir: project}
	st, err := p.OpenExistingStore()
	if err != nil {
		return 0, 0, 0, err
	}
	defer st.Close()
	names, err := st.Shards(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	var text sql.NullInt64
	if err := st.DB().QueryRowContext(ctx, `SELECT sum(length(CAST(b.text AS BLOB))) FROM transcripts t JOIN text_blocks b ON b.transcript_id = t.id AND b.version = t.version`).Scan(&text); err != nil {
		return 0, 0, 0, err
	}
	var size int64
	filepath.WalkDir(p.IndexDir(), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	return len(names), float64(size) / 1e6, float64(text.Int64) / 1e6, nil
}

// copyTree copies the files under from to to.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o600)
	})
}
