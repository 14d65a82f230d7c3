// Package testbin builds the programs the module's tests run — the test
// functions of internal/functions/testdata/fn and internal/app/testdata/fn,
// and cmd/apigw — once for every test binary of a `go test ./...` run, not
// once per test package.
//
// The programs are built into a directory of the user's cache named by a
// hash of the module's sources (every non-test .go file, go.mod, go.sum) and
// the toolchain, so that a test binary finds them already built when
// another one built them, and a change to any source builds them anew. A
// lock file makes concurrent test binaries build them once. Each checkout of
// the module has its own directory, where the programs of older source
// states are removed.
//
// It is for tests only: production code never imports it (internal/deptest).
package testbin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// packages are the programs built, as import paths relative to the module.
// Their binaries are named after the last path element.
var packages = []string{
	"./internal/functions/testdata/fn/...",
	"./internal/app/testdata/fn/...",
	"./cmd/apigw",
}

var (
	once    sync.Once
	dir     string
	errDone error
)

// Dir returns the directory holding every built program, building them if
// no test binary has for the current sources.
func Dir() (string, error) {
	once.Do(func() { dir, errDone = build() })
	return dir, errDone
}

// Path returns the path of the built program name (a test function such as
// "echo", or "apigw"), or fails tb.
func Path(tb interface {
	Helper()
	Fatalf(string, ...any)
}, name string) string {
	tb.Helper()
	d, err := Dir()
	if err != nil {
		tb.Fatalf("building test programs: %v", err)
	}
	return filepath.Join(d, exe(name))
}

func exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// moduleRoot finds the directory of go.mod above the working directory.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("no go.mod above the working directory")
		}
		d = parent
	}
}

// sourceKey hashes what the programs are built from.
func sourceKey(root string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version(), runtime.GOOS, runtime.GOARCH, os.Getenv("GOFLAGS"), os.Getenv("CGO_ENABLED"))
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if (strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")) || name == "go.mod" || name == "go.sum" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintln(h, rel)
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

func build() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	key, err := sourceKey(root)
	if err != nil {
		return "", fmt.Errorf("hashing the module's sources: %w", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	// One directory per checkout: several checkouts of the module (git
	// worktrees) on one machine must not remove each other's programs.
	rootSum := sha256.Sum256([]byte(root))
	base := filepath.Join(cache, "apigw-testbin", hex.EncodeToString(rootSum[:])[:12])
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(base, key)
	if done(out) {
		return out, nil
	}
	unlock, err := lock(filepath.Join(base, "lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if done(out) { // built while this binary waited for the lock
		return out, nil
	}
	tmp, err := os.MkdirTemp(base, "building-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", append([]string{"build", "-o", tmp + string(filepath.Separator)}, packages...)...)
	cmd.Dir = root
	if outb, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, outb)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".done"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", err
	}
	// Remove the programs of older sources, and stale temporary dirs.
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if e.IsDir() && e.Name() != key {
			_ = os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
	return out, nil
}

func done(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ".done"))
	return err == nil
}

// lock takes the lock file, waiting for another test binary that holds it
// (at most 10 minutes; an older lock is from a build that died).
func lock(path string) (unlock func(), err error) {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if st, err := os.Stat(path); err == nil && time.Since(st.ModTime()) > 10*time.Minute {
			os.Remove(path)
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("waiting for %s: another test binary holds it", path)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
