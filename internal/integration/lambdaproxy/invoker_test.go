package lambdaproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
)

// fakeCaller records the invocation and answers with its fields, or runs fn.
type fakeCaller struct {
	calls   atomic.Int32
	gotFn   atomic.Pointer[lambdacall.FunctionRef]
	gotBody atomic.Pointer[[]byte]
	result  *lambdacall.CallResult
	err     error
	fn      func(ctx context.Context) (*lambdacall.CallResult, error)
}

func (f *fakeCaller) Call(ctx context.Context, fn lambdacall.FunctionRef, payload []byte) (*lambdacall.CallResult, error) {
	f.calls.Add(1)
	f.gotFn.Store(&fn)
	f.gotBody.Store(&payload)
	if f.fn != nil {
		return f.fn(ctx)
	}
	return f.result, f.err
}

func okResult(payload string) *lambdacall.CallResult {
	return &lambdacall.CallResult{Payload: []byte(payload)}
}

func testRequest(method, target string, body []byte, headers ...string) *invoke.Request {
	r := newHTTP(method, target, body, headers...)
	req := base(r)
	req.RouteKey, req.RoutePath = "ANY /{proxy+}", "/{proxy+}"
	return req
}

const testURI = "arn:aws:lambda:us-east-1:123456789012:function:pets"

