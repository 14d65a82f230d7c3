package httpproxy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
)

// seen is what a recording backend received.
type seen struct {
	method, requestURI, host string
	header                   http.Header
	body                     []byte
}

// recordingBackend starts a backend that records each request it receives
// and answers 204.
func recordingBackend(t testing.TB) (*httptest.Server, <-chan seen) {
	t.Helper()
	ch := make(chan seen, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("backend reading body: %v", err)
		}
		ch <- seen{r.Method, r.RequestURI, r.Host, r.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

// newRequest builds the resolved request the data plane would hand the
// invoker for a client request (RemoteAddr 192.0.2.1, Host example.com).
func newRequest(method, target string, body io.Reader) *invoke.Request {
	r := httptest.NewRequest(method, target, body)
	return &invoke.Request{
		HTTP:        r,
		RequestID:   "Mc7UVioPPHcEKPA=",
		Time:        time.Unix(0x5f84c7a5, 0),
		Stage:       "$default",
		Path:        r.URL.Path,
		RawPath:     r.URL.Path,
		EscapedPath: r.URL.EscapedPath(),
		SourceIP:    "192.0.2.1",
	}
}

func mustNew(t testing.TB, cfg Config) *Invoker {
	t.Helper()
	inv, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return inv
}

// invokeAndClose calls inv and drains and closes the response body.
func invokeAndClose(t testing.TB, inv *Invoker, req *invoke.Request) *invoke.Response {
	t.Helper()
	resp, err := inv.Invoke(context.Background(), req)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("reading response body: %v", err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatalf("closing response body: %v", err)
	}
	return resp
}

func TestTargetURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		uri       string // BACKEND is replaced by the backend's origin
		method    string
		isDefault bool
		target    string // client request
		routePath string
		params    map[string]string
		stageVars map[string]string
		stage     string
		escaped   string // overrides EscapedPath (a named stage's prefix)
		path      string // overrides Path
		intPath   string // IntegrationPath (overwrite:path)
		want      string // request URI the backend saw
		wantVerb  string
	}{
		{name: "path variable", uri: "BACKEND/pets/{id}", target: "/pets/6?x=1", routePath: "/pets/{id}",
			params: map[string]string{"id": "6"}, want: "/pets/6?x=1"},
		{name: "path variable re-escaped as one segment", uri: "BACKEND/pets/{id}", target: "/pets/a%20b%2Fc",
			routePath: "/pets/{id}", params: map[string]string{"id": "a b/c"}, want: "/pets/a%20b%2Fc"},
		{name: "variable inside a segment", uri: "BACKEND/pets/x-{id}.json", target: "/p/1", routePath: "/p/{id}",
			params: map[string]string{"id": "1"}, want: "/pets/x-1.json"},
		{name: "greedy keeps slashes", uri: "BACKEND/petstore/{proxy}", target: "/parent/a/b%20c/d",
			routePath: "/parent/{proxy+}", params: map[string]string{"proxy": "a/b c/d"}, want: "/petstore/a/b%20c/d"},
		{name: "greedy referenced with plus", uri: "BACKEND/petstore/{proxy+}", target: "/parent/a/b",
			routePath: "/parent/{proxy+}", params: map[string]string{"proxy": "a/b"}, want: "/petstore/a/b"},
		{name: "undefined path variable is empty", uri: "BACKEND/x/{missing}/y", target: "/x", routePath: "/x",
			want: "/x//y"},
		{name: "default route appends path", uri: "BACKEND", isDefault: true, target: "/store/checkout",
			want: "/store/checkout"},
		{name: "default route joins base path", uri: "BACKEND/base", isDefault: true, target: "/x/y?q=1",
			want: "/base/x/y?q=1"},
		{name: "default route base with trailing slash", uri: "BACKEND/base/", isDefault: true, target: "/x",
			want: "/base/x"},
		{name: "default route root", uri: "BACKEND/base", isDefault: true, target: "/", want: "/base/"},
		{name: "default route root on bare host", uri: "BACKEND", isDefault: true, target: "/", want: "/"},
		{name: "default route keeps client encoding", uri: "BACKEND/b", isDefault: true, target: "/a%2Fb/c%20d/%7E",
			want: "/b/a%2Fb/c%20d/%7E"},
		{name: "default route named stage stripped", uri: "BACKEND", isDefault: true, target: "/dev/pets/a%2Fb",
			stage: "dev", escaped: "/dev/pets/a%2Fb", path: "/pets/a/b", want: "/pets/a%2Fb"},
		{name: "default route stage root", uri: "BACKEND/b", isDefault: true, target: "/dev",
			stage: "dev", escaped: "/dev", path: "/", want: "/b/"},
		{name: "query merged after the URI's", uri: "BACKEND/x?fixed=1&y", target: "/x?a=b&c=%20+d",
			routePath: "/x", want: "/x?fixed=1&y&a=b&c=%20+d"},
		{name: "client query only", uri: "BACKEND/x", target: "/x?a=%2F&a=2", routePath: "/x", want: "/x?a=%2F&a=2"},
		{name: "query variable escaped", uri: "BACKEND/x?id={id}", target: "/x/1", routePath: "/x/{id}",
			params: map[string]string{"id": "a&b c"}, want: "/x?id=a%26b+c"},
		{name: "stage variables in host and path", uri: "http://${stageVariables.host}/v${stageVariables.ver}/{id}",
			target: "/p/7", routePath: "/p/{id}", params: map[string]string{"id": "7"},
			stageVars: map[string]string{"ver": "2"}, want: "/v2/7"},
		{name: "stage variable holding scheme and host", uri: "${stageVariables.url}/{id}", target: "/p/7",
			routePath: "/p/{id}", params: map[string]string{"id": "7 8"}, want: "/base/7%208"},
		{name: "undefined stage variable is empty", uri: "BACKEND/a${stageVariables.nope}/b", target: "/z",
			routePath: "/z", want: "/a/b"},
		{name: "stage variable in query", uri: "BACKEND/x?env=${stageVariables.env}", target: "/x?a=1",
			routePath: "/x", stageVars: map[string]string{"env": "prod"}, want: "/x?env=prod&a=1"},
		{name: "integration path replaces a route's path", uri: "BACKEND/pets/{id}?fixed=1", target: "/pets/6?x=1",
			routePath: "/pets/{id}", params: map[string]string{"id": "6"}, intPath: "/new/a%20b", want: "/new/a%20b?fixed=1&x=1"},
		{name: "integration path replaces the default route's path and base", uri: "BACKEND/base", isDefault: true,
			target: "/store/checkout?q=1", intPath: "/other", want: "/other?q=1"},
		{name: "integration path with stage variables", uri: "${stageVariables.url}/{id}", target: "/p/7",
			routePath: "/p/{id}", params: map[string]string{"id": "7"}, intPath: "/x/%2F", want: "/x/%2F"},
		{name: "ANY forwards the method", uri: "BACKEND/x", method: "ANY", target: "/x", wantVerb: http.MethodDelete},
		{name: "fixed method replaces it", uri: "BACKEND/x", method: "POST", target: "/x", wantVerb: http.MethodPost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, got := recordingBackend(t)
			uri := strings.ReplaceAll(tt.uri, "BACKEND", srv.URL)
			inv := mustNew(t, Config{URI: uri, Method: tt.method, IsDefaultRoute: tt.isDefault})
			req := newRequest(http.MethodDelete, tt.target, nil)
			req.RoutePath, req.PathParameters = tt.routePath, tt.params
			req.StageVariables = map[string]string{"host": srv.Listener.Addr().String(), "url": srv.URL + "/base"}
			for k, v := range tt.stageVars {
				req.StageVariables[k] = v
			}
			if tt.stage != "" {
				req.Stage, req.EscapedPath, req.Path = tt.stage, tt.escaped, tt.path
			}
			req.IntegrationPath = tt.intPath
			invokeAndClose(t, inv, req)
			s := <-got
			if tt.want != "" && s.requestURI != tt.want {
				t.Errorf("backend request URI = %q; want %q", s.requestURI, tt.want)
			}
			if tt.wantVerb != "" && s.method != tt.wantVerb {
				t.Errorf("backend method = %q; want %q", s.method, tt.wantVerb)
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	srv, got := recordingBackend(t)
	inv := mustNew(t, Config{URI: srv.URL})
	req := newRequest(http.MethodGet, "/x", nil)
	h := req.HTTP.Header
	h.Set("Connection", "close, X-Drop")
	h.Set("X-Drop", "1")
	h.Set("Keep-Alive", "timeout=5")
	h.Set("Te", "trailers")
	h.Set("Trailer", "X-T")
	h.Set("Upgrade", "websocket")
	h.Set("Proxy-Authorization", "Basic eDp5")
	h.Set("Proxy-Connection", "keep-alive")
	h.Set("Expect", "100-continue")
	h.Add("X-Forwarded-For", "203.0.113.1, 2001:db8::1")
	h.Add("X-Forwarded-For", "198.51.100.2:8080")
	h.Set("X-Forwarded-Proto", "https")
	h.Set("X-Forwarded-Host", "api.example.com")
	h.Set("X-Forwarded-Port", "443")
	h.Set("Via", "1.1 cdn")
	h.Add("Cookie", "a=b")
	h.Set("Authorization", "Bearer t")
	h.Set("Accept-Encoding", "gzip, br")
	h.Add("X-Multi", "1")
	h.Add("X-Multi", "2")
	invokeAndClose(t, inv, req)
	s := <-got

	if want := srv.Listener.Addr().String(); s.host != want {
		t.Errorf("Host = %q; want %q", s.host, want)
	}
	for _, k := range []string{"Connection", "X-Drop", "Keep-Alive", "Te", "Trailer", "Upgrade",
		"Proxy-Authorization", "Proxy-Connection", "Expect", "X-Forwarded-For", "X-Forwarded-Proto",
		"X-Forwarded-Host", "User-Agent"} {
		if v, ok := s.header[k]; ok {
			t.Errorf("backend got %s: %q; want it removed", k, v)
		}
	}
	wantFwd := `for=203.0.113.1;host=api.example.com;proto=https, for="[2001:db8::1]", for="198.51.100.2:8080", ` +
		`for=192.0.2.1;host=example.com;proto=http`
	checks := map[string]string{
		"Forwarded":        wantFwd,
		"Via":              "1.1 cdn, HTTP/1.1 AmazonAPIGateway",
		"X-Forwarded-Port": "443",
		"Cookie":           "a=b",
		"Authorization":    "Bearer t",
		"Accept-Encoding":  "gzip, br",
		"Content-Type":     "application/json",
	}
	for k, want := range checks {
		if v := strings.Join(s.header.Values(k), "|"); v != want {
			t.Errorf("%s = %q; want %q", k, v, want)
		}
	}
	if v := s.header.Values("X-Multi"); len(v) != 2 || v[0] != "1" || v[1] != "2" {
		t.Errorf("X-Multi = %q; want [1 2]", v)
	}
	traceRE := regexp.MustCompile(`^Root=1-5f84c7a5-[0-9a-f]{24}$`)
	if v := s.header.Get("X-Amzn-Trace-Id"); !traceRE.MatchString(v) {
		t.Errorf("X-Amzn-Trace-Id = %q; want match of %s", v, traceRE)
	}
	if v := h.Get("X-Forwarded-For"); v == "" {
		t.Error("the client's request header was modified")
	}
}

func TestRequestHeadersKeepClientValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		body       string
		header     map[string]string
		wantHeader map[string]string // "" means absent
	}{
		{name: "client trace id kept", method: http.MethodGet,
			header:     map[string]string{"X-Amzn-Trace-Id": "Root=1-00000000-000000000000000000000000", "User-Agent": "curl/8"},
			wantHeader: map[string]string{"X-Amzn-Trace-Id": "Root=1-00000000-000000000000000000000000", "User-Agent": "curl/8"}},
		{name: "no content type added with a body", method: http.MethodPost, body: "x=1",
			wantHeader: map[string]string{"Content-Type": "", "Content-Length": "3"}},
		{name: "client content type kept without body", method: http.MethodPost,
			header:     map[string]string{"Content-Type": "text/plain"},
			wantHeader: map[string]string{"Content-Type": "text/plain"}},
		{name: "client Forwarded kept and X-Forwarded dropped", method: http.MethodGet,
			header: map[string]string{"Forwarded": "for=10.0.0.1;proto=https", "X-Forwarded-For": "10.9.9.9"},
			wantHeader: map[string]string{"Forwarded": "for=10.0.0.1;proto=https, for=192.0.2.1;host=example.com;proto=http",
				"X-Forwarded-For": ""}},
		{name: "forwarded host and proto without for", method: http.MethodGet,
			header: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "h:8443"},
			wantHeader: map[string]string{
				"Forwarded": `host="h:8443";proto=https, for=192.0.2.1;host=example.com;proto=http`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, got := recordingBackend(t)
			inv := mustNew(t, Config{URI: srv.URL})
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := newRequest(tt.method, "/", body)
			for k, v := range tt.header {
				req.HTTP.Header.Set(k, v)
			}
			invokeAndClose(t, inv, req)
			s := <-got
			for k, want := range tt.wantHeader {
				if v := s.header.Get(k); v != want {
					t.Errorf("%s = %q; want %q", k, v, want)
				}
			}
			if string(s.body) != tt.body {
				t.Errorf("body = %q; want %q", s.body, tt.body)
			}
		})
	}
}

