package app_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	jwtlib "github.com/golang-jwt/jwt/v5"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// oidcIssuer serves an OIDC discovery document and a JWKS with one RS256 key
// on loopback, as a real identity provider would.
func oidcIssuer(t *testing.T) (issuer string, key *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL, "jwks_uri": srv.URL + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	return srv.URL, key
}

func signToken(t *testing.T, key *rsa.PrivateKey, claims jwtlib.MapClaims) string {
	t.Helper()
	tok := jwtlib.NewWithClaims(jwtlib.SigningMethodRS256, claims)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAuthorizers serves JWT, Lambda and IAM routes end to end: real RS256
// tokens from a loopback issuer, a real aws-lambda-go authorizer process and
// requests signed by the AWS SDK's SigV4 signer.
func TestAuthorizers(t *testing.T) {
	t.Parallel()
	be := echoBackend(t)
	issuer, key := oidcIssuer(t)
	integ := `{type: http_proxy, httpMethod: GET, uri: "` + be.URL + `/ok", payloadFormatVersion: "1.0"}`
	gw := gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml": `
openapi: "3.0.1"
info: {title: authz, version: "1"}
paths:
  /jwt:
    get:
      security: [{userJwt: ["pets/read"]}]
      x-amazon-apigateway-integration: ` + integ + `
  /lambda:
    get:
      security: [{tokenAuth: []}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "` + be.URL + `/ok"
        payloadFormatVersion: "1.0"
        requestParameters:
          "overwrite:header.x-calls": "$context.authorizer.calls"
          "overwrite:header.x-user": "$context.authorizer.user"
  /iam:
    get:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration: ` + integ + `
  /iam-denied:
    get:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration: ` + integ + `
components:
  securitySchemes:
    userJwt:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: "$request.header.Authorization"
        jwtConfiguration: {issuer: "` + issuer + `", audience: ["my-app"]}
    tokenAuth:
      type: apiKey
      name: x-token
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: "$request.header.x-token"
        authorizerUri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:authfn/invocations"
        authorizerPayloadFormatVersion: "2.0"
        enableSimpleResponses: true
        authorizerResultTtlInSeconds: 300
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
`,
		"apigw.yaml": `
functions:
  authfn: {command: ["` + fnPath("authfn") + `"]}
apis:
  - {id: authz00001, openapi: ./api.yaml, default: true}
identities:
  - accessKeyId: AKIAEXAMPLEALICE
    secretAccessKey: alice-secret
    arn: arn:aws:iam::000000000000:user/alice
    policy:
      Version: "2012-10-17"
      Statement:
        - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:authz00001/*/GET/iam"}
`,
	})

	t.Run("jwt", func(t *testing.T) {
		now := time.Now()
		good := jwtlib.MapClaims{"iss": issuer, "aud": "my-app", "sub": "alice", "scope": "pets/read", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
		cases := []struct {
			name   string
			mutate func(jwtlib.MapClaims)
			header string
			status int
		}{
			{"valid", func(jwtlib.MapClaims) {}, "Bearer ", 200},
			{"bare token", func(jwtlib.MapClaims) {}, "", 200},
			{"wrong audience", func(c jwtlib.MapClaims) { c["aud"] = "other" }, "Bearer ", 401},
			{"wrong issuer", func(c jwtlib.MapClaims) { c["iss"] = "https://evil.example" }, "Bearer ", 401},
			{"expired", func(c jwtlib.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }, "Bearer ", 401},
			{"missing scope", func(c jwtlib.MapClaims) { c["scope"] = "pets/write" }, "Bearer ", 403},
		}
		for _, c := range cases {
			claims := jwtlib.MapClaims{}
			for k, v := range good {
				claims[k] = v
			}
			c.mutate(claims)
			r := gw.Do(t, "GET", "", "/jwt", nil, "Authorization: "+c.header+signToken(t, key, claims))
			if r.Status != c.status {
				t.Errorf("%s: status %d %s; want %d", c.name, r.Status, r.Body, c.status)
			}
		}
		r := gw.Do(t, "GET", "", "/jwt", nil)
		if r.Status != 401 || r.Body != `{"message":"Unauthorized"}` {
			t.Errorf("no token: %d %q", r.Status, r.Body)
		}
		forged := signToken(t, mustKey(t), good)
		if r := gw.Do(t, "GET", "", "/jwt", nil, "Authorization: Bearer "+forged); r.Status != 401 {
			t.Errorf("token signed by another key: %d", r.Status)
		}
	})

	t.Run("lambda", func(t *testing.T) {
		if r := gw.Do(t, "GET", "", "/lambda", nil); r.Status != 401 {
			t.Errorf("missing identity source: %d %s; want 401 without invoking", r.Status, r.Body)
		}
		if r := gw.Do(t, "GET", "", "/lambda", nil, "x-token: deny"); r.Status != 403 {
			t.Errorf("denied: %d %s; want 403", r.Status, r.Body)
		}
		for i := 0; i < 3; i++ {
			r := gw.Do(t, "GET", "", "/lambda", nil, "x-token: allow")
			if r.Status != 200 {
				t.Fatalf("allowed (%d): %d %s", i, r.Status, r.Body)
			}
			// The authorizer ran twice (the deny, then the first allow): the
			// later allowed requests come from the result cache, and the
			// request without identity never invoked it.
			var seen seenRequest
			if err := json.Unmarshal([]byte(r.Body), &seen); err != nil {
				t.Fatal(err)
			}
			if got := seen.Header.Get("X-Calls"); got != "2" || seen.Header.Get("X-User") != "alice" {
				t.Errorf("allowed (%d): authorizer context calls=%q user=%q; want 2 and alice", i, got, seen.Header.Get("X-User"))
			}
		}
		resp, err := http.Get(gw.AdminURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf strings.Builder
		_, _ = io.Copy(&buf, resp.Body)
		if !strings.Contains(buf.String(), `apigw_function_cold_starts_total{function="authfn"} 1`) {
			t.Errorf("authorizer function not started exactly once:\n%s", buf.String())
		}
	})

	t.Run("iam", func(t *testing.T) {
		sign := func(path, secret string, when time.Time) *http.Request {
			req, _ := http.NewRequest("GET", gw.DataURL+path, nil)
			sum := sha256.Sum256(nil)
			err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIAEXAMPLEALICE", SecretAccessKey: secret},
				req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", when)
			if err != nil {
				t.Fatal(err)
			}
			return req
		}
		do := func(req *http.Request) int {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if s := do(sign("/iam", "alice-secret", time.Now())); s != 200 {
			t.Errorf("signed request: %d; want 200", s)
		}
		if s := do(sign("/iam", "wrong-secret", time.Now())); s != 403 {
			t.Errorf("wrong secret: %d; want 403", s)
		}
		if s := do(sign("/iam", "alice-secret", time.Now().Add(-time.Hour))); s != 403 {
			t.Errorf("stale date: %d; want 403", s)
		}
		if s := do(sign("/iam-denied", "alice-secret", time.Now())); s != 403 {
			t.Errorf("route outside the policy: %d; want 403", s)
		}
		tampered := sign("/iam", "alice-secret", time.Now())
		tampered.URL.RawQuery = "x=1"
		if s := do(tampered); s != 403 {
			t.Errorf("tampered query: %d; want 403", s)
		}
		unsigned, _ := http.NewRequest("GET", gw.DataURL+"/iam", nil)
		if s := do(unsigned); s != 403 {
			t.Errorf("unsigned: %d; want 403", s)
		}
	})
}

func mustKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
