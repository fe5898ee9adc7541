package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/alongside-qda/alongside/corpus"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/search"
)

const searchUsage = "search [--project DIR] [--speaker NAME] [--transcript ID] [--limit N] [--context N] [--count] [--json] QUERY"

const searchHelp = `Query language (case never matters; operators are upper case):
  flexible              the word in any inflection (flexible, flexibly, flexibility)
  "walking alongside"   the phrase, each word in any inflection (walked alongside)
  =walking ="a b"       exact word forms, no stemming
  walk*                 words starting with walk
  "walk alongside"~3    the words in any order, at most 3 other words between
  a AND b, a OR b, NOT a, ( )   a space between terms means AND
  speaker:client transcript:fg-03   filters (a trailing * matches by prefix)
Phrases and ~N hold inside one sentence; AND holds inside one passage (up to
five sentences of one speaker's turn).`

func cmdSearch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "search")
	project := fs.project()
	speaker := fs.String("speaker", "", "only this speaker's turns (`NAME`; case never matters)")
	transcript := fs.String("transcript", "", "only this transcript (`ID`; case never matters, a trailing * matches by prefix)")
	limit := fs.Int("limit", 20, "at most `N` hits; 0 for all")
	contextN := fs.Int("context", 1, "`N` sentences of context before and after")
	count := fs.Bool("count", false, "print hits per transcript and per speaker")
	asJSON := fs.json("one JSON object per hit")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError{msg: "search: give a query, for example: alongside search '\"walking alongside\"'"}
	}
	if *limit < 0 || *contextN < 0 {
		return usageError{msg: "search: --limit and --context take a number of 0 or more"}
	}
	opts := search.Options{Query: strings.Join(pos, " "), Speaker: *speaker, Transcript: *transcript, Limit: *limit, Context: *contextN}
	if _, err := search.BuildQuery(opts); err != nil {
		return queryErr(err)
	}
	for _, w := range index.Warnings(opts.Query) {
		fmt.Fprintf(e.stderr, "alongside: warning: %s\n", w)
	}
	if *limit > 0 && !*count && os.Getenv("GOGC") == "" {
		// A search that shows a few hits lives a fraction of a second and
		// keeps little: collecting its garbage cost 10-30% of its CPU time
		// (30M words). The soft heap limit (boundHeap) still collects when
		// the heap grows.
		debug.SetGCPercent(-1)
	}
	s, err := search.Open(ctx, stages.Project{Dir: *project})
	if err != nil {
		return err
	}
	if e.exits {
		// The process ends with the search: unmapping the shards' segments
		// one by one took 2 ms of every search (30M words, ten shards),
		// and the OS drops them at exit. The index is open read-only.
		defer s.Store.Close()
	} else {
		defer s.Close()
	}
	if *count {
		total, byT, byS, err := s.Count(ctx, opts)
		if err != nil {
			return queryErr(err)
		}
		printWarnings(e, s.Warnings)
		return printCounts(e, total, byT, byS, *asJSON)
	}
	render := func(b []byte, h search.Hit) ([]byte, error) {
		text := bytes.NewBuffer(b)
		printHit(text, h, e.stdoutTTY)
		return text.Bytes(), nil
	}
	if *asJSON {
		render = func(b []byte, h search.Hit) ([]byte, error) {
			j, err := json.Marshal(h)
			return append(append(b, j...), '\n'), err
		}
	}
	if *limit == 0 { // every hit, as it is resolved
		out := bufio.NewWriter(e.stdout)
		total, err := s.All(ctx, opts, render, out)
		if err == nil {
			err = out.Flush()
		}
		if err != nil {
			return queryErr(err)
		}
		printWarnings(e, s.Warnings)
		if !*asJSON {
			fmt.Fprintf(e.stderr, "alongside: %d hit(s)\n", total)
		}
		return nil
	}
	hits, total, err := s.Search(ctx, opts)
	if err != nil {
		return queryErr(err)
	}
	printWarnings(e, s.Warnings)
	var b []byte
	for _, h := range hits {
		if b, err = render(b[:0], h); err != nil {
			return err
		}
		if _, err := e.stdout.Write(b); err != nil {
			return err
		}
	}
	if *asJSON {
		return nil
	}
	if total > len(hits) {
		fmt.Fprintf(e.stderr, "alongside: showing %d of %d hits (--limit 0 for all)\n", len(hits), total)
	} else {
		fmt.Fprintf(e.stderr, "alongside: %d hit(s)\n", total)
	}
	return nil
}

