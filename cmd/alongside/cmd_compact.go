package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/alongside-qda/alongside/stages"
)

func cmdCompact(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "compact")
	project := fs.project()
	asJSON := fs.json("print what was merged as one JSON object")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	p := stages.Project{Dir: *project}
	// Open it as a reader would first: compacting a mistyped folder must
	// not create a project there.
	st, err := p.OpenExistingStore()
	if err != nil {
		return err
	}
	st.Close()
	var opts stages.CompactOptions
	if step := os.Getenv("ALONGSIDE_TEST_HOLD_AT"); step != "" {
		opts.AfterStage = holdAt(e, step)
	}
	sum, err := stages.Compact(ctx, p, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(sum)
	}
	if len(sum.Merges) == 0 {
		fmt.Fprintf(e.stdout, "Nothing to merge: %d index shard(s).\n", sum.Shards)
		return nil
	}
	printMerges(e, sum)
	return nil
}

// printMerges says what a compaction merged, a line a merge.
func printMerges(e *env, c *stages.CompactSummary) {
	for _, m := range c.Merges {
		into := m.Into
		if into == "" {
			into = "nothing (every passage was masked)"
		}
		fmt.Fprintf(e.stdout, "Merged %s into %s: %d passages, %d masked left out, %.1f s.\n",
			strings.Join(m.From, ", "), into, m.Docs, m.Dropped, m.Seconds)
	}
	fmt.Fprintf(e.stdout, "%d index shard(s) now.\n", c.Shards)
}
