package parammap

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/apigwdev/apigw/internal/invoke"
)

func mustCompileRequest(t testing.TB, params map[string]string) *RequestMapping {
	t.Helper()
	m, err := CompileRequest(params)
	if err != nil {
		t.Fatalf("CompileRequest(%v): %v", params, err)
	}
	return m
}

func TestCompileRequestErrors(t *testing.T) {
	t.Parallel()
	long := "x" + strings.Repeat("é", 512)
	tests := []struct {
		name    string
		key     string
		value   string
		wantErr string
	}{
		{name: "no action", key: "header.x", value: "v", wantErr: "must be {action}:{target}"},
		{name: "unknown action", key: "set:header.x", value: "v", wantErr: "invalid action set"},
		{name: "append path", key: "append:path", value: "/x", wantErr: "path can only be overwritten"},
		{name: "remove path", key: "remove:path", value: "", wantErr: "path can only be overwritten"},
		{name: "unknown target", key: "overwrite:cookie.x", value: "v", wantErr: "must target header"},
		{name: "empty header name", key: "overwrite:header.", value: "v", wantErr: "invalid header name"},
		{name: "header name not a token", key: "overwrite:header.a b", value: "v", wantErr: "invalid header name"},
		{name: "reserved header", key: "overwrite:header.Authorization", value: "v", wantErr: "reserved"},
		{name: "reserved prefix", key: "append:header.X-Amzn-Trace-Id", value: "v", wantErr: "reserved"},
		{name: "reserved apigw", key: "remove:header.apigw-requestid", value: "", wantErr: "reserved"},
		{name: "bad query name", key: "append:querystring.a=b", value: "v", wantErr: "invalid query string name"},
		{name: "empty query name", key: "append:querystring.", value: "v", wantErr: "invalid query string name"},
		{name: "empty value", key: "overwrite:header.x", value: "", wantErr: "empty"},
		{name: "value too long", key: "overwrite:header.x", value: long, wantErr: "at most 512"},
		{name: "bad source", key: "overwrite:header.x", value: "$request.nope", wantErr: "invalid source $request.nope specified for destination overwrite:header.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := CompileRequest(map[string]string{tt.key: tt.value})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CompileRequest = %v, %v; want error containing %q", m, err, tt.wantErr)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Key != tt.key || pe.Value != tt.value {
				t.Fatalf("error %v is not a *ParseError for %q", err, tt.key)
			}
			if !strings.HasPrefix(err.Error(), "requestParameters["+tt.key+"]: ") {
				t.Errorf("error %q does not name its key", err)
			}
			// The control plane refuses the same entry.
			if merr := modelValidate(map[string]string{tt.key: tt.value}, nil); merr == nil {
				t.Errorf("model accepts %q=%q, which the compiler refuses", tt.key, tt.value)
			}
		})
	}
}

