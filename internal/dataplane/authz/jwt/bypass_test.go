package jwt

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	gojwt "github.com/golang-jwt/jwt/v5"
)

// TestBypass tries to get a request past the authorizer without a valid
// token. Every attempt must be refused.
func TestBypass(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.authorizer(nil)
	valid := f.token(f.claims())
	raw := func(claimsJSON string) string {
		parts := strings.Split(valid, ".")
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(claimsJSON))
		return strings.Join(parts, ".")
	}
	signedRaw := func(claimsJSON string) string {
		// Sign an arbitrary payload text (numbers golang-jwt would not
		// produce) with the real key.
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"k1","typ":"JWT"}`))
		p := base64.RawURLEncoding.EncodeToString([]byte(claimsJSON))
		sig, err := gojwt.SigningMethodRS256.Sign(h+"."+p, testKeys()[0])
		if err != nil {
			t.Fatal(err)
		}
		return h + "." + p + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	iss := f.is.URL()
	attempts := []struct {
		name   string
		header []string
	}{
		{"no header", nil},
		{"empty", []string{"Authorization", ""}},
		{"dots only", []string{"Authorization", ".."}},
		{"empty segments", []string{"Authorization", "a..b"}},
		{"Bearer Bearer", []string{"Authorization", "Bearer Bearer " + valid}},
		{"two tokens in one header", []string{"Authorization", "Bearer " + valid + ", Bearer " + valid}},
		{"token then garbage", []string{"Authorization", valid + " x"}},
		{"no-break space", []string{"Authorization", "Bearer\u00a0" + valid}},
		{"second header empty", []string{"Authorization", "Bearer " + valid, "Authorization", ""}},
		{"first header empty", []string{"Authorization", "", "Authorization", "Bearer " + valid}},
		{"token in another header", []string{"X-Authorization", "Bearer " + valid}},
		{"signature stripped", []string{"Authorization", valid[:strings.LastIndex(valid, ".")+1]}},
		{"signature of no bytes", []string{"Authorization", valid[:strings.LastIndex(valid, ".")+1] + "AA"}},
		{"unsigned claims swap", []string{"Authorization", raw(`{"iss":"` + iss + `","aud":"myapp","exp":9999999999,"sub":"root"}`)}},
		{"exp overflow", []string{"Authorization", signedRaw(`{"iss":"` + iss + `","aud":"myapp","exp":1e400}`)}},
		{"exp array", []string{"Authorization", signedRaw(`{"iss":"` + iss + `","aud":"myapp","exp":[9999999999]}`)}},
		{"exp null", []string{"Authorization", signedRaw(`{"iss":"` + iss + `","aud":"myapp","exp":null}`)}},
		{"exp bool", []string{"Authorization", signedRaw(`{"iss":"` + iss + `","aud":"myapp","exp":true}`)}},
		{"aud null", []string{"Authorization", signedRaw(`{"iss":"` + iss + `","aud":null,"client_id":"myapp","exp":9999999999}`)}},
		{"aud prefix", []string{"Authorization", signedRaw(`{"iss":"` + iss + `","aud":"myapp2","exp":9999999999}`)}},
		{"aud nested array", []string{"Authorization", signedRaw(`{"iss":"` + iss + `","aud":[["myapp"]],"exp":9999999999}`)}},
		{"duplicate iss, last wrong", []string{"Authorization", signedRaw(`{"iss":"` + iss + `","iss":"x","aud":"myapp","exp":9999999999}`)}},
		{"claims not an object", []string{"Authorization", signedRaw(`["` + iss + `"]`)}},
		{"claims with trailing data", []string{"Authorization", signedRaw(`{"iss":"` + iss + `","aud":"myapp","exp":9999999999} {}`)}},
	}
	for _, c := range attempts {
		t.Run(c.name, func(t *testing.T) {
			if res := authorize(t, a, "/", c.header...); res.status != 401 {
				t.Errorf("status %d; want 401 (%s)", res.status, res.cause)
			}
		})
	}

	// Query-string sources.
	q := f.authorizer(func(c *Config) { c.IdentitySource = "$request.querystring.token" })
	for _, target := range []string{
		"/?token",
		"/?token=",
		"/?token=%20",
		"/?token=" + url.QueryEscape(" "+valid),
		"/?token=" + url.QueryEscape(valid+"\n"),
		"/?token=" + valid + "&token=",
		"/?token=&token=" + valid,
		"/?TOKEN=" + valid,
		"/?token%00=" + valid,
		"/?token=" + valid + "%",
	} {
		if res := authorize(t, q, target); res.status != 401 {
			t.Errorf("%s: status %d; want 401", target, res.status)
		}
	}
	// The same path with a header token: the query source ignores it.
	if res := authorize(t, q, "/", "Authorization", "Bearer "+valid); res.status != 401 {
		t.Errorf("header token on a query source: %d", res.status)
	}
}