// gateway starts a frontend standing in for the data plane: it resolves the
// request trivially, invokes inv and streams the answer, flushing after each
// read, and renders errors with gwerr.Write.
func gateway(t testing.TB, inv *Invoker) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		req := &invoke.Request{HTTP: r, RequestID: "rid", Time: time.Now(), Stage: "$default", RouteKey: "$default",
			RoutePath: "$default", Path: r.URL.Path, RawPath: r.URL.Path, EscapedPath: r.URL.EscapedPath(), SourceIP: ip}
		w.Header().Set("Apigw-Requestid", req.RequestID)
		resp, err := inv.Invoke(r.Context(), req)
		if err != nil {
			gwerr.Write(w, gwerr.As(err))
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		rc := http.NewResponseController(w)
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
				_ = rc.Flush()
			}
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestResponsePassthrough(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Set-Cookie", "a=1; Path=/")
		h.Add("Set-Cookie", "b=2; HttpOnly")
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Custom", "v")
		h.Set("Connection", "X-Hop")
		h.Set("X-Hop", "1")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "not really gzip")
	}))
	t.Cleanup(backend.Close)
	gw := gateway(t, mustNew(t, Config{URI: backend.URL, IsDefaultRoute: true}))

	req, _ := http.NewRequest(http.MethodGet, gw.URL+"/x", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := gw.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("status = %d; want 201", resp.StatusCode)
	}
	if got := resp.Header.Values("Set-Cookie"); len(got) != 2 || got[0] != "a=1; Path=/" || got[1] != "b=2; HttpOnly" {
		t.Errorf("Set-Cookie = %q; want both cookies in order", got)
	}
	for k, want := range map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-Custom": "v",
		"X-Hop": "", "Keep-Alive": "", "Content-Encoding": "gzip", "Apigw-Requestid": "rid"} {
		if v := resp.Header.Get(k); v != want {
			t.Errorf("%s = %q; want %q", k, v, want)
		}
	}
	if string(body) != "not really gzip" {
		t.Errorf("body = %q; want it unchanged", body)
	}
}

