package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/listener"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// tlsServices are the HTTPS data plane listener and what it needs.
//
// Lifecycle: newTLS (in New, once the store's snapshot is served) loads the
// certificates, truststores and local CA, failing New on any bad file;
// startTLS (in Start) binds tls.listen, serves the data plane handler on it
// and watches the files, owning each (lifecycle.go): the server stops with
// the others, then closeTLS stops the watch.
type tlsServices struct {
	term   *listener.Terminator // nil without tls.listen
	ln     net.Listener
	sv     *http.Server
	cancel context.CancelFunc
	done   chan struct{} // closed when the watch returned

	mu     sync.Mutex
	warned map[string]bool // guarded by mu; domain warnings already logged
}

// CAPath is the directory of the local CA inside a data dir.
func CAPath(dataDir string) string { return filepath.Join(dataDir, "ca") }

// OpenCA opens (creating on first use) the local CA of cfg's data dir, as
// `apigw ca` and the HTTPS listener use it.
func OpenCA(cfg *config.Config) (*listener.CA, error) {
	return listener.OpenCA(CAPath(cfg.DataDir), nil)
}

// newTLS prepares the HTTPS listener when tls.listen is set.
func (g *Gateway) newTLS() error {
	if g.cfg.TLS.Listen == "" {
		// Nothing parsed is silently ignored.
		if t := g.cfg.TLS; len(t.Certificates) > 0 || t.DefaultCertificate != nil || t.ACME != nil {
			g.log.Warn("tls.certificates, tls.defaultCertificate and tls.acme serve nothing without an HTTPS listener (tls.listen or --tls-listen)")
		}
		g.checkDomains(g.data.Snapshot())
		return nil
	}
	lc := listener.Config{
		Certificates: map[string]listener.CertFiles{},
		Truststores:  map[string]string{},
		Snapshot:     g.data.Snapshot,
		Logger:       g.log.With("component", "tls"),
	}
	for arn, f := range g.cfg.TLS.Certificates {
		lc.Certificates[arn] = listener.CertFiles{Cert: f.Cert, Key: f.Key}
	}
	if f := g.cfg.TLS.DefaultCertificate; f != nil {
		lc.Default = &listener.CertFiles{Cert: f.Cert, Key: f.Key}
	}
	for uri, ts := range g.cfg.Truststores {
		lc.Truststores[uri] = ts.File
	}
	if a := g.cfg.TLS.ACME; a != nil {
		lc.ACME = &listener.ACME{Hosts: a.Hosts, Email: a.Email, CA: a.CA, StorageDir: filepath.Join(g.cfg.DataDir, "acme")}
		if a.CARoot != "" {
			pem, err := os.ReadFile(a.CARoot)
			if err != nil {
				return fmt.Errorf("tls.acme.caRoot: %w", err)
			}
			lc.ACME.Roots = x509.NewCertPool()
			if !lc.ACME.Roots.AppendCertsFromPEM(pem) {
				return fmt.Errorf("tls.acme.caRoot %s: no PEM certificate", a.CARoot)
			}
		}
	}
	if g.cfg.TLS.LocalCA {
		ca, err := OpenCA(g.cfg)
		if err != nil {
			return err
		}
		lc.CA = ca
	}
	term, err := listener.New(lc)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	g.tls.mu.Lock()
	g.tls.term = term
	g.tls.mu.Unlock()
	g.checkDomains(g.data.Snapshot())
	return nil
}

// swapSnapshot serves a new snapshot and reports its custom domains' TLS
// problems (each once).
func (g *Gateway) swapSnapshot(s *snapshot.Snapshot) *snapshot.Snapshot {
	old := g.data.Swap(s)
	g.checkDomains(s)
	return old
}

