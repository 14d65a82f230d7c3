package runtimes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProbeTimeout bounds one interpreter probe.
const ProbeTimeout = 10 * time.Second

// Interpreter is a node or python executable found by Discover.
type Interpreter struct {
	// Path is the executable apigw runs: what the interpreter reports as its
	// own (process.execPath, sys.executable), so a pyenv or asdf shim is
	// skipped (a pyenv shim costs about 170 ms per start) while a
	// virtualenv's python stays a virtualenv's python.
	Path string
	// Version is the interpreter's version: "20.20.2", "3.11.7".
	Version string
	// Major and Minor are Version's first two numbers.
	Major, Minor int
}

// Discovery is the outcome of Discover for one function.
type Discovery struct {
	// Interpreter is the interpreter to run; zero when Err is set.
	Interpreter Interpreter
	// Warning, when not empty, is to be logged once: the interpreter's
	// version differs from the declared runtime's and the function runs
	// anyway.
	Warning string
	// Err, when set, is why the function cannot run: no interpreter, one
	// older than the bootstraps support, a version mismatch with strict
	// versions, AWS's runtime client missing. Invocations then fail with
	// Runtime.InvalidEntrypoint naming it.
	Err error
}

// DiscoverOptions are the inputs of Discover.
type DiscoverOptions struct {
	// Interpreter is the function's interpreter setting: a name looked up
	// on PATH, or a path (absolute, or relative to the working directory);
	// "" means the runtime's usual names (Runtime.Names), tried in order.
	Interpreter string
	// Client is the function's runtime client ("" or ClientBuiltin,
	// ClientAWS). With ClientAWS the probe also checks that AWS's client is
	// installed: Dir/node_modules/aws-lambda-ric for Node.js, the
	// awslambdaric package for Python.
	Client string
	// Dir is the function's code directory.
	Dir string
	// Strict refuses an interpreter whose version differs from the
	// runtime's.
	Strict bool
	// Probes, if not nil, shares probe results between the Discover calls
	// of one configuration: functions using the same interpreter probe it
	// once.
	Probes *Probes
}

// Probes remembers interpreter probes by language and path. The zero value
// is ready to use; it is safe for concurrent use.
type Probes struct {
	mu sync.Mutex
	m  map[string]*probed // guarded by mu
}

type probed struct {
	once sync.Once
	in   Interpreter
	err  error
}

func (p *Probes) probe(ctx context.Context, lang Language, path string) (Interpreter, error) {
	if p == nil {
		return probe(ctx, lang, path)
	}
	key := lang.String() + "\x00" + path
	p.mu.Lock()
	if p.m == nil {
		p.m = map[string]*probed{}
	}
	e, ok := p.m[key]
	if !ok {
		e = &probed{}
		p.m[key] = e
	}
	p.mu.Unlock()
	e.once.Do(func() { e.in, e.err = probe(ctx, lang, path) })
	return e.in, e.err
}

// Discover finds the interpreter of a function declared with runtime r. Each
// candidate is probed (it runs, prints its version and its own executable);
// a candidate that is missing, exits non-zero (the pyenv shim of a version
// that is installed but not selected exits 127) or prints nonsense is
// skipped. The first good one is chosen; then the version policy applies:
// the same Node.js major or Python major.minor runs; a different version at
// or above the floor (Node.js 18, Python 3.9) runs with a Warning unless
// Strict; below the floor it is refused
// (docs/compatibility.md#runtime-versions).
func Discover(ctx context.Context, r Runtime, o DiscoverOptions) Discovery {
	names := r.Names()
	if o.Interpreter != "" {
		names = []string{o.Interpreter}
	}
	var tried []string
	for _, name := range names {
		path := name
		if !strings.ContainsRune(name, '/') {
			p, err := exec.LookPath(name)
			if err != nil {
				tried = append(tried, name)
				continue
			}
			path = p
		}
		in, err := o.Probes.probe(ctx, r.Language, path)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (%v)", name, err))
			continue
		}
		return policy(ctx, r, in, o)
	}
	return Discovery{Err: fmt.Errorf("no %s interpreter for %s (tried %s)", r.Language, r.ID, strings.Join(tried, ", "))}
}

