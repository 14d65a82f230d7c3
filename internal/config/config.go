// Package config loads apigw's YAML config file (docs/configuration.md).
//
// Decoding is strict: unknown keys, values of the wrong type, bad durations,
// addresses, names, ids and duplicates are all problems, and every problem
// of the file is reported at once, each as "file:line:col: message", in one
// *Error. Relative paths in the file (openapi, dir, dataDir, and a command's
// or build command's first word when it contains a slash) are resolved
// against the directory of the file itself.
//
// The lifecycle of a configuration:
//
//  1. Load (or Parse) decodes the file strictly, applies the defaults and
//     validates every value, stages through model.Stage.Validate.
//  2. Apply lays the command-line flags of `apigw serve` over it; flags win.
//  3. The gateway reads the result; it never changes afterwards.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/yamlnode"
)

// Defaults of the config file and of `apigw serve`'s flags (docs/configuration.md
// sections 1 and 3).
const (
	DefaultListen      = "127.0.0.1:3000"
	DefaultAdminListen = "127.0.0.1:3300"
	DefaultDataDir     = ".apigw"
	DefaultRegion      = "us-east-1"
	DefaultAccountID   = "000000000000"

	// DefaultHealthCheckInterval is the interval of a private target's
	// active health checks when its healthCheck gives none.
	DefaultHealthCheckInterval = 10 * time.Second
)

// Config is a loaded config file with its defaults applied.
type Config struct {
	// File is the absolute path of the file loaded, "" for Default().
	File string
	// Listen is the data plane's host:port; default 127.0.0.1:3000. ""
	// (allowed only with TLS.Listen) serves no plain HTTP.
	Listen string
	// AdminListen is the control plane's host:port; default 127.0.0.1:3300.
	AdminListen string
	// DataDir is where the gateway keeps its store; default .apigw (relative
	// to the working directory when the file does not set it).
	DataDir string
	// Region is the region in ARNs, endpoints and SigV4 scopes; default
	// us-east-1.
	Region string
	// AccountID is the 12-digit account in ARNs; default 000000000000.
	AccountID string
	// DebugFunction names the function to run under its language's
	// debugger, listening on DebugPort (`--debug-function`,
	// `--debug-port`; command line only).
	DebugFunction string
	DebugPort     int
	// LogFormat is the gateway's own log format, text (default) or json;
	// LogLevel its least level shown, debug, info (default), warn or
	// error. The request log is at info.
	LogFormat, LogLevel string
	// Functions are what Lambda ARNs point at, by function name.
	Functions map[string]Function
	// APIs are imported from their OpenAPI documents at every start.
	APIs []API
	// Identities may call AWS_IAM routes.
	Identities []Identity
	// AWS configures AWS service integrations.
	AWS AWSConfig
	// VpcLinks are the VPC links private integrations name in connectionId.
	VpcLinks []VpcLink
	// PrivateTargets say what each private integration URI (listener or
	// Cloud Map service ARN) stands for on this network.
	PrivateTargets map[string]PrivateTarget
	// Admin controls access to the admin listener (admin.go).
	Admin Admin
	// Limits bound request bodies' time and memory (limits.go).
	Limits Limits
	// AccountThrottle is the account-level limit shared by every API and
	// stage (default 10,000 requests/s, burst 5,000, as AWS's).
	AccountThrottle AccountThrottle
	// TLS configures the HTTPS data plane listener (tls.go).
	TLS TLS
	// Truststores maps a mutual-TLS truststoreUri (s3://bucket/key) to a
	// local PEM bundle.
	Truststores map[string]Truststore
	// StrictRuntimeVersions refuses to run a runtime function whose
	// interpreter's version differs from the declared runtime's (Node.js
	// major, Python major.minor); by default such a function runs, with a
	// warning.
	StrictRuntimeVersions bool
	// Cluster configures cluster mode (cluster.go); off by default.
	Cluster Cluster
	// Templates are AWS SAM / CloudFormation templates and CDK cloud
	// assemblies, served with their APIs and functions (templates.go).
	Templates []Template
	// UnrunnableWarn serves the rest of a template set when some of its
	// functions cannot run locally (`--unrunnable warn`); their routes
	// answer 500.
	UnrunnableWarn bool
	// StrictTemplates makes template warnings errors (`--strict`).
	StrictTemplates bool
	// Inspector configures the request inspector (observe.go).
	Inspector Inspector
	// Tracing configures OpenTelemetry traces (observe.go); off unless
	// tracing.otlpEndpoint is set.
	Tracing Tracing
}

