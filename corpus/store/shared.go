package store

// shared keeps one copy of each string that recurs across the rows of one
// read (codes, transcripts, versions, speakers): large reads held a copy
// per row.
type shared map[string]string

// of returns the kept copy of s, keeping s if it is the first.
func (m shared) of(s string) string {
	if v, ok := m[s]; ok {
		return v
	}
	m[s] = s
	return s
}

// ofBytes is of for bytes a row lends, copied only the first time.
func (m shared) ofBytes(b []byte) string {
	if v, ok := m[string(b)]; ok {
		return v
	}
	s := string(b)
	m[s] = s
	return s
}
