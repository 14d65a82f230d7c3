package lambdaauth

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
)

// TestBypass: an authorizer whose policy allows GET /pets/* and denies GET
// /pets/admin*; requests try to reach the denied paths or to reuse a cached
// allow. Each must be refused.
func TestBypass(t *testing.T) {
	t.Parallel()
	const pol = `{"principalId":"u","policyDocument":{"Statement":[
		{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/pets/*"},
		{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/pets/admin*"}]}}`
	cache := NewCache(0)
	a, _, _ := newAuthorizer(t, Config{PayloadFormatVersion: "1.0", IdentitySource: []string{"$request.header.Authorization"},
		TTL: time.Hour, Cache: cache}, answer(pol))
	// newRequest strips the stage and decodes the path, as the data plane.
	get := func(method, target string) int {
		return run(t, a, newRequest(method, target, "Authorization", "tok")).status
	}
	if s := get("GET", "/test/pets/1"); s != 200 {
		t.Fatalf("control: %d", s)
	}
	for _, c := range []struct{ method, target string }{
		{"GET", "/test/pets/admin"},
		{"GET", "/test/pets/Admin"},
		{"GET", "/test/PETS/1"},
		{"get", "/test/pets/1"},
		{"POST", "/test/pets/1"},
		{"GET", "/test/pets//admin"},
		{"GET", "/test/pets/./admin"},
		{"GET", "/test/pets/x/../admin"},
		{"GET", "/test/pets/x/%2e%2e/admin"},
		{"GET", "/test/pets/admin%2Fx"},
		{"GET", "/test/pets/%2561dmin"},
		{"GET", "/test/pets/x%5C..%5Cadmin"},
		{"GET", "/test/pets/../admin"},
	} {
		if s := get(c.method, c.target); s != 403 {
			t.Errorf("%s %s: %d; want 403 (cached policy evaluated again)", c.method, c.target, s)
		}
	}
}

// TestIdentityGames: the function sees every value of a repeated identity
// source, and no crafted value reuses another identity's cached result.
func TestIdentityGames(t *testing.T) {
	t.Parallel()
	// The authorizer allows exactly the token "good".
	respond := func(_ context.Context, ev []byte) (*lambdacall.CallResult, error) {
		var e events.APIGatewayV2CustomAuthorizerV2Request
		if err := json.Unmarshal(ev, &e); err != nil {
			return nil, err
		}
		ok := len(e.IdentitySource) == 2 && e.IdentitySource[0] == "good" && e.IdentitySource[1] == "t1"
		return &lambdacall.CallResult{Payload: []byte(`{"isAuthorized":` + map[bool]string{true: "true", false: "false"}[ok] + `}`)}, nil
	}
	a, fc, _ := newAuthorizer(t, Config{PayloadFormatVersion: "2.0", EnableSimpleResponses: true,
		IdentitySource: []string{"$request.header.Authorization", "$request.querystring.tenant"}, TTL: time.Hour, Cache: NewCache(0)}, respond)
	if res := run(t, a, newRequest("GET", "/test/request?tenant=t1", "Authorization", "good")); res.status != 200 {
		t.Fatalf("control: %+v", res)
	}
	attempts := []struct {
		name   string
		target string
		header []string
		status int
	}{
		{"repeated header", "/test/request?tenant=t1", []string{"Authorization", "good", "Authorization", "evil"}, 403},
		{"repeated header, good last", "/test/request?tenant=t1", []string{"Authorization", "evil", "Authorization", "good"}, 403},
		{"repeated query", "/test/request?tenant=t1&tenant=t2", []string{"Authorization", "good"}, 403},
		{"separator moved", "/test/request?tenant=" + "t1", []string{"Authorization", "good,t1"}, 403},
		{"comma in value", "/test/request?tenant=%2Ct1", []string{"Authorization", "good"}, 403},
		{"length-prefix lookalike", "/test/request?tenant=1:t1", []string{"Authorization", "4:good"}, 403},
		{"empty header", "/test/request?tenant=t1", []string{"Authorization", ""}, 401},
		{"empty query", "/test/request?tenant=", []string{"Authorization", "good"}, 401},
		{"whitespace header", "/test/request?tenant=t1", []string{"Authorization", "   "}, 401},
		{"header with spaces around", "/test/request?tenant=t1", []string{"Authorization", " good "}, 200},
	}
	for _, c := range attempts {
		t.Run(c.name, func(t *testing.T) {
			req := newRequest("GET", c.target, c.header...)
			// Go trims header values on the wire; these requests are built in
			// process, so trim as the server would.
			for k, vs := range req.HTTP.Header {
				for i := range vs {
					vs[i] = strings.Trim(vs[i], " \t")
				}
				req.HTTP.Header[k] = vs
			}
			if res := run(t, a, req); res.status != c.status {
				t.Errorf("status %d (%s); want %d", res.status, res.cause, c.status)
			}
		})
	}
	if fc.calls() < 7 {
		t.Errorf("only %d calls: a crafted identity reused the cached allow", fc.calls())
	}
}
