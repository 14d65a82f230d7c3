package controlplane_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenClient sends raw requests and replaces generated ids in answers by
// named placeholders, so that answers compare with fixtures.
type goldenClient struct {
	t     *testing.T
	url   string
	names map[string]string // id → placeholder
}

// do sends method path body (with placeholders replaced by ids) and
// returns the status, headers and answer.
func (g *goldenClient) do(method, path, body string) (int, http.Header, string) {
	g.t.Helper()
	for id, name := range g.names {
		path = strings.ReplaceAll(path, "{"+name+"}", id)
		body = strings.ReplaceAll(body, "{"+name+"}", id)
	}
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.url+path, r)
	if err != nil {
		g.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// mask replaces the named ids in an answer by their placeholders.
func (g *goldenClient) mask(out string) string {
	for id, name := range g.names {
		out = strings.ReplaceAll(out, id, "{"+name+"}")
	}
	return domainTarget.ReplaceAllString(out, "d-{generated}.")
}

var domainTarget = regexp.MustCompile(`d-[a-z0-9]{10}\.`)

// name records the id under JSON member field of answer as placeholder
// name.
func (g *goldenClient) name(answer, field, name string) {
	g.t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(answer), &m); err != nil {
		g.t.Fatalf("answer is not JSON: %s", answer)
	}
	id, _ := m[field].(string)
	if id == "" {
		g.t.Fatalf("no %s in %s", field, answer)
	}
	g.names[id] = name
}

// golden compares got (JSON) with testdata/name.json, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".json")
	var v any
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatalf("%s: answer is not JSON: %v\n%s", name, err, got)
	}
	if *update {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run go test -update)", name, err)
	}
	var w any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: fixture is not JSON: %v", path, err)
	}
	if !reflect.DeepEqual(v, w) {
		t.Errorf("%s: answer differs from the fixture\ngot:  %s\nwant: %s", name, got, bytes.TrimSpace(want))
	}
}

