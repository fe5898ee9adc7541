package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"
)

var errHelp = errors.New("help shown")

// flagSet is a command's flags. Its help is the command's one-line
// summary, its usage line, its details, the options (written --name, as in
// the usage line) and the exit statuses; it goes to stdout, since it was
// asked for. Mistakes are usage errors (exit status 2, on stderr).
type flagSet struct {
	*flag.FlagSet
	e     *env
	cmd   *command
	short map[string]string // short name -> long name (-o, --output)
}

// newFlags makes the flag set of the command named name ("run", "codebook
// check"), whose help texts are in the commands table.
func newFlags(e *env, name string) *flagSet {
	c := lookup(name)
	if c == nil {
		panic("alongside: no help for command " + name) // a programming error
	}
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), e: e, cmd: c, short: map[string]string{}}
	fs.SetOutput(io.Discard)
	return fs
}

// help prints the command's help to w.
func (fs *flagSet) help(w io.Writer) {
	printCommandHelp(w, fs.cmd, fs.options)
}

func printCommandHelp(w io.Writer, c *command, options func(io.Writer)) {
	fmt.Fprintf(w, "Usage: alongside %s\n\n%s.\n", c.usage, capitalize(c.summary))
	if c.details != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.details))
	}
	if options != nil {
		options(w)
	}
	fmt.Fprint(w, exitStatusHelp)
}

// options prints the option list, or nothing when the command has none.
func (fs *flagSet) options(w io.Writer) {
	long := map[string]string{} // long name -> short name
	for s, l := range fs.short {
		long[l] = s
	}
	var lines [][2]string
	fs.VisitAll(func(f *flag.Flag) {
		if _, isShort := fs.short[f.Name]; isShort {
			return
		}
		arg, usage := flag.UnquoteUsage(f)
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
			arg = ""
		}
		name := "    --" + f.Name
		if s, ok := long[f.Name]; ok {
			name = "-" + s + ", --" + f.Name
		}
		if arg != "" {
			name += " " + arg
		}
		if d := f.DefValue; d != "" && d != "0" && d != "false" {
			usage += fmt.Sprintf(" (default %s)", d)
		}
		lines = append(lines, [2]string{name, usage})
	})
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "\nOptions:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, l := range lines {
		fmt.Fprintf(tw, "  %s\t%s\n", l[0], l[1])
	}
	tw.Flush()
}

// alias makes -short another name for --long (defined already).
func (fs *flagSet) alias(short, long string) {
	fs.Var(fs.Lookup(long).Value, short, "")
	fs.short[short] = long
}

// The flags several commands share, with their defaults given once.
func (fs *flagSet) project() *string {
	return fs.String("project", ".", "the project folder, `DIR`")
}

func (fs *flagSet) reviewer() *string {
	return fs.String("reviewer", "", "your `NAME`, recorded with each decision (default: reviewer: in alongside.yaml)")
}

func (fs *flagSet) json(what string) *bool {
	return fs.Bool("json", false, what)
}

// given says whether the flag was set on the command line.
func (fs *flagSet) given(name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// flagName matches a flag as the flag package names it in its errors
// ("-bogus"), to be written as the help writes it ("--bogus").
var flagName = regexp.MustCompile(`(^|[ :])-([A-Za-z][A-Za-z0-9-]+)`)

// parse parses args, allowing flags after positional arguments
// ("search "walking alongside" --limit 5"), and returns the positionals.
func parse(fs *flagSet, args []string) ([]string, error) {
	// The flag package would print the help on every error: print it here,
	// once, and only when asked for.
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.help(fs.e.stdout)
				return nil, errHelp
			}
			msg := flagName.ReplaceAllString(err.Error(), "$1--$2")
			return nil, usageError{msg: fmt.Sprintf("%s: %s", fs.Name(), msg)}
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

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parseNone parses the flags of a command that takes no arguments: a stray
// word is a usage error, never silently ignored.
func parseNone(fs *flagSet, args []string) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{msg: fmt.Sprintf("%s: unexpected argument %q", fs.Name(), pos[0])}
	}
	return nil
}