func TestForwardedThroughGateway(t *testing.T) {
	t.Parallel()
	backend, got := recordingBackend(t)
	gw := gateway(t, mustNew(t, Config{URI: backend.URL, IsDefaultRoute: true}))
	resp, err := gw.Client().Get(gw.URL + "/a%2Fb?q=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	gwAddr := gw.Listener.Addr().String()
	want := `by=127.0.0.1;for=127.0.0.1;host="` + gwAddr + `";proto=http`
	if v := s.header.Get("Forwarded"); v != want {
		t.Errorf("Forwarded = %q; want %q", v, want)
	}
	if s.requestURI != "/a%2Fb?q=1" {
		t.Errorf("request URI = %q; want /a%%2Fb?q=1", s.requestURI)
	}
	if v := s.header.Get("User-Agent"); v != "Go-http-client/1.1" {
		t.Errorf("User-Agent = %q; want the client's", v)
	}
}

func TestRequestBodyStreams(t *testing.T) {
	t.Parallel()
	const first, total = 256 << 10, 8 << 20
	gotFirst := make(chan struct{})
	type result struct {
		n   int64
		sum [32]byte
		te  []string
	}
	results := make(chan result, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		// Wait for a part of the body well below what the client has
		// written, so that buffers on the way cannot hold it back.
		n, err := io.CopyN(h, r.Body, 64<<10)
		if err != nil {
			t.Errorf("backend reading first part: %v", err)
		}
		close(gotFirst)
		m, err := io.Copy(h, r.Body)
		if err != nil {
			t.Errorf("backend reading rest: %v", err)
		}
		var res result
		res.n, res.te = n+m, r.TransferEncoding
		copy(res.sum[:], h.Sum(nil))
		results <- res
	}))
	t.Cleanup(backend.Close)
	gw := gateway(t, mustNew(t, Config{URI: backend.URL, IsDefaultRoute: true}))

	payload := bytes.Repeat([]byte("0123456789abcdef"), total/16)
	pr, pw := io.Pipe()
	go func() {
		if _, err := pw.Write(payload[:first]); err != nil {
			pw.CloseWithError(err)
			return
		}
		// The backend has the start of the body while the client still
		// holds the rest: nothing on the way buffers the whole body.
		<-gotFirst
		_, err := pw.Write(payload[first:])
		pw.CloseWithError(err)
	}()
	resp, err := gw.Client().Post(gw.URL+"/upload", "application/octet-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	res := <-results
	if res.n != total || res.sum != sha256.Sum256(payload) {
		t.Errorf("backend got %d bytes (sum match %v); want %d identical bytes", res.n, res.sum == sha256.Sum256(payload), total)
	}
	if len(res.te) != 1 || res.te[0] != "chunked" {
		t.Errorf("backend Transfer-Encoding = %q; want chunked (the client's length was unknown)", res.te)
	}
}

