package lambdaproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

// MaxEventSize is the largest event sent to a function, Lambda's 6 MB limit on
// synchronous invocation payloads (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html; https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
// A larger event is answered 413 without calling the function.
const MaxEventSize = 6 << 20 // 6291456 bytes

// DefaultTimeout is the integration timeout when Config.Timeout is zero: the
// HTTP API default and maximum of TimeoutInMillis (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
const DefaultTimeout = 30 * time.Second

// Config configures an Invoker.
type Config struct {
	// URI is the integration URI naming the function, in one of the forms of
	// lambdacall.ParseFunctionURI. Required.
	URI string
	// PayloadFormatVersion is "1.0" or "2.0". Required: the API requires it
	// for Lambda integrations (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html); defaulting (OpenAPI import,
	// console) is the caller's business.
	PayloadFormatVersion string
	// Timeout is the integration timeout (TimeoutInMillis): past it the client
	// gets 503 Service Unavailable. Zero means DefaultTimeout;
	// negative values are refused. Range checks (50 ms to 30 s) belong to
	// the resource model.
	Timeout time.Duration
	// Caller invokes the function. Required.
	Caller lambdacall.Caller
	// Logger receives debug records of invocations. If nil, nothing is
	// logged.
	Logger *slog.Logger
}

// Invoker is the AWS_PROXY integration with a Lambda function: an
// invoke.Invoker. It is built once per integration and is safe for concurrent
// use.
type Invoker struct {
	fn      *lambdacall.FunctionTemplate
	static  *lambdacall.FunctionRef // the function, when the URI has no stage variables
	v2      bool
	timeout time.Duration
	caller  lambdacall.Caller
	log     *slog.Logger
}

// New validates cfg and returns its Invoker. The URI is parsed now; a URI
// without stage variables is resolved now.
func New(cfg Config) (*Invoker, error) {
	fn, err := lambdacall.ParseFunctionURI(cfg.URI)
	if err != nil {
		return nil, fmt.Errorf("creating lambda integration: %w", err)
	}
	inv := &Invoker{fn: fn, timeout: cfg.Timeout, caller: cfg.Caller, log: cfg.Logger}
	switch cfg.PayloadFormatVersion {
	case "2.0":
		inv.v2 = true
	case "1.0":
	default:
		return nil, fmt.Errorf("creating lambda integration %q: payload format version %q is not 1.0 or 2.0", cfg.URI, cfg.PayloadFormatVersion)
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("creating lambda integration %q: negative timeout %v", cfg.URI, cfg.Timeout)
	case cfg.Timeout == 0:
		inv.timeout = DefaultTimeout
	}
	if cfg.Caller == nil {
		return nil, fmt.Errorf("creating lambda integration %q: no caller", cfg.URI)
	}
	if inv.log == nil {
		inv.log = slog.New(slog.DiscardHandler)
	}
	inv.log = inv.log.With("integration", "lambdaproxy", "uri", cfg.URI)
	if ref, ok := fn.Static(); ok {
		inv.static = &ref
	}
	return inv, nil
}

// errTimeout is the cause of the integration timeout's context.
var errTimeout = errors.New("integration timeout")

