package functions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Invocation is one call of a function.
type Invocation struct {
	// FunctionName is the plain function name (not an ARN).
	FunctionName string
	// Qualifier is the version or alias invoked; "" means $LATEST. Local
	// functions accept any qualifier and only report it in the invoked
	// function ARN; remote functions pass it on.
	Qualifier string
	// Payload is the event, at most MaxPayloadSize bytes.
	Payload []byte
	// TraceID is an optional X-Ray trace header value
	// (Root=1-...;Parent=...;Sampled=1), given to the function as
	// Lambda-Runtime-Trace-Id.
	TraceID string
	// ClientContext is an optional client context as the Invoke API takes it:
	// base64 of a JSON object. Local functions receive the decoded JSON.
	ClientContext string
	// Tail asks for the invocation's log tail in Result.Log, as the Invoke
	// API's X-Amz-Log-Type: Tail.
	Tail bool
	// RequestID is the request id to run a local function under; "" means a
	// new random UUID. The Invoke API sets it for Event invocations, whose
	// id is answered before the function runs. Remote functions ignore it:
	// the endpoint assigns its own.
	RequestID string
}

// Result is the outcome of an invocation that reached the function.
type Result struct {
	// Payload is the function's output, or, when FunctionError is set, the
	// Lambda error JSON {"errorMessage":...,"errorType":...}.
	Payload []byte
	// FunctionError is "" on success and "Unhandled" when the function
	// failed (handler error, panic, process exit, timeout, init failure), as
	// Lambda's X-Amz-Function-Error.
	FunctionError string
	// ExecutedVersion is the version that ran: "$LATEST" for local
	// functions, what the endpoint reported for remote ones.
	ExecutedVersion string
	// RequestID is the Lambda request id (a UUID) of the invocation.
	RequestID string
	// InitDuration is the instance's init (process start to its first
	// request for an event) when this invocation started it: a cold
	// start. Zero on warm invocations.
	InitDuration time.Duration
	// Log is the last 4 KB of the invocation's log when Invocation.Tail was
	// set (plain text; the Invoke API sends it base64-encoded).
	Log string
}

// Manager runs the configured functions: it supervises the instances of
// local functions and calls remote ones. It is safe for concurrent use.
//
// Lifecycle:
//
//  1. New validates every Config (a *ConfigError names the function at
//     fault), applies defaults and starts one idle-instance reaper per local
//     function. No process starts yet.
//  2. Invoke starts instances on first use and reuses warm ones, up to each
//     function's Concurrency (see pool).
//  3. Close stops every process (SIGTERM, then SIGKILL after
//     Options.StopGrace, by process group) and waits for every goroutine the
//     Manager started.
//
// Each instance process gets a minimal environment, not the gateway's: PATH,
// HOME, TMPDIR, USER and the Go toolchain variables (so `go run` works) and the
// AWS credential variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_PROFILE, AWS_CONFIG_FILE,
// AWS_SHARED_CREDENTIALS_FILE; a local function has no execution role) when the
// gateway has them; then the Lambda variables of https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
// (AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME, _VERSION, _MEMORY_SIZE,
// AWS_LAMBDA_LOG_GROUP_NAME, _LOG_STREAM_NAME, AWS_LAMBDA_INITIALIZATION_TYPE,
// AWS_REGION, AWS_DEFAULT_REGION, LAMBDA_TASK_ROOT, TZ=:UTC, LANG); then
// Config.Env. _LAMBDA_SERVER_PORT is never set, so aws-lambda-go speaks the
// Runtime API.
//
// Process output goes to Options.Logger line by line at info level, with
// the attributes function, stream and, while an invocation runs, requestId;
// so do Lambda's START, END and REPORT lines.
type Manager struct {
	opts     Options
	log      *slog.Logger
	fns      map[string]*function // immutable after New
	ctx      context.Context      // ended by Close
	cancel   context.CancelFunc
	routines routines
	closing  sync.Once
}

// function is one configured function.
type function struct {
	cfg    Config
	mgr    *Manager
	log    *slog.Logger     // with the function attribute
	pool   *pool            // local functions
	build  *builder         // local functions with a Build command
	remote *remoteFunction  // remote functions
	rt     *runtimeFunction // functions with a Runtime
}

