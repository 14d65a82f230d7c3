package accesslog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// DefaultBufferLines is the default capacity, in entries, of a destination's
// queue.
const DefaultBufferLines = 4096

// DefaultFlushInterval is the default of Options.FlushInterval: the longest
// an entry waits in memory before its destination's writer writes it (when
// the writer keeps up), so that a log being followed (tail -f) lags the
// requests by at most this much.
const DefaultFlushInterval = 50 * time.Millisecond

// maxPooledBuffer is the largest entry buffer kept for reuse.
const maxPooledBuffer = 64 << 10

// ErrClosed is returned by Sinks.Logger after Close.
var ErrClosed = errors.New("access log sinks closed")

// Options configure Sinks.
type Options struct {
	// DataDir is the gateway's data directory; CloudWatch Logs log group
	// ARNs write to {DataDir}/logs/{log-group-name}.log. If empty, such
	// destinations are refused.
	DataDir string
	// Stdout and Stderr are the destinations "stdout" and "stderr". If nil,
	// os.Stdout and os.Stderr are used.
	Stdout, Stderr io.Writer
	// BufferLines is the capacity of each destination's queue, in entries;
	// entries logged while it is full are dropped and counted. 0 means
	// DefaultBufferLines.
	BufferLines int
	// FlushInterval is how long a destination's writer lets entries
	// accumulate after the first one of a batch before it writes them all
	// and flushes: one write (and one wake-up of the writer) per batch
	// instead of per entry. The writer starts earlier when the queue is
	// half full, and Close writes everything at once. 0 means
	// DefaultFlushInterval.
	FlushInterval time.Duration
	// Logger receives write failures. If nil, they are discarded (and still
	// counted).
	Logger *slog.Logger
}

// Sinks owns the access log destinations of the gateway: one queue and one
// writer goroutine per open destination, shared by every stage (of every
// snapshot) that logs there.
//
// Lifecycle:
//
//  1. NewSinks, once, at startup; nothing runs yet.
//  2. Prepare, at each compile, for each stage with accessLogSettings:
//     parses the format and resolves the destination. It opens nothing, so
//     compiling stays free of side effects.
//  3. Logger.Open, when a snapshot holding the stage is about to be
//     installed: the first open of a destination opens it (creating a file
//     and its directories) and starts its writer goroutine; later ones count
//     a reference.
//  4. Logger.Release, when the snapshot holding the stage is retired (or
//     was never installed): the last release of a destination writes what
//     is queued, closes the file and stops its writer. Entries a retired
//     stage still logs after that are dropped and counted.
//  5. Close, after the data plane has stopped serving: stops accepting
//     entries, writes every queued entry, flushes, closes the files and waits
//     for the goroutines. Entries logged after Close are dropped.
type Sinks struct {
	opts   Options
	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	pool   sync.Pool // of *[]byte

	dropped     atomic.Uint64
	written     atomic.Uint64
	writeErrors atomic.Uint64

	mu     sync.Mutex
	sinks  map[string]*sink // guarded by mu
	closed bool             // guarded by mu
}

// sink is one destination: its queue and what its writer writes to.
type sink struct {
	name string
	// refs counts the open Loggers writing here; guarded by Sinks.mu.
	refs int
	// mu is held (shared) by Log while it queues an entry, and exclusively
	// to set stopped: once stopped is set, nothing is queued any more, so
	// the writer can drain the queue and end.
	mu      sync.RWMutex
	stopped bool // guarded by mu
	stop    chan struct{}
	ch      chan *[]byte
	// wake (capacity 1) tells the writer, without blocking, that the queue
	// is at least wakeAt entries long: it then writes the batch without
	// waiting for the rest of the flush interval.
	wake   chan struct{}
	wakeAt int
	w      io.Writer
	closer io.Closer // nil for stdout and stderr
	// failing and closeErr are owned by the writer goroutine; Close reads
	// closeErr after the goroutine ended.
	failing  bool
	closeErr error
}

// NewSinks returns an empty set of destinations.
func NewSinks(opts Options) *Sinks {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.BufferLines <= 0 {
		opts.BufferLines = DefaultBufferLines
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Sinks{
		opts:   opts,
		ctx:    ctx,
		cancel: cancel,
		sinks:  map[string]*sink{},
		pool:   sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }},
	}
}

