//go:build unix

package functions_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
)

type echoReply struct {
	Event         json.RawMessage   `json:"event"`
	Env           map[string]string `json:"env"`
	PID           int               `json:"pid"`
	RequestID     string            `json:"requestId"`
	ARN           string            `json:"arn"`
	DeadlineMs    int64             `json:"deadlineMs"`
	TraceID       string            `json:"traceId"`
	ClientContext map[string]string `json:"clientContext"`
	Cwd           string            `json:"cwd"`
}

type sleepReply struct {
	PID   int   `json:"pid"`
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

func TestWarmReuseAndEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := newHarness(t, functions.Options{Region: "eu-west-1", AccountID: "123456789012"}, functions.Config{
		Name:       "echo",
		Command:    []string{fn("echo")},
		Dir:        dir,
		Env:        map[string]string{"TABLE": "pets"},
		MemorySize: 256,
	})

	first := decode[echoReply](t, h.invoke("echo", map[string]any{"n": 1}))
	for i := 2; i <= 3; i++ {
		got := decode[echoReply](t, h.invoke("echo", map[string]any{"n": i}))
		if got.PID != first.PID {
			t.Fatalf("invocation %d ran in process %d; want the warm process %d", i, got.PID, first.PID)
		}
	}
	if string(first.Event) != `{"n":1}` {
		t.Errorf("event = %s; want {\"n\":1}", first.Event)
	}
	for k, want := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "echo",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/echo",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      "eu-west-1",
		"AWS_DEFAULT_REGION":              "eu-west-1",
		"LAMBDA_TASK_ROOT":                dir,
		"TZ":                              ":UTC",
		"TABLE":                           "pets",
		"PATH":                            os.Getenv("PATH"),
	} {
		if got := first.Env[k]; got != want {
			t.Errorf("env %s = %q; want %q", k, got, want)
		}
	}
	if !strings.HasPrefix(first.Env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q; want 127.0.0.1:port", first.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	if !strings.Contains(first.Env["AWS_LAMBDA_LOG_STREAM_NAME"], "/[$LATEST]") {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q", first.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if _, set := first.Env["_LAMBDA_SERVER_PORT"]; set {
		t.Error("_LAMBDA_SERVER_PORT is set; aws-lambda-go would speak the legacy RPC protocol")
	}
	if first.Cwd != dir {
		t.Errorf("working directory = %q; want %q", first.Cwd, dir)
	}
	if first.ARN != "arn:aws:lambda:eu-west-1:123456789012:function:echo" {
		t.Errorf("invoked ARN = %q", first.ARN)
	}
	if first.DeadlineMs <= 0 {
		t.Errorf("deadline = %d; want a Unix epoch in ms", first.DeadlineMs)
	}

	// Qualifier, trace id and client context reach the function.
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
	res, err := h.m.Invoke(context.Background(), &functions.Invocation{
		FunctionName: "echo", Qualifier: "live", Payload: []byte(`{}`), ClientContext: cc,
		TraceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", Tail: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := decode[echoReply](t, res)
	if got.ARN != "arn:aws:lambda:eu-west-1:123456789012:function:echo:live" {
		t.Errorf("qualified invoked ARN = %q", got.ARN)
	}
	if got.RequestID != res.RequestID || len(res.RequestID) != 36 {
		t.Errorf("function saw request id %q; Result.RequestID = %q", got.RequestID, res.RequestID)
	}
	if got.TraceID == "" || got.ClientContext["k"] != "v" {
		t.Errorf("trace id %q, client context %v; want both passed on", got.TraceID, got.ClientContext)
	}
	if res.ExecutedVersion != "$LATEST" {
		t.Errorf("ExecutedVersion = %q; want $LATEST", res.ExecutedVersion)
	}
	for _, want := range []string{"START RequestId: " + res.RequestID + " Version: $LATEST", "END RequestId: " + res.RequestID, "REPORT RequestId: " + res.RequestID} {
		if !strings.Contains(res.Log, want) {
			t.Errorf("log tail lacks %q:\n%s", want, res.Log)
		}
	}
	if !strings.Contains(res.Log, "echo handling "+res.RequestID) {
		t.Errorf("log tail lacks the function's own output:\n%s", res.Log)
	}

	// Lambda's log lines: one START/END/REPORT per invocation, Init Duration
	// only on the cold one; process output tagged with the request id.
	reports := h.logs.find("REPORT RequestId: ")
	if len(reports) != 4 {
		t.Fatalf("%d REPORT lines; want 4", len(reports))
	}
	for i, r := range reports {
		if r.attrs["function"] != "echo" || r.attrs["requestId"] == "" {
			t.Errorf("REPORT attributes = %v; want function and requestId", r.attrs)
		}
		for _, field := range []string{"\tDuration: ", " ms\tBilled Duration: ", "\tMemory Size: 256 MB\tMax Memory Used: "} {
			if !strings.Contains(r.msg, field) {
				t.Errorf("REPORT line %q lacks %q", r.msg, field)
			}
		}
		if hasInit := strings.Contains(r.msg, "Init Duration: "); hasInit != (i == 0) {
			t.Errorf("REPORT %d: Init Duration present = %v; want only on the cold start", i, hasInit)
		}
	}
	out := h.logs.find("echo handling " + res.RequestID)
	if len(out) != 1 || out[0].attrs["requestId"] != res.RequestID || out[0].attrs["stream"] != "stdout" {
		t.Errorf("process output records = %+v; want one tagged with the request id", out)
	}
}

// TestConcurrentInvocationsOverlap runs five 500 ms invocations at once on a
// function with concurrency 5 and checks that they ran in five processes at
// the same time (every one started before any finished). No wall-clock
// assertions.
func TestConcurrentInvocationsOverlap(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{}, functions.Config{Name: "sleep", Command: []string{fn("sleep")}, Concurrency: 5})
	const n = 5
	replies := make([]sleepReply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { replies[i] = decode[sleepReply](t, h.invoke("sleep", map[string]int{"ms": 500})) })
	}
	wg.Wait()
	pids := map[int]bool{}
	var lastStart, firstEnd int64 = 0, 1 << 62
	for _, r := range replies {
		pids[r.PID] = true
		lastStart = max(lastStart, r.Start)
		firstEnd = min(firstEnd, r.End)
	}
	if len(pids) != n {
		t.Errorf("%d distinct processes; want %d", len(pids), n)
	}
	if lastStart >= firstEnd {
		t.Errorf("invocations did not overlap: the last started after the first finished")
	}
}

