// Package private serves private integrations (connectionType VPC_LINK,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-private.html): what a load balancer listener ARN or
// a Cloud Map service ARN stands for on this network, and an HTTP_PROXY
// invoker (package httpproxy) that balances requests across it.
//
// A Targets registry is built once per gateway from the configuration's
// vpcLinks and privateTargets and lives across redeploys, so that health
// state and DNS answers survive them. Each target is a set of upstreams
// (host:port):
//
//   - static: the configured instances;
//   - DNS: "host:port" is resolved with LookupHost (A and AAAA) and every
//     address takes the port; a name starting with "_" ("_http._tcp.pets")
//     is an SRV name, resolved with LookupSRV, whose lowest-priority records
//     give the targets and ports (weights are ignored), each target resolved
//     with LookupHost. The name is re-resolved every RefreshInterval; an
//     upstream that stays in the answer keeps its health state. A
//     "not found" answer empties the set; any other resolution error keeps
//     the previous set.
//
// Requests go round-robin over the healthy upstreams. An upstream is
// unhealthy while it is marked down: passively, when connecting to it fails
// (down for Backoff, doubling with each consecutive failure up to
// MaxBackoff, then tried again by the next request), or actively, when the
// target has a healthCheck and its last probe failed. When every upstream is
// unhealthy the request is still tried, round-robin over all of them, since
// the marks may be stale: a target that is really unreachable then answers
// 503 from the failed connection, and one that came back is used at once.
// A target with no upstream at all answers 503.
//
// Lifecycle of a Targets:
//
//  1. New validates every target and resolves DNS targets once (errors are
//     logged; the name is retried at every refresh).
//  2. New starts one goroutine per DNS target (refresh) and per target with
//     a health check (probes), all owned by the Targets.
//  3. NewInvoker builds invokers at compile time; they are safe for
//     concurrent use and stay valid until Close.
//  4. Close stops the goroutines, waits for them and closes idle
//     connections. Invokers answer 503 afterwards.
package private

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apigwdev/apigw/internal/integration/httpproxy"
)

// Defaults of Options.
const (
	DefaultRefreshInterval = 5 * time.Second
	DefaultBackoff         = 1 * time.Second
	DefaultMaxBackoff      = 30 * time.Second
	// resolveTimeout bounds one resolution of a DNS target.
	resolveTimeout = 5 * time.Second
)

// Resolver is the part of *net.Resolver that DNS targets use.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
}

// Target is what one private integration URI stands for (privateTargets in
// the configuration): Instances, or DNS.
type Target struct {
	// Instances are static host:port upstreams.
	Instances []string
	// DNS is host:port, re-resolved as A/AAAA records, or an SRV name
	// starting with "_".
	DNS string
	// HealthCheck enables active checks; nil disables them.
	HealthCheck *HealthCheck
}

// HealthCheck configures active HTTP health checks: every Interval, GET
// http://upstream{Path}; a 2xx or 3xx answer within the interval (at most
// 5s) is healthy, anything else marks the upstream down until a probe
// passes.
type HealthCheck struct {
	Path     string
	Interval time.Duration
}

// Options tune a Targets. Zero values mean the defaults.
type Options struct {
	// Resolver resolves DNS targets. Nil means net.DefaultResolver.
	Resolver Resolver
	// RefreshInterval is the time between resolutions of a DNS target.
	RefreshInterval time.Duration
	// Backoff is how long an upstream that failed to connect is passed
	// over; it doubles with each consecutive failure up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Transport carries plain-HTTP private integrations. Nil means one of
	// the Targets' own (h1client.New).
	Transport http.RoundTripper
	// RootCAs verify upstream certificates of TLS private integrations. Nil
	// means the system roots.
	RootCAs *x509.CertPool
	// Logger receives upstream state changes (warnings) and resolution
	// errors. Nil discards them.
	Logger *slog.Logger
}

// LinkNotFoundError reports a connectionId that names no configured VPC
// link.
type LinkNotFoundError struct{ ID string }

func (e *LinkNotFoundError) Error() string {
	return fmt.Sprintf("VPC link %q is not configured (vpcLinks)", e.ID)
}

// TargetNotFoundError reports an integration URI that privateTargets does
// not map.
type TargetNotFoundError struct{ URI string }

func (e *TargetNotFoundError) Error() string {
	return fmt.Sprintf("private target %q is not configured (privateTargets)", e.URI)
}

// Targets is the registry of private targets; see the package comment.
type Targets struct {
	opts    Options
	links   map[string]bool
	targets map[string]*target
	// plain carries plain-HTTP integrations; own is set when plain is ours.
	plain http.RoundTripper
	own   *h1client.Transport
	// probe carries active health checks.
	probe *h1client.Transport

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu  sync.Mutex
	tls map[string]*h1client.Transport // guarded by mu; by server name
}

