package rapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runtimeClient is a fake Lambda runtime: the client side of the Runtime API,
// shaped like aws-lambda-go's runtimeAPIClient (lambda/runtime_api_client.go)
// so the Server is tested over real HTTP the way the real client calls it.
type runtimeClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func startServer(t *testing.T) (*Server, *runtimeClient) {
	t.Helper()
	s := New(Config{FunctionName: "fn"})
	addr, err := s.Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	s.Admit(os.Getpid()) // the test process plays the runtime
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, &runtimeClient{t: t, base: "http://" + addr, hc: &http.Client{}}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (c *runtimeClient) do(req *http.Request) reply {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("reading %s: %v", req.URL.Path, err)
	}
	return reply{resp.StatusCode, resp.Header, string(b)}
}

// nextAsync calls GET /next in a goroutine; the reply arrives on the channel.
func (c *runtimeClient) nextAsync(ctx context.Context) <-chan reply {
	ch := make(chan reply, 1)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/2018-06-01/runtime/invocation/next", nil)
	go func() {
		resp, err := c.hc.Do(req)
		if err != nil {
			ch <- reply{status: -1, body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ch <- reply{resp.StatusCode, resp.Header, string(b)}
	}()
	return ch
}

// post sends body the way aws-lambda-go does: chunked (the body has no known
// length), with the declared error trailers, which are filled in when
// trailerType is not empty.
func (c *runtimeClient) post(path, body, contentType string, trailer http.Header) reply {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, io.MultiReader(strings.NewReader(body)))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "aws-lambda-go/test")
	req.Trailer = http.Header{headerFunctionErrorType: nil, headerFunctionErrorBody: nil}
	for k, v := range trailer {
		req.Trailer[k] = v
	}
	return c.do(req)
}

