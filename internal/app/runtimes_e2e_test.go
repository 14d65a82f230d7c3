package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/gatewaytest"
	"github.com/apigwdev/apigw/internal/goldentest"
)

// needInterpreters skips the test when node or python3 is not on PATH, or
// fails it when APIGW_CI=1.
func needInterpreters(t *testing.T) {
	t.Helper()
	for _, name := range []string{"node", "python3"} {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("APIGW_CI") == "1" {
				t.Fatalf("%s is not on PATH (APIGW_CI=1: runtime tests must run): %v", name, err)
			}
			t.Skipf("%s is not on PATH; skipping the Node.js and Python function tests", name)
		}
	}
}

// Handlers of the runtime end-to-end tests: each answers with the event it
// got and some context fields, as compact JSON in the body, or fails on
// request.
const (
	nodeHandler = `export const lambdaHandler = async (event, context) => {
  if (event.rawPath === '/node/fail' || event.path === '/v1/node/fail') throw new TypeError('node failed on purpose');
  console.log('node saw', event.rawPath || event.path);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event, context: { functionName: context.functionName, memoryLimitInMB: context.memoryLimitInMB,
      invokedFunctionArn: context.invokedFunctionArn, requestIdIsLambdas: context.awsRequestId !== (event.requestContext || {}).requestId } }),
  };
};
`
	pythonHandler = `import json


def handler(event, context):
    path = event.get("rawPath") or event.get("path")
    if path in ("/py/fail", "/v1/py/fail"):
        raise ValueError("python failed on purpose")
    print("python saw", path)
    body = {"event": event, "context": {"functionName": context.function_name, "memoryLimitInMB": context.memory_limit_in_mb,
            "invokedFunctionArn": context.invoked_function_arn,
            "requestIdIsLambdas": context.aws_request_id != (event.get("requestContext") or {}).get("requestId")}}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False)}
`
)

func startRuntimeGateway(t *testing.T) *gatewaytest.Gateway {
	t.Helper()
	routes := []lambdaRoute{
		{"/node/{id}", "get", fnARN("hello"), "2.0", ""},
		{"/v1/node/{id}", "get", fnARN("hello"), "1.0", ""},
		{"/py/{id}", "get", fnARN("report"), "2.0", ""},
		{"/v1/py/{id}", "get", fnARN("report"), "1.0", ""},
		{"/broken/node", "get", fnARN("broken-node"), "2.0", ""},
		{"/broken/py", "get", fnARN("broken-py"), "2.0", ""},
	}
	cfg := "functions:\n" +
		"  hello: {runtime: nodejs20.x, handler: app.lambdaHandler, dir: ./hello}\n" +
		"  report: {runtime: python3.11, handler: report.handler, dir: ./report, memorySize: 256}\n" +
		"  broken-node: {runtime: nodejs20.x, handler: missing.handler, dir: ./hello}\n" +
		"  broken-py: {runtime: python3.11, handler: report.nothere, dir: ./report}\n" +
		"  sleepy-py: {runtime: python3.11, handler: sleepy.handler, dir: ./report, timeout: 1s}\n" +
		"apis:\n  - id: " + lambdaAPIID + "\n    openapi: ./api.yaml\n    default: true\n"
	return gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml":           lambdaDoc(routes),
		"apigw.yaml":         cfg,
		"hello/app.mjs":      nodeHandler,
		"report/report.py":   pythonHandler,
		"report/sleepy.py":   "import time\n\n\ndef handler(event, context):\n    time.sleep(5)\n",
		"hello/package.json": `{"name":"hello","private":true}`,
	})
}

// volatile are the parts of an event or error that change from run to run.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`"(requestId|extendedRequestId)":"[^"]+"`), `"$1":"ID"`},
	{regexp.MustCompile(`/tmp/TestRuntimeFunctions[^/]*/\d+/`), `{dir}/`},
	{regexp.MustCompile(`/runtime/[0-9a-f]{12}/`), `/runtime/{hash}/`},
	{regexp.MustCompile(`"(time|requestTime)":"[^"]*"`), `"$1":"TIME"`},
	{regexp.MustCompile(`"(timeEpoch|requestTimeEpoch)":\d+`), `"$1":0`},
	{regexp.MustCompile(`"([Xx]-[Aa]mzn-[Tt]race-[Ii]d)":"[^"]*"`), `"$1":"TRACE"`},
	{regexp.MustCompile(`"([Xx]-[Aa]mzn-[Tt]race-[Ii]d)":\["[^"]*"\]`), `"$1":["TRACE"]`},
	{regexp.MustCompile(`"(X-Forwarded-Port|x-forwarded-port)":"\d+"`), `"$1":"PORT"`},
	{regexp.MustCompile(`"(X-Forwarded-Port|x-forwarded-port)":\["\d+"\]`), `"$1":["PORT"]`},
}