func TestThrottlingAndQueueing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{QueueTimeout: 50 * time.Millisecond},
		functions.Config{Name: "sleep", Command: []string{fn("sleep")}, Concurrency: 1})
	busy := make(chan *functions.Result, 1)
	go func() { busy <- h.invoke("sleep", map[string]int{"ms": 1500}) }()
	h.logs.waitFor(t, "START RequestId:")

	_, err := h.m.Invoke(context.Background(), &functions.Invocation{FunctionName: "sleep", Payload: []byte(`{"ms":0}`)})
	if !isErr(err, functions.ErrThrottled) {
		t.Fatalf("Invoke beyond concurrency = %v; want ErrThrottled", err)
	}
	first := decode[sleepReply](t, <-busy)

	// With room to wait, the queued request gets the warm instance.
	q := newHarness(t, functions.Options{QueueTimeout: time.Minute},
		functions.Config{Name: "sleep", Command: []string{fn("sleep")}, Concurrency: 1})
	go func() { busy <- q.invoke("sleep", map[string]int{"ms": 300}) }()
	q.logs.waitFor(t, "START RequestId:")
	queued := decode[sleepReply](t, q.invoke("sleep", map[string]int{"ms": 0}))
	running := decode[sleepReply](t, <-busy)
	if queued.PID != running.PID {
		t.Errorf("queued request ran in %d; want the instance it waited for (%d)", queued.PID, running.PID)
	}
	if queued.Start < running.End {
		t.Error("queued request started before the running one finished")
	}
	_ = first
}

func TestTimeoutKillsAndReplaces(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{}, functions.Config{Name: "sleep", Command: []string{fn("sleep")}, Timeout: time.Second})
	warm := decode[sleepReply](t, h.invoke("sleep", map[string]int{"ms": 0}))

	res := h.invoke("sleep", map[string]int{"ms": 5000})
	e := functionError(t, res)
	if !strings.HasSuffix(e.ErrorMessage, " "+res.RequestID+" Task timed out after 1.00 seconds") {
		t.Errorf("timeout message = %q", e.ErrorMessage)
	}
	waitDead(t, warm.PID)
	if rs := h.logs.find("REPORT RequestId: " + res.RequestID); len(rs) != 1 || !strings.Contains(rs[0].msg, "Status: timeout") {
		t.Errorf("REPORT for the timeout = %+v", rs)
	}

	next := decode[sleepReply](t, h.invoke("sleep", map[string]int{"ms": 0}))
	if next.PID == warm.PID {
		t.Error("the invocation after a timeout ran in the killed process")
	}
}

func TestFunctionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		wantType    string
		wantMessage string // substring
		wantStack   bool
		sameProcess bool // the process keeps serving after the failure
	}{
		{name: "fail", wantType: "errorString", wantMessage: "boom from ", sameProcess: true},
		{name: "panic", wantType: "string", wantMessage: "something went badly wrong", wantStack: true},
		{name: "exit", wantType: "Runtime.ExitError", wantMessage: "Error: Runtime exited with error: exit status 1"},
		{name: "stream", wantType: "errorString", wantMessage: "stream broke", sameProcess: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, functions.Options{}, functions.Config{Name: tt.name, Command: []string{fn(tt.name)}})
			res := h.invoke(tt.name, map[string]any{})
			e := functionError(t, res)
			if e.ErrorType != tt.wantType || !strings.Contains(e.ErrorMessage, tt.wantMessage) {
				t.Errorf("error = %s %q; want %s containing %q", e.ErrorType, e.ErrorMessage, tt.wantType, tt.wantMessage)
			}
			if (len(e.StackTrace) > 0) != tt.wantStack {
				t.Errorf("stack trace present = %v; want %v", len(e.StackTrace) > 0, tt.wantStack)
			}
			if tt.name == "exit" && !strings.Contains(e.ErrorMessage, "RequestId: "+res.RequestID) {
				t.Errorf("exit message %q lacks the request id", e.ErrorMessage)
			}
			// The next invocation is served (by a fresh instance when the
			// process died) and fails the same way.
			again := functionError(t, h.invoke(tt.name, map[string]any{}))
			if again.ErrorType != tt.wantType {
				t.Errorf("second invocation error type = %s; want %s", again.ErrorType, tt.wantType)
			}
			started := len(h.logs.find("function instance started"))
			if want := map[bool]int{true: 1, false: 2}[tt.sameProcess]; started != want {
				t.Errorf("%d instances started for two invocations; want %d", started, want)
			}
		})
	}
}

func TestInitFailures(t *testing.T) {
	t.Parallel()
	echoBin := fn("echo")
	tests := []struct {
		name        string
		cfg         functions.Config
		opts        functions.Options
		wantType    string
		wantMessage string
	}{
		{name: "exit before first next", cfg: functions.Config{Command: []string{fn("exit")}, Env: map[string]string{"EXIT_AT_INIT": "1"}},
			wantType: "Runtime.ExitError", wantMessage: "Runtime exited with error: exit status 2"},
		{name: "init error posted", cfg: functions.Config{Command: []string{fn("initerror")}},
			wantType: "ConfigError", wantMessage: "missing TABLE"},
		{name: "missing command", cfg: functions.Config{Command: []string{filepath.Join(t.TempDir(), "bootstrap")}},
			wantType: "Runtime.InvalidEntrypoint", wantMessage: "no such file or directory"},
		{name: "failed build", cfg: functions.Config{Command: []string{echoBin}, Build: []string{"sh", "-c", "echo compiling; exit 3"}},
			wantType: "Runtime.InvalidEntrypoint", wantMessage: "exit status 3"},
		{name: "init timeout", cfg: functions.Config{Command: []string{fn("slowinit")}, Env: map[string]string{"SLOWINIT_MS": "5000"}},
			opts: functions.Options{InitTimeout: 200 * time.Millisecond}, wantMessage: "Task timed out after 0.20 seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.Name = "f"
			h := newHarness(t, tt.opts, tt.cfg)
			for i := range 2 { // each invocation retries init
				e := functionError(t, h.invoke("f", map[string]any{}))
				if e.ErrorType != tt.wantType || !strings.Contains(e.ErrorMessage, tt.wantMessage) {
					t.Fatalf("invocation %d: error = %s %q; want %s containing %q", i, e.ErrorType, e.ErrorMessage, tt.wantType, tt.wantMessage)
				}
			}
		})
	}
}

