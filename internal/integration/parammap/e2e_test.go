package parammap_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/integration/httpproxy"
	"github.com/apigwdev/apigw/internal/integration/parammap"
	"github.com/apigwdev/apigw/internal/invoke"
)

// TestThroughHTTPProxy maps a request and its response around a real
// HTTP_PROXY integration and checks what a loopback backend received and
// what the client would get.
func TestThroughHTTPProxy(t *testing.T) {
	t.Parallel()
	type seen struct {
		uri    string
		header http.Header
		body   string
	}
	got := make(chan seen, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.RequestURI, r.Header.Clone(), string(b)}
		w.Header().Set("X-Internal", "secret")
		w.Header().Set("X-Reason", "no such pet")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"code":"PET_404"}}`)
	}))
	t.Cleanup(backend.Close)

	inv, err := httpproxy.New(httpproxy.Config{URI: backend.URL + "/pets/{id}", Method: "ANY"})
	if err != nil {
		t.Fatal(err)
	}
	reqMap, err := parammap.CompileRequest(map[string]string{
		"append:header.x-user":        "$request.body.user.name",
		"overwrite:header.x-stage":    "${context.stage}/${stageVariables.env}",
		"remove:header.x-drop":        "",
		"append:querystring.renamed":  "$request.querystring.old",
		"remove:querystring.old":      "",
		"overwrite:querystring.limit": "10",
		"overwrite:path":              "/v2/pets/${request.path.id}",
	})
	if err != nil {
		t.Fatal(err)
	}
	respMap, err := parammap.CompileResponse(map[string]map[string]string{
		"404": {
			"overwrite:statuscode":     "410",
			"remove:header.x-internal": "",
			"overwrite:header.x-code":  "$response.body.error.code",
			"append:header.x-why":      "$response.header.x-reason",
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	body := `{"user":{"name":"ann"}}`
	r := httptest.NewRequest("POST", "http://api.example.com/dev/pets/7?old=a%20b&limit=99&limit=98", strings.NewReader(body))
	r.Header.Set("X-Drop", "1")
	r.Header.Set("Content-Type", "application/json")
	req := &invoke.Request{
		HTTP: r, RequestID: "rid", Time: time.Now(), Stage: "dev", RouteKey: "POST /pets/{id}", RoutePath: "/pets/{id}",
		Path: "/pets/7", RawPath: "/dev/pets/7", EscapedPath: "/dev/pets/7", SourceIP: "192.0.2.1",
		PathParameters: map[string]string{"id": "7"}, StageVariables: map[string]string{"env": "prod"},
	}
	if err := reqMap.MapRequest(req); err != nil {
		t.Fatal(err)
	}
	resp, err := inv.Invoke(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := respMap.MapResponse(req, resp); err != nil {
		t.Fatal(err)
	}

	s := <-got
	if want := "/v2/pets/7?limit=10&renamed=a%20b"; s.uri != want {
		t.Errorf("backend request URI = %q; want %q", s.uri, want)
	}
	for name, want := range map[string]string{"X-User": "ann", "X-Stage": "dev/prod", "X-Drop": "", "Content-Type": "application/json"} {
		if g := strings.Join(s.header[name], "|"); g != want {
			t.Errorf("backend header %s = %q; want %q", name, g, want)
		}
	}
	if s.body != body {
		t.Errorf("backend body = %q; want %q", s.body, body)
	}
	if resp.StatusCode != http.StatusGone {
		t.Errorf("status = %d; want 410", resp.StatusCode)
	}
	for name, want := range map[string]string{"X-Internal": "", "X-Code": "PET_404", "X-Why": "no such pet", "X-Reason": "no such pet"} {
		if g := strings.Join(resp.Header[name], "|"); g != want {
			t.Errorf("response header %s = %q; want %q", name, g, want)
		}
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != `{"error":{"code":"PET_404"}}` {
		t.Errorf("response body = %q, %v", b, err)
	}
}
