package functions

import (
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/apigwdev/apigw/internal/functions/runtimes"
)

// Defaults and limits. Durations are wall-clock time; sizes are bytes unless
// stated otherwise.
const (
	// DefaultTimeout is a function's timeout when Config.Timeout is zero: 3 s,
	// Lambda's default.
	DefaultTimeout = 3 * time.Second
	// MaxTimeout is the largest Config.Timeout: 900 s, Lambda's limit.
	MaxTimeout = 900 * time.Second
	// DefaultMemorySize is Config.MemorySize when zero: 128 MB, Lambda's
	// default.
	DefaultMemorySize = 128
	// MinMemorySize and MaxMemorySize bound Config.MemorySize in MB, as
	// Lambda's MemorySize.
	MinMemorySize = 128
	MaxMemorySize = 10240
	// DefaultConcurrency is Config.Concurrency when zero: 10 instances.
	DefaultConcurrency = 10
	// MaxConcurrency is the largest Config.Concurrency: 1,000, Lambda's
	// default account concurrency limit.
	MaxConcurrency = 1000
	// DefaultIdleTimeout is Options.IdleTimeout when zero: an instance that
	// served nothing for 5 minutes is stopped.
	DefaultIdleTimeout = 5 * time.Minute
	// DefaultQueueTimeout is Options.QueueTimeout when zero: a request that
	// finds every instance of its function busy waits up to 10 s for one
	// before it is throttled.
	DefaultQueueTimeout = 10 * time.Second
	// DefaultInitTimeout is Options.InitTimeout when zero: 10 s, Lambda's
	// limit on the init phase.
	DefaultInitTimeout = 10 * time.Second
	// DefaultStopGrace is Options.StopGrace when zero: 2 s between SIGTERM
	// and SIGKILL, as the RIE's reset (resetDefaultTimeoutMs).
	DefaultStopGrace = 2 * time.Second
	// MaxPayloadSize is the largest synchronous invocation payload, and the
	// largest function response: 6,291,556 bytes (6 MiB + 100, the RIE's
	// interop.MaxPayloadSize).
	MaxPayloadSize = 6*1024*1024 + 100
)

