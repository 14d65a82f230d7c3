package functions

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/apigwdev/apigw/internal/functions/rapi"
	"github.com/apigwdev/apigw/internal/functions/runtimes"
)

// instance is one execution environment of a local function: a runtime
// process and the Runtime API server it talks to. Each instance is run by
// one goroutine (run), which alone touches the process and the server; the
// rest of the package talks to it through channels:
//
//  1. The pool creates it and starts run; nothing else happens yet.
//  2. The first call starts the process (init, after the function's build)
//     with AWS_LAMBDA_RUNTIME_API pointing at the instance's own server.
//  3. Each call is handed to the runtime's parked /next. When the runtime
//     answers, the instance returns to the pool and then the answer goes to
//     the caller, so a caller invoking again at once finds it warm. Until its
//     runtime asks for the next event (Lambda's "the invocation ends at the
//     next /next") the instance is finishing: still bound by the last
//     invocation's timeout, and the next call waits for that /next.
//  4. It ends when its process exits or times out, when the pool stops it
//     for idleness, or when the manager closes: the process is stopped
//     (SIGTERM, SIGKILL after the grace), the server closed, and the pool told.
//
// The runtime's own protocol state lives in rapi.Server's state machine; the
// instance's phases are the positions in run and serve below.
type instance struct {
	fn    *function
	seq   int
	calls chan *call    // unbuffered: a send succeeds when run takes the call
	stop  chan struct{} // closed by requestStop
	done  chan struct{} // closed when run returns
	once  sync.Once
	logs  *instanceLog

	idleSince time.Time // guarded by fn.pool.mu
	gen       int       // the pool generation it belongs to; set before run starts

	// Owned by run.
	srv         *rapi.Server
	proc        *process
	memCap      *memLimit     // enforces memorySize while an invocation runs; nil where it cannot
	started     time.Time     // process start
	initialized bool          // the runtime called /next at least once
	finishing   bool          // answered its last invocation, its runtime has not asked for the next event yet; timer runs
	pendingInit time.Duration // init duration not yet reported in a REPORT line
	timer       *time.Timer
	mem         memReader // peak memory of proc, for REPORT lines
}

// call is one invocation handed to an instance.
type call struct {
	ctx           context.Context // the caller's; only consulted before the event is handed over
	in            *Invocation
	requestID     string
	arn           string
	clientContext string          // decoded JSON text
	reply         chan callResult // buffered 1
}

// callResult is an instance's answer to a call.
type callResult struct {
	res *Result
	err error
	// retry: the instance died before the event was handed over and the
	// death was not this call's init failure; the call can go to another
	// instance.
	retry bool
}

func newInstance(fn *function, seq int) *instance {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &instance{
		fn:    fn,
		seq:   seq,
		calls: make(chan *call),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		logs:  &instanceLog{log: fn.log, crIsNewline: fn.cfg.Runtime != ""},
		timer: t,
	}
}

// requestStop asks an idle instance to end.
func (in *instance) requestStop() { in.once.Do(func() { close(in.stop) }) }

// events and exited return nil channels (which never fire) before the
// process starts.
func (in *instance) events() <-chan rapi.Event {
	if in.srv == nil {
		return nil
	}
	return in.srv.Events()
}

func (in *instance) exited() <-chan struct{} {
	if in.proc == nil {
		return nil
	}
	return in.proc.exited
}

// run is the instance's goroutine: it waits for calls while idle and serves
// them one at a time, until the instance ends.
func (in *instance) run() {
	defer in.shutdown()
	ctx := in.fn.mgr.ctx
	for {
		select {
		case c := <-in.calls:
			if !in.serve(c) {
				return
			}
		case ev := <-in.events():
			if !in.idleEvent(ev) {
				return
			}
		case <-in.finishDeadline():
			in.fn.log.Warn("function instance did not ask for its next event within the timeout; stopping it", "pid", in.pid())
			return
		case <-in.exited():
			if in.finishing {
				// aws-lambda-go exits after reporting a panic (as the
				// runtime interface emulator shows); the next invocation gets a fresh instance.
				in.fn.log.Info("function instance exited after its invocation", "pid", in.proc.pid, "err", in.proc.waitErr)
			} else {
				in.fn.log.Warn("function instance exited while idle", "pid", in.proc.pid, "err", in.proc.waitErr)
			}
			return
		case <-in.stop:
			in.fn.log.Debug("stopping idle function instance", "pid", in.pid())
			return
		case <-ctx.Done():
			return
		}
	}
}

