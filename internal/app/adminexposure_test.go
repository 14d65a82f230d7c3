package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
)

// TestAdminExposedWithoutCredentialsRefused: an admin listener on all
// interfaces without admin.credentials does not start, and says how to fix
// it; with admin.allowUnauthenticated, or with credentials, it starts.
func TestAdminExposedWithoutCredentialsRefused(t *testing.T) {
	start := func(t *testing.T, admin config.Admin) (*app.Gateway, error) {
		return startGateway(t, "0.0.0.0:0", func(c *config.Config) { c.Admin = admin })
	}
	t.Run("refused", func(t *testing.T) {
		_, err := start(t, config.Admin{})
		if err == nil {
			t.Fatal("the gateway started with its admin listener on 0.0.0.0 and no admin.credentials")
		}
		for _, want := range []string{"0.0.0.0:0", "admin.credentials", "127.0.0.1", "admin.allowUnauthenticated: true"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
	for name, admin := range map[string]config.Admin{
		"intended":         {AllowUnauthenticated: true},
		"with credentials": {Credentials: []config.AdminCredential{{AccessKeyID: "AKIDADMIN", SecretAccessKey: "secret"}}},
	} {
		t.Run(name, func(t *testing.T) {
			g, err := start(t, admin)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(g.AdminURL(), "http://"))
			resp, err := http.Get("http://127.0.0.1:" + port + "/_health")
			if err != nil {
				t.Fatalf("admin listener not serving: %v", err)
			}
			resp.Body.Close()
		})
	}
}

// startGateway starts a gateway with no APIs, the data plane on an
// ephemeral loopback port and the admin listener on adminListen, after
// edit changes the configuration; it is shut down at the end of the test.
func startGateway(t *testing.T, adminListen string, edit func(*config.Config)) (*app.Gateway, error) {
	t.Helper()
	cfg := config.Default()
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: adminListen, DataDir: filepath.Join(t.TempDir(), ".apigw")}); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	g, err := app.New(cfg, app.Options{Stderr: io.Discard, ShutdownTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		g.Close()
		return nil, err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = g.Shutdown(ctx)
	})
	return g, nil
}