// TestGoldenShapes pins the JSON shape of every resource as answered,
// with AWS's member names and defaults.
func TestGoldenShapes(t *testing.T) {
	e := start(t)
	g := &goldenClient{t: t, url: e.url, names: map[string]string{}}
	steps := []struct {
		name, method, path, body string
		status                   int
		id, as                   string // record this member of the answer as a placeholder
	}{
		{"api-create", "POST", "/v2/apis", `{"name":"pets","protocolType":"HTTP","description":"d","tags":{"team":"a"},"corsConfiguration":{"allowOrigins":["https://a.example"],"allowCredentials":false,"maxAge":0}}`, 201, "apiId", "apiId"},
		{"api-get", "GET", "/v2/apis/{apiId}", "", 200, "", ""},
		{"apis-list", "GET", "/v2/apis", "", 200, "", ""},
		{"integration-create-http", "POST", "/v2/apis/{apiId}/integrations", `{"integrationType":"HTTP_PROXY","integrationMethod":"ANY","integrationUri":"https://example.com/{proxy}"}`, 201, "integrationId", "httpIntegrationId"},
		{"integration-create-lambda", "POST", "/v2/apis/{apiId}/integrations", `{"integrationType":"AWS_PROXY","integrationUri":"arn:aws:lambda:us-east-1:000000000000:function:pets","payloadFormatVersion":"2.0"}`, 201, "integrationId", "lambdaIntegrationId"},
		{"authorizer-create-jwt", "POST", "/v2/apis/{apiId}/authorizers", `{"name":"jwt","authorizerType":"JWT","identitySource":["$request.header.Authorization"],"jwtConfiguration":{"issuer":"https://issuer.example","audience":["aud"]}}`, 201, "authorizerId", "authorizerId"},
		{"route-create", "POST", "/v2/apis/{apiId}/routes", `{"routeKey":"GET /pets/{proxy+}","target":"integrations/{httpIntegrationId}","authorizationType":"JWT","authorizerId":"{authorizerId}","authorizationScopes":["read"]}`, 201, "routeId", "routeId"},
		{"routes-list", "GET", "/v2/apis/{apiId}/routes", "", 200, "", ""},
		{"stage-create", "POST", "/v2/apis/{apiId}/stages", `{"stageName":"$default","autoDeploy":true}`, 201, "deploymentId", "autoDeploymentId"},
		{"stage-create-manual", "POST", "/v2/apis/{apiId}/stages", `{"stageName":"prod","stageVariables":{"v":"1"},"defaultRouteSettings":{"throttlingBurstLimit":10,"throttlingRateLimit":5.5}}`, 201, "", ""},
		{"deployment-create", "POST", "/v2/apis/{apiId}/deployments", `{"stageName":"prod","description":"first"}`, 201, "deploymentId", "deploymentId"},
		{"stage-get", "GET", "/v2/apis/{apiId}/stages/prod", "", 200, "", ""},
		{"deployment-get", "GET", "/v2/apis/{apiId}/deployments/{autoDeploymentId}", "", 200, "", ""},
		{"domainname-create", "POST", "/v2/domainnames", `{"domainName":"api.example.com","domainNameConfigurations":[{"certificateArn":"arn:aws:acm:us-east-1:000000000000:certificate/x","endpointType":"REGIONAL","securityPolicy":"TLS_1_2"}]}`, 201, "", ""},
		{"apimapping-create", "POST", "/v2/domainnames/api.example.com/apimappings", `{"apiId":"{apiId}","stage":"prod","apiMappingKey":"v1"}`, 201, "apiMappingId", "apiMappingId"},
		{"vpclink-create", "POST", "/v2/vpclinks", `{"name":"link","subnetIds":["subnet-1"],"securityGroupIds":["sg-1"]}`, 201, "vpcLinkId", "vpcLinkId"},
		{"tags-get", "GET", "/v2/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Fapis%2F{apiId}", "", 200, "", ""},
		{"tag-resource", "POST", "/v2/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Fapis%2F{apiId}", `{"tags":{"k":"v"}}`, 201, "", ""},
		{"vpclink-delete", "DELETE", "/v2/vpclinks/{vpcLinkId}", "", 202, "", ""},
		{"api-import", "PUT", "/v2/apis?failOnWarnings=false", `{"body":"openapi: \"3.0.1\"\ninfo: {title: imported, version: \"7\"}\npaths:\n  /pets/{id}:\n    get:\n      requestBody: {content: {application/json: {schema: {type: object}}}}\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"https://example.com/pets/{id}\", payloadFormatVersion: \"1.0\"}\nx-amazon-apigateway-cors: {allowOrigins: [\"*\"]}\n"}`, 201, "apiId", "importedApiId"},
		{"api-export", "GET", "/v2/apis/{importedApiId}/exports/OAS30?outputType=JSON", "", 200, "", ""},
		{"error-not-found", "GET", "/v2/apis/nope123456", "", 404, "", ""},
		{"error-bad-request", "POST", "/v2/apis/{apiId}/routes", `{"routeKey":"GET /a//b"}`, 400, "", ""},
		{"error-conflict", "POST", "/v2/apis/{apiId}/routes", `{"routeKey":"GET /pets/{all+}"}`, 409, "", ""},
		{"error-wrong-type", "POST", "/v2/apis", `{"name":5,"protocolType":"HTTP"}`, 400, "", ""},
	}
	for _, s := range steps {
		status, h, raw := g.do(s.method, s.path, s.body)
		if status != s.status {
			t.Fatalf("%s: status %d; want %d\n%s", s.name, status, s.status, raw)
		}
		if h.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", s.name, h.Get("Content-Type"))
		}
		if s.id != "" {
			g.name(raw, s.id, s.as)
		}
		golden(t, s.name, g.mask(raw))
	}
}
