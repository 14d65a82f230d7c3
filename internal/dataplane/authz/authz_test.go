package authz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/apigwdev/apigw/internal/dataplane/authz/iam"
	"github.com/apigwdev/apigw/internal/dataplane/authz/jwt"
	"github.com/apigwdev/apigw/internal/dataplane/authz/lambdaauth"
	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
	"github.com/apigwdev/apigw/internal/issuer"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

const authURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"

func ttl(n int) *int { return &n }

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	caller := lambdacall.CallerFunc(func(context.Context, lambdacall.FunctionRef, []byte) (*lambdacall.CallResult, error) {
		return nil, errors.New("unused")
	})
	deps := Deps{Functions: caller, Results: lambdaauth.NewCache(0), KeySets: jwt.NewCache(jwt.CacheOptions{})}
	jwtAuth := &model.Authorizer{AuthorizerID: "j1", Name: "j", AuthorizerType: "JWT", IdentitySource: []string{"$request.header.Authorization"},
		JWTConfiguration: &model.JWTConfiguration{Issuer: "https://issuer.example", Audience: []string{"a"}}}
	reqAuth := &model.Authorizer{AuthorizerID: "r1", Name: "r", AuthorizerType: "REQUEST", AuthorizerURI: authURI,
		AuthorizerPayloadFormatVersion: "2.0", IdentitySource: []string{"$request.header.Authorization"}, AuthorizerResultTTLInSeconds: ttl(60)}
	route := func(typ, id string) *model.Route {
		return &model.Route{RouteKey: "GET /pets", AuthorizationType: typ, AuthorizerID: id}
	}

	ok := []struct {
		name  string
		a     *model.Authorizer
		route *model.Route
		isNil bool
	}{
		{"NONE", nil, route("NONE", ""), true},
		{"unset", nil, route("", ""), true},
		{"JWT", jwtAuth, route("JWT", "j1"), false},
		{"CUSTOM", reqAuth, route("CUSTOM", "r1"), false},
		{"AWS_IAM", nil, route("AWS_IAM", ""), false},
	}
	for _, c := range ok {
		az, err := Compile(c.a, c.route, deps)
		if err != nil || (az == nil) != c.isNil {
			t.Errorf("%s: %v, %v", c.name, az, err)
		}
	}

	noTTL := *reqAuth
	noTTL.AuthorizerResultTTLInSeconds = nil
	twoSources := *jwtAuth
	twoSources.IdentitySource = []string{"$request.header.A", "$request.header.B"}
	badIssuer := *jwtAuth
	badIssuer.JWTConfiguration = &model.JWTConfiguration{Issuer: "not a url", Audience: []string{"a"}}
	noConfig := *jwtAuth
	noConfig.JWTConfiguration = nil
	badSource := *reqAuth
	badSource.IdentitySource = []string{"$context.authorizer.claims.sub"}
	bad := []struct {
		name  string
		a     *model.Authorizer
		route *model.Route
		deps  Deps
		want  string
	}{
		{"no route", nil, nil, deps, "no route"},
		{"unknown type", nil, route("OAUTH", ""), deps, "unknown authorization type"},
		{"JWT without authorizer", nil, route("JWT", "j1"), deps, "requires an authorizer"},
		{"JWT with REQUEST authorizer", reqAuth, route("JWT", "r1"), deps, "requires a JWT authorizer"},
		{"CUSTOM with JWT authorizer", jwtAuth, route("CUSTOM", "j1"), deps, "requires a REQUEST authorizer"},
		{"authorizer id mismatch", jwtAuth, route("JWT", "other"), deps, "names authorizer other"},
		{"AWS_IAM with authorizer", jwtAuth, route("AWS_IAM", ""), deps, "take no authorizer"},
		{"two JWT identity sources", &twoSources, route("JWT", "j1"), deps, "exactly one identity source"},
		{"bad issuer", &badIssuer, route("JWT", "j1"), deps, "jwtConfiguration.issuer"},
		{"no jwtConfiguration", &noConfig, route("JWT", "j1"), deps, "no jwtConfiguration"},
		{"caching without a result cache", reqAuth, route("CUSTOM", "r1"), Deps{Functions: caller}, "Deps.Results"},
		{"no caller", &noTTL, route("CUSTOM", "r1"), Deps{}, "Deps.Functions"},
		{"unknown context variable", &badSource, route("CUSTOM", "r1"), deps, "$context.authorizer.claims.sub"},
	}
	for _, c := range bad {
		_, err := Compile(c.a, c.route, c.deps)
		var ce *CompileError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v; want a CompileError mentioning %q", c.name, err, c.want)
			continue
		}
		if c.route != nil && !strings.Contains(err.Error(), `route "GET /pets"`) {
			t.Errorf("%s: error %q does not name the route", c.name, err)
		}
	}
	if _, err := CompileIAM(route("JWT", "j1"), deps); err == nil {
		t.Error("CompileIAM accepted a JWT route")
	}
	if _, err := CompileIAM(route("AWS_IAM", "x"), deps); err == nil {
		t.Error("CompileIAM accepted an authorizer id")
	}
}

