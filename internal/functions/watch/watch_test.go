package watch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/apigwdev/apigw/internal/functions"
)

func TestTargetFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  functions.Config
		want Target
		ok   bool
	}{
		{"remote", functions.Config{Name: "r", Endpoint: "http://127.0.0.1:3001"}, Target{}, false},
		{"build with -o", functions.Config{Name: "pets", Dir: "/src/petstore", Command: []string{"./bin/pets"},
			Build: []string{"go", "build", "-o", "bin/pets", "./functions/pets"}},
			Target{Function: "pets", Dir: "/src/petstore", Ignore: []string{"/src/petstore/bin/pets", "/src/petstore/bin/pets"}}, true},
		{"build with -o= and absolute program", functions.Config{Name: "f", Dir: "/src/f", Command: []string{"/opt/f/bootstrap"},
			Build: []string{"go", "build", "-o=out/", "."}},
			Target{Function: "f", Dir: "/src/f", Ignore: []string{"/opt/f/bootstrap", "/src/f/out"}}, true},
		{"build, program on PATH", functions.Config{Name: "n", Dir: "/src/n", Command: []string{"node", "index.js"}, Build: []string{"npm", "ci"}},
			Target{Function: "n", Dir: "/src/n"}, true},
		{"prebuilt binary", functions.Config{Name: "b", Dir: "/src/b", Command: []string{"./bootstrap"}},
			Target{Function: "b", File: "/src/b/bootstrap"}, true},
		{"runtime", functions.Config{Name: "py", Dir: "/src/py", Runtime: "python3.11", Handler: "app.handler"},
			Target{Function: "py", Dir: "/src/py"}, true},
		{"go run", functions.Config{Name: "g", Dir: "/src/g", Command: []string{"go", "run", "."}},
			Target{Function: "g", Dir: "/src/g"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := TargetFor(tt.cfg)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("TargetFor = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	dir := Target{Function: "f", Dir: "/src/f", Ignore: []string{"/src/f/bin/f", "/src/f/.apigw", "/src/f/out"}}
	file := Target{Function: "b", File: "/src/b/bootstrap"}
	tests := []struct {
		target *Target
		path   string
		want   bool
	}{
		{&dir, "/src/f/main.go", true},
		{&dir, "/src/f/internal/db/db.go", true},
		{&dir, "/src/f/bin/other", true},
		{&dir, "/src/f", false},
		{&dir, "/src/fx/main.go", false},
		{&dir, "/src/main.go", false},
		{&dir, "/src/f/bin/f", false},
		{&dir, "/src/f/bin/f-go-tmp-umask", false},
		{&dir, "/src/f/bin/f-tool.go", true},
		{&dir, "/src/f/out/x/y", false},
		{&dir, "/src/f/.git/index", false},
		{&dir, "/src/f/.main.go.swp", false},
		{&dir, "/src/f/pkg/.cache/x", false},
		{&dir, "/src/f/node_modules/left-pad/index.js", false},
		{&dir, "/src/f/app/__pycache__/m.cpython-312.pyc", false},
		{&dir, "/src/f/main.go~", false},
		{&dir, "/src/f/#main.go#", false},
		{&file, "/src/b/bootstrap", true},
		{&file, "/src/b/bootstrap.tmp", false},
		{&file, "/src/b/main.go", false},
	}
	for _, tt := range tests {
		if got := tt.target.matches(tt.path); got != tt.want {
			t.Errorf("%s: matches(%s) = %v; want %v", tt.target.Function, tt.path, got, tt.want)
		}
	}
}

// fakeClock is a Clock whose timers fire only when the test says so.
type fakeClock struct {
	mu     sync.Mutex
	timers []*fakeTimer // guarded by mu
}

type fakeTimer struct {
	f    func()
	done bool // guarded by fakeClock.mu; fired or stopped
}

func (c *fakeClock) AfterFunc(_ time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	tm := &fakeTimer{f: f}
	c.timers = append(c.timers, tm)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !tm.done
		tm.done = true
		return was
	}
}

// pending returns how many timers are armed.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, tm := range c.timers {
		if !tm.done {
			n++
		}
	}
	return n
}