func TestCompileRequestAllErrors(t *testing.T) {
	t.Parallel()
	_, err := CompileRequest(map[string]string{"b:x": "1", "overwrite:header.ok": "v", "a:y": "2"})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Key != "a:y" {
		t.Fatalf("first error = %v; want a *ParseError for a:y", err)
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 2 {
		t.Errorf("got %d errors, want 2: %v", n, err)
	}
}

func TestCompileRequestEmpty(t *testing.T) {
	t.Parallel()
	m, err := CompileRequest(nil)
	if m != nil || err != nil {
		t.Fatalf("CompileRequest(nil) = %v, %v; want nil, nil", m, err)
	}
	// A nil mapping maps nothing.
	req := testRequest("")
	if err := m.MapRequest(req); err != nil {
		t.Fatal(err)
	}
	if got := mustCompileRequest(t, map[string]string{"remove:header.x": ""}).MapRequest(&invoke.Request{}); got != nil {
		t.Errorf("MapRequest without HTTP request: %v", got)
	}
}

func TestMapRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		params    map[string]string
		body      string
		header    map[string][]string // expected values; nil slice = absent
		query     string              // expected raw query ("-" = unchanged)
		path      string              // expected IntegrationPath
		unchanged bool                // req.HTTP must stay the same pointer
	}{
		{
			name: "documented rename pattern",
			params: map[string]string{
				"append:header.header2": "$request.header.header1",
				"remove:header.header1": "''",
			},
			header: map[string][]string{"Header1": nil, "Header2": {"h1"}},
		},
		{
			name:   "overwrite replaces every value",
			params: map[string]string{"overwrite:header.x-multi": "one"},
			header: map[string][]string{"X-Multi": {"one"}},
		},
		{
			name:   "append adds a value",
			params: map[string]string{"append:header.x-one": "2"},
			header: map[string][]string{"X-One": {"1", "2"}},
		},
		{
			name:   "append creates a header",
			params: map[string]string{"append:header.x-new": "${context.requestId}"},
			header: map[string][]string{"X-New": {"req-123"}},
		},
		{
			name:   "remove then append replaces",
			params: map[string]string{"remove:header.x-one": "", "append:header.x-one": "new"},
			header: map[string][]string{"X-One": {"new"}},
		},
		{
			name:   "overwrite then append",
			params: map[string]string{"overwrite:header.x-one": "a", "append:header.x-one": "b"},
			header: map[string][]string{"X-One": {"a", "b"}},
		},
		{
			name:   "values come from the original request",
			params: map[string]string{"overwrite:header.x-one": "changed", "overwrite:header.x-copy": "$request.header.x-one"},
			header: map[string][]string{"X-One": {"changed"}, "X-Copy": {"1"}},
		},
		{
			name:   "missing source skips overwrite",
			params: map[string]string{"overwrite:header.x-one": "$request.header.x-none"},
			header: map[string][]string{"X-One": {"1"}},
		},
		{
			name:   "missing source skips append",
			params: map[string]string{"append:header.x-new": "$stageVariables.none"},
			header: map[string][]string{"X-New": nil},
		},
		{
			name:   "header names are case-insensitive",
			params: map[string]string{"overwrite:header.X-ONE": "$request.header.X-MULTI"},
			header: map[string][]string{"X-One": {"a,b"}},
		},
		{
			name:   "header from body",
			params: map[string]string{"overwrite:header.x-pet": "$request.body.pet.name"},
			body:   `{"pet":{"name":"Rex"}}`,
			header: map[string][]string{"X-Pet": {"Rex"}},
		},
		{
			name:   "line breaks in a value become spaces",
			params: map[string]string{"overwrite:header.x-body": "$request.body"},
			body:   "a\r\nInjected: 1\x00",
			header: map[string][]string{"X-Body": {"a  Injected: 1 "}, "Injected": nil},
		},
		{
			name:   "query overwrite in place",
			params: map[string]string{"overwrite:querystring.multi": "z"},
			query:  "q=a%20b&multi=z&plus=x+y&empty=&flag",
		},
		{
			name:   "query overwrite adds",
			params: map[string]string{"overwrite:querystring.new": "a b&c+d"},
			query:  "q=a%20b&multi=1&multi=2&plus=x+y&empty=&flag&new=a%20b%26c%2Bd",
		},
		{
			name:   "query append",
			params: map[string]string{"append:querystring.multi": "3"},
			query:  "q=a%20b&multi=1&multi=2&plus=x+y&empty=&flag&multi=3",
		},
		{
			name:   "query remove",
			params: map[string]string{"remove:querystring.multi": "", "remove:querystring.flag": ""},
			query:  "q=a%20b&plus=x+y&empty=",
		},
		{
			name:   "query rename",
			params: map[string]string{"append:querystring.query": "$request.querystring.q", "remove:querystring.q": ""},
			query:  "multi=1&multi=2&plus=x+y&empty=&flag&query=a%20b",
		},
		{
			name:   "query from header",
			params: map[string]string{"append:querystring.h": "$request.header.x-multi"},
			query:  "q=a%20b&multi=1&multi=2&plus=x+y&empty=&flag&h=a,b",
		},
		{
			name:      "path overwrite",
			params:    map[string]string{"overwrite:path": "/v2/${request.path.name}/x%2Fy z"},
			path:      "/v2/John%20Doe/x%2Fy%20z",
			unchanged: true,
		},
		{
			name:      "path overwrite adds the leading slash",
			params:    map[string]string{"overwrite:path": "$request.path.id"},
			path:      "/6",
			unchanged: true,
		},
		{
			name:      "path from the stage-less request path",
			params:    map[string]string{"overwrite:path": "/api$request.path"},
			path:      "/api$request.path",
			unchanged: true,
		},
		{
			name:      "path from the request path",
			params:    map[string]string{"overwrite:path": "/api${request.path}"},
			path:      "/api/pets/6",
			unchanged: true,
		},
		{
			name:      "missing path source skips",
			params:    map[string]string{"overwrite:path": "$request.path.nope"},
			path:      "",
			unchanged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mustCompileRequest(t, tt.params)
			req := testRequest(tt.body)
			req.HTTP.Header.Set("Header1", "h1")
			orig := req.HTTP
			origHeader := orig.Header.Clone()
			origQuery := orig.URL.RawQuery
			if err := m.MapRequest(req); err != nil {
				t.Fatal(err)
			}
			r := req.HTTP
			if tt.unchanged != (r == orig) {
				t.Errorf("req.HTTP replaced = %v; want %v", r != orig, !tt.unchanged)
			}
			for name, want := range tt.header {
				if got := r.Header[name]; !reflect.DeepEqual(got, want) {
					t.Errorf("header %s = %q; want %q", name, got, want)
				}
			}
			if tt.query != "" && r.URL.RawQuery != tt.query {
				t.Errorf("query = %q; want %q", r.URL.RawQuery, tt.query)
			}
			if req.IntegrationPath != tt.path {
				t.Errorf("IntegrationPath = %q; want %q", req.IntegrationPath, tt.path)
			}
			// The client's request is left alone.
			if !reflect.DeepEqual(orig.Header, origHeader) || orig.URL.RawQuery != origQuery {
				t.Errorf("original request changed: header %v, query %q", orig.Header, orig.URL.RawQuery)
			}
			// The integration still reads the whole body.
			b, err := io.ReadAll(r.Body)
			if err != nil || string(b) != tt.body {
				t.Errorf("body after mapping = %q, %v; want %q", b, err, tt.body)
			}
		})
	}
}

