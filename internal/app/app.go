// Package app wires the gateway's components together and runs them: it turns
// the loaded configuration into a compiled snapshot, starts the function
// runtime, the data plane listener and the admin listener, and stops them in
// order.
//
// Lifecycle of a Gateway:
//
//  1. New: import every API of the configuration (OpenAPI documents), build
//     the function runtime and compile the first snapshot. Any error, including
//     a feature that is parsed but not served yet, stops here and nothing is
//     left running.
//  2. Start: bind both listeners and serve.
//  3. Shutdown: stop accepting, let requests in flight finish (bounded by the
//     context), then stop every function process.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"time"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/dataplane/authz"
	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/functions/invokeapi"
	"github.com/apigwdev/apigw/internal/functions/watch"
	"github.com/apigwdev/apigw/internal/inspector"
	"github.com/apigwdev/apigw/internal/integration/awsservice"
	"github.com/apigwdev/apigw/internal/integration/httpproxy"
	"github.com/apigwdev/apigw/internal/integration/private"
	"github.com/apigwdev/apigw/internal/issuer"
	"github.com/apigwdev/apigw/internal/snapshot"
	"github.com/apigwdev/apigw/internal/template"
	"github.com/apigwdev/apigw/internal/tracing"
)

// Options are what the command line adds to the configuration.
type Options struct {
	// Stderr receives the "listening on" lines. If nil, os.Stderr is used.
	Stderr io.Writer
	// Logger is the gateway's logger. If nil, a text logger on Stderr is used.
	Logger *slog.Logger
	// RequestLogger gets one line per data plane request at info level
	// (`apigw serve` batches its writes: package logging). If nil, Logger
	// is used.
	RequestLogger *slog.Logger
	// JSONLines makes the listening lines and the startup summary log
	// records of Logger (`--log-format json`), written whatever the log
	// level, instead of plain lines on Stderr.
	JSONLines bool
	// ShutdownTimeout bounds how long in-flight requests may run after a stop
	// signal. Zero means 30 seconds.
	ShutdownTimeout time.Duration
	// Watch rebuilds and restarts local functions when their files change
	// (`apigw serve --watch`; see package functions/watch), from Start until
	// the functions stop.
	Watch bool
	// Pprof mounts net/http/pprof's handlers on the admin listener under
	// /debug/pprof/ (`apigw serve --pprof`; off by default).
	Pprof bool
	// SummarySections add lines to the startup summary (summary.go).
	SummarySections []SummarySection
}

// Gateway is a running (or ready to run) apigw instance.
type Gateway struct {
	cfg  *config.Config
	opts Options
	log  *slog.Logger
	data *dataplane.Handler
	fns  *functions.Manager
	// watcher restarts functions on file changes (Options.Watch); nil
	// otherwise.
	watcher *watch.Watcher
	// transport is shared by every HTTP proxy integration (one connection
	// pool per backend, not per route).
	transport *httpproxy.Transport
	// invokeAPI serves the Lambda Invoke API; Shutdown waits for its Event
	// invocations.
	invokeAPI *invokeapi.Handler
	// cp is the management API's store and deployer (controlplane.go).
	cp *controlPlane
	// stage holds the account throttle, access logs and metrics.
	stage stageServices
	// private resolves private integrations' targets (private.go).
	private *private.Targets
	// awsClients are the SDK clients of AWS service integrations (aws.go).
	awsClients *awsservice.Clients
	// authz is shared by every compiled authorizer.
	authz *authz.Deps
	// inspector records requests for /_inspector; nil when the config
	// turns it off.
	inspector *inspector.Recorder
	// tracer exports traces (tracing.go); nil when tracing is off.
	tracer *tracing.Tracer
	// tls is the HTTPS data plane listener (tls.go).
	tls    tlsServices
	dataLn net.Listener // nil when plain HTTP is off (listen: "")
	admLn  net.Listener
	dataSv *http.Server
	admSv  *http.Server
	wg     sync.WaitGroup
	// checks builds and checks the functions after Start (summary.go).
	checks *functionChecks
	// serveErr receives the first listener failure.
	serveErr chan error
	// templates is the loaded template set, nil without templates.
	templates *template.Set
}

