package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/alongside-qda/alongside/corpus/store"
)

// resolveFilter writes the --transcript and --code values of a candidate
// filter as the project writes them: case never matters in what the
// analyst types (as in the query language), but the store compares IDs
// and paths exactly. A transcript the project does not hold is said on
// stderr (a typo would otherwise look like "no candidates").
func resolveFilter(ctx context.Context, e *env, st *store.Store, f *store.CandidateFilter) error {
	if f.Transcript != "" {
		ts, err := st.Transcripts(ctx)
		if err != nil {
			return err
		}
		ids := make([]string, len(ts))
		for i, t := range ts {
			ids[i] = t.ID
		}
		id, ok, err := resolveCase("--transcript", f.Transcript, ids)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintf(e.stderr, "alongside: no transcript %q in the project (alongside status lists them)\n", f.Transcript)
		}
		f.Transcript = id
	}
	if f.Code != "" {
		states, err := st.CodeStates(ctx)
		if err != nil {
			return err
		}
		paths := make([]string, 0, len(states))
		for p := range states {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		path, _, err := resolveCase("--code", strings.Trim(f.Code, "/"), paths)
		if err != nil {
			return err
		}
		f.Code = path
	}
	return nil
}

// resolveCase returns the one of names that value names, case aside, and
// whether there is one: value itself when it is one of names, else the one
// name equal to it but for case. Names differing only in case from each
// other, none written as value, are a usage error listing them.
func resolveCase(flag, value string, names []string) (string, bool, error) {
	var folded []string
	for _, n := range names {
		if n == value {
			return n, true, nil
		}
		if strings.EqualFold(n, value) {
			folded = append(folded, n)
		}
	}
	switch len(folded) {
	case 0:
		return value, false, nil
	case 1:
		return folded[0], true, nil
	}
	return "", false, usageError{msg: fmt.Sprintf("%s %q: %s differ only in case; give one as written", flag, value, strings.Join(folded, ", "))}
}
