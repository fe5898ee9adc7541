package main

import (
	"context"
	"errors"
)

// cmdExport writes candidates for review or for other QDA tools. (Being written.)
func cmdExport(ctx context.Context, e *env, args []string) error {
	return errors.New("export: not implemented yet")
}

// cmdImportDecisions reads decisions back from an exported file. (Being written.)
func cmdImportDecisions(ctx context.Context, e *env, args []string) error {
	return errors.New("import-decisions: not implemented yet")
}