// fire expires every armed timer, as if the debounce delay had passed.
func (c *fakeClock) fire() {
	c.mu.Lock()
	var fs []func()
	for _, tm := range c.timers {
		if !tm.done {
			tm.done = true
			fs = append(fs, tm.f)
		}
	}
	c.mu.Unlock()
	for _, f := range fs {
		go f()
	}
}

// fakeRestarter records restarts; when block is set, each restart waits for
// a result on release.
type fakeRestarter struct {
	block   bool
	release chan error
	mu      sync.Mutex
	calls   []string // guarded by mu
	running int      // guarded by mu
}

func newFakeRestarter(block bool) *fakeRestarter {
	return &fakeRestarter{block: block, release: make(chan error)}
}

func (r *fakeRestarter) Restart(ctx context.Context, name string) error {
	r.mu.Lock()
	r.calls = append(r.calls, name)
	r.running++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running--
		r.mu.Unlock()
	}()
	if !r.block {
		return nil
	}
	select {
	case err := <-r.release:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *fakeRestarter) state() (calls []string, running int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...), r.running
}

// fakeSource is a source fed by the test.
type fakeSource struct {
	mu     sync.Mutex
	added  []string // guarded by mu
	closed bool     // guarded by mu
}

func (s *fakeSource) Add(p string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.added = append(s.added, p)
	return nil
}

func (s *fakeSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// syncBuffer is a goroutine-safe log destination.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// harness is a Watcher over a fake source, clock and restarter.
type harness struct {
	w      *Watcher
	clock  *fakeClock
	r      *fakeRestarter
	src    *fakeSource
	events chan fsnotify.Event
	errs   chan error
	log    *syncBuffer
}

func newHarness(t *testing.T, block bool, targets ...Target) *harness {
	t.Helper()
	h := &harness{clock: &fakeClock{}, r: newFakeRestarter(block), src: &fakeSource{},
		events: make(chan fsnotify.Event), errs: make(chan error), log: &syncBuffer{}}
	w, err := newWatcher(h.r, targets, Options{Clock: h.clock, Logger: slog.New(slog.NewTextHandler(h.log, nil))}, h.src, h.events, h.errs)
	if err != nil {
		t.Fatal(err)
	}
	h.w = w
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() {
			t.Logf("watcher log:\n%s", h.log.String())
		}
	})
	return h
}

// write sends a write event for path and returns once the watcher's
// goroutine handled it.
func (h *harness) write(path string) {
	h.send(fsnotify.Event{Name: path, Op: fsnotify.Write})
}

// send sends ev and returns once the watcher's goroutine handled it: the
// goroutine takes the next event, an empty one it ignores, only after that.
func (h *harness) send(ev fsnotify.Event) {
	h.events <- ev
	h.events <- fsnotify.Event{}
}

// TestDebounce: a burst of changes is one restart, after the debounce timer;
// chmod-only events and ignored files are no changes.
func TestDebounce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gdir := t.TempDir()
	h := newHarness(t, false, Target{Function: "f", Dir: dir}, Target{Function: "g", File: filepath.Join(gdir, "bootstrap")})

	h.send(fsnotify.Event{Name: filepath.Join(dir, "main.go"), Op: fsnotify.Chmod})
	h.write(filepath.Join(dir, ".git", "index"))
	if n := h.clock.pending(); n != 0 {
		t.Fatalf("%d timers armed by a chmod and an ignored file; want 0", n)
	}
	for range 5 {
		h.write(filepath.Join(dir, "main.go"))
	}
	if n := h.clock.pending(); n != 1 {
		t.Fatalf("%d timers armed after a burst; want 1", n)
	}
	if calls, _ := h.r.state(); len(calls) != 0 {
		t.Fatalf("restarted before the debounce delay: %v", calls)
	}
	h.clock.fire()
	waitFor(t, "the restart of f", func() bool { calls, _ := h.r.state(); return len(calls) == 1 })
	waitFor(t, "the restart's end to be logged", func() bool { return strings.Contains(h.log.String(), `msg="function restarted" function=f`) })
	if calls, _ := h.r.state(); !reflect.DeepEqual(calls, []string{"f"}) {
		t.Errorf("restarts = %v; want [f]", calls)
	}
	// A file target: its program replaced.
	h.send(fsnotify.Event{Name: filepath.Join(gdir, "bootstrap"), Op: fsnotify.Create})
	h.clock.fire()
	waitFor(t, "the restart of g", func() bool { calls, _ := h.r.state(); return len(calls) == 2 })
	if calls, _ := h.r.state(); calls[1] != "g" {
		t.Errorf("restarts = %v; want [f g]", calls)
	}
	h.src.mu.Lock()
	added := append([]string(nil), h.src.added...)
	h.src.mu.Unlock()
	if !reflect.DeepEqual(added, []string{dir, gdir}) {
		t.Errorf("watched %v; want the target directory and the program's directory", added)
	}
}

