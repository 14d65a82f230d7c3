package iam

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseAuthorizationMessages(t *testing.T) {
	t.Parallel()
	const sig = "Signature=0123456789012345678901234567890123456789012345678901234567890123"
	cases := []struct{ h, typ, msg string }{
		{"Bearer x", IncompleteSignature, "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=<redacted>"},
		{"AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request", IncompleteSignature, "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=<redacted>"},
		{"AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request, SignedHeaders=host, 0123456789012345678901234567890123456789", IncompleteSignature,
			"'0123456789012345...' not a valid key=value pair (missing equal-sign) in Authorization header: '<redacted>'."},
		{"AWS4-HMAC-SHA256 Credential=A/20260301/r/s, SignedHeaders=host, " + sig, IncompleteSignature, "Credential should be in the form {access key id}/{date}/{region}/{service}/aws4_request: 'A/20260301/r/s' is not."},
		{"AWS4-HMAC-SHA256 Credential=A, SignedHeaders=host, " + sig, IncompleteSignature, "Credential should be in the form {access key id}/{date}/{region}/{service}/aws4_request: '<redacted>' is not."},
		{"AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws5_request, SignedHeaders=host, " + sig, InvalidSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{"AWS4-HMAC-SHA256 Credential=A/2026031/r/s/aws4_request, SignedHeaders=host, " + sig, InvalidSignature, "Date in Credential scope '2026031' is not in the yyyyMMdd format."},
		{"AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request, SignedHeaders=host;;x, " + sig, IncompleteSignature, "SignedHeaders 'host;;x' must be lower-case header names separated by ';'."},
		{"AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request, SignedHeaders=host;host, " + sig, IncompleteSignature, "SignedHeaders 'host;host' must be sorted and must not repeat a header."},
		{"AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request, SignedHeaders=host, Region=x, " + sig, IncompleteSignature, "Authorization header has an unknown parameter 'Region'. Authorization=<redacted>"},
	}
	for _, c := range cases {
		_, err := parseAuthorization(c.h)
		if err == nil || err.Type != c.typ || err.Message != c.msg {
			t.Errorf("parseAuthorization(%q) = %v; want %s: %s", c.h, err, c.typ, c.msg)
		}
		if err != nil && strings.Contains(err.Message, "0123456789012345678901234567890123456789") {
			t.Errorf("message echoes the signature: %s", err.Message)
		}
	}
	a, err := parseAuthorization("AWS4-HMAC-SHA256   Credential=AKID/20260301/us-east-1/execute-api/aws4_request ,SignedHeaders=host;x-amz-date,Signature=ab")
	if err != nil || a.credential.accessKeyID != "AKID" || a.signature != "ab" || len(a.signedHeaders) != 2 {
		t.Errorf("tolerant spacing: %+v %v", a, err)
	}
}

func TestRequestPath(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "http://h/a%2Fb/c?x=1", nil)
	if got := requestPath(r); got != "/a%2Fb/c" {
		t.Errorf("origin form: %q", got)
	}
	r.RequestURI = "http://h/a%2Fb/c?x=1"
	if got := requestPath(r); got != "/a%2Fb/c" {
		t.Errorf("absolute form: %q", got)
	}
	r2, _ := http.NewRequest("GET", "http://h/p%20q", nil) // built in process: no RequestURI
	if got := requestPath(r2); got != "/p%20q" {
		t.Errorf("in-process request: %q", got)
	}
	r2.URL.Path, r2.URL.RawPath = "", ""
	if got := canonicalURI(r2); got != "/" {
		t.Errorf("empty path: %q", got)
	}
	if got := canonicalURI(httptest.NewRequest("GET", "http://h/a%2Fb/%C3%BC~x", nil)); got != "/a%252Fb/%25C3%25BC~x" {
		t.Errorf("canonical URI %q", got)
	}
}

func TestCanonicalQuery(t *testing.T) {
	t.Parallel()
	params, ok := parseQueryStrict("b=2&a=2&a=1&c&d=&sp=x+y&u=%C3%BC&&s=a/b")
	if !ok {
		t.Fatal("not ok")
	}
	if got := canonicalQuery(params, ""); got != "a=1&a=2&b=2&c=&d=&s=a%2Fb&sp=x%20y&u=%C3%BC" {
		t.Errorf("canonical query %q", got)
	}
	if _, ok := parseQueryStrict("a=%zz"); ok {
		t.Error("invalid escape accepted")
	}
	// Sorted after encoding, as the SDK does: "a-b" sorts before "a%2Fb"
	// decoded but after it encoded.
	params, _ = parseQueryStrict("k=a-b&k=a/b")
	if got := canonicalQuery(params, ""); got != "k=a%2Fb&k=a-b" {
		t.Errorf("sort after encoding: %q", got)
	}
}
