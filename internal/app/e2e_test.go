package app_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// seenRequest is what the test backend saw.
type seenRequest struct {
	Method string
	Path   string
	Query  string
	Host   string
	Header http.Header
	Body   string
}

// echoBackend answers every request with a JSON description of it.
func echoBackend(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend", "echo")
		_ = json.NewEncoder(w).Encode(seenRequest{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Host: r.Host, Header: r.Header, Body: string(b)})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func workedExampleDoc(backend string) string {
	return `
openapi: "3.0.1"
info: {title: worked-example, version: "1"}
paths:
  /pets/dog/1:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "` + backend + `/r/exact", payloadFormatVersion: "1.0"}
  /pets/dog/{id}:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "` + backend + `/r/var/{id}", payloadFormatVersion: "1.0"}
  /pets/{proxy+}:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "` + backend + `/r/greedy/{proxy}", payloadFormatVersion: "1.0"}
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "` + backend + `/r/any/{proxy}", payloadFormatVersion: "1.0"}
  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "` + backend + `/r/default", payloadFormatVersion: "1.0"}
`
}

// TestWorkedRoutingExample serves a worked example of route selection
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html) from an OpenAPI document through HTTP_PROXY integrations to a real
// backend, in host style, path style and as the default API, on $default and
// on a named stage.
func TestWorkedRoutingExample(t *testing.T) {
	t.Parallel()
	be := echoBackend(t)
	gw := gatewaytest.Start(t, gatewaytest.Files{
		"worked.yaml": workedExampleDoc(be.URL),
		"apigw.yaml": `
apis:
  - id: worked0001
    openapi: ./worked.yaml
    default: true
    stages:
      - name: $default
      - name: prod
`,
	})
	table := []struct{ method, path, backendPath string }{
		{"GET", "/pets/dog/1", "/r/exact"},
		{"GET", "/pets/dog/2", "/r/var/2"},
		{"GET", "/pets/cat/1", "/r/greedy/cat/1"},
		{"POST", "/test/5", "/r/any/test/5"},
		{"GET", "/", "/r/default/"},
	}
	styles := []struct{ name, host, prefix string }{
		{"default api", "", ""},
		{"host style", "worked0001.execute-api.localhost", ""},
		{"path style", "", "/_aws/execute-api/worked0001"},
	}
	for _, style := range styles {
		for _, stage := range []string{"", "/prod"} {
			for _, tt := range table {
				name := style.name + " stage=" + stage + " " + tt.method + " " + tt.path
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					r := gw.Do(t, tt.method, style.host, style.prefix+stage+tt.path, nil)
					if r.Status != 200 {
						t.Fatalf("status %d body %s", r.Status, r.Body)
					}
					var seen seenRequest
					if err := json.Unmarshal([]byte(r.Body), &seen); err != nil {
						t.Fatal(err)
					}
					if seen.Path != tt.backendPath || seen.Method != tt.method {
						t.Errorf("backend saw %s %s; want %s %s", seen.Method, seen.Path, tt.method, tt.backendPath)
					}
				})
			}
		}
	}
	t.Run("no route in another API", func(t *testing.T) {
		r := gw.Do(t, "GET", "nosuchapi0.execute-api.localhost", "/pets", nil)
		if r.Status != 404 || r.Body != `{"message":"Not Found"}` || r.Header.Get("apigw-requestid") == "" {
			t.Errorf("got %d %q", r.Status, r.Body)
		}
	})
}

// TestHTTPProxy checks what a backend receives through an HTTP_PROXY route
// and that its answer comes back unchanged.
func TestHTTPProxy(t *testing.T) {
	t.Parallel()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("X-Custom", "yes")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" host="+r.Host+" x-client="+r.Header.Get("X-Client")+" body="+string(b))
	}))
	t.Cleanup(be.Close)
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(block); slow.Close() })
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()

	gw := gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml": `
openapi: "3.0.1"
info: {title: proxy, version: "1"}
paths:
  /items/{id}:
    post:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "` + be.URL + `/backend/items/{id}", payloadFormatVersion: "1.0"}
  /slow:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "` + slow.URL + `/", payloadFormatVersion: "1.0", timeoutInMillis: 100}
  /dead:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "` + deadURL + `/", payloadFormatVersion: "1.0"}
`,
		"apigw.yaml": "apis:\n  - {id: proxy00001, openapi: ./api.yaml, default: true}\n",
	})

	r := gw.Do(t, "POST", "", "/items/42?q=a%20b&q=c", strings.NewReader(`{"n":1}`), "X-Client: me", "Content-Type: application/json")
	wantBody := "POST /backend/items/42?q=a%20b&q=c host=" + strings.TrimPrefix(be.URL, "http://") + " x-client=me body={\"n\":1}"
	if r.Status != 201 || r.Body != wantBody {
		t.Errorf("got %d %q; want 201 %q", r.Status, r.Body, wantBody)
	}
	if got := r.Header.Values("Set-Cookie"); len(got) != 2 || r.Header.Get("X-Custom") != "yes" || r.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("headers not passed through: %v", r.Header)
	}
	if r.Header.Get("apigw-requestid") == "" {
		t.Error("no apigw-requestid")
	}

	r = gw.Do(t, "GET", "", "/slow", nil)
	if r.Status != 503 || r.Body != `{"message":"Service Unavailable"}` {
		t.Errorf("slow backend: got %d %q; want 503 Service Unavailable", r.Status, r.Body)
	}
	r = gw.Do(t, "GET", "", "/dead", nil)
	if r.Status != 500 || r.Body != `{"message":"Internal Server Error"}` {
		t.Errorf("dead backend: got %d %q; want 500 Internal Server Error", r.Status, r.Body)
	}
	if strings.Contains(r.Body, "refused") {
		t.Error("internal cause leaked to the client")
	}
	if !strings.Contains(gw.Log(), "refused") {
		t.Error("the real cause (connection refused) was not logged")
	}
}