// Invoke runs the integration for one request (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
//
//  1. The function is resolved with the stage's variables; a name that cannot
//     be a function gives 500.
//  2. The whole request body is read (the data plane limits it to 10 MB; a
//     *http.MaxBytesError gives 413).
//  3. The event is built in the configured payload format; one larger than
//     MaxEventSize gives 413 Request Entity Too Large without a call.
//  4. The function is called with the integration timeout: past it, 503
//     Service Unavailable. lambdacall.ErrFunctionNotFound and lambdacall.ErrThrottled give 500,
//     lambdacall.ErrPayloadTooLarge 413.
//  5. A result with lambdacall.FunctionError gives 500; otherwise the result is
//     interpreted by ParseResultV2 or ParseResultV1, a malformed one giving
//     500.
//
// Errors are *gwerr.Error values carrying the real cause for the log.
func (i *Invoker) Invoke(ctx context.Context, req *invoke.Request) (*invoke.Response, error) {
	var fn lambdacall.FunctionRef
	if i.static != nil {
		fn = *i.static
	} else {
		var err error
		if fn, err = i.fn.Resolve(req.StageVariables); err != nil {
			return nil, gwerr.New(gwerr.InternalServerError, err)
		}
	}

	body, err := readBody(req.HTTP)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, gwerr.New(gwerr.RequestEntityTooLarge, err)
		}
		return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("lambda integration %s: %w", fn, err))
	}

	var event []byte
	if i.v2 {
		event, err = BuildEventV2(req, body)
	} else {
		event, err = BuildEventV1(req, body)
	}
	if err != nil {
		return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("lambda integration %s: %w", fn, err))
	}
	if len(event) > MaxEventSize {
		return nil, gwerr.Newf(gwerr.RequestEntityTooLarge,
			"lambda integration %s: event of %d bytes exceeds the %d-byte invocation limit", fn, len(event), MaxEventSize)
	}

	opts := lambdacall.CallOptions{TraceHeader: functionTraceHeader(req)}
	rec := req.Record
	if rec != nil {
		rec.Integration = &invoke.IntegrationRecord{Type: "AWS_PROXY", Target: fn.String(), RequestBody: event}
		opts.Log = true
	}
	start := time.Now()
	deadline := start.Add(i.timeout)
	cctx, cancel := context.WithDeadlineCause(ctx, deadline, errTimeout)
	defer cancel()
	res, err := lambdacall.CallWith(cctx, i.caller, fn, event, opts)
	elapsed := time.Since(start)
	if rec != nil {
		recordCall(rec.Integration, res, err)
	}
	// The context's timer may not have fired yet when a late answer comes
	// back, so the clock is checked too.
	if errors.Is(context.Cause(cctx), errTimeout) || (ctx.Err() == nil && !time.Now().Before(deadline)) {
		// The gateway stopped waiting at the deadline, whatever came back.
		i.log.DebugContext(ctx, "lambda invocation timed out", "function", fn.String(), "requestId", req.RequestID, "timeout", i.timeout)
		return nil, gwerr.New(gwerr.ServiceUnavailable,
			fmt.Errorf("lambda integration %s: no response within %v: %w", fn, i.timeout, errTimeout))
	}
	if err != nil {
		kind := gwerr.InternalServerError
		if errors.Is(err, lambdacall.ErrPayloadTooLarge) {
			kind = gwerr.RequestEntityTooLarge
		}
		if ctx.Err() != nil { // the client went away; nobody will see the answer
			err = fmt.Errorf("%w (request context: %w)", err, context.Cause(ctx))
		}
		return nil, gwerr.New(kind, fmt.Errorf("lambda integration %s: calling function: %w", fn, err))
	}
	if res == nil {
		return nil, gwerr.Newf(gwerr.InternalServerError, "lambda integration %s: caller returned no result", fn)
	}
	if res.FunctionError != "" {
		ferr := &lambdacall.FunctionError{Function: fn, Type: res.FunctionError, Payload: res.Payload}
		i.log.DebugContext(ctx, "lambda function error", "function", fn.String(), "requestId", req.RequestID, "error", ferr.Error())
		return nil, gwerr.New(gwerr.InternalServerError, ferr)
	}

	var resp *invoke.Response
	if i.v2 {
		resp, err = ParseResultV2(res.Payload)
	} else {
		resp, err = ParseResultV1(res.Payload)
	}
	if err != nil {
		return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("lambda integration %s: %w", fn, err))
	}
	i.log.DebugContext(ctx, "lambda invocation", "function", fn.String(), "requestId", req.RequestID,
		"duration", elapsed, "status", resp.StatusCode)
	return resp, nil
}

// functionTraceHeader is the Lambda-Runtime-Trace-Id of the invocation.
// Lambda passes one on every invocation, with Sampled=0 when the request is
// not traced
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next):
// a traced request's span, else the trace id the event carries (the
// client's X-Amzn-Trace-Id or the generated root), not sampled.
func functionTraceHeader(req *invoke.Request) string {
	if req.TraceHeader != "" {
		return req.TraceHeader
	}
	t := ""
	if req.HTTP != nil {
		t = req.HTTP.Header.Get("X-Amzn-Trace-Id")
	}
	if t == "" {
		t = reqfacts.TraceID(req)
	}
	if !strings.Contains(t, "Sampled=") {
		t += ";Sampled=0"
	}
	return t
}

// recordCall completes the inspector's record of a call.
func recordCall(ir *invoke.IntegrationRecord, res *lambdacall.CallResult, err error) {
	if err != nil {
		ir.Error = err.Error()
	}
	if res != nil {
		ir.ResponseBody = res.Payload
		ir.FunctionError = res.FunctionError
		ir.FunctionRequestID = res.RequestID
		ir.FunctionLog = res.Log
	}
}

func readBody(r *http.Request) ([]byte, error) {
	if r == nil || r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("reading request body: %w", err)
	}
	return b, nil
}

var _ invoke.Invoker = (*Invoker)(nil)
