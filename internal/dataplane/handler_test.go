package dataplane

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/routekey"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// seen is what the echo invoker reports about the request it got.
type seen struct {
	RouteKey, Stage, Path, RawPath, EscapedPath, BasePath, Domain, DomainPrefix, APIID, RequestID string
	Params                                                                                        map[string]string
	Body                                                                                          string
}

// echoInvoker answers 200 with a JSON description of the resolved request.
var echoInvoker = invoke.InvokerFunc(func(_ context.Context, req *invoke.Request) (*invoke.Response, error) {
	var body []byte
	if req.HTTP.Body != nil {
		var err error
		body, err = io.ReadAll(req.HTTP.Body)
		if err != nil {
			return nil, err
		}
	}
	b, _ := json.Marshal(seen{
		RouteKey: req.RouteKey, Stage: req.Stage, Path: req.Path, RawPath: req.RawPath,
		EscapedPath: req.EscapedPath, BasePath: req.BasePathMatched, Domain: req.DomainName,
		DomainPrefix: req.DomainPrefix, APIID: req.APIID, RequestID: req.RequestID,
		Params: req.PathParameters, Body: string(body),
	})
	return &invoke.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(string(b))),
	}, nil
})

func stage(t *testing.T, apiID, name string, routes ...string) *snapshot.Stage {
	t.Helper()
	keys := make([]*routekey.Key, len(routes))
	rs := make([]*snapshot.Route, len(routes))
	integ := &snapshot.Integration{ID: "int0001", Type: "HTTP_PROXY", Invoker: echoInvoker}
	for i, r := range routes {
		k, err := routekey.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
		rs[i] = &snapshot.Route{Key: k, Integration: integ, AuthorizationType: "NONE"}
	}
	tab, err := routekey.Build(keys)
	if err != nil {
		t.Fatal(err)
	}
	return &snapshot.Stage{APIID: apiID, Name: name, Table: tab, Routes: rs}
}

var workedRoutes = []string{"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"}

// testSnapshot has API "petstore01" (default API) with the worked example of
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html on $default and on stage "prod", API "other00001" with only
// a named stage, API "hidden0001" with the execute-api endpoint disabled, and
// custom domain api.example.com mapping "" → petstore01 $default,
// "v1/orders" → other00001 prod and "v1" → petstore01 prod, and the wildcard
// domain *.example.com mapping "" → other00001 prod.
func testSnapshot(t *testing.T) *snapshot.Snapshot {
	pet := &snapshot.API{ID: "petstore01", Stages: map[string]*snapshot.Stage{}}
	pet.DefaultStage = stage(t, "petstore01", "$default", workedRoutes...)
	pet.Stages["prod"] = stage(t, "petstore01", "prod", workedRoutes...)
	other := &snapshot.API{ID: "other00001", Stages: map[string]*snapshot.Stage{}}
	other.Stages["prod"] = stage(t, "other00001", "prod", "GET /items/{id}")
	hidden := &snapshot.API{ID: "hidden0001", DisableExecuteAPIEndpoint: true, Stages: map[string]*snapshot.Stage{}}
	hidden.DefaultStage = stage(t, "hidden0001", "$default", "$default")
	dom := &snapshot.Domain{Name: "api.example.com", Mappings: []*snapshot.Mapping{
		{Key: "v1/orders", Segments: []string{"v1", "orders"}, API: other, Stage: other.Stages["prod"]},
		{Key: "v1", Segments: []string{"v1"}, API: pet, Stage: pet.Stages["prod"]},
		{Key: "", API: pet, Stage: pet.DefaultStage},
	}}
	hdom := &snapshot.Domain{Name: "hidden.example.com", Mappings: []*snapshot.Mapping{{Key: "", API: hidden, Stage: hidden.DefaultStage}}}
	wdom := &snapshot.Domain{Name: "*.example.com", Mappings: []*snapshot.Mapping{{Key: "", API: other, Stage: other.Stages["prod"]}}}
	return &snapshot.Snapshot{
		Region: "us-east-1", AccountID: "000000000000",
		APIs:            map[string]*snapshot.API{"petstore01": pet, "other00001": other, "hidden0001": hidden},
		Default:         pet,
		Domains:         map[string]*snapshot.Domain{"api.example.com": dom, "hidden.example.com": hdom},
		WildcardDomains: map[string]*snapshot.Domain{".example.com": wdom},
	}
}

