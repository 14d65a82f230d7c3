package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/config"
)

// TestBuildInputOrder checks that the config file's APIs, imported in
// parallel, come out in the file's order, and that the first failing one in
// that order is the error.
func TestBuildInputOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	doc := func(path string) string {
		return `openapi: "3.0.1"
info: {title: t, version: "1"}
paths:
  ` + path + `:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/x", payloadFormatVersion: "1.0"}
`
	}
	cfg := &config.Config{}
	for i := range 12 {
		name := filepath.Join(dir, fmt.Sprintf("api%02d.yaml", i))
		if err := os.WriteFile(name, []byte(doc(fmt.Sprintf("/p%d", i))), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg.APIs = append(cfg.APIs, config.API{ID: fmt.Sprintf("api%08d", i), OpenAPI: name})
	}
	in, err := buildInput(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range in.APIs {
		if id, key := a.Definition.API.APIID, a.Definition.Routes[0].RouteKey; id != fmt.Sprintf("api%08d", i) || key != fmt.Sprintf("GET /p%d", i) {
			t.Errorf("APIs[%d] = %s with %s", i, id, key)
		}
	}
	for _, i := range []int{9, 5} {
		if err := os.WriteFile(cfg.APIs[i].OpenAPI, []byte("openapi: [\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := buildInput(cfg, nil); err == nil || !strings.HasPrefix(err.Error(), "api api00000005: ") {
		t.Errorf("error %v; want the error of api00000005, the first failing one", err)
	}
}