// Logger prepares and opens a stage's access log (Prepare, then
// Logger.Open): the destination is open when it returns.
func (s *Sinks) Logger(settings model.AccessLogSettings) (*Logger, error) {
	l, err := s.Prepare(settings)
	if err != nil {
		return nil, err
	}
	if err := l.Open(); err != nil {
		return nil, err
	}
	return l, nil
}

// Prepare compiles a stage's access log settings: the format (ParseFormat)
// and the destination ("stdout", "stderr", a file path, or a CloudWatch Logs
// log group ARN standing for {DataDir}/logs/{name}.log). It opens nothing:
// the returned Logger, which implements snapshot.AccessLogger, drops what
// it is given until Open.
func (s *Sinks) Prepare(settings model.AccessLogSettings) (*Logger, error) {
	tmpl, err := ParseFormat(settings.Format)
	if err != nil {
		return nil, err
	}
	dest, err := resolveDestination(settings.DestinationARN, s.opts.DataDir)
	if err != nil {
		return nil, err
	}
	return &Logger{tmpl: tmpl, dest: dest, sinks: s}, nil
}

// acquire returns the sink of dest with one more reference, opening it and
// starting its writer the first time.
func (s *Sinks) acquire(dest destination) (*sink, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	key := dest.key()
	if k := s.sinks[key]; k != nil {
		k.refs++
		return k, nil
	}
	k := &sink{
		name:   key,
		refs:   1,
		stop:   make(chan struct{}),
		ch:     make(chan *[]byte, s.opts.BufferLines),
		wake:   make(chan struct{}, 1),
		wakeAt: max(s.opts.BufferLines/2, 1),
	}
	switch dest.std {
	case DestinationStdout:
		k.w = s.opts.Stdout
	case DestinationStderr:
		k.w = s.opts.Stderr
	default:
		if err := os.MkdirAll(filepath.Dir(dest.path), 0o750); err != nil {
			return nil, fmt.Errorf("opening access log %s: %w", dest.path, err)
		}
		f, err := os.OpenFile(dest.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("opening access log %s: %w", dest.path, err)
		}
		k.w, k.closer = f, f
	}
	s.sinks[key] = k
	s.wg.Add(1)
	go s.run(k)
	return k, nil
}

// release drops a reference to k; the last one stops its writer, which
// writes what is queued and closes k's file. An error closing the file is
// logged.
func (s *Sinks) release(k *sink) {
	s.mu.Lock()
	k.refs--
	last := k.refs == 0 && !s.closed && s.sinks[k.name] == k
	if last {
		delete(s.sinks, k.name)
	}
	s.mu.Unlock()
	if !last {
		return
	}
	k.mu.Lock()
	k.stopped = true
	k.mu.Unlock()
	close(k.stop)
}

// run is the writer goroutine of k. It waits for the first entry of a
// batch, then leaves the queue alone for the flush interval (or until Log
// reports it half full, or Close), so that logging does not wake it up; then
// it writes every queued entry through its buffer and flushes. Under load
// that is one write system call and one wake-up per batch instead of per
// entry. After Close it writes what is queued, flushes and closes k's file.
func (s *Sinks) run(k *sink) {
	defer s.wg.Done()
	bw := bufio.NewWriterSize(k.w, 64<<10)
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logger.Error("access log writer panicked", "destination", k.name, "panic", r)
		}
		s.flush(k, bw)
		if k.closer != nil {
			if err := k.closer.Close(); err != nil {
				k.closeErr = fmt.Errorf("closing access log %s: %w", k.name, err)
				if s.ctx.Err() == nil {
					s.opts.Logger.Error("closing access log", "destination", k.name, "error", err)
				}
			}
		}
	}()
	t := time.NewTimer(s.opts.FlushInterval)
	t.Stop()
	for {
		select {
		case b := <-k.ch:
			s.write(k, bw, b)
		case <-s.ctx.Done():
			s.drain(k, bw)
			return
		case <-k.stop:
			s.drain(k, bw)
			return
		}
		t.Reset(s.opts.FlushInterval)
		select {
		case <-t.C:
		case <-k.wake:
			t.Stop()
		case <-s.ctx.Done():
			t.Stop()
		case <-k.stop:
			t.Stop()
		}
		s.drain(k, bw)
		s.flush(k, bw)
	}
}