// idleEvent handles what the runtime does between invocations and reports
// whether the instance lives on.
func (in *instance) idleEvent(ev rapi.Event) bool {
	switch ev.Kind {
	case rapi.EventReady:
		in.markInitialized(ev)
		in.finished()
	case rapi.EventInitError:
		in.fn.log.Error("function init failed", "pid", in.pid(), "errorType", ev.ErrorType, "error", string(ev.Payload))
		return false
	}
	return true
}

// finished ends the finishing phase: the runtime asked for its next event,
// so the last invocation is over.
func (in *instance) finished() {
	if in.finishing {
		in.finishing = false
		in.stopTimer()
		in.logs.detach()
	}
}

// finishDeadline fires when a finishing instance's invocation times out
// before its runtime asks for the next event; nil otherwise.
func (in *instance) finishDeadline() <-chan time.Time {
	if !in.finishing {
		return nil
	}
	return in.timer.C
}

func (in *instance) markInitialized(ev rapi.Event) {
	if ev.Init && !in.initialized {
		in.initialized = true
		in.pendingInit = ev.Time.Sub(in.started)
	}
}

func (in *instance) pid() int {
	if in.proc == nil {
		return 0
	}
	return in.proc.pid
}

// shutdown stops the process and the server and tells the pool.
func (in *instance) shutdown() {
	in.timer.Stop()
	if in.proc != nil {
		in.proc.stop(in.fn.mgr.opts.StopGrace)
	}
	in.mem.close()
	if in.srv != nil {
		if err := in.srv.Close(); err != nil {
			in.fn.log.Warn("closing runtime API server", "err", err)
		}
	}
	in.fn.pool.dead(in)
	close(in.done)
}

// start starts the process of a cold instance: the build (once per
// function), the Runtime API server, then the process. A returned Result is
// the invocation's init failure; a returned error is the host's.
func (in *instance) start(c *call) (*Result, error) {
	fn := in.fn
	if fn.build != nil {
		if err := fn.build.ensure(fn.mgr.ctx); err != nil {
			if fn.mgr.ctx.Err() != nil {
				return nil, ErrClosed
			}
			return fn.failure(c.requestID, entrypointPayload(c.requestID, err)), nil
		}
	}
	argv := fn.cfg.Command
	if rt := fn.rt; rt != nil {
		if rt.err != nil {
			fn.log.Error("function cannot run", "err", rt.err)
			return fn.failure(c.requestID, entrypointPayload(c.requestID, rt.err)), nil
		}
		argv = rt.spec.Command()
		if w := fn.cfg.Env["AWS_LAMBDA_EXEC_WRAPPER"]; w != "" {
			// Lambda's runtime bootstrap script checks the wrapper and exits
			// 127 or 126 with a line saying why: the invocation fails with
			// Runtime.ExitError.
			if line, code := runtimes.CheckWrapper(w, fn.cfg.Dir); line != "" {
				in.started = time.Now()
				in.logs.output("stdout", line)
				fn.log.Error("function instance failed to start", "wrapper", w, "err", line)
				return in.failBeforeStart(c, exitCodePayload(c.requestID, code), "error", errorTypeExit), nil
			}
		}
	}
	srv := rapi.New(rapi.Config{FunctionName: fn.cfg.Name, Logger: fn.log})
	addr, err := srv.Start()
	if err != nil {
		return nil, fmt.Errorf("starting instance of function %s: %w", fn.cfg.Name, err)
	}
	spec := procSpec{argv: argv, dir: fn.cfg.Dir, env: fn.environ(addr), out: in.logs.output}
	in.started = time.Now()
	proc, err := startProcess(&fn.mgr.routines, spec)
	if err != nil {
		_ = srv.Close()
		if errors.Is(err, ErrClosed) {
			return nil, err
		}
		fn.log.Error("function instance failed to start", "command", argv, "dir", fn.cfg.Dir, "err", err)
		return fn.failure(c.requestID, entrypointPayload(c.requestID, err)), nil
	}
	srv.Admit(proc.pid) // only this process tree may use the Runtime API
	in.srv, in.proc = srv, proc
	in.memCap = newMemLimit(proc.pid, fn.cfg.MemorySize)
	fn.log.Info("function instance started", "instance", in.seq, "pid", proc.pid, "runtimeAPI", addr)
	return nil, nil
}