// TestBuildRunsOnceAndRetriesAfterFailure builds a function into its
// directory: the first build fails, the next one (after the "fix") succeeds
// and is not repeated. The command is relative to Dir.
func TestBuildRunsOnceAndRetriesAfterFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := `echo build >> builds.log; test -f fixed && cp '` + fn("echo") + `' bootstrap`
	h := newHarness(t, functions.Options{}, functions.Config{
		Name: "built", Dir: dir, Command: []string{"./bootstrap"}, Build: []string{"sh", "-c", script},
	})
	if e := functionError(t, h.invoke("built", map[string]any{})); e.ErrorType != "Runtime.InvalidEntrypoint" {
		t.Fatalf("error type = %s; want Runtime.InvalidEntrypoint", e.ErrorType)
	}
	if len(h.logs.find("function build failed")) != 1 {
		t.Error("no log line for the failed build")
	}
	if err := os.WriteFile(filepath.Join(dir, "fixed"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { decode[echoReply](t, h.invoke("built", map[string]any{})) })
	}
	wg.Wait()
	decode[echoReply](t, h.invoke("built", map[string]any{}))
	log, err := os.ReadFile(filepath.Join(dir, "builds.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(log), "build"); n != 2 {
		t.Errorf("build ran %d times; want 2 (one failure, one success)", n)
	}
}

func TestSlowInitReportsInitDuration(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{}, functions.Config{Name: "slow", Command: []string{fn("slowinit")}, Env: map[string]string{"SLOWINIT_MS": "300"}})
	res := h.invoke("slow", nil)
	if res.FunctionError != "" {
		t.Fatalf("function error: %s", res.Payload)
	}
	r := h.logs.waitFor(t, "REPORT RequestId: "+res.RequestID)
	if !strings.Contains(r.msg, "\tInit Duration: ") {
		t.Errorf("REPORT %q lacks Init Duration", r.msg)
	}
}

func TestResponseTooLarge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{}, functions.Config{Name: "echo", Command: []string{fn("echo")}})
	big := `"` + strings.Repeat("x", functions.MaxPayloadSize-100) + `"`
	e := functionError(t, h.invoke("echo", []byte(big)))
	if e.ErrorType != "Function.ResponseSizeTooLarge" || !strings.Contains(e.ErrorMessage, "exceeded maximum allowed payload size (6291556 bytes)") {
		t.Errorf("error = %s %q", e.ErrorType, e.ErrorMessage)
	}
	// aws-lambda-go exits on the 413; the next invocation gets a new instance.
	decode[echoReply](t, h.invoke("echo", map[string]any{}))
}

func TestInvokeErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{}, functions.Config{Name: "echo", Command: []string{fn("echo")}})
	tests := []struct {
		name string
		in   functions.Invocation
		want error
	}{
		{name: "unknown function", in: functions.Invocation{FunctionName: "nope"}, want: functions.ErrFunctionNotFound},
		{name: "payload too large", in: functions.Invocation{FunctionName: "echo", Payload: make([]byte, functions.MaxPayloadSize+1)}, want: functions.ErrPayloadTooLarge},
		{name: "client context not base64", in: functions.Invocation{FunctionName: "echo", ClientContext: "%%%"}, want: functions.ErrInvalidRequestContent},
		{name: "client context not an object", in: functions.Invocation{FunctionName: "echo", ClientContext: base64.StdEncoding.EncodeToString([]byte("[1]"))}, want: functions.ErrInvalidRequestContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.m.Invoke(context.Background(), &tt.in)
			if !isErr(err, tt.want) {
				t.Errorf("Invoke = %v; want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.in.FunctionName) {
				t.Errorf("error %q does not name the function", err)
			}
		})
	}
	if !h.m.Has("echo") || h.m.Has("nope") {
		t.Error("Has is wrong")
	}
}

func TestIdleInstancesStop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{IdleTimeout: 100 * time.Millisecond}, functions.Config{Name: "echo", Command: []string{fn("echo")}})
	first := decode[echoReply](t, h.invoke("echo", map[string]any{}))
	waitDead(t, first.PID)
	if next := decode[echoReply](t, h.invoke("echo", map[string]any{})); next.PID == first.PID {
		t.Error("the idle instance was not replaced")
	}
}

func TestCloseStopsEverything(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{}, functions.Config{Name: "sleep", Command: []string{fn("sleep")}, Concurrency: 1})
	warm := decode[sleepReply](t, h.invoke("sleep", map[string]int{"ms": 0}))
	inflight := make(chan error, 1)
	go func() {
		_, err := h.m.Invoke(context.Background(), &functions.Invocation{FunctionName: "sleep", Payload: []byte(`{"ms":60000}`)})
		inflight <- err
	}()
	h.logs.waitFor(t, "START RequestId:") // the first one's START is there too; wait for the second
	deadline := time.Now().Add(10 * time.Second)
	for len(h.logs.find("START RequestId:")) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.m.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-inflight; !isErr(err, functions.ErrClosed) {
		t.Errorf("in-flight invocation = %v; want ErrClosed", err)
	}
	if alive(warm.PID) {
		t.Errorf("process %d survived Close", warm.PID)
	}
	if _, err := h.m.Invoke(context.Background(), &functions.Invocation{FunctionName: "sleep"}); !isErr(err, functions.ErrClosed) {
		t.Errorf("Invoke after Close = %v; want ErrClosed", err)
	}
}

