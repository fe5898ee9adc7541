package codebook

import (
	"fmt"
	"strings"
)

// dump prints a codebook's tree, one code per line, with everything a
// reader or writer must keep (lines aside).
func dump(cb *Codebook) string {
	var b strings.Builder
	for _, c := range cb.All() {
		fmt.Fprintf(&b, "%s | %q | unit=%s", c.Path, c.Description, c.Unit)
		for _, r := range c.Keywords {
			fmt.Fprintf(&b, " | k %s", r.Query)
		}
		for _, r := range c.Exclude {
			fmt.Fprintf(&b, " | x %s", r.Query)
		}
		if len(c.Speakers) > 0 {
			fmt.Fprintf(&b, " | s %s", strings.Join(c.Speakers, ","))
		}
		for _, x := range c.Examples {
			fmt.Fprintf(&b, " | e %s", x)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// lines prints each code's line and its rules' lines: "path@3 k@4 x@6".
func lines(cb *Codebook) string {
	var b strings.Builder
	for _, c := range cb.All() {
		fmt.Fprintf(&b, "%s@%d", c.Path, c.Line)
		for _, r := range c.Keywords {
			fmt.Fprintf(&b, " k@%d", r.Line)
		}
		for _, r := range c.Exclude {
			fmt.Fprintf(&b, " x@%d", r.Line)
		}
		b.WriteString("\n")
	}
	return b.String()
}
