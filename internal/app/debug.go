package app

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/functions/runtimes"
)

// debugInitTimeout is how long an instance may take to start under a
// debugger: the developer attaches and continues by hand.
const debugInitTimeout = 15 * time.Minute

// debugFunction rewrites the configuration of the function cfg.DebugFunction
// names so that its single instance runs under its language's debugger,
// listening on 127.0.0.1:cfg.DebugPort, with Lambda's longest timeout; it
// returns how to attach. fns is sorted by name.
//
// The debugger is chosen by the function's runtime (debuggers below): a
// program speaking the Runtime API (Go, provided.*) runs under Delve,
// `dlv exec --headless`, when dlv is in PATH; a Node.js function under
// Node's inspector (--inspect-brk, through NODE_OPTIONS); a Python function
// under debugpy, which the embedded bootstrap starts when
// runtimes.DebugpyEnv is set and which must be installed for the
// function's interpreter. Each waits for the debugger before the function's
// code runs, as `sam local invoke --debug-port` does.
func debugFunction(cfg *config.Config, fns []functions.Config) (attach string, err error) {
	name, port := cfg.DebugFunction, cfg.DebugPort
	for i := range fns {
		c := &fns[i]
		if c.Name != name {
			continue
		}
		if c.Endpoint != "" {
			return "", fmt.Errorf("--debug-function %s: a remote function (endpoint) runs elsewhere and cannot be debugged here", name)
		}
		d, ok := debuggers[runtimeFamily(c.Runtime)]
		if !ok {
			return "", fmt.Errorf("--debug-function %s: debugging %s functions is not supported yet", name, c.Runtime)
		}
		if attach, err = d(c, port); err != nil {
			return "", fmt.Errorf("--debug-function %s: %w", name, err)
		}
		c.Timeout = functions.MaxTimeout
		c.Concurrency = 1
		return attach, nil
	}
	return "", fmt.Errorf("--debug-function %s: no such function", name)
}

// debugger rewrites a function's configuration to run it under a
// debugger listening on port and returns how to attach.
type debugger func(c *functions.Config, port int) (attach string, err error)

// debuggers by runtime family ("" for programs speaking the Runtime API).
var debuggers = map[string]debugger{
	"":         delve,
	"provided": delve,
	"nodejs":   nodeInspector,
	"python":   debugpy,
}

// nodeInspector starts Node.js with its inspector on port, paused before
// the bootstrap's first line until a debugger attaches.
func nodeInspector(c *functions.Config, port int) (string, error) {
	if c.RuntimeClient == "aws" {
		return "", errors.New("runtimeClient: aws functions cannot be debugged here; use the builtin client")
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	env := make(map[string]string, len(c.Env)+1)
	for k, v := range c.Env {
		env[k] = v
	}
	env["NODE_OPTIONS"] = strings.TrimSpace(env["NODE_OPTIONS"] + " --inspect-brk=" + addr)
	c.Env = env
	return fmt.Sprintf("function %s waits for a debugger at %s: open chrome://inspect (Configure: %s) or attach an editor's Node.js debugger to port %d, then continue",
		c.Name, addr, addr, port), nil
}

// debugpy has the Python bootstrap listen with debugpy on port and wait for
// a client before it loads the handler.
func debugpy(c *functions.Config, port int) (string, error) {
	if c.RuntimeClient == "aws" {
		return "", errors.New("runtimeClient: aws functions cannot be debugged here; use the builtin client")
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	env := make(map[string]string, len(c.Env)+1)
	for k, v := range c.Env {
		env[k] = v
	}
	env[runtimes.DebugpyEnv] = addr
	c.Env = env
	return fmt.Sprintf("function %s waits for a debugger at %s (debugpy must be installed for its interpreter: python3 -m pip install debugpy): "+
		"attach an editor's Python debugger (\"connect\": {\"host\": \"127.0.0.1\", \"port\": %d}), then continue", c.Name, addr, port), nil
}

// runtimeFamily is a runtime identifier without its version: nodejs20.x
// -> nodejs, python3.12 -> python, provided.al2023 -> provided.
func runtimeFamily(rt string) string {
	rt = strings.TrimRight(strings.SplitN(rt, ".", 2)[0], "0123456789")
	return rt
}

// delve runs the program under `dlv exec --headless`, which waits for a
// client before the program starts.
func delve(c *functions.Config, port int) (string, error) {
	dlv, err := exec.LookPath("dlv")
	if err != nil {
		return "", errors.New("dlv is not in PATH: go install github.com/go-delve/delve/cmd/dlv@latest")
	}
	if len(c.Command) == 0 {
		return "", errors.New("the function has no command to debug")
	}
	prog := c.Command[0]
	if !filepath.IsAbs(prog) && strings.ContainsRune(prog, '/') {
		prog = filepath.Join(c.Dir, prog)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	argv := []string{dlv, "exec", "--headless", "--listen=" + addr, "--api-version=2", "--accept-multiclient", prog}
	if len(c.Command) > 1 {
		argv = append(append(argv, "--"), c.Command[1:]...)
	}
	c.Command = argv
	return fmt.Sprintf("function %s waits for a debugger at %s: dlv connect %s, or an editor's Delve \"attach to remote\" (port %d), then continue; "+
		"build it with -gcflags=all=\"-N -l\" for exact stepping", c.Name, addr, addr, port), nil
}