func (c *runtimeClient) get(path string) reply {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

func waitEvent(t *testing.T, s *Server, kind EventKind) Event {
	t.Helper()
	select {
	case ev := <-s.Events():
		if ev.Kind != kind {
			t.Fatalf("event kind = %d; want %d (%+v)", ev.Kind, kind, ev)
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no event of kind %d", kind)
	}
	return Event{}
}

// deliver parks a /next, hands it inv and returns the /next reply.
func deliver(t *testing.T, s *Server, c *runtimeClient, inv *Invocation) reply {
	t.Helper()
	ch := c.nextAsync(context.Background())
	waitEvent(t, s, EventReady)
	select {
	case s.Invocations() <- inv:
	case <-time.After(5 * time.Second):
		t.Fatal("no /next took the invocation")
	}
	return <-ch
}

const okBody = "{\"status\":\"OK\"}\n"

func TestInvocationRoundTrip(t *testing.T) {
	t.Parallel()
	s, c := startServer(t)
	inv := &Invocation{
		RequestID:          "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		Payload:            []byte(`{"hello":"world"}`),
		Timeout:            3 * time.Second,
		InvokedFunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:fn:live",
		TraceID:            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
		ClientContext:      `{"custom":{"a":"b"}}`,
	}
	before := time.Now()
	got := deliver(t, s, c, inv)
	if got.status != http.StatusOK {
		t.Fatalf("/next status = %d; want 200 (%s)", got.status, got.body)
	}
	if got.body != string(inv.Payload) {
		t.Errorf("/next body = %q; want %q", got.body, inv.Payload)
	}
	for h, want := range map[string]string{
		"Lambda-Runtime-Aws-Request-Id":       inv.RequestID,
		"Lambda-Runtime-Invoked-Function-Arn": inv.InvokedFunctionARN,
		"Lambda-Runtime-Trace-Id":             inv.TraceID,
		"Lambda-Runtime-Client-Context":       inv.ClientContext,
		"Content-Type":                        "application/json",
	} {
		if v := got.header.Get(h); v != want {
			t.Errorf("/next header %s = %q; want %q", h, v, want)
		}
	}
	if v := got.header.Get("Lambda-Runtime-Cognito-Identity"); v != "" {
		t.Errorf("Lambda-Runtime-Cognito-Identity = %q; want it absent", v)
	}
	ms, err := strconv.ParseInt(got.header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if err != nil {
		t.Fatalf("Lambda-Runtime-Deadline-Ms: %v", err)
	}
	if d := time.UnixMilli(ms).Sub(before); d < 2*time.Second || d > 4*time.Second {
		t.Errorf("deadline is %v after the invoke; want about 3s", d)
	}
	if st := s.State(); st != Invoking {
		t.Errorf("state = %v; want Invoking", st)
	}

	r := c.post("/2018-06-01/runtime/invocation/"+inv.RequestID+"/response", `{"ok":true}`, "application/json", nil)
	if r.status != http.StatusAccepted || r.body != okBody || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("/response = %d %q %q; want 202 %q application/json", r.status, r.body, r.header.Get("Content-Type"), okBody)
	}
	ev := waitEvent(t, s, EventResult)
	if ev.FunctionError || string(ev.Payload) != `{"ok":true}` || ev.RequestID != inv.RequestID {
		t.Errorf("event = %+v; want success with the posted body", ev)
	}
	if st := s.State(); st != Responded {
		t.Errorf("state = %v; want Responded", st)
	}
	// The next /next means "finished": Ready again, not the init one.
	ch := c.nextAsync(context.Background())
	if ev := waitEvent(t, s, EventReady); ev.Init {
		t.Error("second /next reported Init")
	}
	s.Close()
	if r := <-ch; r.status != http.StatusInternalServerError && r.status != -1 {
		t.Errorf("parked /next after Close = %d; want 500 or a closed connection", r.status)
	}
}

func TestResponseOutcomes(t *testing.T) {
	t.Parallel()
	errBody := `{"errorMessage":"stream broke","errorType":"errorString"}`
	tests := []struct {
		name        string
		body        string
		header      http.Header
		trailer     http.Header
		path        string // default: /response
		wantStatus  int
		wantErrType string // "" means success
		wantPayload string
	}{
		{name: "plain", body: "hello", wantStatus: 202, wantPayload: "hello"},
		{name: "error trailers", body: "partial-",
			trailer:    http.Header{headerFunctionErrorType: {"errorString"}, headerFunctionErrorBody: {base64.StdEncoding.EncodeToString([]byte(errBody))}},
			wantStatus: 202, wantErrType: "errorString", wantPayload: errBody},
		{name: "too large", body: strings.Repeat("x", MaxPayloadSize+1), wantStatus: 413,
			wantErrType: "Function.ResponseSizeTooLarge",
			wantPayload: `{"errorMessage":"Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}`},
		{name: "exactly the limit", body: strings.Repeat("x", MaxPayloadSize), wantStatus: 202, wantPayload: strings.Repeat("x", MaxPayloadSize)},
		{name: "bad response mode", body: "x", header: http.Header{headerResponseMode: {"buffered"}}, wantStatus: 400, wantErrType: "Runtime.InvalidResponseModeHeader"},
		{name: "streaming mode is buffered", body: "abc", header: http.Header{headerResponseMode: {"streaming"}}, wantStatus: 202, wantPayload: "abc"},
		{name: "error endpoint", path: "error", body: `{"errorMessage":"boom","errorType":"errorString"}`, wantStatus: 202,
			wantErrType: "errorString", wantPayload: `{"errorMessage":"boom","errorType":"errorString"}`},
		{name: "error endpoint with header type", path: "error", body: `{}`, header: http.Header{headerFunctionErrorType: {"Function.MyError"}},
			wantStatus: 202, wantErrType: "Function.MyError", wantPayload: `{}`},
		{name: "error endpoint sanitised type", path: "error", body: `{}`, header: http.Header{headerFunctionErrorType: {"bogus"}},
			wantStatus: 202, wantErrType: "Runtime.Unknown", wantPayload: `{}`},
		{name: "error cause stripped", path: "error", header: http.Header{"Content-Type": {contentTypeErrorCause}},
			body:       `{"errorMessage":"m","errorType":"T","errorCause":{"paths":[]}}`,
			wantStatus: 202, wantErrType: "T", wantPayload: `{"errorMessage":"m","errorType":"T"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, c := startServer(t)
			const id = "req-1"
			deliver(t, s, c, &Invocation{RequestID: id, Timeout: time.Second})
			path := tt.path
			if path == "" {
				path = "response"
			}
			req, _ := http.NewRequest(http.MethodPost, c.base+"/2018-06-01/runtime/invocation/"+id+"/"+path, io.MultiReader(strings.NewReader(tt.body)))
			req.Trailer = http.Header{headerFunctionErrorType: nil, headerFunctionErrorBody: nil}
			for k, v := range tt.trailer {
				req.Trailer[k] = v
			}
			for k, v := range tt.header {
				req.Header[k] = v
			}
			r := c.do(req)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d; want %d (%s)", r.status, tt.wantStatus, r.body)
			}
			ev := waitEvent(t, s, EventResult)
			if ev.FunctionError != (tt.wantErrType != "") || ev.ErrorType != tt.wantErrType {
				t.Errorf("event error = %v %q; want %q", ev.FunctionError, ev.ErrorType, tt.wantErrType)
			}
			if tt.wantPayload != "" && !jsonOrBytesEqual(ev.Payload, []byte(tt.wantPayload)) {
				t.Errorf("payload = %.200s; want %.200s", ev.Payload, tt.wantPayload)
			}
		})
	}
}

func jsonOrBytesEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil {
		ja, _ := json.Marshal(x)
		jb, _ := json.Marshal(y)
		return bytes.Equal(ja, jb)
	}
	return bytes.Equal(a, b)
}

// TestStateMachine drives illegal calls and checks each is refused without a
// state change: 403 InvalidStateTransition, or 400 InvalidRequestID for ids
// that are not the current invocation's.
func TestStateMachine(t *testing.T) {
	t.Parallel()
	const id = "req-1"
	tests := []struct {
		name      string
		setup     func(t *testing.T, s *Server, c *runtimeClient)
		method    string
		path      string
		want      int
		wantType  string
		wantState State
	}{
		{name: "response before any invocation", method: "POST", path: "/2018-06-01/runtime/invocation/" + id + "/response",
			want: 400, wantType: "InvalidRequestID", wantState: Started},
		{name: "error before any invocation", method: "POST", path: "/2018-06-01/runtime/invocation/" + id + "/error",
			want: 400, wantType: "InvalidRequestID", wantState: Started},
		{name: "response with the wrong id", setup: invoking(id), method: "POST", path: "/2018-06-01/runtime/invocation/other/response",
			want: 400, wantType: "InvalidRequestID", wantState: Invoking},
		{name: "second response", setup: answered(id), method: "POST", path: "/2018-06-01/runtime/invocation/" + id + "/response",
			want: 403, wantType: "InvalidStateTransition", wantState: Responded},
		{name: "error after response", setup: answered(id), method: "POST", path: "/2018-06-01/runtime/invocation/" + id + "/error",
			want: 403, wantType: "InvalidStateTransition", wantState: Responded},
		{name: "next while invoking", setup: invoking(id), method: "GET", path: "/2018-06-01/runtime/invocation/next",
			want: 403, wantType: "InvalidStateTransition", wantState: Invoking},
		{name: "init error after init", setup: invoking(id), method: "POST", path: "/2018-06-01/runtime/init/error",
			want: 403, wantType: "InvalidStateTransition", wantState: Invoking},
		{name: "second parked next", setup: parked, method: "GET", path: "/2018-06-01/runtime/invocation/next",
			want: 403, wantType: "InvalidStateTransition", wantState: Ready},
		{name: "next after init error", setup: initErrored, method: "GET", path: "/2018-06-01/runtime/invocation/next",
			want: 403, wantType: "InvalidStateTransition", wantState: InitError},
		{name: "unknown path", method: "GET", path: "/2018-06-01/runtime/invocation", want: 404, wantState: Started},
		{name: "wrong method", method: "POST", path: "/2018-06-01/runtime/invocation/next", want: 405, wantState: Started},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, c := startServer(t)
			if tt.setup != nil {
				tt.setup(t, s, c)
			}
			req, _ := http.NewRequest(tt.method, c.base+tt.path, strings.NewReader("{}"))
			r := c.do(req)
			if r.status != tt.want {
				t.Fatalf("status = %d; want %d (%s)", r.status, tt.want, r.body)
			}
			if tt.wantType != "" {
				var e errorResponse
				if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.ErrorType != tt.wantType {
					t.Errorf("body = %s; want errorType %s", r.body, tt.wantType)
				}
				if tt.wantType == "InvalidStateTransition" && !strings.HasPrefix(e.ErrorMessage, "State transition from ") {
					t.Errorf("errorMessage = %q; want the RIE's format", e.ErrorMessage)
				}
			}
			if st := s.State(); st != tt.wantState {
				t.Errorf("state = %v; want %v", st, tt.wantState)
			}
		})
	}
}

func invoking(id string) func(*testing.T, *Server, *runtimeClient) {
	return func(t *testing.T, s *Server, c *runtimeClient) {
		deliver(t, s, c, &Invocation{RequestID: id, Timeout: time.Second})
	}
}

func answered(id string) func(*testing.T, *Server, *runtimeClient) {
	return func(t *testing.T, s *Server, c *runtimeClient) {
		deliver(t, s, c, &Invocation{RequestID: id, Timeout: time.Second})
		if r := c.post("/2018-06-01/runtime/invocation/"+id+"/response", "ok", "text/plain", nil); r.status != 202 {
			t.Fatalf("/response = %d", r.status)
		}
		waitEvent(t, s, EventResult)
	}
}

func parked(t *testing.T, s *Server, c *runtimeClient) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c.nextAsync(ctx)
	waitEvent(t, s, EventReady)
}

func initErrored(t *testing.T, s *Server, c *runtimeClient) {
	r := c.post("/2018-06-01/runtime/init/error", `{"errorMessage":"no config","errorType":"InitFailure"}`, "application/json",
		nil)
	if r.status != 202 || r.body != okBody {
		t.Fatalf("/init/error = %d %q; want 202", r.status, r.body)
	}
	ev := waitEvent(t, s, EventInitError)
	if ev.ErrorType != "InitFailure" || !strings.Contains(string(ev.Payload), "no config") {
		t.Fatalf("init error event = %+v", ev)
	}
}

func TestAbandonedNextMakesRuntimeIdle(t *testing.T) {
	t.Parallel()
	s, c := startServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	ch := c.nextAsync(ctx)
	waitEvent(t, s, EventReady)
	cancel()
	<-ch
	deadline := time.Now().Add(5 * time.Second)
	for s.State() != Idle {
		if time.Now().After(deadline) {
			t.Fatalf("state = %v; want Idle", s.State())
		}
		time.Sleep(time.Millisecond)
	}
	// A new /next is allowed and takes the next invocation.
	if r := deliver(t, s, c, &Invocation{RequestID: "r2", Payload: []byte("{}")}); r.status != 200 {
		t.Fatalf("/next after an abandoned one = %d", r.status)
	}
}

func TestExtensionsAndStubs(t *testing.T) {
	t.Parallel()
	s, c := startServer(t)
	if r := c.get("/2018-06-01/ping"); r.status != 200 || r.body != "pong" {
		t.Errorf("ping = %d %q", r.status, r.body)
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+"/2020-01-01/extension/register", strings.NewReader(`{"events":[]}`))
	req.Header.Set("Lambda-Extension-Name", "GoLangEnableSIGTERM")
	r := c.do(req)
	id := r.header.Get("Lambda-Extension-Identifier")
	if r.status != 200 || id == "" {
		t.Fatalf("register = %d %q, id %q; want 200 with an identifier", r.status, r.body, id)
	}
	req, _ = http.NewRequest(http.MethodPost, c.base+"/2020-01-01/extension/register", strings.NewReader(`{"events":[]}`))
	if r := c.do(req); r.status != 403 {
		t.Errorf("register without a name = %d; want 403", r.status)
	}
	// The extension's /event/next parks until the instance stops.
	done := make(chan reply, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, c.base+"/2020-01-01/extension/event/next", nil)
		req.Header.Set("Lambda-Extension-Identifier", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- reply{status: -1}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- reply{status: resp.StatusCode, body: string(b)}
	}()
	req, _ = http.NewRequest(http.MethodGet, c.base+"/2020-01-01/extension/event/next", nil)
	req.Header.Set("Lambda-Extension-Identifier", "unknown")
	if r := c.do(req); r.status != 403 {
		t.Errorf("event/next with an unknown id = %d; want 403", r.status)
	}
	if r := c.post("/2020-08-15/logs", "{}", "application/json", nil); r.status != 404 && r.status != 405 {
		t.Errorf("POST logs = %d; want 405 (PUT only)", r.status)
	}
	req, _ = http.NewRequest(http.MethodPut, c.base+"/2022-07-01/telemetry", strings.NewReader("{}"))
	if r := c.do(req); r.status != 202 {
		t.Errorf("PUT telemetry = %d; want 202", r.status)
	}
	// Registration closes with the first /next.
	c.nextAsync(context.Background())
	waitEvent(t, s, EventReady)
	req, _ = http.NewRequest(http.MethodPost, c.base+"/2020-01-01/extension/register", strings.NewReader(`{"events":[]}`))
	req.Header.Set("Lambda-Extension-Name", "late")
	if r := c.do(req); r.status != 403 {
		t.Errorf("register after init = %d; want 403", r.status)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.status != 200 && r.status != -1 {
		t.Errorf("extension event/next at shutdown = %d %q", r.status, r.body)
	}
}

func TestTransitionErrorIs(t *testing.T) {
	t.Parallel()
	_, err := transition(Invoking, actNext)
	if !errors.Is(err, ErrInvalidStateTransition) {
		t.Fatalf("transition error %v does not match ErrInvalidStateTransition", err)
	}
	want := "State transition from Invoking to Ready failed for runtime. Error: State transition is not allowed"
	if err.Error() != want {
		t.Errorf("message = %q; want %q", err, want)
	}
}
