package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
	"github.com/apigwdev/apigw/internal/tracing"
)

// newFunctions builds the function runtime from the configuration.
func newFunctions(cfg *config.Config, log *slog.Logger) (*functions.Manager, error) {
	fns := functionConfigs(cfg)
	log = log.With("component", "functions")
	var initTimeout time.Duration
	if cfg.DebugFunction != "" {
		attach, err := debugFunction(cfg, fns)
		if err != nil {
			return nil, err
		}
		log.Warn(attach)
		initTimeout = debugInitTimeout
	}
	creds, why := remoteCredentials(cfg, fns, os.Getenv)
	if why != "" {
		log.Info(why)
	}
	m, err := functions.New(functions.Options{
		Region:                cfg.Region,
		AccountID:             cfg.AccountID,
		Logger:                log,
		Credentials:           creds,
		InitTimeout:           initTimeout,
		DataDir:               cfg.DataDir,
		StrictRuntimeVersions: cfg.StrictRuntimeVersions,
	}, fns)
	if err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	return m, nil
}

// functionConfigs returns the configured functions in the runtime's terms,
// sorted by name. A remote function gets only its endpoint and remote name:
// the config file gives every function a Dir (its own directory), which the
// runtime refuses for an endpoint.
func functionConfigs(cfg *config.Config) []functions.Config {
	fns := make([]functions.Config, 0, len(cfg.Functions))
	for name, f := range cfg.Functions {
		if f.Endpoint != "" {
			fns = append(fns, functions.Config{Name: name, Endpoint: f.Endpoint, RemoteName: f.RemoteName})
			continue
		}
		fns = append(fns, functions.Config{
			Name:          name,
			Command:       f.Command,
			Runtime:       f.Runtime,
			Handler:       f.Handler,
			Interpreter:   f.Interpreter,
			RuntimeClient: f.RuntimeClient,
			LogFormat:     f.LogFormat,
			LogLevel:      f.LogLevel,
			Layers:        f.Layers,
			Build:         f.Build,
			Dir:           f.Dir,
			Env:           f.Env,
			Timeout:       f.Timeout,
			MemorySize:    f.MemorySize,
			Concurrency:   f.Concurrency,
		})
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	return fns
}

// Dummy credentials for local Lambda emulators, which check that a request
// is signed but not by whom (`sam local start-lambda`, the runtime interface
// emulator); "test" is what local AWS emulators conventionally take.
const (
	dummyAccessKeyID     = "test"
	dummySecretAccessKey = "test"
)

// credentialEnv are the environment variables through which the AWS SDK's
// default chain finds credentials without reading files or calling a
// metadata service.
var credentialEnv = []string{
	"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
}

// remoteCredentials chooses the credentials that sign calls to remote
// functions (functions with an endpoint), and says why when it is not the
// SDK's default chain:
//
//  1. the config's aws.credentials when set;
//  2. otherwise, when every remote endpoint is on a loopback address
//     (127.0.0.0/8, ::1, localhost, *.localhost) and getenv finds none of
//     credentialEnv: static dummy credentials, so that `sam local
//     start-lambda` and the runtime interface emulator work on a machine
//     with no AWS account; the SDK's default chain would fail there (after
//     probing the instance metadata service);
//  3. otherwise nil: the SDK's default chain (environment, shared files,
//     SSO, IMDS), which real Lambda needs.
//
// The credentials are the Manager's, shared by every remote function, so a
// configuration mixing loopback and remote endpoints uses rule 1 or 3.
func remoteCredentials(cfg *config.Config, fns []functions.Config, getenv func(string) string) (aws.CredentialsProvider, string) {
	var endpoints []string
	for _, f := range fns {
		if f.Endpoint != "" {
			endpoints = append(endpoints, f.Endpoint)
		}
	}
	if len(endpoints) == 0 {
		return nil, ""
	}
	if c := cfg.AWS.Credentials; c != nil {
		return aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)),
			"remote functions are signed with the credentials of aws.credentials"
	}
	for _, e := range endpoints {
		if !isLoopbackURL(e) {
			return nil, ""
		}
	}
	for _, k := range credentialEnv {
		if getenv(k) != "" {
			return nil, ""
		}
	}
	return aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(dummyAccessKeyID, dummySecretAccessKey, "")),
		"remote functions are on loopback endpoints and the environment has no AWS credentials: signing with dummy credentials (" + dummyAccessKeyID + ")"
}

// isLoopbackURL reports whether u's host is a loopback address or a
// localhost name (RFC 6761 section 6.3).
func isLoopbackURL(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(parsed.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// functionCaller adapts the function runtime to the Lambda proxy
// integration's Caller interface, translating the runtime's sentinel errors.
type functionCaller struct {
	m *functions.Manager
	// tracer, when tracing, makes each invocation of a traced request a
	// span and gives the function its trace; nil otherwise.
	tracer *tracing.Tracer
}

// Call invokes the function synchronously with the event as its payload.
func (c functionCaller) Call(ctx context.Context, fn lambdacall.FunctionRef, payload []byte) (*lambdacall.CallResult, error) {
	return c.CallWithOptions(ctx, fn, payload, lambdacall.CallOptions{})
}

// CallWithOptions is Call with the invocation's log tail (opts.Log) and an
// X-Ray trace header (opts.TraceHeader).
func (c functionCaller) CallWithOptions(ctx context.Context, fn lambdacall.FunctionRef, payload []byte, opts lambdacall.CallOptions) (*lambdacall.CallResult, error) {
	ctx, span := c.tracer.StartFunction(ctx, fn.Name, fn.ARN())
	if span != nil {
		opts.TraceHeader = span.TraceHeader()
	}
	res, err := c.m.Invoke(ctx, &functions.Invocation{
		FunctionName: fn.Name,
		Qualifier:    fn.Qualifier,
		Payload:      payload,
		Tail:         opts.Log,
		TraceID:      opts.TraceHeader,
	})
	if span != nil {
		var init time.Duration
		if res != nil {
			init = res.InitDuration
		}
		span.End(init, err)
	}
	switch {
	case err == nil:
		return &lambdacall.CallResult{Payload: res.Payload, FunctionError: res.FunctionError, RequestID: res.RequestID, Log: res.Log}, nil
	case errors.Is(err, functions.ErrFunctionNotFound):
		return nil, fmt.Errorf("%w: %w", lambdacall.ErrFunctionNotFound, err)
	case errors.Is(err, functions.ErrThrottled):
		return nil, fmt.Errorf("%w: %w", lambdacall.ErrThrottled, err)
	case errors.Is(err, functions.ErrPayloadTooLarge):
		return nil, fmt.Errorf("%w: %w", lambdacall.ErrPayloadTooLarge, err)
	}
	return nil, err
}

var _ lambdacall.OptionsCaller = functionCaller{}
