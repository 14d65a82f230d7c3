package dataplane

import (
	"context"
	"net/http"

	"github.com/apigwdev/apigw/internal/invoke"
)

// Names of a request's child spans.
const (
	SpanAuthorizer  = "authorizer"
	SpanIntegration = "integration"
)

// Tracer traces requests (implemented by package tracing). A nil Tracer in
// Options turns tracing off: the handler then does nothing more than a nil
// check per request.
type Tracer interface {
	// StartRequest starts the server span of r. It returns r with the
	// span in its context, or r and nil when the request is not sampled.
	StartRequest(r *http.Request) (*http.Request, RequestSpan)
}

// RequestSpan is a sampled request's server span.
type RequestSpan interface {
	// StartChild starts the child span name (SpanAuthorizer,
	// SpanIntegration) of the span in ctx.
	StartChild(ctx context.Context, name string) (context.Context, ChildSpan)
	// Finish ends the server span with what the request became; req is
	// nil when it reached no stage.
	Finish(req *invoke.Request, out *invoke.Outcome)
}

// ChildSpan is an authorizer's or an integration's span.
type ChildSpan interface {
	// TraceHeaders returns the span as the X-Amzn-Trace-Id and W3C
	// traceparent values that carry the trace to an integration.
	TraceHeaders() (xray, traceparent string)
	// SetIntegration records the integration's type and its status (0
	// when it did not answer).
	SetIntegration(typ string, status int)
	// End ends the span, failed when err is not nil.
	End(err error)
}

// child starts a child span when the request is traced.
func (x *exchange) child(ctx context.Context, name string) (context.Context, ChildSpan) {
	if x.span == nil {
		return ctx, nil
	}
	return x.span.StartChild(ctx, name)
}

// endChild ends sp, if any.
func endChild(sp ChildSpan, err error) {
	if sp != nil {
		sp.End(err)
	}
}

// integrationStatus is resp's status, 0 without a response.
func integrationStatus(resp *invoke.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}