// New prepares a gateway from cfg: imports its APIs, builds the function
// runtime and compiles the first snapshot.
func New(cfg *config.Config, opts Options) (*Gateway, error) {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(opts.Stderr, nil))
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 30 * time.Second
	}
	g := &Gateway{cfg: cfg, opts: opts, log: opts.Logger, serveErr: make(chan error, 2)}
	adminURL, err := g.adminURLFor(cfg)
	if err != nil {
		return nil, err
	}
	cfg, tset, err := loadTemplates(cfg, adminURL, opts.Stderr)
	if err != nil {
		g.closeEarlyAdmin()
		return nil, err
	}
	g.cfg, g.templates = cfg, tset
	fns, err := newFunctions(cfg, g.log)
	if err != nil {
		g.closeEarlyAdmin()
		return nil, err
	}
	g.fns = fns
	if err := g.newTracer(); err != nil {
		g.closeFunctions()
		g.closeEarlyAdmin()
		return nil, err
	}
	g.transport = httpproxy.NewTransport()
	in, err := buildInput(cfg)
	if err != nil {
		g.closeFunctions()
		g.closeEarlyAdmin()
		return nil, err
	}
	addTemplateAPIs(in, tset)
	g.newStageServices()
	if err := g.newPrivate(); err != nil {
		g.closeStageServices()
		g.closeFunctions()
		return nil, err
	}
	if err := g.newAWSClients(); err != nil {
		g.closeStageServices()
		g.closeFunctions()
		return nil, err
	}
	if err := g.newAuthorizers(); err != nil {
		g.closeStageServices()
		g.closeFunctions()
		return nil, err
	}
	reqLog := opts.RequestLogger
	if reqLog == nil {
		reqLog = g.log
	}
	g.data = dataplane.New(&snapshot.Snapshot{Region: cfg.Region, AccountID: cfg.AccountID}, g.dataplaneOptions(reqLog))
	// The config file's APIs are compiled once, as they are stored.
	if err := g.openStore(in); err != nil {
		g.Close()
		return nil, err
	}
	if err := g.newTLS(); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

// dataplaneOptions builds the data plane's options, with the request
// inspector's recorder unless the config turns it off.
func (g *Gateway) dataplaneOptions(reqLog *slog.Logger) dataplane.Options {
	opts := dataplane.Options{Logger: g.log.With("component", "dataplane"), Metrics: g.stage.metrics, RequestLog: reqLog,
		Limits: dataplane.Limits{BodyGrace: g.cfg.Limits.BodyTimeout, BodyMinRate: g.cfg.Limits.BodyMinRate, MemoryBudget: g.cfg.Limits.MemoryBudget}}
	if !g.cfg.Inspector.Disabled {
		g.inspector = inspector.New(inspector.Options{
			ShowSecrets: g.cfg.Inspector.ShowSecrets,
			MaskHeaders: g.cfg.Inspector.MaskHeaders,
			Secrets:     g.cfg.Secrets(),
		})
		opts.Inspector = g.inspector
	}
	if g.tracer != nil {
		opts.Tracer = g.tracer
	}
	return opts
}

func (g *Gateway) closeFunctions() {
	g.closeEarlyAdmin()
	g.stopChecks()
	g.stopWatch()
	if g.fns == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.fns.Close(ctx); err != nil {
		g.log.Error("stopping functions", "err", err)
	}
	// Every path that stops the functions ends the gateway; the tracer,
	// started just after them, stops just after them.
	g.closeTracer()
}

// Start binds the data plane and admin listeners and serves them. It prints
// one line per listener to Stderr with its actual address.
func (g *Gateway) Start() error {
	if err := g.cfg.Admin.CheckExposure(g.cfg.AdminListen); err != nil {
		return err
	}
	if err := g.startWatch(); err != nil {
		return err
	}
	var err error
	if g.cfg.Listen != "" {
		g.dataLn, err = net.Listen("tcp", g.cfg.Listen)
		if err != nil {
			return fmt.Errorf("data plane listener %s: %w", g.cfg.Listen, err)
		}
	}
	if err := g.startTLS(); err != nil {
		if g.dataLn != nil {
			g.dataLn.Close()
		}
		return err
	}
	g.admLn, err = g.listenAdmin()
	if err != nil {
		err = fmt.Errorf("admin listener %s: %w", g.cfg.AdminListen, err)
		if g.dataLn != nil {
			g.dataLn.Close()
		}
		if g.tls.sv != nil {
			g.tls.sv.Close()
			g.closeTLS()
		}
		return err
	}
	g.admSv = &http.Server{
		Handler:           g.adminHandler(),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelDebug),
	}
	if g.dataLn != nil {
		g.dataSv = g.dataServer()
		g.serve(g.dataSv, g.dataLn)
	}
	g.serve(g.admSv, g.admLn)
	if g.dataLn != nil {
		g.announce("data plane listening on " + g.DataURL())
	}
	if g.tls.ln != nil {
		g.announce("data plane listening on " + g.TLSURL())
	}
	g.announce("admin listening on " + g.AdminURL())
	g.printSummary()
	g.checkFunctions()
	return nil
}