func normalize(b []byte) []byte {
	for _, v := range volatile {
		b = v.re.ReplaceAll(b, []byte(v.with))
	}
	return b
}

// TestRuntimeFunctionsHTTP serves a Node.js and a Python function, run on the
// machine's own node and python3, behind payload 2.0 and 1.0 routes, and
// compares what each saw with golden files: both languages must see the
// same event as Lambda would give them.
func TestRuntimeFunctionsHTTP(t *testing.T) {
	needInterpreters(t)
	t.Parallel()
	gw := startRuntimeGateway(t)
	for _, c := range []struct{ path, golden string }{
		{"/node/7?q=1", "node-2.0.json"},
		{"/v1/node/7?q=1", "node-1.0.json"},
		{"/py/7?q=1", "python-2.0.json"},
		{"/v1/py/7?q=1", "python-1.0.json"},
	} {
		t.Run(c.golden, func(t *testing.T) {
			r := gw.Do(t, "GET", "", c.path, nil, "X-Test: é")
			if r.Status != 200 || r.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("GET %s: %d %s %s", c.path, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			goldentest.AssertJSON(t, filepath.Join("testdata", "runtimes", c.golden), normalize([]byte(r.Body)), *updateRuntimes)
		})
	}
	for _, path := range []string{"/node/fail", "/v1/node/fail", "/py/fail", "/v1/py/fail", "/broken/node", "/broken/py"} {
		r := gw.Do(t, "GET", "", path, nil)
		if r.Status != 500 || r.Body != `{"message":"Internal Server Error"}` {
			t.Errorf("GET %s: %d %s; want Lambda's 500", path, r.Status, r.Body)
		}
	}
	// The gateway keeps serving, and logged the causes.
	if r := gw.Do(t, "GET", "", "/py/8", nil); r.Status != 200 {
		t.Errorf("GET /py/8 after the failures: %d %s", r.Status, r.Body)
	}
	log := gw.Log()
	for _, want := range []string{"node saw /node/7", "python saw /py/7", "Invoke Error", "[ERROR] ValueError: python failed on purpose",
		"Runtime.ImportModuleError", "Runtime.HandlerNotFound"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// TestRuntimeFunctionsInvokeAPI calls the same functions through the Lambda
// Invoke API of the admin listener with the AWS SDK for Go v2, and compares
// results and error bodies with golden files.
func TestRuntimeFunctionsInvokeAPI(t *testing.T) {
	needInterpreters(t)
	t.Parallel()
	gw := startRuntimeGateway(t)
	client := lambda.New(lambda.Options{
		BaseEndpoint: aws.String(gw.AdminURL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	ctx := context.Background()
	invoke := func(name, payload string, tail bool) *lambda.InvokeOutput {
		t.Helper()
		in := &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload)}
		if tail {
			in.LogType = types.LogTypeTail
		}
		out, err := client.Invoke(ctx, in)
		if err != nil {
			t.Fatalf("Invoke %s: %v", name, err)
		}
		if out.StatusCode != 200 {
			t.Fatalf("Invoke %s: status %d", name, out.StatusCode)
		}
		return out
	}

	for _, c := range []struct{ fn, payload, golden string }{
		{"hello", `{"rawPath":"/direct"}`, "node-invoke.json"},
		{"report", `{"rawPath":"/direct"}`, "python-invoke.json"},
		{"hello", `{"rawPath":"/node/fail"}`, "node-error.json"},
		{"report", `{"rawPath":"/py/fail"}`, "python-error.json"},
		{"broken-node", `{}`, "node-init-error.json"},
		{"broken-py", `{}`, "python-init-error.json"},
	} {
		t.Run(c.golden, func(t *testing.T) {
			out := invoke(c.fn, c.payload, true)
			wantErr := strings.Contains(c.golden, "error")
			if got := aws.ToString(out.FunctionError); (got == "Unhandled") != wantErr {
				t.Errorf("FunctionError = %q; want Unhandled: %v", got, wantErr)
			}
			if aws.ToString(out.ExecutedVersion) != "$LATEST" {
				t.Errorf("ExecutedVersion = %q", aws.ToString(out.ExecutedVersion))
			}
			logs, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			if err != nil || !strings.Contains(string(logs), "REPORT RequestId: ") {
				t.Errorf("LogResult %q: %v", logs, err)
			}
			got := stripTrace(t, out.Payload)
			goldentest.AssertJSON(t, filepath.Join("testdata", "runtimes", c.golden), normalize(got), *updateRuntimes)
		})
	}

	for fn, want := range map[string][2]string{"hello": {"nodejs20.x", "app.lambdaHandler"}, "report": {"python3.11", "report.handler"}} {
		got, err := client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fn)})
		if err != nil || string(got.Runtime) != want[0] || aws.ToString(got.Handler) != want[1] {
			t.Errorf("GetFunctionConfiguration %s: %v, runtime %q, handler %q; want %q", fn, err, got.Runtime, aws.ToString(got.Handler), want)
		}
	}

	out := invoke("sleepy-py", `{}`, false)
	if !strings.Contains(string(out.Payload), "Task timed out after 1.00 seconds") || aws.ToString(out.FunctionError) != "Unhandled" {
		t.Errorf("timeout: %s %q", out.Payload, aws.ToString(out.FunctionError))
	}
	if out := invoke("report", `{"rawPath":"/after-timeout"}`, false); out.FunctionError != nil {
		t.Errorf("report after a timeout elsewhere: %s", out.Payload)
	}
}

var updateRuntimes = flag.Bool("update-runtimes", false, "rewrite the golden files of testdata/runtimes")

// stripTrace replaces the stack trace members of an error body (local
// paths, Node.js internals) by their first line, keeping member order and
// the runtime's own encoding (Python's ", " separators) intact.
func stripTrace(t *testing.T, b []byte) []byte {
	t.Helper()
	for _, key := range []string{"trace", "stackTrace"} {
		re := regexp.MustCompile(`"` + key + `": ?\[(.*?)\]\}$`)
		b = re.ReplaceAllFunc(b, func(m []byte) []byte {
			sub := re.FindSubmatch(m)
			var lines []string
			if err := json.Unmarshal(append(append([]byte("["), sub[1]...), ']'), &lines); err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			if len(lines) > 1 {
				lines = lines[:1]
			}
			first, _ := json.Marshal(lines)
			return []byte(fmt.Sprintf(`"%s":%s}`, key, first))
		})
	}
	// Compact the Python encoder's spacing so the golden file can be
	// compared byte for byte; the spacing itself is checked by the
	// functions/runtimes tests.
	var v json.RawMessage = b
	compact, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return compact
}

// TestRuntimeWatch runs `apigw serve --watch` with a Python function: an edit
// of its module between two requests is served by a new process (H9).
func TestRuntimeWatch(t *testing.T) {
	needInterpreters(t)
	t.Parallel()
	cfgDir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(cfgDir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	source := "import os\n\n\ndef handler(event, context):\n    return {'statusCode': 200, 'body': 'VERSION %d' % os.getpid()}\n"
	write("fn/app.py", strings.Replace(source, "VERSION", "v1", 1))
	write("api.yaml", lambdaDoc([]lambdaRoute{{"/version", "get", fnARN("live"), "2.0", ""}}))
	write("apigw.yaml", "functions:\n  live: {runtime: python3.11, handler: app.handler, dir: ./fn}\napis:\n  - {id: live000001, openapi: ./api.yaml, default: true}\n")
	cfg, err := config.Load(filepath.Join(cfgDir, "apigw.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(cfgDir, ".apigw")}); err != nil {
		t.Fatal(err)
	}
	g, _ := gatewaytest.StartApp(t, cfg, app.Options{Watch: true})
	get := func() string {
		resp, err := http.Get(g.DataURL() + "/version")
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	first := get()
	if !strings.HasPrefix(first, "v1 ") {
		t.Fatalf("first answer %q", first)
	}
	write("fn/app.py", strings.Replace(source, "VERSION", "v2", 1))
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if last = get(); strings.HasPrefix(last, "v2 ") {
			break
		}
	}
	if !strings.HasPrefix(last, "v2 ") || strings.TrimPrefix(last, "v2 ") == strings.TrimPrefix(first, "v1 ") {
		t.Errorf("after the edit: %q (before: %q); want v2 from a new process", last, first)
	}
}
