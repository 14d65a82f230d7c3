package jwt

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/apigwdev/apigw/internal/invoke"
)

// counted returns an authorizer of f whose signature checks are counted.
func counted(f *fixture, mutate func(*Config)) (*Authorizer, *atomic.Int64) {
	a := f.authorizer(mutate)
	n := &atomic.Int64{}
	a.onVerify = func() { n.Add(1) }
	return a, n
}

func TestVerifiedCacheHitSkipsSignature(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, n := counted(f, func(c *Config) { c.Scopes = []string{"pets:read"} })
	c := f.claims()
	c["scope"] = "pets:read"
	tok := f.token(c)
	first := authorize(t, a, "/", "Authorization", "Bearer "+tok)
	second := authorize(t, a, "/", "Authorization", tok)
	if first.status != 200 || second.status != 200 {
		t.Fatalf("statuses %d %d (%s %s)", first.status, second.status, first.cause, second.cause)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d signature checks for one token presented twice; want 1", got)
	}
	if first.ctx.JWT.Claims["sub"] != "alice" || second.ctx.JWT.Claims["sub"] != "alice" ||
		len(second.ctx.JWT.Scopes) != 1 || second.ctx.JWT.Scopes[0] != "pets:read" {
		t.Errorf("hit context %+v", second.ctx.JWT)
	}
	// The context is built once, with the verification, and shared by the
	// requests presenting the token (callers must not modify it).
	if second.ctx != first.ctx {
		t.Errorf("a hit built a new context; want the verified token's")
	}
	// A route without scopes sharing the entry gets no scopes.
	u := f.authorizer(nil)
	u.verified = a.verified
	if res := authorize(t, u, "/", "Authorization", tok); res.status != 200 || res.ctx.JWT.Scopes != nil || res.ctx.JWT.Claims["sub"] != "alice" {
		t.Errorf("route without scopes on a hit: %d %+v", res.status, res.ctx)
	}
	// A tampered signature is a different token: verified, and refused.
	if res := authorize(t, a, "/", "Authorization", tok[:len(tok)-2]+"AA"); res.status != 401 {
		t.Errorf("tampered token: %+v", res)
	}
	// Route checks still run on a hit: another route's scopes.
	b := f.authorizer(func(c *Config) { c.Scopes = []string{"pets:write"} })
	b.verified = a.verified
	if res := authorize(t, b, "/", "Authorization", tok); res.status != 403 {
		t.Errorf("scopes on a hit: %d %s; want 403", res.status, res.cause)
	}
	// Disabled cache: every request verifies.
	d, dn := counted(f, func(c *Config) { c.VerifiedCacheSize = -1 })
	authorize(t, d, "/", "Authorization", tok)
	authorize(t, d, "/", "Authorization", tok)
	if dn.Load() != 2 || d.verified != nil {
		t.Errorf("disabled cache: %d checks", dn.Load())
	}
}

func TestVerifiedCacheTimeChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, n := counted(f, nil)
	c := f.claims()
	c["exp"] = f.clk.Now().Unix() + 60
	tok := f.token(c)
	if res := authorize(t, a, "/", "Authorization", tok); res.status != 200 {
		t.Fatalf("status %d %s", res.status, res.cause)
	}
	f.clk.Add(59 * time.Second)
	if res := authorize(t, a, "/", "Authorization", tok); res.status != 200 {
		t.Fatalf("before exp: %d %s", res.status, res.cause)
	}
	f.clk.Add(time.Second)
	res := authorize(t, a, "/", "Authorization", tok)
	if res.status != 401 || res.www != challengePrefix+DescExpired+`"` {
		t.Errorf("at exp: %+v", res)
	}
	if a.verified.len() != 0 {
		t.Errorf("expired token still cached")
	}
	if n.Load() != 2 {
		t.Errorf("%d signature checks; want 2 (first use, then after eviction at exp)", n.Load())
	}

	// nbf in the future: verified once, refused until nbf, then accepted
	// from the cache.
	c = f.claims()
	c["nbf"] = f.clk.Now().Unix() + 30
	tok = f.token(c)
	if res := authorize(t, a, "/", "Authorization", tok); res.status != 401 || res.www != challengePrefix+DescNotYetValid+`"` {
		t.Errorf("nbf: %+v", res)
	}
	if res := authorize(t, a, "/", "Authorization", tok); res.status != 401 || res.www != challengePrefix+DescNotYetValid+`"` {
		t.Errorf("nbf on a hit: %+v", res)
	}
	f.clk.Add(30 * time.Second)
	before := n.Load()
	if res := authorize(t, a, "/", "Authorization", tok); res.status != 200 {
		t.Errorf("after nbf: %+v", res)
	}
	if n.Load() != before {
		t.Errorf("after nbf: verified again")
	}

	// Leeway extends the entry's life as it extends exp.
	l, _ := counted(f, func(c *Config) { c.Options.Leeway = 10 * time.Second })
	c = f.claims()
	c["exp"] = f.clk.Now().Unix() + 5
	tok = f.token(c)
	authorize(t, l, "/", "Authorization", tok)
	f.clk.Add(10 * time.Second)
	if res := authorize(t, l, "/", "Authorization", tok); res.status != 200 {
		t.Errorf("within leeway: %+v", res)
	}
	f.clk.Add(5 * time.Second)
	if res := authorize(t, l, "/", "Authorization", tok); res.status != 401 {
		t.Errorf("past leeway: %+v", res)
	}
}

func TestVerifiedCacheKeyChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, n := counted(f, nil)
	long := func(f *fixture) string {
		c := f.claims()
		c["exp"] = f.clk.Now().Add(24 * time.Hour).Unix()
		return f.token(c)
	}
	tok := long(f)
	if res := authorize(t, a, "/", "Authorization", tok); res.status != 200 {
		t.Fatalf("status %d %s", res.status, res.cause)
	}

	// Rotation: k1 now names another key. The key set is refetched after
	// its lifetime; the cached verification (with the old k1) must not be
	// used.
	f.is.publish(jwkOf("k1", "RS256", &testKeys()[1].PublicKey))
	f.clk.Add(DefaultKeyLifetime)
	res := authorize(t, a, "/", "Authorization", tok)
	if res.status != 401 || res.www != challengePrefix+DescSignature+`"` {
		t.Errorf("rotated key: %+v", res)
	}
	if n.Load() != 2 {
		t.Errorf("%d signature checks; want 2", n.Load())
	}

	// Removal: kid gone from the key set.
	f2 := newFixture(t)
	b, _ := counted(f2, nil)
	tok2 := long(f2)
	authorize(t, b, "/", "Authorization", tok2)
	f2.is.publish(jwkOf("k2", "", &testKeys()[1].PublicKey))
	f2.cache.Reset()
	if res := authorize(t, b, "/", "Authorization", tok2); res.status != 401 || res.www != challengePrefix+DescKID+`"` {
		t.Errorf("removed key: %+v", res)
	}

	// Keys past their lifetime that cannot be fetched again refuse a
	// cached token.
	f3 := newFixture(t)
	d, _ := counted(f3, nil)
	tok3 := long(f3)
	authorize(t, d, "/", "Authorization", tok3)
	f3.is.setModes("down", "down")
	f3.clk.Add(DefaultKeyLifetime - time.Minute)
	if res := authorize(t, d, "/", "Authorization", tok3); res.status != 200 {
		t.Errorf("within key lifetime: %+v", res)
	}
	f3.clk.Add(time.Minute)
	if res := authorize(t, d, "/", "Authorization", tok3); res.status != 401 || res.www != challengePrefix+DescKeys+`"` {
		t.Errorf("keys expired, issuer down: %+v", res)
	}

	// Same key refetched (new fetch, same material): verified again once,
	// then cached again.
	f4 := newFixture(t)
	e, en := counted(f4, nil)
	tok4 := long(f4)
	authorize(t, e, "/", "Authorization", tok4)
	f4.cache.Reset()
	authorize(t, e, "/", "Authorization", tok4)
	authorize(t, e, "/", "Authorization", tok4)
	if en.Load() != 2 {
		t.Errorf("refetched key set: %d signature checks; want 2", en.Load())
	}
}

func TestVerifiedCacheBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, _ := counted(f, func(c *Config) { c.VerifiedCacheSize = 16 })
	for i := range 100 {
		c := f.claims()
		c["jti"] = i
		if res := authorize(t, a, "/", "Authorization", f.token(c)); res.status != 200 {
			t.Fatalf("status %d %s", res.status, res.cause)
		}
		if got := a.verified.len(); got > 16 {
			t.Fatalf("%d entries; bound 16", got)
		}
	}
	if got := a.verified.len(); got != 16 {
		t.Errorf("%d entries; want 16", got)
	}
}

func TestVerifiedCacheConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, n := counted(f, func(c *Config) { c.VerifiedCacheSize = 8 })
	toks := make([]string, 12)
	for i := range toks {
		c := f.claims()
		c["jti"] = i
		toks[i] = f.token(c)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if g == 0 && i%10 == 0 {
					f.cache.Reset()
				}
				r := httptest.NewRequest("GET", "http://api.example/", nil)
				r.Header.Set("Authorization", toks[(g+i)%len(toks)])
				if _, err := a.Authorize(context.Background(), &invoke.Request{HTTP: r}); err != nil {
					t.Errorf("refused: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n.Load() >= 400 || a.verified.len() > 8 {
		t.Errorf("%d signature checks for 400 requests, %d entries", n.Load(), a.verified.len())
	}
}

func benchmarkAuthorize(b *testing.B, size int) {
	is := newTestIssuer(b)
	clk := &clock{t: epoch}
	cache := NewCache(CacheOptions{Client: is.srv.Client(), Now: clk.Now})
	a, err := New(Config{Issuer: is.URL(), Audience: []string{"myapp"}, IdentitySource: "$request.header.Authorization",
		Keys: cache, Now: clk.Now, VerifiedCacheSize: size})
	if err != nil {
		b.Fatal(err)
	}
	now := epoch.Unix()
	tok := sign(b, gojwt.SigningMethodRS256, "k1", testKeys()[0], gojwt.MapClaims{
		"iss": is.URL(), "sub": "alice", "aud": "myapp", "scope": "openid pets:read",
		"iat": now - 10, "nbf": now - 10, "exp": now + 3600,
	})
	r := httptest.NewRequest("GET", "http://api.example/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	req := &invoke.Request{HTTP: r}
	if _, err := a.Authorize(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Authorize(context.Background(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkAuthorizeUncached(b *testing.B) { benchmarkAuthorize(b, -1) }

func BenchmarkAuthorizeCached(b *testing.B) { benchmarkAuthorize(b, 0) }

func TestTokenKey(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 700, 2 << 10, 2<<10 + 1, 9000} {
		tok := strings.Repeat("a.b-c_", n/6+1)[:n]
		if got, want := tokenKey(tok), sha256.Sum256([]byte(tok)); got != want {
			t.Errorf("tokenKey of %d bytes = %x; want its SHA-256 %x", n, got, want)
		}
	}
}

func TestSameCandidates(t *testing.T) {
	t.Parallel()
	k1, k2, k3 := &testKeys()[0].PublicKey, &testKeys()[1].PublicKey, &rsa.PublicKey{}
	set := []Key{{Alg: "RS256", Public: k1}, {Public: k2}, {Alg: "RS512", Public: k3}}
	tests := []struct {
		name   string
		cached []*rsa.PublicKey
		keys   []Key
		alg    string
		want   bool
	}{
		{name: "same", cached: []*rsa.PublicKey{k1, k2}, keys: set, alg: "RS256", want: true},
		{name: "same for another alg", cached: []*rsa.PublicKey{k2, k3}, keys: set, alg: "RS512", want: true},
		{name: "one more now", cached: []*rsa.PublicKey{k1}, keys: set, alg: "RS256"},
		{name: "one less now", cached: []*rsa.PublicKey{k1, k2, k3}, keys: set, alg: "RS256"},
		{name: "other order", cached: []*rsa.PublicKey{k2, k1}, keys: set, alg: "RS256"},
		{name: "none now", cached: []*rsa.PublicKey{k1}, alg: "RS256"},
		{name: "none ever", alg: "RS384", keys: []Key{{Alg: "RS256", Public: k1}}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := sameCandidates(tt.cached, tt.keys, tt.alg); got != tt.want {
				t.Errorf("sameCandidates = %v; want %v", got, tt.want)
			}
		})
	}
}