func TestMapRequestLargeBody(t *testing.T) {
	t.Parallel()
	// A JSON document larger than 100 KB is cut before evaluation, so its
	// members give no value; the integration still gets every byte.
	big := `{"a":"` + strings.Repeat("x", MaxBodyBytes) + `","b":1}`
	m := mustCompileRequest(t, map[string]string{
		"overwrite:header.x-b":     "$request.body.b",
		"overwrite:header.x-whole": "${request.body}",
	})
	req := testRequest(big)
	if err := m.MapRequest(req); err != nil {
		t.Fatal(err)
	}
	if v := req.HTTP.Header["X-B"]; v != nil {
		t.Errorf("X-B = %q; want absent (body cut at 100 KB)", v)
	}
	if v := req.HTTP.Header.Get("X-Whole"); len(v) != MaxBodyBytes || v != big[:MaxBodyBytes] {
		t.Errorf("X-Whole has %d bytes; want the first %d of the body", len(v), MaxBodyBytes)
	}
	b, err := io.ReadAll(req.HTTP.Body)
	if err != nil || string(b) != big {
		t.Errorf("body after mapping: %d bytes, %v; want %d", len(b), err, len(big))
	}
	if err := req.HTTP.Body.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestMapRequestNoBody(t *testing.T) {
	t.Parallel()
	m := mustCompileRequest(t, map[string]string{"overwrite:header.x-b": "$request.body.b"})
	req := testRequest("")
	req.HTTP.Body = http.NoBody
	if err := m.MapRequest(req); err != nil {
		t.Fatal(err)
	}
	if req.HTTP.Body != http.NoBody {
		t.Errorf("Body = %T; want http.NoBody", req.HTTP.Body)
	}
	if _, ok := req.HTTP.Header["X-B"]; ok {
		t.Error("X-B set from an empty body")
	}
}

func TestMapRequestBodyError(t *testing.T) {
	t.Parallel()
	m := mustCompileRequest(t, map[string]string{"overwrite:header.x-b": "$request.body"})
	req := testRequest("")
	boom := errors.New("boom")
	req.HTTP.Body = io.NopCloser(iotest.ErrReader(boom))
	if err := m.MapRequest(req); !errors.Is(err, boom) {
		t.Fatalf("MapRequest = %v; want %v", err, boom)
	}
}

func TestQueryEditKeepsEncoding(t *testing.T) {
	t.Parallel()
	q := parseQueryEdit("a=%41&&b=1&a+b=2")
	q.apply(&op{act: actOverwrite, name: "a b"}, "x")
	if got, want := q.String(), "a=%41&b=1&a%20b=x"; got != want {
		t.Errorf("query = %q; want %q", got, want)
	}
}

func BenchmarkMapRequest(b *testing.B) {
	m := mustCompileRequest(b, map[string]string{
		"append:header.x-request-id":  "$context.requestId",
		"overwrite:header.x-env":      "${stageVariables.env}-${request.path.id}",
		"remove:header.x-one":         "",
		"overwrite:querystring.limit": "10",
	})
	req := testRequest("")
	base := req.HTTP
	b.ReportAllocs()
	for b.Loop() {
		// MapRequest leaves base alone and replaces req.HTTP with a copy.
		req.HTTP = base
		if err := m.MapRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}
