package corpus

import "bytes"

// CSVSeparator picks the comma, semicolon or tab, whichever the first line
// holds most of (the comma on a tie): spreadsheets in many European
// locales save CSV with semicolons.
func CSVSeparator(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	sep, most := ',', bytes.Count(first, []byte(","))
	for _, r := range []rune{';', '\t'} {
		if n := bytes.Count(first, []byte(string(r))); n > most {
			sep, most = r, n
		}
	}
	return sep
}
