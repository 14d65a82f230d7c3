package lambdaproxy

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"flag"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/apigwdev/apigw/internal/goldentest"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

var update = flag.Bool("update", false, "rewrite the golden event files in testdata/events")

// requestTime0 is the request time of every golden case, the time of the
// aws-lambda-go capture apigw-v2-request-no-authorizer.json.
var requestTime0 = time.UnixMilli(1587481701067).UTC()

// eventCase is one request whose 2.0 and 1.0 events are golden files.
type eventCase struct {
	name string
	body []byte
	req  func(t *testing.T, body []byte) *invoke.Request
}

// newHTTP builds the client's request as the Go server hands it over: target
// is an absolute URL (https means TLS), headers are added in order.
func newHTTP(method, target string, body []byte, headers ...string) *http.Request {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

// base fills the fields every golden case shares: the capture's API, account,
// request id and time.
func base(r *http.Request) *invoke.Request {
	host := r.Host
	return &invoke.Request{
		HTTP:         r,
		RequestID:    "LV7fzho-PHcEJPw=",
		Time:         requestTime0,
		AccountID:    "123456789012",
		Region:       "us-west-2",
		APIID:        "aaaaaaaaaa",
		Stage:        "$default",
		RouteKey:     "$default",
		RoutePath:    "$default",
		DomainName:   host,
		DomainPrefix: strings.Split(host, ".")[0],
		Path:         r.URL.Path,
		RawPath:      r.URL.Path,
		EscapedPath:  r.URL.EscapedPath(),
		SourceIP:     "1.2.3.4",
	}
}

const execHost = "https://aaaaaaaaaa.execute-api.us-west-2.amazonaws.com"

func eventCases() []eventCase {
	curl := []string{"Accept", "*/*", "User-Agent", "curl/7.58.0", "X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"}
	return []eventCase{
		{
			// The request of aws-lambda-go's real capture
			// apigw-v2-request-no-authorizer.json (see TestEventV2MatchesCapture).
			name: "get-root-default",
			req: func(t *testing.T, body []byte) *invoke.Request {
				return base(newHTTP("GET", execHost+"/", body, curl...))
			},
		},
		{
			name: "post-json-query",
			body: []byte(`{"name":"Rex","tags":["<a>&b"]}`),
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("POST", execHost+"/pets?q=Hello%20World&tag=C%23%20Programming&tag=.NET%20Core&colors[]=blue&colors[]=red&flag&empty=&plus=a+b&pct=100%25&bad=%zz&&caf%C3%A9=%E2%98%95",
					body, append(curl, "Content-Type", "application/json; charset=UTF-8", "Accept", "application/json", "X-Custom", "one", "X-Custom", "two, three")...)
				req := base(r)
				req.RouteKey, req.RoutePath = "POST /pets", "/pets"
				return req
			},
		},
		{
			name: "cookies",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", execHost+"/profile", body,
					append(curl, "Cookie", "session=abc123; theme=dark", "Cookie", "lang=en;;")...)
				req := base(r)
				req.RouteKey, req.RoutePath = "GET /profile", "/profile"
				return req
			},
		},
		{
			name: "form-urlencoded",
			body: []byte("name=Rex&kind=good+dog"),
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("POST", execHost+"/forms", body,
					append(curl, "Content-Type", "application/x-www-form-urlencoded")...)
				req := base(r)
				req.RouteKey, req.RoutePath = "POST /forms", "/forms"
				return req
			},
		},
		{
			name: "binary-body",
			body: []byte{1, 2, 3, 4, 5},
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("PUT", execHost+"/blobs/1", body,
					append(curl, "Content-Type", "application/octet-stream")...)
				req := base(r)
				req.RouteKey, req.RoutePath = "PUT /blobs/{id}", "/blobs/{id}"
				req.PathParameters = map[string]string{"id": "1"}
				return req
			},
		},
		{
			name: "stage-dev-greedy",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", execHost+"/dev/pets/6/files/docs/a.txt", body, curl...)
				req := base(r)
				req.Stage = "dev"
				req.RouteKey, req.RoutePath = "GET /pets/{id}/files/{proxy+}", "/pets/{id}/files/{proxy+}"
				req.Path = "/pets/6/files/docs/a.txt"
				req.PathParameters = map[string]string{"id": "6", "proxy": "docs/a.txt"}
				req.StageVariables = map[string]string{"backend": "127.0.0.1:8080", "fn": "pets"}
				return req
			},
		},
		{
			name: "custom-domain-mapping",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", "https://api.example.com/v1/orders/pets/6", body, curl...)
				req := base(r)
				req.RouteKey, req.RoutePath = "GET /pets/{id}", "/pets/{id}"
				req.BasePathMatched = "v1/orders"
				req.Path, req.RawPath = "/pets/6", "/pets/6"
				req.PathParameters = map[string]string{"id": "6"}
				return req
			},
		},
		{
			name: "unicode-path",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", execHost+"/users/John%20Doe/orders/%E2%98%95", body, curl...)
				req := base(r)
				req.RouteKey, req.RoutePath = "GET /users/{username}/orders/{item}", "/users/{username}/orders/{item}"
				req.PathParameters = map[string]string{"username": "John Doe", "item": "☕"}
				return req
			},
		},
		{
			name: "jwt-authorizer",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", execHost+"/me", body, append(curl, "Authorization", "Bearer eyJ.x.y")...)
				req := base(r)
				req.RouteKey, req.RoutePath = "GET /me", "/me"
				req.Authorizer = &invoke.AuthorizerContext{JWT: &invoke.JWTContext{Claims: map[string]string{
					"sub": "6418b458-0000", "exp": "1787996002", "scope": "res/a res/b", "cognito:groups": "[admin poweruser]",
				}}}
				return req
			},
		},
		{
			name: "jwt-authorizer-scopes",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", execHost+"/me", body, append(curl, "Authorization", "Bearer eyJ.x.y")...)
				req := base(r)
				req.RouteKey, req.RoutePath = "GET /me", "/me"
				req.Authorizer = &invoke.AuthorizerContext{JWT: &invoke.JWTContext{
					Claims: map[string]string{"sub": "u1", "scope": "res/a res/b"},
					Scopes: []string{"res/a", "res/b"},
				}}
				return req
			},
		},
		{
			name: "lambda-authorizer",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", execHost+"/me", body, append(curl, "Authorization", "secret")...)
				req := base(r)
				req.RouteKey, req.RoutePath = "GET /me", "/me"
				req.Authorizer = &invoke.AuthorizerContext{
					Lambda:      map[string]any{"key": "value", "numKey": 1.0, "boolKey": true, "nested": map[string]any{"a": "b"}},
					PrincipalID: "user-1",
				}
				return req
			},
		},
		{
			name: "lambda-authorizer-no-context",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", execHost+"/me", body, curl...)
				req := base(r)
				req.RouteKey, req.RoutePath = "GET /me", "/me"
				req.Authorizer = &invoke.AuthorizerContext{}
				return req
			},
		},
		{
			name: "iam-authorizer",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", execHost+"/me", body, append(curl, "Authorization", "AWS4-HMAC-SHA256 Credential=...", "X-Amz-Date", "20200421T150821Z")...)
				req := base(r)
				req.RouteKey, req.RoutePath = "GET /me", "/me"
				req.Authorizer = &invoke.AuthorizerContext{IAM: &invoke.IAMContext{
					AccessKey: "AKIAEXAMPLEALICE", AccountID: "123456789012", CallerID: "AIDAEXAMPLEALICE",
					UserARN: "arn:aws:iam::123456789012:user/alice", UserID: "AIDAEXAMPLEALICE",
				}}
				return req
			},
		},
		{
			// A local listener without TLS, an HTTP/2 client (lower-case
			// names on the wire), a client X-Forwarded-For, hop-by-hop
			// headers and no trace id (generated).
			name: "plain-http-h2",
			body: []byte("hello"),
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("POST", "http://localhost:3000/echo", body,
					"User-Agent", "curl/8.5.0", "Accept", "*/*", "Content-Type", "text/plain",
					"X-Forwarded-For", "10.0.0.1", "Connection", "keep-alive, X-Hop", "X-Hop", "1",
					"Keep-Alive", "timeout=5", "Te", "trailers", "Host", "evil.example", "X-Forwarded-Proto", "https")
				r.ProtoMajor, r.ProtoMinor, r.Proto = 2, 0, "HTTP/2.0"
				r.TLS = nil
				addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3000}
				r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, addr))
				req := base(r)
				req.DomainName, req.DomainPrefix = "localhost", "localhost"
				req.RouteKey, req.RoutePath = "POST /echo", "/echo"
				req.SourceIP = "127.0.0.1"
				return req
			},
		},
		{
			// The request of a real 1.0 capture (curl over HTTP/2 to a named
			// stage, route ANY /data_recorder_01).
			name: "v1-capture-shape",
			body: []byte(`{"Message": "Test123"}`),
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("POST", "https://x4nbaf67j9.execute-api.eu-central-1.amazonaws.com/sandbox/data_recorder_01", body,
					"user-agent", "curl/7.68.0", "accept", "*/*", "content-type", "application/json")
				r.ProtoMajor, r.ProtoMinor, r.Proto = 2, 0, "HTTP/2.0"
				req := base(r)
				req.APIID = "x4nbaf67j9"
				req.RequestID = "XKVA0jtIliAEPtA="
				req.Stage = "sandbox"
				req.RouteKey, req.RoutePath = "ANY /data_recorder_01", "/data_recorder_01"
				req.Path = "/data_recorder_01"
				return req
			},
		},
		{
			name: "mtls",
			req: func(t *testing.T, body []byte) *invoke.Request {
				r := newHTTP("GET", "https://api.example.com/", body, curl...)
				r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{testCert(t)}}
				return base(r)
			},
		},
	}
}