// TestChangesDuringBuild: builds never overlap; a change during a build
// brings one follow-up build; a follow-up that sees changes again stops
// there, with a warning naming them.
func TestChangesDuringBuild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := newHarness(t, true, Target{Function: "f", Dir: dir})
	src := filepath.Join(dir, "main.go")

	h.write(src)
	h.clock.fire()
	waitFor(t, "the first build", func() bool { _, running := h.r.state(); return running == 1 })
	h.write(src) // saved again while building
	h.write(filepath.Join(dir, "gen.go"))
	if n := h.clock.pending(); n != 0 {
		t.Fatalf("a timer was armed during the build")
	}
	h.r.release <- nil
	waitFor(t, "the follow-up timer", func() bool { return h.clock.pending() == 1 })
	h.clock.fire()
	waitFor(t, "the follow-up build", func() bool { calls, running := h.r.state(); return len(calls) == 2 && running == 1 })
	h.write(filepath.Join(dir, "gen.go")) // the build rewrote a file again
	h.r.release <- nil
	waitFor(t, "the warning", func() bool {
		return strings.Contains(h.log.String(), "files changed again while the function was rebuilt")
	})
	if n := h.clock.pending(); n != 0 {
		t.Errorf("a third build was scheduled")
	}
	if !strings.Contains(h.log.String(), "gen.go") {
		t.Errorf("the warning does not name the file:\n%s", h.log.String())
	}

	// Later changes restart as usual, and a failed build is logged.
	h.write(src)
	h.clock.fire()
	waitFor(t, "the third build", func() bool { calls, running := h.r.state(); return len(calls) == 3 && running == 1 })
	h.r.release <- errors.New(`build command "go build" failed: exit status 1`)
	waitFor(t, "the failure log", func() bool {
		return strings.Contains(h.log.String(), "function rebuild failed; the previous instances keep serving")
	})
	if !strings.Contains(h.log.String(), "exit status 1") {
		t.Errorf("the build error is not logged:\n%s", h.log.String())
	}
}

// TestCloseCancelsBuild: Close ends a build in progress and waits for it.
func TestCloseCancelsBuild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := newHarness(t, true, Target{Function: "f", Dir: dir})
	h.write(filepath.Join(dir, "main.go"))
	h.clock.fire()
	waitFor(t, "the build", func() bool { _, running := h.r.state(); return running == 1 })
	if err := h.w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, running := h.r.state(); running != 0 {
		t.Errorf("Close returned while a restart was running")
	}
	h.src.mu.Lock()
	closed := h.src.closed
	h.src.mu.Unlock()
	if !closed {
		t.Error("the source was not closed")
	}
}

// TestOverflow: lost events restart every function.
func TestOverflow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := newHarness(t, false, Target{Function: "f", Dir: dir}, Target{Function: "g", Dir: dir})
	h.errs <- fsnotify.ErrEventOverflow
	h.send(fsnotify.Event{}) // handled after the error
	if n := h.clock.pending(); n != 2 {
		t.Fatalf("%d timers armed after an overflow; want 2", n)
	}
	h.clock.fire()
	waitFor(t, "both restarts", func() bool { calls, _ := h.r.state(); return len(calls) == 2 })
}

