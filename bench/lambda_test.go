package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/apigwdev/apigw/bench/internal/lambdafn"
	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
)

// The request both benchmarks serve: a small JSON POST to a route with a
// path parameter, with the headers a typical client sends.
const (
	lambdaPath = "/pets/42?verbose=1"
	lambdaBody = `{"name":"Rex","type":"dog","price":249.99,"tags":["good","boy"]}`
)

var lambdaHeaders = map[string]string{
	"Content-Type":  "application/json",
	"Accept":        "application/json",
	"User-Agent":    "bench/1.0",
	"Authorization": "Bearer not-checked",
	"Cookie":        "session=abc123; theme=dark",
}

// lambdaGateway serves, on ephemeral ports, one API whose POST /pets/{id}
// route (payload format 2.0) invokes the hello function (the lambdafn
// handler in its own process, through the Runtime API), and whose
// POST /capture/{id} route invokes the functions package's echo, which
// answers the event it got. It logs at info level, as `apigw serve` does,
// into io.Discard: formatting counts, terminal I/O does not.
func lambdaGateway(b *testing.B) *app.Gateway {
	b.Helper()
	dir := b.TempDir()
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./testdata/fn/hello", "../internal/functions/testdata/fn/echo")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building the functions: %v\n%s", err, out)
	}
	files := map[string]string{
		"api.yaml": `
openapi: "3.0.1"
info: {title: bench, version: "1"}
paths:
  /pets/{id}:
    post:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, payloadFormatVersion: "2.0",
        uri: "arn:aws:lambda:us-east-1:000000000000:function:hello"}
  /capture/{id}:
    post:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, payloadFormatVersion: "2.0",
        uri: "arn:aws:lambda:us-east-1:000000000000:function:echo"}
`,
		"apigw.yaml": "functions:\n" +
			"  hello: {command: [\"" + filepath.Join(dir, "hello") + "\"], concurrency: 1}\n" +
			"  echo: {command: [\"" + filepath.Join(dir, "echo") + "\"], concurrency: 1}\n" +
			"apis:\n  - {id: bench00001, openapi: ./api.yaml, default: true}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "apigw.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(dir, ".apigw")}); err != nil {
		b.Fatal(err)
	}
	g, err := app.New(cfg, app.Options{Stderr: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Start(); err != nil {
		g.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			b.Errorf("shutdown: %v", err)
		}
	})
	return g
}

func lambdaRequest(b *testing.B, url string) *http.Request {
	b.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(lambdaBody)))
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range lambdaHeaders {
		req.Header.Set(k, v)
	}
	return req
}

// lambdaRoundTrip sends the benchmark request to url and returns the body.
func lambdaRoundTrip(b *testing.B, client *http.Client, url string) []byte {
	resp, err := client.Do(lambdaRequest(b, url))
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d, body %q, err %v", resp.StatusCode, body, err)
	}
	return body
}

// BenchmarkLambdaGateway measures a warm invocation through the gateway:
// the HTTP request in, route match, the 2.0 event built, handed to the
// function process through the Runtime API, its response interpreted and
// written back, over one keep-alive connection. allocs/op counts the
// gateway and the HTTP client (this process), not the function process.
func BenchmarkLambdaGateway(b *testing.B) {
	g := lambdaGateway(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	b.Cleanup(client.CloseIdleConnections)
	url := g.DataURL() + lambdaPath
	want := `{"id":"42","route":"POST /pets/{id}","received":` + strconv.Itoa(len(lambdaBody)) + `}`
	if got := string(lambdaRoundTrip(b, client, url)); got != want { // cold start, and a check
		b.Fatalf("body %s; want %s", got, want)
	}
	b.ReportAllocs()
	for b.Loop() {
		lambdaRoundTrip(b, client, url)
	}
}

// BenchmarkLambdaInProcess calls the same handler in-process with the event
// the gateway sends for the same request (captured through the echo
// function), through aws-lambda-go's own decoding and encoding
// (lambda.NewHandler(...).Invoke), copying the result as a caller that
// keeps it must: the floor the gateway's figure compares with.
func BenchmarkLambdaInProcess(b *testing.B) {
	g := lambdaGateway(b)
	client := &http.Client{}
	b.Cleanup(client.CloseIdleConnections)
	var captured struct {
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(lambdaRoundTrip(b, client, g.DataURL()+"/capture/42?verbose=1"), &captured); err != nil {
		b.Fatal(err)
	}
	// The same route key as the gateway benchmark's.
	payload := bytes.Replace(captured.Event, []byte("POST /capture/{id}"), []byte("POST /pets/{id}"), 2)
	h := lambda.NewHandler(lambdafn.Handle)
	ctx := context.Background()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		b.Fatal(err)
	}
	var resp struct{ StatusCode int }
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 200 {
		b.Fatalf("in-process result %s: %v", out, err)
	}
	b.ReportAllocs()
	var sink []byte
	for b.Loop() {
		out, err := h.Invoke(ctx, payload)
		if err != nil {
			b.Fatal(err)
		}
		sink = bytes.Clone(out)
	}
	_ = sink
}
