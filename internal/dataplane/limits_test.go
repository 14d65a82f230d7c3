package dataplane_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/integration/httpproxy"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/routekey"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// limitsGateway serves, as the default API, "POST /up" proxied by the real
// HTTP_PROXY invoker to a backend that reads the whole body before it
// answers, "POST /fn" on an integration that buffers the body, as a Lambda
// integration does, and "POST /late", the same after half a second. It
// returns the gateway's address.
func limitsGateway(t *testing.T, limits dataplane.Limits) string {
	t.Helper()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d", n)
	}))
	t.Cleanup(backend.Close)
	proxy, err := httpproxy.New(httpproxy.Config{URI: backend.URL + "/up", Method: "ANY", Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	buffering := invoke.InvokerFunc(func(_ context.Context, req *invoke.Request) (*invoke.Response, error) {
		b, err := io.ReadAll(req.HTTP.Body)
		if err != nil {
			return nil, err
		}
		return &invoke.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(fmt.Sprint(len(b)))), ContentLength: int64(len(fmt.Sprint(len(b))))}, nil
	})
	late := invoke.InvokerFunc(func(ctx context.Context, req *invoke.Request) (*invoke.Response, error) {
		time.Sleep(500 * time.Millisecond) // a slow authorizer, say, before the body is read
		return buffering.Invoke(ctx, req)
	})
	integs := map[string]*snapshot.Integration{
		"POST /up":   {ID: "up", Type: "HTTP_PROXY", Invoker: proxy},
		"POST /fn":   {ID: "fn", Type: "AWS_PROXY", Invoker: buffering},
		"POST /late": {ID: "late", Type: "AWS_PROXY", Invoker: late},
	}
	var keys []*routekey.Key
	var routes []*snapshot.Route
	for _, k := range []string{"POST /up", "POST /fn", "POST /late"} {
		rk, err := routekey.Parse(k)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, rk)
		routes = append(routes, &snapshot.Route{Key: rk, Integration: integs[k], AuthorizationType: "NONE"})
	}
	tab, err := routekey.Build(keys)
	if err != nil {
		t.Fatal(err)
	}
	api := &snapshot.API{ID: "limits0001", Stages: map[string]*snapshot.Stage{}}
	api.DefaultStage = &snapshot.Stage{APIID: api.ID, Name: "$default", Table: tab, Routes: routes}
	snap := &snapshot.Snapshot{APIs: map[string]*snapshot.API{api.ID: api}, Default: api}
	h := dataplane.New(snap, dataplane.Options{Logger: slog.New(slog.DiscardHandler), Limits: limits})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// rawExchange sends head, then feeds body (which may block or trickle), and
// returns the response status and whether the connection closes after it. The client gives up after 20 s, well below the 30 s
// integration timeout that answered before the fix.
func rawExchange(t *testing.T, addr, head string, body func(c net.Conn)) (status int, connection string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	if body != nil {
		go func() {
			select {
			case <-stop:
			default:
				body(c)
			}
		}()
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	resp.Body.Close()
	connection = "keep-alive"
	if resp.Close { // ReadResponse takes "Connection: close" out of the header
		connection = "close"
	}
	return resp.StatusCode, connection
}

// trickle writes one byte every interval until the connection fails.
func trickle(interval time.Duration) func(c net.Conn) {
	return func(c net.Conn) {
		for {
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
			time.Sleep(interval)
		}
	}
}

// TestSlowBodyIsCut: a body sent at one byte per 100 ms, far below the
// minimum rate, is cut and answered 408, whether it is streamed to an HTTP
// backend (chunked or with a length) or buffered for a function.
func TestSlowBodyIsCut(t *testing.T) {
	t.Parallel()
	addr := limitsGateway(t, dataplane.Limits{BodyGrace: 300 * time.Millisecond, BodyMinRate: 1000})
	for _, tt := range []struct{ name, head string }{
		{"proxy, length", "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"},
		{"proxy, chunked", "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n"},
		{"buffered", "POST /fn HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, conn := rawExchange(t, addr, tt.head, trickle(100*time.Millisecond))
			if status != http.StatusRequestTimeout || conn != "close" {
				t.Errorf("slow body: %d, Connection %q; want 408 and close", status, conn)
			}
		})
	}
	// A body sent at once is not too slow because the integration started
	// reading it later than the grace.
	t.Run("read late", func(t *testing.T) {
		t.Parallel()
		resp, err := http.Post("http://"+addr+"/late", "text/plain", strings.NewReader(strings.Repeat("l", 64<<10)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("body read after the grace: %d; want 200", resp.StatusCode)
		}
	})
}

// TestBodyErrorsAnsweredAtOnce: a chunked body over the 10 MB quota, or one
// whose chunking is malformed, streamed to an HTTP backend, is answered as
// soon as it fails (413, 400), not after the integration's 30 s timeout.
func TestBodyErrorsAnsweredAtOnce(t *testing.T) {
	t.Parallel()
	addr := limitsGateway(t, dataplane.Limits{})
	tooLarge := func(c net.Conn) {
		chunk := fmt.Sprintf("100000\r\n%s\r\n", strings.Repeat("a", 0x100000))
		for range 12 { // 12 MiB
			if _, err := io.WriteString(c, chunk); err != nil {
				return
			}
		}
		// Then nothing more: the body is open, the backend still waits.
	}
	malformed := func(c net.Conn) { _, _ = io.WriteString(c, "5\r\nhello\r\nZZ-not-hex\r\n") }
	for _, tt := range []struct {
		name, path string
		body       func(net.Conn)
		want       int
	}{
		{"too large to proxy", "/up", tooLarge, http.StatusRequestEntityTooLarge},
		{"malformed to proxy", "/up", malformed, http.StatusBadRequest},
		{"too large to buffer", "/fn", tooLarge, http.StatusRequestEntityTooLarge},
		{"malformed to buffer", "/fn", malformed, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			head := "POST " + tt.path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
			if status, _ := rawExchange(t, addr, head, tt.body); status != tt.want {
				t.Errorf("status %d; want %d", status, tt.want)
			}
		})
	}
}

