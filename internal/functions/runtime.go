package functions

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/apigwdev/apigw/internal/functions/runtimes"
)

// runtimeFunction is what a function declared with a Runtime runs: the
// machine's own node or python with apigw's embedded bootstrap (package
// runtimes), or AWS's runtime interface client.
type runtimeFunction struct {
	spec runtimes.Spec
	// err, when set, is why the function cannot start (no interpreter, a
	// refused version, a missing runtime client); every invocation then
	// fails with Runtime.InvalidEntrypoint naming it.
	err error
	// warning is the version mismatch New logs.
	warning string
}

// prepareRuntimes writes the bootstraps (once) and finds the interpreter of
// every runtime function, probing them concurrently. Problems of one
// function are logged and kept for its invocations; only a bootstrap that
// cannot be written fails New.
func (m *Manager) prepareRuntimes(fns []*function) error {
	if len(fns) == 0 {
		return nil
	}
	dataDir := m.opts.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(os.TempDir(), "apigw")
	}
	dir, err := runtimes.Extract(dataDir)
	if err != nil {
		return fmt.Errorf("functions: %w", err)
	}
	var (
		wg     sync.WaitGroup
		probes runtimes.Probes
	)
	for _, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.rt = newRuntimeFunction(m.ctx, f.cfg, dir, m.opts.StrictRuntimeVersions, &probes)
		}()
	}
	wg.Wait()
	for _, f := range fns {
		rt, _ := runtimes.Lookup(f.cfg.Runtime)
		if w := runtimes.HandlerWarning(rt, f.cfg.Handler); w != "" {
			f.log.Warn("function's init will fail: " + w)
		}
		switch {
		case f.rt.err != nil:
			// Info, not Warn: Check returns the same error, which `apigw serve`'s
			// start summary and `apigw validate` report with the function's
			// position in the config file.
			f.log.Info("function cannot run; its invocations fail with Runtime.InvalidEntrypoint", "err", f.rt.err)
		case f.rt.warning != "":
			f.log.Warn(f.rt.warning)
		default:
			f.log.Debug("function interpreter", "runtime", f.cfg.Runtime, "interpreter", f.rt.spec.Interpreter)
		}
	}
	return nil
}

// newRuntimeFunction finds c's interpreter and builds what its instances run.
func newRuntimeFunction(ctx context.Context, c Config, runtimeDir string, strict bool, probes *runtimes.Probes) *runtimeFunction {
	rt, _ := runtimes.Lookup(c.Runtime) // checked by normalize
	d := runtimes.Discover(ctx, rt, runtimes.DiscoverOptions{Interpreter: c.Interpreter, Client: c.RuntimeClient, Dir: c.Dir, Strict: strict, Probes: probes})
	return &runtimeFunction{
		spec: runtimes.Spec{
			Runtime:     rt,
			Handler:     c.Handler,
			Interpreter: d.Interpreter.Path,
			RuntimeDir:  runtimeDir,
			TaskRoot:    c.Dir,
			MemorySize:  c.MemorySize,
			Client:      c.RuntimeClient,
			LogFormat:   c.LogFormat,
			LogLevel:    c.LogLevel,
			Layers:      c.Layers,
			Env:         c.Env,
		},
		err:     d.Err,
		warning: d.Warning,
	}
}
