package jwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
)

func TestRotation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.authorizer(nil)
	if res := authorize(t, a, "/", "Authorization", f.token(f.claims())); res.status != 200 {
		t.Fatalf("first token: %+v", res)
	}
	if d, j := f.is.discoveryHits.Load(), f.is.jwksHits.Load(); d != 1 || j != 1 {
		t.Fatalf("fetches %d/%d; want 1/1", d, j)
	}

	// The issuer rotates to k3. A k3 token right after the first fetch is
	// refused without a fetch (rate limit)...
	f.is.publish(jwkOf("k1", "RS256", &testKeys()[0].PublicKey), jwkOf("k3", "RS256", &testKeys()[2].PublicKey))
	k3 := func() string { return sign(t, gojwt.SigningMethodRS256, "k3", testKeys()[2], f.claims()) }
	if res := authorize(t, a, "/", "Authorization", k3()); res.status != 401 {
		t.Fatalf("k3 within the refresh interval: %+v", res)
	}
	if j := f.is.jwksHits.Load(); j != 1 {
		t.Fatalf("JWKS fetched %d times within the refresh interval; want 1", j)
	}
	// ...and accepted once the refresh interval has passed, with one fetch.
	f.clk.Add(DefaultRefreshInterval)
	for range 5 {
		if res := authorize(t, a, "/", "Authorization", k3()); res.status != 200 {
			t.Fatalf("k3 after the refresh interval: %+v", res)
		}
	}
	if j := f.is.jwksHits.Load(); j != 2 {
		t.Errorf("JWKS fetched %d times; want 2", j)
	}

	// Random kids cannot make the gateway hammer the issuer.
	for i := range 50 {
		tok := sign(t, gojwt.SigningMethodRS256, "random-"+strconv.Itoa(i), testKeys()[0], f.claims())
		if res := authorize(t, a, "/", "Authorization", tok); res.status != 401 || res.www != challengePrefix+DescKID+`"` {
			t.Fatalf("random kid: %+v", res)
		}
	}
	if j := f.is.jwksHits.Load(); j != 2 {
		t.Errorf("JWKS fetched %d times after 50 unknown kids; want 2 (rate limited)", j)
	}

	// A removed key stops working once the key set is refetched, at the
	// end of the key lifetime.
	f.is.publish(jwkOf("k3", "RS256", &testKeys()[2].PublicKey))
	if res := authorize(t, a, "/", "Authorization", f.token(f.claims())); res.status != 200 {
		t.Fatalf("k1 within the lifetime: %+v", res)
	}
	f.clk.Add(DefaultKeyLifetime)
	if res := authorize(t, a, "/", "Authorization", f.token(f.claims())); res.status != 401 {
		t.Errorf("k1 after it was removed and the lifetime passed: %+v", res)
	}
}

// TestIssuerFailures: the gateway never fails open when discovery or the JWKS
// fail, and it does not retry on every request.
func TestIssuerFailures(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, discovery, jwks string }{
		{"discovery down", "down", "ok"},
		{"JWKS down", "ok", "down"},
		{"discovery too large", "huge", "ok"},
		{"JWKS too large", "ok", "huge"},
		{"jwks_uri not http", "badjwks", "ok"},
		{"discovery times out", "block", "ok"},
		{"JWKS times out", "ok", "block"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.is.setModes(c.discovery, c.jwks)
			a := f.authorizer(nil)
			tok := f.token(f.claims())
			start := time.Now()
			res := authorize(t, a, "/", "Authorization", tok)
			if res.status != 401 || res.www != challengePrefix+DescKeys+`"` {
				t.Fatalf("%+v; want 401 %q", res, DescKeys)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("took %v; the fetch timeout is 200ms per fetch", el)
			}
			hits := f.is.discoveryHits.Load() + f.is.jwksHits.Load()
			// Within the retry interval: refused without a new fetch.
			if res := authorize(t, a, "/", "Authorization", tok); res.status != 401 {
				t.Fatalf("second try: %+v", res)
			}
			if h := f.is.discoveryHits.Load() + f.is.jwksHits.Load(); h != hits {
				t.Errorf("fetched again within the retry interval (%d → %d)", hits, h)
			}
			// The issuer recovers; after the retry interval the token passes.
			f.is.setModes("ok", "ok")
			f.clk.Add(DefaultRetryInterval)
			if res := authorize(t, a, "/", "Authorization", tok); res.status != 200 {
				t.Errorf("after recovery: %+v", res)
			}
		})
	}

	t.Run("issuer gone after the key lifetime", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		a := f.authorizer(nil)
		if res := authorize(t, a, "/", "Authorization", f.token(f.claims())); res.status != 200 {
			t.Fatalf("%+v", res)
		}
		f.is.setModes("down", "down")
		f.clk.Add(DefaultKeyLifetime - time.Second)
		if res := authorize(t, a, "/", "Authorization", f.token(f.claims())); res.status != 200 {
			t.Fatalf("within the lifetime: %+v", res)
		}
		f.clk.Add(time.Second)
		if res := authorize(t, a, "/", "Authorization", f.token(f.claims())); res.status != 401 {
			t.Errorf("expired keys used while the issuer is down: %+v", res)
		}
	})

	t.Run("issuer unreachable", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.is.srv.Close()
		if res := authorize(t, f.authorizer(nil), "/", "Authorization", f.token(f.claims())); res.status != 401 {
			t.Errorf("%+v", res)
		}
	})
}