// TestCallerLeavesEarly checks that an invocation whose caller gives up runs
// to completion and leaves the instance usable.
func TestCallerLeavesEarly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{}, functions.Config{Name: "sleep", Command: []string{fn("sleep")}, Concurrency: 1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.m.Invoke(ctx, &functions.Invocation{FunctionName: "sleep", Payload: []byte(`{"ms":300}`)})
		done <- err
	}()
	h.logs.waitFor(t, "START RequestId:")
	cancel()
	if err := <-done; !isErr(err, context.Canceled) {
		t.Fatalf("Invoke = %v; want context.Canceled", err)
	}
	// The instance finishes the abandoned invocation, then serves this one.
	got := decode[sleepReply](t, h.invoke("sleep", map[string]int{"ms": 0}))
	if n := len(h.logs.find("function instance started")); n != 1 {
		t.Errorf("%d instances started; want the one (pid %d) reused", n, got.PID)
	}
}

func TestRelativeCommandResolvesAgainstDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := os.ReadFile(fn("echo"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), b, 0o700); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, functions.Options{}, functions.Config{Name: "rel", Dir: dir, Command: []string{"./bootstrap"}})
	if got := decode[echoReply](t, h.invoke("rel", map[string]any{})); got.Cwd != dir {
		t.Errorf("cwd = %q; want %q", got.Cwd, dir)
	}
}

// TestChildrenDieWithTheInstance runs a function whose command leaves a child
// process behind (a shell starting `sleep` in the background, then becoming
// the runtime) and checks that stopping the instance stops the child too:
// instances are process groups.
func TestChildrenDieWithTheInstance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := newHarness(t, functions.Options{}, functions.Config{
		Name: "sh", Dir: dir,
		Command: []string{"sh", "-c", `sleep 300 & echo $! > child.pid; exec '` + fn("echo") + `'`},
	})
	decode[echoReply](t, h.invoke("sh", map[string]any{}))
	b, err := os.ReadFile(filepath.Join(dir, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	var child int
	if _, err := fmt.Sscan(string(b), &child); err != nil || !alive(child) {
		t.Fatalf("background child %q not running (%v)", b, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitDead(t, child)
}

// TestRestartReplacesInstances rebuilds a function while an invocation runs:
// the invocation finishes on its old instance, the next one runs on a fresh
// instance of the new build, and a failing rebuild leaves the old instance
// serving.
func TestRestartReplacesInstances(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := `test ! -f broken && echo build >> builds.log && rm -f bootstrap && cp '` + fn("sleep") + `' bootstrap`
	h := newHarness(t, functions.Options{}, functions.Config{
		Name: "dev", Dir: dir, Command: []string{"./bootstrap"}, Build: []string{"sh", "-c", script}, Concurrency: 1,
	})
	old := decode[sleepReply](t, h.invoke("dev", map[string]int{"ms": 0}))

	inflight := make(chan *functions.Result, 1)
	go func() { inflight <- h.invoke("dev", map[string]int{"ms": 300}) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(h.logs.find("START RequestId:")) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := h.m.Restart(context.Background(), "dev"); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if r := decode[sleepReply](t, <-inflight); r.PID != old.PID {
		t.Errorf("the in-flight invocation ran in %d; want the old instance %d", r.PID, old.PID)
	}
	fresh := decode[sleepReply](t, h.invoke("dev", map[string]int{"ms": 0}))
	if fresh.PID == old.PID {
		t.Error("invocation after Restart ran in the old instance")
	}
	waitDead(t, old.PID)

	if err := os.WriteFile(filepath.Join(dir, "broken"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.m.Restart(context.Background(), "dev"); err == nil {
		t.Fatal("Restart with a failing build succeeded")
	}
	if again := decode[sleepReply](t, h.invoke("dev", map[string]int{"ms": 0})); again.PID != fresh.PID {
		t.Errorf("after a failed rebuild the invocation ran in %d; want the still-serving %d", again.PID, fresh.PID)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "builds.log"))
	if n := strings.Count(string(log), "build"); n != 2 {
		t.Errorf("%d successful builds; want 2", n)
	}
}
