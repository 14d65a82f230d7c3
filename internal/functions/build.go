package functions

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// builder runs a function's Build command until it succeeds once.
// Concurrent callers share one run.
type builder struct {
	argv []string
	dir  string
	log  *slog.Logger

	mu      sync.Mutex
	ok      bool          // guarded by mu; a build succeeded
	running chan struct{} // guarded by mu; non-nil while a build runs, closed when it ends
	err     error         // guarded by mu; the last build's result
}

// ensure returns nil once a build has succeeded; otherwise it runs the build
// (or waits for the one running) and returns its error. ctx bounds the
// build itself, which is killed with its process group when ctx ends.
func (b *builder) ensure(ctx context.Context) error {
	b.mu.Lock()
	if b.ok {
		b.mu.Unlock()
		return nil
	}
	if ch := b.running; ch != nil {
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.err
	}
	ch := make(chan struct{})
	b.running = ch
	b.mu.Unlock()

	err := b.run(ctx)

	b.mu.Lock()
	b.running, b.err, b.ok = nil, err, err == nil
	b.mu.Unlock()
	close(ch)
	return err
}

// rebuild runs the build now, even if one succeeded before (after waiting
// for a build already running), and returns its error. Cold starts meanwhile
// wait for it.
func (b *builder) rebuild(ctx context.Context) error {
	for {
		b.mu.Lock()
		ch := b.running
		if ch == nil {
			break
		}
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ch := make(chan struct{})
	b.running, b.ok = ch, false
	b.mu.Unlock()

	err := b.run(ctx)

	b.mu.Lock()
	b.running, b.err, b.ok = nil, err, err == nil
	b.mu.Unlock()
	close(ch)
	return err
}

// run runs the build command once, with the gateway's environment, logging
// its output line by line.
func (b *builder) run(ctx context.Context) error {
	start := time.Now()
	b.log.Info("building function", "command", b.argv, "dir", b.dir)
	cmd := exec.CommandContext(ctx, b.argv[0], b.argv[1:]...) //nolint:gosec // running the configured build is the point
	cmd.Dir = b.dir
	cmd.Env = os.Environ()
	setProcAttr(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = time.Second
	out := &lineWriter{emit: func(line string) { b.log.Info(line, attrStream, "build") }}
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	out.flush()
	if err != nil {
		err = fmt.Errorf("build command %q failed: %w", strings.Join(b.argv, " "), err)
		b.log.Error("function build failed; invocations fail with Runtime.InvalidEntrypoint until a build succeeds",
			"command", b.argv, "dir", b.dir, "err", err)
		return err
	}
	b.log.Info("function built", "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// lineWriter is an io.Writer that calls emit for each complete line written
// to it. It is used by one exec.Cmd, whose output copying serialises writes
// only per stream, hence the mutex.
type lineWriter struct {
	emit func(string)
	mu   sync.Mutex
	buf  []byte // guarded by mu; an incomplete last line
}

// Write buffers p and emits every line it completes.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(strings.TrimSuffix(string(w.buf[:i]), "\r"))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// flush emits an incomplete last line, if any.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}
