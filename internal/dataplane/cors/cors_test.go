package cors

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apigwdev/apigw/internal/model"
)

func ptr[T any](v T) *T { return &v }

func mustCompile(t testing.TB, c *model.CORS) *Policy {
	t.Helper()
	p, err := Compile(c)
	if err != nil {
		t.Fatalf("Compile(%+v): %v", c, err)
	}
	return p
}

// flat renders h as name → values joined with "|", for exact comparison.
func flat(h http.Header) map[string]string {
	m := make(map[string]string, len(h))
	for k, v := range h {
		m[k] = strings.Join(v, "|")
	}
	return m
}

func TestCompile(t *testing.T) {
	t.Parallel()
	if p, err := Compile(nil); p != nil || err != nil {
		t.Errorf("Compile(nil) = %v, %v; want nil, nil", p, err)
	}
	tests := []struct {
		name string
		cfg  model.CORS
		want string // error substring; "" for success
	}{
		{name: "empty configuration", cfg: model.CORS{}},
		{name: "full", cfg: model.CORS{AllowOrigins: []string{"https://a.example", "https://*"}, AllowCredentials: ptr(true),
			AllowMethods: []string{"GET", "*"}, AllowHeaders: []string{"authorization"}, ExposeHeaders: []string{"*"}, MaxAge: ptr(-1)}},
		{name: "credentials with any origin", cfg: model.CORS{AllowOrigins: []string{"*"}, AllowCredentials: ptr(true)},
			want: "allow-credentials is not supported if 'allow-origin' is *"},
		{name: "max age too small", cfg: model.CORS{MaxAge: ptr(-2)}, want: "maxAge -2 is outside -1..86400"},
		{name: "max age too large", cfg: model.CORS{MaxAge: ptr(86401)}, want: "maxAge 86401 is outside"},
		{name: "empty origin", cfg: model.CORS{AllowOrigins: []string{""}}, want: "empty origin"},
		{name: "two wildcards", cfg: model.CORS{AllowOrigins: []string{"https://*.*.example.com"}}, want: "at most one"},
		{name: "origin with space", cfg: model.CORS{AllowOrigins: []string{"https://a b"}}, want: "not allowed in an origin"},
		{name: "origin with comma", cfg: model.CORS{AllowOrigins: []string{"https://a,https://b"}}, want: "not allowed"},
		{name: "method not a token", cfg: model.CORS{AllowMethods: []string{"GE T"}}, want: `allowMethods "GE T": not an HTTP token`},
		{name: "method too long", cfg: model.CORS{AllowMethods: []string{strings.Repeat("M", 65)}}, want: "longer than 64"},
		{name: "header with newline", cfg: model.CORS{AllowHeaders: []string{"x\r\ny"}}, want: "allowHeaders"},
		{name: "expose header empty", cfg: model.CORS{ExposeHeaders: []string{""}}, want: "exposeHeaders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(&tt.cfg)
			switch {
			case tt.want == "" && (err != nil || p == nil):
				t.Errorf("Compile = %v, %v; want a policy", p, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Compile error = %v; want one containing %q", err, tt.want)
			}
		})
	}
	_, err := Compile(&model.CORS{AllowOrigins: []string{"*"}, AllowCredentials: ptr(true)})
	if !errors.Is(err, ErrCredentialsWithAnyOrigin) {
		t.Errorf("error = %v; want ErrCredentialsWithAnyOrigin", err)
	}
}

