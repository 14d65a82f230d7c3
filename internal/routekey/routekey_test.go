package routekey

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key string
		wantErr   bool
		pathErr   bool
		shape     string
	}{
		{name: "default", key: "$default", shape: "$default"},
		{name: "root", key: "GET /", shape: "GET /"},
		{name: "literal", key: "GET /pets", shape: "GET /pets"},
		{name: "variable", key: "GET /pets/{id}", shape: "GET /pets/{}"},
		{name: "greedy", key: "ANY /{proxy+}", shape: "ANY /{+}"},
		{name: "literal chars", key: "POST /a.b/c_d/e:f/g-h/0", shape: "POST /a.b/c_d/e:f/g-h/0"},
		{name: "var chars", key: "GET /{a.b:c-d_e}", shape: "GET /{}"},
		{name: "lowercase method", key: "get /pets", wantErr: true},
		{name: "unknown method", key: "FETCH /pets", wantErr: true},
		{name: "no space", key: "GET/pets", wantErr: true},
		{name: "two spaces", key: "GET  /pets", wantErr: true, pathErr: true},
		{name: "no slash", key: "GET pets", wantErr: true, pathErr: true},
		{name: "trailing slash", key: "GET /pets/", wantErr: true, pathErr: true},
		{name: "double slash", key: "GET /pets//x", wantErr: true, pathErr: true},
		{name: "partial variable", key: "GET /x/{id}.json", wantErr: true, pathErr: true},
		{name: "greedy not last", key: "GET /{proxy+}/x", wantErr: true, pathErr: true},
		{name: "empty var", key: "GET /{}", wantErr: true, pathErr: true},
		{name: "empty greedy", key: "GET /{+}", wantErr: true, pathErr: true},
		{name: "bad literal", key: "GET /a b", wantErr: true, pathErr: true},
		{name: "percent literal", key: "GET /a%20b", wantErr: true, pathErr: true},
		{name: "duplicate var", key: "GET /{id}/{id}", wantErr: true, pathErr: true},
		{name: "empty", key: "", wantErr: true},
		{name: "default lowercase", key: "$DEFAULT", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := Parse(tt.key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Parse(%q) error = %v; want error %v", tt.key, err, tt.wantErr)
			}
			if err != nil {
				if got := errors.Is(err, ErrInvalidPath); got != tt.pathErr {
					t.Errorf("errors.Is(err, ErrInvalidPath) = %v; want %v (err %v)", got, tt.pathErr, err)
				}
				return
			}
			if got := k.Shape(); got != tt.shape {
				t.Errorf("Shape() = %q; want %q", got, tt.shape)
			}
		})
	}
}

func mustTable(t testing.TB, keys ...string) (*Table, []*Key) {
	t.Helper()
	parsed := make([]*Key, len(keys))
	for i, k := range keys {
		p, err := Parse(k)
		if err != nil {
			t.Fatal(err)
		}
		parsed[i] = p
	}
	tab, err := Build(parsed)
	if err != nil {
		t.Fatal(err)
	}
	return tab, parsed
}

