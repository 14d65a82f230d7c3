// Package gatewaytest starts a complete gateway in-process on ephemeral ports
// for end-to-end tests: it writes a config file and its documents into a
// temporary directory, loads them exactly as `apigw serve --config` does, and
// serves both listeners on 127.0.0.1:0 until the test ends.
package gatewaytest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
)

// Gateway is a running gateway under test.
type Gateway struct {
	// DataURL and AdminURL are the listeners' base URLs.
	DataURL  string
	AdminURL string
	// TLSURL is the HTTPS data plane's base URL when the config file sets
	// tls.listen (then on 127.0.0.1:0), else "".
	TLSURL string
	// Dir is the directory holding the config file and its documents.
	Dir string

	g   *app.Gateway
	log *LogBuffer
}

// Files maps file names (relative to the config directory) to contents.
type Files map[string]string

// Start writes files into a fresh directory, loads "apigw.yaml" from it with
// both listeners on 127.0.0.1:0, and serves until the test ends. The
// gateway's log is printed if the test fails.
func Start(t testing.TB, files Files) *Gateway {
	t.Helper()
	g, err := TryStart(t, files)
	if err != nil {
		t.Fatalf("starting gateway: %v", err)
	}
	return g
}

// TryStart is Start returning the error instead of failing the test.
func TryStart(t testing.TB, files Files) (*Gateway, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "apigw.yaml"))
	if err != nil {
		return nil, err
	}
	over := config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(dir, ".apigw")}
	if cfg.TLS.Listen != "" {
		over.TLSListen = "127.0.0.1:0"
	}
	if err := cfg.Apply(over); err != nil {
		return nil, err
	}
	ag, buf, err := TryStartApp(t, cfg, app.Options{})
	if err != nil {
		return nil, err
	}
	return &Gateway{DataURL: ag.DataURL(), AdminURL: ag.AdminURL(), TLSURL: ag.TLSURL(), Dir: dir, g: ag, log: buf}, nil
}

// StartApp starts an app.Gateway for cfg (its listeners as cfg gives them:
// use 127.0.0.1:0) with opts, and shuts it down when the test ends. Unless
// opts sets them, the gateway logs at debug level into the returned buffer,
// which is printed if the test fails, and ShutdownTimeout is 5 s. It is for
// tests that need app.Options or the *app.Gateway itself; others use Start.
func StartApp(t testing.TB, cfg *config.Config, opts app.Options) (*app.Gateway, *LogBuffer) {
	t.Helper()
	g, buf, err := TryStartApp(t, cfg, opts)
	if err != nil {
		t.Fatalf("starting gateway: %v", err)
	}
	return g, buf
}

// TryStartApp is StartApp returning the error instead of failing the test.
func TryStartApp(t testing.TB, cfg *config.Config, opts app.Options) (*app.Gateway, *LogBuffer, error) {
	t.Helper()
	buf := &LogBuffer{}
	if opts.Stderr == nil {
		opts.Stderr = buf
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 5 * time.Second
	}
	ag, err := app.New(cfg, opts)
	if err != nil {
		return nil, buf, err
	}
	if err := ag.Start(); err != nil {
		return nil, buf, err // Start released everything
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ag.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("gateway log:\n%s", buf.String())
		}
	})
	return ag, buf, nil
}

// Log returns what the gateway logged so far.
func (g *Gateway) Log() string { return g.log.String() }

// Response is a fully read response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Do sends a request to the data plane. host, if not empty, replaces the Host
// header; headers are "Name: value" strings.
func (g *Gateway) Do(t testing.TB, method, host, path string, body io.Reader, headers ...string) Response {
	t.Helper()
	req, err := http.NewRequest(method, g.DataURL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// LogBuffer is a goroutine-safe io.Writer collecting a gateway's log for
// tests to read while it runs.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
}

// Write appends p.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
