package app_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apigwdev/apigw/internal/testbin"
)

// bin is the directory holding the test functions (those of testdata/fn and
// the functions package's), built once for every test binary of the module
// (package testbin).
var bin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := testbin.Dir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "building test functions:", err)
		return 1
	}
	bin = dir
	return m.Run()
}

// fnPath returns the path of the built test function name.
func fnPath(name string) string { return filepath.Join(bin, name) }