func split(p string) []string {
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

func TestSelect(t *testing.T) {
	t.Parallel()
	// The worked example of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html, then the additional vectors.
	worked := []string{"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"}
	tests := []struct {
		name   string
		routes []string
		method string
		path   string
		want   string // "" = no match
		params map[string]string
	}{
		{"worked exact", worked, "GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{"worked var", worked, "GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"worked greedy", worked, "GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"worked any greedy", worked, "POST", "/test/5", "ANY /{proxy+}", map[string]string{"proxy": "test/5"}},
		{"worked root goes to default", worked, "GET", "/", "$default", nil},
		{"method mismatch falls to default", []string{"GET /pets", "$default"}, "POST", "/pets", "$default", nil},
		{"method mismatch is not found", []string{"GET /pets"}, "POST", "/pets", "", nil},
		{"greedy needs a segment", []string{"GET /pets/{proxy+}"}, "GET", "/pets", "", nil},
		{"greedy at root does not match root", []string{"ANY /{proxy+}"}, "GET", "/", "", nil},
		{"full match beats greedy", []string{"GET /{a}/{b}", "GET /x/{proxy+}"}, "GET", "/x/y", "GET /{a}/{b}", map[string]string{"a": "x", "b": "y"}},
		{"tier beats method", []string{"ANY /pets/{id}", "GET /pets/{proxy+}"}, "GET", "/pets/1", "ANY /pets/{id}", map[string]string{"id": "1"}},
		{"longest greedy prefix", []string{"GET /pets/{proxy+}", "GET /pets/dog/{proxy+}"}, "GET", "/pets/dog/collars/1", "GET /pets/dog/{proxy+}", map[string]string{"proxy": "collars/1"}},
		{"explicit method beats any", []string{"ANY /pets", "GET /pets"}, "GET", "/pets", "GET /pets", nil},
		{"any serves other methods", []string{"ANY /pets", "GET /pets"}, "DELETE", "/pets", "ANY /pets", nil},
		{"explicit method before path specificity", []string{"ANY /pets/dog", "GET /pets/{id}"}, "GET", "/pets/dog", "GET /pets/{id}", map[string]string{"id": "dog"}},
		{"literal beats variable", []string{"GET /pets/{id}", "GET /pets/dog"}, "GET", "/pets/dog", "GET /pets/dog", nil},
		{"backtrack from literal", []string{"GET /a/b/c", "GET /a/{x}/d"}, "GET", "/a/b/d", "GET /a/{x}/d", map[string]string{"x": "b"}},
		{"head is its own method", []string{"GET /pets"}, "HEAD", "/pets", "", nil},
		{"head route", []string{"GET /pets", "HEAD /pets"}, "HEAD", "/pets", "HEAD /pets", nil},
		{"case sensitive", []string{"GET /Pets"}, "GET", "/pets", "", nil},
		{"trailing slash does not match", []string{"GET /hello"}, "GET", "/hello/", "", nil},
		{"var does not match empty", []string{"GET /pets/{id}"}, "GET", "/pets/", "", nil},
		{"greedy keeps trailing slash", []string{"ANY /{proxy+}"}, "GET", "/hello/", "ANY /{proxy+}", map[string]string{"proxy": "hello/"}},
		{"greedy empty rest", []string{"GET /pets/{proxy+}"}, "GET", "/pets/", "", nil},
		{"root route", []string{"GET /", "GET /{proxy+}"}, "GET", "/", "GET /", nil},
		{"options routed", []string{"OPTIONS /x"}, "OPTIONS", "/x", "OPTIONS /x", nil},
		{"unknown method via any", []string{"ANY /x"}, "PROPFIND", "/x", "ANY /x", nil},
		{"greedy with var prefix", []string{"GET /{a}/{proxy+}"}, "GET", "/x/y/z", "GET /{a}/{proxy+}", map[string]string{"a": "x", "proxy": "y/z"}},
		{"greedy: literal prefix beats var prefix", []string{"GET /{a}/{proxy+}", "GET /x/{proxy+}"}, "GET", "/x/y/z", "GET /x/{proxy+}", map[string]string{"proxy": "y/z"}},
		{"greedy: deeper var beats shallower greedy", []string{"GET /x/{proxy+}", "GET /x/{a}/{proxy+}"}, "GET", "/x/y/z", "GET /x/{a}/{proxy+}", map[string]string{"a": "y", "proxy": "z"}},
		{"greedy: method before path", []string{"GET /{proxy+}", "ANY /x/{proxy+}"}, "GET", "/x/y", "GET /{proxy+}", map[string]string{"proxy": "x/y"}},
		{"no routes", nil, "GET", "/", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tab, keys := mustTable(t, tt.routes...)
			segs := split(tt.path)
			idx, ok := tab.Select(tt.method, segs)
			got := ""
			if ok {
				got = keys[idx].Raw
			}
			if got != tt.want {
				t.Fatalf("Select(%s %s) = %q; want %q", tt.method, tt.path, got, tt.want)
			}
			if !ok {
				return
			}
			params := keys[idx].Params(segs)
			if fmt.Sprint(params) != fmt.Sprint(tt.params) {
				t.Errorf("Params = %v; want %v", params, tt.params)
			}
		})
	}
}

func TestBuildConflicts(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]string{
		{"GET /pets/{id}", "GET /pets/{petId}"},
		{"ANY /{proxy+}", "ANY /{rest+}"},
		{"$default", "$default"},
		{"GET /a", "GET /a"},
	} {
		a, _ := Parse(pair[0])
		b, _ := Parse(pair[1])
		if _, err := Build([]*Key{a, b}); err == nil {
			t.Errorf("Build(%q, %q): no conflict error", pair[0], pair[1])
		}
	}
	a, _ := Parse("GET /pets/{id}")
	b, _ := Parse("GET /pets/{proxy+}")
	if _, err := Build([]*Key{a, b}); err != nil {
		t.Errorf("Build(var, greedy) = %v; want no conflict", err)
	}
}

// FuzzParse checks that Parse never panics, that accepted keys round-trip
// through Shape consistently and that matching their own path works.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"$default", "GET /", "GET /pets/{id}", "ANY /{proxy+}", "POST /a/{b}/c/{d+}", "GET /x/{id}.json", "get /", "GET //"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Parse(s)
		if err != nil {
			return
		}
		if k.Default {
			return
		}
		tab, err := Build([]*Key{k})
		if err != nil {
			t.Fatalf("Build of a single valid key %q: %v", s, err)
		}
		// A request whose segments are the key's own literals and variable
		// names must select the key.
		segs := make([]string, len(k.Segments))
		for i, sg := range k.Segments {
			segs[i] = sg.Value
		}
		method := k.Method
		if method == MethodAny {
			method = "GET"
		}
		if _, ok := tab.Select(method, segs); !ok {
			t.Fatalf("key %q does not match its own path %v", s, segs)
		}
	})
}

// FuzzSelect checks that selection never panics on arbitrary request paths.
func FuzzSelect(f *testing.F) {
	tab, _ := mustTable(f, "GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "GET /{a}/{b}/{c}", "$default")
	for _, s := range []string{"/", "/pets/dog/1", "//", "/a//b", "/pets/"} {
		f.Add("GET", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		if !strings.HasPrefix(path, "/") {
			return
		}
		if _, ok := tab.Select(method, split(path)); !ok {
			t.Fatalf("$default route did not catch %s %q", method, path)
		}
	})
}
