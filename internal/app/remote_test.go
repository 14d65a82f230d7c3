package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// fakeInvokeAPI is a Lambda Invoke API endpoint that records the function
// names and access keys it is called with and answers a 2.0 result.
type fakeInvokeAPI struct {
	*httptest.Server
	mu    sync.Mutex
	calls []string // guarded by mu; "path credential-access-key"
}

func newFakeInvokeAPI(t *testing.T) *fakeInvokeAPI {
	t.Helper()
	f := &fakeInvokeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		key := "unsigned"
		if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
			key, _, _ = strings.Cut(cred, "/")
		}
		f.mu.Lock()
		f.calls = append(f.calls, r.URL.Path+" "+key)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		_, _ = io.WriteString(w, `{"statusCode":200,"body":"from remote"}`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeInvokeAPI) lastCall() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return ""
	}
	return f.calls[len(f.calls)-1]
}

const remoteDoc = `
openapi: "3.0.1"
info: {title: remote, version: "1"}
paths:
  /remote:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, payloadFormatVersion: "2.0",
        uri: "arn:aws:lambda:us-east-1:000000000000:function:legacy"}
`

// TestRemoteFunction: a function with an endpoint is invoked under its
// remoteName, signed with the config's aws.credentials.
func TestRemoteFunction(t *testing.T) {
	t.Parallel()
	api := newFakeInvokeAPI(t)
	gw := gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml": remoteDoc,
		"apigw.yaml": "functions:\n  legacy: {endpoint: \"" + api.URL + "\", remoteName: function}\n" +
			"aws:\n  credentials: {accessKeyId: AKIDCONFIG, secretAccessKey: secret}\n" +
			"apis:\n  - {id: remote0001, openapi: ./api.yaml, default: true}\n",
	})
	r := gw.Do(t, "GET", "", "/remote", nil)
	if r.Status != 200 || r.Body != "from remote" {
		t.Fatalf("got %d %q; want 200 from remote", r.Status, r.Body)
	}
	if got, want := api.lastCall(), "/2015-03-31/functions/function/invocations AKIDCONFIG"; got != want {
		t.Errorf("the endpoint saw %q; want %q", got, want)
	}
}

// TestRemoteFunctionDummyCredentials: without aws.credentials and without
// credentials in the environment, a loopback endpoint (sam local, the
// runtime interface emulator) gets requests signed with dummy credentials.
// Not parallel: it clears the process's AWS environment.
func TestRemoteFunctionDummyCredentials(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	api := newFakeInvokeAPI(t)
	gw := gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml":   remoteDoc,
		"apigw.yaml": "functions:\n  legacy: {endpoint: \"" + api.URL + "\"}\napis:\n  - {id: remote0002, openapi: ./api.yaml, default: true}\n",
	})
	r := gw.Do(t, "GET", "", "/remote", nil)
	if r.Status != 200 || r.Body != "from remote" {
		t.Fatalf("got %d %q; want 200 from remote", r.Status, r.Body)
	}
	if got, want := api.lastCall(), "/2015-03-31/functions/legacy/invocations test"; got != want {
		t.Errorf("the endpoint saw %q; want %q", got, want)
	}
	if !strings.Contains(gw.Log(), "dummy credentials") {
		t.Error("the choice of dummy credentials is not logged")
	}
}