func newInvoker(t *testing.T, cfg Config) *Invoker {
	t.Helper()
	if cfg.URI == "" {
		cfg.URI = testURI
	}
	if cfg.PayloadFormatVersion == "" {
		cfg.PayloadFormatVersion = "2.0"
	}
	inv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// TestInvokeFailures has a row for every failure of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html.
func TestInvokeFailures(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte{0xAB}, 4_800_000) // 6.4 MB once base64-encoded
	tests := []struct {
		name     string
		cfg      Config
		caller   *fakeCaller
		req      func() *invoke.Request
		wantKind gwerr.Kind
		wantIs   error // the cause must match with errors.Is
		wantAs   any   // or with errors.As
		noCall   bool
	}{
		{
			name:     "function error",
			caller:   &fakeCaller{result: &lambdacall.CallResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom","errorType":"errorString"}`)}},
			wantKind: gwerr.InternalServerError,
			wantAs:   new(*lambdacall.FunctionError),
		},
		{
			name:     "handled function error",
			caller:   &fakeCaller{result: &lambdacall.CallResult{FunctionError: "Handled", Payload: []byte(`not json`)}},
			wantKind: gwerr.InternalServerError,
			wantAs:   new(*lambdacall.FunctionError),
		},
		{
			name:     "malformed 2.0 result",
			caller:   &fakeCaller{result: okResult(`{"statusCode":0}`)},
			wantKind: gwerr.InternalServerError,
			wantAs:   new(*ResultError),
		},
		{
			name:     "malformed 1.0 result",
			cfg:      Config{PayloadFormatVersion: "1.0"},
			caller:   &fakeCaller{result: okResult(`"just a string"`)},
			wantKind: gwerr.InternalServerError,
			wantAs:   new(*ResultError),
		},
		{
			name:     "function not found",
			caller:   &fakeCaller{err: fmt.Errorf("invoking: %w", lambdacall.ErrFunctionNotFound)},
			wantKind: gwerr.InternalServerError,
			wantIs:   lambdacall.ErrFunctionNotFound,
		},
		{
			name:     "throttled",
			caller:   &fakeCaller{err: fmt.Errorf("invoking: %w", lambdacall.ErrThrottled)},
			wantKind: gwerr.InternalServerError,
			wantIs:   lambdacall.ErrThrottled,
		},
		{
			name:     "payload too large for lambda",
			caller:   &fakeCaller{err: fmt.Errorf("invoking: %w", lambdacall.ErrPayloadTooLarge)},
			wantKind: gwerr.RequestEntityTooLarge,
			wantIs:   lambdacall.ErrPayloadTooLarge,
		},
		{
			name:     "other caller error",
			caller:   &fakeCaller{err: errors.New("connection refused")},
			wantKind: gwerr.InternalServerError,
		},
		{
			name:     "nil result",
			caller:   &fakeCaller{},
			wantKind: gwerr.InternalServerError,
		},
		{
			name: "integration timeout",
			cfg:  Config{Timeout: 50 * time.Millisecond},
			caller: &fakeCaller{fn: func(ctx context.Context) (*lambdacall.CallResult, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			}},
			wantKind: gwerr.ServiceUnavailable,
			wantIs:   errTimeout,
		},
		{
			name: "result after the timeout",
			cfg:  Config{Timeout: 20 * time.Millisecond},
			caller: &fakeCaller{fn: func(ctx context.Context) (*lambdacall.CallResult, error) {
				time.Sleep(60 * time.Millisecond) // a caller that ignores ctx
				return okResult(`{"statusCode":200}`), nil
			}},
			wantKind: gwerr.ServiceUnavailable,
		},
		{
			name:   "event over 6 MB",
			caller: &fakeCaller{result: okResult(`"never"`)},
			req: func() *invoke.Request {
				return testRequest("POST", execHost+"/upload", big, "Content-Type", "application/octet-stream")
			},
			wantKind: gwerr.RequestEntityTooLarge,
			noCall:   true,
		},
		{
			name:   "body over the data plane limit",
			caller: &fakeCaller{result: okResult(`"never"`)},
			req: func() *invoke.Request {
				req := testRequest("POST", execHost+"/upload", []byte("0123456789"))
				req.HTTP.Body = http.MaxBytesReader(httptest.NewRecorder(), req.HTTP.Body, 5)
				return req
			},
			wantKind: gwerr.RequestEntityTooLarge,
			noCall:   true,
		},
		{
			name:   "stage variable undefined",
			cfg:    Config{URI: "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}"},
			caller: &fakeCaller{result: okResult(`"never"`)},
			req: func() *invoke.Request {
				req := testRequest("GET", execHost+"/", nil)
				req.StageVariables = map[string]string{"other": "x"}
				return req
			},
			wantKind: gwerr.InternalServerError,
			wantIs:   lambdacall.ErrFunctionNotFound,
			noCall:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.Caller = tt.caller
			inv := newInvoker(t, cfg)
			req := testRequest("GET", execHost+"/pets", nil)
			if tt.req != nil {
				req = tt.req()
			}
			resp, err := inv.Invoke(context.Background(), req)
			if err == nil {
				t.Fatalf("no error; response %+v", resp)
			}
			var ge *gwerr.Error
			if !errors.As(err, &ge) {
				t.Fatalf("err = %v (%T); want a *gwerr.Error", err, err)
			}
			if ge.Kind != tt.wantKind {
				t.Errorf("kind = %v (status %d); want status %d; err %v", ge.Kind, ge.Kind.Status(), tt.wantKind.Status(), err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v; want it to wrap %v", err, tt.wantIs)
			}
			if tt.wantAs != nil && !errors.As(err, tt.wantAs) {
				t.Errorf("err = %v; want a %T in its chain", err, tt.wantAs)
			}
			if called := tt.caller.calls.Load() > 0; called == tt.noCall {
				t.Errorf("function called = %v; want %v", called, !tt.noCall)
			}
		})
	}
}

func TestInvokeTimeoutIsPrompt(t *testing.T) {
	t.Parallel()
	inv := newInvoker(t, Config{Timeout: 30 * time.Millisecond, Caller: &fakeCaller{fn: func(ctx context.Context) (*lambdacall.CallResult, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}})
	start := time.Now()
	_, err := inv.Invoke(context.Background(), testRequest("GET", execHost+"/", nil))
	if gwerr.As(err).Kind != gwerr.ServiceUnavailable {
		t.Fatalf("err = %v; want 503", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("timeout answered after %v", d)
	}
}

func TestInvokeClientGone(t *testing.T) {
	t.Parallel()
	inv := newInvoker(t, Config{Caller: &fakeCaller{fn: func(ctx context.Context) (*lambdacall.CallResult, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := inv.Invoke(ctx, testRequest("GET", execHost+"/", nil))
	if k := gwerr.As(err).Kind; k == gwerr.ServiceUnavailable {
		t.Errorf("a cancelled request was answered as an integration timeout: %v", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want it to wrap context.Canceled", err)
	}
}

func TestInvokeSuccess(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"1.0", "2.0"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			caller := &fakeCaller{result: okResult(`{"statusCode":201,"headers":{"X-Fn":"yes"},"body":"created"}`)}
			inv := newInvoker(t, Config{
				URI:                  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}:${stageVariables.alias}/invocations",
				PayloadFormatVersion: version,
				Caller:               caller,
			})
			req := testRequest("POST", execHost+"/pets?x=1", []byte(`{"a":1}`), "Content-Type", "application/json")
			req.StageVariables = map[string]string{"fn": "pets", "alias": "live"}
			resp, err := inv.Invoke(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 201 || resp.Header.Get("X-Fn") != "yes" {
				t.Errorf("response = %+v", resp)
			}
			if b, _ := io.ReadAll(resp.Body); string(b) != "created" {
				t.Errorf("body = %q", b)
			}
			want := lambdacall.FunctionRef{Region: "us-east-1", AccountID: "123456789012", Name: "pets", Qualifier: "live"}
			if got := *caller.gotFn.Load(); got != want {
				t.Errorf("function = %+v; want %+v", got, want)
			}
			var ev struct {
				Version string `json:"version"`
				Body    string `json:"body"`
			}
			if err := json.Unmarshal(*caller.gotBody.Load(), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Version != version || ev.Body != `{"a":1}` {
				t.Errorf("event version %q body %q", ev.Version, ev.Body)
			}
		})
	}
}

// TestInvokeEventUnderLimit checks that an event just under 6 MB is sent: the
// limit applies to the event, not the body.
func TestInvokeEventUnderLimit(t *testing.T) {
	t.Parallel()
	caller := &fakeCaller{result: okResult(`"ok"`)}
	inv := newInvoker(t, Config{Caller: caller})
	body := bytes.Repeat([]byte("a"), MaxEventSize-2000)
	if _, err := inv.Invoke(context.Background(), testRequest("POST", execHost+"/", body, "Content-Type", "text/plain")); err != nil {
		t.Fatal(err)
	}
	if n := len(*caller.gotBody.Load()); n > MaxEventSize {
		t.Errorf("sent an event of %d bytes", n)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	caller := &fakeCaller{}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"bad uri", Config{URI: "pets", PayloadFormatVersion: "2.0", Caller: caller}},
		{"no version", Config{URI: testURI, Caller: caller}},
		{"bad version", Config{URI: testURI, PayloadFormatVersion: "3.0", Caller: caller}},
		{"negative timeout", Config{URI: testURI, PayloadFormatVersion: "1.0", Timeout: -1, Caller: caller}},
		{"no caller", Config{URI: testURI, PayloadFormatVersion: "1.0"}},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil {
			t.Errorf("%s: New accepted %+v", tt.name, tt.cfg)
		}
	}
	inv, err := New(Config{URI: testURI, PayloadFormatVersion: "1.0", Caller: caller})
	if err != nil {
		t.Fatal(err)
	}
	if inv.timeout != DefaultTimeout {
		t.Errorf("default timeout = %v", inv.timeout)
	}
}

func TestFunctionErrorMessage(t *testing.T) {
	t.Parallel()
	fn := lambdacall.FunctionRef{Region: "us-east-1", AccountID: "123456789012", Name: "pets"}
	e := &lambdacall.FunctionError{Function: fn, Type: "Unhandled", Payload: []byte(`{"errorMessage":"boom","errorType":"errorString"}`)}
	if got, want := e.Error(), "function arn:aws:lambda:us-east-1:123456789012:function:pets: Unhandled error: errorString: boom"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	e.Payload = []byte(strings.Repeat("x", 1000))
	if got := e.Error(); len(got) > 700 {
		t.Errorf("Error() is %d bytes long", len(got))
	}
}