func TestInvalidTargets(t *testing.T) {
	t.Parallel()
	for _, tg := range []Target{
		{Dir: "/a"},
		{Function: "f"},
		{Function: "f", Dir: "/a", File: "/a/b"},
		{Function: "f", Dir: "relative"},
	} {
		if _, err := newWatcher(newFakeRestarter(false), []Target{tg}, Options{}, &fakeSource{}, nil, nil); err == nil {
			t.Errorf("target %+v accepted", tg)
		}
	}
	if _, err := New(newFakeRestarter(false), []Target{{Function: "f", Dir: filepath.Join(t.TempDir(), "missing")}}, Options{}); err == nil {
		t.Error("a missing directory was accepted")
	}
}

// TestFiles drives the real file notification service: a change of a file,
// of a file in a directory created after the watcher started, and of the
// program of a file target are seen; ignored files are not.
func TestFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "main.go"), "package main")
	mustWrite(t, filepath.Join(dir, "bin", "f"), "v1")
	mustWrite(t, filepath.Join(dir, ".git", "HEAD"), "ref")
	progDir := t.TempDir()
	mustWrite(t, filepath.Join(progDir, "bootstrap"), "v1")

	clock, r, log := &fakeClock{}, newFakeRestarter(false), &syncBuffer{}
	w, err := New(r, []Target{
		{Function: "f", Dir: dir, Ignore: []string{filepath.Join(dir, "bin", "f")}},
		{Function: "b", File: filepath.Join(progDir, "bootstrap")},
	}, Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("watcher log:\n%s", log.String())
		}
	})

	// expectRestart fires debounce timers until the watcher restarts fn for
	// a change of path.
	expectRestart := func(fn, path string) {
		t.Helper()
		waitFor(t, "a restart of "+fn+" for "+path, func() bool {
			clock.fire()
			for _, rec := range strings.Split(log.String(), "\n") {
				if strings.Contains(rec, "function files changed; restarting") && strings.Contains(rec, "function="+fn+" ") && strings.Contains(rec, path) {
					return true
				}
			}
			return false
		})
	}
	// Ignored files first, then a real change, in one burst or several.
	writeIgnored := func() {
		mustWrite(t, filepath.Join(dir, "bin", "f"), "rebuilt")
		mustWrite(t, filepath.Join(dir, ".git", "HEAD"), "moved")
		mustWrite(t, filepath.Join(dir, "notes.txt~"), "backup")
	}
	writeIgnored()
	mustWrite(t, filepath.Join(dir, "main.go"), "package main // v2")
	expectRestart("f", filepath.Join(dir, "main.go"))

	// New directories are watched; creating one is no change by itself, a
	// file in it is, whether it was written before the directory's watch
	// was in place or after.
	if err := os.MkdirAll(filepath.Join(dir, "bin", "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "internal", "db", "db.go"), "package db")
	expectRestart("f", filepath.Join(dir, "internal", "db", "db.go"))
	mustWrite(t, filepath.Join(dir, "internal", "db", "db.go"), "package db // v2")
	mustWrite(t, filepath.Join(dir, "internal", "db", "more", "x.go"), "package more")
	expectRestart("f", filepath.Join(dir, "internal", "db", "more", "x.go"))

	// A replaced program: written elsewhere and renamed over, as go build -o does.
	tmp := filepath.Join(progDir, "bootstrap-tmp")
	mustWrite(t, tmp, "v2")
	if err := os.Rename(tmp, filepath.Join(progDir, "bootstrap")); err != nil {
		t.Fatal(err)
	}
	expectRestart("b", filepath.Join(progDir, "bootstrap"))

	for _, rec := range strings.Split(log.String(), "\n") {
		if strings.Contains(rec, "function files changed; restarting") &&
			(strings.Contains(rec, ".git") || strings.Contains(rec, filepath.Join("bin", "f")) || strings.Contains(rec, "~") ||
				strings.Contains(rec, "bootstrap-tmp") || strings.Contains(rec, "bin/out") || strings.Contains(rec, "internal]")) {
			t.Errorf("a restart for an ignored file: %s", rec)
		}
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
