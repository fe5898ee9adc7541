// Command alongside is the one binary of Alongside: the nightly batch,
// search, codebook, candidates and review. Run "alongside help".
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/alongside-qda/alongside/cmd/alongside/internal/nogc"
	"github.com/alongside-qda/alongside/stages"
)

// Exit statuses, as every command's help lists them.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitSkipped     = 3
	exitInterrupted = 130
)

// env is what a command gets from the process: streams are injected so
// tests can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stderrTTY says whether stderr is a terminal (progress bars).
	stderrTTY bool
	stdoutTTY bool
	// exits says the process ends with the command (the binary, not a
	// test running commands in turn): what it opened read-only may be
	// left for the OS to drop at exit.
	exits bool
}

// usageError is a mistake on the command line: exit status 2. The
// command's usage line follows the message unless noHint.
type usageError struct {
	msg    string
	noHint bool
}

func (e usageError) Error() string { return e.msg }

// skippedError means the command finished but skipped some inputs: exit 3.
type skippedError struct {
	n   int
	msg string // what was skipped, when not inputs of a batch
}

func (e skippedError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return fmt.Sprintf("finished, %d input(s) skipped", e.n)
}

// command is one subcommand: its help texts and what it runs. The usage
// line writes every flag as --name, as the option list does (a test checks
// that the two agree).
type command struct {
	name    string // "run", "codebook check"
	summary string // one line, lower case, no full stop
	usage   string // after "alongside "
	details string // more help, when the options do not say it all
	run     func(ctx context.Context, e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{name: "init", summary: "write a commented alongside.yaml in a new project folder", usage: "init DIR", run: cmdInit},
		{name: "run", summary: "run the batch: read, segment and index new or changed transcripts, then match the codebook",
			usage: "run [--project DIR] [--transcripts PATH]... [--codebook FILE] [--jobs N] [--prune] [--no-candidates] [--suggest | --no-suggest] [--json]", run: cmdRun},
		{name: "compact", summary: "merge the index's shards now, without time limit, dropping the old versions of edited transcripts",
			usage: "compact [--project DIR] [--json]", details: compactHelp, run: cmdCompact},
		{name: "status", summary: "show the project's transcripts, skipped files and last batch", usage: "status [--project DIR] [--json]", run: cmdStatus},
		{name: "search", summary: "search the corpus", usage: searchUsage, details: searchHelp, run: cmdSearch},
		{name: "candidates", summary: "list candidate meaning units",
			usage: "candidates [--project DIR] [--code PATH] [--status STATUS] [--transcript ID] [--batch N] [--recommended] [--blind] [--reviewer NAME] [--json]", run: cmdCandidates},
		{name: "suggest", summary: "rank the queue again from the decisions so far, and renew the suggestions",
			usage: "suggest [--project DIR] [--max N] [--json]", details: suggestHelp, run: cmdSuggest},
		{name: "confirm", summary: "confirm candidates", usage: "confirm [--project DIR] [--reviewer NAME | --consensus] [--note TEXT] ID...", run: cmdDecide("confirm")},
		{name: "reject", summary: "reject candidates", usage: "reject [--project DIR] [--reviewer NAME | --consensus] [--note TEXT] ID...", run: cmdDecide("reject")},
		{name: "recode", summary: "give a candidate another code (a new candidate takes its place)",
			usage: "recode [--project DIR] [--reviewer NAME | --consensus] [--note TEXT] --code PATH ID", run: cmdDecide("recode")},
		{name: "span", summary: "widen or narrow a candidate to other sentences of its turn",
			usage: "span [--project DIR] [--reviewer NAME] [--note TEXT] --sentences FIRST-LAST ID", run: cmdDecide("span")},
		{name: "note", summary: "add a note to a candidate", usage: "note [--project DIR] [--reviewer NAME] ID TEXT", run: cmdDecide("note")},
		{name: "history", summary: "show who decided what on a candidate, when, under which codebook", usage: "history [--project DIR] [--json] ID", run: cmdHistory},
		{name: "export", summary: "export candidates for a spreadsheet (csv, xlsx), as data (jsonl) or for other QDA tools (qdpx)",
			usage:   "export [--format FORMAT] [--project DIR] [--status STATUS] [--code PATH] [--transcript ID] [--since BATCH] [--blind] [--reviewer NAME] --output FILE",
			details: exportHelp + "\n\n" + qdpxHelp, run: cmdExport},
		{name: "import-decisions", summary: "record the decisions written in an exported CSV or XLSX sheet",
			usage: "import-decisions [--project DIR] [--reviewer NAME | --consensus] [--dry-run] [--apply-stale] FILE", details: importHelp, run: cmdImportDecisions},
		{name: "review", summary: "serve the review page on this machine (loopback only)",
			usage: "review [--project DIR] [--addr HOST:PORT] [--reviewer NAME] [--blind] [--allow-remote]", run: cmdReview},
		{name: "agreement", summary: "agreement between coders: percent, kappa and alpha per code",
			usage: "agreement [--project DIR] [--reviewers NAMES] [--code PATH] [--batch N] [--since DATE] [--json] [--output FILE]", details: agreementHelp, run: cmdAgreement},
		{name: "disagreements", summary: "the candidates coders decided differently, as a sheet for the consensus",
			usage: "disagreements [--project DIR] [--reviewers NAMES] [--code PATH] [--batch N] [--since DATE] [--output FILE]", details: disagreementsHelp, run: cmdDisagreements},
		{name: "speakers", summary: "list every speaker with their role; write or import the participants sheet",
			usage: "speakers [--project DIR] [--json] [--output FILE]", details: speakersHelp + "\n\nImport: alongside speakers import [--project DIR] [--dry-run] FILE", run: cmdSpeakers},
		{name: "codebook", summary: "check the codebook and what each keyword matches, export it as a REFI-QDA .qdc, or report how each code does",
			usage: "codebook check|export|report [options]", details: codebookHelp, run: cmdCodebook},
		{name: "version", summary: "print the version of this binary", usage: "version", run: cmdVersion},
	}
}

