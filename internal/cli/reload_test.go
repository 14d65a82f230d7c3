package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// reloadDoc is an OpenAPI document with a route per path, each proxied to
// backend.
func reloadDoc(backend string, paths ...string) string {
	var b strings.Builder
	b.WriteString("openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n")
	for _, p := range paths {
		b.WriteString("  " + p + ":\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"" + backend + "\", payloadFormatVersion: \"1.0\"}\n")
	}
	return b.String()
}

// writeAtomically replaces a file the way many editors save: a new file
// renamed over the old one.
func writeAtomically(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp~"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestWatchReloadsConfigAndOpenAPI edits the OpenAPI document and the
// config file of a gateway serving with --watch: good edits are served
// without a restart, bad ones print every problem with file:line:col and
// leave the previous version serving; no request fails meanwhile.
func TestWatchReloadsConfigAndOpenAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer be.Close()
	dir := writeFiles(t, map[string]string{
		"api.yaml":   reloadDoc(be.URL+"/", "/a"),
		"apigw.yaml": "apis:\n  - id: reload0001\n    openapi: ./api.yaml\n    default: true\n",
	})
	cmd, dataURL, _, log := serveProcess(t, sharedBinary(t), dir, "--config", "apigw.yaml", "--watch")
	if s := status(dataURL + "/a"); s != 200 {
		t.Fatalf("GET /a: %d", s)
	}

	// Requests run all along; none may fail.
	var failures atomic.Int64
	var requests atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if s := status(dataURL + "/a"); s != 200 {
				failures.Add(1)
			}
			requests.Add(1)
		}
	})

	// A new route in the OpenAPI document, saved by rename.
	writeAtomically(t, filepath.Join(dir, "api.yaml"), reloadDoc(be.URL+"/", "/a", "/b"))
	if !eventually(func() bool { return status(dataURL+"/b") == 200 }) {
		t.Fatalf("/b not served after the edit; log:\n%s", log)
	}

	// A broken document: every problem printed, /b still served.
	if err := os.WriteFile(filepath.Join(dir, "api.yaml"), []byte(reloadDoc(be.URL+"/", "/a", "/b", "/c/{id}.json")+"x-amazon-apigateway-cors: 12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	problems := regexp.MustCompile(`(?s)reload failed: still serving the previous version.*api\.yaml:\d+:\d+: .*api\.yaml:\d+:\d+: `)
	if !eventually(func() bool { return problems.MatchString(log.String()) }) {
		t.Fatalf("no reload failure with two located problems; log:\n%s", log)
	}
	if s := status(dataURL + "/b"); s != 200 {
		t.Errorf("after a bad edit GET /b: %d; want the previous version serving", s)
	}

	// A broken config file: located too.
	if err := os.WriteFile(filepath.Join(dir, "apigw.yaml"), []byte("apis:\n  - id: reload0001\n    openapi: ./api.yaml\n    default: true\n    stagez: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { return strings.Contains(log.String(), "apigw.yaml:5:5: unknown key \"stagez\"") }) {
		t.Fatalf("no located config problem; log:\n%s", log)
	}

	// Both fixed: the new version is served.
	writeAtomically(t, filepath.Join(dir, "apigw.yaml"), "apis:\n  - id: reload0001\n    openapi: ./api.yaml\n    default: true\n")
	writeAtomically(t, filepath.Join(dir, "api.yaml"), reloadDoc(be.URL+"/", "/a", "/c"))
	if !eventually(func() bool { return status(dataURL+"/c") == 200 && status(dataURL+"/b") == 404 }) {
		t.Fatalf("/c not served (or /b still served) after the fix; log:\n%s", log)
	}
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests to /a failed during the reloads", n, requests.Load())
	}
	stopAndWait(t, cmd)
}