func TestIsPreflight(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, &model.CORS{AllowOrigins: []string{"*"}})
	tests := []struct {
		name   string
		policy *Policy
		method string
		header map[string]string
		want   bool
	}{
		{name: "preflight", policy: p, method: "OPTIONS",
			header: map[string]string{"Origin": "https://a", "Access-Control-Request-Method": "PUT"}, want: true},
		{name: "no request method", policy: p, method: "OPTIONS", header: map[string]string{"Origin": "https://a"}},
		{name: "no origin", policy: p, method: "OPTIONS", header: map[string]string{"Access-Control-Request-Method": "PUT"}},
		{name: "not OPTIONS", policy: p, method: "GET",
			header: map[string]string{"Origin": "https://a", "Access-Control-Request-Method": "PUT"}},
		{name: "nil policy", policy: nil, method: "OPTIONS",
			header: map[string]string{"Origin": "https://a", "Access-Control-Request-Method": "PUT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "/x", nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if got := tt.policy.IsPreflight(r); got != tt.want {
				t.Errorf("IsPreflight = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestOriginMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		origins []string
		origin  string
		want    string // Access-Control-Allow-Origin; "" when not allowed
	}{
		{name: "exact", origins: []string{"https://www.example.com"}, origin: "https://www.example.com", want: "https://www.example.com"},
		{name: "exact among several", origins: []string{"https://a.example", "http://localhost:3000"},
			origin: "http://localhost:3000", want: "http://localhost:3000"},
		{name: "other origin", origins: []string{"https://www.example.com"}, origin: "https://evil.example.com"},
		{name: "scheme differs", origins: []string{"https://www.example.com"}, origin: "http://www.example.com"},
		{name: "port differs", origins: []string{"https://www.example.com"}, origin: "https://www.example.com:8443"},
		{name: "case ignored, origin echoed", origins: []string{"https://WWW.Example.com"}, origin: "https://www.example.COM",
			want: "https://www.example.COM"},
		{name: "any origin", origins: []string{"*"}, origin: "https://whatever.test", want: "*"},
		{name: "any wins over exact", origins: []string{"https://a.example", "*"}, origin: "https://a.example", want: "*"},
		{name: "any origin with https", origins: []string{"https://*"}, origin: "https://x.test:444", want: "https://x.test:444"},
		{name: "https pattern refuses http", origins: []string{"https://*"}, origin: "http://x.test"},
		{name: "http pattern", origins: []string{"http://*"}, origin: "http://localhost:5173", want: "http://localhost:5173"},
		{name: "subdomain pattern", origins: []string{"https://*.example.com"}, origin: "https://a.b.example.com",
			want: "https://a.b.example.com"},
		{name: "subdomain pattern refuses apex", origins: []string{"https://*.example.com"}, origin: "https://example.com"},
		{name: "subdomain pattern refuses suffix trick", origins: []string{"https://*.example.com"},
			origin: "https://evil.test/.example.com"},
		{name: "subdomain pattern refuses port", origins: []string{"https://*.example.com"}, origin: "https://a.example.com:8443"},
		{name: "null only when listed", origins: []string{"https://a.example"}, origin: "null"},
		{name: "null listed", origins: []string{"null"}, origin: "null", want: "null"},
		{name: "no allowed origins", origins: nil, origin: "https://a.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, &model.CORS{AllowOrigins: tt.origins})
			resp := http.Header{}
			p.Apply(http.Header{"Origin": {tt.origin}}, resp)
			if got := resp.Get("Access-Control-Allow-Origin"); got != tt.want {
				t.Errorf("Access-Control-Allow-Origin = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	t.Parallel()
	full := &model.CORS{
		AllowOrigins: []string{"https://app.example.com"}, AllowCredentials: ptr(true),
		AllowMethods: []string{"GET", "POST", "DELETE"}, AllowHeaders: []string{"Authorization", "Content-Type"},
		ExposeHeaders: []string{"Date", "x-api-id"}, MaxAge: ptr(300),
	}
	preflight := map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE",
		"Access-Control-Request-Headers": "authorization,x-trace"}
	tests := []struct {
		name   string
		cfg    *model.CORS
		header map[string]string
		want   map[string]string // every response header
	}{
		{name: "allowed origin gets every configured header", cfg: full, header: preflight, want: map[string]string{
			"Access-Control-Allow-Origin":      "https://app.example.com",
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods":     "GET,POST,DELETE",
			"Access-Control-Allow-Headers":     "Authorization,Content-Type",
			"Access-Control-Max-Age":           "300",
			"Vary":                             "Origin",
		}},
		{name: "disallowed origin gets no CORS headers", cfg: full, want: map[string]string{},
			header: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}},
		{name: "any origin sends star without vary",
			cfg:    &model.CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"GET"}},
			header: preflight,
			want:   map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET"}},
		{name: "star methods and headers echo the request",
			cfg:    &model.CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"GET", "*"}, AllowHeaders: []string{"*"}},
			header: preflight,
			want: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "DELETE",
				"Access-Control-Allow-Headers": "authorization,x-trace",
				"Vary":                         "Access-Control-Request-Method|Access-Control-Request-Headers"}},
		{name: "star headers without requested headers",
			cfg:    &model.CORS{AllowOrigins: []string{"*"}, AllowHeaders: []string{"*"}},
			header: map[string]string{"Origin": "https://a", "Access-Control-Request-Method": "GET"},
			want:   map[string]string{"Access-Control-Allow-Origin": "*"}},
		{name: "max age -1 sent", cfg: &model.CORS{AllowOrigins: []string{"*"}, MaxAge: ptr(-1)}, header: preflight,
			want: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Max-Age": "-1"}},
		{name: "max age 0 sent", cfg: &model.CORS{AllowOrigins: []string{"*"}, MaxAge: ptr(0)}, header: preflight,
			want: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Max-Age": "0"}},
		{name: "credentials false omitted",
			cfg:    &model.CORS{AllowOrigins: []string{"https://app.example.com"}, AllowCredentials: ptr(false)},
			header: preflight,
			want:   map[string]string{"Access-Control-Allow-Origin": "https://app.example.com", "Vary": "Origin"}},
		{name: "no allowed origins", cfg: &model.CORS{AllowMethods: []string{"GET"}}, header: preflight,
			want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, tt.cfg)
			r := httptest.NewRequest(http.MethodOptions, "/pets", nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			p.Preflight(rec, r)
			if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
				t.Errorf("got %d with %d body bytes; want 204 and no body", rec.Code, rec.Body.Len())
			}
			if got := flat(rec.Header()); !maps.Equal(got, tt.want) {
				t.Errorf("headers = %v\nwant      %v", got, tt.want)
			}
		})
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	allowed := &model.CORS{AllowOrigins: []string{"https://app.example.com"}, AllowCredentials: ptr(true),
		AllowMethods: []string{"GET"}, AllowHeaders: []string{"x-a"}, ExposeHeaders: []string{"Date", "x-api-id"}, MaxAge: ptr(60)}
	integration := map[string]string{ // what the integration answered
		"Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "access-control-allow-methods": "PUT",
		"Access-Control-Expose-Headers": "x-secret", "Vary": "Accept-Encoding",
	}
	tests := []struct {
		name   string
		cfg    *model.CORS
		header map[string]string // request
		resp   map[string]string // integration response; nil means the map above
		want   map[string]string
	}{
		{name: "allowed origin", cfg: allowed, header: map[string]string{"Origin": "https://app.example.com"}, want: map[string]string{
			"Content-Type": "application/json", "Access-Control-Allow-Origin": "https://app.example.com",
			"Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "Date,x-api-id",
			"Vary": "Accept-Encoding|Origin"}},
		{name: "disallowed origin strips integration headers", cfg: allowed,
			header: map[string]string{"Origin": "https://evil.example"},
			want:   map[string]string{"Content-Type": "application/json", "Vary": "Accept-Encoding"}},
		{name: "no origin strips integration headers", cfg: allowed,
			want: map[string]string{"Content-Type": "application/json", "Vary": "Accept-Encoding"}},
		{name: "any origin with star expose", cfg: &model.CORS{AllowOrigins: []string{"*"}, ExposeHeaders: []string{"*"}},
			header: map[string]string{"Origin": "https://x"}, resp: map[string]string{},
			want: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "*"}},
		{name: "vary origin not duplicated", cfg: allowed, header: map[string]string{"Origin": "https://app.example.com"},
			resp: map[string]string{"Vary": "accept, origin"},
			want: map[string]string{"Vary": "accept, origin", "Access-Control-Allow-Origin": "https://app.example.com",
				"Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "Date,x-api-id"}},
		{name: "preflight answered by a route gets preflight headers", cfg: allowed,
			header: map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
			resp:   map[string]string{"Access-Control-Allow-Methods": "PATCH"},
			want: map[string]string{"Access-Control-Allow-Origin": "https://app.example.com",
				"Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "Date,x-api-id",
				"Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "x-a", "Access-Control-Max-Age": "60",
				"Vary": "Origin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, tt.cfg)
			req := http.Header{}
			for k, v := range tt.header {
				req.Set(k, v)
			}
			src := tt.resp
			if src == nil {
				src = integration
			}
			resp := http.Header{}
			for k, v := range src {
				resp[k] = []string{v} // as an integration may send it, not canonicalized
			}
			p.Apply(req, resp)
			if got := flat(resp); !maps.Equal(got, tt.want) {
				t.Errorf("headers = %v\nwant      %v", got, tt.want)
			}
		})
	}
}

// TestSharedValues checks that the header values Apply shares between
// responses (precomputed ones, the request's Origin) are not changed
// through a response that is added to afterwards.
func TestSharedValues(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, &model.CORS{AllowOrigins: []string{"https://a.example"}, AllowCredentials: ptr(true),
		AllowMethods: []string{"GET"}, AllowHeaders: []string{"x-a"}, ExposeHeaders: []string{"x-b"}, MaxAge: ptr(5)})
	req := http.Header{"Origin": {"https://a.example", "https://second.example"}, "Access-Control-Request-Method": {"GET"}}
	first := http.Header{}
	p.Apply(req, first)
	for k := range first {
		first.Add(k, "changed")
	}
	second := http.Header{}
	p.Apply(req, second)
	want := map[string]string{"Access-Control-Allow-Origin": "https://a.example", "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "x-a", "Access-Control-Expose-Headers": "x-b",
		"Access-Control-Max-Age": "5", "Vary": "Origin"}
	if got := flat(second); !maps.Equal(got, want) {
		t.Errorf("second response = %v\nwant               %v", got, want)
	}
	if got := strings.Join(req["Origin"], "|"); got != "https://a.example|https://second.example" {
		t.Errorf("request Origin = %q; want it unchanged", got)
	}
}

func TestNilPolicy(t *testing.T) {
	t.Parallel()
	var p *Policy
	resp := http.Header{"Access-Control-Allow-Origin": {"*"}}
	p.Apply(http.Header{"Origin": {"https://a"}}, resp)
	if resp.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("a nil policy changed the integration's CORS headers; want them kept (no CORS configuration)")
	}
	rec := httptest.NewRecorder()
	p.Preflight(rec, httptest.NewRequest(http.MethodOptions, "/", nil))
	if rec.Code != http.StatusNoContent || len(rec.Header()) != 0 {
		t.Errorf("nil policy preflight = %d %v; want 204 without headers", rec.Code, rec.Header())
	}
}