func (g *Gateway) serve(s *http.Server, ln net.Listener) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.serveErr <- err
		}
	}()
}

// DataURL is the data plane's base URL, e.g. http://127.0.0.1:3000; the
// HTTPS one (TLSURL) when plain HTTP is off.
func (g *Gateway) DataURL() string {
	if g.dataLn == nil {
		return g.TLSURL()
	}
	return "http://" + g.dataLn.Addr().String()
}

// AdminURL is the admin listener's base URL, e.g. http://127.0.0.1:3300.
func (g *Gateway) AdminURL() string { return "http://" + g.admLn.Addr().String() }

// Errors reports a listener that stopped on its own.
func (g *Gateway) Errors() <-chan error { return g.serveErr }

func (g *Gateway) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", g.stage.metrics)
	mux.Handle(issuer.PathPrefix+"/", g.issuerInBackground())
	mux.HandleFunc("GET /_health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	g.invokeAPI = invokeapi.New(g.fns, invokeapi.Options{
		Region: g.cfg.Region, AccountID: g.cfg.AccountID, Logger: g.log.With("component", "invokeapi"),
	})
	mux.Handle("/2015-03-31/functions/", g.invokeAPI)
	mux.Handle("/2015-03-31/functions", g.invokeAPI)
	if g.inspector != nil {
		ih := g.inspector.Handler()
		mux.Handle(inspector.PathPrefix, ih)
		mux.Handle(inspector.PathPrefix+"/", ih)
	}
	if g.opts.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	g.mountControlPlane(mux)
	return g.adminAuth(mux)
}

// issuerInBackground opens the local OIDC issuer (issuerHandler) in a
// goroutine owned by the gateway (Shutdown waits for it) and returns a
// handler that serves it once open; requests that come earlier wait. The
// first start on a new data dir generates the issuer's RSA key, which takes
// 10 to 150 ms: the gateway does not keep the data plane and the rest of
// the admin listener waiting for it.
func (g *Gateway) issuerInBackground() http.Handler {
	h := &pendingHandler{ready: make(chan struct{})}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer close(h.ready)
		h.h = g.issuerHandler()
	}()
	return h
}

// pendingHandler serves h once ready is closed; until then requests wait,
// or end without an answer when their client goes away.
type pendingHandler struct {
	ready chan struct{}
	h     http.Handler // set before ready is closed
}

func (p *pendingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case <-p.ready:
		p.h.ServeHTTP(w, r)
	case <-r.Context().Done():
	}
}

// Shutdown stops accepting requests, waits for requests in flight (bounded by
// ctx), then stops every function process.
func (g *Gateway) Shutdown(ctx context.Context) error {
	var errs []error
	for _, s := range []*http.Server{g.dataSv, g.tls.sv, g.admSv} {
		if s == nil {
			continue
		}
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, err)
			_ = s.Close()
		}
	}
	g.wg.Wait()
	g.closeTLS()
	if g.invokeAPI != nil {
		if err := g.invokeAPI.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	g.transport.CloseIdleConnections()
	g.closeStageServices()
	g.closeFunctions()
	g.closeStore()
	return errors.Join(errs...)
}

// Run starts a gateway and serves until ctx is done (SIGINT/SIGTERM), then
// drains requests in flight and stops.
func Run(ctx context.Context, cfg *config.Config, opts Options) error {
	g, err := New(cfg, opts)
	if err != nil {
		return err
	}
	if err := g.Start(); err != nil {
		g.closeFunctions()
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
		g.log.Info("shutting down: draining requests in flight", "timeout", g.opts.ShutdownTimeout)
	case runErr = <-g.serveErr:
		g.log.Error("listener failed", "err", runErr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), g.opts.ShutdownTimeout)
	defer cancel()
	if err := g.Shutdown(sctx); err != nil {
		g.log.Warn("shutdown did not finish cleanly", "err", err)
	}
	return runErr
}

// Close releases what New built (the function runtime) for a gateway that was
// never started.
func (g *Gateway) Close() {
	g.closeFunctions()
	g.closeStageServices()
	g.closeStore()
}