func TestResponseStreams(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "data: two\n\n")
	}))
	t.Cleanup(backend.Close)
	gw := gateway(t, mustNew(t, Config{URI: backend.URL, IsDefaultRoute: true}))

	resp, err := gw.Client().Get(gw.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, len("data: one\n\n"))
	// The backend is still blocked on release: the first event must already
	// be readable.
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "data: one\n\n" {
		t.Fatalf("first chunk = %q, %v; want %q before the backend finishes", buf, err, "data: one\n\n")
	}
	close(release)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "data: two\n\n" {
		t.Errorf("rest = %q, %v; want %q", rest, err, "data: two\n\n")
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("Transfer-Encoding = %q; want chunked", resp.TransferEncoding)
	}
}

// blockingBackend answers only when the test ends or the request is
// abandoned; arrived receives a value when a request comes in. With
// headersFirst it sends the status and a first chunk before blocking.
func blockingBackend(t testing.TB, headersFirst bool) (*httptest.Server, <-chan struct{}) {
	t.Helper()
	done := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headersFirst {
			_, _ = io.WriteString(w, "first")
			w.(http.Flusher).Flush()
		}
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv, arrived
}

func wantKind(t *testing.T, err error, k gwerr.Kind) {
	t.Helper()
	var ge *gwerr.Error
	if !errors.As(err, &ge) || ge.Kind != k {
		t.Fatalf("error = %v; want a gwerr of kind %d (%s)", err, k, k.Body())
	}
	if ge.Cause == nil {
		t.Errorf("gwerr %v has no cause", ge)
	}
}