// testCert returns a deterministic client certificate (Ed25519 signatures
// need no randomness).
func testCert(t *testing.T) *x509.Certificate {
	t.Helper()
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	name := pkix.Name{Country: []string{"US"}, Province: []string{"Washington"}, Locality: []string{"Seattle"},
		Organization: []string{"Amazon Web Services"}, OrganizationalUnit: []string{"Security"}}
	subject, issuer := name, name
	subject.CommonName, issuer.CommonName = "My Client", "My Private CA"
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      subject,
		NotBefore:    time.Date(2020, 8, 29, 0, 28, 21, 0, time.UTC),
		NotAfter:     time.Date(2120, 8, 5, 0, 28, 21, 0, time.UTC),
	}
	parent := &x509.Certificate{Subject: issuer}
	der, err := x509.CreateCertificate(bytes.NewReader(make([]byte, 1024)), tmpl, parent, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGoldenEvents(t *testing.T) {
	for _, tc := range eventCases() {
		for _, version := range []string{"v2", "v1"} {
			t.Run(tc.name+"."+version, func(t *testing.T) {
				req := tc.req(t, tc.body)
				build := BuildEventV2
				if version == "v1" {
					build = BuildEventV1
				}
				got, err := build(req, tc.body)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "events", tc.name+"."+version+".json")
				assertGolden(t, path, got)
			})
		}
	}
}

