//go:build unix

package functions_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/leaktest"
	"github.com/apigwdev/apigw/internal/testbin"
)

// bin is the directory holding the test functions of testdata/fn, built once
// for every test binary of the module (package testbin).
var bin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := testbin.Dir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "building test functions:", err)
		return 1
	}
	bin = dir
	code := m.Run()
	if code == 0 {
		if leaked := leaktest.Leaked(nil, 5*time.Second, "apigw/internal/functions"); len(leaked) > 0 {
			fmt.Fprintln(os.Stderr, "goroutines of package functions still running after every Manager closed:\n"+strings.Join(leaked, "\n\n"))
			return 1
		}
	}
	return code
}

// fn returns the path of the built test function name.
func fn(name string) string { return filepath.Join(bin, name) }

// logCapture is a slog.Handler that keeps every record, for assertions on
// START/END/REPORT lines and process output.
type logCapture struct {
	mu      sync.Mutex
	records []logRecord
	notify  chan struct{} // signalled on every record
}

type logRecord struct {
	msg   string
	attrs map[string]string
}

func newLogCapture() *logCapture { return &logCapture{notify: make(chan struct{}, 1)} }

func (c *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCapture) WithGroup(string) slog.Handler            { return c }
func (c *logCapture) WithAttrs(as []slog.Attr) slog.Handler {
	return &boundCapture{c: c, attrs: as}
}
func (c *logCapture) Handle(_ context.Context, r slog.Record) error { return c.add(nil, r) }

func (c *logCapture) add(bound []slog.Attr, r slog.Record) error {
	rec := logRecord{msg: r.Message, attrs: map[string]string{}}
	for _, a := range bound {
		rec.attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	c.mu.Lock()
	c.records = append(c.records, rec)
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
	return nil
}

type boundCapture struct {
	c     *logCapture
	attrs []slog.Attr
}

func (b *boundCapture) Enabled(context.Context, slog.Level) bool { return true }
func (b *boundCapture) WithGroup(string) slog.Handler            { return b }
func (b *boundCapture) WithAttrs(as []slog.Attr) slog.Handler {
	return &boundCapture{c: b.c, attrs: append(append([]slog.Attr{}, b.attrs...), as...)}
}
func (b *boundCapture) Handle(_ context.Context, r slog.Record) error { return b.c.add(b.attrs, r) }

// find returns the records whose message starts with prefix.
func (c *logCapture) find(prefix string) []logRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []logRecord
	for _, r := range c.records {
		if strings.HasPrefix(r.msg, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// waitFor waits until a record whose message starts with prefix appears.
func (c *logCapture) waitFor(t *testing.T, prefix string) logRecord {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if rs := c.find(prefix); len(rs) > 0 {
			return rs[0]
		}
		select {
		case <-c.notify:
		case <-deadline:
			t.Fatalf("no log line starting with %q", prefix)
		}
	}
}

// harness is a Manager under test plus what it logged and the processes it
// was seen running.
type harness struct {
	t    *testing.T
	m    *functions.Manager
	logs *logCapture
	pids map[int]bool // only touched by close, on the test goroutine
}

func newHarness(t *testing.T, opts functions.Options, cfgs ...functions.Config) *harness {
	t.Helper()
	h := &harness{t: t, logs: newLogCapture(), pids: map[int]bool{}}
	opts.Logger = slog.New(h.logs)
	m, err := functions.New(opts, cfgs)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.m = m
	t.Cleanup(h.close)
	return h
}

// close closes the Manager and checks that no process it started survives.
func (h *harness) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.m.Close(ctx); err != nil {
		h.t.Errorf("Close: %v", err)
	}
	for _, r := range h.logs.find("function instance started") {
		var pid int
		fmt.Sscan(r.attrs["pid"], &pid)
		h.pids[pid] = true
	}
	for pid := range h.pids {
		if alive(pid) {
			h.t.Errorf("process %d still running after Close", pid)
		}
	}
}

func alive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

func (h *harness) invoke(name string, payload any) *functions.Result {
	h.t.Helper()
	res, err := h.invokeErr(context.Background(), &functions.Invocation{FunctionName: name, Payload: mustJSON(h.t, payload)})
	if err != nil {
		h.t.Fatalf("Invoke %s: %v", name, err)
	}
	return res
}

func (h *harness) invokeErr(ctx context.Context, in *functions.Invocation) (*functions.Result, error) {
	return h.m.Invoke(ctx, in)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	if b, ok := v.([]byte); ok {
		return b
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode[T any](t *testing.T, res *functions.Result) T {
	t.Helper()
	var v T
	if res.FunctionError != "" {
		t.Fatalf("function error %s: %s", res.FunctionError, res.Payload)
	}
	if err := json.Unmarshal(res.Payload, &v); err != nil {
		t.Fatalf("decoding %.300s: %v", res.Payload, err)
	}
	return v
}

// lambdaErr is a Lambda error payload.
type lambdaErr struct {
	ErrorMessage string            `json:"errorMessage"`
	ErrorType    string            `json:"errorType"`
	StackTrace   []json.RawMessage `json:"stackTrace"`
}

func functionError(t *testing.T, res *functions.Result) lambdaErr {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q; want Unhandled (payload %.300s)", res.FunctionError, res.Payload)
	}
	var e lambdaErr
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("error payload %.300s: %v", res.Payload, err)
	}
	return e
}

func waitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isErr(err, target error) bool { return errors.Is(err, target) }
