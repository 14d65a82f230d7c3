package runtimes_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
)

// needInterpreter skips the test when name is not on PATH, or fails it when
// APIGW_CI=1 (CI must run these tests).
func needInterpreter(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("APIGW_CI") == "1" {
			t.Fatalf("%s is not on PATH (APIGW_CI=1: runtime tests must run): %v", name, err)
		}
		t.Skipf("%s is not on PATH; skipping the runtime tests that need it", name)
	}
}

// logs keeps every log record of a Manager, for assertions on process
// output and START/END/REPORT lines.
type logs struct {
	mu   sync.Mutex
	recs []rec
}

type rec struct {
	msg   string
	attrs map[string]string
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) WithGroup(string) slog.Handler            { return l }
func (l *logs) WithAttrs(as []slog.Attr) slog.Handler    { return &bound{l: l, attrs: as} }
func (l *logs) Handle(_ context.Context, r slog.Record) error {
	return l.add(nil, r)
}

func (l *logs) add(bound []slog.Attr, r slog.Record) error {
	x := rec{msg: r.Message, attrs: map[string]string{}}
	for _, a := range bound {
		x.attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		x.attrs[a.Key] = a.Value.String()
		return true
	})
	l.mu.Lock()
	l.recs = append(l.recs, x)
	l.mu.Unlock()
	return nil
}

type bound struct {
	l     *logs
	attrs []slog.Attr
}

func (b *bound) Enabled(context.Context, slog.Level) bool { return true }
func (b *bound) WithGroup(string) slog.Handler            { return b }
func (b *bound) WithAttrs(as []slog.Attr) slog.Handler {
	return &bound{l: b.l, attrs: append(append([]slog.Attr{}, b.attrs...), as...)}
}
func (b *bound) Handle(_ context.Context, r slog.Record) error { return b.l.add(b.attrs, r) }

// of returns the messages logged for function fn, in order.
func (l *logs) of(fn string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.recs {
		if r.attrs["function"] == fn {
			out = append(out, r.msg)
		}
	}
	return out
}

// waitFor polls until fn's log has a message for which ok is true, for up to
// 5 s, and reports whether it appeared.
func (l *logs) waitFor(fn string, ok func(string) bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range l.of(fn) {
			if ok(m) {
				return true
			}
		}
	}
	return false
}

// index returns the position of the first message of fn's log with prefix,
// or -1.
func index(msgs []string, prefix string) int {
	for i, m := range msgs {
		if strings.HasPrefix(m, prefix) {
			return i
		}
	}
	return -1
}

// env is a running Manager over the functions of a test.
type env struct {
	m       *functions.Manager
	logs    *logs
	dataDir string
}

func newEnv(t *testing.T, opts functions.Options, cfgs ...functions.Config) *env {
	t.Helper()
	l := &logs{}
	e := &env{logs: l, dataDir: t.TempDir()}
	opts.Logger = slog.New(l)
	opts.DataDir = e.dataDir
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 2 * time.Second // dozens of warm interpreters would crowd the machine
	}
	m, err := functions.New(opts, cfgs)
	if err != nil {
		t.Fatalf("functions.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	e.m = m
	return e
}

func (e *env) invoke(t *testing.T, in *functions.Invocation) *functions.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if in.Payload == nil {
		in.Payload = []byte("{}")
	}
	res, err := e.m.Invoke(ctx, in)
	if err != nil {
		t.Fatalf("Invoke %s: %v", in.FunctionName, err)
	}
	return res
}

// testdata returns the absolute path of a directory under testdata.
func testdata(t testing.TB, elem ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"testdata"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// lambdaError is a function error body, of either language.
type lambdaError struct {
	ErrorType    string   `json:"errorType"`
	ErrorMessage string   `json:"errorMessage"`
	Trace        []string `json:"trace"`
	StackTrace   []string `json:"stackTrace"`
	RequestID    *string  `json:"requestId"`
}

// failed decodes the error body of a failed invocation.
func failed(t *testing.T, res *functions.Result) lambdaError {
	t.Helper()
	if res.FunctionError != functions.FunctionErrorUnhandled {
		t.Fatalf("FunctionError = %q, payload %s; want Unhandled", res.FunctionError, res.Payload)
	}
	var e lambdaError
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("error body %q: %v", res.Payload, err)
	}
	return e
}

// succeeded checks that the invocation succeeded with exactly want.
func succeeded(t *testing.T, res *functions.Result, want string) {
	t.Helper()
	if res.FunctionError != "" || string(res.Payload) != want {
		t.Errorf("result = %q (function error %q); want %q", res.Payload, res.FunctionError, want)
	}
}
