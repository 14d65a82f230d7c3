package invokeapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/apigwdev/apigw/internal/functions"
)

// remoteManager returns a Manager whose functions are remote, at url.
func remoteManager(t *testing.T, url string, cfgs ...functions.Config) *functions.Manager {
	t.Helper()
	for i := range cfgs {
		cfgs[i].Endpoint = url
	}
	m, err := functions.New(functions.Options{Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}, cfgs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return m
}

// TestRemoteFunctionsThroughInvokeAPI points remote functions at this
// package's Invoke API serving local functions: the SDK path end to end.
func TestRemoteFunctionsThroughInvokeAPI(t *testing.T) {
	t.Parallel()
	e := start(t, functions.Options{QueueTimeout: -1})
	m := remoteManager(t, e.url,
		functions.Config{Name: "echo"},
		functions.Config{Name: "fail"},
		functions.Config{Name: "sleep"},
		functions.Config{Name: "renamed", RemoteName: "echo"},
		functions.Config{Name: "missing", RemoteName: "nope"},
	)
	ctx := context.Background()

	res, err := m.Invoke(ctx, &functions.Invocation{FunctionName: "renamed", Qualifier: "live", Payload: []byte(`{"a":1}`), Tail: true})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var got echoReply
	if err := json.Unmarshal(res.Payload, &got); err != nil {
		t.Fatalf("payload %s: %v", res.Payload, err)
	}
	if string(got.Event) != `{"a":1}` || got.ARN != "arn:aws:lambda:us-east-1:000000000000:function:echo:live" {
		t.Errorf("remote saw event %s, ARN %s", got.Event, got.ARN)
	}
	if res.FunctionError != "" || res.ExecutedVersion != "$LATEST" || res.RequestID != got.RequestID {
		t.Errorf("result = %+v; want success, $LATEST, request id %s", res, got.RequestID)
	}
	if !strings.Contains(res.Log, "REPORT RequestId: "+got.RequestID) {
		t.Errorf("log tail = %q", res.Log)
	}

	res, err = m.Invoke(ctx, &functions.Invocation{FunctionName: "fail", Payload: []byte(`{}`)})
	if err != nil || res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "boom from") {
		t.Errorf("fail = %+v, %v; want an Unhandled function error", res, err)
	}

	if _, err := m.Invoke(ctx, &functions.Invocation{FunctionName: "missing"}); !errors.Is(err, functions.ErrFunctionNotFound) {
		t.Errorf("missing remote function = %v; want ErrFunctionNotFound", err)
	}

	busy := make(chan error, 1)
	go func() {
		_, err := m.Invoke(ctx, &functions.Invocation{FunctionName: "sleep", Payload: []byte(`{"ms":1000}`)})
		busy <- err
	}()
	waitLog(t, e.logs, "START RequestId:", "function=sleep")
	if _, err := m.Invoke(ctx, &functions.Invocation{FunctionName: "sleep", Payload: []byte(`{"ms":0}`)}); !errors.Is(err, functions.ErrThrottled) {
		t.Errorf("throttled remote = %v; want ErrThrottled", err)
	}
	if err := <-busy; err != nil {
		t.Error(err)
	}
}

// TestRemoteRIECompatibility talks to a stand-in for the runtime interface
// emulator, which answers on /2015-03-31/functions/function/invocations only,
// with no X-Amz-* headers, and reports crashes as 502 with the error JSON
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
func TestRemoteRIECompatibility(t *testing.T) {
	t.Parallel()
	rie := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/2015-03-31/functions/function/invocations" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if string(body) == `"crash"` {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: 9abf Error: Runtime exited with error: exit status 3"}`)
			return
		}
		_, _ = w.Write(body)
	}))
	defer rie.Close()
	m := remoteManager(t, rie.URL, functions.Config{Name: "rie", RemoteName: "function"})
	ctx := context.Background()

	res, err := m.Invoke(ctx, &functions.Invocation{FunctionName: "rie", Payload: []byte(`{"ok":true}`)})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if string(res.Payload) != `{"ok":true}` || res.FunctionError != "" || res.ExecutedVersion != "$LATEST" || res.RequestID == "" {
		t.Errorf("success = %+v", res)
	}
	res, err = m.Invoke(ctx, &functions.Invocation{FunctionName: "rie", Payload: []byte(`"crash"`)})
	if err != nil {
		t.Fatalf("Invoke crash: %v", err)
	}
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "Runtime.ExitError") {
		t.Errorf("crash = %+v; want an Unhandled Runtime.ExitError", res)
	}
}
