package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"io/fs"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/*.txtar")

// TestMain makes the test binary the alongside command when the scripts
// run it: main itself, with its umask, signals, streams and os.Exit.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"alongside": main})
}

// TestScripts runs the scenarios in testdata/*.txtar. Besides testscript's
// own commands they may use:
//
//	exitcode N PROG [ARGS...]  run PROG and require exit status N
//	jsonout KEY=VALUE...       stdout is one JSON object with these values;
//	                           KEY is a dotted path, KEY.len an array's length
//	private DIR                files under DIR are 0600, folders 0700
//	busyport VAR               listen on a loopback port until the script
//	                           ends, and set VAR to its HOST:PORT
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"jsonout":  cmdJSONOut,
			"private":  cmdPrivate,
			"busyport": cmdBusyPort,
		},
	})
}

func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

func cmdJSONOut(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: jsonout KEY=VALUE...")
	}
	out := ts.ReadFile("stdout")
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		ts.Fatalf("stdout is not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		ts.Fatalf("stdout holds more than one JSON value")
	}
	if !strings.HasSuffix(out, "}\n") || strings.Count(out, "\n") != 1 {
		ts.Fatalf("stdout is not one line of JSON")
	}
	for _, arg := range args {
		key, want, ok := strings.Cut(arg, "=")
		if !ok {
			ts.Fatalf("jsonout: %q is not KEY=VALUE", arg)
		}
		var v any = obj
		for _, part := range strings.Split(key, ".") {
			switch x := v.(type) {
			case map[string]any:
				var ok bool
				if v, ok = x[part]; !ok {
					ts.Fatalf("jsonout: no %q in the JSON", key)
				}
			case []any:
				if part != "len" {
					ts.Fatalf("jsonout: %q: an array has only a length (len)", key)
				}
				v = json.Number(strconv.Itoa(len(x)))
			default:
				ts.Fatalf("jsonout: %q: %v has no %q", key, v, part)
			}
		}
		got, err := json.Marshal(v)
		if err != nil {
			ts.Fatalf("jsonout: %v", err)
		}
		if !bytes.Equal(got, []byte(want)) {
			ts.Fatalf("jsonout: %s is %s, want %s", key, got, want)
		}
	}
}

func cmdPrivate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: private DIR")
	}
	n := 0
	err := filepath.WalkDir(ts.MkAbs(args[0]), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if got := info.Mode().Perm(); got != want {
			ts.Fatalf("%s has mode %o, want %o", path, got, want)
		}
		n++
		return nil
	})
	if err != nil {
		ts.Fatalf("private: %v", err)
	}
	if n < 2 {
		ts.Fatalf("private: %s holds nothing", args[0])
	}
}

func cmdBusyPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: busyport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.Fatalf("busyport: %v", err)
	}
	ts.Defer(func() { ln.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}