// New validates fns and returns a Manager for them. Function names must be
// unique. It starts no process.
func New(opts Options, fns []Config) (*Manager, error) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		opts:     opts,
		log:      opts.Logger,
		fns:      make(map[string]*function, len(fns)),
		ctx:      ctx,
		cancel:   cancel,
		routines: routines{log: opts.Logger},
	}
	var remotes, rts []*function
	for _, c := range fns {
		c, err := c.normalize()
		if err != nil {
			cancel()
			return nil, err
		}
		if _, dup := m.fns[c.Name]; dup {
			cancel()
			return nil, &ConfigError{Function: c.Name, Field: "Name", Problem: "defined more than once"}
		}
		f := &function{cfg: c, mgr: m, log: opts.Logger.With(attrFunction, c.Name)}
		m.fns[c.Name] = f
		if c.Endpoint != "" {
			remotes = append(remotes, f)
			continue
		}
		f.pool = &pool{fn: f, max: c.Concurrency, queueTimeout: opts.QueueTimeout, idleTimeout: opts.IdleTimeout}
		if len(c.Build) > 0 {
			f.build = &builder{argv: c.Build, dir: c.Dir, log: f.log}
		}
		if c.Runtime != "" {
			rts = append(rts, f)
		}
	}
	if err := m.prepareRuntimes(rts); err != nil {
		cancel()
		return nil, err
	}
	if len(remotes) > 0 {
		awsCfg, err := loadAWSConfig(opts)
		if err != nil {
			cancel()
			return nil, err
		}
		for _, f := range remotes {
			f.remote = newRemoteFunction(f.cfg, awsCfg, f.log)
		}
	}
	for _, f := range m.fns {
		if f.pool != nil && opts.IdleTimeout > 0 {
			p := f.pool
			m.routines.Go(func() { p.reapIdle(ctx) })
		}
	}
	return m, nil
}

// Has reports whether a function named name is configured.
func (m *Manager) Has(name string) bool {
	_, ok := m.fns[name]
	return ok
}

