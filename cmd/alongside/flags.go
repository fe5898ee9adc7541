package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"os"

	"golang.org/x/term"
)

var errHelp = errors.New("help shown")

// newFlags makes a flag set whose errors are usage errors and whose help
// ends with the exit statuses.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := e.stdout
		fmt.Fprintf(w, "Usage: alongside %s\n\nOptions:\n", synopsis)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		fmt.Fprint(w, exitStatusHelp)
	}
	return fs
}

// parse parses args, allowing flags after positional arguments
// ("search "walking alongside" --limit 5"), and returns the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	// The flag package calls Usage on every error, which would print the
	// help to stdout after a mistake (and twice for --help): print it here,
	// once, and only when asked for.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, errHelp
			}
			return nil, usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// listFlag is a flag that may be repeated.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
