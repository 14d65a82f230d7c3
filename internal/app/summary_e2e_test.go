package app_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// TestStartupSummary: after the listening lines the gateway prints each
// API with its stages, URLs and routes (integration and authorizer), and
// every function's state, checked at start: a missing program and a failed
// build are reported without any request.
func TestStartupSummary(t *testing.T) {
	t.Parallel()
	doc := `openapi: "3.0.1"
info: {title: shop, version: "1"}
paths:
  /items:
    get:
      security: [{userJwt: []}]
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:lambda:us-east-1:000000000000:function:echo", payloadFormatVersion: "2.0"}
  /missing:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:lambda:us-east-1:000000000000:function:ehco", payloadFormatVersion: "2.0"}
  /proxy:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/up", payloadFormatVersion: "1.0"}
components:
  securitySchemes:
    userJwt:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: "$request.header.Authorization"
        jwtConfiguration: {issuer: "https://issuer.example.com", audience: ["my-app"]}
`
	cfg := `apis:
  - id: shop000001
    openapi: ./shop.yaml
    default: true
    stages: [{name: $default}, {name: prod}]
functions:
  echo: {command: ["` + fnPath("echo") + `"]}
  nobinary: {command: ["./bin/nothing-here"]}
  badbuild: {command: ["./bin/never"], build: ["sh", "-c", "echo compile error >&2; exit 3"]}
`
	gw := gatewaytest.Start(t, gatewaytest.Files{"apigw.yaml": cfg, "shop.yaml": doc})
	port := gw.DataURL[strings.LastIndexByte(gw.DataURL, ':')+1:]
	want := []string{
		`API shop000001 "shop", the default API`,
		"  stage $default",
		"    " + gw.DataURL + "\n",
		"    http://shop000001.execute-api.localhost:" + port + "\n",
		"    " + gw.DataURL + "/_aws/execute-api/shop000001\n",
		"  stage prod",
		"    " + gw.DataURL + "/prod\n",
		"    http://shop000001.execute-api.localhost:" + port + "/prod\n",
		"GET /items    -> function echo  [JWT authorizer userJwt]",
		"GET /missing  -> function ehco (NOT CONFIGURED: the route answers 500)",
		"GET /proxy    -> http://127.0.0.1:9/up",
	}
	log := gw.Log()
	for _, w := range want {
		if !strings.Contains(log, w) {
			t.Errorf("summary lacks %q", w)
		}
	}
	if i, j := strings.Index(log, "admin listening on"), strings.Index(log, "API shop000001"); i < 0 || j < i {
		t.Errorf("the summary is not after the listening lines")
	}
	fnWant := []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  echo \(.*/echo\): ready$`),
		regexp.MustCompile(`(?m)^  nobinary \(.*\): CANNOT START: program .*/bin/nothing-here does not exist$`),
		regexp.MustCompile(`(?m)^  badbuild \(.*\): CANNOT START: build command "sh -c echo compile error >&2; exit 3" failed: exit status 3$`),
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, re := range fnWant {
		for !re.MatchString(gw.Log()) {
			if time.Now().After(deadline) {
				t.Fatalf("no line matching %s in:\n%s", re, gw.Log())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
