package lambdacall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Caller invokes a function synchronously (InvocationType RequestResponse)
// with an event and returns its output. It is implemented by the local
// function runtime and by the client of a remote Lambda Invoke endpoint.
//
// Call must return promptly once ctx is done; the integration timeout is
// enforced through ctx. A function that ran and failed is not an error: Call
// returns its error document with CallResult.FunctionError set, as the Invoke
// API does (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). Errors are for failures to invoke; a
// Caller reports the documented ones by wrapping ErrFunctionNotFound,
// ErrThrottled or ErrPayloadTooLarge.
type Caller interface {
	Call(ctx context.Context, fn FunctionRef, payload []byte) (*CallResult, error)
}

// CallerFunc adapts a function to the Caller interface.
type CallerFunc func(ctx context.Context, fn FunctionRef, payload []byte) (*CallResult, error)

// Call calls f.
func (f CallerFunc) Call(ctx context.Context, fn FunctionRef, payload []byte) (*CallResult, error) {
	return f(ctx, fn, payload)
}

// CallResult is a function's output.
type CallResult struct {
	// Payload is the function's response, or its error document when
	// FunctionError is set.
	Payload []byte
	// FunctionError is "" for success, or the X-Amz-Function-Error value of
	// a failed invocation: "Unhandled" (or the legacy "Handled").
	FunctionError string
	// RequestID is the invocation's Lambda request id and Log its log tail,
	// when CallOptions.Log asked for them; a Caller may leave them empty.
	RequestID string
	Log       string
}

// CallOptions ask an OptionsCaller for more than the plain call.
type CallOptions struct {
	// Log asks for the invocation's request id and log tail in the
	// CallResult (for the request inspector).
	Log bool
	// TraceHeader, when not empty, is the X-Ray trace header to run the
	// function under: a local function gets it as Lambda-Runtime-Trace-Id
	// (and its runtime sets _X_AMZN_TRACE_ID from it), a remote one as
	// X-Amzn-Trace-Id.
	TraceHeader string
}

// OptionsCaller is a Caller that also takes CallOptions. Callers of
// functions use CallWith, which falls back on Call for a plain Caller
// (without log tails or trace headers).
type OptionsCaller interface {
	Caller
	CallWithOptions(ctx context.Context, fn FunctionRef, payload []byte, opts CallOptions) (*CallResult, error)
}

// CallWith calls fn through c, with opts when they ask for anything and c
// takes them.
func CallWith(ctx context.Context, c Caller, fn FunctionRef, payload []byte, opts CallOptions) (*CallResult, error) {
	if opts != (CallOptions{}) {
		if oc, ok := c.(OptionsCaller); ok {
			return oc.CallWithOptions(ctx, fn, payload, opts)
		}
	}
	return c.Call(ctx, fn, payload)
}

// Errors a Caller returns, wrapped, for the failures the gateway answers in a
// documented way (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
var (
	// ErrFunctionNotFound means the function does not exist or may not be
	// invoked (Lambda ResourceNotFoundException, a missing permission, a
	// function the gateway has no configuration for): 500 Internal Server
	// Error.
	ErrFunctionNotFound = errors.New("lambda function not found")
	// ErrThrottled means Lambda refused the invocation for lack of
	// concurrency (TooManyRequestsException, 429): 500 Internal Server Error
	// (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy;
	// reports of 429, 500 and 503 exist; 500 is what HTTP APIs answer for
	// every other failure of the Lambda call).
	ErrThrottled = errors.New("lambda function throttled")
	// ErrPayloadTooLarge means Lambda refused the event as larger than its
	// synchronous invocation limit (RequestTooLargeException): 413 Request
	// Entity Too Large.
	ErrPayloadTooLarge = errors.New("lambda request payload too large")
)

// FunctionError is an invocation that ended in a function error (the Invoke
// API's X-Amz-Function-Error): an exception, a crash, a timeout of the
// function itself. The client gets 500 Internal Server Error (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
// step 1, 3.10); the error is logged.
type FunctionError struct {
	// Function is the function that failed.
	Function FunctionRef
	// Type is the X-Amz-Function-Error value ("Unhandled" or "Handled").
	Type string
	// Payload is the error document the function or Lambda returned, usually
	// {"errorMessage":...,"errorType":...}.
	Payload []byte
}

// Error returns the function, the error type and, when the payload is Lambda's
// error document, its errorType and errorMessage; otherwise the start of the
// payload.
func (e *FunctionError) Error() string {
	var doc struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	msg := fmt.Sprintf("function %s: %s error", e.Function, e.Type)
	if json.Unmarshal(e.Payload, &doc) == nil && (doc.ErrorType != "" || doc.ErrorMessage != "") {
		return msg + ": " + doc.ErrorType + ": " + doc.ErrorMessage
	}
	const max = 512
	if p := e.Payload; len(p) > max {
		return fmt.Sprintf("%s: %s...", msg, p[:max])
	}
	return fmt.Sprintf("%s: %s", msg, e.Payload)
}
