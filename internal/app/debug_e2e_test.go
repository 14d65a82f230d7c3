package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// TestDebugNodeFunction runs a Node.js function under --debug-function: the
// first request starts it paused under Node's inspector, whose HTTP endpoint
// then lists the bootstrap as a debug target.
func TestDebugNodeFunction(t *testing.T) {
	needInterpreters(t)
	t.Parallel()
	port := freePort(t)
	g := startDebugGateway(t, "hello", port)
	// The request is answered only once a debugger continues: the test
	// cancels it, so that the gateway has nothing in flight when it stops.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	defer func() { cancel(); <-done }()
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, "GET", g.DataURL()+"/node/1", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	var targets []struct {
		URL                  string `json:"url"`
		WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
	}
	var last error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/json/list")
		if err != nil {
			last = err
			continue
		}
		err = json.NewDecoder(resp.Body).Decode(&targets)
		resp.Body.Close()
		if err == nil && len(targets) > 0 {
			break
		}
		last = err
	}
	if len(targets) == 0 || !strings.HasSuffix(targets[0].URL, "index.mjs") || targets[0].WebSocketDebuggerURL == "" {
		t.Fatalf("inspector targets %+v (last error %v)", targets, last)
	}
}

// TestDebugPythonFunctionWithoutDebugpy: a Python function under
// --debug-function on an interpreter without debugpy fails its init with a
// message that says how to install it, through the Invoke API.
func TestDebugPythonFunctionWithoutDebugpy(t *testing.T) {
	needInterpreters(t)
	if exec.Command("python3", "-c", "import debugpy").Run() == nil {
		t.Skip("debugpy is installed here; this test needs an interpreter without it")
	}
	t.Parallel()
	g := startDebugGateway(t, "report", freePort(t))
	resp, err := http.Post(g.AdminURL()+"/2015-03-31/functions/report/invocations", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("X-Amz-Function-Error") == "" || !strings.Contains(string(body), "Runtime.ImportModuleError") || !strings.Contains(string(body), "pip install debugpy") {
		t.Errorf("status %d, function error %q, body %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), body)
	}
}

func startDebugGateway(t *testing.T, fn string, port int) *app.Gateway {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"api.yaml":         lambdaDoc([]lambdaRoute{{"/node/{id}", "get", fnARN("hello"), "2.0", ""}}),
		"hello/app.mjs":    nodeHandler,
		"report/report.py": pythonHandler,
		"apigw.yaml": "functions:\n  hello: {runtime: nodejs20.x, handler: app.lambdaHandler, dir: ./hello}\n" +
			"  report: {runtime: python3.11, handler: report.handler, dir: ./report}\n" +
			"apis:\n  - {id: " + lambdaAPIID + ", openapi: ./api.yaml, default: true}\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "apigw.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(dir, ".apigw"),
		DebugFunction: fn, DebugPort: port}); err != nil {
		t.Fatal(err)
	}
	g, _ := gatewaytest.StartApp(t, cfg, app.Options{})
	return g
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
