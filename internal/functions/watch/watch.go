package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is Options.Debounce when zero: how long a function's files
// must stay unchanged after a change before the function is restarted.
const DefaultDebounce = 200 * time.Millisecond

// maxListed bounds how many changed paths a log record lists.
const maxListed = 5

// Restarter restarts a function: rebuilds it if it has a build command and
// replaces its instances without dropping invocations in flight.
// *functions.Manager implements it.
type Restarter interface {
	Restart(ctx context.Context, name string) error
}

// Clock schedules the debounce timers. The real clock is time.AfterFunc.
type Clock interface {
	// AfterFunc calls f in its own goroutine after d and returns a function
	// that cancels the call, reporting whether it did (time.Timer.Stop).
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// Options configures a Watcher. The zero value is usable.
type Options struct {
	// Debounce is how long a function's files must stay unchanged before it
	// is restarted. Zero means DefaultDebounce (200 ms).
	Debounce time.Duration
	// Logger receives what the watcher does: restarts, failed builds,
	// ignored changes. If nil, slog.Default() is used.
	Logger *slog.Logger
	// Clock schedules debounce timers. If nil, the real clock is used.
	Clock Clock
}

// Watcher watches the files of functions and restarts them when they change
// (see the package doc). It is safe to Close from any goroutine.
type Watcher struct {
	r        Restarter
	targets  []Target
	debounce time.Duration
	clock    Clock
	log      *slog.Logger

	src    source
	events <-chan fsnotify.Event
	errs   <-chan error

	// fired and done carry debounce expiries and restart results to run.
	fired chan fired
	done  chan restarted

	ctx      context.Context // ended by Close
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	closing  sync.Once
	closeErr error // set once by closing
}

// source is the file notification service: fsnotify, or a fake in tests.
type source interface {
	Add(path string) error
	Close() error
}

type fired struct{ target, gen int }

type restarted struct {
	target int
	err    error
}

// New starts watching targets and restarting their functions through r. It
// returns an error if a target is invalid or a directory cannot be watched
// (on Linux, the inotify watch limit fs.inotify.max_user_watches may be too
// low for a large tree).
func New(r Restarter, targets []Target, opts Options) (*Watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("starting file watcher: %w", err)
	}
	w, err := newWatcher(r, targets, opts, fsw, fsw.Events, fsw.Errors)
	if err != nil {
		_ = fsw.Close()
		return nil, err
	}
	return w, nil
}

// newWatcher registers the targets' directories with src and starts the
// watcher's goroutine, which reads events and errs.
func newWatcher(r Restarter, targets []Target, opts Options, src source, events <-chan fsnotify.Event, errs <-chan error) (*Watcher, error) {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	w := &Watcher{
		r: r, targets: make([]Target, len(targets)), debounce: opts.Debounce, clock: opts.Clock, log: opts.Logger,
		src: src, events: events, errs: errs,
		fired: make(chan fired), done: make(chan restarted),
	}
	for i, t := range targets {
		if err := t.validate(); err != nil {
			return nil, err
		}
		if t.Dir != "" {
			t.Dir = filepath.Clean(t.Dir)
		} else {
			t.File = filepath.Clean(t.File)
		}
		w.targets[i] = t
		if err := w.register(&w.targets[i], t.Dir, t.File); err != nil {
			return nil, err
		}
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.run()
	}()
	for _, t := range w.targets {
		what := t.Dir
		if what == "" {
			what = t.File
		}
		w.log.Info("watching function files", "function", t.Function, "path", what)
	}
	return w, nil
}

// register adds the directories of target t to the source: for a Dir
// target, root and every directory below it that is not ignored; for a File
// target, the file's directory.
func (w *Watcher) register(t *Target, root, file string) error {
	if file != "" {
		dir := filepath.Dir(file)
		if err := w.src.Add(dir); err != nil {
			return fmt.Errorf("watching %s for function %s: %w", dir, t.Function, explain(err))
		}
		return nil
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != root && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return fmt.Errorf("watching %s for function %s: %w", path, t.Function, err)
		}
		if !d.IsDir() {
			return nil
		}
		if t.skipDir(path) {
			return filepath.SkipDir
		}
		if err := w.src.Add(path); err != nil {
			if path != root && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return fmt.Errorf("watching %s for function %s: %w", path, t.Function, explain(err))
		}
		return nil
	})
}

// explain adds the cure to the errors of an exhausted inotify limit.
func explain(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) {
		return fmt.Errorf("%w (raise fs.inotify.max_user_watches / max_user_instances, or the open files limit)", err)
	}
	return err
}

// state is the run goroutine's record of one target.
type state struct {
	gen      int         // generation of the debounce timer; older expiries are stale
	stop     func() bool // cancels the armed debounce timer; nil when none
	changed  []string    // the first changed paths of the current burst, for the log
	building bool        // a restart is running
	// during are the first paths changed while the restart ran, and
	// duringN how many changes there were.
	during  []string
	duringN int
	// followUp marks a timer armed, or a restart running, only because of
	// changes made during the previous restart.
	followUp bool
}