// Function is a function of the functions map: local (Command, run as a
// Lambda Runtime API client) or remote (Endpoint, called through the Lambda
// Invoke API), never both.
type Function struct {
	// Name is the map key: 1..64 letters, digits, '-' and '_'.
	Name string
	// Command is the program and its arguments; a YAML string is split on
	// white space. Its first word is resolved against the file's directory
	// when it contains a slash.
	Command []string
	// Runtime is a Lambda managed runtime identifier (nodejs20.x,
	// python3.11, ...; runtimes.IDs): the function runs on the machine's own
	// node or python3 through apigw's embedded bootstrap. Exactly one of
	// Command, Endpoint and Runtime is set.
	Runtime string
	// Handler is the Lambda handler setting (app.handler,
	// lib/app.handlers.get, pkg.mod.fn): 1..128 characters without white
	// space. Required with Runtime, refused otherwise.
	Handler string
	// Interpreter is the node or python executable to run: a name looked up
	// on PATH, or a path (resolved against the file's directory). "" means
	// the runtime's usual names (node, nodejs; python3.N, python3, python).
	// Runtime functions only.
	Interpreter string
	// RuntimeClient is "builtin" (default: apigw's embedded bootstrap) or
	// "aws" (AWS's runtime interface client, installed by the user).
	// Runtime functions only.
	RuntimeClient string
	// LogFormat is "Text" (default) or "JSON", as Lambda's LoggingConfig.
	// Runtime functions only.
	LogFormat string
	// LogLevel is the application log level with LogFormat JSON: TRACE,
	// DEBUG, INFO (default), WARN, ERROR or FATAL.
	LogLevel string
	// Layers are directories laid out as Lambda layers are under /opt
	// (nodejs/node_modules, python/...), earliest first; resolved against
	// the file's directory. Runtime functions only.
	Layers []string
	// Build is an optional command run before the function starts, in Dir;
	// its first word is resolved like Command's.
	Build []string
	// Dir is the working directory; default the file's directory.
	Dir string
	// Env is added to the function's environment. Lambda's reserved
	// variable names are refused.
	Env map[string]string
	// Timeout is the function's own timeout, 0 < Timeout <= 900s; default 3s.
	Timeout time.Duration
	// MemorySize is reported to the function, in MB: 128..10240, default 128.
	MemorySize int
	// Concurrency is the most instances running at once: 1..1000, default 10.
	Concurrency int
	// Endpoint is the base URL of a Lambda Invoke API (http or https).
	Endpoint string
	// RemoteName is the FunctionName sent to Endpoint: a name, a partial ARN
	// (123456789012:function:name) or an ARN, with an optional :qualifier, as
	// the Invoke API takes it. "" means Name. Endpoint functions only; the
	// runtime interface emulator answers only to "function".
	RemoteName string
	// Line and Column locate the function's key in the file.
	Line, Column int
}

// API is an entry of apis.
type API struct {
	// ID is the fixed apiId: 1..63 lower-case letters and digits (AWS's own
	// ids are 10 characters of the same alphabet; the 63 limit keeps the id
	// usable as a host label). "" means generated.
	ID string
	// OpenAPI is the absolute path of the OpenAPI 3.0 document.
	OpenAPI string
	// Default makes the API serve requests that name no API; at most one
	// API is the default.
	Default bool
	// Stages default to one auto-deployed $default stage.
	Stages []Stage
	// Line and Column locate the entry in the file.
	Line, Column int
}

