package jwt

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
)

const challengePrefix = `Bearer scope="" error="invalid_token" error_description="`

func TestAccepts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.authorizer(nil)
	tok := f.token(f.claims())
	cases := []struct {
		name   string
		target string
		header []string
	}{
		{"bearer", "/", []string{"Authorization", "Bearer " + tok}},
		{"bare token", "/", []string{"Authorization", tok}},
		{"lower-case bearer", "/", []string{"Authorization", "bearer " + tok}},
		{"upper-case bearer", "/", []string{"Authorization", "BEARER " + tok}},
		{"RS384 key without alg", "/", []string{"Authorization", sign(t, gojwt.SigningMethodRS384, "k2", testKeys()[1], f.claims())}},
		{"RS512 key without alg", "/", []string{"Authorization", sign(t, gojwt.SigningMethodRS512, "k2", testKeys()[1], f.claims())}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if res := authorize(t, a, c.target, c.header...); res.status != 200 {
				t.Fatalf("status %d (%s)", res.status, res.cause)
			}
		})
	}

	q := f.authorizer(func(c *Config) { c.IdentitySource = "$request.querystring.access_token" })
	if res := authorize(t, q, "/?access_token="+tok); res.status != 200 {
		t.Errorf("query source: %d %s", res.status, res.cause)
	}
	if res := authorize(t, q, "/?Access_token="+tok); res.status != 401 || res.www != "Bearer" {
		t.Errorf("query names are case-sensitive: %+v", res)
	}
	h := f.authorizer(func(c *Config) { c.IdentitySource = "$request.header.x-api-token" })
	if res := authorize(t, h, "/", "X-API-TOKEN", tok); res.status != 200 {
		t.Errorf("header names are case-insensitive: %d %s", res.status, res.cause)
	}
}