func TestTimeoutBeforeHeaders(t *testing.T) {
	t.Parallel()
	backend, _ := blockingBackend(t, false)
	gw := gateway(t, mustNew(t, Config{URI: backend.URL, IsDefaultRoute: true, Timeout: MinTimeout}))
	resp, err := gw.Client().Get(gw.URL + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != `{"message":"Service Unavailable"}` {
		t.Errorf("got %d %s; want 503 {\"message\":\"Service Unavailable\"}", resp.StatusCode, body)
	}

	_, err = mustNew(t, Config{URI: backend.URL, Timeout: MinTimeout}).Invoke(context.Background(), newRequest("GET", "/", nil))
	wantKind(t, err, gwerr.ServiceUnavailable)
}

func TestTimeoutDuringBody(t *testing.T) {
	t.Parallel()
	backend, _ := blockingBackend(t, true)
	inv := mustNew(t, Config{URI: backend.URL, Timeout: time.Second})
	resp, err := inv.Invoke(context.Background(), newRequest("GET", "/", nil))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != 0 {
		t.Errorf("status, length = %d, %d; want 200, 0 (unknown)", resp.StatusCode, resp.ContentLength)
	}
	got, err := io.ReadAll(resp.Body)
	if string(got) != "first" {
		t.Errorf("body before the cut = %q; want %q", got, "first")
	}
	wantKind(t, err, gwerr.ServiceUnavailable)
}

func TestUnreachableBackend(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	tlsBackend := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsBackend.Config.ErrorLog = log.New(io.Discard, "", 0) // the expected handshake failure
	tlsBackend.StartTLS()
	t.Cleanup(tlsBackend.Close)

	dnsFail := h1client.New()
	dnsFail.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}}
	}
	tests := []struct {
		name      string
		uri       string
		transport http.RoundTripper
	}{
		{name: "connection refused", uri: closed},
		{name: "untrusted certificate", uri: tlsBackend.URL},
		{name: "DNS failure", uri: "http://backend.invalid", transport: dnsFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := mustNew(t, Config{URI: tt.uri, Transport: tt.transport})
			_, err := inv.Invoke(context.Background(), newRequest("GET", "/", nil))
			wantKind(t, err, gwerr.InternalServerError)
			rec := httptest.NewRecorder()
			gwerr.Write(rec, gwerr.As(err))
			if got := rec.Body.String(); got != `{"message":"Internal Server Error"}` {
				t.Errorf("rendered body = %q; want the catalogue body only", got)
			}
		})
	}
}

