// Package app wires the gateway's components together and runs them: it turns
// the loaded configuration into a compiled snapshot, starts the function
// runtime, the data plane listener and the admin listener, and stops them in
// order.
//
// Lifecycle of a Gateway (lifecycle.go has the details):
//
//  1. New: import every API of the configuration (OpenAPI documents), build
//     the function runtime, open the store and compile the first snapshot.
//     Any error, including a feature that is parsed but not served yet, stops
//     here and nothing is left open.
//  2. Start: bind the listeners and serve. Any error stops here, and the
//     gateway is closed: nothing is left open.
//  3. Shutdown: stop accepting, let requests in flight finish (bounded by the
//     context), then release everything in reverse order of acquisition,
//     the function processes last. Close does the same for a gateway that was
//     never started.
package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/apigwdev/apigw/internal/integration/h1client"
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
	// Reload loads the configuration again, as the caller loaded it for
	// New (the config file, then the command line's flags); with Watch, a
	// change of the configuration's files reloads it (reload.go). If nil,
	// Watch only watches functions.
	Reload func() (*config.Config, error)
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
	transport *h1client.Transport
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
	// watched is the configuration last loaded, whose files the config
	// watcher watches; owned by the config watcher's goroutine after Start.
	watched *config.Config
	// checks builds and checks the functions after Start (summary.go).
	checks *functionChecks
	// serveErr receives the first listener failure.
	serveErr chan error
	// res owns everything New and Start acquired (lifecycle.go).
	res resources
	// templates is the loaded template set, nil without templates.
	templates *template.Set
}

// New prepares a gateway from cfg: imports its APIs, builds the function
// runtime and compiles the first snapshot. If it fails, everything it
// acquired is released.
func New(cfg *config.Config, opts Options) (_ *Gateway, err error) {
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
	defer func() {
		if err != nil {
			g.Close()
		}
	}()
	adminURL, err := g.adminURLFor(cfg)
	if err != nil {
		return nil, err
	}
	if g.admLn != nil {
		g.res.own("admin listener", closeListener(g.admLn))
	}
	cfg, tset, err := loadTemplates(cfg, adminURL, opts.Stderr)
	if err != nil {
		return nil, err
	}
	g.cfg, g.templates = cfg, tset
	if tset != nil {
		g.opts.SummarySections = append(g.opts.SummarySections, g.templateSummary(tset))
	}
	if g.fns, err = newFunctions(cfg, g.log); err != nil {
		return nil, err
	}
	g.res.own("functions", noError(g.closeFunctions))
	if err := g.newTracer(); err != nil {
		return nil, err
	}
	g.transport = h1client.New()
	g.res.own("backend connections", noError(g.transport.CloseIdleConnections))
	in, err := buildInput(cfg, func(s string) { g.log.Warn(s) })
	if err != nil {
		return nil, err
	}
	if err := addTemplateAPIs(in, tset); err != nil {
		return nil, err
	}
	g.newStageServices()
	g.res.own("access logs", noError(g.closeStageServices))
	if err := g.newPrivate(); err != nil {
		return nil, err
	}
	g.res.own("private targets", noError(g.closePrivate))
	if err := g.newAWSClients(); err != nil {
		return nil, err
	}
	if err := g.newAuthorizers(); err != nil {
		return nil, err
	}
	reqLog := opts.RequestLogger
	if reqLog == nil {
		reqLog = g.log
	}
	g.data = dataplane.New(&snapshot.Snapshot{Region: cfg.Region, AccountID: cfg.AccountID}, g.dataplaneOptions(reqLog))
	// The config file's APIs are compiled once, as they are stored.
	if err := g.openStore(in); err != nil {
		return nil, err
	}
	if err := g.newTLS(); err != nil {
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

// closeFunctions stops every function process.
func (g *Gateway) closeFunctions() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.fns.Close(ctx); err != nil {
		g.log.Error("stopping functions", "err", err)
	}
}

// Start binds the data plane and admin listeners and serves them. It prints
// one line per listener to Stderr with its actual address. If it fails, the
// gateway is closed: everything New and Start acquired is released.
func (g *Gateway) Start() (err error) {
	defer func() {
		if err != nil {
			g.Close()
		}
	}()
	if err := g.cfg.Admin.CheckExposure(g.cfg.AdminListen); err != nil {
		return err
	}
	// Released after the servers that run in these goroutines.
	g.res.own("serving goroutines", noError(g.wg.Wait))
	if err := g.startWatch(); err != nil {
		return err
	}
	if g.cfg.Listen != "" {
		if g.dataLn, err = net.Listen("tcp", g.cfg.Listen); err != nil {
			return fmt.Errorf("data plane listener %s: %w", g.cfg.Listen, err)
		}
		g.res.own("data plane listener", closeListener(g.dataLn))
	}
	if err := g.startTLS(); err != nil {
		return err
	}
	early := g.admLn != nil
	if g.admLn, err = g.listenAdmin(); err != nil {
		return fmt.Errorf("admin listener %s: %w", g.cfg.AdminListen, err)
	}
	if !early {
		g.res.own("admin listener", closeListener(g.admLn))
	}
	g.admSv = &http.Server{
		Handler:           g.adminHandler(),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelDebug),
	}
	if g.dataLn != nil {
		g.dataSv = g.dataServer()
		g.serve("data plane server", g.dataSv, g.dataLn)
	}
	g.serve("admin server", g.admSv, g.admLn)
	if g.dataLn != nil {
		g.announce("data plane listening on " + g.DataURL())
	}
	if g.tls.ln != nil {
		g.announce("data plane listening on " + g.TLSURL())
	}
	g.announce("admin listening on " + g.AdminURL())
	g.startCluster()
	g.printSummary()
	g.checkFunctions()
	return g.startReload()
}

// serve serves s on ln in a goroutine of g.wg, and owns s: releasing it stops
// accepting and waits for the requests in flight (bounded by the context),
// then closes what remains.
func (g *Gateway) serve(name string, s *http.Server, ln net.Listener) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.serveErr <- err
		}
	}()
	g.res.own(name, func(ctx context.Context) error {
		if err := s.Shutdown(ctx); err != nil {
			_ = s.Close()
			return err
		}
		return nil
	})
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
	g.res.own("Invoke API", g.invokeAPI.Close)
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
	g.mountCluster(mux)
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
// ctx), then releases everything else in reverse order of acquisition, the
// function processes last. A second call does nothing.
func (g *Gateway) Shutdown(ctx context.Context) error {
	return g.res.releaseAll(ctx)
}

// Run starts a gateway and serves until ctx is done (SIGINT/SIGTERM), then
// drains requests in flight and stops. Whatever happens, nothing it opened
// is left open when it returns.
func Run(ctx context.Context, cfg *config.Config, opts Options) error {
	g, err := New(cfg, opts)
	if err != nil {
		return err
	}
	if err := g.Start(); err != nil {
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

// Close releases everything the gateway holds without waiting for requests
// in flight: for a gateway that was never started, or whose New or Start
// failed. A second call does nothing.
func (g *Gateway) Close() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // servers close at once
	if err := g.res.releaseAll(ctx); err != nil {
		g.log.Debug("closing the gateway", "err", err)
	}
}
