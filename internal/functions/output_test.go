//go:build unix

package functions_test

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
)

// TestOutputDoesNotGrowTheGateway: a function that writes 32 MiB of output
// as fast as it can does not make the gateway hold it: output is passed on
// line by line, and a writer that cannot keep up slows the function down.
// (Not parallel: it measures the process's memory.)
func TestOutputDoesNotGrowTheGateway(t *testing.T) {
	var logged countingHandler
	m, err := functions.New(functions.Options{Region: "us-east-1", AccountID: "123456789012",
		Logger: slog.New(&logged)}, []functions.Config{{
		Name:    "noisy",
		Command: []string{"/bin/sh", "-c", "head -c 33554432 /dev/zero | tr '\\0' 'a' | fold -w 100; exec \"$0\"", fn("echo")},
		Dir:     t.TempDir(), Timeout: 60 * time.Second,
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = m.Close(ctx)
	})
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := m.Invoke(context.Background(), &functions.Invocation{FunctionName: "noisy", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := logged.bytes.Load(); n < 32<<20 {
		t.Fatalf("only %d bytes of output were logged; want 32 MiB", n)
	}
	if grown := int64(after.Sys) - int64(before.Sys); grown > 24<<20 {
		t.Errorf("32 MiB of function output grew the gateway by %d MiB", grown>>20)
	}
}

// countingHandler counts the bytes of the messages logged through it.
type countingHandler struct{ bytes atomic.Int64 }

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.bytes.Add(int64(len(r.Message)))
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }
