package tracing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/invoke"
)

// Attribute keys of apigw's own (no semantic convention names them).
const (
	attrRouteKey        = attribute.Key("aws.api_gateway.route_key")
	attrAPIID           = attribute.Key("aws.api_gateway.api_id")
	attrStage           = attribute.Key("aws.api_gateway.stage")
	attrRequestID       = attribute.Key("aws.api_gateway.request_id")
	attrIntegration     = attribute.Key("aws.api_gateway.integration_type")
	attrAuthorizerError = attribute.Key("aws.api_gateway.authorizer_error")
)

// Options configure a Tracer.
type Options struct {
	// Endpoint is the OTLP/HTTP base URL; spans go to {Endpoint}/v1/traces.
	// Required.
	Endpoint string
	// SampleRatio is the fraction of requests traced (0..1); a request
	// with a sampled traceparent is traced whatever the ratio.
	SampleRatio float64
	// ServiceName is the resource's service.name; default "apigw".
	ServiceName string
	// BatchTimeout is how long finished spans wait before export; default
	// the SDK's (5 s). Shutdown exports them at once.
	BatchTimeout time.Duration
}

// Tracer traces requests: a dataplane.Tracer. It is safe for concurrent use.
type Tracer struct {
	tp    *sdktrace.TracerProvider
	tr    trace.Tracer
	prop  propagation.TraceContext
	ratio float64
}

// New builds a Tracer exporting to opts.Endpoint.
func New(opts Options) (*Tracer, error) {
	if opts.Endpoint == "" {
		return nil, errors.New("tracing: no OTLP endpoint")
	}
	if opts.ServiceName == "" {
		opts.ServiceName = "apigw"
	}
	exp, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpointURL(strings.TrimSuffix(opts.Endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter for %s: %w", opts.Endpoint, err)
	}
	var batch []sdktrace.BatchSpanProcessorOption
	if opts.BatchTimeout > 0 {
		batch = append(batch, sdktrace.WithBatchTimeout(opts.BatchTimeout))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, batch...),
		// A request without a parent was sampled at the ratio by
		// StartRequest already, before any span work.
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithIDGenerator(xrayIDs{}),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(opts.ServiceName))),
	)
	return &Tracer{tp: tp, tr: tp.Tracer("github.com/apigwdev/apigw", trace.WithSchemaURL(semconv.SchemaURL)), ratio: opts.SampleRatio}, nil
}

// Shutdown exports every finished span and stops the exporter.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if err := t.tp.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: flushing spans: %w", err)
	}
	return nil
}

// StartRequest starts the server span of r, continuing the trace of its
// W3C traceparent if any. It returns r with the span in its context, or r
// and nil when the request is not sampled.
func (t *Tracer) StartRequest(r *http.Request) (*http.Request, dataplane.RequestSpan) {
	ctx := r.Context()
	if r.Header["Traceparent"] != nil {
		ctx = t.prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
	}
	if !trace.SpanContextFromContext(ctx).IsValid() && t.ratio < 1 && rand.Float64() >= t.ratio {
		// Not sampled: decided before any span exists, so that the
		// requests left out cost a random number.
		return r, nil
	}
	ctx, span := t.tr.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer))
	if !span.IsRecording() {
		return r, nil
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	span.SetAttributes(
		semconv.HTTPRequestMethodKey.String(r.Method),
		semconv.URLPath(r.URL.Path),
		semconv.URLScheme(scheme),
		semconv.ServerAddress(r.Host),
		semconv.NetworkProtocolVersion(fmt.Sprintf("%d.%d", r.ProtoMajor, r.ProtoMinor)),
		semconv.ClientAddress(clientAddress(r.RemoteAddr)),
	)
	if ua := r.UserAgent(); ua != "" {
		span.SetAttributes(semconv.UserAgentOriginal(ua))
	}
	return r.WithContext(ctx), &requestSpan{t: t, span: span}
}

// requestSpan is a request's server span.
type requestSpan struct {
	t    *Tracer
	span trace.Span
}

// StartChild starts a child span of the request: "authorizer" (internal)
// or "integration" (client).
func (s *requestSpan) StartChild(ctx context.Context, name string) (context.Context, dataplane.ChildSpan) {
	kind := trace.SpanKindInternal
	if name == dataplane.SpanIntegration {
		kind = trace.SpanKindClient
	}
	ctx, span := s.t.tr.Start(ctx, name, trace.WithSpanKind(kind))
	return ctx, childSpan{span}
}

// Finish names the span after its route and ends it with the outcome.
func (s *requestSpan) Finish(req *invoke.Request, out *invoke.Outcome) {
	sp := s.span
	sp.SetAttributes(semconv.HTTPResponseStatusCode(out.Status))
	if req != nil {
		sp.SetAttributes(attrAPIID.String(req.APIID), attrStage.String(req.Stage), attrRequestID.String(req.RequestID))
		if req.RouteKey != "" {
			sp.SetAttributes(attrRouteKey.String(req.RouteKey), semconv.HTTPRoute(req.RoutePath))
			sp.SetName(req.HTTP.Method + " " + req.RoutePath)
		}
	}
	if out.AuthorizerError != "" {
		sp.SetAttributes(attrAuthorizerError.String(out.AuthorizerError))
	}
	if out.Status >= 500 {
		msg := out.ErrorMessage
		if out.IntegrationError != "" {
			msg = out.IntegrationError
		}
		sp.SetStatus(codes.Error, msg)
	}
	sp.End()
}

// childSpan is an authorizer's or an integration's span.
type childSpan struct{ span trace.Span }

// TraceHeaders returns the span as X-Amzn-Trace-Id and traceparent values.
func (c childSpan) TraceHeaders() (xray, traceparent string) {
	return headers(c.span.SpanContext())
}

// SetIntegration records the integration's type and answer.
func (c childSpan) SetIntegration(typ string, status int) {
	c.span.SetAttributes(attrIntegration.String(typ))
	if status > 0 {
		c.span.SetAttributes(semconv.HTTPResponseStatusCode(status))
	}
}

// End ends the span, failed when err is not nil.
func (c childSpan) End(err error) {
	if err != nil {
		c.span.SetStatus(codes.Error, err.Error())
	}
	c.span.End()
}

// headers renders a span context as X-Amzn-Trace-Id
// (Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled=1) and W3C traceparent
// (00-{32 hex}-{16 hex}-01) values.
func headers(sc trace.SpanContext) (xray, traceparent string) {
	tid, sid := sc.TraceID().String(), sc.SpanID().String()
	sampled := "0"
	flags := "00"
	if sc.IsSampled() {
		sampled, flags = "1", "01"
	}
	return "Root=1-" + tid[:8] + "-" + tid[8:] + ";Parent=" + sid + ";Sampled=" + sampled,
		"00-" + tid + "-" + sid + "-" + flags
}

func clientAddress(remote string) string {
	if i := strings.LastIndexByte(remote, ':'); i > 0 {
		return strings.Trim(remote[:i], "[]")
	}
	return remote
}

var _ dataplane.Tracer = (*Tracer)(nil)
