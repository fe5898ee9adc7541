package corpus

import "errors"

// parseDOCX reads Word documents.
func parseDOCX(src source) ([]*Transcript, error) { return nil, errors.New("not implemented") }
