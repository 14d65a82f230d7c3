package iam

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestVerifierService checks Verifier.Service: the credential scope must name
// the configured service, and execute-api when none is configured.
func TestVerifierService(t *testing.T) {
	store, err := NewStore([]Credentials{alice})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"name":"pets"}`)
	req := func(service string) *http.Request {
		r, err := http.NewRequest("POST", "http://127.0.0.1:3300/v2/apis", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		sign(t, r, body, alice, testNow, withService(service))
		// What a server sees: Content-Length among the headers.
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return r
	}
	read := func() ([]byte, error) { return body, nil }
	for _, tc := range []struct {
		verifier, signed string
		want             string // "" for success, else the error type
		msg              string
	}{
		{"lambda", "lambda", "", ""},
		{"apigateway", "apigateway", "", ""},
		{"apigateway", "execute-api", InvalidSignature, "Credential should be scoped to correct service: 'apigateway'."},
		{"lambda", "apigateway", InvalidSignature, "Credential should be scoped to correct service: 'lambda'."},
		{"", "execute-api", "", ""},
		{"", "apigateway", InvalidSignature, "Credential should be scoped to correct service: 'execute-api'."},
	} {
		v := &Verifier{Store: store, Now: func() time.Time { return testNow }, Service: tc.verifier}
		id, err := v.Verify(req(tc.signed), testRegion, read)
		if tc.want == "" {
			if err != nil || id == nil || id.AccessKeyID != alice.AccessKeyID {
				t.Errorf("verifier %q, signed for %q: %v, %v; want alice", tc.verifier, tc.signed, id, err)
			}
			continue
		}
		var ae *AuthError
		if !errors.As(err, &ae) || ae.Type != tc.want || ae.Message != tc.msg {
			t.Errorf("verifier %q, signed for %q: %v; want %s: %s", tc.verifier, tc.signed, err, tc.want, tc.msg)
		}
	}
}