// run is the watcher's goroutine: it owns every state and ends with Close.
func (w *Watcher) run() {
	states := make([]state, len(w.targets))
	defer func() {
		for i := range states {
			if states[i].stop != nil {
				states[i].stop()
			}
		}
	}()
	for {
		select {
		case <-w.ctx.Done():
			return
		case ev, ok := <-w.events:
			if !ok {
				return
			}
			w.handle(states, ev)
		case err, ok := <-w.errs:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: assume every function changed.
				w.log.Warn("file watcher overflowed; restarting every watched function", "err", err)
				for i := range states {
					w.changed(states, i, "(events lost)")
				}
				continue
			}
			w.log.Warn("file watcher error", "err", err)
		case f := <-w.fired:
			st := &states[f.target]
			if f.gen != st.gen || st.stop == nil {
				continue // a stale expiry: the timer was re-armed
			}
			st.stop = nil
			w.restart(st, f.target)
		case r := <-w.done:
			w.restarted(states, r)
		}
	}
}

// handle records a file event.
func (w *Watcher) handle(states []state, ev fsnotify.Event) {
	if ev.Op == fsnotify.Chmod || ev.Op == 0 {
		return
	}
	for i := range w.targets {
		t := &w.targets[i]
		if !t.matches(ev.Name) {
			continue
		}
		if t.Dir != "" && ev.Has(fsnotify.Create) {
			if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
				// A new directory (or one moved in): watch it and what it
				// holds. It is a change only if it holds a file that
				// counts, created before the watch was in place (later ones
				// have events of their own): a build creating its output
				// directory (bin/) is not one.
				if err := w.register(t, ev.Name, ""); err != nil {
					w.log.Warn("cannot watch a new directory", "function", t.Function, "err", err)
				}
				if f := t.firstFile(ev.Name); f != "" {
					w.changed(states, i, f)
				}
				continue
			}
		}
		w.changed(states, i, ev.Name)
	}
}

// changed records a change of target i's files: during a restart it is
// remembered for a follow-up; otherwise the debounce timer is (re)armed.
func (w *Watcher) changed(states []state, i int, path string) {
	st := &states[i]
	if st.building {
		st.duringN++
		if len(st.during) < maxListed && !slices.Contains(st.during, path) {
			st.during = append(st.during, path)
		}
		return
	}
	st.followUp = false
	if len(st.changed) < maxListed && !slices.Contains(st.changed, path) {
		st.changed = append(st.changed, path)
	}
	w.arm(st, i)
}

// arm (re)starts target i's debounce timer.
func (w *Watcher) arm(st *state, i int) {
	if st.stop != nil {
		st.stop()
	}
	st.gen++
	gen := st.gen
	st.stop = w.clock.AfterFunc(w.debounce, func() {
		select {
		case w.fired <- fired{target: i, gen: gen}:
		case <-w.ctx.Done():
		}
	})
}

// restart starts restarting target i's function in a goroutine of the
// watcher.
func (w *Watcher) restart(st *state, i int) {
	t := &w.targets[i]
	st.building = true
	w.log.Info("function files changed; restarting", "function", t.Function, "changed", st.changed, "followUp", st.followUp)
	st.changed = nil
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		err := errors.New("restart panicked")
		defer func() {
			if p := recover(); p != nil {
				w.log.Error("watch: restart panicked", "function", t.Function, "panic", p, "stack", string(debug.Stack()))
			}
			select {
			case w.done <- restarted{target: i, err: err}:
			case <-w.ctx.Done():
			}
		}()
		err = w.r.Restart(w.ctx, t.Function)
	}()
}

// restarted records the end of a restart and schedules the follow-up that
// changes made meanwhile ask for.
func (w *Watcher) restarted(states []state, r restarted) {
	st, t := &states[r.target], &w.targets[r.target]
	st.building = false
	switch {
	case r.err != nil && w.ctx.Err() != nil:
		return // closing
	case r.err != nil:
		w.log.Error("function rebuild failed; the previous instances keep serving (the build output is logged above)",
			"function", t.Function, "err", r.err)
	default:
		w.log.Info("function restarted", "function", t.Function)
	}
	during, n := st.during, st.duringN
	st.during, st.duringN = nil, 0
	switch {
	case n == 0:
		st.followUp = false
	case st.followUp:
		// Two restarts in a row saw changes while they ran: the build
		// rewrites files under the watched directory.
		w.log.Warn("files changed again while the function was rebuilt; ignoring them (if the build writes them, move them out of the watched directory or name them with -o)",
			"function", t.Function, "changed", during, "count", n)
		st.followUp = false
	default:
		st.followUp = true
		st.changed = during
		w.arm(st, r.target)
	}
}

// Close stops watching, cancels restarts in progress (a build is killed) and
// waits for the watcher's goroutines. It is safe to call more than once.
func (w *Watcher) Close() error {
	w.closing.Do(func() {
		w.cancel()
		w.closeErr = w.src.Close()
		w.wg.Wait()
		if w.closeErr != nil {
			w.closeErr = fmt.Errorf("closing file watcher: %w", w.closeErr)
		}
	})
	return w.closeErr
}

// realClock is the Clock of time.AfterFunc.
type realClock struct{}

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
