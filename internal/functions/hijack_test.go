//go:build unix

package functions_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
)

// TestRuntimeAPIHijackRefused reproduces the Runtime API takeover: another
// local process (this test process, which is not the function's process
// tree) polls the instance's /next while the gateway invokes the real
// aws-lambda-go function. Every invocation must be answered by the function
// itself, the poller must never receive an event, and the instance must not
// be restarted by lost races.
func TestRuntimeAPIHijackRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, functions.Options{Region: "eu-west-1", AccountID: "123456789012"}, functions.Config{
		Name:    "echo",
		Command: []string{fn("echo")},
		Dir:     t.TempDir(),
	})
	first := decode[echoReply](t, h.invoke("echo", map[string]any{"n": 0}))
	api := first.Env["AWS_LAMBDA_RUNTIME_API"]
	if api == "" {
		t.Fatal("the function saw no AWS_LAMBDA_RUNTIME_API")
	}

	ctx, cancel := context.WithCancel(context.Background())
	var stolen, refused atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+api+"/2018-06-01/runtime/invocation/next", nil)
				resp, err := hc.Do(req)
				if err != nil {
					refused.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					stolen.Add(1)
				} else {
					refused.Add(1)
				}
			}
		}()
	}
	for i := 1; i <= 30; i++ {
		got := decode[echoReply](t, h.invoke("echo", map[string]any{"n": i}))
		if got.PID != first.PID {
			t.Errorf("invocation %d answered by process %d; want the function's process %d", i, got.PID, first.PID)
		}
	}
	// Let the pollers keep trying for a moment with nothing in flight.
	time.Sleep(200 * time.Millisecond)
	cancel()
	wg.Wait()
	if n := stolen.Load(); n > 0 {
		t.Errorf("a foreign process received %d invocations from the Runtime API", n)
	}
	if refused.Load() == 0 {
		t.Error("the foreign pollers never completed an attempt; the test proved nothing")
	}
	if n := len(h.logs.find("function instance started")); n != 1 {
		t.Errorf("%d instances started; want 1 (no restarts from lost races)", n)
	}
}
