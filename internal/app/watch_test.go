package app_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// liveSource is the source of the function TestWatch edits: it answers its
// version; with ?hold=1 it first writes "held-{version}" into $MARKERS and
// waits for $MARKERS/release.
const liveSource = `package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

const version = "VERSION"

func handle(e events.APIGatewayV2HTTPRequest) (string, error) {
	if e.QueryStringParameters["hold"] != "" {
		markers := os.Getenv("MARKERS")
		if err := os.WriteFile(filepath.Join(markers, "held-"+version), nil, 0o644); err != nil {
			return "", err
		}
		for {
			if _, err := os.Stat(filepath.Join(markers, "release")); err == nil {
				return version + " held", nil
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return version, nil
}

func main() { lambda.Start(handle) }
`

// TestWatch runs `apigw serve --watch` on a function whose source is a Go
// module of its own in a temporary directory (aws-lambda-go comes from the
// module cache): an edit is rebuilt and served while a request in flight
// during the swap completes on the old program; a broken edit is logged with
// the compiler's output and the old program keeps serving; fixing it serves
// again.
func TestWatch(t *testing.T) {
	t.Parallel()
	fnDir, markers, cfgDir := t.TempDir(), t.TempDir(), t.TempDir()
	gosum, err := os.ReadFile("../../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	write := func(dir, name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(fnDir, "go.mod", "module live\n\ngo 1.26.8\n\nrequire github.com/aws/aws-lambda-go v1.55.1\n")
	write(fnDir, "go.sum", string(gosum))
	write(fnDir, "main.go", strings.Replace(liveSource, "VERSION", "v1", 1))
	write(cfgDir, "api.yaml", `
openapi: "3.0.1"
info: {title: live, version: "1"}
paths:
  /version:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, payloadFormatVersion: "2.0", timeoutInMillis: 30000,
        uri: "arn:aws:lambda:us-east-1:000000000000:function:live"}
`)
	write(cfgDir, "apigw.yaml", `
functions:
  live:
    dir: `+fnDir+`
    build: [go, build, -mod=mod, -o, bootstrap, .]
    command: [`+filepath.Join(fnDir, "bootstrap")+`]
    env: {MARKERS: `+markers+`}
    timeout: 120s
apis:
  - {id: live000001, openapi: ./api.yaml, default: true}
`)
	cfg, err := config.Load(filepath.Join(cfgDir, "apigw.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(cfgDir, ".apigw")}); err != nil {
		t.Fatal(err)
	}
	g, logs := gatewaytest.StartApp(t, cfg, app.Options{Watch: true})

	get := func(query string) (int, string) {
		resp, err := http.Get(g.DataURL() + "/version" + query)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// serves polls until the function answers want.
	serves := func(want string) {
		t.Helper()
		var status int
		var body string
		for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if status, body = get(""); status == 200 && body == want {
				return
			}
		}
		t.Fatalf("the function never answered %q; last answer %d %q", want, status, body)
	}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(markers, name))
		return err == nil
	}

	if status, body := get(""); status != 200 || body != "v1" {
		t.Fatalf("first request: %d %q; want 200 v1", status, body)
	}

	type answer struct {
		status int
		body   string
	}
	held := make(chan answer, 1)
	go func() {
		status, body := get("?hold=1")
		held <- answer{status, body}
	}()
	for deadline := time.Now().Add(30 * time.Second); !exists("held-v1"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the held request never reached the function")
		}
	}

	write(fnDir, "main.go", strings.Replace(liveSource, "VERSION", "v2", 1))
	serves("v2")
	select {
	case a := <-held:
		t.Fatalf("the request in flight ended during the swap: %d %q", a.status, a.body)
	default:
	}
	write(markers, "release", "")
	if a := <-held; a.status != 200 || a.body != "v1 held" {
		t.Errorf("the request in flight during the swap got %d %q; want 200 \"v1 held\"", a.status, a.body)
	}

	write(fnDir, "main.go", "package main\n\nfunc main() { notDefined() }\n")
	for deadline := time.Now().Add(90 * time.Second); !strings.Contains(logs.String(), "function rebuild failed"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the failed build was never reported")
		}
	}
	if !strings.Contains(logs.String(), "undefined: notDefined") {
		t.Error("the compiler's output is not in the log")
	}
	if status, body := get(""); status != 200 || body != "v2" {
		t.Errorf("after a failed build: %d %q; want the old instance's 200 v2", status, body)
	}

	write(fnDir, "main.go", strings.Replace(liveSource, "VERSION", "v3", 1))
	serves("v3")
}
