package app_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/gatewaytest"
	"github.com/apigwdev/apigw/internal/integration/private"
)

const (
	albARN = "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/pets/50dc6c495c0c9188/0467ef3c8400ae65"
	srvARN = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-pets"
)

// upstreamServer is a named backend on a fixed address that can be stopped
// and started again on the same port.
type upstreamServer struct {
	t    *testing.T
	name string
	addr string
	hits atomic.Int64
	srv  *httptest.Server
	// seen is the last request path and Host.
	mu   sync.Mutex
	seen string
}

func newUpstream(t *testing.T, name string) *upstreamServer {
	u := &upstreamServer{t: t, name: name}
	u.start("127.0.0.1:0")
	u.addr = u.srv.Listener.Addr().String()
	t.Cleanup(func() { u.srv.Close() })
	return u
}

func (u *upstreamServer) start(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		u.t.Fatal(err)
	}
	u.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		u.mu.Lock()
		u.seen = r.Host + " " + r.URL.RequestURI()
		u.mu.Unlock()
		io.WriteString(w, u.name)
	}))
	u.srv.Listener.Close()
	u.srv.Listener = ln
	u.srv.Start()
}

func privateOpenAPI(link, uri, tls string) string {
	return `openapi: 3.0.1
info: {title: private, version: "1"}
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, connectionType: VPC_LINK, connectionId: ` + link + `, uri: "` + uri + `", payloadFormatVersion: "1.0"` + tls + `}
`
}

