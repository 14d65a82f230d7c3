package cli

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// freePort returns a port that was free a moment ago: the config of the
// token test needs the admin address before the gateway starts.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestTokenReadsConfig: `apigw token --config` run from another directory
// signs with the key of the gateway the config file describes and names
// its issuer, so that a JWT route accepts the token.
func TestTokenReadsConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	port := freePort(t)
	issuerURL := "http://127.0.0.1:" + strconv.Itoa(port) + "/_issuer"
	dir := writeFiles(t, map[string]string{
		"apigw.yaml": "adminListen: 127.0.0.1:" + strconv.Itoa(port) + "\ndataDir: ./state\napis:\n  - id: jwtapi0001\n    openapi: ./api.yaml\n    default: true\n",
		"api.yaml": `openapi: "3.0.1"
info: {title: t, version: "1"}
paths:
  /me:
    get:
      security: [{jwt: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/", payloadFormatVersion: "1.0"}
components:
  securitySchemes:
    jwt:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: "$request.header.Authorization"
        jwtConfiguration: {issuer: "` + issuerURL + `", audience: ["my-app"]}
`,
	})
	bin := sharedBinary(t)
	cmd := execIn(dir, bin, "serve", "--listen", "127.0.0.1:0")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	dataURL, adminURL, log := waitListening(t, bufioScanner(pipe))
	if adminURL != "http://127.0.0.1:"+strconv.Itoa(port) {
		t.Skipf("the admin port was taken meanwhile: %s", adminURL)
	}
	// The issuer's key is created in the background at start.
	if !eventually(func() bool { _, err := os.Stat(filepath.Join(dir, "state", "issuer")); return err == nil }) {
		t.Fatalf("no issuer key after start:\n%s", log)
	}
	elsewhere := t.TempDir()
	var tok []byte
	if !eventually(func() bool {
		tok, err = execIn(elsewhere, bin, "token", "--config", filepath.Join(dir, "apigw.yaml"), "--aud", "my-app", "--sub", "alice").Output()
		return err == nil
	}) {
		t.Fatalf("apigw token: %v", err)
	}
	req, _ := http.NewRequest("GET", dataURL+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// 502/503: the backend at :9 is not there; what matters is that the
	// authorizer let the request through.
	if resp.StatusCode == 401 || resp.StatusCode == 403 {
		t.Errorf("token refused: %s\n%s", resp.Status, log)
	}
	if _, err := os.Stat(filepath.Join(elsewhere, ".apigw")); err == nil {
		t.Error("apigw token created a data dir where it ran")
	}
}

// TestTokenRefusesWithoutKey: no key in the config's data dir: exit 1 with
// the command to run, and no key created.
func TestTokenRefusesWithoutKey(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"apigw.yaml": "dataDir: ./state\n"})
	cfg := filepath.Join(dir, "apigw.yaml")
	var out, errOut bytes.Buffer
	code := Main([]string{"token", "--config", cfg, "--sub", "x"}, &out, &errOut)
	if code != 1 || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", code, out.String())
	}
	if msg := errOut.String(); !strings.Contains(msg, "no issuer key in "+filepath.Join(dir, "state", "issuer")) || !strings.Contains(msg, "apigw serve --config "+cfg) {
		t.Errorf("message %q does not say where and what to run", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "state")); err == nil {
		t.Error("a data dir was created")
	}
}