func TestClientCanceled(t *testing.T) {
	t.Parallel()
	backend, arrived := blockingBackend(t, false)
	inv := mustNew(t, Config{URI: backend.URL})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		resp, err := inv.Invoke(ctx, newRequest("GET", "/", nil))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-arrived
	cancel()
	err := <-errc
	var ge *gwerr.Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &ge) {
		t.Errorf("error = %v; want the context's error, not a gwerr", err)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error
	}{
		{name: "empty", cfg: Config{}, want: "empty"},
		{name: "relative", cfg: Config{URI: "/pets"}, want: "scheme must be http or https"},
		{name: "ftp", cfg: Config{URI: "ftp://h/x"}, want: "scheme must be http or https"},
		{name: "ftp with stage variable", cfg: Config{URI: "ftp://${stageVariables.h}/x"}, want: "scheme"},
		{name: "no host", cfg: Config{URI: "http:///x"}, want: "no host"},
		{name: "opaque", cfg: Config{URI: "http:h/x"}, want: "missing //"},
		{name: "user info", cfg: Config{URI: "http://u:p@h/x"}, want: "user information"},
		{name: "fragment", cfg: Config{URI: "http://h/x#f"}, want: "fragment"},
		{name: "path variable in host", cfg: Config{URI: "http://{host}/x"}, want: "outside the path"},
		{name: "unterminated variable", cfg: Config{URI: "http://h/{id"}, want: "unterminated path variable"},
		{name: "bad variable name", cfg: Config{URI: "http://h/{a b}"}, want: "invalid path variable"},
		{name: "empty variable", cfg: Config{URI: "http://h/{}"}, want: "invalid path variable"},
		{name: "other dollar reference", cfg: Config{URI: "http://h/${context.requestId}"}, want: "only ${stageVariables.name}"},
		{name: "bad stage variable name", cfg: Config{URI: "http://h/${stageVariables.a-b}"}, want: "invalid stage variable name"},
		{name: "unterminated stage variable", cfg: Config{URI: "http://h/${stageVariables.a"}, want: "unterminated stage variable"},
		{name: "space in path", cfg: Config{URI: "http://h/a b"}, want: "must be percent-encoded"},
		{name: "bad escape", cfg: Config{URI: "http://h/a%zz"}, want: "invalid percent-escape"},
		{name: "stray brace", cfg: Config{URI: "http://h/a}"}, want: "must be percent-encoded"},
		{name: "bad method", cfg: Config{URI: "http://h", Method: "GE T"}, want: "not an HTTP method"},
		{name: "timeout too short", cfg: Config{URI: "http://h", Timeout: 49 * time.Millisecond}, want: "outside"},
		{name: "timeout too long", cfg: Config{URI: "http://h", Timeout: 30001 * time.Millisecond}, want: "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%q) error = %v; want one containing %q", tt.cfg.URI, err, tt.want)
			}
		})
	}
}