// drain writes the entries queued for k, without waiting for more.
func (s *Sinks) drain(k *sink, bw *bufio.Writer) {
	for {
		select {
		case b := <-k.ch:
			s.write(k, bw, b)
		default:
			return
		}
	}
}

// write writes one entry and recycles its buffer.
func (s *Sinks) write(k *sink, bw *bufio.Writer, b *[]byte) {
	_, err := bw.Write(*b)
	s.done(k, err)
	if err == nil {
		s.written.Add(1)
	}
	if cap(*b) <= maxPooledBuffer {
		s.pool.Put(b)
	}
}

func (s *Sinks) flush(k *sink, bw *bufio.Writer) {
	if bw.Buffered() > 0 {
		s.done(k, bw.Flush())
	}
}

// done counts a write failure, logging the first of a series.
func (s *Sinks) done(k *sink, err error) {
	if err == nil {
		k.failing = false
		return
	}
	s.writeErrors.Add(1)
	if !k.failing {
		k.failing = true
		s.opts.Logger.Error("writing access log", "destination", k.name, "error", err)
	}
}

// Dropped returns the number of entries dropped because a destination's
// queue was full, or because they were logged after Close.
func (s *Sinks) Dropped() uint64 { return s.dropped.Load() }

// Written returns the number of entries written to their destination's
// buffer (flushed at the end of each batch, at most about the flush interval
// later).
func (s *Sinks) Written() uint64 { return s.written.Load() }

// WriteErrors returns the number of failed writes and flushes.
func (s *Sinks) WriteErrors() uint64 { return s.writeErrors.Load() }

// Close stops accepting entries, writes and flushes every queued one, closes
// the files and waits for the writer goroutines. It returns the errors of
// closing the files. It is safe to call more than once.
func (s *Sinks) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, k := range s.sinks {
		errs = append(errs, k.closeErr)
		k.closeErr = nil
	}
	return errors.Join(errs...)
}

// Logger writes one stage's access log. It implements snapshot.AccessLogger
// and is safe for concurrent use.
type Logger struct {
	tmpl  *Template
	dest  destination
	sinks *Sinks
	// sink is the open destination, set by Open (before the stage is
	// served) and never changed after.
	sink *sink
}

// Template returns the logger's compiled format.
func (l *Logger) Template() *Template { return l.tmpl }

// Open opens the logger's destination (see Sinks). It must be called at
// most once, before the logger is used by more than one goroutine.
func (l *Logger) Open() error {
	if l.sink != nil {
		return nil
	}
	k, err := l.sinks.acquire(l.dest)
	if err != nil {
		return err
	}
	l.sink = k
	return nil
}

// Release gives back what Open took; entries logged afterwards may be
// dropped. It does nothing for a logger that was not opened.
func (l *Logger) Release() {
	if l.sink != nil {
		l.sinks.release(l.sink)
	}
}

// Log formats the entry for req and its outcome out on the calling goroutine
// and queues it for the destination's writer. It never blocks: when the
// queue is full (or the Sinks are closed, or the destination released) the
// entry is dropped and counted (Sinks.Dropped). Entries longer than
// MaxEntryBytes are cut.
func (l *Logger) Log(req *invoke.Request, out *invoke.Outcome) {
	s := l.sinks
	k := l.sink
	if k == nil || s.ctx.Err() != nil {
		s.dropped.Add(1)
		return
	}
	bp := s.pool.Get().(*[]byte)
	b := l.tmpl.Append((*bp)[:0], req, out)
	if len(b) > MaxEntryBytes {
		b = b[:MaxEntryBytes]
	}
	if req.Record != nil {
		req.Record.AccessLog = string(b)
	}
	*bp = append(b, '\n')
	k.mu.RLock()
	queued := false
	if !k.stopped {
		select {
		case k.ch <- bp:
			queued = true
		default:
		}
	}
	k.mu.RUnlock()
	if queued {
		if len(k.ch) >= k.wakeAt {
			select {
			case k.wake <- struct{}{}:
			default:
			}
		}
		return
	}
	s.dropped.Add(1)
	if cap(*bp) <= maxPooledBuffer {
		s.pool.Put(bp)
	}
}

var _ snapshot.AccessLogger = (*Logger)(nil)
