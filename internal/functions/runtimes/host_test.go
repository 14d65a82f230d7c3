package runtimes_test

import (
	"sync"
	"testing"

	"github.com/apigwdev/apigw/internal/functions"
)

// TestLayersAndConcurrency runs a function whose module comes from a layer
// (NODE_PATH, PYTHONPATH), and three invocations of a slow handler at once,
// which run in three warm processes of their own.
func TestLayersAndConcurrency(t *testing.T) {
	needInterpreter(t, "node")
	needInterpreter(t, "python3")
	t.Parallel()
	layer := testdata(t, "layers", "one")
	e := newEnv(t, functions.Options{},
		functions.Config{Name: "node-layer", Runtime: "nodejs20.x", Handler: "index.layer", Dir: "testdata/node/basic", Layers: []string{layer}},
		functions.Config{Name: "py-layer", Runtime: "python3.11", Handler: "app.layer", Dir: "testdata/python/basic", Layers: []string{layer}},
		functions.Config{Name: "node-slow", Runtime: "nodejs20.x", Handler: "index.slow", Dir: "testdata/node/basic", Concurrency: 3},
		functions.Config{Name: "py-slow", Runtime: "python3.11", Handler: "app.slow", Dir: "testdata/python/basic", Concurrency: 3},
	)
	succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: "node-layer"}), `"hello from a layer, node"`)
	succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: "py-layer"}), `"hello from a layer, python"`)

	for _, fn := range []string{"node-slow", "py-slow"} {
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			pids = map[string]bool{}
		)
		for range 3 {
			wg.Go(func() {
				res := e.invoke(t, &functions.Invocation{FunctionName: fn})
				mu.Lock()
				defer mu.Unlock()
				if res.FunctionError != "" {
					t.Errorf("%s: %s", fn, res.Payload)
				}
				pids[string(res.Payload)] = true
			})
		}
		wg.Wait()
		if len(pids) != 3 {
			t.Errorf("%s: three concurrent invocations ran in processes %v; want three", fn, pids)
		}
	}
}
