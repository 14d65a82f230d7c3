package httpproxy

import (
	"context"
	"errors"
	"fmt"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
)

// Timeout bounds of an HTTP_PROXY integration (TimeoutInMillis 50..30000,
// default 30000; https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html).
const (
	MinTimeout     = 50 * time.Millisecond
	MaxTimeout     = 30 * time.Second
	DefaultTimeout = MaxTimeout
)

// methodAny is the integrationMethod that forwards the client's method.
const methodAny = "ANY"

// errTimeout marks failures caused by the integration timeout, so that a
// timeout can be told from a canceled client and from other failures.
var errTimeout = h1client.ErrTimeout

// Config configures one HTTP_PROXY integration as attached to a route.
type Config struct {
	// URI is the integrationUri: an absolute http or https URL. It may
	// reference route path variables as {name} in its path or query (a greedy
	// {name+} variable is referenced as {name}) and stage variables as
	// ${stageVariables.name} anywhere.
	URI string
	// Method is the integrationMethod. "ANY" (or "") forwards the client's
	// method; anything else replaces it.
	Method string
	// Timeout is timeoutInMillis, MinTimeout..MaxTimeout; 0 means
	// DefaultTimeout. It bounds connecting, sending the request, receiving the
	// response headers and reading the response body.
	Timeout time.Duration
	// Transport sends the requests. Nil means a transport of its own from
	// h1client.New; share one h1client.New between invokers instead.
	Transport http.RoundTripper
	// IsDefaultRoute is true when the integration serves the $default route:
	// the whole request path (stage and mapping key removed) is then appended
	// to the URI's path.
	IsDefaultRoute bool
	// Logger receives debug records about failed calls. Nil discards them.
	Logger *slog.Logger
	// Upstream, when set, makes this a private integration whose URI is an
	// ARN and whose host is picked per attempt (upstream.go).
	Upstream *Upstream
}

// Invoker calls an HTTP backend for an HTTP_PROXY integration. It is built
// once at compile time by New and is safe for concurrent use.
type Invoker struct {
	tmpl      *uriTemplate
	method    string // "" forwards the client's method
	timeout   time.Duration
	transport http.RoundTripper
	isDefault bool
	logger    *slog.Logger
	upstream  *Upstream // nil for a public integration
}

// New checks cfg and builds an Invoker, parsing the URI template once.
// Errors name the problem and the URI.
func New(cfg Config) (*Invoker, error) {
	tmpl, err := newTemplate(cfg)
	if err != nil {
		return nil, err
	}
	inv := &Invoker{
		tmpl:      tmpl,
		timeout:   cfg.Timeout,
		transport: cfg.Transport,
		isDefault: cfg.IsDefaultRoute,
		logger:    cfg.Logger,
		upstream:  cfg.Upstream,
	}
	switch {
	case cfg.Method == "" || strings.EqualFold(cfg.Method, methodAny):
	case !h1client.ValidToken(cfg.Method):
		return nil, fmt.Errorf("integration method %q is not an HTTP method", cfg.Method)
	default:
		inv.method = cfg.Method
	}
	switch {
	case inv.timeout == 0:
		inv.timeout = DefaultTimeout
	case inv.timeout < MinTimeout || inv.timeout > MaxTimeout:
		return nil, fmt.Errorf("integration timeout %v is outside %v..%v", inv.timeout, MinTimeout, MaxTimeout)
	}
	if inv.transport == nil {
		inv.transport = h1client.New()
	}
	if inv.logger == nil {
		inv.logger = slog.New(slog.DiscardHandler)
	}
	return inv, nil
}

// Invoke sends req to the backend and returns its response, whose Body
// streams the backend's body as it arrives; the caller must close it.
//
// Errors: a timeout (before or while reading the response headers) is a
// *gwerr.Error of kind ServiceUnavailable (503, observed on AWS); any other
// failure to get a response (connection refused, DNS, TLS, a malformed
// response, a URL that stage variables made invalid) is InternalServerError
// (500, recommended by ). The backend's error text stays in the
// Cause. If ctx ends first, the context's error is returned, wrapped, and is
// not a *gwerr.Error. A timeout while the body streams surfaces as the same
// ServiceUnavailable error from Body.Read, after the status was sent.
func (i *Invoker) Invoke(ctx context.Context, req *invoke.Request) (*invoke.Response, error) {
	target, err := i.target(req)
	if err != nil {
		return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("building integration URL: %w", err))
	}
	r := req.HTTP
	method := i.method
	if method == "" {
		method = r.Method
	}
	body, length := r.Body, r.ContentLength
	if length == 0 || body == nil || body == http.NoBody {
		// Issue 16036 in the standard library's ReverseProxy: a nil Body
		// lets the transport retry idempotent requests on a stale pooled
		// connection.
		body, length = nil, 0
	}

	out := &http.Request{
		Method:        method,
		URL:           target,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Body:          body,
		ContentLength: length,
		Host:          target.Host,
	}
	var oh outboundHeader
	oh.init(req, body == nil)
	var ir *invoke.IntegrationRecord
	if rec := req.Record; rec != nil {
		ir = recordRequest(out, &oh)
		rec.Integration = ir
	}
	resp, err := i.roundTrip(ctx, out, &oh, time.Now().Add(i.timeout))
	if ir != nil {
		recordResponse(ir, resp, err)
	}
	if err != nil {
		err = i.classify(ctx, "calling integration "+redact(method, target.Scheme, target.Host, target.RawPath), err)
		i.logger.LogAttrs(ctx, slog.LevelDebug, "integration call failed",
			slog.String("requestId", req.RequestID), slog.Any("error", err))
		return nil, err
	}
	cleanResponseHeader(resp.Header)
	return &invoke.Response{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		Body:       &responseBody{inv: i, rc: resp.Body, parent: ctx},
		// A backend's content-length is kept, as AWS keeps it; -1 (unknown)
		// streams.
		ContentLength: max(resp.ContentLength, 0),
	}, nil
}