func TestBadURLAfterStageSubstitution(t *testing.T) {
	t.Parallel()
	inv := mustNew(t, Config{URI: "http://${stageVariables.host}/x"})
	_, err := inv.Invoke(context.Background(), newRequest("GET", "/", nil))
	wantKind(t, err, gwerr.InternalServerError)
}

func BenchmarkInvoke(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	b.Cleanup(backend.Close)
	inv := mustNew(b, Config{URI: backend.URL + "/pets/{id}", Method: "ANY"})
	req := newRequest(http.MethodGet, "/pets/42?verbose=1", nil)
	req.RoutePath, req.PathParameters = "/pets/{id}", map[string]string{"id": "42"}
	req.HTTP.Header.Set("Accept", "application/json")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := inv.Invoke(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func TestContentLength(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	t.Cleanup(backend.Close)
	resp := invokeAndClose(t, mustNew(t, Config{URI: backend.URL}), newRequest("GET", "/", nil))
	if resp.ContentLength != 5 {
		t.Errorf("ContentLength = %d; want 5 (sent by the backend)", resp.ContentLength)
	}
}

// TestUnderscoreHeadersNotForwarded: names with underscores, which CGI-style
// backends read as their hyphenated twins, never reach the backend.
func TestUnderscoreHeadersNotForwarded(t *testing.T) {
	t.Parallel()
	srv, got := recordingBackend(t)
	inv := mustNew(t, Config{URI: srv.URL})
	req := newRequest(http.MethodPost, "/x", strings.NewReader("hello"))
	req.HTTP.ContentLength = 5
	req.HTTP.Header["Transfer_Encoding"] = []string{"chunked"}
	req.HTTP.Header["Content_Length"] = []string{"0"}
	req.HTTP.Header["X_User_Id"] = []string{"admin"}
	req.HTTP.Header.Set("X-Kept", "1")
	invokeAndClose(t, inv, req)
	s := <-got
	for k := range s.header {
		if strings.Contains(k, "_") {
			t.Errorf("backend got %s: %q", k, s.header[k])
		}
	}
	if s.header.Get("X-Kept") != "1" {
		t.Error("X-Kept was not forwarded")
	}
}

// BenchmarkOutboundHeader is the header view of a typical proxied request:
// a client header set, Forwarded built from the connection.
func BenchmarkOutboundHeader(b *testing.B) {
	req := newRequest(http.MethodGet, "/pets/42", nil)
	req.HTTP.Header.Set("Accept", "application/json")
	req.HTTP.Header.Set("User-Agent", "wrk")
	req.HTTP.Header.Set("Authorization", "Bearer x")
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3000}
	req.HTTP = req.HTTP.WithContext(context.WithValue(context.Background(), http.LocalAddrContextKey, local))
	b.ReportAllocs()
	for b.Loop() {
		var oh outboundHeader
		oh.init(req, true)
		if oh.n < 3 {
			b.Fatal("no fields added")
		}
	}
}
