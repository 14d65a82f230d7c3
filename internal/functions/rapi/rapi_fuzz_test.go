package rapi

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRouter sends arbitrary paths, methods and bodies to a runtime that is
// Invoking request "req-1" and checks that routing and request-id parsing
// never panic and answer only the statuses the Runtime API defines, and that
// an answer for "req-1" is accepted exactly when the path names it (cf. RIE
// internal/lambda/rapi/rapi_fuzz_test.go).
func FuzzRouter(f *testing.F) {
	const id = "req-1"
	for _, seed := range []struct {
		path string
		get  bool
	}{
		{"/2018-06-01/runtime/invocation/next", true},
		{"/2018-06-01/runtime/invocation/" + id + "/response", false},
		{"/2018-06-01/runtime/invocation/" + id + "/error", false},
		{"/2018-06-01/runtime/invocation/other/response", false},
		{"/2018-06-01/runtime/invocation//response", false},
		{"/2018-06-01/runtime/invocation/" + id + "%2F/response", false},
		{"/2018-06-01/runtime/init/error", false},
		{"/2018-06-01/ping", true},
		{"/2020-01-01/extension/register", false},
		{"/2020-01-01/extension/event/next", true},
		{"/2018-06-01/runtime/invocation/../invocation/" + id + "/response", false},
		{"/", true},
	} {
		f.Add(seed.path, []byte(`{"errorMessage":"x","errorType":"y"}`), seed.get)
	}
	f.Fuzz(func(t *testing.T, rawPath string, body []byte, get bool) {
		u, err := url.ParseRequestURI(rawPath)
		if err != nil || strings.ContainsAny(rawPath, " \t\r\n") || u.Host != "" || u.Scheme != "" {
			t.Skip()
		}
		s := New(Config{FunctionName: "fn"})
		defer s.Close()
		s.state, s.current = Invoking, id

		method := http.MethodPost
		if get {
			method = http.MethodGet
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a parked /next returns at once
		req := httptest.NewRequestWithContext(ctx, method, rawPath, bytes.NewReader(body))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)

		switch rec.Code {
		case http.StatusOK, http.StatusAccepted, http.StatusMovedPermanently, http.StatusTemporaryRedirect,
			http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed,
			http.StatusRequestEntityTooLarge, http.StatusInternalServerError:
		default:
			t.Fatalf("%s %q = %d; not a Runtime API status", method, rawPath, rec.Code)
		}

		answer := !get && (u.Path == "/2018-06-01/runtime/invocation/"+id+"/response" ||
			u.Path == "/2018-06-01/runtime/invocation/"+id+"/error")
		if rec.Code == http.StatusAccepted && !answer {
			t.Fatalf("%s %q = 202; only answers for %s may be accepted", method, rawPath, id)
		}
		if answer && u.RawPath == "" && rec.Code != http.StatusAccepted {
			t.Fatalf("POST %q = %d; want 202 for the current request id", rawPath, rec.Code)
		}
		if st := s.State(); rec.Code != http.StatusAccepted && st != Invoking {
			t.Fatalf("%s %q = %d moved the state to %v", method, rawPath, rec.Code, st)
		}
	})
}
