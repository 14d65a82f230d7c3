package app_test

import (
	"encoding/json"
	"testing"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// TestIntegrationSharedByDefaultRoute: one HTTP integration targeted by the
// $default route and by GET /pets. The $default route appends the request
// path to the integration's URI; GET /pets sends the URI as it is, whichever
// route the compiler meets first (invokers are shared between routes).
func TestIntegrationSharedByDefaultRoute(t *testing.T) {
	t.Parallel()
	be := echoBackend(t)
	for _, order := range []string{"default first", "default last"} {
		t.Run(order, func(t *testing.T) {
			t.Parallel()
			pets := `
  /pets:
    get:
      x-amazon-apigateway-integration: {$ref: "#/components/x-amazon-apigateway-integrations/shared"}`
			def := `
  /$default:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {$ref: "#/components/x-amazon-apigateway-integrations/shared"}`
			paths := def + pets
			if order == "default last" {
				paths = pets + def
			}
			gw := gatewaytest.Start(t, gatewaytest.Files{
				"api.yaml": `
openapi: "3.0.1"
info: {title: shared, version: "1"}
paths:` + paths + `
components:
  x-amazon-apigateway-integrations:
    shared: {type: http_proxy, httpMethod: ANY, uri: "` + be.URL + `/base", payloadFormatVersion: "1.0"}
`,
				"apigw.yaml": "apis:\n  - {id: shared0001, openapi: ./api.yaml, default: true}\n",
			})
			for path, want := range map[string]string{"/pets": "/base", "/other/x": "/base/other/x"} {
				r := gw.Do(t, "GET", "", path, nil)
				var seen seenRequest
				if err := json.Unmarshal([]byte(r.Body), &seen); r.Status != 200 || err != nil {
					t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
				}
				if seen.Path != want {
					t.Errorf("GET %s reached the backend as %s; want %s", path, seen.Path, want)
				}
			}
		})
	}
}
