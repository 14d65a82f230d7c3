package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// TestStageFeatures checks parameter mapping, throttling, access logs and
// metrics end to end through a real backend.
func TestStageFeatures(t *testing.T) {
	t.Parallel()
	be := echoBackend(t)
	gw := gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml": `
openapi: "3.0.1"
info: {title: stagefeatures, version: "1"}
paths:
  /items/{id}:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "` + be.URL + `/orig"
        payloadFormatVersion: "1.0"
        requestParameters:
          "append:header.x-stage": "$context.stage"
          "overwrite:querystring.q": "$request.header.x-q"
          "remove:header.x-secret": "''"
          "overwrite:path": "/new/${request.path.id}"
        responseParameters:
          "200":
            "overwrite:header.x-mapped": "$response.header.X-Backend"
            "overwrite:statuscode": "202"
  /limited:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "` + be.URL + `/limited", payloadFormatVersion: "1.0"}
`,
		"apigw.yaml": `
apis:
  - id: stage00001
    openapi: ./api.yaml
    default: true
    stages:
      - name: $default
        routeSettings:
          "GET /limited": {throttlingBurstLimit: 2, throttlingRateLimit: 0}
        accessLogSettings:
          destinationArn: "arn:aws:logs:us-east-1:000000000000:log-group:stage-test"
          format: '$context.requestId $context.routeKey $context.status $context.integration.status'
`,
	})

	r := gw.Do(t, "GET", "", "/items/7?q=client", nil, "X-Q: mapped", "X-Secret: s3cret")
	if r.Status != 202 {
		t.Fatalf("mapped status: got %d %s; want 202 (overwrite:statuscode)", r.Status, r.Body)
	}
	if r.Header.Get("X-Mapped") != "echo" {
		t.Errorf("x-mapped = %q; want the backend's X-Backend", r.Header.Get("X-Mapped"))
	}
	var seen seenRequest
	if err := json.Unmarshal([]byte(r.Body), &seen); err != nil {
		t.Fatal(err)
	}
	if seen.Path != "/new/7" || seen.Query != "q=mapped" || seen.Header.Get("X-Stage") != "$default" || seen.Header.Get("X-Secret") != "" {
		t.Errorf("backend saw path %q query %q x-stage %q x-secret %q", seen.Path, seen.Query, seen.Header.Get("X-Stage"), seen.Header.Get("X-Secret"))
	}
	firstID := r.Header.Get("apigw-requestid")

	for i := 0; i < 2; i++ {
		if r := gw.Do(t, "GET", "", "/limited", nil); r.Status != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, r.Status)
		}
	}
	r = gw.Do(t, "GET", "", "/limited", nil)
	if r.Status != 429 || r.Body != `{"message":"Too Many Requests"}` {
		t.Errorf("over the burst: %d %q; want 429 Too Many Requests", r.Status, r.Body)
	}

	// The access log line of the first request, written after the response.
	logFile := filepath.Join(gw.Dir, ".apigw", "logs", "stage-test.log")
	want := firstID + " GET /items/{id} 202 200"
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(logFile)
		if strings.Contains(string(b), want) && strings.Contains(string(b), " GET /limited 429 -") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log %s:\n%s\nwant a line %q and a 429 line", logFile, b, want)
		}
		time.Sleep(20 * time.Millisecond)
	}

	resp, err := http.Get(gw.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`apigw_requests_total{api_id="stage00001",stage="$default"} 4`,
		`apigw_4xx_total{api_id="stage00001",stage="$default"} 1`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %q:\n%s", want, b)
		}
	}
}
