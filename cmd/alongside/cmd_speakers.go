package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/participants"
)

const speakersHelp = `Lists every speaker of every transcript: label as written, turns, words,
role (interviewer, participant, family, professional), whether the role was
inferred from how they talk (names and machine labels such as "Speaker 1"
say nothing), and the participant ID and attributes the participants sheet
gives them.

With --output FILE.csv or FILE.xlsx it writes the participants sheet: fill in
roles, participant IDs (one ID for the same person across sessions) and
columns of your own (age band, site, wave...), then read it back with
"alongside speakers import FILE". A row's transcript may be a pattern such
as "fg-site-a-*": transcripts added later pick up its rows. Roles, IDs and
attributes apply at once to search (role:participant, participant:P03,
site:Drammen), to codebook speakers: rules and to exports; nothing is
re-indexed.`

const speakersImportHelp = `Reads a participants sheet (CSV or XLSX) that "alongside speakers --output" wrote
and you filled in. Every row is checked (transcript, speaker, role); errors
name the row and column, and nothing is stored unless the whole sheet is
valid. The sheet replaces the one stored before: it is the whole sheet.`

func cmdSpeakers(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "import" {
		return speakersImport(ctx, e, args[1:])
	}
	fs := newFlags(e, "speakers")
	project := fs.project()
	asJSON := fs.json("one JSON object per speaker")
	out := fs.String("output", "", "write the participants sheet to `FILE` (.csv or .xlsx)")
	fs.alias("o", "output")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	st, err := openStore(*project)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Speakers(ctx)
	if err != nil {
		return err
	}
	sheet, err := st.Participants(ctx)
	if err != nil {
		return err
	}
	attrs := store.AttributeNames(sheet)
	if *out != "" {
		var write func(*os.File) error
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".csv":
			write = func(f *os.File) error { return participants.WriteCSV(f, rows, attrs) }
		case ".xlsx":
			write = func(f *os.File) error { return participants.WriteXLSX(f, rows, attrs) }
		default:
			return usageError{msg: fmt.Sprintf("speakers: --output %s: write a .csv or .xlsx file", *out)}
		}
		if err := writeFileAtomic(*out, write); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "alongside: wrote %d speaker(s) to %s\n", len(rows), *out)
		return nil
	}
	if *asJSON {
		return writeJSONLines(e.stdout, rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TRANSCRIPT\tSPEAKER\tTURNS\tWORDS\tROLE\tPARTICIPANT\tATTRIBUTES")
	for _, r := range rows {
		role := r.Role
		if role == "" {
			role = "unknown"
		}
		if r.Inferred {
			role += " (inferred)"
		}
		var kv []string
		for _, a := range attrs {
			if v, ok := r.Attributes[a]; ok {
				kv = append(kv, a+"="+v)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", r.Transcript, r.Label, r.Turns, r.Words, role, r.Participant, strings.Join(kv, " "))
	}
	return tw.Flush()
}

func speakersImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "speakers import")
	project := fs.project()
	dryRun := fs.Bool("dry-run", false, "check the sheet and say what it sets; store nothing")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{msg: "speakers import: give one sheet file (.csv or .xlsx)"}
	}
	st, err := openStore(*project)
	if err != nil {
		return err
	}
	defer st.Close()
	speakers, err := st.Speakers(ctx)
	if err != nil {
		return err
	}
	sheet, err := participants.ReadFile(pos[0], speakers)
	if err != nil {
		var se *participants.SheetError
		if errors.As(err, &se) {
			return fmt.Errorf("speakers import: %w", err)
		}
		return err
	}
	roles, ids := 0, map[string]bool{}
	for _, p := range sheet {
		if p.Role != "" {
			roles++
		}
		if p.Participant != "" {
			ids[p.Participant] = true
		}
	}
	verb := "stored"
	if *dryRun {
		verb = "would store (dry run)"
	} else if err := st.ReplaceParticipants(ctx, sheet); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "alongside: %s the participants sheet: %d row(s), %d with a role, %d participant(s), attributes: %s\n",
		verb, len(sheet), roles, len(ids), strings.Join(orNone(store.AttributeNames(sheet)), ", "))
	return nil
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"none"}
	}
	return s
}
