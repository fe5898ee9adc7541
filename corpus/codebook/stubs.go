package codebook

import (
	"errors"
	"io"
)

// ParseCSV reads a codebook table. (Being written.)
func ParseCSV(name string, data []byte) (*Codebook, error) { return nil, errors.New("not implemented") }

// ParseQDC reads a REFI-QDA codebook. (Being written.)
func ParseQDC(name string, data []byte) (*Codebook, error) { return nil, errors.New("not implemented") }

// WriteQDC writes a REFI-QDA codebook. (Being written.)
func WriteQDC(w io.Writer, cb *Codebook) error { return errors.New("not implemented") }
