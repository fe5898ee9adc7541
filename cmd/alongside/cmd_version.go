package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintf(e.stdout, "alongside %s\n", version(bi))
	return nil
}

// version says which build this is: the module version "go install
// module@version" recorded, or "(devel)" and, when the binary was built
// from a git checkout, its revision, time and whether it had local changes.
func version(bi *debug.BuildInfo) string {
	if bi == nil {
		return "(unknown: built without module information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " with local changes"
			}
		}
	}
	if rev != "" {
		v += " " + rev
		if at != "" {
			v += " " + at
		}
		v += modified
	}
	return v
}
