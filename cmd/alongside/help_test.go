package main

import (
	"bytes"
	"context"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
)

var (
	usageFlag  = regexp.MustCompile(`--([a-z][a-z-]*)(?: ([A-Z][A-Z:-]*))?`)
	optionLine = regexp.MustCompile(`^  (?:-([a-z]), |    )--([a-z][a-z-]*)(?: (\S+))?  `)
)

// Every command's help, asked for, goes to stdout with status 0 and holds
// a usage line, a one-line description, and an option list (when there are
// options) naming exactly the flags of the usage line, with the same
// placeholders: the two are written by hand, and this keeps them honest.
func TestHelpMatchesFlags(t *testing.T) {
	var names []string
	for _, c := range append(append([]command{}, commands...), subcommands...) {
		names = append(names, c.name)
	}
	for _, name := range names {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
			args := append(strings.Fields(name), "--help")
			if code := run(context.Background(), e, args); code != exitOK {
				t.Fatalf("exit status %d, want 0; stderr: %s", code, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("help wrote to stderr: %q", stderr.String())
			}
			lines := strings.Split(stdout.String(), "\n")
			if !strings.HasPrefix(lines[0], "Usage: alongside "+name) {
				t.Fatalf("first line %q, want the usage line", lines[0])
			}
			if lines[1] != "" || lines[2] == "" || !strings.HasSuffix(lines[2], ".") || lines[3] != "" {
				t.Errorf("want a blank line, a one-line description and a blank line after the usage line; got %q", lines[1:4])
			}
			inUsage := map[string]string{}
			for _, m := range usageFlag.FindAllStringSubmatch(lines[0], -1) {
				inUsage[m[1]] = m[2]
			}
			inOptions := map[string]string{}
			options := false
			for _, l := range lines {
				if l == "Options:" {
					options = true
					continue
				}
				if options && l == "" {
					break
				}
				if options {
					m := optionLine.FindStringSubmatch(l)
					if m == nil {
						t.Errorf("option line %q is not written \"  [-x, ]--name [ARG]  text\"", l)
						continue
					}
					inOptions[m[2]] = m[3]
				}
			}
			if strings.Contains(stdout.String(), "Options:\n\n") || strings.HasSuffix(stdout.String(), "Options:\n") {
				t.Errorf("an empty option list")
			}
			if name == "codebook" {
				return // the parent of check and export: no options of its own
			}
			if got, want := keys(inOptions), keys(inUsage); got != want {
				t.Errorf("options list %s, usage line %s", got, want)
			}
			for f, arg := range inUsage {
				if inOptions[f] != arg {
					t.Errorf("--%s: %q in the usage line, %q in the options", f, arg, inOptions[f])
				}
			}
		})
	}
}

func keys(m map[string]string) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// Only the flags that apply: a note has no --code, init no options.
func TestHelpOffersOnlyWhatApplies(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		without string
	}{
		{[]string{"note", "--help"}, "--code"},
		{[]string{"note", "--help"}, "--sentences"},
		{[]string{"note", "--help"}, "--note"},
		{[]string{"confirm", "--help"}, "--code"},
		{[]string{"recode", "--help"}, "--sentences"},
		{[]string{"init", "--help"}, "Options:"},
		{[]string{"version", "--help"}, "Options:"},
	} {
		var stdout bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &bytes.Buffer{}}
		run(context.Background(), e, tc.args)
		if strings.Contains(stdout.String(), tc.without) {
			t.Errorf("%s: the help offers %s:\n%s", strings.Join(tc.args, " "), tc.without, stdout.String())
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"installed at a version", &debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"}}, "v0.3.1"},
		{"built in a checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "72bfcb9"}, {Key: "vcs.time", Value: "2025-05-01T10:00:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			"(devel) 72bfcb9 2025-05-01T10:00:00Z"},
		{"with local changes", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "72bfcb9"}, {Key: "vcs.modified", Value: "true"}}},
			"(devel) 72bfcb9 with local changes"},
		{"a test binary", &debug.BuildInfo{}, "(devel)"},
	} {
		if got := version(tc.bi); got != tc.want {
			t.Errorf("%s: version %q, want %q", tc.name, got, tc.want)
		}
	}
}