// gateway serves one route with a compiled authorizer the way the data plane
// will: authorize, then call the integration (an echo of the identity), or
// render the error in AWS's shape. It counts integration calls.
type gateway struct {
	srv   *httptest.Server
	calls int
}

func newGateway(t *testing.T, az snapshot.Authorizer) *gateway {
	t.Helper()
	g := &gateway{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &invoke.Request{HTTP: r, RequestID: "rid", AccountID: "000000000000", Region: "us-east-1", APIID: "api1",
			Stage: "$default", RouteKey: "ANY /pets/{id}", Path: r.URL.Path}
		ac, err := az.Authorize(r.Context(), req)
		if err != nil {
			gwerr.Write(w, gwerr.As(err))
			return
		}
		if ac == nil {
			t.Error("nil context without an error")
			gwerr.Write(w, gwerr.New(gwerr.InternalServerError, nil))
			return
		}
		g.calls++
		body, _ := io.ReadAll(r.Body)
		switch {
		case ac.JWT != nil:
			_, _ = io.WriteString(w, "jwt:"+ac.JWT.Claims["sub"])
		case ac.IAM != nil:
			_, _ = io.WriteString(w, "iam:"+ac.IAM.UserARN+":"+string(body))
		default:
			_, _ = io.WriteString(w, "lambda:"+ac.PrincipalID)
		}
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) do(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	resp, err := g.srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestEndToEnd compiles one route of each kind from model resources and sends
// real HTTP requests through them: a token minted by the local issuer, a
// Lambda authorizer, a request signed by the AWS SDK.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	// The admin listener with the local issuer.
	mux := http.NewServeMux()
	admin := httptest.NewServer(mux)
	t.Cleanup(admin.Close)
	iss, err := issuer.Open(t.TempDir(), admin.URL+issuer.PathPrefix, issuer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(issuer.PathPrefix+"/", iss)

	store, err := iam.NewStore([]iam.Credentials{{AccessKeyID: "AKIAALICE", SecretAccessKey: "secret", ARN: "arn:aws:iam::000000000000:user/alice",
		PolicyJSON: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:000000000000:api1/*/*/pets/*"}]}`)}})
	if err != nil {
		t.Fatal(err)
	}
	var lambdaCalls int
	deps := Deps{
		KeySets: jwt.NewCache(jwt.CacheOptions{Client: admin.Client()}),
		Results: lambdaauth.NewCache(0),
		Functions: lambdacall.CallerFunc(func(_ context.Context, _ lambdacall.FunctionRef, payload []byte) (*lambdacall.CallResult, error) {
			lambdaCalls++
			if strings.Contains(string(payload), `"identitySource":["open-sesame"]`) {
				return &lambdacall.CallResult{Payload: []byte(`{"isAuthorized":true}`)}, nil
			}
			return &lambdacall.CallResult{Payload: []byte(`{"isAuthorized":false}`)}, nil
		}),
		Identities: store,
	}

	// JWT.
	jwtAuth := &model.Authorizer{AuthorizerID: "j1", Name: "local", AuthorizerType: "JWT", IdentitySource: []string{"$request.header.Authorization"},
		JWTConfiguration: &model.JWTConfiguration{Issuer: iss.URL(), Audience: []string{"myapp"}}}
	az, err := Compile(jwtAuth, &model.Route{RouteKey: "ANY /pets/{id}", AuthorizationType: "JWT", AuthorizerID: "j1", AuthorizationScopes: []string{"pets:read"}}, deps)
	if err != nil {
		t.Fatal(err)
	}
	g := newGateway(t, az)
	tok, err := iss.Mint(issuer.MintOptions{Subject: "alice", Audience: []string{"myapp"}, Scopes: []string{"pets:read"}})
	if err != nil {
		t.Fatal(err)
	}
	noScope, _ := iss.Mint(issuer.MintOptions{Subject: "alice", Audience: []string{"myapp"}})
	for _, c := range []struct {
		auth   string
		status int
		body   string
	}{
		{"Bearer " + tok, 200, "jwt:alice"},
		{"", 401, `{"message":"Unauthorized"}`},
		{"Bearer " + noScope, 403, `{"message":"Forbidden"}`},
		{"Bearer " + tok[:len(tok)-4] + "AAAA", 401, `{"message":"Unauthorized"}`},
	} {
		r, _ := http.NewRequest("GET", g.srv.URL+"/pets/1", nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if status, body := g.do(t, r); status != c.status || body != c.body {
			t.Errorf("JWT %q: %d %s; want %d %s", c.auth, status, body, c.status, c.body)
		}
	}
	if g.calls != 1 {
		t.Errorf("JWT route: integration called %d times; want 1", g.calls)
	}

	// Lambda.
	reqAuth := &model.Authorizer{AuthorizerID: "r1", Name: "lambda", AuthorizerType: "REQUEST", AuthorizerURI: authURI, AuthorizerPayloadFormatVersion: "2.0",
		EnableSimpleResponses: true, IdentitySource: []string{"$request.header.X-Key"}, AuthorizerResultTTLInSeconds: ttl(300)}
	az, err = Compile(reqAuth, &model.Route{RouteKey: "ANY /pets/{id}", AuthorizationType: "CUSTOM", AuthorizerID: "r1"}, deps)
	if err != nil {
		t.Fatal(err)
	}
	g = newGateway(t, az)
	for _, c := range []struct {
		key    string
		status int
	}{{"open-sesame", 200}, {"open-sesame", 200}, {"wrong", 403}, {"", 401}} {
		r, _ := http.NewRequest("GET", g.srv.URL+"/pets/1", nil)
		if c.key != "" {
			r.Header.Set("X-Key", c.key)
		}
		if status, _ := g.do(t, r); status != c.status {
			t.Errorf("Lambda %q: %d; want %d", c.key, status, c.status)
		}
	}
	if lambdaCalls != 2 {
		t.Errorf("authorizer function called %d times; want 2 (one cached, one missing identity)", lambdaCalls)
	}

	// AWS_IAM.
	az, err = Compile(nil, &model.Route{RouteKey: "ANY /pets/{id}", AuthorizationType: "AWS_IAM"}, deps)
	if err != nil {
		t.Fatal(err)
	}
	g = newGateway(t, az)
	body := "hello"
	r, _ := http.NewRequest("POST", g.srv.URL+"/pets/1", strings.NewReader(body))
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIAALICE", SecretAccessKey: "secret"},
		r, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if status, got := g.do(t, r); status != 200 || got != "iam:arn:aws:iam::000000000000:user/alice:hello" {
		t.Errorf("IAM: %d %s", status, got)
	}
	r, _ = http.NewRequest("GET", g.srv.URL+"/other", nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIAALICE", SecretAccessKey: "secret"},
		r, iam.EmptySHA256, "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := g.srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("x-amzn-ErrorType") != iam.AccessDenied {
		t.Errorf("IAM denied route: %d %q", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
}