// TestBrowserPreflight sends what a browser sends before a cross-origin PUT
// with a custom header and credentials, then the actual request, to a server
// wired the way the data plane uses the policy.
func TestBrowserPreflight(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, &model.CORS{
		AllowOrigins: []string{"https://app.example.com"}, AllowCredentials: ptr(true),
		AllowMethods: []string{"GET", "PUT"}, AllowHeaders: []string{"content-type", "x-requested-with"},
		ExposeHeaders: []string{"x-request-count"}, MaxAge: ptr(600),
	})
	var integrationCalls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Apigw-Requestid", "Mc7UVioPPHcEKPA=")
		if p.IsPreflight(r) {
			p.Preflight(w, r)
			return
		}
		integrationCalls.Add(1)
		hdr := http.Header{"Content-Type": {"application/json"}, "Access-Control-Allow-Origin": {"*"}, "X-Request-Count": {"1"}}
		p.Apply(r.Header, hdr)
		maps.Copy(w.Header(), hdr)
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)

	req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/items/1", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-requested-with")
	req.Header.Set("Sec-Fetch-Mode", "cors")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || len(body) != 0 {
		t.Errorf("preflight = %d %q; want 204 with an empty body", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.com",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET,PUT",
		"Access-Control-Allow-Headers":     "content-type,x-requested-with",
		"Access-Control-Max-Age":           "600",
		"Access-Control-Expose-Headers":    "",
		"Apigw-Requestid":                  "Mc7UVioPPHcEKPA=",
		"Vary":                             "Origin",
		"Content-Type":                     "",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("preflight %s = %q; want %q", k, got, want)
		}
	}
	if n := integrationCalls.Load(); n != 0 {
		t.Errorf("the integration was called %d times for a preflight; want 0", n)
	}

	req, _ = http.NewRequest(http.MethodPut, srv.URL+"/items/1", strings.NewReader(`{}`))
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Content-Type", "application/json")
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.com",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers":    "x-request-count",
		"Access-Control-Allow-Methods":     "",
		"Vary":                             "Origin",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("actual %s = %q; want %q", k, got, want)
		}
	}
}

// BenchmarkApply measures Apply on an actual response from an allowed
// origin, with the CORS configuration of bench/gen's "secure" API.
func BenchmarkApply(b *testing.B) {
	p := mustCompile(b, &model.CORS{AllowOrigins: []string{"http://localhost:8080"}, AllowMethods: []string{"GET", "POST"},
		AllowHeaders: []string{"content-type", "authorization"}, ExposeHeaders: []string{"x-request-id"}, MaxAge: ptr(600)})
	req := http.Header{"Origin": {"http://localhost:8080"}, "Authorization": {"Bearer x"}, "User-Agent": {"wrk"}}
	resp := http.Header{"Apigw-Requestid": {"AbCdEfGhIjKlMnO="}, "Content-Type": {"application/json"}, "Date": {"Wed, 25 Nov 2026 06:58:39 GMT"}}
	b.ReportAllocs()
	for b.Loop() {
		p.Apply(req, resp)
		// The next response has no Vary yet.
		delete(resp, "Vary")
	}
	if resp.Get("Access-Control-Allow-Origin") != "http://localhost:8080" {
		b.Fatalf("headers %v", resp)
	}
}