// serve runs one call on the instance and reports whether the instance can
// take another.
func (in *instance) serve(c *call) bool {
	fn := in.fn
	mgrCtx := fn.mgr.ctx
	if in.proc == nil {
		res, err := in.start(c)
		if res != nil || err != nil {
			c.reply <- callResult{res: res, err: err}
			return false
		}
	}

	// Phase 1: hand the event to the runtime's /next. A cold instance must
	// finish init first, within InitTimeout of its start; a finishing one must
	// ask for its next event within its last invocation's timeout, which is
	// still running.
	var deadline <-chan time.Time
	switch {
	case !in.initialized:
		in.timer.Reset(time.Until(in.started.Add(fn.mgr.opts.InitTimeout)))
		deadline = in.timer.C
	case in.finishing:
		deadline = in.timer.C
	}
	ev := &rapi.Invocation{
		RequestID:          c.requestID,
		Payload:            c.in.Payload,
		Timeout:            fn.cfg.Timeout,
		InvokedFunctionARN: c.arn,
		TraceID:            c.in.TraceID,
		ClientContext:      c.clientContext,
	}
	for handedOver := false; !handedOver; {
		select {
		case in.srv.Invocations() <- ev:
			handedOver = true
			in.finishing = false // its /next ended the last invocation; the timer is re-armed below
		case e := <-in.srv.Events():
			switch e.Kind {
			case rapi.EventReady:
				in.markInitialized(e)
				switch {
				case e.Init:
					in.stopTimer()
					deadline = nil
				case in.finishing:
					in.finished()
					deadline = nil
				}
			case rapi.EventInitError:
				c.reply <- callResult{res: in.failBeforeStart(c, e.Payload, "error", e.ErrorType)}
				return false
			}
		case <-in.proc.exited:
			if e, ok := in.pendingEvent(rapi.EventInitError); ok {
				// "/init/error, then exit": the runtime's own report wins.
				c.reply <- callResult{res: in.failBeforeStart(c, e.Payload, "error", e.ErrorType)}
				return false
			}
			if in.initialized {
				c.reply <- callResult{retry: true}
			} else {
				c.reply <- callResult{res: in.failBeforeStart(c, exitPayload(c.requestID, in.proc.waitErr), "error", errorTypeExit)}
			}
			return false
		case <-deadline:
			if in.initialized {
				in.fn.log.Warn("function instance did not ask for its next event within the timeout; stopping it", "pid", in.pid())
				c.reply <- callResult{retry: true}
				return false
			}
			in.logs.platform(c.requestID, fmt.Sprintf("%s Init timed out after %.2f seconds", c.requestID, fn.mgr.opts.InitTimeout.Seconds()))
			c.reply <- callResult{res: in.failBeforeStart(c, timeoutPayload(c.requestID, fn.mgr.opts.InitTimeout, time.Now()), "timeout", "")}
			return false
		case <-c.ctx.Done():
			// The caller left before the runtime took the event: drop it and
			// keep the instance (it may still be initialising or finishing).
			if !in.finishing {
				in.stopTimer()
			}
			c.reply <- callResult{err: c.ctx.Err()}
			return in.fn.pool.release(in)
		case <-mgrCtx.Done():
			c.reply <- callResult{err: ErrClosed}
			return false
		}
	}

	// Phase 2: the runtime runs the handler, within the function's timeout.
	// From here on the caller's context no longer matters: as on Lambda, an
	// invocation runs to completion once started.
	handedAt := time.Now()
	in.timer.Reset(fn.cfg.Timeout)
	in.logs.begin(c.requestID, c.in.Tail)
	in.logs.platform(c.requestID, startLine(c.requestID, fn.version()))
	var memTick <-chan time.Time
	if in.memCap != nil {
		t := time.NewTicker(memCheckInterval)
		defer t.Stop()
		memTick = t.C
	}
	var res *Result
	for res == nil {
		select {
		case <-memTick:
			if rss, over := in.memCap.exceeded(); over {
				in.fn.log.Warn("function instance used more than its memory size; stopping it",
					"pid", in.pid(), "rssMB", rss>>20, "memorySizeMB", fn.cfg.MemorySize)
				c.reply <- callResult{res: in.finish(c, handedAt, outOfMemoryPayload(c.requestID), true, "error", errorTypeOutOfMemory)}
				return false
			}
		case e := <-in.srv.Events():
			if e.Kind == rapi.EventReady {
				// The init /next may be read only after the hand-off.
				in.markInitialized(e)
			}
			if e.Kind != rapi.EventResult || e.RequestID != c.requestID {
				continue
			}
			res = in.finish(c, handedAt, e.Payload, e.FunctionError, statusOf(e.FunctionError), e.ErrorType)
		case <-in.proc.exited:
			if e, ok := in.pendingEvent(rapi.EventResult); ok && e.RequestID == c.requestID {
				// "/error (or /response), then exit" is a completed invocation:
				// Node.js runtimes exit after reporting an uncaught exception,
				// aws-lambda-go after a panic.
				res = in.finish(c, handedAt, e.Payload, e.FunctionError, statusOf(e.FunctionError), e.ErrorType)
				in.finishing = true
				c.reply <- callResult{res: res}
				return false
			}
			c.reply <- callResult{res: in.finish(c, handedAt, exitPayload(c.requestID, in.proc.waitErr), true, "error", errorTypeExit)}
			return false
		case <-in.timer.C:
			now := time.Now()
			in.logs.platform(c.requestID, fmt.Sprintf("%s %s Task timed out after %.2f seconds",
				now.UTC().Format(lambdaTimestampLayout), c.requestID, fn.cfg.Timeout.Seconds()))
			c.reply <- callResult{res: in.finish(c, handedAt, timeoutPayload(c.requestID, fn.cfg.Timeout, now), true, "timeout", errorTypeTimeout)}
			return false
		case <-mgrCtx.Done():
			c.reply <- callResult{err: ErrClosed}
			return false
		}
	}
	// Phase 3: the instance goes back to the pool before the caller gets its
	// answer, so that a caller invoking again at once finds it warm. It is
	// finishing until its runtime asks for the next event (Lambda's "the
	// invocation ends at the next /next"), still within the timeout; run and
	// the next serve watch for that.
	in.finishing = true
	alive := in.fn.pool.release(in)
	c.reply <- callResult{res: res}
	return alive
}

