package corpus

import "errors"

// parseCaptions reads WebVTT and SRT captions.
func parseCaptions(src source) ([]*Transcript, error) { return nil, errors.New("not implemented") }
