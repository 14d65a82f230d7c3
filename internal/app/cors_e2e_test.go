package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// TestCORSPreflight sends a browser-style preflight to an API with a CORS
// configuration and no OPTIONS route: the gateway answers it itself, and
// actual responses carry the CORS headers instead of the integration's.
func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	be := echoBackendWithCORS(t)
	gw := gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml": `
openapi: "3.0.1"
info: {title: cors, version: "1"}
paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "` + be + `/pets", payloadFormatVersion: "1.0"}
x-amazon-apigateway-cors:
  allowOrigins: ["https://app.example.com"]
  allowMethods: ["GET", "POST"]
  allowHeaders: ["content-type", "authorization"]
  exposeHeaders: ["x-request-id"]
  allowCredentials: true
  maxAge: 600
`,
		"apigw.yaml": "apis:\n  - {id: cors000001, openapi: ./api.yaml, default: true}\n",
	})

	r := gw.Do(t, "OPTIONS", "", "/pets", nil,
		"Origin: https://app.example.com",
		"Access-Control-Request-Method: POST",
		"Access-Control-Request-Headers: content-type")
	if r.Status != http.StatusNoContent || r.Body != "" {
		t.Fatalf("preflight: %d %q; want 204 and no body", r.Status, r.Body)
	}
	want := map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.com",
		"Access-Control-Allow-Methods":     "GET,POST",
		"Access-Control-Allow-Headers":     "content-type,authorization",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Max-Age":           "600",
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("preflight %s = %q; want %q", k, got, v)
		}
	}
	if r.Header.Get("apigw-requestid") == "" {
		t.Error("preflight without apigw-requestid")
	}

	// A preflight from an origin that is not allowed gets no CORS headers.
	r = gw.Do(t, "OPTIONS", "", "/pets", nil, "Origin: https://evil.example.com", "Access-Control-Request-Method: GET")
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("disallowed origin got allow-origin %q", r.Header.Get("Access-Control-Allow-Origin"))
	}

	// The actual request: the integration's own CORS header is replaced.
	r = gw.Do(t, "GET", "", "/pets", nil, "Origin: https://app.example.com")
	if r.Status != 200 {
		t.Fatalf("GET: %d %s", r.Status, r.Body)
	}
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
		t.Errorf("GET allow-origin %q; want the allowed origin, not the integration's *", got)
	}
	if got := r.Header.Get("Access-Control-Expose-Headers"); got != "x-request-id" {
		t.Errorf("GET expose-headers %q", got)
	}

	// A gateway error carries CORS headers too, so the browser can read it.
	r = gw.Do(t, "GET", "", "/nothing", nil, "Origin: https://app.example.com")
	if r.Status != 404 || r.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("404: %d allow-origin %q", r.Status, r.Header.Get("Access-Control-Allow-Origin"))
	}

	// A plain OPTIONS (not a preflight) is routed: no OPTIONS route, so 404.
	r = gw.Do(t, "OPTIONS", "", "/pets", nil)
	if r.Status != 404 {
		t.Errorf("plain OPTIONS: %d; want 404", r.Status)
	}
}

// echoBackendWithCORS is a backend that sets its own CORS header, which the
// gateway must replace.
func echoBackendWithCORS(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
