package dataplane_test

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/integration/httpproxy"
	"github.com/apigwdev/apigw/internal/routekey"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// TestDotSegmentsNeverReachBackend reproduces the path traversal through a
// greedy variable: "..", "%2e%2e", "..%2F" and friends must not reach an
// HTTP backend, through a greedy route or the $default route; such requests
// are refused with 400 before routing. Dots inside names still pass.
func TestDotSegmentsNeverReachBackend(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.RequestURI)
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(backend.Close)
	greedy, err := httpproxy.New(httpproxy.Config{URI: backend.URL + "/public/{proxy}", Method: "ANY", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := httpproxy.New(httpproxy.Config{URI: backend.URL, Method: "ANY", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var keys []*routekey.Key
	var routes []*snapshot.Route
	for k, inv := range map[string]*httpproxy.Invoker{"GET /public/{proxy+}": greedy, "$default": whole} {
		rk, err := routekey.Parse(k)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, rk)
		routes = append(routes, &snapshot.Route{Key: rk, Integration: &snapshot.Integration{ID: k, Type: "HTTP_PROXY", Invoker: inv}, AuthorizationType: "NONE"})
	}
	tab, err := routekey.Build(keys)
	if err != nil {
		t.Fatal(err)
	}
	api := &snapshot.API{ID: "dots000001", Stages: map[string]*snapshot.Stage{}}
	api.DefaultStage = &snapshot.Stage{APIID: api.ID, Name: "$default", Table: tab, Routes: routes}
	gw := httptest.NewServer(dataplane.New(&snapshot.Snapshot{APIs: map[string]*snapshot.API{api.ID: api}, Default: api},
		dataplane.Options{Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(gw.Close)

	get := func(path string) int {
		c, err := net.Dial("tcp", gw.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, p := range []string{
		"/public/../admin", "/public/%2e%2e/admin", "/public/%2E%2e/admin", "/public/..%2Fadmin",
		"/public/.%2e/admin", "/public/a/..%2F..%2Fadmin", "/public/..%5Cadmin", "/public/./x",
		"/../admin", "/%2e%2e/admin", "/a/%2E/b", "/public/x/..",
	} {
		if got := get(p); got != http.StatusBadRequest {
			t.Errorf("GET %s = %d; want 400", p, got)
		}
	}
	for _, p := range []string{"/public/..foo/x", "/public/a.b", "/public/...", "/v1.2/x..y"} {
		if got := get(p); got != http.StatusOK {
			t.Errorf("GET %s = %d; want 200", p, got)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, uri := range seen {
		low := strings.ToLower(uri)
		if strings.Contains(low, "/../") || strings.HasSuffix(low, "/..") || strings.Contains(low, "%2e%2e") || strings.Contains(low, "..%2f") || strings.Contains(low, "..%5c") || strings.Contains(low, "/./") {
			t.Errorf("backend received %q", uri)
		}
	}
	if len(seen) != 4 {
		t.Errorf("backend saw %d requests %q; want the 4 allowed ones", len(seen), seen)
	}
}
