package corpus

import "errors"

// parseText reads plain text and Markdown transcripts.
func parseText(src source) ([]*Transcript, error) { return nil, errors.New("not implemented") }