// TestErrorAnswerDoesNotWaitForBody: a request refused before its body is
// read (no route) is answered at once and the connection closed, even when
// the client has announced a megabyte and sends it slowly.
func TestErrorAnswerDoesNotWaitForBody(t *testing.T) {
	t.Parallel()
	addr := limitsGateway(t, dataplane.Limits{})
	head := "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n0123456789"
	status, conn := rawExchange(t, addr, head, trickle(time.Second))
	if status != http.StatusNotFound || conn != "close" {
		t.Errorf("got %d, Connection %q; want 404 and close", status, conn)
	}
}

// TestMemoryBudget: bodies buffered for functions beyond the budget are
// refused with 429 while the budget is held, and accepted again once it is
// released; streamed bodies are not counted.
func TestMemoryBudget(t *testing.T) {
	t.Parallel()
	// 1 MiB: one 200 KiB buffered body (800 KiB charged) fits, two do not.
	addr := limitsGateway(t, dataplane.Limits{MemoryBudget: 1 << 20})
	body := strings.Repeat("b", 200<<10)
	hold := make(chan struct{})
	var held atomic.Bool
	// The first request sends its whole body but for the last byte, and
	// holds the budget while it waits.
	first := make(chan int, 1)
	go func() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			first <- 0
			return
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /fn HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body[1:])
		held.Store(true)
		<-hold
		io.WriteString(c, "b")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	for !held.Load() {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // the gateway has read what was sent
	post := func(path string) int {
		resp, err := http.Post("http://"+addr+path, "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("/fn"); got != http.StatusTooManyRequests {
		t.Errorf("second buffered body while the first holds the budget: %d; want 429", got)
	}
	if got := post("/up"); got != http.StatusOK {
		t.Errorf("streamed body while the budget is held: %d; want 200", got)
	}
	close(hold)
	if got := <-first; got != http.StatusOK {
		t.Errorf("first request: %d; want 200", got)
	}
	if got := post("/fn"); got != http.StatusOK {
		t.Errorf("buffered body after the budget was released: %d; want 200", got)
	}
}

// TestKeepAliveWithBodies: the body limits keep connections alive when
// bodies are read whole, streamed or buffered, with a length or chunked.
func TestKeepAliveWithBodies(t *testing.T) {
	t.Parallel()
	addr := limitsGateway(t, dataplane.Limits{})
	for _, path := range []string{"/up", "/fn"} {
		for _, chunked := range []bool{false, true} {
			var body io.Reader = strings.NewReader(strings.Repeat("k", 100<<10))
			if chunked {
				body = io.MultiReader(body) // no length: sent chunked
			}
			resp, err := http.Post("http://"+addr+path, "text/plain", body)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(b) != fmt.Sprint(100<<10) || resp.Close {
				t.Errorf("POST %s (chunked %v): %d %q, close %v; want 200, the body's length, keep-alive", path, chunked, resp.StatusCode, b, resp.Close)
			}
		}
	}
}
