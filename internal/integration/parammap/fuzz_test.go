package parammap

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/invoke"
)

// FuzzParseValue checks that the value parser never panics, that whatever
// the compiler accepts the control plane's validation accepts too, and that
// accepted values evaluate without panicking.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{
		"$request.header.x", "$request.querystring.q", "$request.body", "$request.body.a[0].b",
		"$request.body.a[*]", "$request.body.a['x','y']", "$request.body.a[1:-1]", "$request.path",
		"$request.path.id", "$context.requestId", "$context.authorizer.claims.sub", "$stageVariables.env",
		"static", "${request.path.id} and ${stageVariables.env}", "${", "$", "}{$", "a${}b",
		"$response.header.x", "$response.body.error.code", "$context.integration.status",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	body := `{"a":[{"b":1},{"b":"x"}],"x":{"y":null}}`
	f.Fuzz(func(t *testing.T, v string, response bool) {
		s := sideRequest
		if response {
			s = sideResponse
		}
		e, err := parseValue(v, s)
		if err != nil {
			return
		}
		if e.raw != v {
			t.Fatalf("raw = %q; want %q", e.raw, v)
		}
		if !response {
			params := map[string]string{"overwrite:header.x-fuzz": v}
			m, cerr := CompileRequest(params)
			if cerr == nil {
				if merr := modelValidate(params, nil); merr != nil {
					t.Fatalf("compiler accepts %q, model refuses it: %v", v, merr)
				}
				req := testRequest(body)
				if err := m.MapRequest(req); err != nil {
					t.Fatalf("MapRequest: %v", err)
				}
				if b, err := io.ReadAll(req.HTTP.Body); err != nil || string(b) != body {
					t.Fatalf("body after mapping = %q, %v", b, err)
				}
			}
			_ = e.evalPath(&evalCtx{req: testRequest(body), body: []byte(body)})
			return
		}
		params := map[string]map[string]string{"200": {"overwrite:header.x-fuzz": v}}
		m, cerr := CompileResponse(params)
		if cerr != nil {
			return
		}
		if merr := modelValidate(nil, params); merr != nil {
			t.Fatalf("compiler accepts %q, model refuses it: %v", v, merr)
		}
		resp := &invoke.Response{StatusCode: 200, Header: http.Header{"X": {"1"}}, Body: io.NopCloser(strings.NewReader(body))}
		if err := m.MapResponse(testRequest(""), resp); err != nil {
			t.Fatalf("MapResponse: %v", err)
		}
	})
}

// FuzzJSONPath checks that parsing and evaluating any path on any document
// never panics, that a definite path selects at most one value, and that
// every rendered object or array is valid JSON.
func FuzzJSONPath(f *testing.F) {
	doc := `{"a":{"b":[1,"two",{"c":null}]},"d e":true,"":0}`
	for _, p := range []string{
		"a", "a.b", "a.b[0]", "a.b[-1].c", "a.b[*]", "a.b[1:]", "a.b[0,2]", "*", "a.*", "['d e']",
		`[""]`, "a['b']", "a..b", "a[?(@)]", "[", "]", "a[0", "a[:]", "a[-1:0]",
	} {
		f.Add(p, doc)
	}
	f.Add("x", `[1,2]`)
	f.Add("[0]", `[[1],[2]]`)
	f.Fuzz(func(t *testing.T, path, doc string) {
		jp, err := parseJSONPath(path)
		if err != nil {
			return
		}
		if !json.Valid([]byte(doc)) {
			return
		}
		res := jp.eval([]byte(doc))
		if jp.definite && len(res) > 1 {
			t.Fatalf("definite path %q selected %d values", path, len(res))
		}
		for _, r := range res {
			if !json.Valid(r) {
				t.Fatalf("path %q selected invalid JSON %q", path, r)
			}
		}
		s, ok := jp.render([]byte(doc))
		if !ok {
			return
		}
		if !jp.definite && !json.Valid([]byte(s)) {
			t.Fatalf("path %q rendered invalid JSON %q", path, s)
		}
		if jp.definite && len(res) == 1 && (kind(res[0]) == '{' || kind(res[0]) == '[') && !json.Valid([]byte(s)) {
			t.Fatalf("path %q rendered invalid JSON %q", path, s)
		}
	})
}
