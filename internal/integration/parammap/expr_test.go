package parammap

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/model"
)

// testRequest is a request to POST /dev/pets/6?... with headers, path
// parameters, stage variables and a JWT authorizer.
func testRequest(body string) *invoke.Request {
	r := httptest.NewRequest("POST", "http://api.example.com/dev/pets/6?q=a%20b&multi=1&multi=2&plus=x+y&empty=&flag", strings.NewReader(body))
	r.Header.Set("X-One", "1")
	r.Header.Add("X-Multi", "a")
	r.Header.Add("X-Multi", "b")
	r.Header.Set("Content-Type", "application/json")
	return &invoke.Request{
		HTTP:           r,
		RequestID:      "req-123",
		APIID:          "api1",
		Stage:          "dev",
		RouteKey:       "POST /pets/{id}",
		RoutePath:      "/pets/{id}",
		Path:           "/pets/6",
		RawPath:        "/dev/pets/6",
		PathParameters: map[string]string{"id": "6", "name": "John Doe"},
		StageVariables: map[string]string{"env": "prod"},
		SourceIP:       "203.0.113.9",
		Authorizer:     &invoke.AuthorizerContext{JWT: &invoke.JWTContext{Claims: map[string]string{"sub": "user-1"}}},
	}
}

func TestParseValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   string
		side    side
		wantErr string // substring; "" for success
	}{
		{name: "header", value: "$request.header.x-one"},
		{name: "querystring", value: "$request.querystring.q"},
		{name: "whole body", value: "$request.body"},
		{name: "body path", value: "$request.body.a.b[0]"},
		{name: "path", value: "$request.path"},
		{name: "path param", value: "$request.path.id"},
		{name: "context", value: "$context.requestId"},
		{name: "authorizer claim", value: "$context.authorizer.claims.sub"},
		{name: "stage variable", value: "$stageVariables.env"},
		{name: "static", value: "hello"},
		{name: "static with dollar", value: "cost: 5$"},
		{name: "braced mix", value: "${request.path.id} and ${stageVariables.env}!"},
		{name: "braced only", value: "${request.header.x}"},
		{name: "stray closing brace", value: "a}b"},
		{name: "response header", value: "$response.header.x", side: sideResponse},
		{name: "response body", value: "$response.body.error.code", side: sideResponse},
		{name: "response whole body", value: "$response.body", side: sideResponse},
		{name: "integration status in response", value: "$context.integration.status", side: sideResponse},

		{name: "empty", value: "", wantErr: "empty"},
		{name: "lone dollar", value: "$", wantErr: "not a known request mapping source"},
		{name: "unknown source", value: "$request.cookie.x", wantErr: "not a known request mapping source"},
		{name: "unterminated", value: "a ${request.path", wantErr: "unterminated ${"},
		{name: "empty braces", value: "${}", wantErr: "not a known"},
		{name: "empty header name", value: "$request.header.", wantErr: "invalid name"},
		{name: "header name with space", value: "$request.header.a b", wantErr: "invalid name"},
		{name: "trailing text after single source", value: "$request.header.x suffix", wantErr: "invalid name"},
		{name: "recursive descent", value: "$request.body..a", wantErr: "recursive descent"},
		{name: "filter", value: "$request.body.a[?(@.x)]", wantErr: "unsupported selector"},
		{name: "unknown context", value: "$context.nope", wantErr: "not a context variable"},
		{name: "context after the response", value: "$context.status", wantErr: "not known yet"},
		{name: "integration status on request side", value: "$context.integration.status", wantErr: "not known yet"},
		{name: "response source on request side", value: "$response.header.x", wantErr: "not a known request"},
		{name: "request source on response side", value: "$request.header.x", side: sideResponse, wantErr: "not a known response"},
		{name: "bad stage variable name", value: "$stageVariables.a-b", wantErr: "invalid name"},
		{name: "bad path param name", value: "$request.path.a/b", wantErr: "invalid name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := parseValue(tt.value, tt.side)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("parseValue(%q): %v", tt.value, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("parseValue(%q) = %v; want error containing %q", tt.value, err, tt.wantErr)
			case err == nil && e.raw != tt.value:
				t.Errorf("raw = %q; want %q", e.raw, tt.value)
			}
		})
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	body := `{"a":{"b":[{"c":1},{"c":"two"}]},"s":"str","n":null,"t":true}`
	tests := []struct {
		name   string
		value  string
		want   string
		absent bool
	}{
		{name: "header", value: "$request.header.X-ONE", want: "1"},
		{name: "multi-valued header", value: "$request.header.x-multi", want: "a,b"},
		{name: "missing header", value: "$request.header.x-none", absent: true},
		{name: "query decoded", value: "$request.querystring.q", want: "a b"},
		{name: "query plus", value: "$request.querystring.plus", want: "x y"},
		{name: "multi-valued query", value: "$request.querystring.multi", want: "1,2"},
		{name: "empty query value", value: "$request.querystring.empty", want: ""},
		{name: "query without =", value: "$request.querystring.flag", want: ""},
		{name: "query case-sensitive", value: "$request.querystring.Q", absent: true},
		{name: "path", value: "$request.path", want: "/pets/6"},
		{name: "path param", value: "$request.path.id", want: "6"},
		{name: "missing path param", value: "$request.path.nope", absent: true},
		{name: "stage variable", value: "$stageVariables.env", want: "prod"},
		{name: "missing stage variable", value: "$stageVariables.nope", absent: true},
		{name: "context", value: "$context.requestId", want: "req-123"},
		{name: "claim", value: "$context.authorizer.claims.sub", want: "user-1"},
		{name: "missing claim", value: "$context.authorizer.claims.nope", absent: true},
		{name: "whole body", value: "$request.body", want: body},
		{name: "body string", value: "$request.body.s", want: "str"},
		{name: "body number", value: "$request.body.a.b[0].c", want: "1"},
		{name: "body object", value: "$request.body.a.b[1]", want: `{"c":"two"}`},
		{name: "body wildcard", value: "$request.body.a.b[*].c", want: `[1,"two"]`},
		{name: "body null", value: "$request.body.n", absent: true},
		{name: "body bool", value: "$request.body.t", want: "true"},
		{name: "body missing", value: "$request.body.zzz", absent: true},
		{name: "static", value: "static", want: "static"},
		{name: "template", value: "${request.path.id}-${stageVariables.env}", want: "6-prod"},
		{name: "template with a missing reference", value: "id=${request.header.nope}", want: "id="},
		{name: "template of missing references only", value: "${request.header.nope}${stageVariables.nope}", absent: true},
		{name: "template with one present reference", value: "${request.header.nope}${stageVariables.env}", want: "prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := parseValue(tt.value, sideRequest)
			if err != nil {
				t.Fatal(err)
			}
			ev := &evalCtx{req: testRequest(body), body: []byte(body)}
			got := e.eval(ev)
			if got.ok == tt.absent || got.s != tt.want {
				t.Errorf("eval(%q) = %q, %v; want %q, %v", tt.value, got.s, got.ok, tt.want, !tt.absent)
			}
		})
	}
}

