package invokeapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/functions/invokeapi"
	"github.com/apigwdev/apigw/internal/leaktest"
	"github.com/apigwdev/apigw/internal/testbin"
)

var bin string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := testbin.Dir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "building test functions:", err)
		return 1
	}
	bin = dir
	code := m.Run()
	if code == 0 {
		if leaked := leaktest.Leaked(nil, 5*time.Second, "apigw/internal/functions"); len(leaked) > 0 {
			fmt.Fprintln(os.Stderr, "goroutines of package functions still running after every test closed its handler and manager:\n"+strings.Join(leaked, "\n\n"))
			return 1
		}
	}
	return code
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	url    string
	client *lambda.Client
	logs   *syncBuffer
	mgr    *functions.Manager
}

// start serves the Invoke API for the echo, fail and sleep test functions on
// an ephemeral port and returns an SDK client pointed at it.
func start(t *testing.T, opts functions.Options) *env {
	t.Helper()
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	mgr, err := functions.New(opts, []functions.Config{
		{Name: "echo", Command: []string{filepath.Join(bin, "echo")}},
		{Name: "fail", Command: []string{filepath.Join(bin, "fail")}},
		{Name: "sleep", Command: []string{filepath.Join(bin, "sleep")}, Concurrency: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := invokeapi.New(mgr, invokeapi.Options{Region: opts.Region, AccountID: opts.AccountID, Logger: opts.Logger})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			t.Errorf("invokeapi Close: %v", err)
		}
		if err := mgr.Close(ctx); err != nil {
			t.Errorf("manager Close: %v", err)
		}
	})
	return &env{url: srv.URL, client: newClient(srv.URL), logs: logs, mgr: mgr}
}

func newClient(url string) *lambda.Client {
	return lambda.New(lambda.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("x", "y", ""),
		RetryMaxAttempts: 1,
	})
}

type echoReply struct {
	Event     json.RawMessage `json:"event"`
	PID       int             `json:"pid"`
	RequestID string          `json:"requestId"`
	ARN       string          `json:"arn"`
}

