package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/testbin"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestValidate(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"good.yaml":        "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"http://127.0.0.1:9/\", payloadFormatVersion: \"1.0\"}\n",
		"badroute.yaml":    "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /x/{id}.json:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"http://127.0.0.1:9/\", payloadFormatVersion: \"1.0\"}\n",
		"apigw.yaml":       "listen: 127.0.0.1:3000\napis:\n  - id: good000001\n    openapi: ./good.yaml\n",
		"unknown.yaml":     "listen: 127.0.0.1:3000\n\nlisen: oops\n",
		"unsupported.yaml": "apis:\n  - id: sqs0000001\n    openapi: ./sqs.yaml\n",
		"sqs.yaml":         "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /q:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, integrationSubtype: SQS-SendMessage, credentials: \"arn:aws:iam::000000000000:role/r\", payloadFormatVersion: \"1.0\", requestParameters: {QueueUrl: \"http://127.0.0.1:9324/000000000000/q\", MessageBody: \"$context.status\"}}\n",
	})
	tests := []struct {
		name     string
		file     string
		wantCode int
		wantOut  *regexp.Regexp
	}{
		{"valid openapi", "good.yaml", 0, regexp.MustCompile(`good\.yaml: valid \(1 API`)},
		{"valid config", "apigw.yaml", 0, regexp.MustCompile(`apigw\.yaml: valid \(1 API`)},
		{"bad route path", "badroute.yaml", 1, regexp.MustCompile(`badroute\.yaml:4:\d+: .*`)},
		{"unknown config key", "unknown.yaml", 1, regexp.MustCompile(`unknown\.yaml:3:\d+: .*lisen`)},
		{"refused by the compiler", "unsupported.yaml", 1, regexp.MustCompile(`requestParameters\[MessageBody\]: .*context\.status is not known yet`)},
		{"missing file", "nope.yaml", 1, regexp.MustCompile(`nope\.yaml`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := Main([]string{"validate", filepath.Join(dir, tt.file)}, &out, &errOut)
			all := out.String() + errOut.String()
			if code != tt.wantCode {
				t.Errorf("exit %d; want %d; output:\n%s", code, tt.wantCode, all)
			}
			if !tt.wantOut.MatchString(all) {
				t.Errorf("output does not match %q:\n%s", tt.wantOut, all)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := Main([]string{"version"}, &out, io.Discard); code != 0 || !strings.HasPrefix(out.String(), "apigw ") {
		t.Errorf("version: exit %d output %q", code, out.String())
	}
	if code := Main([]string{"bogus"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("unknown command: exit %d; want 2", code)
	}
}

// buildBinary returns cmd/apigw, built once for every test binary of the
// module (package testbin).
func buildBinary(t *testing.T) string {
	t.Helper()
	return testbin.Path(t, "apigw")
}

// startServe runs `apigw serve` with args and returns the process and the
// data plane and admin URLs read from its "listening on" lines.
func startServe(t *testing.T, bin, dir string, args ...string) (cmd *exec.Cmd, dataURL, adminURL string, startLog *bytes.Buffer) {
	t.Helper()
	cmd = exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 64)
	rest := &bytes.Buffer{}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	re := regexp.MustCompile(`(data plane|admin) listening on (http://[0-9.:]+)`)
	deadline := time.After(60 * time.Second)
	for dataURL == "" || adminURL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before listening; stderr:\n%s", rest)
			}
			rest.WriteString(l + "\n")
			if m := re.FindStringSubmatch(l); m != nil {
				if m[1] == "admin" {
					adminURL = m[2]
				} else {
					dataURL = m[2]
				}
			}
		case <-deadline:
			t.Fatalf("no listening lines within 60s; stderr:\n%s", rest)
		}
	}
	// Keep draining stderr so the process never blocks on a full pipe.
	go func() {
		for range lines {
		}
	}()
	return cmd, dataURL, adminURL, rest
}

// TestServeGracefulShutdown runs the real binary, starts a request that the
// backend holds, sends SIGTERM, and checks that the request still completes,
// new connections are refused, and the process exits 0.
func TestServeGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	arrived := make(chan struct{}, 1)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		_, _ = io.WriteString(w, "finished")
	}))
	defer be.Close()
	defer unblock()
	dir := writeFiles(t, map[string]string{
		"api.yaml": "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /hold:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"" + be.URL + "/\", payloadFormatVersion: \"1.0\"}\n",
	})
	bin := buildBinary(t)
	cmd, dataURL, adminURL, _ := startServe(t, bin, dir, "--openapi", "api.yaml")

	resp, err := http.Get(adminURL + "/_health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/_health: %v %v", resp, err)
	}
	resp.Body.Close()

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get(dataURL + "/hold")
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-arrived
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Wait until the listener is closed: new connections are refused.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", strings.TrimPrefix(dataURL, "http://"))
		if err != nil {
			break
		}
		c.Close()
		select {
		case <-ctx.Done():
			t.Fatal("listener still accepting 20s after SIGTERM")
		case <-time.After(20 * time.Millisecond):
		}
	}
	unblock()
	r := <-done
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Errorf("in-flight request: %+v; want 200 finished", r)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v; want status 0", err)
	}
}