func startServer(t *testing.T, s *snapshot.Snapshot) (*httptest.Server, *Handler) {
	t.Helper()
	h := New(s, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`)

type result struct {
	status int
	header http.Header
	body   string
	seen   seen
}

func do(t *testing.T, srv *httptest.Server, method, host, path string, body io.Reader) result {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if id := resp.Header.Get("apigw-requestid"); !requestIDPattern.MatchString(id) {
		t.Errorf("%s %s: apigw-requestid = %q; want 15 chars of [A-Za-z0-9_-] and '='", method, path, id)
	}
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &r.seen); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, path, b, err)
		}
		if r.seen.RequestID != resp.Header.Get("apigw-requestid") {
			t.Errorf("integration saw request id %q; response header %q", r.seen.RequestID, resp.Header.Get("apigw-requestid"))
		}
	}
	return r
}

// TestWorkedExample routes the worked example of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html in
// host style, path style and as the default API, on $default and on a named
// stage.
func TestWorkedExample(t *testing.T) {
	t.Parallel()
	srv, _ := startServer(t, testSnapshot(t))
	table := []struct {
		method, path, want string
		params             map[string]string
	}{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"POST", "/test/5", "ANY /{proxy+}", map[string]string{"proxy": "test/5"}},
		{"GET", "/", "$default", nil},
	}
	styles := []struct {
		name, host, prefix string
	}{
		{"default api", "", ""},
		{"host style", "petstore01.execute-api.localhost:3000", ""},
		{"path style", "", "/_aws/execute-api/petstore01"},
	}
	for _, style := range styles {
		for _, stageName := range []string{"$default", "prod"} {
			for _, tt := range table {
				stagePrefix := ""
				if stageName != "$default" {
					stagePrefix = "/" + stageName
				}
				reqPath := style.prefix + stagePrefix + tt.path
				if tt.path == "/" && stagePrefix != "" {
					reqPath = style.prefix + stagePrefix + "/"
				}
				t.Run(style.name+" "+stageName+" "+tt.method+" "+tt.path, func(t *testing.T) {
					t.Parallel()
					r := do(t, srv, tt.method, style.host, reqPath, nil)
					if r.status != 200 {
						t.Fatalf("status %d body %s", r.status, r.body)
					}
					if r.seen.RouteKey != tt.want || r.seen.Stage != stageName {
						t.Errorf("route %q stage %q; want %q %q", r.seen.RouteKey, r.seen.Stage, tt.want, stageName)
					}
					if len(tt.params) != len(r.seen.Params) {
						t.Errorf("params %v; want %v", r.seen.Params, tt.params)
					}
					for k, v := range tt.params {
						if r.seen.Params[k] != v {
							t.Errorf("param %s = %q; want %q", k, r.seen.Params[k], v)
						}
					}
					if r.seen.Path != tt.path {
						t.Errorf("path %q; want %q", r.seen.Path, tt.path)
					}
					wantRaw := tt.path
					if stagePrefix != "" {
						wantRaw = stagePrefix + tt.path
						if tt.path == "/" {
							wantRaw = stagePrefix
						}
					}
					if r.seen.RawPath != wantRaw {
						t.Errorf("rawPath %q; want %q", r.seen.RawPath, wantRaw)
					}
					if strings.Contains(r.seen.EscapedPath, "_aws") {
						t.Errorf("escaped path %q keeps the path-style prefix", r.seen.EscapedPath)
					}
				})
			}
		}
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	srv, _ := startServer(t, testSnapshot(t))
	cases := []struct{ name, method, host, path string }{
		{"unknown host-style api", "GET", "nope000000.execute-api.localhost", "/pets"},
		{"unknown path-style api", "GET", "", "/_aws/execute-api/nope000000/pets"},
		{"no route no default", "GET", "other00001.execute-api.localhost", "/prod/nothing"},
		{"no default stage", "GET", "other00001.execute-api.localhost", "/items/1"},
		{"disabled endpoint host style", "GET", "hidden0001.execute-api.localhost", "/x"},
		{"disabled endpoint path style", "GET", "", "/_aws/execute-api/hidden0001/x"},
		{"custom domain no mapping match", "GET", "api.example.com", "/v1/orders/nothing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, srv, c.method, c.host, c.path, nil)
			if r.status != 404 || r.body != `{"message":"Not Found"}` {
				t.Errorf("got %d %q; want 404 {\"message\":\"Not Found\"}", r.status, r.body)
			}
			if got := r.header.Get("Content-Length"); got != "23" {
				t.Errorf("content-length %q; want 23", got)
			}
		})
	}
}

func TestCustomDomain(t *testing.T) {
	t.Parallel()
	srv, _ := startServer(t, testSnapshot(t))
	cases := []struct {
		name, host, path          string
		wantAPI, wantStage, route string
		wantPath, wantRaw, base   string
	}{
		{"longest key", "api.example.com", "/v1/orders/items/7", "other00001", "prod", "GET /items/{id}", "/items/7", "/items/7", "v1/orders"},
		{"shorter key", "API.Example.com:8443", "/v1/pets/dog/1", "petstore01", "prod", "GET /pets/dog/1", "/pets/dog/1", "/pets/dog/1", "v1"},
		{"segment aligned", "api.example.com", "/v1x/pets/dog/1", "petstore01", "$default", "ANY /{proxy+}", "/v1x/pets/dog/1", "/v1x/pets/dog/1", ""},
		{"catch-all mapping", "api.example.com", "/pets/cat/1", "petstore01", "$default", "GET /pets/{proxy+}", "/pets/cat/1", "/pets/cat/1", ""},
		{"disabled endpoint still served by domain", "hidden.example.com", "/anything", "hidden0001", "$default", "$default", "/anything", "/anything", ""},
		{"wildcard domain", "tenant7.example.com", "/items/7", "other00001", "prod", "GET /items/{id}", "/items/7", "/items/7", ""},
		{"wildcard domain, port ignored", "Tenant7.example.com:443", "/items/8", "other00001", "prod", "GET /items/{id}", "/items/8", "/items/8", ""},
		{"wildcard covers one label only", "a.b.example.com", "/pets/dog/1", "petstore01", "$default", "GET /pets/dog/1", "/pets/dog/1", "/pets/dog/1", ""},
		{"wildcard does not cover its parent", "example.com", "/pets/dog/1", "petstore01", "$default", "GET /pets/dog/1", "/pets/dog/1", "/pets/dog/1", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, srv, "GET", c.host, c.path, nil)
			if r.status != 200 {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			s := r.seen
			if s.APIID != c.wantAPI || s.Stage != c.wantStage || s.RouteKey != c.route || s.Path != c.wantPath || s.RawPath != c.wantRaw || s.BasePath != c.base {
				t.Errorf("got api %s stage %s route %q path %q raw %q base %q; want %s %s %q %q %q %q",
					s.APIID, s.Stage, s.RouteKey, s.Path, s.RawPath, s.BasePath, c.wantAPI, c.wantStage, c.route, c.wantPath, c.wantRaw, c.base)
			}
			if s.EscapedPath != c.path {
				t.Errorf("escaped path %q; want %q (v1 path keeps the mapping key)", s.EscapedPath, c.path)
			}
		})
	}
}

func TestPathDecoding(t *testing.T) {
	t.Parallel()
	srv, _ := startServer(t, testSnapshot(t))
	r := do(t, srv, "GET", "", "/pets/dog/John%20Doe", nil)
	if r.seen.RouteKey != "GET /pets/dog/{id}" || r.seen.Params["id"] != "John Doe" {
		t.Errorf("got %q %v; want GET /pets/dog/{id} id=John Doe", r.seen.RouteKey, r.seen.Params)
	}
	if r.seen.RawPath != "/pets/dog/John Doe" || r.seen.EscapedPath != "/pets/dog/John%20Doe" {
		t.Errorf("rawPath %q escaped %q", r.seen.RawPath, r.seen.EscapedPath)
	}
	r = do(t, srv, "GET", "", "/pets/dog/a%2Fb", nil)
	if r.seen.RouteKey != "GET /pets/dog/{id}" || r.seen.Params["id"] != "a/b" {
		t.Errorf("encoded slash: got %q %v; want GET /pets/dog/{id} id=a/b", r.seen.RouteKey, r.seen.Params)
	}
	r = do(t, srv, "GET", "", "/pets/%E2%98%95/x", nil)
	if r.seen.Params["proxy"] != "☕/x" {
		t.Errorf("unicode: params %v", r.seen.Params)
	}
	// An encoded stage name selects the stage too.
	r = do(t, srv, "GET", "", "/%70rod/pets/dog/1", nil)
	if r.seen.Stage != "prod" {
		t.Errorf("encoded stage: stage %q", r.seen.Stage)
	}
}

func TestPayloadLimit(t *testing.T) {
	t.Parallel()
	srv, _ := startServer(t, testSnapshot(t))
	big := strings.Repeat("x", MaxPayloadBytes+1)
	r := do(t, srv, "POST", "", "/pets/dog/1x", strings.NewReader(big))
	if r.status != 413 || r.body != `{"message":"Request Entity Too Large"}` {
		t.Errorf("content-length over 10 MB: got %d %q", r.status, r.body)
	}
	// A chunked body (no Content-Length) over the limit is refused while streaming.
	pr, pw := io.Pipe()
	go func() {
		chunk := []byte(strings.Repeat("y", 1<<20))
		for i := 0; i < 11; i++ {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	r = do(t, srv, "POST", "", "/anything", pr)
	if r.status != 413 {
		t.Errorf("chunked body over 10 MB: got %d %q", r.status, r.body)
	}
	// Exactly 10 MB is accepted.
	ok := strings.Repeat("z", MaxPayloadBytes)
	r = do(t, srv, "POST", "", "/anything", strings.NewReader(ok))
	if r.status != 200 || len(r.seen.Body) != MaxPayloadBytes {
		t.Errorf("10 MB body: got %d, integration saw %d bytes", r.status, len(r.seen.Body))
	}
}

func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	srv, _ := startServer(t, testSnapshot(t))
	req, _ := http.NewRequest("GET", srv.URL+"/pets", nil)
	req.Header.Set("X-Big", strings.Repeat("a", MaxHeaderBytes))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d; want 431", resp.StatusCode)
	}
	if resp.Header.Get("apigw-requestid") == "" {
		t.Error("no apigw-requestid on the 431")
	}
}

func TestSwap(t *testing.T) {
	t.Parallel()
	srv, h := startServer(t, nil)
	if r := do(t, srv, "GET", "", "/pets/dog/1", nil); r.status != 404 {
		t.Fatalf("empty handler: %d", r.status)
	}
	h.Swap(testSnapshot(t))
	if r := do(t, srv, "GET", "", "/pets/dog/1", nil); r.status != 200 {
		t.Fatalf("after swap: %d", r.status)
	}
}

func TestNoIntegrationTarget(t *testing.T) {
	t.Parallel()
	s := testSnapshot(t)
	st := stage(t, "petstore01", "$default", "GET /orphan")
	st.Routes[0].Integration = nil
	s.APIs["petstore01"].DefaultStage = st
	srv, _ := startServer(t, s)
	r := do(t, srv, "GET", "", "/orphan", nil)
	if r.status != 500 || r.body != `{"message":"Internal Server Error"}` || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("got %d %q %q", r.status, r.body, r.header.Get("Content-Type"))
	}
}

func FuzzHasDotSegment(f *testing.F) {
	for _, s := range []string{"/a/../b", "/%2e%2e", "/..%2Fx", "/a.b", "/..\\x", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		segs, ok := splitPath(path)
		if !ok {
			return
		}
		if hasDotSegment(segs) {
			return
		}
		// No piece of the decoded path, split on either slash, is a dot
		// segment.
		for _, piece := range strings.FieldsFunc(strings.Join(segs, "/"), func(r rune) bool { return r == '/' || r == '\\' }) {
			if piece == "." || piece == ".." {
				t.Fatalf("hasDotSegment(%q) = false; the decoded path has %q", segs, piece)
			}
		}
	})
}