func TestEvalInvalidJSONBody(t *testing.T) {
	t.Parallel()
	e, err := parseValue("$request.body.a", sideRequest)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"", "not json", `{"a":1`, `{"a":1} trailing`} {
		ev := &evalCtx{req: testRequest(body), body: []byte(body)}
		if v := e.eval(ev); v.ok {
			t.Errorf("body %q: got %q; want absent", body, v.s)
		}
	}
}

// TestConsistentWithModel checks that every value the compiler accepts is
// also accepted by the control plane's validation, so that a stored
// integration never fails to compile for a reason model could have reported.
func TestConsistentWithModel(t *testing.T) {
	t.Parallel()
	values := []string{
		"$request.header.x", "$request.querystring.q", "$request.body", "$request.body.a[0]['b c']",
		"$request.path", "$request.path.id", "$context.requestId", "$stageVariables.v",
		"static", "a ${request.path.id} b", "a}b$c",
	}
	for _, v := range values {
		if _, err := CompileRequest(map[string]string{"overwrite:header.x-test": v}); err != nil {
			t.Errorf("CompileRequest(%q): %v", v, err)
			continue
		}
		if err := modelValidate(map[string]string{"overwrite:header.x-test": v}, nil); err != nil {
			t.Errorf("model refuses %q, which the compiler accepts: %v", v, err)
		}
	}
}

// modelValidate runs the control plane's validation on a minimal HTTP_PROXY
// integration with the given parameters.
func modelValidate(req map[string]string, resp map[string]map[string]string) error {
	in := &model.Integration{
		IntegrationType:      model.IntegrationHTTPProxy,
		IntegrationURI:       "http://backend.example.com",
		IntegrationMethod:    "ANY",
		PayloadFormatVersion: "1.0",
		RequestParameters:    req,
		ResponseParameters:   resp,
	}
	return in.Validate()
}
