package main

import (
	"context"
	"errors"
)

// cmdReview serves the review page. (Being written.)
func cmdReview(ctx context.Context, e *env, args []string) error {
	return errors.New("review: not implemented yet")
}