// Names returns the configured function names, sorted.
func (m *Manager) Names() []string {
	names := make([]string, 0, len(m.fns))
	for n := range m.fns {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Invoke calls a function synchronously and returns its Result. Errors are
// for invocations that did not reach the function: ErrFunctionNotFound,
// ErrThrottled, ErrPayloadTooLarge, ErrInvalidRequestContent, ErrClosed, the
// context's error, or a wrapped transport error for remote functions; match
// them with errors.Is.
//
// ctx bounds the wait for an instance and for the answer. If it ends after a
// local function took the event, Invoke returns ctx's error but the
// invocation runs on to completion (or its timeout), as on Lambda, and the
// instance stays busy until then.
func (m *Manager) Invoke(ctx context.Context, in *Invocation) (*Result, error) {
	f, ok := m.fns[in.FunctionName]
	if !ok {
		return nil, fmt.Errorf("invoking function %s: %w", in.FunctionName, ErrFunctionNotFound)
	}
	if len(in.Payload) > MaxPayloadSize {
		return nil, fmt.Errorf("invoking function %s: payload of %d bytes exceeds %d bytes: %w",
			in.FunctionName, len(in.Payload), MaxPayloadSize, ErrPayloadTooLarge)
	}
	clientContext, err := decodeClientContext(in.ClientContext)
	if err != nil {
		return nil, fmt.Errorf("invoking function %s: %w", in.FunctionName, err)
	}
	if m.ctx.Err() != nil {
		return nil, fmt.Errorf("invoking function %s: %w", in.FunctionName, ErrClosed)
	}
	if f.remote != nil {
		return f.remote.invoke(ctx, in)
	}
	res, err := f.invoke(ctx, in, clientContext)
	if err != nil {
		return nil, fmt.Errorf("invoking function %s: %w", in.FunctionName, err)
	}
	return res, nil
}

// maxAttempts bounds how often an invocation moves to another instance
// because the one it got died before taking the event.
const maxAttempts = 3

// invoke runs one invocation on an instance of a local function.
func (f *function) invoke(ctx context.Context, in *Invocation, clientContext string) (*Result, error) {
	requestID := in.RequestID
	if requestID == "" {
		requestID = newRequestID()
	}
	c := &call{
		ctx:           ctx,
		in:            in,
		requestID:     requestID,
		arn:           FunctionARN(f.mgr.opts.Region, f.mgr.opts.AccountID, f.cfg.Name, in.Qualifier),
		clientContext: clientContext,
		reply:         make(chan callResult, 1),
	}
	for range maxAttempts {
		inst, err := f.pool.acquire(ctx)
		if err != nil {
			return nil, err
		}
		select {
		case inst.calls <- c:
		case <-inst.done:
			continue // it ended between the pool and here
		}
		select {
		case r := <-c.reply:
			if r.retry {
				continue
			}
			return r.res, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("no instance stayed up long enough to take the event (%d attempts)", maxAttempts)
}

// Restart replaces the instances of function name, for a development loop
// that rebuilds on source changes: it runs the function's Build command now
// (if it has one) and, if that succeeds, retires the current instances. Idle
// ones stop at once; invocations in flight finish on theirs, which then stop;
// later invocations start fresh instances. No request is dropped. If the
// build fails, the old instances keep serving, cold starts fail with
// Runtime.InvalidEntrypoint until a build succeeds, and the build error is
// returned. ctx bounds the build. Remote functions have nothing to restart.
func (m *Manager) Restart(ctx context.Context, name string) error {
	f, ok := m.fns[name]
	if !ok {
		return fmt.Errorf("restarting function %s: %w", name, ErrFunctionNotFound)
	}
	if f.pool == nil {
		return nil
	}
	if m.ctx.Err() != nil {
		return fmt.Errorf("restarting function %s: %w", name, ErrClosed)
	}
	if f.build != nil {
		bctx, cancel := context.WithCancel(ctx)
		stop := context.AfterFunc(m.ctx, cancel) // Close kills the build too
		err := f.build.rebuild(bctx)
		stop()
		cancel()
		if err != nil {
			return fmt.Errorf("restarting function %s: %w", name, err)
		}
	}
	f.pool.retire()
	f.log.Info("function instances replaced")
	return nil
}

// failure is the Result of an invocation that failed before any instance
// could run it (a failed build, a command that does not start).
func (f *function) failure(requestID string, payload []byte) *Result {
	return &Result{Payload: payload, FunctionError: FunctionErrorUnhandled, ExecutedVersion: f.version(), RequestID: requestID}
}

// version is the version local functions run and report.
func (f *function) version() string { return "$LATEST" }

// passthroughEnv are the gateway's environment variables a function process
// inherits (see Manager).
var passthroughEnv = []string{
	"PATH", "HOME", "TMPDIR", "USER",
	"GOPATH", "GOROOT", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOTOOLCHAIN",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
}

// environ returns the environment of a new instance whose Runtime API
// listens on addr.
func (f *function) environ(addr string) []string {
	env := make([]string, 0, len(passthroughEnv)+16+len(f.cfg.Env))
	for _, k := range passthroughEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	opts, cfg := f.mgr.opts, f.cfg
	env = append(env,
		"AWS_LAMBDA_RUNTIME_API="+addr,
		"AWS_LAMBDA_FUNCTION_NAME="+cfg.Name,
		"AWS_LAMBDA_FUNCTION_VERSION="+f.version(),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(cfg.MemorySize),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+cfg.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME="+logStreamName(f.version(), time.Now()),
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION="+opts.Region,
		"AWS_DEFAULT_REGION="+opts.Region,
		"LAMBDA_TASK_ROOT="+cfg.Dir,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
	)
	if f.rt != nil {
		env = append(env, f.rt.spec.Environ(os.Getenv("PATH"))...)
	}
	keys := make([]string, 0, len(cfg.Env))
	for k := range cfg.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+cfg.Env[k])
	}
	return env
}

// NewRequestID returns a new Lambda request id: a random version 4 UUID.
func NewRequestID() string { return newRequestID() }

// logStreamName is Lambda's log stream name form: 2024/01/02/[$LATEST]{32 hex}.
func logStreamName(version string, now time.Time) string {
	id := newRequestID()
	hex := id[0:8] + id[9:13] + id[14:18] + id[19:23] + id[24:]
	return now.UTC().Format("2006/01/02") + "/[" + version + "]" + hex
}

// decodeClientContext turns the Invoke API's base64 client context into the
// JSON text the Runtime API sends. Lambda requires a base64-encoded JSON
// object.
func decodeClientContext(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("client context is not base64: %w", errors.Join(ErrInvalidRequestContent, err))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return "", fmt.Errorf("client context is not a JSON object: %w", errors.Join(ErrInvalidRequestContent, err))
	}
	return string(b), nil
}

// Close stops every instance and waits until their processes are gone and
// every goroutine of the Manager has returned, or until ctx ends. Invocations
// in flight fail with ErrClosed; later ones too. It is safe to call more than
// once.
func (m *Manager) Close(ctx context.Context) error {
	m.closing.Do(func() {
		m.cancel()
		for _, f := range m.fns {
			if f.pool != nil {
				f.pool.close()
			}
		}
		m.routines.close()
	})
	done := make(chan struct{})
	go func() {
		m.routines.wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("closing functions: waiting for instances to stop: %w", ctx.Err())
	}
}

// routines is a group of goroutines with one owner (STYLE habit 8): Go
// starts one unless the group is closed, recovering and logging a panic;
// wait returns when all have returned.
type routines struct {
	log    *slog.Logger
	mu     sync.Mutex
	closed bool // guarded by mu
	wg     sync.WaitGroup
}

// Go runs fn in a new goroutine of the group and reports whether it did; it
// does not once the group is closed.
func (g *routines) Go(fn func()) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				g.log.Error("functions: goroutine panicked", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		fn()
	}()
	return true
}

func (g *routines) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
}

func (g *routines) wait() { g.wg.Wait() }