// New builds the registry of links (VPC link ids) and targets (by listener
// or Cloud Map service ARN, without query string) and starts its
// goroutines; see the lifecycle in the package comment.
func New(links []string, targets map[string]Target, opts Options) (*Targets, error) {
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.RefreshInterval <= 0 {
		opts.RefreshInterval = DefaultRefreshInterval
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxBackoff < opts.Backoff {
		opts.MaxBackoff = max(DefaultMaxBackoff, opts.Backoff)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	t := &Targets{
		opts:    opts,
		links:   make(map[string]bool, len(links)),
		targets: make(map[string]*target, len(targets)),
		plain:   opts.Transport,
		tls:     map[string]*h1client.Transport{},
	}
	for _, id := range links {
		t.links[id] = true
	}
	var errs []error
	for uri, spec := range targets {
		tg, err := newTarget(t, uri, spec)
		if err != nil {
			errs = append(errs, fmt.Errorf("private target %s: %w", uri, err))
			continue
		}
		t.targets[uri] = tg
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if t.plain == nil {
		t.own = h1client.New()
		t.plain = t.own
	}
	t.probe = h1client.New()
	t.probe.DisableKeepAlives = true
	t.ctx, t.cancel = context.WithCancel(context.Background())
	for _, tg := range t.targets {
		if tg.dns != "" {
			ctx, cancel := context.WithTimeout(t.ctx, resolveTimeout)
			tg.resolve(ctx)
			cancel()
			t.goCtx(tg.refreshLoop)
		}
		if tg.check != nil {
			t.goCtx(tg.checkLoop)
		}
	}
	return t, nil
}

// goCtx runs f in a goroutine owned by t: Close cancels its context and
// waits for it; a panic is logged, not fatal.
func (t *Targets) goCtx(f func(ctx context.Context)) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				t.opts.Logger.Error("private targets: goroutine panicked", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		f(t.ctx)
	}()
}

// Close stops the refresh and probe goroutines, waits for them and closes
// idle connections. It is safe to call more than once.
func (t *Targets) Close() error {
	t.cancel()
	t.wg.Wait()
	t.probe.CloseIdleConnections()
	if t.own != nil {
		t.own.CloseIdleConnections()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tr := range t.tls {
		tr.CloseIdleConnections()
	}
	return nil
}

// HasLink reports whether id is a configured VPC link.
func (t *Targets) HasLink(id string) bool { return t.links[id] }

// Check reports why an integration with connectionId linkID and
// integrationUri uri cannot reach anything: a *TargetNotFoundError (the
// URI is not in privateTargets; compile refuses it), a *LinkNotFoundError
// (the link is not in vpcLinks; compile warns and its invoker answers 503),
// or nil.
func (t *Targets) Check(linkID, uri string) error {
	if t.targets[targetKey(uri)] == nil {
		return &TargetNotFoundError{URI: uri}
	}
	if !t.links[linkID] {
		return &LinkNotFoundError{ID: linkID}
	}
	return nil
}

// targetKey is uri without its Cloud Map attribute filters (the query
// string): the configured instances are taken as the filtered answer.
func targetKey(uri string) string {
	k, _, _ := strings.Cut(uri, "?")
	return k
}

// Integration is one private integration as attached to a route.
type Integration struct {
	// ConnectionID is the connectionId (a VPC link id).
	ConnectionID string
	// URI is the integrationUri (listener or Cloud Map service ARN).
	URI string
	// Method is the integrationMethod; ANY forwards the client's.
	Method string
	// Timeout is timeoutInMillis; 0 means httpproxy.DefaultTimeout.
	Timeout time.Duration
	// TLS is true when the integration has a tlsConfig: HTTPS to the
	// upstreams, verified against ServerNameToVerify when set, else against
	// the upstream's host.
	TLS                bool
	ServerNameToVerify string
	// Logger receives the invoker's records. Nil means the Targets'.
	Logger *slog.Logger
}

// NewInvoker builds the invoker of a private integration. One whose link
// or target is not configured (see Check) answers every request 503 and
// logs why.
func (t *Targets) NewInvoker(in Integration) (*httpproxy.Invoker, error) {
	logger := in.Logger
	if logger == nil {
		logger = t.opts.Logger
	}
	var pick func(ctx context.Context) (string, func(error), error)
	if err := t.Check(in.ConnectionID, in.URI); err != nil {
		pick = func(ctx context.Context) (string, func(error), error) {
			logger.LogAttrs(ctx, slog.LevelWarn, "private integration unreachable", slog.String("connectionId", in.ConnectionID), slog.String("integrationUri", in.URI), slog.String("error", err.Error()))
			return "", nil, err
		}
	} else {
		tg := t.targets[targetKey(in.URI)]
		pick = func(ctx context.Context) (string, func(error), error) {
			if t.ctx.Err() != nil {
				return "", nil, errors.New("private targets closed")
			}
			u, err := tg.pick()
			if err != nil {
				logger.LogAttrs(ctx, slog.LevelWarn, "private integration unreachable", slog.String("connectionId", in.ConnectionID), slog.String("integrationUri", in.URI), slog.String("error", err.Error()))
				return "", nil, err
			}
			return u.addr, func(err error) { tg.report(u, err) }, nil
		}
	}
	rt := t.plain
	if in.TLS {
		rt = t.tlsTransport(in.ServerNameToVerify)
	}
	return httpproxy.New(httpproxy.Config{
		URI:       in.URI,
		Method:    in.Method,
		Timeout:   in.Timeout,
		Transport: rt,
		Logger:    logger,
		Upstream:  &httpproxy.Upstream{Pick: pick, TLS: in.TLS, ServerName: in.ServerNameToVerify},
	})
}

// tlsTransport returns the shared transport verifying certificates against
// serverName (the upstream's host when "").
func (t *Targets) tlsTransport(serverName string) *h1client.Transport {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tr := t.tls[serverName]; tr != nil {
		return tr
	}
	tr := h1client.New()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName, RootCAs: t.opts.RootCAs}
	t.tls[serverName] = tr
	return tr
}

// Upstreams returns the current upstreams of the target uri with their
// health, sorted by address (for tests and diagnostics).
func (t *Targets) Upstreams(uri string) []UpstreamState {
	tg := t.targets[targetKey(uri)]
	if tg == nil {
		return nil
	}
	return tg.states()
}

// UpstreamState is one upstream and whether it is healthy now.
type UpstreamState struct {
	Addr    string
	Healthy bool
}

func sortStates(s []UpstreamState) {
	sort.Slice(s, func(i, j int) bool { return s[i].Addr < s[j].Addr })
}