// subcommands are the codebook's: listed in its help, not in the main one.
var subcommands = []command{
	{name: "speakers import", summary: "read the participants sheet back: roles, participant IDs, attributes",
		usage: "speakers import [--project DIR] [--dry-run] FILE", details: speakersImportHelp},
	{name: "codebook check", summary: "check every code and keyword of the codebook, and show what each keyword matches",
		usage: "codebook check [--project DIR] [--codebook FILE] [--json]"},
	{name: "codebook export", summary: "write the codebook as a REFI-QDA codebook (.qdc) for other QDA tools",
		usage: "codebook export [--project DIR] [--codebook FILE] --output FILE"},
	{name: "codebook report", summary: "per code: what it proposed and what was decided, the precision of each keyword, the learned model against the description score, and what is new since a batch or date",
		usage: "codebook report [--project DIR] [--codebook FILE] [--since BATCH | --since-date DATE] [--json] [--output FILE]", details: codebookReportHelp},
}

// lookup returns the command named name, or nil.
func lookup(name string) *command {
	for _, list := range [][]command{commands, subcommands} {
		for i := range list {
			if list[i].name == name {
				return &list[i]
			}
		}
	}
	return nil
}

func main() {
	nogc.Restore()
	// Project files are health data: nothing we create is readable by others.
	syscall.Umask(0o077)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := os.Getenv("ALONGSIDE_CPUPROFILE"); path != "" {
		// For performance reports: a CPU profile of this command, for pprof.
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	boundHeap()
	if path := os.Getenv("ALONGSIDE_MEMPROFILE"); path != "" {
		defer watchHeap(path)()
	}
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stderrTTY: isTerminal(os.Stderr), stdoutTTY: isTerminal(os.Stdout), exits: true}
	code := run(ctx, e, os.Args[1:])
	pprof.StopCPUProfile()
	os.Exit(code)
}

// run runs one command line and maps its error to an exit status; it is
// the only place that does.
//
// Help that was asked for goes to stdout with status 0; help after a
// mistake (no command, an unknown one) goes to stderr with status 2.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "--help":
		if len(args) > 1 {
			return run(ctx, e, append(args[1:], "--help"))
		}
		usage(e.stdout)
		return exitOK
	case "--version", "-version":
		args[0] = "version"
	}
	if c := lookup(args[0]); c != nil && c.run != nil {
		err := c.run(ctx, e, args[1:])
		var ue usageError
		if errors.As(err, &ue) && !ue.noHint {
			defer fmt.Fprintf(e.stderr, "Usage: alongside %s\nRun \"alongside %s --help\" for more.\n", c.usage, c.name)
		}
		return exitCode(ctx, e, err)
	}
	fmt.Fprintf(e.stderr, "alongside: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return exitUsage
}

func exitCode(ctx context.Context, e *env, err error) int {
	if err == nil {
		return exitOK
	}
	var ue usageError
	var se skippedError
	switch {
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "alongside: %v\n", err)
		return exitUsage
	case errors.As(err, &se):
		fmt.Fprintf(e.stderr, "alongside: %v\n", err)
		return exitSkipped
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		fmt.Fprintln(e.stderr, "alongside: interrupted (a batch keeps nothing half-written; decisions already recorded stay)")
		return exitInterrupted
	case errors.Is(err, stages.ErrBusy):
		fmt.Fprintf(e.stderr, "alongside: %v\n", err)
		return exitFailure
	default:
		// Several problems (a codebook's) are one a line, each prefixed.
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(e.stderr, "alongside: %s\n", line)
		}
		return exitFailure
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Alongside proposes candidate meaning units in interview transcripts.")
	fmt.Fprintln(w, "\nUsage: alongside COMMAND [options]\n\nCommands:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands {
		if c.name == "version" {
			continue // alongside --version, below
		}
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nRun \"alongside COMMAND --help\" for a command's options, \"alongside --version\" for the version.")
	fmt.Fprint(w, exitStatusHelp)
}

const compactHelp = `Each batch adds index shards; the end of "alongside run" merges them a few at
a time (within compact_seconds: in alongside.yaml), so searches stay fast for
years. This runs the merges that are due now, however long they take. It
waits for no batch: while one runs, it stops with "another batch is
running". Searches and the review page keep working while it merges.`

const exitStatusHelp = `
EXIT STATUS
  0    success
  1    failure (I/O, store or index error; nothing from the failed run was kept)
  2    usage error (a bad option or query)
  3    finished, but some inputs were skipped (see the messages)
  130  interrupted (Ctrl-C or SIGTERM); nothing half-written was kept
`
