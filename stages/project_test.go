package stages

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// OpenExistingStore creates nothing: not the folder, not .alongside.
func TestOpenExistingStore(t *testing.T) {
	dir := t.TempDir()
	typo := Project{Dir: filepath.Join(dir, "projcet")}
	if _, err := typo.OpenExistingStore(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing folder: got %v, want an fs.ErrNotExist error", err)
	}
	if _, err := os.Stat(typo.Dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the missing folder was created")
	}

	empty := Project{Dir: dir}
	_, err := empty.OpenExistingStore()
	if !errors.Is(err, ErrNoState) {
		t.Errorf("folder without state: got %v, want ErrNoState", err)
	}
	if _, err := os.Stat(empty.StateDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf(".alongside was created")
	}

	st, err := empty.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = empty.OpenExistingStore()
	if err != nil {
		t.Fatalf("after OpenStore: %v", err)
	}
	st.Close()
}