// Stage is a stage of a configured API. Stages of configured APIs always
// serve the definition imported at start; deploymentId cannot be set.
type Stage struct {
	// Name is $default (the default) or 1..128 letters, digits, '-' and '_'.
	Name string
	// Description is free text, at most 1024 characters.
	Description string
	// StageVariables are name → value (names [A-Za-z0-9_], values
	// [A-Za-z0-9-._~:/?#&=,]+ of at most 512 characters; at most 100).
	StageVariables map[string]string
	// DefaultRouteSettings and RouteSettings (by route key) carry
	// throttlingBurstLimit, throttlingRateLimit and detailedMetricsEnabled.
	DefaultRouteSettings *model.RouteSettings
	RouteSettings        map[string]model.RouteSettings
	// AccessLogSettings, when set, needs both format and destinationArn
	// ("stdout", "stderr" or an ARN; interpreted by the access logger).
	AccessLogSettings *model.AccessLogSettings
	// AutoDeploy is true unless the file says autoDeploy: false.
	AutoDeploy bool
	// Line and Column locate the stage in the file.
	Line, Column int
}

// Model returns the stage as an apigatewayv2 Stage resource.
func (s *Stage) Model() model.Stage {
	vars := s.StageVariables
	if vars == nil {
		vars = map[string]string{}
	}
	rs := s.RouteSettings
	if rs == nil {
		rs = map[string]model.RouteSettings{}
	}
	return model.Stage{
		StageName:            s.Name,
		AutoDeploy:           s.AutoDeploy,
		Description:          s.Description,
		DefaultRouteSettings: s.DefaultRouteSettings,
		RouteSettings:        rs,
		StageVariables:       vars,
		AccessLogSettings:    s.AccessLogSettings,
		Tags:                 map[string]string{},
	}
}

// Identity is a caller of AWS_IAM routes.
type Identity struct {
	// AccessKeyID is 1..128 letters and digits, unique among identities.
	AccessKeyID string
	// SecretAccessKey is the signing secret; required.
	SecretAccessKey string
	// SessionToken, when set, must accompany the access key.
	SessionToken string
	// ARN is the caller's IAM user or role ARN.
	ARN string
	// Policy is the identity's IAM policy document as decoded from YAML
	// (maps, lists, strings, numbers, booleans); nil when the file gives
	// none, which allows nothing.
	Policy any
	// PolicyJSON is Policy encoded as JSON, for policy evaluators that
	// parse JSON; nil when there is no policy.
	PolicyJSON []byte
	// Line and Column locate the entry in the file.
	Line, Column int
}

// AWSConfig configures the AWS service integrations.
type AWSConfig struct {
	// Endpoints maps an SDK service id (sqs, kinesis, eventbridge, sfn,
	// appconfig, appconfigdata, lambda, sts; lower case) to its endpoint URL;
	// services not listed use the real AWS endpoints.
	Endpoints map[string]string
	// Credentials, when set, sign the calls; else the standard AWS chain.
	Credentials *Credentials
}

// Credentials are static AWS credentials.
type Credentials struct {
	// AccessKeyID and SecretAccessKey are required; SessionToken is
	// optional.
	AccessKeyID, SecretAccessKey, SessionToken string
}

// VpcLink is a VPC link private integrations may name.
type VpcLink struct {
	// ID is the vpcLinkId: 1..63 lower-case letters and digits.
	ID string
	// Name is 1..128 characters; default the ID.
	Name string
	// Line and Column locate the entry in the file.
	Line, Column int
}

// PrivateTarget is what one private integration URI stands for: a static
// list of instances, or a DNS name re-resolved as the target set.
type PrivateTarget struct {
	// Instances are host:port addresses.
	Instances []string
	// DNS is host:port (A/AAAA records) or an SRV name (_service._tcp.name,
	// port taken from the records).
	DNS string
	// HealthCheck enables active health checks; nil disables them.
	HealthCheck *HealthCheck
	// Line and Column locate the entry's key in the file.
	Line, Column int
}

// HealthCheck configures active health checks of a private target.
type HealthCheck struct {
	// Path is the HTTP path probed, starting with "/".
	Path string
	// Interval is the time between probes; default 10s.
	Interval time.Duration
}