// policy applies the version rules to a probed interpreter.
func policy(ctx context.Context, r Runtime, in Interpreter, o DiscoverOptions) Discovery {
	fmin, fminor := r.floor()
	shown := in.Version
	if r.Language == Node {
		shown = "v" + in.Version
	}
	if in.Major < fmin || (in.Major == fmin && in.Minor < fminor) {
		floor := fmt.Sprint(fmin)
		if r.Language == Python {
			floor = fmt.Sprintf("%d.%d", fmin, fminor)
		}
		return Discovery{Err: fmt.Errorf("runtime %s: %s is %s, older than %s %s, the oldest apigw's bootstrap runs on", r.ID, in.Path, shown, r.Language, floor)}
	}
	if err := checkClient(ctx, r, in, o); err != nil {
		return Discovery{Err: err}
	}
	same := in.Major == r.Major && (r.Language == Node || in.Minor == r.Minor)
	switch {
	case same:
		return Discovery{Interpreter: in}
	case o.Strict:
		return Discovery{Err: fmt.Errorf("runtime %s but %s is %s, and strictRuntimeVersions refuses a different version", r.ID, in.Path, shown)}
	}
	return Discovery{Interpreter: in, Warning: fmt.Sprintf("runtime %s but %s is %s; running it anyway (set interpreter: to a %s %s binary, or strictRuntimeVersions: true to refuse)",
		r.ID, in.Path, shown, r.Language, r.Version())}
}

// checkClient checks that AWS's runtime interface client is installed when
// the function asks for it.
func checkClient(ctx context.Context, r Runtime, in Interpreter, o DiscoverOptions) error {
	if o.Client != ClientAWS {
		return nil
	}
	if r.Language == Node {
		if AWSNodeClient(o.Dir) == "" {
			return fmt.Errorf("runtimeClient aws: %s is missing (npm install aws-lambda-ric in %s)", filepath.Join(o.Dir, "node_modules", "aws-lambda-ric"), o.Dir)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, in.Path, "-c", "import awslambdaric")
	cmd.Dir = o.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("runtimeClient aws: %s cannot import awslambdaric (pip install awslambdaric): %s", in.Path, lastLine(out, err))
	}
	return nil
}

// AWSNodeClient returns the entry point of AWS's Node.js runtime interface
// client installed in dir (node_modules/aws-lambda-ric/bin/index.mjs up to
// version 3, index.mjs from version 4), or "" when it is not installed.
func AWSNodeClient(dir string) string {
	for _, p := range []string{"bin/index.mjs", "index.mjs"} {
		f := filepath.Join(dir, "node_modules", "aws-lambda-ric", p)
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
}

// The probes print the version and the interpreter's own executable.
const (
	nodeProbe   = `process.stdout.write(process.versions.node+'\n'+process.execPath)`
	pythonProbe = `import sys;print('%d.%d.%d'%sys.version_info[:3]);print(sys.executable)`
)

func probe(ctx context.Context, lang Language, path string) (Interpreter, error) {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	var cmd *exec.Cmd
	if lang == Node {
		cmd = exec.CommandContext(ctx, path, "-e", nodeProbe)
	} else {
		cmd = exec.CommandContext(ctx, path, "-c", pythonProbe)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Interpreter{}, errors.New(lastLine(stderr.Bytes(), err))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		return Interpreter{}, fmt.Errorf("unexpected answer %q", out)
	}
	in := Interpreter{Version: strings.TrimSpace(lines[0]), Path: strings.TrimSpace(lines[1])}
	parts := strings.Split(in.Version, ".")
	if len(parts) < 2 {
		return Interpreter{}, fmt.Errorf("unexpected version %q", in.Version)
	}
	var e1, e2 error
	in.Major, e1 = strconv.Atoi(parts[0])
	in.Minor, e2 = strconv.Atoi(parts[1])
	if e1 != nil || e2 != nil || in.Path == "" {
		return Interpreter{}, fmt.Errorf("unexpected answer %q", out)
	}
	return in, nil
}

// lastLine is the last non-empty line of out, or err's text.
func lastLine(out []byte, err error) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return l
	}
	return err.Error()
}