// Config describes one function, as the config file's `functions:` map does
// (docs/configuration.md). A function is either local (Command set: a program
// speaking the Lambda Runtime API, run and supervised by the Manager) or
// remote (Endpoint set: invoked through the Lambda Invoke API).
type Config struct {
	// Name is the function name: 1 to 64 characters of letters, digits,
	// hyphens and underscores, as in arn:aws:lambda:{region}:{account}:function:{name}.
	Name string
	// Command is the program and its arguments, started for each instance
	// with the Lambda environment (see Manager). A first element containing a
	// slash is resolved relative to Dir; otherwise it is looked up in the
	// gateway's PATH. Mutually exclusive with Endpoint.
	Command []string
	// Runtime is a Lambda managed runtime identifier (nodejs20.x, python3.11,
	// ...; runtimes.IDs): instead of Command, each instance runs the
	// machine's own node or python through apigw's embedded bootstrap
	// (package runtimes), which loads Handler from Dir. Mutually exclusive
	// with Command and Endpoint.
	Runtime string
	// Handler is the handler setting, as Lambda's Handler: MODULE.EXPORT for
	// Node.js (index.handler, lib/app.handlers.get), MODULE.FUNCTION for
	// Python (app.handler, pkg.mod.fn). Required with Runtime, refused
	// otherwise; 1 to 128 characters without white space. A handler that
	// names nothing fails the function's init, as on Lambda.
	Handler string
	// Interpreter is the interpreter to run a Runtime function with: a name
	// looked up in the gateway's PATH, or a path ("" means the runtime's
	// usual names: node, nodejs; python3.N, python3, python). A relative path
	// is taken relative to the gateway's working directory.
	Interpreter string
	// RuntimeClient is "builtin" ("" too: apigw's bootstrap) or "aws": AWS's
	// own runtime interface client, which must be installed (Node.js:
	// Dir/node_modules/aws-lambda-ric; Python: the awslambdaric package).
	RuntimeClient string
	// LogFormat is the Runtime function's log format, "Text" ("" too) or
	// "JSON"; LogLevel is its application log level with JSON (TRACE, DEBUG,
	// INFO, WARN, ERROR, FATAL; "" means INFO), as Lambda's LoggingConfig.
	LogFormat, LogLevel string
	// Layers are directories laid out as Lambda layers are under /opt
	// (nodejs/node_modules, python/lib/python3.N/site-packages, python/),
	// earliest first, for a Runtime function: Node.js finds their modules
	// through NODE_PATH, Python through PYTHONPATH. Relative paths are taken
	// relative to the gateway's working directory.
	Layers []string
	// Build is an optional command run in Dir, with the gateway's environment,
	// before the function's first instance starts (for example
	// ["go", "build", "-o", "bootstrap", "."]), and again on
	// Manager.Restart. Concurrent cold starts share one run. A rebuild must
	// replace the program file rather than rewrite it in place, which Linux
	// refuses while instances run it (ETXTBSY); `go build -o` replaces it. If it fails, the invocations waiting for it fail with
	// Runtime.InvalidEntrypoint and the build runs again on the next
	// invocation. Local functions only.
	Build []string
	// Dir is the working directory of Build and of every instance, and
	// LAMBDA_TASK_ROOT. Relative paths are resolved against the gateway's
	// working directory when New is called; "" means that directory.
	Dir string
	// Env are extra environment variables for the function; see CheckEnv.
	// Local functions only.
	Env map[string]string
	// Timeout is how long one invocation may run, from the moment the runtime
	// takes the event until it asks for the next one; then the instance is
	// killed and the invocation fails with "Task timed out". Zero means
	// DefaultTimeout (3 s); at most MaxTimeout. Local functions only.
	Timeout time.Duration
	// MemorySize is the memory in MB reported to the function in
	// AWS_LAMBDA_FUNCTION_MEMORY_SIZE and in REPORT log lines; it is not
	// enforced. Zero means DefaultMemorySize (128); 128 to 10240 as on
	// Lambda. Local functions only.
	MemorySize int
	// Concurrency is the most instances of the function that run at once.
	// Zero means DefaultConcurrency (10). Local functions only.
	Concurrency int
	// Endpoint is the base URL of a Lambda Invoke API to call instead of
	// running a process: real Lambda, `sam local start-lambda`, the runtime
	// interface emulator. Mutually exclusive with Command.
	Endpoint string
	// RemoteName is the function name (or ARN) sent to Endpoint; "" means
	// Name. The runtime interface emulator only answers to "function".
	RemoteName string
}

// Options configures a Manager. The zero value is usable.
type Options struct {
	// Region is the region in function ARNs, AWS_REGION and
	// AWS_DEFAULT_REGION, and the signing region for remote endpoints.
	// "" means us-east-1.
	Region string
	// AccountID is the account in function ARNs. "" means 000000000000.
	AccountID string
	// Logger receives the manager's and the functions' logs (process output,
	// START/END/REPORT lines). If nil, slog.Default() is used.
	Logger *slog.Logger
	// IdleTimeout is how long an instance may sit unused before it is
	// stopped. Zero means DefaultIdleTimeout (5 min); negative keeps idle
	// instances until Close.
	IdleTimeout time.Duration
	// QueueTimeout is how long a request waits for an instance when all
	// Concurrency instances of its function are busy; after that the request
	// fails with ErrThrottled (Lambda's TooManyRequestsException). Zero means
	// DefaultQueueTimeout (10 s); negative throttles at once, as Lambda does
	// when a function's reserved concurrency is exhausted.
	QueueTimeout time.Duration
	// InitTimeout is how long a new instance may take from process start to
	// its first request for an event; after that it is killed and the
	// invocation fails with "Task timed out". Zero means DefaultInitTimeout
	// (10 s). Commands that compile on start (`go run`) may need more; prefer
	// Config.Build, which is not counted.
	InitTimeout time.Duration
	// StopGrace is how long a stopping instance gets between SIGTERM and
	// SIGKILL. Zero means DefaultStopGrace (2 s).
	StopGrace time.Duration
	// Credentials sign requests to remote endpoints. If nil, the AWS SDK's
	// default chain is used (environment, shared config, SSO, IMDS, ...).
	// Local emulators (sam local, the runtime interface emulator) accept any
	// credentials; aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(...))
	// is enough for them.
	Credentials aws.CredentialsProvider
	// DataDir is the gateway's data directory: the bootstraps of Runtime
	// functions are written to DataDir/runtime/{hash}/. "" means a directory
	// under the system's temporary directory.
	DataDir string
	// StrictRuntimeVersions refuses a Runtime function whose interpreter's
	// version differs from the declared runtime's (Node.js major, Python
	// major.minor): its invocations fail with Runtime.InvalidEntrypoint. By
	// default it runs, with a warning at New.
	StrictRuntimeVersions bool
}

