package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

func cmdInit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "init")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{msg: "init: give the project folder: alongside init DIR"}
	}
	dir := pos[0]
	if err := os.MkdirAll(filepath.Join(dir, defaultConfig().Transcripts[0]), 0o700); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	path := filepath.Join(dir, configName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("init: %s already exists; leaving it as it is", path)
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := f.WriteString(configTemplate()); err != nil {
		f.Close()
		return fmt.Errorf("init: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("init: writing %s: %w", path, err)
	}
	fmt.Fprintf(e.stderr, "Created %s. Put transcripts in %s and run: alongside run --project %s\n", path, filepath.Join(dir, defaultConfig().Transcripts[0]), dir)
	return nil
}