// finish logs END and REPORT for an invocation the runtime took and builds
// its Result.
func (in *instance) finish(c *call, handedAt time.Time, payload []byte, failed bool, status, errorType string) *Result {
	init := in.pendingInit // logReport resets it
	in.logReport(c.requestID, time.Since(handedAt), status, errorType)
	res := &Result{Payload: payload, ExecutedVersion: in.fn.version(), RequestID: c.requestID, Log: in.logs.takeTail(), InitDuration: init}
	if failed {
		res.FunctionError = FunctionErrorUnhandled
	}
	return res
}

// failBeforeStart logs START, END and REPORT for an invocation whose instance
// failed to initialise, and builds its failed Result.
func (in *instance) failBeforeStart(c *call, payload []byte, status, errorType string) *Result {
	in.stopTimer()
	in.pendingInit = time.Since(in.started)
	in.logs.begin(c.requestID, c.in.Tail)
	in.logs.platform(c.requestID, startLine(c.requestID, in.fn.version()))
	return in.finish(c, time.Now(), payload, true, status, errorType)
}

func (in *instance) logReport(requestID string, d time.Duration, status, errorType string) {
	if in.proc != nil {
		in.proc.syncOutput() // what the function printed before answering comes before END
	}
	if !in.logs.wanted() {
		// Neither logged nor kept for the tail: skip building the lines and
		// reading the peak memory.
		in.pendingInit = 0
		return
	}
	in.logs.platform(requestID, endLine(requestID))
	// The reading is cached for memRefresh; it is always fresh on the
	// instance's first invocation (the cache is empty) and on one that
	// failed, which may be its last.
	maxMem, _ := in.mem.maxMemoryMB(in.pid(), status != "", time.Now())
	in.logs.platform(requestID, report{
		requestID:    requestID,
		duration:     d,
		initDuration: in.pendingInit,
		memorySize:   in.fn.cfg.MemorySize,
		maxMemory:    maxMem,
		status:       status,
		errorType:    errorType,
	}.String())
	in.pendingInit = 0
}

// statusOf is the REPORT line status of an answered invocation.
func statusOf(failed bool) string {
	if failed {
		return "error"
	}
	return ""
}

// pendingEvent returns the first event of kind the runtime reported before
// its process exited and that is still unread, dropping the others. The
// Runtime API server emits an event before it answers the request, so an
// event the runtime caused before exiting is buffered by the time the exit
// is seen; select, however, may pick the exit first.
func (in *instance) pendingEvent(kind rapi.EventKind) (rapi.Event, bool) {
	for {
		select {
		case e := <-in.srv.Events():
			if e.Kind == kind {
				return e, true
			}
		default:
			return rapi.Event{}, false
		}
	}
}

func (in *instance) stopTimer() {
	in.timer.Stop()
	// Go 1.23+: Stop guarantees no stale value is received after it returns.
}
