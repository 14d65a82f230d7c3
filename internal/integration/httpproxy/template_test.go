package httpproxy

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/invoke"
)

func TestEscapedRequestPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, escaped, path, want string
	}{
		{name: "same", escaped: "/a/b", path: "/a/b", want: "/a/b"},
		{name: "stage prefix", escaped: "/dev/a%20b", path: "/a b", want: "/a%20b"},
		{name: "encoded slash kept", escaped: "/v1/orders/a%2Fb", path: "/orders/a/b", want: "/orders/a%2Fb"},
		{name: "unnecessary escape kept", escaped: "/%7Eu", path: "/~u", want: "/%7Eu"},
		{name: "stage root", escaped: "/dev", path: "/", want: "/"},
		{name: "no escaped path", escaped: "", path: "/a b/c", want: "/a%20b/c"},
		{name: "mismatch falls back to escaping", escaped: "/x/y", path: "/a;b", want: "/a%3Bb"},
		{name: "empty path", escaped: "", path: "", want: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := escapedRequestPath(&invoke.Request{EscapedPath: tt.escaped, Path: tt.path})
			if got != tt.want {
				t.Errorf("escapedRequestPath(%q, %q) = %q; want %q", tt.escaped, tt.path, got, tt.want)
			}
		})
	}
}

func TestForwardedValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		xff      []string
		host     string
		sourceIP string
		want     string
	}{
		{name: "plain", host: "api.example.com", sourceIP: "192.0.2.1",
			want: "for=192.0.2.1;host=api.example.com;proto=http"},
		{name: "ipv6 client and host with port", host: "[::1]:3000", sourceIP: "2001:db8::7",
			want: `for="[2001:db8::7]";host="[::1]:3000";proto=http`},
		{name: "obfuscated and unknown kept as tokens", xff: []string{"unknown, _hidden"}, host: "h", sourceIP: "192.0.2.1",
			want: "for=unknown, for=_hidden, for=192.0.2.1;host=h;proto=http"},
		{name: "garbage quoted and escaped", xff: []string{`a"b\c d`}, host: "h", sourceIP: "192.0.2.1",
			want: `for="a\"b\\c d", for=192.0.2.1;host=h;proto=http`},
		{name: "empty entries skipped", xff: []string{" , 10.0.0.1 ,"}, host: "h", sourceIP: "192.0.2.1",
			want: "for=10.0.0.1, for=192.0.2.1;host=h;proto=http"},
		{name: "no source ip or host", want: "proto=http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.Host = tt.host
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got := forwardedValue(&invoke.Request{HTTP: r, SourceIP: tt.sourceIP})
			if got != tt.want {
				t.Errorf("Forwarded = %s; want %s", got, tt.want)
			}
		})
	}
}

func TestForwardedHTTPS(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "https://api.example.com/", nil)
	got := forwardedValue(&invoke.Request{HTTP: r, SourceIP: "192.0.2.1"})
	if want := "for=192.0.2.1;host=api.example.com;proto=https"; got != want {
		t.Errorf("Forwarded = %s; want %s", got, want)
	}
}

// buildFor builds the target URL of uri for a request to /x with every
// referenced variable set to value.
func buildFor(t *testing.T, uri, routePath, value string) (*url.URL, error) {
	t.Helper()
	tmpl, err := parseTemplate(uri)
	if err != nil {
		return nil, err
	}
	params, stage := map[string]string{}, map[string]string{}
	for _, tk := range tmpl.tokens {
		switch tk.kind {
		case tokPathVar:
			params[tk.text] = value
		case tokStageVar:
			stage[tk.text] = value
		}
	}
	r := httptest.NewRequest("GET", "/x", nil)
	return tmpl.build(&invoke.Request{HTTP: r, Path: "/x", EscapedPath: "/x", RoutePath: routePath,
		PathParameters: params, StageVariables: stage}, false)
}

// FuzzTemplate checks that any integration URI either fails to parse or
// yields, for any variable value, an absolute http(s) URL that survives a
// round trip through its string form.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		"https://h/pets/{id}", "http://h:8080/a/{proxy}?q={id}&x=1", "http://${stageVariables.host}/v/{id}",
		"${stageVariables.url}", "https://h/${stageVariables.a}${stageVariables.b}/%2F{x+}", "http://h/$x{y}",
		"HTTP://H/A", "http://h?", "http://[::1]:80/x",
	} {
		f.Add(s, "a/b c")
	}
	f.Fuzz(func(t *testing.T, uri, value string) {
		u, err := buildFor(t, uri, "/{proxy+}", value)
		if err != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			t.Fatalf("%q with %q: built %q without an http(s) scheme and host", uri, value, u)
		}
		s := u.String()
		back, err := url.Parse(s)
		if err != nil {
			t.Fatalf("%q with %q: built %q, which does not parse: %v", uri, value, s, err)
		}
		if back.Host != u.Host {
			t.Fatalf("%q with %q: host %q became %q through %q", uri, value, u.Host, back.Host, s)
		}
	})
}

// FuzzPathVariable checks that a substituted value decodes back to itself:
// a plain variable stays one segment, a greedy one keeps its slashes, a
// query variable is one query value.
func FuzzPathVariable(f *testing.F) {
	for _, s := range []string{"6", "a b", "a/b", "%2F", "?#&=+;", "☕", "", ".."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		u, err := buildFor(t, "http://h/a/{id}/b?v={id}", "/a/{id}", value)
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		if want := "/a/" + value + "/b"; u.Path != want {
			t.Errorf("path %q decodes to %q; want %q", u.EscapedPath(), u.Path, want)
		}
		if strings.Count(u.EscapedPath(), "/") != 3 {
			t.Errorf("value %q split the segment: %q", value, u.EscapedPath())
		}
		if got := u.Query().Get("v"); got != value {
			t.Errorf("query value = %q; want %q", got, value)
		}
		g, err := buildFor(t, "http://h/g/{proxy}", "/g/{proxy+}", value)
		if err != nil {
			t.Fatalf("build greedy: %v", err)
		}
		if want := "/g/" + value; g.Path != want {
			t.Errorf("greedy path %q decodes to %q; want %q", g.EscapedPath(), g.Path, want)
		}
		if strings.Count(g.EscapedPath(), "/") != 2+strings.Count(value, "/") {
			t.Errorf("greedy value %q lost or gained slashes: %q", value, g.EscapedPath())
		}
	})
}