func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.AccountID == "" {
		o.AccountID = "000000000000"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.QueueTimeout == 0 {
		o.QueueTimeout = DefaultQueueTimeout
	}
	if o.InitTimeout <= 0 {
		o.InitTimeout = DefaultInitTimeout
	}
	if o.StopGrace <= 0 {
		o.StopGrace = DefaultStopGrace
	}
	return o
}

// ConfigError is a problem with one function's configuration.
type ConfigError struct {
	// Function is the function's name ("" when the name itself is missing).
	Function string
	// Field is the Config field at fault ("Name", "Command", ...).
	Field string
	// Problem says what is wrong.
	Problem string
}

// Error renders "function NAME: FIELD: PROBLEM".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("function %q: %s: %s", e.Function, strings.ToLower(e.Field), e.Problem)
}

// The rules below are the one definition of what a function's configuration
// may hold: New applies them, and package config applies them to the config
// file, where it reports each problem at its line and column.

// namePattern is Lambda's function name syntax (the name part of an ARN).
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// CheckName checks a function name: 1 to 64 letters, digits, hyphens and
// underscores, as in arn:aws:lambda:{region}:{account}:function:{name}.
func CheckName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("function name %q must be 1 to 64 letters, digits, '-' and '_'", name)
	}
	return nil
}

// envName is the syntax of an environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// CheckEnv checks the name of a variable of Config.Env. Names Lambda sets
// itself and refuses in a function's configuration ("Defined runtime
// environment variables",
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)
// are refused, plus the two that would change how aws-lambda-go talks to
// this host. Credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN) are allowed, since a local function has no execution
// role to take them from (docs/compatibility.md#function-env-credentials).
func CheckEnv(name string) error {
	switch {
	case !envName.MatchString(name):
		return fmt.Errorf("%q is not a valid environment variable name", name)
	case runtimes.UserEnv(name):
		return nil
	case reservedEnv(name):
		return fmt.Errorf("%s is reserved by Lambda and cannot be set", name)
	}
	return nil
}

func reservedEnv(k string) bool {
	switch k {
	case "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
		"LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_LAMBDA_SERVER_PORT":
		return true
	}
	return strings.HasPrefix(k, "AWS_LAMBDA_")
}

// CheckTimeout checks a Config.Timeout that is not zero (zero means
// DefaultTimeout): more than 0, at most MaxTimeout.
func CheckTimeout(d time.Duration) error {
	if d <= 0 || d > MaxTimeout {
		return fmt.Errorf("must be more than 0s and at most %ds", int(MaxTimeout.Seconds()))
	}
	return nil
}

// CheckMemorySize checks a Config.MemorySize that is not zero (zero means
// DefaultMemorySize): MinMemorySize to MaxMemorySize MB.
func CheckMemorySize(mb int) error {
	if mb < MinMemorySize || mb > MaxMemorySize {
		return fmt.Errorf("must be between %d and %d (MB)", MinMemorySize, MaxMemorySize)
	}
	return nil
}

// CheckConcurrency checks a Config.Concurrency that is not zero (zero means
// DefaultConcurrency): 1 to MaxConcurrency.
func CheckConcurrency(n int) error {
	if n < 1 || n > MaxConcurrency {
		return fmt.Errorf("must be between 1 and %d", MaxConcurrency)
	}
	return nil
}