// Default returns the configuration used when there is no config file.
func Default() *Config {
	return &Config{
		Listen:          DefaultListen,
		AdminListen:     DefaultAdminListen,
		DataDir:         DefaultDataDir,
		Region:          DefaultRegion,
		AccountID:       DefaultAccountID,
		LogFormat:       "text",
		LogLevel:        "info",
		Functions:       map[string]Function{},
		PrivateTargets:  map[string]PrivateTarget{},
		AWS:             AWSConfig{Endpoints: map[string]string{}},
		AccountThrottle: AccountThrottle{RateLimit: DefaultAccountRateLimit, BurstLimit: DefaultAccountBurstLimit},
		TLS:             TLS{LocalCA: true, Certificates: map[string]CertificateFiles{}},
		Truststores:     map[string]Truststore{},
	}
}

// Problem is one problem of a config file.
type Problem struct {
	// File is the file name as given to Load or Parse.
	File string
	// Line and Column are 1-based; Column is 0 for YAML syntax errors,
	// whose column yaml.v3 does not report.
	Line, Column int
	// Message says what is wrong.
	Message string
}

// String renders the problem as "file:line:col: message", leaving out
// unknown parts.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(yamlnode.Position(p.File, p.Line, p.Column))
	b.WriteString(p.Message)
	return b.String()
}

// Error lists every problem of a config file, in file order.
type Error struct {
	Problems []Problem
}

// Error renders one problem per line.
func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "\n")
}

// Unwrap returns one error per problem.
func (e *Error) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = errors.New(p.String())
	}
	return out
}

// Load reads and decodes the config file at path (see Parse), and also
// checks that every API's OpenAPI document exists.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	var probs []Problem
	for _, a := range c.APIs {
		if _, err := os.Stat(a.OpenAPI); err != nil {
			probs = append(probs, Problem{File: path, Line: a.Line, Column: a.Column, Message: fmt.Sprintf("apis: openapi document %s: %v", a.OpenAPI, errors.Unwrap(err))})
		}
	}
	if len(probs) > 0 {
		return nil, &Error{Problems: probs}
	}
	return c, nil
}

// Parse decodes a config file's contents strictly, applies the defaults and
// validates the result. file names the file in problems and anchors
// relative paths (its directory); "" leaves relative paths as written. It
// returns *Error listing every problem found.
func Parse(data []byte, file string) (*Config, error) {
	c, err := ParsePartial(data, file)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ParsePartial is Parse returning, along with the problems, what could be
// decoded: the values that were valid, the defaults for the rest (nil
// only when the path cannot be resolved). `apigw validate` goes on with it
// to the OpenAPI documents and functions of a file with problems, so that
// one error does not hide the others; nothing may serve it.
func ParsePartial(data []byte, file string) (*Config, error) {
	c := Default()
	d := &decoder{file: file}
	if file != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return nil, fmt.Errorf("resolving config path: %w", err)
		}
		c.File = abs
		d.dir = filepath.Dir(abs)
	}
	root := d.parse(data)
	if root != nil {
		d.config(root, c)
		if c.Listen == "" && c.TLS.Listen == "" {
			d.errf(lookup(root, "listen"), "listen: \"\" turns plain HTTP off, so tls.listen must be set")
		}
	}
	if len(d.probs) > 0 {
		return c, &Error{Problems: d.sorted()}
	}
	return c, nil
}

// Overrides are the command-line flags of `apigw serve`; empty fields
// leave the file's values.
type Overrides struct {
	// Listen, AdminListen, DataDir, Region, AccountID, LogFormat and
	// LogLevel replace the file's values; DataDir is relative to the
	// working directory.
	Listen, AdminListen, DataDir, Region, AccountID, LogFormat, LogLevel string
	// Etcd (comma-separated URLs), Redis (a URL) and Node replace the
	// file's cluster.etcd.endpoints, cluster.redis.url and cluster.node.
	Etcd, Redis, Node string
	// TLSListen replaces tls.listen: the HTTPS data plane listener.
	TLSListen string
	// DebugFunction and DebugPort set Config's fields of the same names.
	DebugFunction string
	DebugPort     int
	// OpenAPI imports this document as an extra API with a $default stage
	// and makes it the default API.
	OpenAPI string
	// Functions are NAME=COMMAND definitions; COMMAND is split on white
	// space. A flag function replaces a file function of the same name.
	Functions []string
}

