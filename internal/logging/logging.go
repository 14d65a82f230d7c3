// Package logging builds the gateway's own log (`apigw serve --log-format
// text|json --log-level LEVEL`): one slog handler for every component, and
// a batched output for the request log, so that a line per request costs
// the data plane a formatted record in memory rather than a write system
// call.
//
// Lifecycle: New builds the loggers on an output; Close flushes what the
// request log still holds and stops its flusher. Lines keep their order: a
// line written directly (errors, warnings, anything not a request line)
// first flushes the request lines batched before it.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Format is the log's line format.
type Format string

// The formats of --log-format.
const (
	Text Format = "text" // slog's key=value lines
	JSON Format = "json" // one JSON object per line
)

// ParseFormat parses a --log-format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case Text, JSON:
		return f, nil
	}
	return "", fmt.Errorf("log format %q: want text or json", s)
}

// ParseLevel parses a --log-level value: debug, info, warn (or warning) or
// error, in any case.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
}

// FlushInterval is the longest a request line waits in the batch before it
// is written.
const FlushInterval = 50 * time.Millisecond

// batchLimit is the batch size that makes a request line flush at once.
const batchLimit = 32 << 10

// Logs are the gateway's loggers on one output.
type Logs struct {
	// Logger is the gateway's log: each record is written at once.
	Logger *slog.Logger
	// Requests is the request log: records are batched, written within
	// FlushInterval, and before any later record of Logger.
	Requests *slog.Logger
	// Format is the lines' format.
	Format Format

	out  *output
	stop chan struct{}
	done chan struct{}
}

// New returns the loggers writing to w in format, at level and above.
func New(w io.Writer, format Format, level slog.Leveler) *Logs {
	out := &output{w: w}
	l := &Logs{Format: format, out: out, stop: make(chan struct{}), done: make(chan struct{})}
	opts := &slog.HandlerOptions{Level: level}
	l.Logger = slog.New(newHandler(direct{out}, format, opts))
	l.Requests = slog.New(newHandler(batched{out}, format, opts))
	go l.flushLoop()
	return l
}

func newHandler(w io.Writer, format Format, opts *slog.HandlerOptions) slog.Handler {
	if format == JSON {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// Writer returns an io.Writer for plain lines (the "listening on" lines)
// that keeps their order with the log records.
func (l *Logs) Writer() io.Writer { return direct{l.out} }

// Flush writes the batched request lines now.
func (l *Logs) Flush() { l.out.flush() }

// Close flushes the request lines and stops the flusher. The loggers stay
// usable; request lines written later are flushed by the next direct line
// or Flush.
func (l *Logs) Close() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
		<-l.done
	}
	l.out.flush()
}

func (l *Logs) flushLoop() {
	defer close(l.done)
	t := time.NewTicker(FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.out.flush()
		}
	}
}

// output is the one writer under both loggers.
type output struct {
	mu      sync.Mutex
	w       io.Writer // guarded by mu
	pending []byte    // guarded by mu; batched request lines
}

func (o *output) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked()
}

func (o *output) flushLocked() {
	if len(o.pending) == 0 {
		return
	}
	_, _ = o.w.Write(o.pending)
	o.pending = o.pending[:0]
}

// direct writes at once, after the batched lines.
type direct struct{ o *output }

func (d direct) Write(p []byte) (int, error) {
	d.o.mu.Lock()
	defer d.o.mu.Unlock()
	d.o.flushLocked()
	return d.o.w.Write(p)
}

// batched appends to the batch, writing it once it is large.
type batched struct{ o *output }

func (b batched) Write(p []byte) (int, error) {
	b.o.mu.Lock()
	defer b.o.mu.Unlock()
	b.o.pending = append(b.o.pending, p...)
	if len(b.o.pending) >= batchLimit {
		b.o.flushLocked()
	}
	return len(p), nil
}
