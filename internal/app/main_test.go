package app_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// bin is the directory holding the test functions, built once per test
// binary by TestMain: those of testdata/fn (apifn) and the functions
// package's echo.
var bin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "app-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./testdata/fn/...", "../functions/testdata/fn/echo")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building test functions:", err)
		return 1
	}
	bin = dir
	return m.Run()
}

// fnPath returns the path of the built test function name.
func fnPath(name string) string { return filepath.Join(bin, name) }
