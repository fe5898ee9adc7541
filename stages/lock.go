//go:build unix

package stages

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrBusy means another batch holds the project.
var ErrBusy = errors.New("another batch is running on this project")

// lockProject takes the project's batch lock. The kernel drops it when the
// process dies, so a killed batch never leaves a stale lock.
func lockProject(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking project: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrBusy
		}
		return nil, fmt.Errorf("locking project: %w", err)
	}
	return func() { f.Close() }, nil
}