// assertGolden compares an event with its golden file (goldentest.AssertJSON).
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldentest.AssertJSON(t, path, got, *update)
}

// TestEventV2MatchesCapture checks the event of the capture's request against
// aws-lambda-go's real capture apigw-v2-request-no-authorizer.json, whose
// "authentication" member (mutual TLS, added to the sample by hand) is
// removed.
func TestEventV2MatchesCapture(t *testing.T) {
	const capture = `{"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"",
 "headers":{"accept":"*/*","content-length":"0","host":"aaaaaaaaaa.execute-api.us-west-2.amazonaws.com",
  "user-agent":"curl/7.58.0","x-amzn-trace-id":"Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
  "x-forwarded-for":"1.2.3.4","x-forwarded-port":"443","x-forwarded-proto":"https"},
 "requestContext":{"accountId":"123456789012","apiId":"aaaaaaaaaa",
  "domainName":"aaaaaaaaaa.execute-api.us-west-2.amazonaws.com","domainPrefix":"aaaaaaaaaa",
  "http":{"method":"GET","path":"/","protocol":"HTTP/1.1","sourceIp":"1.2.3.4","userAgent":"curl/7.58.0"},
  "requestId":"LV7fzho-PHcEJPw=","routeKey":"$default","stage":"$default",
  "time":"21/Apr/2020:15:08:21 +0000","timeEpoch":1587481701067},
 "isBase64Encoded":false}`
	tc := eventCases()[0]
	got, err := BuildEventV2(tc.req(t, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(capture)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, compact.Bytes()) {
		t.Fatalf("event differs from the capture\ngot:  %s\nwant: %s", got, compact.Bytes())
	}
}

// TestEventsRoundTrip decodes every golden case's events with aws-lambda-go's
// types, as a real function would, and checks what the function sees.
func TestEventsRoundTrip(t *testing.T) {
	for _, tc := range eventCases() {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req(t, tc.body)
			b2, err := BuildEventV2(req, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			var e2 events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(b2, &e2); err != nil {
				t.Fatal(err)
			}
			if e2.Version != "2.0" || e2.RouteKey != req.RouteKey || e2.RequestContext.RouteKey != req.RouteKey {
				t.Errorf("version/routeKey = %q/%q/%q", e2.Version, e2.RouteKey, e2.RequestContext.RouteKey)
			}
			if e2.RawPath != reqfacts.RawPath(req) || e2.RequestContext.HTTP.Path != e2.RawPath {
				t.Errorf("rawPath = %q, http.path = %q; want %q", e2.RawPath, e2.RequestContext.HTTP.Path, reqfacts.RawPath(req))
			}
			if e2.RawQueryString != req.HTTP.URL.RawQuery {
				t.Errorf("rawQueryString = %q; want %q", e2.RawQueryString, req.HTTP.URL.RawQuery)
			}
			if got := decodedBody(t, e2.Body, e2.IsBase64Encoded); !bytes.Equal(got, tc.body) {
				t.Errorf("body = %q; want %q", got, tc.body)
			}
			if e2.Headers["content-length"] != itoa(len(tc.body)) {
				t.Errorf("content-length = %q; want %d", e2.Headers["content-length"], len(tc.body))
			}
			for name := range e2.Headers {
				if name != strings.ToLower(name) {
					t.Errorf("2.0 header %q is not lower-case", name)
				}
			}
			if _, ok := e2.Headers["cookie"]; ok {
				t.Error("2.0 headers keep the cookie header")
			}
			if !reflect.DeepEqual(nilIfEmpty(e2.PathParameters), nilIfEmpty(req.PathParameters)) {
				t.Errorf("pathParameters = %v; want %v", e2.PathParameters, req.PathParameters)
			}
			if !reflect.DeepEqual(nilIfEmpty(e2.StageVariables), nilIfEmpty(req.StageVariables)) {
				t.Errorf("stageVariables = %v; want %v", e2.StageVariables, req.StageVariables)
			}
			rc := e2.RequestContext
			if rc.RequestID != req.RequestID || rc.Stage != req.Stage || rc.APIID != req.APIID ||
				rc.AccountID != req.AccountID || rc.DomainName != req.DomainName || rc.HTTP.SourceIP != req.SourceIP ||
				rc.HTTP.Method != req.HTTP.Method || rc.HTTP.Protocol != "HTTP/1.1" {
				t.Errorf("requestContext = %+v", rc)
			}
			if rc.TimeEpoch != requestTime0.UnixMilli() || rc.Time != "21/Apr/2020:15:08:21 +0000" {
				t.Errorf("time = %q, %d", rc.Time, rc.TimeEpoch)
			}
			checkAuthorizerV2(t, req.Authorizer, rc.Authorizer)

			b1, err := BuildEventV1(req, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			var e1 events.APIGatewayProxyRequest
			if err := json.Unmarshal(b1, &e1); err != nil {
				t.Fatal(err)
			}
			if e1.Path != req.EscapedPath || e1.Resource != req.RoutePath || e1.HTTPMethod != req.HTTP.Method {
				t.Errorf("path/resource/method = %q/%q/%q", e1.Path, e1.Resource, e1.HTTPMethod)
			}
			if got := decodedBody(t, e1.Body, e1.IsBase64Encoded); !bytes.Equal(got, tc.body) {
				t.Errorf("1.0 body = %q; want %q", got, tc.body)
			}
			for name, v := range e1.Headers {
				mv := e1.MultiValueHeaders[name]
				if len(mv) == 0 || mv[len(mv)-1] != v {
					t.Errorf("1.0 header %q = %q; multiValueHeaders %q", name, v, mv)
				}
			}
			if len(e1.Headers) != len(e1.MultiValueHeaders) {
				t.Errorf("1.0 headers has %d names, multiValueHeaders %d", len(e1.Headers), len(e1.MultiValueHeaders))
			}
			for name, v := range e1.QueryStringParameters {
				mv := e1.MultiValueQueryStringParameters[name]
				if len(mv) == 0 || mv[len(mv)-1] != v {
					t.Errorf("1.0 query %q = %q; multi %q", name, v, mv)
				}
			}
			rc1 := e1.RequestContext
			if rc1.ResourceID != req.RouteKey || rc1.ResourcePath != req.RoutePath || rc1.ExtendedRequestID != req.RequestID ||
				rc1.RequestID != req.RequestID || rc1.Identity.SourceIP != req.SourceIP || rc1.Stage != req.Stage ||
				rc1.Identity.UserAgent != req.HTTP.Header.Get("User-Agent") || rc1.RequestTimeEpoch != requestTime0.UnixMilli() {
				t.Errorf("1.0 requestContext = %+v", rc1)
			}
		})
	}
}

func checkAuthorizerV2(t *testing.T, want *invoke.AuthorizerContext, got *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) {
	t.Helper()
	switch {
	case want == nil:
		if got != nil {
			t.Errorf("authorizer = %+v; want none", got)
		}
	case want.JWT != nil:
		if got == nil || got.JWT == nil || !reflect.DeepEqual(got.JWT.Claims, want.JWT.Claims) || !reflect.DeepEqual(got.JWT.Scopes, want.JWT.Scopes) {
			t.Errorf("jwt authorizer = %+v; want %+v", got, want.JWT)
		}
	case want.IAM != nil:
		if got == nil || got.IAM == nil || got.IAM.AccessKey != want.IAM.AccessKey || got.IAM.UserARN != want.IAM.UserARN ||
			got.IAM.CallerID != want.IAM.CallerID || got.IAM.UserID != want.IAM.UserID || got.IAM.AccountID != want.IAM.AccountID {
			t.Errorf("iam authorizer = %+v; want %+v", got, want.IAM)
		}
	default:
		if got == nil || got.Lambda == nil || len(got.Lambda) != len(want.Lambda) {
			t.Errorf("lambda authorizer = %+v; want %v", got, want.Lambda)
		}
	}
}

func decodedBody(t *testing.T, body string, b64 bool) []byte {
	t.Helper()
	if !b64 {
		if body == "" {
			return nil
		}
		return []byte(body)
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return b
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func TestGeneratedTraceID(t *testing.T) {
	r := newHTTP("GET", execHost+"/", nil)
	req := base(r)
	ev, err := BuildEventV2(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(ev, &e); err != nil {
		t.Fatal(err)
	}
	// Root=1-{8 hex epoch seconds}-{24 hex} (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
	want := regexp.MustCompile(`^Root=1-5e9f0c65-[0-9a-f]{24}$`) // 0x5e9f0c65 = 1587481701
	if got := e.Headers["x-amzn-trace-id"]; !want.MatchString(got) {
		t.Errorf("x-amzn-trace-id = %q; want %v", got, want)
	}
	req.RequestID = "another-request="
	ev2, _ := BuildEventV2(req, nil)
	if bytes.Equal(ev, ev2) {
		t.Error("two requests got the same trace id")
	}
}

func TestBodyEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		contentType string
		body        []byte
		wantB64     bool
	}{
		{"text/plain", []byte("hi"), false},
		{"TEXT/HTML; charset=utf-8", []byte("<p>"), false},
		{"text/csv", []byte("a,b"), false},
		{"application/json", []byte(`{}`), false},
		{"Application/JSON;charset=UTF-8", []byte(`{}`), false},
		{"application/xml", []byte(`<a/>`), false},
		{"application/javascript", []byte(`x()`), false},
		{"", []byte("no content type"), true},
		{"application/x-www-form-urlencoded", []byte("a=1"), true},
		{"multipart/form-data; boundary=x", []byte("--x"), true},
		{"application/octet-stream", []byte{1, 2}, true},
		{"image/png", []byte{0x89, 'P'}, true},
		{"application/problem+json", []byte(`{}`), true},
		{"text/plain", []byte{0xff, 0xfe}, true}, // not UTF-8
		{"text/plain", nil, false},
	}
	for _, tt := range tests {
		body, b64 := encodeBody(tt.contentType, tt.body)
		if b64 != tt.wantB64 {
			t.Errorf("encodeBody(%q, %q) base64 = %v; want %v", tt.contentType, tt.body, b64, tt.wantB64)
		}
		if got := decodedBody(t, body, b64); !bytes.Equal(got, tt.body) {
			t.Errorf("encodeBody(%q, %q) = %q", tt.contentType, tt.body, body)
		}
	}
}
