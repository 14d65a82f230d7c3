package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/gatewaytest"
	"github.com/apigwdev/apigw/internal/inspector"
)

// Secrets the inspector tests send; none may appear in what the inspector
// serves.
const (
	secretBearer = "eyJzZWNyZXQiOiJiZWFyZXItdG9rZW4tOTg3NjU0In0"
	secretCookie = "cookie-secret-5f3a9c"
	secretSig    = "0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e"
	secretToken  = "IQoJb3JpZ2luX2VjEFAKE-session-token"
	secretAPIKey = "apikey-3d2c1b0a"
)

// inspectorDoc is an API with an HTTP_PROXY route, a Lambda route (the
// functions package's echo, which answers with its event) and a $default
// route to nothing.
func inspectorDoc(backend string) string {
	return `
openapi: "3.0.1"
info: {title: inspected, version: "1"}
paths:
  /http/{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "` + backend + `/b/{proxy}", payloadFormatVersion: "1.0"}
  /fn/{id}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "` + fnARN("echo") + `", payloadFormatVersion: "2.0"}
`
}

// startInspected serves inspectorDoc with an access log and extra config
// appended (by default an inspector section masking X-Api-Key).
func startInspected(t *testing.T, extra string) (*gatewaytest.Gateway, string) {
	t.Helper()
	be := echoBackend(t)
	cfg := fmt.Sprintf("functions:\n  echo: {command: [%q]}\n", fnPath("echo")) + `
apis:
  - id: inspect001
    openapi: ./api.yaml
    default: true
    stages:
      - name: $default
        accessLogSettings: {format: '$context.requestId $context.routeKey $context.status', destinationArn: ./access.log}
` + extra
	return gatewaytest.Start(t, gatewaytest.Files{"api.yaml": inspectorDoc(be.URL), "apigw.yaml": cfg}), be.URL
}

// secretHeaders are the secrets sent with each inspected request.
var secretHeaders = []string{
	"Authorization: Bearer " + secretBearer,
	"Cookie: session=" + secretCookie + "; theme=dark",
	"X-Amz-Security-Token: " + secretToken,
	"X-Api-Key: " + secretAPIKey,
}

func getJSON(t *testing.T, url string, v any) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, b)
		}
	}
	return resp.StatusCode, string(b)
}

func wantNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range []string{secretBearer, secretCookie, secretSig, secretToken, secretAPIKey} {
		if strings.Contains(s, sec) {
			t.Errorf("%s shows secret %q:\n%s", what, sec, s)
		}
	}
}

