// Package apigwtest starts an apigw gateway inside a Go test, on ephemeral
// ports, from a config file, an OpenAPI document or a SAM template, and
// returns its URLs: each test gets a fresh gateway of its own, with its
// own data directory, in milliseconds (functions start on first use).
//
//	func TestPets(t *testing.T) {
//		gw := apigwtest.Start(t, apigwtest.Options{Config: "apigw.yaml"})
//		resp, err := http.Get(gw.URL + "/pets")
//		...
//	}
//
// The gateway is the one `apigw serve` runs (package internal/app), with
// the same loading rules: relative paths in a config file resolve against
// its directory; Functions and OpenAPI work as the --function and
// --openapi flags. It stops when the test ends; its log is printed if the
// test failed.
package apigwtest

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
)

// Options say what the gateway serves. At least one of Config, OpenAPI and
// Template should be set, else it serves nothing.
type Options struct {
	// Config is the path of an apigw.yaml config file. Its listen,
	// adminListen and dataDir are replaced: the gateway listens on
	// 127.0.0.1 ephemeral ports and keeps its state in a temporary
	// directory.
	Config string
	// OpenAPI is the path of an OpenAPI document served as the default
	// API with a $default stage (as `apigw serve --openapi`).
	OpenAPI string
	// Template is the path of an AWS SAM or CloudFormation template, or a
	// CDK cloud assembly directory (as `apigw serve --template`).
	Template string
	// Functions are NAME=COMMAND local functions (as `apigw serve
	// --function`), relative to the working directory.
	Functions []string
	// Region and AccountID replace the config's; "" keeps them (default
	// us-east-1 and 000000000000).
	Region, AccountID string
}

// Gateway is a gateway serving for one test.
type Gateway struct {
	// URL is the data plane's base URL (http://127.0.0.1:PORT): requests
	// to it reach the default API; see APIURL for the others.
	URL string
	// AdminURL is the admin listener's base URL: the apigatewayv2
	// management API, the Lambda API (AWS_ENDPOINT_URL for the AWS SDKs),
	// /_health and /metrics.
	AdminURL string

	g   *app.Gateway
	log *syncBuffer
}

// Start starts a gateway for the test; it fails the test if the gateway
// does not start, and stops it when the test ends.
func Start(t testing.TB, opts Options) *Gateway {
	t.Helper()
	g, err := TryStart(t, opts)
	if err != nil {
		t.Fatalf("apigwtest: starting the gateway: %v", err)
	}
	return g
}

// TryStart is Start returning the error instead of failing the test, for
// tests of configurations that must not load.
func TryStart(t testing.TB, opts Options) (*Gateway, error) {
	t.Helper()
	cfg := config.Default()
	if opts.Config != "" {
		var err error
		if cfg, err = config.Load(opts.Config); err != nil {
			return nil, err
		}
	}
	over := config.Overrides{
		Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), "data"),
		Region: opts.Region, AccountID: opts.AccountID, OpenAPI: opts.OpenAPI, Functions: opts.Functions,
	}
	if err := cfg.Apply(over); err != nil {
		return nil, err
	}
	if opts.Template != "" {
		if err := cfg.ApplyTemplates(config.TemplateFlags{Paths: []string{opts.Template}}); err != nil {
			return nil, err
		}
	}
	buf := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g, err := app.New(cfg, app.Options{Stderr: buf, Logger: logger, ShutdownTimeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	if err := g.Start(); err != nil {
		return nil, err
	}
	gw := &Gateway{URL: g.DataURL(), AdminURL: g.AdminURL(), g: g, log: buf}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			t.Errorf("apigwtest: stopping the gateway: %v", err)
		}
		if t.Failed() {
			t.Logf("apigwtest: the gateway's log:\n%s", buf.String())
		}
	})
	return gw, nil
}

// APIURL returns the base URL that reaches API apiID, path style
// (URL/_aws/execute-api/{apiID}): it works for every API, default or not,
// without DNS set-up.
func (g *Gateway) APIURL(apiID string) string { return g.URL + "/_aws/execute-api/" + apiID }

// Log returns what the gateway has logged so far: the startup summary,
// one line per request, function output.
func (g *Gateway) Log() string { return g.log.String() }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