// TestConcurrentColdCache: many requests at once on an empty cache make one
// discovery and one JWKS fetch, and all pass.
func TestConcurrentColdCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.authorizer(nil)
	tok := f.token(f.claims())
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for range 64 {
		wg.Go(func() {
			if res := authorize(t, a, "/", "Authorization", tok); res.status != 200 {
				errs <- res.cause
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if d, j := f.is.discoveryHits.Load(), f.is.jwksHits.Load(); d != 1 || j != 1 {
		t.Errorf("fetches %d/%d; want 1/1", d, j)
	}
}

// TestWaiterGivesUp: a request waiting for another's fetch stops waiting when
// its own context ends, and the fetch still completes for the others.
func TestWaiterGivesUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.cache = NewCache(CacheOptions{Client: f.is.srv.Client(), Now: f.clk.Now, FetchTimeout: time.Minute})
	f.is.setModes("block", "ok")
	done := make(chan error, 1)
	go func() {
		_, err := f.cache.Keys(context.Background(), f.is.URL(), "k1")
		done <- err
	}()
	<-f.is.entered // the first fetch is in flight
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.cache.Keys(ctx, f.is.URL(), "k1"); err == nil {
		t.Error("a canceled waiter got keys")
	}
	f.is.setModes("ok", "ok")
	f.is.release <- struct{}{}
	if err := <-done; err == nil {
		t.Error("the blocked discovery returned keys")
	}
}

func TestParseJWK(t *testing.T) {
	t.Parallel()
	good := jwkOf("k", "RS256", &testKeys()[0].PublicKey)
	mod := func(k, v string) json.RawMessage {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return json.RawMessage(mustJSON(m))
	}
	if _, err := parseJWK(json.RawMessage(mustJSON(good))); err != nil {
		t.Fatal(err)
	}
	if _, err := parseJWK(mod("use", "")); err != nil {
		t.Errorf("no use: %v", err)
	}
	if _, err := parseJWK(mod("alg", "")); err != nil {
		t.Errorf("no alg: %v", err)
	}
	bad := map[string]json.RawMessage{
		"EC":            mod("kty", "EC"),
		"enc":           mod("use", "enc"),
		"PS256":         mod("alg", "PS256"),
		"HS256":         mod("alg", "HS256"),
		"no kid":        mod("kid", ""),
		"no n":          mod("n", ""),
		"bad n":         mod("n", "!!!"),
		"even e":        mod("e", base64.RawURLEncoding.EncodeToString([]byte{4})),
		"e=1":           mod("e", base64.RawURLEncoding.EncodeToString([]byte{1})),
		"huge e":        mod("e", base64.RawURLEncoding.EncodeToString([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1})),
		"1024-bit":      json.RawMessage(mustJSON(jwkOf("k", "RS256", &smallKey().PublicKey))),
		"not an object": json.RawMessage(`[]`),
	}
	for name, raw := range bad {
		if _, err := parseJWK(raw); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDiscoveryURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://issuer.example":          "https://issuer.example/.well-known/openid-configuration",
		"https://issuer.example/":         "https://issuer.example/.well-known/openid-configuration",
		"https://cognito-idp.x/us-east_1": "https://cognito-idp.x/us-east_1/.well-known/openid-configuration",
	} {
		if got := DiscoveryURL(in); got != want {
			t.Errorf("DiscoveryURL(%q) = %q; want %q", in, got, want)
		}
	}
}