func TestClaimsDelivered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.claims()
	c["cognito:groups"] = []any{"admin", "poweruser"}
	c["email_verified"] = true
	c["ratio"] = 1.5
	c["nested"] = map[string]any{"b": 1, "a": "<x>"}
	c["nothing"] = nil
	c["scope"] = "read write"
	c["mixed"] = []any{"a", 1, []any{"b", "c"}, nil}
	tok := f.token(c)
	res := authorize(t, f.authorizer(nil), "/", "Authorization", "Bearer "+tok)
	if res.status != 200 {
		t.Fatalf("status %d (%s)", res.status, res.cause)
	}
	now := epoch.Unix()
	want := map[string]string{
		"iss": f.is.URL(), "sub": "alice", "aud": "myapp",
		"iat": itoa(now - 10), "nbf": itoa(now - 10), "exp": itoa(now + 3600),
		"cognito:groups": "[admin poweruser]", "email_verified": "true", "ratio": "1.5",
		"nested": `{"a":"<x>","b":1}`, "scope": "read write", "mixed": "[a 1 [b c] null]",
	}
	if !reflect.DeepEqual(res.ctx.JWT.Claims, want) {
		t.Errorf("claims\n got %v\nwant %v", res.ctx.JWT.Claims, want)
	}
	if res.ctx.JWT.Scopes != nil {
		t.Errorf("scopes %q; want nil for a route without authorization scopes", res.ctx.JWT.Scopes)
	}
	c["aud"] = []any{"x", "myapp"}
	res = authorize(t, f.authorizer(nil), "/", "Authorization", f.token(c))
	if res.status != 200 || res.ctx.JWT.Claims["aud"] != "[x myapp]" {
		t.Errorf("array aud: %+v", res)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRefusals covers every validation step and its answer.
func TestRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.authorizer(nil)
	now := epoch.Unix()
	with := func(k string, v any) gojwt.MapClaims {
		c := f.claims()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	hs256 := func() string {
		der, _ := x509.MarshalPKIXPublicKey(&testKeys()[0].PublicKey)
		pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		return sign(t, gojwt.SigningMethodHS256, "k1", pemKey, f.claims())
	}
	none := func(sig string) string {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"k1","typ":"JWT"}`))
		p := base64.RawURLEncoding.EncodeToString([]byte(mustJSON(f.claims())))
		return h + "." + p + "." + sig
	}
	tampered := func() string {
		parts := strings.Split(f.token(f.claims()), ".")
		c := f.claims()
		c["sub"] = "admin"
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(mustJSON(c)))
		return strings.Join(parts, ".")
	}
	embeddedJWK := func() string {
		attacker := testKeys()[2]
		tok := gojwt.NewWithClaims(gojwt.SigningMethodRS256, f.claims())
		tok.Header["kid"] = "k1"
		tok.Header["jwk"] = jwkOf("k1", "RS256", &attacker.PublicKey)
		s, err := tok.SignedString(attacker)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	withHeader := func(h string) string {
		parts := strings.Split(f.token(f.claims()), ".")
		parts[0] = base64.RawURLEncoding.EncodeToString([]byte(h))
		return strings.Join(parts, ".")
	}
	cases := []struct {
		name  string
		token string
		desc  string // "" for the bare challenge of a missing token
	}{
		{"empty header", "", ""},
		{"bearer without token", "Bearer ", ""},
		{"bearer word only", "Bearer", DescMalformed},
		{"two spaces after bearer", "Bearer  " + f.token(f.claims()), DescMalformed},
		{"tab after bearer", "Bearer\t" + f.token(f.claims()), DescMalformed},
		{"other scheme", "Basic dXNlcjpwYXNz", DescMalformed},
		{"one segment", "abc", DescMalformed},
		{"two segments", "abc.def", DescMalformed},
		{"four segments", f.token(f.claims()) + ".x", DescMalformed},
		{"padding", strings.Replace(f.token(f.claims()), ".", "=.", 1), DescMalformed},
		{"whitespace inside", strings.Replace(f.token(f.claims()), ".", ". ", 1), DescMalformed},
		{"header not JSON", "bm90anNvbg." + strings.SplitN(f.token(f.claims()), ".", 2)[1], DescMalformed},
		{"crit header", withHeader(`{"alg":"RS256","kid":"k1","crit":["exp"]}`), DescMalformed},
		{"alg none empty signature", none(""), DescMalformed},
		{"alg none", none("c2ln"), DescAlgorithm},
		{"alg missing", withHeader(`{"kid":"k1"}`), DescAlgorithm},
		{"alg case", withHeader(`{"alg":"rs256","kid":"k1"}`), DescAlgorithm},
		{"HS256 with the public key as secret", hs256(), DescAlgorithm},
		{"ES256", sign(t, gojwt.SigningMethodES256, "k1", ecKey(t), f.claims()), DescAlgorithm},
		{"PS256 with the RSA key", sign(t, gojwt.SigningMethodPS256, "k1", testKeys()[0], f.claims()), DescAlgorithm},
		{"no kid", sign(t, gojwt.SigningMethodRS256, "", testKeys()[0], f.claims()), DescKID},
		{"numeric kid", withHeader(`{"alg":"RS256","kid":1}`), DescKID},
		{"unknown kid", sign(t, gojwt.SigningMethodRS256, "nope", testKeys()[0], f.claims()), DescKID},
		{"kid restricted to another alg", sign(t, gojwt.SigningMethodRS512, "k1", testKeys()[0], f.claims()), DescKID},
		{"signed by another key", sign(t, gojwt.SigningMethodRS256, "k1", testKeys()[1], f.claims()), DescSignature},
		{"embedded jwk", embeddedJWK(), DescSignature},
		{"tampered claims", tampered(), DescSignature},
		{"signature of another token", strings.Join(append(strings.Split(f.token(with("sub", "bob")), ".")[:2], strings.Split(f.token(f.claims()), ".")[2]), "."), DescSignature},
		{"wrong issuer", f.token(with("iss", "https://evil.example/tenant1")), DescIssuer},
		{"issuer with trailing slash", f.token(with("iss", f.is.URL()+"/")), DescIssuer},
		{"issuer case", f.token(with("iss", strings.ToUpper(f.is.URL()))), DescIssuer},
		{"no issuer", f.token(with("iss", nil)), DescIssuer},
		{"numeric issuer", f.token(with("iss", 1)), DescIssuer},
		{"wrong audience", f.token(with("aud", "someone")), DescAudience},
		{"audience case", f.token(with("aud", "MyApp")), DescAudience},
		{"empty audience list", f.token(with("aud", []any{})), DescAudience},
		{"numeric audience", f.token(with("aud", 7)), DescAudience},
		{"aud wrong, client_id right", f.token(gojwt.MapClaims{"iss": f.is.URL(), "aud": "x", "client_id": "myapp", "exp": now + 60}), DescAudience},
		{"no aud, client_id wrong", f.token(gojwt.MapClaims{"iss": f.is.URL(), "client_id": "x", "exp": now + 60}), DescAudience},
		{"neither aud nor client_id", f.token(gojwt.MapClaims{"iss": f.is.URL(), "exp": now + 60}), DescAudience},
		{"expired", f.token(with("exp", now-1)), DescExpired},
		{"expires now", f.token(with("exp", now)), DescExpired},
		{"no exp", f.token(with("exp", nil)), DescNoExpiry},
		{"string exp", f.token(with("exp", "9999999999")), DescNoExpiry},
		{"not yet valid", f.token(with("nbf", now+1)), DescNotYetValid},
		{"string nbf", f.token(with("nbf", "0")), DescNotYetValid},
		{"issued in the future", f.token(with("iat", now+1)), DescIssuedLater},
		// AWS's order: the first failing check answers.
		{"bad signature before issuer", sign(t, gojwt.SigningMethodRS256, "k1", testKeys()[1], with("iss", "x")), DescSignature},
		{"issuer before audience", f.token(gojwt.MapClaims{"iss": "x", "aud": "x", "exp": now - 1}), DescIssuer},
		{"audience before expiry", f.token(gojwt.MapClaims{"iss": f.is.URL(), "aud": "x", "exp": now - 1}), DescAudience},
		{"expiry before nbf", f.token(gojwt.MapClaims{"iss": f.is.URL(), "aud": "myapp", "exp": now - 1, "nbf": now + 1}), DescExpired},
		{"nbf before iat", f.token(gojwt.MapClaims{"iss": f.is.URL(), "aud": "myapp", "exp": now + 60, "nbf": now + 1, "iat": now + 1}), DescNotYetValid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var res result
			if c.token == "" {
				res = authorize(t, a, "/")
			} else {
				res = authorize(t, a, "/", "Authorization", c.token)
			}
			if res.status != 401 {
				t.Fatalf("status %d; want 401", res.status)
			}
			want := "Bearer"
			if c.desc != "" {
				want = challengePrefix + c.desc + `"`
			}
			if res.www != want {
				t.Errorf("www-authenticate %q; want %q (%s)", res.www, want, res.cause)
			}
			if tok := strings.TrimPrefix(c.token, "Bearer "); len(tok) > 20 && strings.Contains(res.cause, tok) {
				t.Errorf("the cause contains the token")
			}
		})
	}

	// The only documented header, byte for byte.
	res := authorize(t, a, "/", "Authorization", f.token(with("aud", "someone")))
	if res.www != `Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"` {
		t.Errorf("audience header %q", res.www)
	}
	// client_id is used when aud is absent.
	if res := authorize(t, a, "/", "Authorization", f.token(gojwt.MapClaims{"iss": f.is.URL(), "client_id": "other", "exp": now + 60})); res.status != 200 {
		t.Errorf("client_id without aud: %+v", res)
	}
	// Duplicate identity sources.
	if res := authorize(t, a, "/", "Authorization", f.token(f.claims()), "Authorization", f.token(f.claims())); res.status != 401 {
		t.Errorf("two Authorization headers: %+v", res)
	}
	q := f.authorizer(func(c *Config) { c.IdentitySource = "$request.querystring.t" })
	if res := authorize(t, q, "/?t="+f.token(f.claims())+"&t="+f.token(f.claims())); res.status != 401 {
		t.Errorf("repeated query parameter: %+v", res)
	}
	if res := authorize(t, q, "/?t="); res.status != 401 || res.www != "Bearer" {
		t.Errorf("empty query parameter: %+v", res)
	}
	if res := authorize(t, q, "/?t=%0A"+f.token(f.claims())); res.status != 401 {
		t.Errorf("newline before the token: %+v", res)
	}
	quiet := f.authorizer(func(c *Config) { c.Options.OmitChallengeOnMissingToken = true })
	if res := authorize(t, quiet, "/"); res.status != 401 || res.www != "" {
		t.Errorf("OmitChallengeOnMissingToken: %+v", res)
	}
}

