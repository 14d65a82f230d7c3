package jwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
)

// testKeys are generated once per test binary: RSA key generation is slow.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

var smallKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // a deliberately weak key the JWKS parser must skip
	if err != nil {
		panic(err)
	}
	return k
})

// testIssuer is an OIDC issuer on loopback: a discovery document and a JWKS,
// with switches to make it fail.
type testIssuer struct {
	t   testing.TB
	srv *httptest.Server
	// path is the issuer's path ("/tenant1").
	path string

	mu        sync.Mutex
	jwks      []map[string]any // guarded by mu
	discovery string           // guarded by mu: "ok", "down", "block", "huge", "badjwks"
	jwksMode  string           // guarded by mu: "ok", "down", "block", "huge"

	discoveryHits atomic.Int32
	jwksHits      atomic.Int32
	// release unblocks handlers in "block" mode; entered receives a value
	// (if there is room) when a handler starts blocking.
	release chan struct{}
	entered chan struct{}
}

func newTestIssuer(t testing.TB) *testIssuer {
	t.Helper()
	is := &testIssuer{t: t, path: "/tenant1", discovery: "ok", jwksMode: "ok", release: make(chan struct{}), entered: make(chan struct{}, 16)}
	is.publish(jwkOf("k1", "RS256", &testKeys()[0].PublicKey), jwkOf("k2", "", &testKeys()[1].PublicKey))
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+is.path+"/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		is.discoveryHits.Add(1)
		is.mu.Lock()
		mode := is.discovery
		is.mu.Unlock()
		switch mode {
		case "down":
			http.Error(w, "down", http.StatusInternalServerError)
		case "block":
			select {
			case is.entered <- struct{}{}:
			default:
			}
			select {
			case <-is.release:
			case <-r.Context().Done():
			}
		case "huge":
			_, _ = w.Write([]byte(`{"x":"` + strings.Repeat("a", MaxJWKSBytes) + `","jwks_uri":"` + is.srv.URL + `/keys"}`))
		case "badjwks":
			_, _ = w.Write([]byte(`{"jwks_uri":"file:///etc/passwd"}`))
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"issuer": is.URL(), "jwks_uri": is.srv.URL + "/keys"})
		}
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		is.jwksHits.Add(1)
		is.mu.Lock()
		mode, keys := is.jwksMode, is.jwks
		is.mu.Unlock()
		switch mode {
		case "down":
			http.Error(w, "down", http.StatusServiceUnavailable)
		case "block":
			select {
			case is.entered <- struct{}{}:
			default:
			}
			select {
			case <-is.release:
			case <-r.Context().Done():
			}
		case "huge":
			pad := strings.Repeat(" ", MaxJWKSBytes)
			_, _ = w.Write([]byte(`{"keys":` + mustJSON(keys) + pad + `}`))
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
		}
	})
	is.srv = httptest.NewServer(mux)
	// Unblock handlers before the server waits for them to finish.
	t.Cleanup(is.srv.Close)
	t.Cleanup(func() { close(is.release) })
	return is
}

// URL is the issuer identifier (jwtConfiguration.issuer and iss).
func (is *testIssuer) URL() string { return is.srv.URL + is.path }

func (is *testIssuer) publish(keys ...map[string]any) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.jwks = keys
}

func (is *testIssuer) setModes(discovery, jwks string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.discovery, is.jwksMode = discovery, jwks
}

func jwkOf(kid, alg string, pub *rsa.PublicKey) map[string]any {
	m := map[string]any{
		"kty": "RSA", "use": "sig", "kid": kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
	if alg != "" {
		m["alg"] = alg
	}
	return m
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// clock is an injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is an issuer, a key cache, a clock and a way to build authorizers.
type fixture struct {
	t     *testing.T
	is    *testIssuer
	clk   *clock
	cache *Cache
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, is: newTestIssuer(t), clk: &clock{t: epoch}}
	f.cache = NewCache(CacheOptions{Client: f.is.srv.Client(), Now: f.clk.Now, FetchTimeout: 200 * time.Millisecond})
	return f
}

func (f *fixture) authorizer(mutate func(*Config)) *Authorizer {
	f.t.Helper()
	cfg := Config{
		Issuer: f.is.URL(), Audience: []string{"myapp", "other"}, IdentitySource: "$request.header.Authorization",
		Keys: f.cache, Now: f.clk.Now,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// claims returns valid claims for the fixture's issuer.
func (f *fixture) claims() gojwt.MapClaims {
	now := f.clk.Now().Unix()
	return gojwt.MapClaims{
		"iss": f.is.URL(), "sub": "alice", "aud": "myapp",
		"iat": now - 10, "nbf": now - 10, "exp": now + 3600,
	}
}

// sign signs claims with key kid of testKeys (index i) and alg.
func sign(t testing.TB, method gojwt.SigningMethod, kid string, key any, claims gojwt.MapClaims) string {
	t.Helper()
	tok := gojwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) token(claims gojwt.MapClaims) string {
	return sign(f.t, gojwt.SigningMethodRS256, "k1", testKeys()[0], claims)
}

// result is what Authorize answered.
type result struct {
	ctx    *invoke.AuthorizerContext
	status int
	www    string
	cause  string
}

func authorize(t testing.TB, a *Authorizer, target string, header ...string) result {
	t.Helper()
	r := httptest.NewRequest("GET", "http://api.example"+target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	ac, err := a.Authorize(context.Background(), &invoke.Request{HTTP: r, RequestID: "req-1"})
	if err != nil {
		if ac != nil {
			t.Errorf("context returned with an error")
		}
		ge := gwerr.As(err)
		www := ""
		if ge.Header != nil {
			www = ge.Header.Get("www-authenticate")
		}
		return result{status: ge.Kind.Status(), www: www, cause: err.Error()}
	}
	if ac == nil || ac.JWT == nil {
		t.Fatalf("Authorize returned no JWT context and no error")
	}
	return result{ctx: ac, status: 200}
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
