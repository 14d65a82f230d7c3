package iam

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBypass tries to reach what carol's policy denies (GET /pets/admin*) or
// does not allow (anything but GET /pets/*) with requests she signs
// correctly: only the path and method games differ. Each must be refused.
func TestBypass(t *testing.T) {
	t.Parallel()
	g := newGateway(t, Options{})

	allowed := []string{"/pets/1", "/pets/", "/pets/a%20b", "/pets/adm"}
	for _, p := range allowed {
		r := g.newRequest("GET", p, nil)
		sign(t, r, nil, carol, testNow)
		if s := g.do(r); s.Status != 200 {
			t.Errorf("GET %s: status %d (%s); want 200 (control)", p, s.Status, s.Cause)
		}
	}

	denied := []struct{ name, method, target string }{
		{"denied path", "GET", "/pets/admin"},
		{"denied prefix", "GET", "/pets/admin/users"},
		{"case of path", "GET", "/pets/Admin"},
		{"case of route", "GET", "/PETS/1"},
		{"lower-case method", "get", "/pets/1"},
		{"lower-case method on denied path", "get", "/pets/admin"},
		{"double slash", "GET", "/pets//admin"},
		{"leading double slash", "GET", "//pets/admin"},
		{"dot segment", "GET", "/pets/./admin"},
		{"dot-dot segment", "GET", "/pets/x/../admin"},
		{"dot-dot escaping the allowed prefix", "GET", "/pets/../admin"},
		{"encoded dot-dot", "GET", "/pets/x/%2e%2e/admin"},
		{"encoded slash", "GET", "/pets/x%2F..%2Fadmin"},
		{"encoded slash into denied", "GET", "/pets/admin%2Fusers"},
		{"double encoding", "GET", "/pets/%2561dmin"},
		{"encoded letters", "GET", "/pets/%61dmin"},
		{"backslash", "GET", "/pets/x%5C..%5Cadmin"},
		{"other method", "POST", "/pets/1"},
		{"HEAD", "HEAD", "/pets/1"},
	}
	for _, c := range denied {
		t.Run(c.name, func(t *testing.T) {
			r := g.newRequest(c.method, c.target, nil)
			sign(t, r, nil, carol, testNow)
			// The signature is valid: the refusal must come from the policy.
			if s := g.do(r); s.Status != 403 || s.ErrorType != AccessDenied {
				t.Errorf("%s %s: status %d %s (%s); want 403 %s", c.method, c.target, s.Status, s.ErrorType, s.Cause, AccessDenied)
			}
		})
	}
}

// TestSignatureGames replays and reshapes valid signatures.
func TestSignatureGames(t *testing.T) {
	t.Parallel()
	g := newGateway(t, Options{})
	signed := g.newRequest("GET", "/pets/1", nil)
	sign(t, signed, nil, carol, testNow)
	h := signed.Header.Get("Authorization")

	replay := func(target string, mutate func(http.Header)) *http.Request {
		r := g.newRequest("GET", target, nil)
		r.Header = signed.Header.Clone()
		if mutate != nil {
			mutate(r.Header)
		}
		return r
	}
	if s := g.do(replay("/pets/1", nil)); s.Status != 200 {
		t.Fatalf("replay within the window: %+v (AWS accepts it too)", s)
	}
	games := []struct {
		name   string
		req    *http.Request
		header string
	}{
		{"replayed to another path", replay("/pets/admin", nil), ""},
		{"replayed with a query", replay("/pets/1?x=1", nil), ""},
		{"algorithm lower case", replay("/pets/1", func(h http.Header) {
			h.Set("Authorization", strings.Replace(h.Get("Authorization"), Algorithm, strings.ToLower(Algorithm), 1))
		}), ""},
		{"SigV4a", replay("/pets/1", func(h http.Header) {
			h.Set("Authorization", strings.Replace(h.Get("Authorization"), Algorithm, "AWS4-ECDSA-P256-SHA256", 1))
		}), ""},
		{"Bearer", replay("/pets/1", func(h http.Header) { h.Set("Authorization", "Bearer x") }), ""},
		{"empty Authorization", replay("/pets/1", func(h http.Header) { h.Set("Authorization", "") }), ""},
		{"whitespace Authorization", replay("/pets/1", func(h http.Header) { h.Set("Authorization", "   ") }), ""},
		{"signature removed", replay("/pets/1", func(hd http.Header) {
			hd.Set("Authorization", h[:strings.Index(h, ", Signature=")])
		}), ""},
		{"signature empty", replay("/pets/1", func(hd http.Header) {
			hd.Set("Authorization", h[:strings.Index(h, "Signature=")+len("Signature=")])
		}), ""},
		{"duplicate parameter", replay("/pets/1", func(hd http.Header) { hd.Set("Authorization", h+", Signature=00") }), ""},
		{"credential of another key", replay("/pets/1", func(hd http.Header) {
			hd.Set("Authorization", strings.Replace(h, "AKIACAROL/", "AKIAALICE/", 1))
		}), ""},
		{"credential date changed", replay("/pets/1", func(hd http.Header) {
			hd.Set("Authorization", strings.Replace(h, "/20260301/", "/20260302/", 1))
		}), ""},
		{"unsorted signed headers", replay("/pets/1", func(hd http.Header) {
			hd.Set("Authorization", strings.Replace(h, "SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date;host", 1))
		}), ""},
		{"upper-case signed headers", replay("/pets/1", func(hd http.Header) {
			hd.Set("Authorization", strings.Replace(h, "SignedHeaders=host;x-amz-date", "SignedHeaders=Host;x-amz-date", 1))
		}), ""},
	}
	for _, c := range games {
		t.Run(c.name, func(t *testing.T) {
			if s := g.do(c.req); s.Status != 403 {
				t.Errorf("status %d; want 403", s.Status)
			}
		})
	}

	// The same signed request, replayed after the window.
	late := newGatewayAt(t, testNow.Add(MaxSkew+time.Second))
	r := late.newRequest("GET", "/pets/1", nil)
	r.Header = signed.Header.Clone()
	if s := late.do(r); s.Status != 403 || s.ErrorType != InvalidSignature {
		t.Errorf("replay after the window: %+v", s)
	}
}

// newGatewayAt is newGateway with the gateway's clock at now.
func newGatewayAt(t *testing.T, now time.Time) *gateway {
	t.Helper()
	return newGatewayClock(t, Options{}, func() time.Time { return now })
}