// send sends out, with the header fields of oh, through the transport within
// deadline. An *h1client.Transport takes the deadline as it is; any other RoundTripper
// gets it as a context deadline. Either way a failure caused by the deadline
// wraps errTimeout.
func (i *Invoker) send(ctx context.Context, out *http.Request, oh *outboundHeader, deadline time.Time) (*http.Response, error) {
	if t, ok := i.transport.(*h1client.Transport); ok {
		return t.DoFields(ctx, out, oh, deadline)
	}
	out.Header = oh.Header()
	tctx, cancel := context.WithDeadlineCause(ctx, deadline, errTimeout)
	resp, err := i.transport.RoundTrip(out.WithContext(tctx))
	if err != nil {
		cancel()
		return nil, markTimeout(tctx, err)
	}
	resp.Body = &deadlineBody{rc: resp.Body, ctx: tctx, cancel: cancel}
	return resp, nil
}

// markTimeout wraps errTimeout around err when ctx ended on its deadline.
func markTimeout(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errTimeout) && !errors.Is(err, errTimeout) {
		return fmt.Errorf("%w: %w", errTimeout, err)
	}
	return err
}

// deadlineBody ends a RoundTripper's deadline context with its body.
type deadlineBody struct {
	rc     io.ReadCloser
	ctx    context.Context
	cancel context.CancelFunc
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = markTimeout(b.ctx, err)
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// classify maps a transport error to what the client sees: the context's
// error if the client went away, 503 on our timeout, 500 otherwise.
func (i *Invoker) classify(parent context.Context, op string, err error) error {
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("%s: %w", op, perr)
	}
	if be := (*h1client.BodyReadError)(nil); errors.As(err, &be) {
		// The client's body failed, not the backend: the data plane, which
		// knows why (too large, too slow, malformed), refines the answer.
		return gwerr.New(gwerr.BadRequest, fmt.Errorf("%s: %w", op, err))
	}
	if errors.Is(err, errTimeout) {
		return gwerr.New(gwerr.ServiceUnavailable, fmt.Errorf("%s: timeout of %v exceeded: %w", op, i.timeout, err))
	}
	if i.upstreamUnreachable(err) {
		return unreachable(op, err)
	}
	return gwerr.New(gwerr.InternalServerError, fmt.Errorf("%s: %w", op, err))
}

// recordRequest describes out for the request inspector: the header as sent
// (with Host), the body being the client's.
func recordRequest(out *http.Request, oh *outboundHeader) *invoke.IntegrationRecord {
	rr := &recordedHeader{oh: *oh, host: out.Host}
	return &invoke.IntegrationRecord{Type: "HTTP_PROXY", Target: out.URL.String(), Method: out.Method, RequestHeaderFunc: rr.header}
}

// recordedHeader keeps the outbound header's view (the client's header and
// the gateway's fields) until the inspector reads it: one copy per
// recorded request instead of a map.
type recordedHeader struct {
	oh   outboundHeader
	host string
}

// header builds the header as sent, with Host.
func (rr *recordedHeader) header() http.Header {
	h := make(http.Header, len(rr.oh.in)+rr.oh.n+1)
	rr.oh.Each(func(k string, vv []string) { h[k] = vv })
	h["Host"] = []string{rr.host}
	return h
}

// recordResponse completes ir with the backend's status and header (kept,
// not copied: only cleanResponseHeader changes it, which the inspector may
// show), or the failure.
func recordResponse(ir *invoke.IntegrationRecord, resp *http.Response, err error) {
	if err != nil {
		ir.Error = err.Error()
		return
	}
	ir.Status = resp.StatusCode
	ir.ResponseHeader = resp.Header
}

// redact names a request for logs without its query string, which may
// carry secrets.
func redact(method, scheme, host, path string) string {
	return method + " " + scheme + "://" + host + path
}

// responseBody streams the backend's body, classifying its failures.
type responseBody struct {
	inv    *Invoker
	rc     io.ReadCloser
	parent context.Context
}

// Read reads from the backend; a failure other than io.EOF is classified as
// Invoke's errors are.
func (b *responseBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = b.inv.classify(b.parent, "reading integration response body", err)
	}
	return n, err
}

// Close closes the backend body (releasing or closing its connection).
func (b *responseBody) Close() error { return b.rc.Close() }

var _ invoke.Invoker = (*Invoker)(nil)
