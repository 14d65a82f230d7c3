package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSAMAppExample serves examples/sam-app/template.yaml as the README's
// second way in does: the SAM transform, a Go function apigw builds for
// this host, a JWT authorizer trusting the local issuer
// (--jwt-local-issuer), CORS, path parameters, a catch-all route and a
// parameter override.
func TestSAMAppExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and the example function")
	}
	t.Parallel()
	bin := buildBinary(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	_, dataURL, adminURL, _ := startServe(t, bin, root, "--template", "examples/sam-app/template.yaml",
		"--jwt-local-issuer", "--data-dir", dataDir, "--parameter-overrides", "Greeting=Bonjour", "Audience=sam-app")

	do := func(method, path string, hdr map[string]string) (int, string, http.Header) {
		t.Helper()
		req, err := http.NewRequest(method, dataURL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if status, body, _ := do("GET", "/hello/alice", nil); status != 200 || body != `{"message":"Bonjour, alice!"}` {
		t.Errorf("GET /hello/alice (public, path parameter, Greeting overridden): %d %q", status, body)
	}
	if status, body, _ := do("GET", "/pets/7", nil); status != 401 || body != `{"message":"Unauthorized"}` {
		t.Errorf("GET /pets/7 without a token: %d %q; want 401", status, body)
	}
	token := func(args ...string) string {
		t.Helper()
		// The issuer's key is created in the background at start.
		deadline := time.Now().Add(30 * time.Second)
		for {
			var out, errb bytes.Buffer
			code := Main(append([]string{"token", "--data-dir", dataDir, "--issuer", adminURL + "/_issuer", "--sub", "alice", "--aud", "sam-app"}, args...), &out, &errb)
			if code == 0 {
				return strings.TrimSpace(out.String())
			}
			if time.Now().After(deadline) {
				t.Fatalf("apigw token: %d %s", code, errb.String())
			}
			if resp, err := http.Get(adminURL + "/_issuer/.well-known/openid-configuration"); err == nil {
				resp.Body.Close()
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	read := token("--scope", "pets/read")
	status, body, _ := do("GET", "/pets/7", map[string]string{"Authorization": "Bearer " + read})
	var pet map[string]string
	if status != 200 || json.Unmarshal([]byte(body), &pet) != nil || pet["id"] != "7" || pet["owner"] != "alice" {
		t.Errorf("GET /pets/7 with a token: %d %q", status, body)
	}
	if status, body, _ := do("GET", "/pets/7", map[string]string{"Authorization": "Bearer " + token()}); status != 403 {
		t.Errorf("GET /pets/7 with a token lacking the scope pets/read: %d %q; want 403", status, body)
	}
	if status, _, _ := do("GET", "/anything/else", nil); status != 401 {
		t.Errorf("GET /anything/else (catch-all, default authorizer) without a token: %d; want 401", status)
	}
	if status, body, _ := do("GET", "/anything/else", map[string]string{"Authorization": "Bearer " + read}); status != 200 || !strings.Contains(body, `"routeKey":"$default"`) {
		t.Errorf("GET /anything/else with a token: %d %q", status, body)
	}
	status, _, hdr := do("OPTIONS", "/pets/7", map[string]string{"Origin": "http://localhost:8080", "Access-Control-Request-Method": "GET"})
	if status != 200 || hdr.Get("Access-Control-Allow-Origin") != "http://localhost:8080" || hdr.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("CORS preflight: %d %v", status, hdr)
	}
	if _, _, hdr := do("GET", "/hello/bob", map[string]string{"Origin": "http://localhost:8080"}); hdr.Get("Access-Control-Allow-Origin") != "http://localhost:8080" {
		t.Errorf("CORS on a simple request: %v", hdr)
	}
	// The template's API is an API of the management API like any other.
	resp, err := http.Get(adminURL + "/v2/apis")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var apis struct {
		Items []struct {
			APIID string `json:"apiId"`
			Name  string `json:"name"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &apis); err != nil || len(apis.Items) != 1 || apis.Items[0].Name != "local" {
		t.Fatalf("GET /v2/apis: %s", b)
	}
	if status, body, _ := do("GET", "/_aws/execute-api/"+apis.Items[0].APIID+"/hello/carol", nil); status != 200 || body != `{"message":"Bonjour, carol!"}` {
		t.Errorf("path style URL: %d %q", status, body)
	}
}
