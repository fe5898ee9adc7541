package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/alongside-qda/alongside/corpus/codebook"
	"github.com/alongside-qda/alongside/index"
	"github.com/alongside-qda/alongside/stages"
	"github.com/alongside-qda/alongside/stages/search"
)

const codebookHelp = `Subcommands:
  codebook check    check every code and keyword of the codebook, and show what each keyword matches
  codebook export   write the codebook as a REFI-QDA codebook (.qdc) for other QDA tools
  codebook report   per code: what it proposed and what was decided, each keyword's precision,
                    the learned model against the description score, and what is new

Run "alongside codebook check --help" (or export, report) for their options.`

func cmdCodebook(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError{msg: "codebook: give a subcommand: check, export or report"}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		printCommandHelp(e.stdout, lookup("codebook"), nil)
		return errHelp
	}
	switch args[0] {
	case "check":
		return codebookCheck(ctx, e, args[1:])
	case "export":
		return codebookExport(ctx, e, args[1:])
	case "report":
		return codebookReport(ctx, e, args[1:])
	}
	return usageError{msg: fmt.Sprintf("codebook: unknown subcommand %q (use check, export or report)", args[0])}
}

// keywordReport is one line of "codebook check".
type keywordReport struct {
	Code     string   `json:"code"`
	Kind     string   `json:"kind"` // keyword | exclude
	Rule     string   `json:"rule"`
	Line     int      `json:"line"`
	Passages int      `json:"passages"`
	Samples  []string `json:"samples"`
}

func codebookCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "codebook check")
	project := fs.project()
	file := fs.String("codebook", "", "codebook `FILE` (default: codebook: in alongside.yaml)")
	asJSON := fs.json("one JSON object per keyword")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	cb, err := codebookOf(*project, *file)
	var problems codebook.Errors
	if errors.As(err, &problems) {
		return fmt.Errorf("%w\n%s: %d problems", err, problems[0].File, len(problems))
	}
	if err != nil {
		return err
	}
	codes := cb.All()
	fmt.Fprintf(e.stderr, "alongside: %s: %d codes, valid (version %s)\n", cb.Source, len(codes), cb.Version())
	p := stages.Project{Dir: *project}
	if _, err := os.Stat(p.StorePath()); err != nil {
		fmt.Fprintln(e.stderr, "alongside: the project has no index yet; run \"alongside run\" to see what each keyword matches")
		return nil
	}
	s, err := search.Open(ctx, p)
	if err != nil {
		return err
	}
	defer s.Close()
	enc := json.NewEncoder(e.stdout)
	for _, c := range codes {
		for _, kind := range []string{"keyword", "exclude"} {
			rules := c.Keywords
			if kind == "exclude" {
				rules = c.Exclude
			}
			for i, r := range rules {
				// The rule as the run applies it: with the code's speakers
				// (by default everyone but the interviewer) and, for a
				// keyword, its exclusions.
				n, err := index.Parse(r.Query)
				if err != nil {
					return err
				}
				filters, err := stages.CodeFilters(c)
				if err != nil {
					return err
				}
				if kind == "exclude" {
					filters = nil
					if f := stages.SpeakerFilter(c); f != nil {
						filters = []index.Node{f}
					}
				}
				hits, total, err := s.SearchNode(ctx, index.And{Nodes: append([]index.Node{n}, filters...)}, 2, 0)
				if err != nil {
					return err
				}
				if len(c.Speakers) > 0 {
					printWarnings(e, s.Warnings)
				}
				rep := keywordReport{Code: c.Path, Kind: kind, Rule: r.Query, Line: r.Line, Passages: total, Samples: []string{}}
				for _, h := range hits {
					rep.Samples = append(rep.Samples, fmt.Sprintf("%s %s: %s", h.Transcript, h.Speaker, mark(h, false)))
				}
				if *asJSON {
					if err := enc.Encode(rep); err != nil {
						return err
					}
					continue
				}
				warn := ""
				if total == 0 {
					warn = "  <- matches nothing"
				}
				for _, w := range index.Warnings(r.Query) {
					fmt.Fprintf(e.stderr, "alongside: warning: %s:%d: code %q: %s %d: %s\n", cb.Source, r.Line, c.Name, kind, i+1, w)
				}
				fmt.Fprintf(e.stdout, "%s:%d  %s  %s %s: %d passage(s)%s\n", cb.Source, r.Line, c.Path, kind, r.Query, total, warn)
				for _, smp := range rep.Samples {
					fmt.Fprintf(e.stdout, "    %s\n", truncate(smp, 160))
				}
			}
		}
	}
	return nil
}

func codebookExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "codebook export")
	project := fs.project()
	file := fs.String("codebook", "", "codebook `FILE` (default: codebook: in alongside.yaml)")
	out := fs.String("output", "", "write the REFI-QDA codebook to `FILE` (.qdc)")
	fs.alias("o", "output")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{msg: "codebook export: give the output file: --output FILE.qdc"}
	}
	cb, err := codebookOf(*project, *file)
	if err != nil {
		return err
	}
	return writeFileAtomic(*out, func(f *os.File) error { return codebook.WriteQDC(f, cb) })
}

// codebookOf reads the codebook named by file, or else by the project's
// alongside.yaml; it must exist.
func codebookOf(project, file string) (*codebook.Codebook, error) {
	cfg, err := loadConfig(project)
	if err != nil {
		return nil, err
	}
	if file != "" {
		// A path typed on the command line is from where the analyst is;
		// one in alongside.yaml is from the project folder.
		if cfg.Codebook, err = filepath.Abs(file); err != nil {
			return nil, err
		}
	}
	return loadCodebook(project, cfg, true)
}

func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}