// Apply lays the flags over the configuration, validating each value;
// paths given by flags are relative to the working directory.
func (c *Config) Apply(o Overrides) error {
	var errs []error
	set := func(flag, v string, dst *string, check func(string) string) {
		if v == "" {
			return
		}
		if msg := check(v); msg != "" {
			errs = append(errs, fmt.Errorf("--%s: %s", flag, msg))
			return
		}
		*dst = v
	}
	set("listen", o.Listen, &c.Listen, checkAddress)
	set("admin-listen", o.AdminListen, &c.AdminListen, checkAddress)
	set("tls-listen", o.TLSListen, &c.TLS.Listen, checkAddress)
	set("data-dir", o.DataDir, &c.DataDir, func(string) string { return "" })
	set("region", o.Region, &c.Region, checkRegion)
	set("account-id", o.AccountID, &c.AccountID, checkAccount)
	if o.DebugFunction != "" || o.DebugPort != 0 {
		switch {
		case o.DebugFunction == "":
			errs = append(errs, errors.New("--debug-port needs --debug-function"))
		case o.DebugPort < 1 || o.DebugPort > 65535:
			errs = append(errs, fmt.Errorf("--debug-port %d: want a port, 1 to 65535", o.DebugPort))
		default:
			c.DebugFunction, c.DebugPort = o.DebugFunction, o.DebugPort
		}
	}
	set("log-format", o.LogFormat, &c.LogFormat, CheckLogFormat)
	set("log-level", o.LogLevel, &c.LogLevel, CheckLogLevel)
	if o.Etcd != "" {
		if msg := CheckEtcdURLs(o.Etcd); msg != "" {
			errs = append(errs, fmt.Errorf("--etcd: %s", msg))
		} else {
			c.Cluster.Etcd.Endpoints = strings.Split(o.Etcd, ",")
		}
	}
	set("redis", o.Redis, &c.Cluster.RedisURL, CheckRedisURL)
	set("node", o.Node, &c.Cluster.Node, func(string) string { return "" })
	if c.Functions == nil {
		c.Functions = map[string]Function{}
	}
	for _, f := range o.Functions {
		name, cmd, ok := strings.Cut(f, "=")
		fields := strings.Fields(cmd)
		switch {
		case !ok || len(fields) == 0:
			errs = append(errs, fmt.Errorf("--function %q: want NAME=COMMAND", f))
			continue
		case checkFunctionName(name) != "":
			errs = append(errs, fmt.Errorf("--function %q: %s", f, checkFunctionName(name)))
			continue
		}
		if strings.Contains(fields[0], "/") {
			if abs, err := filepath.Abs(fields[0]); err == nil {
				fields[0] = abs
			}
		}
		dir, _ := os.Getwd()
		c.Functions[name] = Function{Name: name, Command: fields, Dir: dir, Timeout: functions.DefaultTimeout,
			MemorySize: functions.DefaultMemorySize, Concurrency: functions.DefaultConcurrency}
	}
	if o.OpenAPI != "" {
		abs, err := filepath.Abs(o.OpenAPI)
		if err != nil {
			errs = append(errs, fmt.Errorf("--openapi: %w", err))
		} else {
			for i := range c.APIs {
				c.APIs[i].Default = false
			}
			c.APIs = append(c.APIs, API{OpenAPI: abs, Default: true, Stages: []Stage{defaultStage(0, 0)}})
		}
	}
	return errors.Join(errs...)
}

func defaultStage(line, col int) Stage {
	return Stage{Name: model.DefaultStageName, AutoDeploy: true, Line: line, Column: col}
}

// CheckLogFormat checks a log format: text or json. It returns what is
// wrong, or "".
func CheckLogFormat(s string) string {
	switch s {
	case "text", "json":
		return ""
	}
	return fmt.Sprintf("%q is not a log format: want text or json", s)
}

// CheckLogLevel checks a log level: debug, info, warn or error. It
// returns what is wrong, or "".
func CheckLogLevel(s string) string {
	switch strings.ToLower(s) {
	case "debug", "info", "warn", "warning", "error":
		return ""
	}
	return fmt.Sprintf("%q is not a log level: want debug, info, warn or error", s)
}
