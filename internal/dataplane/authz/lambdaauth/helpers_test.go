package lambdaauth

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/apigwdev/apigw/internal/goldentest"
	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
)

var update = flag.Bool("update", false, "rewrite the golden event files in testdata")

const testURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"

// requestTime0 is the request time of the golden events.
var requestTime0 = time.UnixMilli(1583348638390).UTC()

// fakeCaller records the events it gets and answers with respond.
type fakeCaller struct {
	mu      sync.Mutex
	events  [][]byte                 // guarded by mu
	fns     []lambdacall.FunctionRef // guarded by mu
	respond func(ctx context.Context, event []byte) (*lambdacall.CallResult, error)
}

func (f *fakeCaller) Call(ctx context.Context, fn lambdacall.FunctionRef, payload []byte) (*lambdacall.CallResult, error) {
	f.mu.Lock()
	f.events = append(f.events, bytes.Clone(payload))
	f.fns = append(f.fns, fn)
	f.mu.Unlock()
	return f.respond(ctx, payload)
}

func (f *fakeCaller) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.events)
}

func (f *fakeCaller) last() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.events[len(f.events)-1]
}

// answer returns a responder with a fixed payload.
func answer(payload string) func(context.Context, []byte) (*lambdacall.CallResult, error) {
	return func(context.Context, []byte) (*lambdacall.CallResult, error) {
		return &lambdacall.CallResult{Payload: []byte(payload)}, nil
	}
}

// inProcess runs a real aws-lambda-go handler: the function decodes our event
// with aws-lambda-go's types and encodes its answer with them; a handler error
// becomes an Unhandled function error with the runtime's error document.
func inProcess(handler any) func(context.Context, []byte) (*lambdacall.CallResult, error) {
	return func(ctx context.Context, payload []byte) (*lambdacall.CallResult, error) {
		out, err := lambda.NewHandler(handler).Invoke(ctx, payload)
		if err != nil {
			doc, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": "errorString"})
			return &lambdacall.CallResult{Payload: doc, FunctionError: "Unhandled"}, nil
		}
		return &lambdacall.CallResult{Payload: bytes.Clone(out)}, nil
	}
}

// clock is an injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newRequest builds the resolved request of a call to target on the API
// abcdef123, stage test, as the data plane hands it over.
func newRequest(method, target string, header ...string) *invoke.Request {
	r := httptest.NewRequest(method, "https://abcdef123.execute-api.us-east-1.amazonaws.com"+target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	path := strings.TrimPrefix(r.URL.Path, "/test")
	if path == "" {
		path = "/"
	}
	return &invoke.Request{
		HTTP:         r,
		RequestID:    "id",
		Time:         requestTime0,
		AccountID:    "123456789012",
		Region:       "us-east-1",
		APIID:        "abcdef123",
		Stage:        "test",
		RouteKey:     "GET /request",
		RoutePath:    "/request",
		DomainName:   "abcdef123.execute-api.us-east-1.amazonaws.com",
		DomainPrefix: "abcdef123",
		Path:         path,
		RawPath:      r.URL.Path,
		EscapedPath:  r.URL.EscapedPath(),
		SourceIP:     "1.2.3.4",
	}
}

// result is what Authorize answered.
type result struct {
	ctx    *invoke.AuthorizerContext
	status int
	cause  string
}

func run(t *testing.T, a *Authorizer, req *invoke.Request) result {
	t.Helper()
	ac, err := a.Authorize(context.Background(), req)
	if err != nil {
		if ac != nil {
			t.Error("context returned with an error")
		}
		return result{status: gwerr.As(err).Kind.Status(), cause: err.Error()}
	}
	if ac == nil {
		t.Fatal("no context and no error")
	}
	return result{ctx: ac, status: 200}
}

// newAuthorizer builds an authorizer with a fake caller and a clock.
func newAuthorizer(t *testing.T, cfg Config, respond func(context.Context, []byte) (*lambdacall.CallResult, error)) (*Authorizer, *fakeCaller, *clock) {
	t.Helper()
	fc := &fakeCaller{respond: respond}
	clk := &clock{t: requestTime0}
	if cfg.URI == "" {
		cfg.URI = testURI
	}
	if cfg.AuthorizerID == "" {
		cfg.AuthorizerID = "auth1"
	}
	cfg.Functions, cfg.Now = fc, clk.Now
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, fc, clk
}

// assertGolden compares an event with its golden file (goldentest.AssertJSON).
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldentest.AssertJSON(t, path, got, *update)
}
