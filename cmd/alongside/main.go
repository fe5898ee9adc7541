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
	"syscall"

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
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

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

type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"init", "write a commented alongside.yaml in a new project folder", cmdInit},
		{"run", "run the batch: read, segment and index new or changed transcripts", cmdRun},
		{"status", "show the project's transcripts, skipped files and last batch", cmdStatus},
		{"candidates", "list candidate meaning units: --code, --status, --transcript, --json", cmdCandidates},
		{"confirm", "confirm candidates: alongside confirm ID...", cmdDecide("confirm")},
		{"reject", "reject candidates: alongside reject ID... [--note TEXT]", cmdDecide("reject")},
		{"recode", "re-code a candidate: alongside recode ID --code PATH", cmdDecide("recode")},
		{"span", "widen or narrow a candidate: alongside span ID --sentences 2-4", cmdDecide("span")},
		{"note", "add a note to a candidate: alongside note ID TEXT", cmdDecide("note")},
		{"history", "show who decided what on a candidate, when, under which codebook", cmdHistory},
		{"export", "export candidates: --format csv, xlsx, jsonl or qdpx", cmdExport},
		{"import-decisions", "read decisions back from an exported CSV or XLSX", cmdImportDecisions},
		{"review", "serve the review page on this machine (loopback only)", cmdReview},
		{"codebook", "check the codebook (and what each keyword matches), or export it as .qdc", cmdCodebook},
		{"search", "search the corpus: alongside search '\"walking alongside\"'", cmdSearch},
	}
}

func main() {
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
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stderrTTY: isTerminal(os.Stderr), stdoutTTY: isTerminal(os.Stdout)}
	code := run(ctx, e, os.Args[1:])
	pprof.StopCPUProfile()
	os.Exit(code)
}

// run runs one command line and maps its error to an exit status; it is
// the only place that does.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(ctx, e, []string{args[1], "--help"})
		}
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return exitCode(ctx, e, c.run(ctx, e, args[1:]))
		}
	}
	fmt.Fprintf(e.stderr, "alongside: unknown command %q\n", args[0])
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
		fmt.Fprintf(e.stderr, "alongside: %v\n", err)
		return exitFailure
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Alongside proposes candidate meaning units in interview transcripts.")
	fmt.Fprintln(w, "\nUsage: alongside COMMAND [options]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"alongside COMMAND --help\" for a command's options.")
	fmt.Fprint(w, exitStatusHelp)
}

const exitStatusHelp = `
EXIT STATUS
  0    success
  1    failure (I/O, store or index error; nothing from the failed run was kept)
  2    usage error (a bad option or query)
  3    finished, but some inputs were skipped (see the messages)
  130  interrupted (Ctrl-C or SIGTERM); nothing half-written was kept
`
