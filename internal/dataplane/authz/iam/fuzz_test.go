package iam

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseAuthorization feeds arbitrary Authorization headers to the parser:
// it must not panic, what it accepts must be well-formed, and its messages
// must never echo the signature.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIAALICE/20260301/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32),
		"AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request,SignedHeaders=host,Signature=00",
		"AWS4-HMAC-SHA256 Credential=A/2026/r/s/aws4_request, SignedHeaders=host, Signature=1",
		"AWS4-HMAC-SHA256 Credential",
		"AWS4-HMAC-SHA256 ,,,",
		"AWS4-HMAC-SHA256 Signature=s3cr3t, Signature=s3cr3t",
		"AWS4-ECDSA-P256-SHA256 Credential=x",
		"Bearer abc",
		"",
		"AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request, SignedHeaders=b;a, Signature=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if (a == nil) == (err == nil) {
			t.Fatalf("parseAuthorization(%q) = %v, %v: want exactly one", h, a, err)
		}
		if err != nil {
			if err.Type != IncompleteSignature && err.Type != InvalidSignature {
				t.Errorf("type %q", err.Type)
			}
			if !utf8.ValidString(err.Message) {
				t.Errorf("message is not valid UTF-8: %q", err.Message)
			}
			// A signature long enough to be one is never echoed.
			if i := strings.Index(h, "Signature="); i >= 0 {
				sig, _, _ := strings.Cut(h[i+len("Signature="):], ",")
				if len(sig) >= 40 && strings.Contains(err.Message, sig) {
					t.Errorf("message echoes the signature: %q", err.Message)
				}
			}
			return
		}
		c := a.credential
		if c.accessKeyID == "" || len(c.date) != 8 || !allDigits(c.date) || c.region == "" || c.service == "" {
			t.Errorf("accepted credential %+v", c)
		}
		if a.signature == "" || len(a.signedHeaders) == 0 || !sort.StringsAreSorted(a.signedHeaders) {
			t.Errorf("accepted %+v", a)
		}
		for i, n := range a.signedHeaders {
			if n == "" || strings.ToLower(n) != n || (i > 0 && a.signedHeaders[i-1] == n) {
				t.Errorf("accepted signed header %q", n)
			}
		}
	})
}

// FuzzVerify sends arbitrary signature material through Verify: nothing may
// panic, and nothing but the one correctly signed request may pass.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	store, err := NewStore([]Credentials{alice})
	if err != nil {
		f.Fatal(err)
	}
	v := &Verifier{Store: store, Now: func() time.Time { return now }}
	valid := httptest.NewRequest("GET", "http://api.example/pets?a=1", nil)
	sign(f, valid, nil, alice, now)
	f.Add(valid.Header.Get("Authorization"), valid.Header.Get("X-Amz-Date"), "/pets", "a=1", "")
	f.Add(valid.Header.Get("Authorization"), valid.Header.Get("X-Amz-Date"), "/pets", "a=1", UnsignedPayload)
	f.Add("", "", "/pets", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAALICE%2F20260301%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20260301T120000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAALICE/20260301/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00", "20260301T120000Z", "/%zz", "x=%", "")
	f.Fuzz(func(t *testing.T, authz, date, path, query, contentSHA string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " ?#\x00\r\n") || strings.ContainsAny(query, " #\x00\r\n") {
			return
		}
		r, err := http.NewRequest("GET", "http://api.example"+path+"?"+query, nil)
		if err != nil {
			return
		}
		r.RequestURI = path + "?" + query
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		if contentSHA != "" {
			r.Header.Set("X-Amz-Content-Sha256", contentSHA)
		}
		id, err := v.Verify(r, testRegion, func() ([]byte, error) { return nil, nil })
		same := authz == valid.Header.Get("Authorization") && date == valid.Header.Get("X-Amz-Date") &&
			path == "/pets" && query == "a=1" && contentSHA == ""
		if (err == nil) != same {
			t.Fatalf("Verify(%q, %q, %q, %q, %q) = %v, %v", authz, date, path, query, contentSHA, id, err)
		}
		if err != nil {
			if _, ok := err.(*AuthError); !ok {
				t.Fatalf("error %T %v; want *AuthError", err, err)
			}
		}
	})
}
