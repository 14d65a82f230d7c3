package runtimes

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Spec is what one runtime function's instances run.
type Spec struct {
	// Runtime is the declared runtime.
	Runtime Runtime
	// Handler is the handler setting, passed as _HANDLER.
	Handler string
	// Interpreter is the resolved executable (Discover).
	Interpreter string
	// RuntimeDir is the directory Extract returned (LAMBDA_RUNTIME_DIR).
	RuntimeDir string
	// TaskRoot is the absolute code directory (LAMBDA_TASK_ROOT, the
	// working directory).
	TaskRoot string
	// MemorySize is the function's memory in MB; it sizes Node.js's heap.
	MemorySize int
	// Client is "" or ClientBuiltin, or ClientAWS.
	Client string
	// LogFormat and LogLevel are the function's logging configuration.
	LogFormat, LogLevel string
	// Layers are directories laid out as a Lambda layer's /opt
	// (nodejs/node_modules, python/...), earliest first.
	Layers []string
	// Env is the function's own environment (it may set NODE_OPTIONS,
	// NODE_PATH, PYTHONPATH, LD_LIBRARY_PATH, AWS_LAMBDA_EXEC_WRAPPER).
	Env map[string]string
}

// Command returns the program and arguments of an instance, as Lambda's
// managed runtimes start theirs: for Node.js
//
//	{node} --expose-gc --max-http-header-size 81920 [--max-semi-space-size=S --max-old-space-size=O] {RuntimeDir}/index.mjs
//
// with O = M - M/10 and S = (M/10)/2 for M = MemorySize (both left out when
// NODE_OPTIONS sets either); for Python `{python} -B {RuntimeDir}/bootstrap.py`
// (no -u, -E, -s or -I; -B because Lambda's code directory is read-only, so
// no bytecode is written there: docs/compatibility.md#runtime-bytecode). With ClientAWS the bootstrap is replaced by AWS's
// client and the handler is its argument. With AWS_LAMBDA_EXEC_WRAPPER in
// Env, the wrapper is run with all of that as its arguments
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-modify.html#runtime-wrapper).
func (s Spec) Command() []string {
	var argv []string
	switch s.Runtime.Language {
	case Node:
		argv = []string{s.Interpreter, "--expose-gc", "--max-http-header-size", "81920"}
		if opts := s.Env["NODE_OPTIONS"]; !strings.Contains(opts, "space-size") && !strings.Contains(opts, "space_size") {
			m := s.MemorySize
			argv = append(argv, "--max-semi-space-size="+strconv.Itoa(m/10/2), "--max-old-space-size="+strconv.Itoa(m-m/10))
		}
		if s.Client == ClientAWS {
			argv = append(argv, AWSNodeClient(s.TaskRoot), s.Handler)
		} else {
			argv = append(argv, filepath.Join(s.RuntimeDir, NodeBootstrap))
		}
	case Python:
		if s.Client == ClientAWS {
			argv = []string{s.Interpreter, "-m", "awslambdaric", s.Handler}
		} else {
			argv = []string{s.Interpreter, "-B", filepath.Join(s.RuntimeDir, PythonBootstrap)}
		}
	}
	if w := s.Env["AWS_LAMBDA_EXEC_WRAPPER"]; w != "" {
		argv = append([]string{w}, argv...)
	}
	return argv
}

// Environ returns the variables Lambda's managed runtimes add to a
// function's environment: _HANDLER, AWS_EXECUTION_ENV, LAMBDA_RUNTIME_DIR,
// NODE_PATH (Node.js: the layers' node_modules and the code directory),
// PYTHONPATH (Python, with layers only), PATH with the interpreter's
// directory first (so `node` and `python3` in subprocesses are the same
// interpreter), LD_LIBRARY_PATH, and AWS_LAMBDA_LOG_FORMAT /
// AWS_LAMBDA_LOG_LEVEL with the JSON log format. path is the PATH the
// gateway passes on. Variables the function's Env sets are left out: Env
// comes after these and wins.
func (s Spec) Environ(path string) []string {
	env := []string{
		"_HANDLER=" + s.Handler,
		"AWS_EXECUTION_ENV=" + s.Runtime.ExecutionEnv(),
		"LAMBDA_RUNTIME_DIR=" + s.RuntimeDir,
	}
	add := func(k, v string) {
		if _, set := s.Env[k]; !set {
			env = append(env, k+"="+v)
		}
	}
	switch s.Runtime.Language {
	case Node:
		var p []string
		for _, l := range s.Layers {
			p = append(p, filepath.Join(l, "nodejs", fmt.Sprintf("node%d", s.Runtime.Major), "node_modules"), filepath.Join(l, "nodejs", "node_modules"))
		}
		add("NODE_PATH", strings.Join(append(p, s.TaskRoot), ":"))
	case Python:
		var p []string
		for _, l := range s.Layers {
			p = append(p, filepath.Join(l, "python", "lib", "python"+s.Runtime.Version(), "site-packages"), filepath.Join(l, "python"))
		}
		if len(p) > 0 {
			add("PYTHONPATH", strings.Join(p, ":"))
		}
	}
	dir := filepath.Dir(s.Interpreter)
	if path == "" {
		add("PATH", dir)
	} else {
		add("PATH", dir+string(os.PathListSeparator)+path)
	}
	add("LD_LIBRARY_PATH", s.TaskRoot+":"+filepath.Join(s.TaskRoot, "lib"))
	if s.LogFormat == LogFormatJSON {
		level := s.LogLevel
		if level == "" {
			level = "INFO"
		}
		env = append(env, "AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL="+level)
	}
	return env
}

// CheckWrapper reports what Lambda's runtime bootstrap script does with an
// AWS_LAMBDA_EXEC_WRAPPER that cannot run: the line it prints and its exit
// status (127 for a missing file, 126 for one that is not executable), or
// ("", 0) when the wrapper (resolved against dir when relative) can run.
func CheckWrapper(wrapper, dir string) (string, int) {
	p := wrapper
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return wrapper + ": does not exist", 127
	case fi.IsDir() || fi.Mode()&0o111 == 0:
		return wrapper + ": is not an executable", 126
	}
	return "", 0
}