func startPrivate(t *testing.T, targets, doc string, opts func(*private.Options)) *gatewaytest.Gateway {
	t.Helper()
	restore := app.SetPrivateOptions(opts)
	defer restore()
	return gatewaytest.Start(t, gatewaytest.Files{
		"apigw.yaml": "apis:\n  - id: priv000001\n    openapi: ./api.yaml\n    default: true\nvpcLinks:\n  - id: vl0001\nprivateTargets:\n" + targets,
		"api.yaml":   doc,
	})
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPrivateIntegrationBalancesAndHeals(t *testing.T) {
	ups := []*upstreamServer{newUpstream(t, "a"), newUpstream(t, "b"), newUpstream(t, "c")}
	targets := fmt.Sprintf("  %q:\n    instances: [%q, %q, %q]\n", albARN, ups[0].addr, ups[1].addr, ups[2].addr)
	gw := startPrivate(t, targets, privateOpenAPI("vl0001", albARN, ""), func(o *private.Options) {
		o.Backoff, o.MaxBackoff = 10*time.Millisecond, 20*time.Millisecond
	})

	for range 30 {
		if r := gw.Do(t, "GET", "", "/pets/1?x=1", nil); r.Status != 200 {
			t.Fatalf("status %d %q", r.Status, r.Body)
		}
	}
	for _, u := range ups {
		if n := u.hits.Load(); n != 10 {
			t.Errorf("upstream %s got %d of 30 requests; want 10", u.name, n)
		}
	}
	ups[0].mu.Lock()
	if ups[0].seen != ups[0].addr+" /pets/1?x=1" {
		t.Errorf("upstream saw %q; want host:port and the path with the query", ups[0].seen)
	}
	ups[0].mu.Unlock()

	// b goes down: no request fails (a bodyless request whose connection
	// fails is retried elsewhere) and b is passed over.
	ups[1].srv.Close()
	before := ups[0].hits.Load() + ups[2].hits.Load()
	for range 20 {
		if r := gw.Do(t, "GET", "", "/pets/2", nil); r.Status != 200 {
			t.Fatalf("with one upstream down: %d %q", r.Status, r.Body)
		}
	}
	if got := ups[0].hits.Load() + ups[2].hits.Load() - before; got != 20 {
		t.Errorf("a and c got %d of 20 requests", got)
	}
	if !strings.Contains(gw.Log(), "private upstream down") {
		t.Error("no log line for the upstream that went down")
	}

	// b comes back on the same port: after its backoff it is used again.
	ups[1].start(ups[1].addr)
	base := ups[1].hits.Load()
	eventually(t, "b to get requests again", func() bool {
		if r := gw.Do(t, "GET", "", "/pets/3", nil); r.Status != 200 {
			t.Fatalf("status %d", r.Status)
		}
		return ups[1].hits.Load() > base
	})

	// A POST with a body to an unreachable target set answers 503.
	for _, u := range ups {
		u.srv.Close()
	}
	if r := gw.Do(t, "POST", "", "/pets", strings.NewReader("x")); r.Status != 503 || r.Body != `{"message":"Service Unavailable"}` {
		t.Errorf("all upstreams down: %d %q; want 503", r.Status, r.Body)
	}
}

// fakeResolver answers from maps that the test changes.
type fakeResolver struct {
	mu    sync.Mutex
	hosts map[string][]string
	srv   map[string][]*net.SRV
}

func (f *fakeResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.hosts[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (f *fakeResolver) LookupSRV(_ context.Context, _, _, name string) (string, []*net.SRV, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.srv[name]; ok {
		return name, s, nil
	}
	return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (f *fakeResolver) setSRV(name string, s ...*net.SRV) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s == nil {
		delete(f.srv, name)
		return
	}
	f.srv[name] = s
}

func port(t *testing.T, addr string) uint16 {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var n uint16
	fmt.Sscan(p, &n)
	return n
}

func TestPrivateIntegrationFollowsDNS(t *testing.T) {
	a, b := newUpstream(t, "a"), newUpstream(t, "b")
	const name = "_http._tcp.pets.internal"
	res := &fakeResolver{
		hosts: map[string][]string{"a.internal": {"127.0.0.1"}, "b.internal": {"127.0.0.1"}, "pets.internal": {"127.0.0.1"}},
		srv:   map[string][]*net.SRV{name: {{Target: "a.internal.", Port: port(t, a.addr)}}},
	}
	targets := fmt.Sprintf("  %q:\n    dns: %s\n  %q:\n    dns: pets.internal:%d\n", srvARN, name, albARN, port(t, b.addr))
	gw := startPrivate(t, targets, privateOpenAPI("vl0001", srvARN+"?stage=prod", ""), func(o *private.Options) {
		o.Resolver, o.RefreshInterval = res, 5*time.Millisecond
	})
	if r := gw.Do(t, "GET", "", "/x", nil); r.Status != 200 || r.Body != "a" {
		t.Fatalf("before the change: %d %q; want a", r.Status, r.Body)
	}
	res.setSRV(name, &net.SRV{Target: "b.internal.", Port: port(t, b.addr)})
	eventually(t, "the SRV change", func() bool { return gw.Do(t, "GET", "", "/x", nil).Body == "b" })
	// Both records with the same priority: both used.
	res.setSRV(name, &net.SRV{Target: "a.internal.", Port: port(t, a.addr)}, &net.SRV{Target: "b.internal.", Port: port(t, b.addr)}, &net.SRV{Target: "a.internal.", Port: 1, Priority: 9})
	eventually(t, "both upstreams", func() bool { return gw.Do(t, "GET", "", "/x", nil).Body == "a" })
	// The name disappears: 503 and a log line.
	res.setSRV(name)
	eventually(t, "the name to resolve to nothing", func() bool { return gw.Do(t, "GET", "", "/x", nil).Status == 503 })
	if !strings.Contains(gw.Log(), "resolves to nothing") {
		t.Error("no log line for a target that resolves to nothing")
	}
}

func TestPrivateIntegrationTLS(t *testing.T) {
	var seen atomic.Value
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Host + " " + r.URL.Path)
		io.WriteString(w, "secure")
	}))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	addr := srv.Listener.Addr().String()
	targets := fmt.Sprintf("  %q:\n    instances: [%q]\n", albARN, addr)
	opts := func(o *private.Options) { o.RootCAs = pool }

	// httptest's certificate is valid for example.com.
	gw := startPrivate(t, targets, privateOpenAPI("vl0001", albARN, `, tlsConfig: {serverNameToVerify: example.com}`), opts)
	if r := gw.Do(t, "GET", "", "/tls", nil); r.Status != 200 || r.Body != "secure" {
		t.Fatalf("verified TLS: %d %q", r.Status, r.Body)
	}
	if got := seen.Load(); got != "example.com /tls" {
		t.Errorf("upstream saw %q; want Host example.com", got)
	}

	wrong := startPrivate(t, targets, privateOpenAPI("vl0001", albARN, `, tlsConfig: {serverNameToVerify: wrong.example.org}`), opts)
	if r := wrong.Do(t, "GET", "", "/tls", nil); r.Status != 500 {
		t.Errorf("certificate for another name: %d %q; want 500", r.Status, r.Body)
	}

	// An undeclared VPC link answers 503 with a clear log line.
	nolink := startPrivate(t, targets, privateOpenAPI("vl9999", albARN, ""), opts)
	if r := nolink.Do(t, "GET", "", "/x", nil); r.Status != 503 {
		t.Errorf("undeclared VPC link: %d %q; want 503", r.Status, r.Body)
	}
	if !strings.Contains(nolink.Log(), `VPC link \"vl9999\" is not configured`) {
		t.Errorf("no log line naming the VPC link:\n%s", nolink.Log())
	}
}
