package corpus

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles a reader's pattern the first time it is used: every
// alongside process loads this package, and a search, which reads no
// transcript, paid about 2 ms at start to compile them all.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
