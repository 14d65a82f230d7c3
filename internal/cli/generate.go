package cli

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/dataplane/authz/iam"
	"github.com/apigwdev/apigw/internal/dataplane/authz/lambdaauth"
	"github.com/apigwdev/apigw/internal/integration/lambdaproxy"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/routekey"
)

// eventKinds are what `apigw generate-event` prints, with what each is.
var eventKinds = []struct{ name, what string }{
	{"http-api-v2", "an HTTP API Lambda proxy event, payload format 2.0"},
	{"http-api-v1", "an HTTP API Lambda proxy event, payload format 1.0"},
	{"authorizer-v2", "an HTTP API Lambda authorizer event, payload format 2.0"},
	{"authorizer-v1", "an HTTP API Lambda authorizer event, payload format 1.0"},
}

// generateEvent implements `apigw generate-event KIND [flags]`, like `sam
// local generate-event apigateway http-api-proxy`: it prints on stdout the
// event the gateway would send for a request described by the flags. The
// events are built by the gateway's own builders (packages lambdaproxy and
// lambdaauth), so they have exactly the shape functions receive.
func generateEvent(args []string, stdout, stderr io.Writer) int {
	var kinds strings.Builder
	for _, k := range eventKinds {
		fmt.Fprintf(&kinds, "  %-14s %s\n", k.name, k.what)
	}
	fs := newFlagSet("generate-event", "KIND [flags]",
		"Prints a sample event for a Lambda function, as `sam local generate-event` does, built by the\n"+
			"gateway's own code for the request the flags describe. KIND is one of:\n"+kinds.String()+
			"Pipe it into a function: apigw generate-event http-api-v2 --path /pets | apigw invoke pets --event -", stderr)
	var (
		method    = fs.String("method", "GET", "the request's method")
		path      = fs.String("path", "/", "the request's path, with an optional ?query")
		body      = fs.String("body", "", "the request's body")
		route     = fs.String("route-key", "", `the matched route key (default "METHOD PATH" of --method and --path; "$default" also works)`)
		stage     = fs.String("stage", "$default", "the stage")
		apiID     = fs.String("api-id", "abcdef1234", "the API id")
		region    = fs.String("region", "us-east-1", "the region")
		account   = fs.String("account-id", "123456789012", "the account id")
		sourceIP  = fs.String("source-ip", "192.0.2.1", "the client's address")
		requestID = fs.String("request-id", "", "the request id (default: random)")
		at        = fs.String("time", "", "the request's time, RFC 3339 (default: now)")
		headers   stringList
	)
	fs.Var(&headers, "header", `a request header "Name: value" (repeatable); authorizer events use Authorization as identity source`)
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if code, done := parseFlags(fs, args); done {
			return code
		}
		fs.Usage()
		return 2
	}
	kind := args[0]
	if code, done := parseFlags(fs, args[1:]); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "apigw generate-event: unexpected arguments %q\n", fs.Args())
		return 2
	}
	t := time.Now().UTC()
	if *at != "" {
		var err error
		if t, err = time.Parse(time.RFC3339, *at); err != nil {
			fmt.Fprintf(stderr, "apigw generate-event: --time: %v\n", err)
			return 2
		}
	}
	id := *requestID
	if id == "" {
		id = randomRequestID()
	}
	host := *apiID + ".execute-api." + *region + ".amazonaws.com"
	r := httptest.NewRequest(*method, "http://"+host+*path, strings.NewReader(*body))
	r.RemoteAddr = *sourceIP + ":54321"
	r.Header = http.Header{}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			fmt.Fprintf(stderr, "apigw generate-event: --header %q is not \"Name: value\"\n", h)
			return 2
		}
		r.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	if *body != "" && r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("User-Agent", firstNonEmpty(r.Header.Get("User-Agent"), "curl/8.5.0"))
	r.Header.Set("X-Amzn-Trace-Id", "Root=1-"+fmt.Sprintf("%08x", t.Unix())+"-0123456789abcdef01234567")
	// AWS serves HTTP APIs over HTTPS only: the event says so
	// (X-Forwarded-Proto, X-Forwarded-Port).
	r.TLS = &tls.ConnectionState{}

	key := *route
	if key == "" {
		key = *method + " " + r.URL.Path
	}
	rk, err := routekey.Parse(key)
	if err != nil {
		fmt.Fprintf(stderr, "apigw generate-event: --route-key: %v\n", err)
		return 2
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.URL.Path == "/" {
		segs = nil
	}
	rawPath := r.URL.Path
	if *stage != "$default" {
		rawPath = "/" + *stage + r.URL.Path
	}
	req := &invoke.Request{
		HTTP: r, RequestID: id, Time: t, AccountID: *account, Region: *region, APIID: *apiID, Stage: *stage,
		RouteKey: key, RoutePath: routePathOf(key), DomainName: host, DomainPrefix: *apiID,
		Path: r.URL.Path, RawPath: rawPath, EscapedPath: r.URL.EscapedPath(),
		PathParameters: rk.Params(segs), SourceIP: *sourceIP,
	}
	var out []byte
	switch kind {
	case "http-api-v2":
		out, err = lambdaproxy.BuildEventV2(req, []byte(*body))
	case "http-api-v1":
		out, err = lambdaproxy.BuildEventV1(req, []byte(*body))
	case "authorizer-v2", "authorizer-v1":
		version := "2.0"
		if kind == "authorizer-v1" {
			version = "1.0"
		}
		arn := iam.RouteARN(*region, *account, *apiID, *stage, *method, r.URL.Path)
		var values []string
		if v := r.Header.Get("Authorization"); v != "" {
			values = []string{v}
		}
		out, err = lambdaauth.BuildEvent(req, arn, values, version)
	default:
		fmt.Fprintf(stderr, "apigw generate-event: unknown kind %q; want one of:\n%s", kind, kinds.String())
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "apigw generate-event: %v\n", err)
		return 1
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		fmt.Fprintf(stderr, "apigw generate-event: %v\n", err)
		return 1
	}
	pretty.WriteByte('\n')
	_, _ = stdout.Write(pretty.Bytes())
	return 0
}

// routePathOf is the path part of a route key ("GET /pets/{id}" ->
// "/pets/{id}"), or the key itself ($default).
func routePathOf(key string) string {
	if _, p, ok := strings.Cut(key, " "); ok {
		return p
	}
	return key
}

// randomRequestID returns an id shaped like an API Gateway request id.
func randomRequestID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%X=", b)[:15] + "="
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