func TestInvokeWithSDK(t *testing.T) {
	t.Parallel()
	e := start(t, functions.Options{})
	ctx := context.Background()

	out, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"hello":"world"}`), LogType: types.LogTypeTail})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if out.StatusCode != 200 || out.FunctionError != nil || aws.ToString(out.ExecutedVersion) != "$LATEST" {
		t.Errorf("status %d, function error %v, version %q; want 200, none, $LATEST", out.StatusCode, out.FunctionError, aws.ToString(out.ExecutedVersion))
	}
	var got echoReply
	if err := json.Unmarshal(out.Payload, &got); err != nil {
		t.Fatalf("payload %s: %v", out.Payload, err)
	}
	if string(got.Event) != `{"hello":"world"}` {
		t.Errorf("event = %s", got.Event)
	}
	logTail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil || !strings.Contains(string(logTail), "START RequestId: "+got.RequestID) || !strings.Contains(string(logTail), "REPORT RequestId: "+got.RequestID) {
		t.Errorf("LogResult = %q (%v); want the invocation's START and REPORT lines", logTail, err)
	}

	// A function error is a 200 with X-Amz-Function-Error, not an SDK error.
	out, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fail")})
	if err != nil {
		t.Fatalf("Invoke fail: %v", err)
	}
	if out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" || !bytes.Contains(out.Payload, []byte(`"errorType":"errorString"`)) {
		t.Errorf("fail: status %d, function error %q, payload %s", out.StatusCode, aws.ToString(out.FunctionError), out.Payload)
	}
}

func TestFunctionNameForms(t *testing.T) {
	t.Parallel()
	e := start(t, functions.Options{Region: "eu-central-1", AccountID: "123456789012"})
	tests := []struct {
		name, qualifier, wantARN string
	}{
		{name: "echo", wantARN: "arn:aws:lambda:eu-central-1:123456789012:function:echo"},
		{name: "echo:live", wantARN: "arn:aws:lambda:eu-central-1:123456789012:function:echo:live"},
		{name: "echo", qualifier: "7", wantARN: "arn:aws:lambda:eu-central-1:123456789012:function:echo:7"},
		{name: "123456789012:function:echo", wantARN: "arn:aws:lambda:eu-central-1:123456789012:function:echo"},
		{name: "arn:aws:lambda:eu-central-1:123456789012:function:echo:$LATEST", wantARN: "arn:aws:lambda:eu-central-1:123456789012:function:echo:$LATEST"},
		{name: "arn:aws:lambda:eu-central-1:123456789012:function:echo", qualifier: "prod", wantARN: "arn:aws:lambda:eu-central-1:123456789012:function:echo:prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.qualifier, func(t *testing.T) {
			in := &lambda.InvokeInput{FunctionName: aws.String(tt.name)}
			if tt.qualifier != "" {
				in.Qualifier = aws.String(tt.qualifier)
			}
			out, err := e.client.Invoke(context.Background(), in)
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			var got echoReply
			if err := json.Unmarshal(out.Payload, &got); err != nil {
				t.Fatal(err)
			}
			if got.ARN != tt.wantARN {
				t.Errorf("invoked ARN = %q; want %q", got.ARN, tt.wantARN)
			}
			if string(got.Event) != "{}" {
				t.Errorf("event without payload = %s; want {}", got.Event)
			}
		})
	}
}

func TestErrorsWithSDK(t *testing.T) {
	t.Parallel()
	e := start(t, functions.Options{QueueTimeout: -1})
	ctx := context.Background()
	var notFound *types.ResourceNotFoundException
	var invalidParam *types.InvalidParameterValueException
	var tooLarge *types.RequestTooLargeException
	var badContent *types.InvalidRequestContentException
	tests := []struct {
		name    string
		in      *lambda.InvokeInput
		target  any
		message string
	}{
		{name: "unknown function", in: &lambda.InvokeInput{FunctionName: aws.String("nope")}, target: &notFound,
			message: "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"},
		{name: "unknown function with qualifier", in: &lambda.InvokeInput{FunctionName: aws.String("nope:live")}, target: &notFound,
			message: "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:live"},
		{name: "another account", in: &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:111111111111:function:echo")}, target: &notFound},
		{name: "another region", in: &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-west-2:000000000000:function:echo")}, target: &notFound},
		{name: "qualifier mismatch", in: &lambda.InvokeInput{FunctionName: aws.String("echo:a"), Qualifier: aws.String("b")}, target: &invalidParam},
		{name: "payload too large", in: &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: bytes.Repeat([]byte("x"), functions.MaxPayloadSize+1)}, target: &tooLarge},
		{name: "event payload too large", in: &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeEvent, Payload: bytes.Repeat([]byte("x"), invokeapi.MaxAsyncPayload+1)}, target: &tooLarge},
		{name: "bad client context", in: &lambda.InvokeInput{FunctionName: aws.String("echo"), ClientContext: aws.String("not base64!")}, target: &badContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.Invoke(ctx, tt.in)
			if err == nil || !errors.As(err, tt.target) {
				t.Fatalf("Invoke = %v; want %T", err, tt.target)
			}
			if tt.message != "" && !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q lacks %q", err, tt.message)
			}
		})
	}

	// Throttling: the one sleep instance is busy and the queue is disabled.
	busy := make(chan error, 1)
	go func() {
		_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("sleep"), Payload: []byte(`{"ms":1000}`)})
		busy <- err
	}()
	waitLog(t, e.logs, "START RequestId:", "function=sleep")
	_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("sleep"), Payload: []byte(`{"ms":0}`)})
	var throttled *types.TooManyRequestsException
	if !errors.As(err, &throttled) {
		t.Fatalf("Invoke beyond concurrency = %v; want TooManyRequestsException", err)
	}
	if throttled.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded || aws.ToString(throttled.Type) != "User" {
		t.Errorf("throttle reason %q, type %q", throttled.Reason, aws.ToString(throttled.Type))
	}
	if err := <-busy; err != nil {
		t.Errorf("the busy invocation failed: %v", err)
	}
}

func TestInvocationTypes(t *testing.T) {
	t.Parallel()
	e := start(t, functions.Options{})
	ctx := context.Background()
	out, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Errorf("DryRun = %v, %v; want 204", out, err)
	}
	if _, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope"), InvocationType: types.InvocationTypeDryRun}); err == nil {
		t.Error("DryRun of an unknown function succeeded")
	}
	out, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"async":true}`)})
	if err != nil || out.StatusCode != 202 || len(out.Payload) != 0 {
		t.Fatalf("Event = %v, %v; want 202 with no payload", out, err)
	}
	// The event runs in the background under the request id answered.
	id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if !ok || id == "" {
		t.Fatal("Event answer has no request id")
	}
	waitLog(t, e.logs, "echo handling "+id)
}

func TestRawHTTPErrors(t *testing.T) {
	t.Parallel()
	e := start(t, functions.Options{})
	tests := []struct {
		name, method, path string
		header             map[string]string
		wantStatus         int
		wantCode           string
	}{
		{name: "unknown operation", method: "DELETE", path: "/2015-03-31/functions/echo", wantStatus: 404, wantCode: "UnknownOperationException"},
		{name: "bad invocation type", method: "POST", path: "/2015-03-31/functions/echo/invocations", header: map[string]string{"X-Amz-Invocation-Type": "Sometimes"}, wantStatus: 400, wantCode: "ValidationException"},
		{name: "bad name", method: "POST", path: "/2015-03-31/functions/a:b:c/invocations", wantStatus: 400, wantCode: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.url+tt.path, strings.NewReader("{}"))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("X-Amzn-Errortype") != tt.wantCode || resp.Header.Get("X-Amzn-Requestid") == "" {
				t.Errorf("%d %s %q; want %d %s with a request id", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), body, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

// waitLog waits for a log line containing every one of substrs.
func waitLog(t *testing.T, logs *syncBuffer, substrs ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, line := range strings.Split(logs.String(), "\n") {
			found := true
			for _, s := range substrs {
				found = found && strings.Contains(line, s)
			}
			if found {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line containing %q in:\n%s", substrs, logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