func TestLeeway(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := epoch.Unix()
	c := f.claims()
	c["exp"], c["nbf"], c["iat"] = now-5, now+5, now+5
	tok := f.token(c)
	if res := authorize(t, f.authorizer(nil), "/", "Authorization", tok); res.status != 401 {
		t.Errorf("no leeway: %+v", res)
	}
	lenient := f.authorizer(func(c *Config) { c.Options.Leeway = 10 * time.Second })
	if res := authorize(t, lenient, "/", "Authorization", tok); res.status != 200 {
		t.Errorf("10s leeway: %+v", res)
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.authorizer(func(c *Config) { c.Scopes = []string{"pets:read", "pets:write"} })
	with := func(k string, v any) string {
		c := f.claims()
		c[k] = v
		return f.token(c)
	}
	cases := []struct {
		name   string
		token  string
		status int
		scopes []string
	}{
		{"one of the route's scopes", with("scope", "openid pets:read"), 200, []string{"openid", "pets:read"}},
		{"scp string", with("scp", "pets:write"), 200, []string{"pets:write"}},
		{"scp array", with("scp", []any{"x", "pets:write"}), 200, []string{"x", "pets:write"}},
		{"none of the route's scopes", with("scope", "openid profile"), 403, nil},
		{"scope case", with("scope", "PETS:READ"), 403, nil},
		{"substring", with("scope", "pets:readonly"), 403, nil},
		{"no scope claim", f.token(f.claims()), 403, nil},
		{"empty scope", with("scope", ""), 403, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := authorize(t, a, "/", "Authorization", c.token)
			if res.status != c.status {
				t.Fatalf("status %d (%s); want %d", res.status, res.cause, c.status)
			}
			if c.status == 403 && res.www != "" {
				t.Errorf("www-authenticate %q on 403", res.www)
			}
			if c.status == 200 && !reflect.DeepEqual(res.ctx.JWT.Scopes, c.scopes) {
				t.Errorf("scopes %q; want %q (the token's full list)", res.ctx.JWT.Scopes, c.scopes)
			}
		})
	}
	c := f.claims()
	c["scope"], c["scp"] = "pets:read", "other"
	both := f.token(c)
	if res := authorize(t, a, "/", "Authorization", both); res.status != 200 {
		t.Errorf("scope first: %+v", res)
	}
	scp := f.authorizer(func(c *Config) { c.Scopes = []string{"pets:read"}; c.Options.PreferSCP = true })
	if res := authorize(t, scp, "/", "Authorization", both); res.status != 403 {
		t.Errorf("PreferSCP: %+v", res)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	cache := NewCache(CacheOptions{})
	ok := Config{Issuer: "https://issuer.example", Audience: []string{"a"}, IdentitySource: "$request.header.Authorization", Keys: cache}
	if _, err := New(ok); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Config){
		func(c *Config) { c.Issuer = "" },
		func(c *Config) { c.Issuer = "issuer.example" },
		func(c *Config) { c.Issuer = "ftp://issuer.example" },
		func(c *Config) { c.Issuer = "https://issuer.example?x=1" },
		func(c *Config) { c.Audience = nil },
		func(c *Config) { c.Audience = make([]string, 51) },
		func(c *Config) { c.Audience = []string{""} },
		func(c *Config) { c.IdentitySource = "$context.x" },
		func(c *Config) { c.IdentitySource = "$request.header." },
		func(c *Config) { c.IdentitySource = "$request.header.a b" },
		func(c *Config) { c.Scopes = make([]string, 11) },
		func(c *Config) { c.Scopes = []string{""} },
		func(c *Config) { c.Keys = nil },
	}
	for i, m := range bad {
		c := ok
		m(&c)
		if _, err := New(c); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
}
