package apigwtest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"github.com/apigwdev/apigw/apigwtest"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestStartFromConfig: a gateway per test from a config file, each with its
// own ports and state; the API answers through the default URL and the
// path-style URL, and the management API through AdminURL.
func TestStartFromConfig(t *testing.T) {
	t.Parallel()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello "+r.URL.Path) }))
	defer be.Close()
	dir := t.TempDir()
	writeFile(t, dir, "api.yaml", "openapi: \"3.0.1\"\ninfo: {title: greet, version: \"1\"}\npaths:\n  /hi:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \""+be.URL+"/greet\", payloadFormatVersion: \"1.0\"}\n")
	cfg := writeFile(t, dir, "apigw.yaml", "listen: 127.0.0.1:3000\napis:\n  - id: greet00001\n    openapi: ./api.yaml\n    default: true\n")

	a := apigwtest.Start(t, apigwtest.Options{Config: cfg})
	b := apigwtest.Start(t, apigwtest.Options{Config: cfg})
	if a.URL == b.URL || strings.HasSuffix(a.URL, ":3000") {
		t.Errorf("gateways share or keep the config's address: %s, %s", a.URL, b.URL)
	}
	for _, u := range []string{a.URL + "/hi", a.APIURL("greet00001") + "/hi", b.URL + "/hi"} {
		if status, body := get(t, u); status != 200 || body != "hello /greet" {
			t.Errorf("GET %s: %d %q", u, status, body)
		}
	}
	c := apigatewayv2.New(apigatewayv2.Options{BaseEndpoint: aws.String(a.AdminURL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
	apis, err := c.GetApis(context.Background(), &apigatewayv2.GetApisInput{})
	if err != nil || len(apis.Items) != 1 || aws.ToString(apis.Items[0].Name) != "greet" {
		t.Errorf("GetApis: %v %+v", err, apis)
	}
	if !strings.Contains(a.Log(), "API greet00001") {
		t.Errorf("no startup summary in the log:\n%s", a.Log())
	}
}

// TestStartFromOpenAPI: an OpenAPI document alone is the default API.
func TestStartFromOpenAPI(t *testing.T) {
	t.Parallel()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer be.Close()
	doc := writeFile(t, t.TempDir(), "api.yaml", "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \""+be.URL+"/\", payloadFormatVersion: \"1.0\"}\n")
	gw := apigwtest.Start(t, apigwtest.Options{OpenAPI: doc})
	if status, body := get(t, gw.URL+"/x"); status != 200 || body != "ok" {
		t.Errorf("GET /x: %d %q", status, body)
	}
	if status, _ := get(t, gw.URL+"/nope"); status != 404 {
		t.Errorf("GET /nope: %d; want 404", status)
	}
}

// TestTryStartRefuses: a config that does not load is an error, not a
// gateway.
func TestTryStartRefuses(t *testing.T) {
	t.Parallel()
	cfg := writeFile(t, t.TempDir(), "apigw.yaml", "lisen: 127.0.0.1:3000\n")
	if _, err := apigwtest.TryStart(t, apigwtest.Options{Config: cfg}); err == nil || !strings.Contains(err.Error(), `unknown key "lisen"`) {
		t.Errorf("TryStart: %v; want the config's problem", err)
	}
}
