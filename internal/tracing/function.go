package tracing

import (
	"context"
	"time"

	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// FunctionSpan is the span of one Lambda function invocation.
type FunctionSpan struct {
	t     *Tracer
	span  trace.Span
	start time.Time
}

// StartFunction starts the span of an invocation of function name, a child
// of the span in ctx (an integration's or an authorizer's). It returns nil
// when ctx carries no sampled span: untraced requests cost nothing more.
func (t *Tracer) StartFunction(ctx context.Context, name, arn string) (context.Context, *FunctionSpan) {
	if t == nil || !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, nil
	}
	start := time.Now()
	ctx, span := t.tr.Start(ctx, "invoke "+name, trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(start),
		trace.WithAttributes(semconv.FaaSInvokedName(name), semconv.CloudResourceID(arn)))
	return ctx, &FunctionSpan{t: t, span: span, start: start}
}

// TraceHeader is the Lambda-Runtime-Trace-Id to run the function under: the
// trace's X-Ray root with this span as parent.
func (f *FunctionSpan) TraceHeader() string {
	xray, _ := headers(f.span.SpanContext())
	return xray
}

// End ends the span. init, when not zero, is the function's init on a cold
// start, recorded as a child span from the invocation's start.
func (f *FunctionSpan) End(init time.Duration, err error) {
	f.span.SetAttributes(semconv.FaaSColdstart(init > 0))
	if init > 0 {
		ctx := trace.ContextWithSpan(context.Background(), f.span)
		_, is := f.t.tr.Start(ctx, "init", trace.WithTimestamp(f.start))
		is.End(trace.WithTimestamp(f.start.Add(init)))
	}
	childSpan{f.span}.End(err)
}
