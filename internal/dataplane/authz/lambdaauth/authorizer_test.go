package lambdaauth

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
)

func policy(principal, effect, resource string, extra string) string {
	return `{"principalId":"` + principal + `","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"` +
		effect + `","Resource":"` + resource + `"}]}` + extra + `}`
}

const petsARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request"

func TestResponses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		version string
		simple  bool
		payload string
		status  int
		lambda  map[string]any
		princ   string
	}{
		{"simple allow", "2.0", true, `{"isAuthorized":true,"context":{"k":"v","n":1,"b":true,"arr":["a","b"],"obj":{"x":"y"}}}`, 200,
			map[string]any{"k": "v", "n": json.Number("1"), "b": true, "arr": []any{"a", "b"}, "obj": map[string]any{"x": "y"}}, ""},
		{"simple allow without context", "2.0", true, `{"isAuthorized":true}`, 200, map[string]any{}, ""},
		{"simple null context", "2.0", true, `{"isAuthorized":true,"context":null}`, 200, map[string]any{}, ""},
		{"simple deny", "2.0", true, `{"isAuthorized":false,"context":{"k":"v"}}`, 403, nil, ""},
		{"simple missing isAuthorized", "2.0", true, `{"context":{}}`, 500, nil, ""},
		{"simple string isAuthorized", "2.0", true, `{"isAuthorized":"true"}`, 500, nil, ""},
		{"simple null isAuthorized", "2.0", true, `{"isAuthorized":null}`, 500, nil, ""},
		{"simple policy answer", "2.0", true, policy("u", "Allow", "*", ""), 500, nil, ""},
		{"simple context not object", "2.0", true, `{"isAuthorized":true,"context":[1]}`, 500, nil, ""},
		{"policy allow 1.0", "1.0", false, policy("user-42", "Allow", petsARN, `,"context":{"k":"v","n":1}`), 200,
			map[string]any{"k": "v", "n": json.Number("1")}, "user-42"},
		{"policy allow 2.0", "2.0", false, policy("user-42", "Allow", "arn:aws:execute-api:*:*:abcdef123/*", ""), 200, map[string]any{}, "user-42"},
		{"policy wildcard ?", "2.0", false, policy("u", "Allow", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/tes?/GET/*", ""), 200, map[string]any{}, "u"},
		{"policy for another route", "1.0", false, policy("u", "Allow", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/POST/request", ""), 403, nil, ""},
		{"policy for another stage", "1.0", false, policy("u", "Allow", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*", ""), 403, nil, ""},
		{"policy deny", "1.0", false, policy("u", "Deny", "*", ""), 403, nil, ""},
		{"deny and allow on the same ARN", "2.0", false, `{"principalId":"u","policyDocument":{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + petsARN +
			`"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"` + petsARN + `"}]}}`, 403, nil, ""},
		{"statement object", "1.0", false, `{"principalId":"u","policyDocument":{"Statement":{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}}}`, 200, map[string]any{}, "u"},
		{"other action", "1.0", false, `{"principalId":"u","policyDocument":{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}]}}`, 403, nil, ""},
		{"conditional allow", "1.0", false, `{"principalId":"u","policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*","Condition":{"Bool":{"x":"true"}}}]}}`, 403, nil, ""},
		{"no principalId", "1.0", false, `{"policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}]}}`, 500, nil, ""},
		{"numeric principalId", "1.0", false, `{"principalId":42,"policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}]}}`, 500, nil, ""},
		{"no policyDocument", "1.0", false, `{"principalId":"u"}`, 500, nil, ""},
		{"empty statement list", "1.0", false, `{"principalId":"u","policyDocument":{"Statement":[]}}`, 500, nil, ""},
		{"bad effect", "1.0", false, `{"principalId":"u","policyDocument":{"Statement":[{"Action":"*","Effect":"allow","Resource":"*"}]}}`, 500, nil, ""},
		{"claims in 1.0 context", "1.0", false, policy("u", "Allow", "*", `,"context":{"claims":"x"}`), 500, nil, ""},
		{"claims in 2.0 context", "2.0", false, policy("u", "Allow", "*", `,"context":{"claims":"x"}`), 200, map[string]any{"claims": "x"}, "u"},
		{"isAuthorized ignored without simple responses", "2.0", false, `{"isAuthorized":true}`, 500, nil, ""},
		{"not JSON", "2.0", true, `Allow`, 500, nil, ""},
		{"JSON string", "2.0", true, `"Allow"`, 500, nil, ""},
		{"JSON null", "2.0", true, `null`, 500, nil, ""},
		{"empty", "1.0", false, ``, 500, nil, ""},
		{"trailing data", "2.0", true, `{"isAuthorized":true} {"isAuthorized":false}`, 500, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, fc, _ := newAuthorizer(t, Config{PayloadFormatVersion: c.version, EnableSimpleResponses: c.simple}, answer(c.payload))
			res := run(t, a, newRequest("GET", "/test/request"))
			if res.status != c.status {
				t.Fatalf("status %d (%s); want %d", res.status, res.cause, c.status)
			}
			if fc.calls() != 1 {
				t.Errorf("%d calls", fc.calls())
			}
			if c.status == 200 && (!reflect.DeepEqual(res.ctx.Lambda, c.lambda) || res.ctx.PrincipalID != c.princ) {
				t.Errorf("context %#v principal %q; want %#v %q", res.ctx.Lambda, res.ctx.PrincipalID, c.lambda, c.princ)
			}
		})
	}
}

func TestIdentitySourceMissing(t *testing.T) {
	t.Parallel()
	sources := []string{"$request.header.Auth", "$request.querystring.tenant", "$stageVariables.env", "$context.routeKey"}
	cases := []struct {
		name   string
		target string
		header []string
		vars   map[string]string
		status int
	}{
		{"all present", "/test/request?tenant=a", []string{"Auth", "t"}, map[string]string{"env": "dev"}, 200},
		{"header name any case", "/test/request?tenant=a", []string{"AUTH", "t"}, map[string]string{"env": "dev"}, 200},
		{"header missing", "/test/request?tenant=a", nil, map[string]string{"env": "dev"}, 401},
		{"header empty", "/test/request?tenant=a", []string{"Auth", ""}, map[string]string{"env": "dev"}, 401},
		{"query missing", "/test/request", []string{"Auth", "t"}, map[string]string{"env": "dev"}, 401},
		{"query name case", "/test/request?Tenant=a", []string{"Auth", "t"}, map[string]string{"env": "dev"}, 401},
		{"query empty", "/test/request?tenant=", []string{"Auth", "t"}, map[string]string{"env": "dev"}, 401},
		{"query without value", "/test/request?tenant", []string{"Auth", "t"}, map[string]string{"env": "dev"}, 401},
		{"stage variable missing", "/test/request?tenant=a", []string{"Auth", "t"}, nil, 401},
		{"stage variable empty", "/test/request?tenant=a", []string{"Auth", "t"}, map[string]string{"env": ""}, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, fc, _ := newAuthorizer(t, Config{PayloadFormatVersion: "2.0", EnableSimpleResponses: true, IdentitySource: sources}, answer(`{"isAuthorized":true}`))
			req := newRequest("GET", c.target, c.header...)
			req.StageVariables = c.vars
			res := run(t, a, req)
			if res.status != c.status {
				t.Fatalf("status %d (%s); want %d", res.status, res.cause, c.status)
			}
			if want := map[bool]int{true: 1, false: 0}[c.status == 200]; fc.calls() != want {
				t.Errorf("function called %d times; want %d", fc.calls(), want)
			}
			if c.status == 401 && strings.Contains(res.cause, "\"t\"") {
				t.Errorf("cause shows an identity value: %s", res.cause)
			}
		})
	}
	// Without identity sources the function is called for every request.
	a, fc, _ := newAuthorizer(t, Config{PayloadFormatVersion: "2.0", EnableSimpleResponses: true}, answer(`{"isAuthorized":true}`))
	for range 3 {
		run(t, a, newRequest("GET", "/test/request"))
	}
	if fc.calls() != 3 {
		t.Errorf("%d calls without identity sources; want 3", fc.calls())
	}
}

func TestCaching(t *testing.T) {
	t.Parallel()
	cache := NewCache(0)
	cfg := Config{PayloadFormatVersion: "2.0", IdentitySource: []string{"$request.header.Authorization"}, TTL: 300 * time.Second, Cache: cache}
	// The policy allows only the route of the first request (a known pitfall of cached policies).
	respond := func(_ context.Context, ev []byte) (*lambdacall.CallResult, error) {
		var e events.APIGatewayV2CustomAuthorizerV2Request
		if err := json.Unmarshal(ev, &e); err != nil {
			return nil, err
		}
		if e.IdentitySource[0] == "deny" {
			return &lambdacall.CallResult{Payload: []byte(policy("u", "Deny", "*", ""))}, nil
		}
		return &lambdacall.CallResult{Payload: []byte(policy("u-"+e.IdentitySource[0], "Allow", e.RouteArn, `,"context":{"n":1}`))}, nil
	}
	a, fc, clk := newAuthorizer(t, cfg, respond)
	get := func(path, token string) int { return run(t, a, newRequest("GET", path, "Authorization", token)).status }

	if s := get("/test/request", "tok-a"); s != 200 {
		t.Fatalf("first: %d", s)
	}
	if s := get("/test/request", "tok-a"); s != 200 || fc.calls() != 1 {
		t.Fatalf("hit: %d, %d calls", s, fc.calls())
	}
	// Same key, other route: the cached policy is evaluated again and denies.
	if s := get("/test/other", "tok-a"); s != 403 || fc.calls() != 1 {
		t.Errorf("cached policy on another route: %d, %d calls", s, fc.calls())
	}
	// Another key: a miss.
	if s := get("/test/other", "tok-b"); s != 200 || fc.calls() != 2 {
		t.Errorf("other key: %d, %d calls", s, fc.calls())
	}
	// Denials are cached too.
	get("/test/request", "deny")
	if s := get("/test/request", "deny"); s != 403 || fc.calls() != 3 {
		t.Errorf("cached deny: %d, %d calls", s, fc.calls())
	}
	// TTL: still cached just before, refetched at the TTL.
	clk.Add(299 * time.Second)
	if get("/test/request", "tok-a"); fc.calls() != 3 {
		t.Errorf("before the TTL: %d calls", fc.calls())
	}
	clk.Add(time.Second)
	if get("/test/request", "tok-a"); fc.calls() != 4 {
		t.Errorf("at the TTL: %d calls", fc.calls())
	}
	// The context of a cached result is a copy per request.
	r1 := run(t, a, newRequest("GET", "/test/request", "Authorization", "tok-a"))
	r1.ctx.Lambda["n"] = "changed"
	if r2 := run(t, a, newRequest("GET", "/test/request", "Authorization", "tok-a")); r2.ctx.Lambda["n"] != json.Number("1") {
		t.Errorf("cached context was modified through a request: %v", r2.ctx.Lambda)
	}
	// ResetStage and Reset.
	n := fc.calls()
	cache.ResetStage("abcdef123", "prod")
	if get("/test/request", "tok-a"); fc.calls() != n {
		t.Errorf("ResetStage of another stage dropped the entry")
	}
	cache.ResetStage("abcdef123", "test")
	if get("/test/request", "tok-a"); fc.calls() != n+1 {
		t.Errorf("ResetStage kept the entry")
	}
	cache.Reset()
	if get("/test/request", "tok-a"); fc.calls() != n+2 || cache.Len() != 1 {
		t.Errorf("Reset kept the entry")
	}
}

func TestCacheKeys(t *testing.T) {
	t.Parallel()
	cache := NewCache(0)
	allow := answer(`{"isAuthorized":true}`)
	cfg := Config{PayloadFormatVersion: "2.0", EnableSimpleResponses: true, TTL: time.Minute, Cache: cache,
		IdentitySource: []string{"$request.header.A", "$request.header.B"}}
	a, fc, _ := newAuthorizer(t, cfg, allow)
	run(t, a, newRequest("GET", "/test/request", "A", "x,y", "B", "z"))
	// Same joined text, different values: a different key.
	run(t, a, newRequest("GET", "/test/request", "A", "x", "B", "y,z"))
	if fc.calls() != 2 {
		t.Errorf("values that join alike shared a cache entry (%d calls)", fc.calls())
	}

	// $context.routeKey partitions per route.
	cfg.IdentitySource = []string{"$request.header.A", "$context.routeKey"}
	b, fb, _ := newAuthorizer(t, cfg, allow)
	r1 := newRequest("GET", "/test/request", "A", "x")
	r2 := newRequest("GET", "/test/other", "A", "x")
	r2.RouteKey = "GET /other"
	run(t, b, r1)
	run(t, b, r1)
	run(t, b, r2)
	if fb.calls() != 2 {
		t.Errorf("$context.routeKey: %d calls; want 2", fb.calls())
	}

	// Another authorizer (or a changed one) does not see these results.
	cfg.AuthorizerID = "auth2"
	c, fc2, _ := newAuthorizer(t, cfg, answer(`{"isAuthorized":false}`))
	if res := run(t, c, r1); res.status != 403 || fc2.calls() != 1 {
		t.Errorf("another authorizer used a cached result: %+v", res)
	}

	// Another stage does not either.
	r3 := newRequest("GET", "/test/request", "A", "x")
	r3.Stage = "prod"
	run(t, b, r3)
	if fb.calls() != 3 {
		t.Errorf("another stage used a cached result")
	}

	// TTL 0: no caching.
	cfg.TTL = 0
	d, fd, _ := newAuthorizer(t, cfg, allow)
	run(t, d, r1)
	run(t, d, r1)
	if fd.calls() != 2 {
		t.Errorf("TTL 0: %d calls", fd.calls())
	}
}

func TestCacheBound(t *testing.T) {
	t.Parallel()
	c := NewCache(3)
	now := requestTime0
	d := &decision{simple: true, allowed: true}
	for _, k := range []string{"a", "b", "c"} {
		c.put(k, "api", "s", d, now, time.Minute)
	}
	c.get("a", now) // a is now the most recent
	c.put("d", "api", "s", d, now, time.Minute)
	if _, ok := c.get("b", now); ok {
		t.Error("least recently used entry kept")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.get(k, now); !ok {
			t.Errorf("%s dropped", k)
		}
	}
	if _, ok := c.get("a", now.Add(time.Minute)); ok || c.Len() != 2 {
		t.Errorf("expired entry returned or kept (len %d)", c.Len())
	}
	if _, ok := c.get("c", now.Add(-time.Second)); ok {
		t.Error("entry returned when the clock went back")
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	fnErr := func(msg string) func(context.Context, []byte) (*lambdacall.CallResult, error) {
		return func(context.Context, []byte) (*lambdacall.CallResult, error) {
			return &lambdacall.CallResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"` + msg + `","errorType":"Error"}`)}, nil
		}
	}
	cases := []struct {
		name    string
		version string
		opts    Options
		respond func(context.Context, []byte) (*lambdacall.CallResult, error)
		status  int
	}{
		{"Unauthorized thrown, 1.0", "1.0", Options{}, fnErr("Unauthorized"), 401},
		{"Unauthorized thrown, 2.0", "2.0", Options{}, fnErr("Unauthorized"), 500},
		{"Unauthorized thrown, 2.0 with option", "2.0", Options{UnauthorizedErrorV2: true}, fnErr("Unauthorized"), 401},
		{"other error", "1.0", Options{}, fnErr("boom"), 500},
		{"unauthorized lower case", "1.0", Options{}, fnErr("unauthorized"), 500},
		{"function missing", "1.0", Options{}, func(context.Context, []byte) (*lambdacall.CallResult, error) {
			return nil, lambdacall.ErrFunctionNotFound
		}, 500},
		{"throttled", "2.0", Options{}, func(context.Context, []byte) (*lambdacall.CallResult, error) {
			return nil, lambdacall.ErrThrottled
		}, 500},
		{"no result", "2.0", Options{}, func(context.Context, []byte) (*lambdacall.CallResult, error) { return nil, nil }, 500},
		{"timeout", "2.0", Options{Timeout: 20 * time.Millisecond}, func(ctx context.Context, _ []byte) (*lambdacall.CallResult, error) {
			<-ctx.Done()
			return nil, context.Cause(ctx)
		}, 500},
		{"late answer", "2.0", Options{Timeout: 20 * time.Millisecond}, func(ctx context.Context, _ []byte) (*lambdacall.CallResult, error) {
			<-ctx.Done()
			return &lambdacall.CallResult{Payload: []byte(policy("u", "Allow", "*", ""))}, nil
		}, 500},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache := NewCache(0)
			cfg := Config{PayloadFormatVersion: c.version, IdentitySource: []string{"$request.header.Authorization"}, TTL: time.Hour, Cache: cache, Options: c.opts}
			a, fc, _ := newAuthorizer(t, cfg, c.respond)
			for i := range 2 {
				res := run(t, a, newRequest("GET", "/test/request", "Authorization", "secret-token"))
				if res.status != c.status {
					t.Fatalf("status %d (%s); want %d", res.status, res.cause, c.status)
				}
				if strings.Contains(res.cause, "secret-token") {
					t.Errorf("cause shows the token: %s", res.cause)
				}
				if fc.calls() != i+1 {
					t.Errorf("errors were cached: %d calls after %d requests", fc.calls(), i+1)
				}
			}
		})
	}
}

func TestStageVariableFunction(t *testing.T) {
	t.Parallel()
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.authFn}/invocations"
	a, fc, _ := newAuthorizer(t, Config{URI: uri, PayloadFormatVersion: "2.0", EnableSimpleResponses: true}, answer(`{"isAuthorized":true}`))
	req := newRequest("GET", "/test/request")
	req.StageVariables = map[string]string{"authFn": "auth-dev"}
	if res := run(t, a, req); res.status != 200 || fc.fns[0].Name != "auth-dev" {
		t.Errorf("%+v %v", res, fc.fns)
	}
	req.StageVariables = map[string]string{"authFn": "bad name!"}
	if res := run(t, a, req); res.status != 500 {
		t.Errorf("invalid function from stage variables: %+v", res)
	}
}

// TestRealAuthorizers runs aws-lambda-go authorizers in-process.
func TestRealAuthorizers(t *testing.T) {
	t.Parallel()
	simple := func(_ context.Context, e events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		ok := e.Headers["authorization"] == "letmein"
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: ok, Context: map[string]any{"user": "alice", "route": e.RouteKey}}, nil
	}
	a, fc, _ := newAuthorizer(t, Config{PayloadFormatVersion: "2.0", EnableSimpleResponses: true, IdentitySource: []string{"$request.header.Authorization"},
		TTL: time.Minute, Cache: NewCache(0)}, inProcess(simple))
	if res := run(t, a, newRequest("GET", "/test/request", "Authorization", "letmein")); res.status != 200 || res.ctx.Lambda["user"] != "alice" {
		t.Errorf("simple allow: %+v", res)
	}
	if res := run(t, a, newRequest("GET", "/test/request", "Authorization", "nope")); res.status != 403 {
		t.Errorf("simple deny: %+v", res)
	}
	run(t, a, newRequest("GET", "/test/request", "Authorization", "letmein"))
	if res := run(t, a, newRequest("GET", "/test/request")); res.status != 401 || fc.calls() != 2 {
		t.Errorf("missing identity or cache: %+v, %d calls", res, fc.calls())
	}

	iamV1 := func(_ context.Context, e events.APIGatewayV2CustomAuthorizerV1Request) (events.APIGatewayCustomAuthorizerResponse, error) {
		if e.AuthorizationToken == "throw" {
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
		}
		effect := "Deny"
		if e.Headers["Authorization"] == "letmein" {
			effect = "Allow"
		}
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "alice",
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{e.MethodArn}},
			}},
			Context: map[string]any{"tier": "gold"},
		}, nil
	}
	b, _, _ := newAuthorizer(t, Config{PayloadFormatVersion: "1.0", IdentitySource: []string{"$request.header.Authorization"}}, inProcess(iamV1))
	if res := run(t, b, newRequest("GET", "/test/request", "Authorization", "letmein")); res.status != 200 || res.ctx.PrincipalID != "alice" || res.ctx.Lambda["tier"] != "gold" {
		t.Errorf("IAM allow: %+v", res)
	}
	if res := run(t, b, newRequest("GET", "/test/request", "Authorization", "nope")); res.status != 403 {
		t.Errorf("IAM deny: %+v", res)
	}
	if res := run(t, b, newRequest("GET", "/test/request", "Authorization", "throw")); res.status != 401 {
		t.Errorf("thrown Unauthorized: %+v", res)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	ok := Config{URI: testURI, PayloadFormatVersion: "2.0", Functions: &fakeCaller{}}
	if _, err := New(ok); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*Config){
		"no uri":             func(c *Config) { c.URI = "" },
		"bad uri":            func(c *Config) { c.URI = "arn:aws:lambda:us-east-1:1:function:x" },
		"no version":         func(c *Config) { c.PayloadFormatVersion = "" },
		"version 3":          func(c *Config) { c.PayloadFormatVersion = "3.0" },
		"simple with 1.0":    func(c *Config) { c.PayloadFormatVersion = "1.0"; c.EnableSimpleResponses = true },
		"ttl without source": func(c *Config) { c.TTL = time.Minute },
		"ttl too long":       func(c *Config) { c.TTL = 3601 * time.Second; c.IdentitySource = []string{"$request.header.A"} },
		"ttl negative":       func(c *Config) { c.TTL = -time.Second },
		"ttl fraction":       func(c *Config) { c.TTL = 1500 * time.Millisecond; c.IdentitySource = []string{"$request.header.A"} },
		"bad source":         func(c *Config) { c.IdentitySource = []string{"$request.body.x"} },
		"empty header name":  func(c *Config) { c.IdentitySource = []string{"$request.header."} },
		"unknown context":    func(c *Config) { c.IdentitySource = []string{"$context.authorizer.x"} },
		"no caller":          func(c *Config) { c.Functions = nil },
	}
	for name, m := range bad {
		c := ok
		m(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
