package store_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apigwdev/apigw/internal/store"
	"github.com/apigwdev/apigw/internal/store/storetest"
)

func TestBoltConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		s, err := store.Open(dir)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func TestBoltFileAndLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != filepath.Join(dir, store.FileName) {
		t.Errorf("Path = %s", s.Path())
	}
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v; want 0600", fi.Mode().Perm())
	}
	// A second open of the same file waits for the lock, then fails
	// clearly instead of corrupting it.
	if s2, err := store.Open(dir); err == nil {
		s2.Close()
		t.Error("second Open of a held store succeeded")
	}
}