func TestInspectorRecordsRequests(t *testing.T) {
	t.Parallel()
	gw, _ := startInspected(t, "inspector: {maskHeaders: [X-Api-Key]}\n")

	httpResp := gw.Do(t, "GET", "", "/http/pets/7?X-Amz-Signature="+secretSig+"&color=red", nil, secretHeaders...)
	if httpResp.Status != 200 || !strings.Contains(httpResp.Body, secretBearer) {
		t.Fatalf("HTTP route: %d %s (the echo backend should have seen the token)", httpResp.Status, httpResp.Body)
	}
	fnResp := gw.Do(t, "POST", "", "/fn/42", strings.NewReader(`{"hello":"world"}`), append(secretHeaders, "Content-Type: application/json")...)
	if fnResp.Status != 200 || !strings.Contains(fnResp.Body, secretBearer) {
		t.Fatalf("Lambda route: %d %s (the echo function should have seen the token)", fnResp.Status, fnResp.Body)
	}
	// Untraced, the function still gets a trace header, as Lambda passes
	// one on every invocation: the event's trace id, not sampled.
	var reply struct {
		Event   struct{ Headers map[string]string } `json:"event"`
		Env     map[string]string                   `json:"env"`
		TraceID string                              `json:"traceId"`
	}
	if err := json.Unmarshal([]byte(fnResp.Body), &reply); err != nil {
		t.Fatal(err)
	}
	if want := reply.Event.Headers["x-amzn-trace-id"] + ";Sampled=0"; reply.TraceID != want || reply.Env["_X_AMZN_TRACE_ID"] != want {
		t.Errorf("untraced function: Lambda-Runtime-Trace-Id %q, _X_AMZN_TRACE_ID %q; want %q", reply.TraceID, reply.Env["_X_AMZN_TRACE_ID"], want)
	}
	missing := gw.Do(t, "GET", "", "/nowhere", nil)
	if missing.Status != 404 {
		t.Fatalf("unrouted request: %d", missing.Status)
	}

	var list []inspector.Summary
	status, raw := getJSON(t, gw.AdminURL+"/_inspector/api/requests", &list)
	if status != 200 {
		t.Fatalf("list: %d %s", status, raw)
	}
	wantNoSecrets(t, "the list", raw)
	if len(list) != 3 {
		t.Fatalf("list has %d entries, want 3: %s", len(list), raw)
	}
	ids := []string{missing.Header.Get("Apigw-Requestid"), fnResp.Header.Get("Apigw-Requestid"), httpResp.Header.Get("Apigw-Requestid")}
	for i, e := range list {
		if e.RequestID != ids[i] {
			t.Errorf("entry %d is %s, want %s (newest first)", i, e.RequestID, ids[i])
		}
	}
	fn, h := list[1], list[2]
	if fn.Method != "POST" || fn.Path != "/fn/42" || fn.Status != 200 || fn.RouteKey != "ANY /fn/{id}" || fn.APIID != "inspect001" ||
		fn.Stage != "$default" || fn.IntegrationLatencyMs == nil || fn.LatencyMs < *fn.IntegrationLatencyMs || fn.Authorizer.Type != "NONE" {
		t.Errorf("Lambda entry: %+v", fn)
	}
	if h.Path != "/http/pets/7" || h.RouteKey != "ANY /http/{proxy+}" || h.IntegrationType != "HTTP_PROXY" {
		t.Errorf("HTTP entry: %+v", h)
	}
	if m := list[0]; m.Status != 404 || m.RouteKey != "" || m.IntegrationLatencyMs != nil {
		t.Errorf("unrouted entry: %+v", m)
	}

	var after []inspector.Summary
	getJSON(t, fmt.Sprintf("%s/_inspector/api/requests?after=%d", gw.AdminURL, h.Seq), &after)
	if len(after) != 2 || after[1].RequestID != fn.RequestID {
		t.Errorf("?after=%d: %+v", h.Seq, after)
	}

	var d inspector.Detail
	status, raw = getJSON(t, gw.AdminURL+"/_inspector/api/requests/"+fn.RequestID, &d)
	if status != 200 {
		t.Fatalf("detail: %d %s", status, raw)
	}
	wantNoSecrets(t, "the Lambda request's detail", raw)
	i := d.Integration
	switch {
	case i == nil:
		t.Fatalf("no integration in %s", raw)
	case i.Type != "AWS_PROXY" || i.Target != fnARN("echo"):
		t.Errorf("integration %s %s", i.Type, i.Target)
	case !strings.Contains(i.Request.Body.Body, `"routeKey":"ANY /fn/{id}"`) || !strings.Contains(i.Request.Body.Body, `hello`):
		t.Errorf("event sent: %s", i.Request.Body.Body)
	case !strings.Contains(i.Response.Body.Body, `"event"`):
		t.Errorf("function's answer: %s", i.Response.Body.Body)
	case i.FunctionRequestID == "" || !strings.Contains(i.FunctionLog, "START RequestId: "+i.FunctionRequestID) ||
		!strings.Contains(i.FunctionLog, "echo handling "+i.FunctionRequestID):
		t.Errorf("function log (request id %q): %q", i.FunctionRequestID, i.FunctionLog)
	}
	if d.Request.Body.Body != `{"hello":"world"}` || d.Response.Status != 200 || !strings.Contains(d.Response.Body.Body, `"event"`) {
		t.Errorf("request body %q, response %d %q", d.Request.Body.Body, d.Response.Status, d.Response.Body.Body)
	}
	if got := d.Request.Headers["Authorization"]; len(got) != 1 || got[0] != "****" {
		t.Errorf("Authorization shown as %q", got)
	}
	if want := fn.RequestID + " ANY /fn/{id} 200"; d.AccessLog != want {
		t.Errorf("access log line %q, want %q", d.AccessLog, want)
	}

	status, raw = getJSON(t, gw.AdminURL+"/_inspector/api/requests/"+h.RequestID, &d)
	if status != 200 {
		t.Fatalf("detail: %d %s", status, raw)
	}
	wantNoSecrets(t, "the HTTP request's detail", raw)
	if i := d.Integration; i == nil || i.Request.Method != "GET" || !strings.HasSuffix(i.Target, "/b/pets/7?X-Amz-Signature=****&color=red") ||
		i.Response.Status != 200 || i.Request.Headers["X-Amzn-Trace-Id"] == nil || i.Response.Headers["X-Backend"] == nil {
		t.Errorf("HTTP integration: %+v", d.Integration)
	}

	if status, _ := getJSON(t, gw.AdminURL+"/_inspector/api/requests/nosuchid", nil); status != 404 {
		t.Errorf("unknown id: %d, want 404", status)
	}
	status, page := getJSON(t, gw.AdminURL+"/_inspector", nil)
	if status != 200 || !strings.Contains(page, "request inspector") {
		t.Errorf("page: %d %.200s", status, page)
	}
}

func TestInspectorShowSecretsAndOff(t *testing.T) {
	t.Parallel()
	gw, _ := startInspected(t, "inspector: {showSecrets: true}\n")
	r := gw.Do(t, "GET", "", "/http/x", nil, secretHeaders...)
	var d inspector.Detail
	if status, raw := getJSON(t, gw.AdminURL+"/_inspector/api/requests/"+r.Header.Get("Apigw-Requestid"), &d); status != 200 {
		t.Fatalf("detail: %d %s", status, raw)
	}
	if got := d.Request.Headers["Authorization"]; len(got) != 1 || got[0] != "Bearer "+secretBearer {
		t.Errorf("with showSecrets, Authorization is %q", got)
	}

	off, _ := startInspected(t, "inspector: {enabled: false}\n")
	off.Do(t, "GET", "", "/http/x", nil)
	if status, _ := getJSON(t, off.AdminURL+"/_inspector/api/requests", nil); status != 404 {
		t.Errorf("inspector off: /_inspector/api/requests answers %d, want 404", status)
	}
}
