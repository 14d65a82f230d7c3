package parammap

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/invoke"
)

func mustCompileResponse(t testing.TB, params map[string]map[string]string) *ResponseMapping {
	t.Helper()
	m, err := CompileResponse(params)
	if err != nil {
		t.Fatalf("CompileResponse(%v): %v", params, err)
	}
	return m
}

func TestCompileResponseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  string
		key     string
		value   string
		wantErr string
	}{
		{name: "status not a number", status: "2xx", key: "overwrite:statuscode", value: "200", wantErr: "invalid status code 2xx"},
		{name: "status too small", status: "199", key: "overwrite:statuscode", value: "200", wantErr: "invalid status code 199"},
		{name: "status too large", status: "600", key: "overwrite:statuscode", value: "200", wantErr: "invalid status code"},
		{name: "status with leading zero", status: "0200", key: "overwrite:statuscode", value: "200", wantErr: "invalid status code"},
		{name: "new status out of range", status: "500", key: "overwrite:statuscode", value: "600", wantErr: "a status code must be 100 to 599"},
		{name: "new status not a number", status: "500", key: "overwrite:statuscode", value: "abc", wantErr: "a status code must be"},
		{name: "new status bad source", status: "500", key: "overwrite:statuscode", value: "$request.header.x", wantErr: "not a known response mapping source"},
		{name: "append statuscode", status: "500", key: "append:statuscode", value: "200", wantErr: "invalid response actioned parameter"},
		{name: "querystring", status: "500", key: "overwrite:querystring.x", value: "1", wantErr: "invalid response actioned parameter"},
		{name: "unknown action", status: "500", key: "set:header.x", value: "1", wantErr: "invalid response actioned parameter"},
		{name: "bad header name", status: "500", key: "overwrite:header.a b", value: "1", wantErr: "invalid header name"},
		{name: "reserved header", status: "500", key: "overwrite:header.Content-Length", value: "1", wantErr: "reserved"},
		{name: "reserved prefix", status: "500", key: "overwrite:header.Access-Control-Allow-Origin", value: "*", wantErr: "reserved"},
		{name: "empty value", status: "500", key: "overwrite:header.x", value: "", wantErr: "empty"},
		{name: "request source", status: "500", key: "overwrite:header.x", value: "$request.body.a", wantErr: "not a known response mapping source"},
		{name: "context after response", status: "500", key: "overwrite:header.x", value: "$context.responseLength", wantErr: "not known yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			params := map[string]map[string]string{tt.status: {tt.key: tt.value}}
			m, err := CompileResponse(params)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CompileResponse = %v, %v; want error containing %q", m, err, tt.wantErr)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Status != tt.status {
				t.Fatalf("error %v is not a *ParseError for status %q", err, tt.status)
			}
			if !strings.HasPrefix(err.Error(), "responseParameters["+tt.status+"]") {
				t.Errorf("error %q does not name its status", err)
			}
			if merr := modelValidate(nil, params); merr == nil && !strings.Contains(tt.wantErr, "not known yet") {
				t.Errorf("model accepts %v, which the compiler refuses", params)
			}
		})
	}
}

func TestCompileResponseEmpty(t *testing.T) {
	t.Parallel()
	for _, params := range []map[string]map[string]string{nil, {}, {"500": {}}} {
		m, err := CompileResponse(params)
		if m != nil || err != nil {
			t.Errorf("CompileResponse(%v) = %v, %v; want nil, nil", params, m, err)
		}
	}
	var m *ResponseMapping
	if err := m.MapResponse(testRequest(""), &invoke.Response{StatusCode: 500}); err != nil {
		t.Error(err)
	}
}

func TestMapResponse(t *testing.T) {
	t.Parallel()
	params := map[string]map[string]string{
		"200": {
			"append:header.x-request-id": "$context.requestId",
			"overwrite:header.x-env":     "${stageVariables.env}-${context.integration.status}",
			"remove:header.x-secret":     "",
		},
		"404": {"overwrite:statuscode": "403", "overwrite:header.x-was": "$response.header.x-reason"},
		"500": {"overwrite:statuscode": "$response.body.status", "overwrite:header.x-code": "$response.body.error.code"},
		"502": {"overwrite:statuscode": "$response.header.x-status"},
		"503": {"overwrite:header.x-whole": "$response.body", "append:header.set-cookie": "b=2"},
	}
	m := mustCompileResponse(t, params)
	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		wantStatus int
		want       map[string][]string
	}{
		{
			name: "headers on 200", status: 200,
			header:     http.Header{"X-Secret": {"s"}, "X-Env": {"old"}},
			wantStatus: 200,
			want:       map[string][]string{"X-Request-Id": {"req-123"}, "X-Env": {"prod-200"}, "X-Secret": nil},
		},
		{
			name: "status 0 is 200", status: 0, wantStatus: 0,
			want: map[string][]string{"X-Request-Id": {"req-123"}},
		},
		{
			name: "static status overwrite", status: 404, header: http.Header{"X-Reason": {"gone"}},
			wantStatus: 403, want: map[string][]string{"X-Was": {"gone"}},
		},
		{
			name: "status from body", status: 500, body: `{"status":418,"error":{"code":"E1"}}`,
			wantStatus: 418, want: map[string][]string{"X-Code": {"E1"}},
		},
		{
			name: "invalid dynamic status is ignored", status: 500, body: `{"status":"teapot"}`,
			wantStatus: 500, want: map[string][]string{"X-Code": nil},
		},
		{
			name: "status from header", status: 502, header: http.Header{"X-Status": {" 201 "}},
			wantStatus: 201,
		},
		{
			name: "missing status source", status: 502, wantStatus: 502,
		},
		{
			name: "whole body and appended cookie", status: 503, body: "plain text",
			header:     http.Header{"Set-Cookie": {"a=1"}},
			wantStatus: 503, want: map[string][]string{"X-Whole": {"plain text"}, "Set-Cookie": {"a=1", "b=2"}},
		},
		{
			name: "unmapped status", status: 201, header: http.Header{"X-Secret": {"s"}},
			wantStatus: 201, want: map[string][]string{"X-Secret": {"s"}, "X-Request-Id": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &invoke.Response{StatusCode: tt.status, Header: tt.header, Body: io.NopCloser(strings.NewReader(tt.body)), ContentLength: int64(len(tt.body))}
			if err := m.MapResponse(testRequest(""), resp); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d; want %d", resp.StatusCode, tt.wantStatus)
			}
			for name, want := range tt.want {
				if got := resp.Header[name]; !reflect.DeepEqual(got, want) {
					t.Errorf("header %s = %q; want %q", name, got, want)
				}
			}
			b, err := io.ReadAll(resp.Body)
			if err != nil || string(b) != tt.body || resp.ContentLength != int64(len(tt.body)) {
				t.Errorf("body after mapping = %q (length %d), %v; want %q", b, resp.ContentLength, err, tt.body)
			}
		})
	}
}

func TestMapResponseBodyError(t *testing.T) {
	t.Parallel()
	m := mustCompileResponse(t, map[string]map[string]string{"200": {"overwrite:header.x": "$response.body"}})
	boom := errors.New("boom")
	resp := &invoke.Response{StatusCode: 200, Body: io.NopCloser(errReader{boom})}
	if err := m.MapResponse(testRequest(""), resp); !errors.Is(err, boom) {
		t.Fatalf("MapResponse = %v; want %v", err, boom)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
