//go:build linux

package functions_test

import (
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
)

// TestMemorySizeEnforced: a function that uses more than its memorySize is
// stopped and its invocation fails with Runtime.OutOfMemory, as on Lambda;
// one that stays within it is answered, and the instance after an OOM is a
// new one.
func TestMemorySizeEnforced(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{Region: "eu-west-1", AccountID: "123456789012"}, functions.Config{
		Name:       "hog",
		Command:    []string{fn("hog")},
		Dir:        t.TempDir(),
		MemorySize: 128,
		Timeout:    60 * time.Second,
	})
	small := decode[int](t, h.invoke("hog", map[string]any{"mb": 16, "ms": 300}))
	res := h.invoke("hog", map[string]any{"mb": 400, "ms": 10000})
	e := functionError(t, res)
	if e.ErrorType != "Runtime.OutOfMemory" || res.FunctionError != functions.FunctionErrorUnhandled {
		t.Fatalf("error = %+v (%q); want Runtime.OutOfMemory, Unhandled", e, res.FunctionError)
	}
	waitDead(t, small)
	if again := decode[int](t, h.invoke("hog", map[string]any{"mb": 1})); again == small {
		t.Errorf("the instance that ran out of memory (pid %d) served again", small)
	}
}