// checkDomains logs, once each, the custom domains of s that the TLS
// settings cannot serve as configured: an unmapped certificateArn or
// truststoreUri, and mutual TLS without an HTTPS listener (its requests
// are refused over plain HTTP, never served without a client certificate).
func (g *Gateway) checkDomains(s *snapshot.Snapshot) {
	if s == nil {
		return
	}
	g.tls.mu.Lock()
	defer g.tls.mu.Unlock()
	var warnings []string
	if g.tls.term != nil {
		warnings = g.tls.term.Check(s)
	} else {
		for _, d := range s.Domains {
			warnings = append(warnings, mtlsWithoutHTTPS(d)...)
		}
		for _, d := range s.WildcardDomains {
			warnings = append(warnings, mtlsWithoutHTTPS(d)...)
		}
	}
	if g.tls.warned == nil {
		g.tls.warned = map[string]bool{}
	}
	for _, w := range warnings {
		if !g.tls.warned[w] {
			g.tls.warned[w] = true
			g.log.Warn(w)
		}
	}
}

func mtlsWithoutHTTPS(d *snapshot.Domain) []string {
	if d.TruststoreURI == "" {
		return nil
	}
	return []string{fmt.Sprintf("domain %s: mutual TLS is on but no HTTPS listener is configured (tls.listen); its requests are refused with 403 Forbidden", d.Name)}
}

// truststore reads a truststore for the management API (truststoreWarnings
// of CreateDomainName and UpdateDomainName).
func (g *Gateway) truststore(uri string) ([]string, error) {
	ts, ok := g.cfg.Truststores[uri]
	if !ok {
		return nil, fmt.Errorf("truststoreUri %s is not mapped to a file by truststores in the gateway's config file", uri)
	}
	t, err := listener.LoadTruststore(uri, ts.File, time.Now())
	if err != nil {
		return nil, err
	}
	return t.Warnings, nil
}

// startTLS binds tls.listen and serves the data plane handler on it.
func (g *Gateway) startTLS() error {
	if g.tls.term == nil {
		return nil
	}
	ln, err := net.Listen("tcp", g.cfg.TLS.Listen)
	if err != nil {
		return fmt.Errorf("data plane TLS listener %s: %w", g.cfg.TLS.Listen, err)
	}
	g.res.own("data plane TLS listener", closeListener(ln))
	g.tls.ln = ln
	g.tls.sv = g.dataServer()
	g.tls.sv.TLSConfig = g.tls.term.Config()
	ctx, cancel := context.WithCancel(context.Background())
	g.tls.cancel = cancel
	g.tls.done = make(chan struct{})
	g.res.own("certificate file watch", noError(g.closeTLS))
	g.serve("data plane TLS server", g.tls.sv, tls.NewListener(ln, g.tls.sv.TLSConfig))
	go func() {
		defer close(g.tls.done)
		if err := g.tls.term.Watch(ctx); err != nil {
			g.log.Error("certificate files are not watched; restart to load changes", "err", err)
		}
	}()
	return nil
}

// dataServer returns the http.Server of a data plane listener.
func (g *Gateway) dataServer() *http.Server {
	var h http.Handler = g.data
	if g.tls.term != nil {
		// ACME HTTP-01 challenges, when tls.acme is set.
		h = g.tls.term.HTTPHandler(h)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// The data plane answers headers over the quota itself, in AWS's
		// shape; this bound keeps what a connection can make the process
		// hold near the quota (HTTP/2's header list limit too).
		MaxHeaderBytes: dataplane.ServerMaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(g.log.Handler(), slog.LevelDebug),
	}
}

// TLSURL is the HTTPS data plane's base URL, e.g. https://127.0.0.1:3443,
// or "" without tls.listen.
func (g *Gateway) TLSURL() string {
	if g.tls.ln == nil {
		return ""
	}
	return "https://" + g.tls.ln.Addr().String()
}

// closeTLS stops watching the certificate files.
func (g *Gateway) closeTLS() {
	if g.tls.cancel != nil {
		g.tls.cancel()
		<-g.tls.done
		g.tls.cancel = nil
	}
}
