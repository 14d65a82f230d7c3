package httpproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
)

// Upstream makes an Invoker a private integration (connectionType VPC_LINK,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-private.html): the integrationUri is a listener or
// Cloud Map service ARN, not a URL, so the host:port of every attempt is
// picked by Pick and the path is the client's.
//
// Target URL of a private integration: scheme http, or https when TLS is
// set; host the picked upstream; path the request path with a named stage's
// prefix kept and a custom domain's mapping key removed (invoke.Request
// RawPath, in the client's percent-encoding), for every route, as AWS
// forwards it ("test/route-path"); a path set by overwrite:path
// replaces it; the client's query string follows. The Host header is
// ServerName when set, else the picked host:port.
//
// Failures: when Pick has nothing to offer, or connecting to the picked
// upstream fails, the client gets 503 Service Unavailable (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html
// recommends it for unreachable private targets; undocumented by AWS, our choice: docs/compatibility.md#http-proxy). A request
// without a body whose connection attempt fails is retried on the next
// upstream Pick offers, UpstreamAttempts times in all: it never reached the
// upstream. Other failures (TLS verification, a malformed response) are 500,
// as for HTTP_PROXY; a timeout is 503.
type Upstream struct {
	// Pick chooses the upstream host:port for one attempt. done, if not nil,
	// is called with the attempt's transport error (nil on a response). An
	// error means there is no upstream to try; its text names why.
	Pick func(ctx context.Context) (hostport string, done func(error), err error)
	// TLS switches to HTTPS. The Invoker's Transport must verify the
	// certificate against ServerName (tls.Config.ServerName) when set.
	TLS bool
	// ServerName is tlsConfig.serverNameToVerify: sent as the Host header.
	// SNI and verification are the Transport's.
	ServerName string
}

// UpstreamAttempts bounds the connection attempts of one bodyless request
// to a private integration.
const UpstreamAttempts = 3

// ErrNoUpstream is the cause of a 503 when Upstream.Pick finds nothing.
var ErrNoUpstream = errors.New("no upstream available")

// newTemplate parses the URI template, or for a private integration checks
// the Upstream and returns nil: the URI is an ARN.
func newTemplate(cfg Config) (*uriTemplate, error) {
	if cfg.Upstream == nil {
		return parseTemplate(cfg.URI)
	}
	if cfg.Upstream.Pick == nil {
		return nil, errors.New("private integration without an upstream picker")
	}
	return nil, nil
}

// target builds the target URL of req. For a private integration the host
// is a placeholder that roundTrip replaces per attempt.
func (i *Invoker) target(req *invoke.Request) (*url.URL, error) {
	if i.upstream == nil {
		return i.tmpl.build(req, i.isDefault)
	}
	path := req.IntegrationPath
	if path == "" {
		path = escapedRawPath(req)
	}
	decoded, err := url.PathUnescape(path)
	if err != nil {
		return nil, fmt.Errorf("integration URL path %q: %w", path, err)
	}
	u := &url.URL{Scheme: "http", Host: "upstream.invalid", Path: decoded, RawPath: path}
	if i.upstream.TLS {
		u.Scheme = "https"
	}
	if req.HTTP != nil && req.HTTP.URL != nil {
		u.RawQuery = req.HTTP.URL.RawQuery
	}
	return u, nil
}

// roundTrip sends out through the transport; for a private integration it
// picks the upstream of each attempt and reports each outcome.
func (i *Invoker) roundTrip(ctx context.Context, out *http.Request, oh *outboundHeader, deadline time.Time) (*http.Response, error) {
	if i.upstream == nil {
		return i.send(ctx, out, oh, deadline)
	}
	for attempt := 1; ; attempt++ {
		hostport, done, err := i.upstream.Pick(ctx)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoUpstream, err)
		}
		u := *out.URL
		u.Host = hostport
		o := *out
		o.URL = &u
		o.Host = hostport
		if i.upstream.ServerName != "" {
			o.Host = i.upstream.ServerName
		}
		resp, err := i.send(ctx, &o, oh, deadline)
		if done != nil {
			done(err)
		}
		if err == nil || out.Body != nil || !IsConnectError(err) || attempt >= UpstreamAttempts || ctx.Err() != nil {
			return resp, err
		}
	}
}

// upstreamUnreachable reports whether err means the private integration's
// upstreams could not be reached (503).
func (i *Invoker) upstreamUnreachable(err error) bool {
	return i.upstream != nil && (errors.Is(err, ErrNoUpstream) || IsConnectError(err))
}

// IsConnectError reports whether err is a failure to connect (dial), after
// which the request was certainly not sent.
func IsConnectError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// escapedRawPath returns req.RawPath (stage prefix kept, mapping key
// removed) in the client's percent-encoding: the segment-aligned suffix of
// req.EscapedPath that decodes to it, else RawPath escaped segment by
// segment.
func escapedRawPath(req *invoke.Request) string {
	p := req.RawPath
	if p == "" {
		p = req.Path
	}
	if p == "" {
		p = "/"
	}
	esc := req.EscapedPath
	for j := 0; j < len(esc); j++ {
		if esc[j] == '/' && unescapedEquals(esc[j:], p) {
			return esc[j:]
		}
	}
	var b strings.Builder
	writeEscapedPath(&b, p)
	return b.String()
}

// unreachable builds the 503 of an unreachable private integration.
func unreachable(op string, err error) error {
	return gwerr.New(gwerr.ServiceUnavailable, fmt.Errorf("%s: private integration unreachable: %w", op, err))
}