// normalize checks c, fills its defaults and makes Dir absolute. It returns
// a *ConfigError naming the function.
func (c Config) normalize() (Config, error) {
	bad := func(field, format string, args ...any) (Config, error) {
		return c, &ConfigError{Function: c.Name, Field: field, Problem: fmt.Sprintf(format, args...)}
	}
	if err := CheckName(c.Name); err != nil {
		return bad("Name", "%v", err)
	}
	n := 0
	for _, set := range []bool{len(c.Command) > 0, c.Endpoint != "", c.Runtime != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return bad("Command", "one of command, endpoint and runtime is required")
	case n > 1:
		return bad("Runtime", "command, endpoint and runtime are mutually exclusive")
	}
	if c.Runtime == "" {
		for _, f := range []struct {
			field string
			set   bool
		}{{"Handler", c.Handler != ""}, {"Interpreter", c.Interpreter != ""}, {"RuntimeClient", c.RuntimeClient != ""},
			{"LogFormat", c.LogFormat != ""}, {"LogLevel", c.LogLevel != ""}, {"Layers", len(c.Layers) > 0}} {
			if f.set {
				return bad(f.field, "only applies to functions with a runtime")
			}
		}
	} else {
		if _, err := runtimes.Lookup(c.Runtime); err != nil {
			return bad("Runtime", "%v", err)
		}
		if err := runtimes.CheckHandler(c.Handler); err != nil {
			return bad("Handler", "%v", err)
		}
		if err := runtimes.CheckClient(c.RuntimeClient); err != nil {
			return bad("RuntimeClient", "%v", err)
		}
		if err := runtimes.CheckLogging(c.LogFormat, c.LogLevel); err != nil {
			return bad("LogFormat", "%v", err)
		}
		layers := make([]string, len(c.Layers)) // the caller's slice stays as it is
		for i, l := range c.Layers {
			abs, err := filepath.Abs(l)
			if err != nil {
				return bad("Layers", "%v", err)
			}
			layers[i] = abs
		}
		c.Layers = layers
		if c.Interpreter != "" && strings.ContainsRune(c.Interpreter, '/') {
			abs, err := filepath.Abs(c.Interpreter)
			if err != nil {
				return bad("Interpreter", "%v", err)
			}
			c.Interpreter = abs
		}
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("Endpoint", "%q is not an http or https URL", c.Endpoint)
		}
		for _, f := range []struct {
			field string
			set   bool
		}{{"Build", len(c.Build) > 0}, {"Env", len(c.Env) > 0}, {"Dir", c.Dir != ""}} {
			if f.set {
				return bad(f.field, "only applies to local functions (command), not to an endpoint")
			}
		}
		if c.RemoteName == "" {
			c.RemoteName = c.Name
		}
		return c, nil
	}
	if c.RemoteName != "" {
		return bad("RemoteName", "only applies to functions with an endpoint")
	}
	if len(c.Command) > 0 && c.Command[0] == "" {
		return bad("Command", "the program is empty")
	}
	if len(c.Build) > 0 && c.Build[0] == "" {
		return bad("Build", "the program is empty")
	}
	for k := range c.Env {
		if err := CheckEnv(k); err != nil {
			return bad("Env", "%v", err)
		}
	}
	switch {
	case c.Timeout == 0:
		c.Timeout = DefaultTimeout
	default:
		if err := CheckTimeout(c.Timeout); err != nil {
			return bad("Timeout", "%v", err)
		}
	}
	switch {
	case c.MemorySize == 0:
		c.MemorySize = DefaultMemorySize
	default:
		if err := CheckMemorySize(c.MemorySize); err != nil {
			return bad("MemorySize", "%v", err)
		}
	}
	switch {
	case c.Concurrency == 0:
		c.Concurrency = DefaultConcurrency
	default:
		if err := CheckConcurrency(c.Concurrency); err != nil {
			return bad("Concurrency", "%v", err)
		}
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return bad("Dir", "%v", err)
	}
	c.Dir = dir
	return c, nil
}

// partition returns the ARN partition of region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	}
	return "aws"
}

// FunctionARN returns arn:{partition}:lambda:{region}:{account}:function:{name},
// with ":{qualifier}" appended when qualifier is not empty.
func FunctionARN(region, accountID, name, qualifier string) string {
	arn := "arn:" + partition(region) + ":lambda:" + region + ":" + accountID + ":function:" + name
	if qualifier != "" {
		arn += ":" + qualifier
	}
	return arn
}