// queryErr makes a malformed query a usage error (exit status 2).
func queryErr(err error) error {
	var qe *index.QueryError
	if errors.As(err, &qe) {
		return usageError{msg: qe.Error(), noHint: true}
	}
	return err
}

func printHit(w io.Writer, h search.Hit, color bool) {
	when := ""
	if h.Time != nil {
		t := int(*h.Time)
		when = fmt.Sprintf(" %02d:%02d:%02d", t/3600, t/60%60, t%60)
	}
	fmt.Fprintf(w, "%s  %s%s%s  [%d-%d]\n", h.Transcript, corpus.SpeakerLabel(h.Speaker), who(h), when, h.Start, h.End)
	var b strings.Builder
	if h.Before != "" {
		b.WriteString(h.Before + " ")
	}
	b.WriteString(mark(h, color))
	if h.After != "" {
		b.WriteString(" " + h.After)
	}
	fmt.Fprintf(w, "  %s\n\n", strings.ReplaceAll(b.String(), "\n", " "))
}

// printWarnings prints the filters that named no one.
func printWarnings(e *env, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "alongside: warning: %s\n", w)
	}
}

// who says what the speaker is: " (participant, P03)".
func who(h search.Hit) string {
	var parts []string
	if h.Role != "" {
		parts = append(parts, h.Role)
	}
	if h.Participant != "" {
		parts = append(parts, h.Participant)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// mark returns the passage's sentences that hold matches (all of them when
// none does) with the matched words marked: bold colour on a terminal,
// [brackets] otherwise. Sentences left out are marked with corpus.Gap, so
// that the text around them is never read as continuous speech.
func mark(h search.Hit, color bool) string {
	open, close := "[", "]"
	if color {
		open, close = "\x1b[1;31m", "\x1b[0m"
	}
	var parts []string
	skipped := false
	for _, s := range h.Sentences {
		var ms []search.Span
		for _, m := range h.Matches {
			if m.Start >= s.Start && m.End <= s.End {
				ms = append(ms, m)
			}
		}
		if len(ms) == 0 {
			skipped = true
			continue
		}
		if skipped {
			parts = append(parts, corpus.Gap)
			skipped = false
		}
		rs := []rune(s.Text)
		var b strings.Builder
		at := 0
		for _, m := range ms {
			a, z := m.Start-s.Start, m.End-s.Start
			if a < at {
				continue
			}
			b.WriteString(string(rs[at:a]) + open + string(rs[a:z]) + close)
			at = z
		}
		b.WriteString(string(rs[at:]))
		parts = append(parts, b.String())
	}
	if len(parts) == 0 {
		return h.Text
	}
	if skipped {
		parts = append(parts, corpus.Gap)
	}
	return strings.Join(parts, " ")
}

func printCounts(e *env, total int, byT, byS map[string]int, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(map[string]any{"total": total, "transcripts": byT, "speakers": byS})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, section := range []struct {
		title string
		m     map[string]int
	}{{"TRANSCRIPT", byT}, {"SPEAKER", byS}} {
		fmt.Fprintf(tw, "%s\tHITS\n", section.title)
		keys := make([]string, 0, len(section.m))
		for k := range section.m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if section.m[keys[i]] != section.m[keys[j]] {
				return section.m[keys[i]] > section.m[keys[j]]
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%d\n", k, section.m[k])
		}
		fmt.Fprintln(tw, "\t")
	}
	fmt.Fprintf(tw, "TOTAL\t%d\n", total)
	return tw.Flush()
}
