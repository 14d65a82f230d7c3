package jwt

import (
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
)

// FuzzToken sends arbitrary Authorization values through Authorize with a warm
// key cache: nothing may panic, every refusal is a 401 with the documented
// header shape, and the only value accepted is the valid token itself (with
// or without "Bearer ").
func FuzzToken(f *testing.F) {
	fx := newFuzzFixture(f)
	a := fx.authorizer
	valid := fx.valid
	f.Add("Bearer " + valid)
	f.Add(valid)
	f.Add("bearer " + valid)
	f.Add(strings.Replace(valid, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("Bearer ")
	f.Add(valid[:len(valid)-2] + "AA")
	f.Fuzz(func(t *testing.T, value string) {
		if strings.ContainsAny(value, "\r\n\x00") {
			return // not a header value
		}
		res := authorize(t, a, "/", "Authorization", value)
		tok := value
		if len(tok) >= len(bearer) && strings.EqualFold(tok[:len(bearer)], bearer) {
			tok = tok[len(bearer):]
		}
		if res.status == 200 {
			if tok != valid {
				t.Fatalf("accepted %q", value)
			}
			return
		}
		if tok == valid {
			t.Fatalf("refused the valid token: %+v", res)
		}
		if res.status != 401 {
			t.Fatalf("status %d for %q", res.status, value)
		}
		if res.www != "Bearer" && !strings.HasPrefix(res.www, challengePrefix) {
			t.Fatalf("www-authenticate %q", res.www)
		}
		if len(tok) > 16 && strings.Contains(res.cause, tok) {
			t.Fatalf("cause %q contains the token", res.cause)
		}
	})
}

// fuzzFixture is a fixture usable from a testing.F (the issuer server lives
// until the fuzz target ends).
type fuzzFixture struct {
	authorizer *Authorizer
	valid      string
}

func newFuzzFixture(f *testing.F) *fuzzFixture {
	is := newTestIssuer(f)
	clk := &clock{t: epoch}
	cache := NewCache(CacheOptions{Client: is.srv.Client(), Now: clk.Now, FetchTimeout: time.Second})
	a, err := New(Config{Issuer: is.URL(), Audience: []string{"myapp"}, IdentitySource: "$request.header.Authorization", Keys: cache, Now: clk.Now})
	if err != nil {
		f.Fatal(err)
	}
	now := epoch.Unix()
	valid := sign(f, gojwt.SigningMethodRS256, "k1", testKeys()[0], gojwt.MapClaims{"iss": is.URL(), "aud": "myapp", "exp": now + 60, "sub": "alice"})
	return &fuzzFixture{authorizer: a, valid: valid}
}
