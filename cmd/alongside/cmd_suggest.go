package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/alongside-qda/alongside/stages"
)

const suggestHelp = `Ranks every waiting candidate again and renews the suggestions, without a
batch: after a round of decisions, the queue learns from them at once.
"alongside run" does the same at the end of every batch.

How it works: each passage is scored for each code by how much its words
resemble the code's description, the words of its keywords, its examples
and the candidates already confirmed (BM25, the measure search engines
use), so that 1 is the code's most relevant passage in the corpus. Once a
code has decisions, a model learnt from them (confirmed against rejected
passages, words and word pairs) is blended in, but only as much as it
proves itself on those decisions when each is left out in turn.
Suggestions are the best passages that no keyword matched.`

func cmdSuggest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "suggest")
	project := fs.project()
	max := fs.Int("max", stages.DefaultMaxSuggestions, "at most `N` suggestions waiting per code (0: the default; -1: none)")
	asJSON := fs.json("one JSON object: what was ranked, and each code's learned model")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*project)
	if err != nil {
		return err
	}
	cb, err := loadCodebook(*project, cfg, true)
	if err != nil {
		return err
	}
	if cb == nil {
		return usageError{msg: "suggest: the project has no codebook (codebook: in alongside.yaml)"}
	}
	opts := stages.RankOptions{MaxSuggestions: *max, Progress: stepProgress(e)}
	sum, err := stages.Suggest(ctx, stages.Project{Dir: *project}, cb, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(sum)
	}
	codes := make([]string, 0, len(sum.Codes))
	for c := range sum.Codes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		r := sum.Codes[c]
		fmt.Fprintf(e.stdout, "%s: %d decided (%d confirmed); learned model weight %.2f", c, r.Decisions, r.Confirmed, r.Weight)
		if r.Confirmed > 0 && r.Rejected > 0 {
			fmt.Fprintf(e.stdout, " (left-out precision: model %.2f, description %.2f)", r.LOOModel, r.LOODescription)
		}
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stderr, "alongside: ranked %d candidate(s); %d suggestion(s) waiting, %d withdrawn\n", sum.Ranked, sum.Suggested, sum.Withdrawn)
	return nil
}
