package runtimes

import (
	"fmt"
	"strings"
	"unicode"
)

// Language is the programming language of a managed runtime.
type Language int

// The languages apigw runs without Docker.
const (
	Node Language = iota + 1
	Python
)

// String returns "Node.js" or "Python".
func (l Language) String() string {
	switch l {
	case Node:
		return "Node.js"
	case Python:
		return "Python"
	}
	return "unknown"
}

// Runtime is one of Lambda's managed runtime identifiers that apigw accepts,
// with what it switches: the interpreter names tried, the version the
// interpreter should have, and the language semantics the bootstrap applies
// (Python's ASCII-only JSON before 3.12, Node.js 24's refusal of callback
// handlers). Semantics follow the declared runtime, never the interpreter
// found (docs/compatibility.md#runtime-versions).
type Runtime struct {
	// ID is the identifier as Lambda spells it: nodejs20.x, python3.11.
	ID string
	// Language is Node or Python.
	Language Language
	// Major and Minor are the version the identifier names (Node.js: Major
	// only, Minor is -1).
	Major, Minor int
}

// ExecutionEnv is the value of AWS_EXECUTION_ENV: AWS_Lambda_{ID}.
func (r Runtime) ExecutionEnv() string { return "AWS_Lambda_" + r.ID }

// Names are the interpreter names tried, in order, when the function does
// not name one (python3.12, python3, python; node, nodejs).
func (r Runtime) Names() []string {
	if r.Language == Node {
		return []string{"node", "nodejs"}
	}
	return []string{fmt.Sprintf("python%d.%d", r.Major, r.Minor), "python3", "python"}
}

// Version renders the declared version: "20" or "3.11".
func (r Runtime) Version() string {
	if r.Language == Node {
		return fmt.Sprint(r.Major)
	}
	return fmt.Sprintf("%d.%d", r.Major, r.Minor)
}

// floor is the oldest interpreter version the bootstraps run on.
func (r Runtime) floor() (major, minor int) {
	if r.Language == Node {
		return 18, 0
	}
	return 3, 9
}

// known are the accepted identifiers, in the order error messages list them.
var known = []Runtime{
	{ID: "nodejs18.x", Language: Node, Major: 18, Minor: -1},
	{ID: "nodejs20.x", Language: Node, Major: 20, Minor: -1},
	{ID: "nodejs22.x", Language: Node, Major: 22, Minor: -1},
	{ID: "nodejs24.x", Language: Node, Major: 24, Minor: -1},
	{ID: "python3.9", Language: Python, Major: 3, Minor: 9},
	{ID: "python3.10", Language: Python, Major: 3, Minor: 10},
	{ID: "python3.11", Language: Python, Major: 3, Minor: 11},
	{ID: "python3.12", Language: Python, Major: 3, Minor: 12},
	{ID: "python3.13", Language: Python, Major: 3, Minor: 13},
	{ID: "python3.14", Language: Python, Major: 3, Minor: 14},
}

// IDs returns the accepted runtime identifiers.
func IDs() []string {
	ids := make([]string, len(known))
	for i, r := range known {
		ids[i] = r.ID
	}
	return ids
}

// Lookup returns the runtime named id, or an error listing the accepted
// identifiers. nodejs18.x and python3.9 are deprecated on Lambda and still
// accepted.
func Lookup(id string) (Runtime, error) {
	for _, r := range known {
		if r.ID == id {
			return r, nil
		}
	}
	return Runtime{}, fmt.Errorf("runtime %q is not supported; use one of %s (other languages: a command speaking the Lambda Runtime API)", id, strings.Join(IDs(), ", "))
}

// CheckHandler applies the Lambda API's constraint on a function's Handler:
// 1 to 128 characters, no white space. Anything else about the handler (no
// dot, "..", an unknown module) is not a configuration error: it fails at
// init as it does on Lambda; HandlerWarning describes it in advance.
func CheckHandler(h string) error {
	switch {
	case h == "":
		return fmt.Errorf("handler is required with runtime (for example app.handler)")
	case len(h) > 128:
		return fmt.Errorf("handler %q is longer than 128 characters", h)
	case strings.IndexFunc(h, unicode.IsSpace) >= 0:
		return fmt.Errorf("handler %q contains white space", h)
	}
	return nil
}

// HandlerWarning returns what will make the function's init fail, for a
// handler CheckHandler accepts, or "" when nothing is visibly wrong.
func HandlerWarning(r Runtime, h string) string {
	switch {
	case strings.Contains(h, ".."):
		if r.Language == Node {
			return fmt.Sprintf("handler %q contains \"..\"; Lambda refuses it (Runtime.MalformedHandlerName)", h)
		}
	case r.Language == Node && !strings.Contains(h[strings.LastIndex(h, "/")+1:], "."):
		return fmt.Sprintf("handler %q has no \".\"; write MODULE.EXPORT, for example index.handler", h)
	case r.Language == Python && !strings.Contains(h, "."):
		return fmt.Sprintf("handler %q has no \".\"; write MODULE.FUNCTION, for example app.handler", h)
	}
	return ""
}

// Log formats and levels of a function's logging configuration (Lambda's
// LoggingConfig).
const (
	LogFormatText = "Text"
	LogFormatJSON = "JSON"
)

// LogLevels are the accepted application log levels, most verbose first.
var LogLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// CheckLogging checks a function's logFormat and logLevel: the format is
// Text (the default, "") or JSON; a level is one of LogLevels and only
// applies with JSON, as Lambda's ApplicationLogLevel.
func CheckLogging(format, level string) error {
	switch format {
	case "", LogFormatText, LogFormatJSON:
	default:
		return fmt.Errorf("logFormat %q must be Text or JSON", format)
	}
	if level == "" {
		return nil
	}
	ok := false
	for _, l := range LogLevels {
		ok = ok || l == level
	}
	switch {
	case !ok:
		return fmt.Errorf("logLevel %q must be one of %s", level, strings.Join(LogLevels, ", "))
	case format != LogFormatJSON:
		return fmt.Errorf("logLevel applies only with logFormat: JSON")
	}
	return nil
}

// Runtime clients: the embedded bootstrap, or AWS's own runtime interface
// client installed by the user (section "runtimeClient" of
// docs/configuration.md).
const (
	ClientBuiltin = "builtin"
	ClientAWS     = "aws"
)

// CheckClient checks a function's runtimeClient ("" means builtin).
func CheckClient(c string) error {
	switch c {
	case "", ClientBuiltin, ClientAWS:
		return nil
	}
	return fmt.Errorf("runtimeClient %q must be builtin or aws", c)
}

// DebugpyEnv, in a Python function's environment, has the embedded
// bootstrap listen with debugpy on its value (host:port) and wait for a
// debugger before it loads the handler (apigw serve --debug-function). The
// bootstrap removes it from the environment the handler sees.
const DebugpyEnv = "APIGW_DEBUGPY_LISTEN"

// UserEnv reports whether k is one of the AWS_LAMBDA_* variables a function's
// configuration may set even though the AWS_LAMBDA_ prefix is otherwise
// reserved: they are read by the runtime, and Lambda lets users set them
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-modify.html#runtime-wrapper,
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html).
func UserEnv(k string) bool {
	switch k {
	case "AWS_LAMBDA_EXEC_WRAPPER", "AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING", "AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA":
		return true
	}
	return false
}
