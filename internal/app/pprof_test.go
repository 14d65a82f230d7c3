package app_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// startPprof starts a gateway with no APIs, with or without --pprof, and
// returns its admin URL.
func startPprof(t *testing.T, on bool) string {
	t.Helper()
	cfg := config.Default()
	dir := t.TempDir()
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(dir, ".apigw")}); err != nil {
		t.Fatal(err)
	}
	g, _ := gatewaytest.StartApp(t, cfg, app.Options{Pprof: on})
	return g.AdminURL()
}

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPprofOnWhenAsked(t *testing.T) {
	admin := startPprof(t, true)
	code, body := getStatus(t, admin+"/debug/pprof/")
	if code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("GET /debug/pprof/ = %d %.200q, want 200 with the profile index", code, body)
	}
	code, body = getStatus(t, admin+"/debug/pprof/heap?debug=1")
	if code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Fatalf("GET /debug/pprof/heap = %d %.200q, want 200 with a heap profile", code, body)
	}
}

func TestPprofOffByDefault(t *testing.T) {
	admin := startPprof(t, false)
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile?seconds=1"} {
		if code, _ := getStatus(t, admin+p); code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, code)
		}
	}
}
