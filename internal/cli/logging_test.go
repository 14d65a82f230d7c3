package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/apigwdev/apigw/internal/testbin"
)

// sharedBinary returns cmd/apigw, built once for every test binary of the
// module (package testbin).
func sharedBinary(t *testing.T) string {
	t.Helper()
	return testbin.Path(t, "apigw")
}

// proxyAPI writes an OpenAPI document with one route, GET /hello, proxied
// to a backend that answers "hi".
func proxyAPI(t *testing.T) string {
	t.Helper()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hi") }))
	t.Cleanup(be.Close)
	return writeFiles(t, map[string]string{
		"api.yaml": "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /hello:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"" + be.URL + "/\", payloadFormatVersion: \"1.0\"}\n",
	})
}

func get(t *testing.T, url string) (status int, requestID string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Apigw-Requestid")
}

// TestRequestLogLine: one line per request on stderr, by default, with
// time, method, path, status, latency, route key, API and request id.
func TestRequestLogLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := proxyAPI(t)
	_, dataURL, _, log := serveProcess(t, sharedBinary(t), dir, "--openapi", "api.yaml")
	status, id := get(t, dataURL+"/hello?x=1")
	if status != 200 || id == "" {
		t.Fatalf("GET /hello: %d, request id %q", status, id)
	}
	re := regexp.MustCompile(`time=\S+ level=INFO msg=request method=GET path=/hello status=200 latency=\S+ route="GET /hello" api=\w+ stage=\$default request_id="?` + regexp.QuoteMeta(id) + `"?\n`)
	if !eventually(func() bool { return re.MatchString(log.String()) }) {
		t.Errorf("no request line matching %s in:\n%s", re, log)
	}
	status, id = get(t, dataURL+"/nope")
	if status != 404 {
		t.Fatalf("GET /nope: %d", status)
	}
	re404 := regexp.MustCompile(`msg=request method=GET path=/nope status=404 latency=\S+ api=\w+ stage=\$default request_id="?` + regexp.QuoteMeta(id))
	if !eventually(func() bool { return re404.MatchString(log.String()) }) {
		t.Errorf("no request line matching %s in:\n%s", re404, log)
	}
}

// TestLogLevelWarn: --log-level warn silences the request lines, not the
// listening lines.
func TestLogLevelWarn(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := proxyAPI(t)
	cmd, dataURL, _, log := serveProcess(t, sharedBinary(t), dir, "--openapi", "api.yaml", "--log-level", "warn")
	for range 3 {
		if status, _ := get(t, dataURL+"/hello"); status != 200 {
			t.Fatalf("GET /hello: %d", status)
		}
	}
	stopAndWait(t, cmd)
	if strings.Contains(log.String(), "msg=request") || strings.Contains(log.String(), "level=INFO") {
		t.Errorf("info lines with --log-level warn:\n%s", log)
	}
}

// TestLogFormatJSON: every line of the gateway's own log is a JSON object,
// the listening lines included.
func TestLogFormatJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := proxyAPI(t)
	cmd, dataURL, _, log := serveProcess(t, sharedBinary(t), dir, "--openapi", "api.yaml", "--log-format", "json")
	_, id := get(t, dataURL+"/hello")
	stopAndWait(t, cmd)
	var sawRequest, sawListening bool
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON line: %q", line)
			continue
		}
		if rec["msg"] == "request" && rec["request_id"] == id && rec["route"] == "GET /hello" && rec["status"] == float64(200) {
			sawRequest = true
		}
		if m, _ := rec["msg"].(string); strings.HasPrefix(m, "data plane listening on http://") {
			sawListening = true
		}
	}
	if !sawRequest || !sawListening {
		t.Errorf("request line %v, listening line %v in:\n%s", sawRequest, sawListening, log)
	}
}

// stopAndWait stops a serve process with SIGTERM and waits for its exit
// and for the end of its stderr.
func stopAndWait(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
}
