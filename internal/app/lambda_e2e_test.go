package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// lambdaAPIID is the id of the API the Lambda end-to-end tests serve.
const lambdaAPIID = "lambda0001"

// lambdaRoute is one operation of the test API's OpenAPI document.
type lambdaRoute struct {
	path, method string // method "x-amazon-apigateway-any-method" for ANY
	uri          string // the integration URI
	format       string // payloadFormatVersion
	extra        string // more integration members, YAML flow style, with a leading comma
}

// fnARN is a function's ARN in the test account.
func fnARN(name string) string { return "arn:aws:lambda:us-east-1:000000000000:function:" + name }

// fnPathURI is the apigateway path form of a function's integration URI.
func fnPathURI(name string) string {
	return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN(name) + "/invocations"
}

func lambdaDoc(routes []lambdaRoute) string {
	var b strings.Builder
	b.WriteString("openapi: \"3.0.1\"\ninfo: {title: lambda-e2e, version: \"1\"}\npaths:\n")
	byPath := map[string][]lambdaRoute{}
	var paths []string
	for _, r := range routes {
		if _, ok := byPath[r.path]; !ok {
			paths = append(paths, r.path)
		}
		byPath[r.path] = append(byPath[r.path], r)
	}
	for _, p := range paths {
		fmt.Fprintf(&b, "  %s:\n", p)
		for _, r := range byPath[p] {
			fmt.Fprintf(&b, "    %s:\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: %q, payloadFormatVersion: %q%s}\n",
				r.method, r.uri, r.format, r.extra)
		}
	}
	return b.String()
}

// startLambdaGateway serves the test API: the functions package's echo and
// this package's apifn (under several names, so that tests counting
// instances do not share one) behind 2.0 and 1.0 routes, on the $default
// stage (no stage variables) and on a "prod" stage (two).
func startLambdaGateway(t *testing.T) *gatewaytest.Gateway {
	t.Helper()
	anyMethod := "x-amazon-apigateway-any-method"
	routes := []lambdaRoute{
		{"/pets/{id}", "get", fnARN("echo"), "2.0", ""},
		{"/files/{proxy+}", anyMethod, fnPathURI("echo"), "2.0", ""},
		{"/qualified", "get", fnARN("echo:live"), "2.0", ""},
		{"/v1/items/{id}", "post", fnARN("apifn"), "1.0", ""},
		{"/v1/files/{proxy+}", "get", fnPathURI("apifn"), "1.0", ""},
		{"/v1/plain", "get", fnARN("apifn"), "1.0", ""},
		{"/respond", "post", fnARN("apifn"), "2.0", ""},
		{"/v1/respond", "post", fnARN("apifn"), "1.0", ""},
		{"/fail/error", "get", fnARN("crash-error"), "2.0", ""},
		{"/fail/panic", "get", fnARN("crash-panic"), "2.0", ""},
		{"/fail/exit", "get", fnARN("crash-exit"), "1.0", ""},
		{"/fail/timeout", "get", fnARN("crash-timeout"), "2.0", ""},
		{"/slow", "get", fnARN("slow"), "2.0", ", timeoutInMillis: 200"},
		{"/ghost", "get", fnARN("ghost"), "2.0", ""},
		{"/sleep", "get", fnARN("sleepy"), "2.0", ""},
		{"/warm", "get", fnARN("warm"), "2.0", ""},
	}
	apifn := func(name, extra string) string {
		return fmt.Sprintf("  %s: {command: [%q]%s}\n", name, fnPath("apifn"), extra)
	}
	cfg := "functions:\n" +
		fmt.Sprintf("  echo: {command: [%q]}\n", fnPath("echo")) +
		apifn("apifn", "") +
		apifn("crash-error", "") +
		apifn("crash-panic", "") +
		apifn("crash-exit", "") +
		apifn("crash-timeout", ", timeout: 1s") +
		apifn("slow", ", timeout: 10s") +
		apifn("sleepy", ", timeout: 10s, concurrency: 5") +
		apifn("warm", "") +
		"apis:\n  - id: " + lambdaAPIID + "\n    openapi: ./api.yaml\n    default: true\n" +
		"    stages:\n      - name: $default\n      - name: prod\n        stageVariables: {color: red, tier: gold}\n"
	return gatewaytest.Start(t, gatewaytest.Files{"api.yaml": lambdaDoc(routes), "apigw.yaml": cfg})
}

// echoReply is what the functions package's echo answers (an inferred 2.0
// response: its output is the body).
type echoReply struct {
	Event json.RawMessage `json:"event"`
	PID   int             `json:"pid"`
}

// apifnReport is the body of apifn's structured responses.
type apifnReport struct {
	PID   int             `json:"pid"`
	Start int64           `json:"start"`
	End   int64           `json:"end"`
	Event json.RawMessage `json:"event"`
}

func decode[T any](t *testing.T, r gatewaytest.Response) T {
	t.Helper()
	var v T
	if r.Status != 200 {
		t.Fatalf("status %d, body %q; want 200", r.Status, r.Body)
	}
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("decoding %q: %v", r.Body, err)
	}
	return v
}

// fields decodes an event into its top-level members, raw.
func fields(t *testing.T, event json.RawMessage) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(event, &m); err != nil {
		t.Fatalf("event %s: %v", event, err)
	}
	return m
}

// member decodes event member key into v, failing if it is absent.
func member(t *testing.T, m map[string]json.RawMessage, key string, v any) {
	t.Helper()
	raw, ok := m[key]
	if !ok {
		t.Fatalf("event has no %q", key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("event member %q = %s: %v", key, raw, err)
	}
}

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v; want %#v", what, got, want)
	}
}

var (
	requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`)
	clfTimePattern   = regexp.MustCompile(`^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$`)
	traceIDPattern   = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)
)

// TestLambdaEvents sends requests through the gateway to real aws-lambda-go
// functions and checks the events they received, field by field
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
func TestLambdaEvents(t *testing.T) {
	t.Parallel()
	gw := startLambdaGateway(t)

	t.Run("2.0 named stage", func(t *testing.T) {
		t.Parallel()
		const host = lambdaAPIID + ".execute-api.localhost"
		r := gw.Do(t, "GET", host, "/prod/pets/42?b=2&a=1&a=3&q=C%23%20x&flag", nil,
			"X-Multi: one", "X-Multi: two", "Mixed-Case: V", "Cookie: session=abc; theme=dark", "User-Agent: e2e-agent")
		ev := fields(t, decode[echoReply](t, r).Event)
		var (
			version, routeKey, rawPath, rawQuery string
			query, pathParams, stageVars, hdrs   map[string]string
			cookies                              []string
			b64                                  bool
		)
		member(t, ev, "version", &version)
		member(t, ev, "routeKey", &routeKey)
		member(t, ev, "rawPath", &rawPath)
		member(t, ev, "rawQueryString", &rawQuery)
		member(t, ev, "queryStringParameters", &query)
		member(t, ev, "pathParameters", &pathParams)
		member(t, ev, "stageVariables", &stageVars)
		member(t, ev, "headers", &hdrs)
		member(t, ev, "cookies", &cookies)
		member(t, ev, "isBase64Encoded", &b64)
		wantEqual(t, "version", version, "2.0")
		wantEqual(t, "routeKey", routeKey, "GET /pets/{id}")
		wantEqual(t, "rawPath", rawPath, "/prod/pets/42")
		wantEqual(t, "rawQueryString", rawQuery, "b=2&a=1&a=3&q=C%23%20x&flag")
		wantEqual(t, "queryStringParameters", query, map[string]string{"a": "1,3", "b": "2", "q": "C# x", "flag": ""})
		wantEqual(t, "pathParameters", pathParams, map[string]string{"id": "42"})
		wantEqual(t, "stageVariables", stageVars, map[string]string{"color": "red", "tier": "gold"})
		wantEqual(t, "cookies", cookies, []string{"session=abc", "theme=dark"})
		wantEqual(t, "isBase64Encoded", b64, false)
		if _, ok := ev["body"]; ok {
			t.Errorf("a GET without a body has a body member: %s", ev["body"])
		}
		for name := range hdrs {
			if name != strings.ToLower(name) {
				t.Errorf("header %q is not lower-cased", name)
			}
		}
		wantEqual(t, "headers[x-multi]", hdrs["x-multi"], "one,two")
		wantEqual(t, "headers[mixed-case]", hdrs["mixed-case"], "V")
		wantEqual(t, "headers[user-agent]", hdrs["user-agent"], "e2e-agent")
		wantEqual(t, "headers[content-length]", hdrs["content-length"], "0")
		wantEqual(t, "headers[x-forwarded-for]", hdrs["x-forwarded-for"], "127.0.0.1")
		// AWS's front end is HTTPS on 443; lambdaproxy reports the scheme and
		// port the request really came in on (plain HTTP here).
		wantEqual(t, "headers[x-forwarded-port]", hdrs["x-forwarded-port"], gw.DataURL[strings.LastIndex(gw.DataURL, ":")+1:])
		wantEqual(t, "headers[x-forwarded-proto]", hdrs["x-forwarded-proto"], "http")
		wantEqual(t, "headers[host]", hdrs["host"], host)
		if _, ok := hdrs["cookie"]; ok {
			t.Error("the cookie header is in headers; 2.0 moves it to cookies")
		}
		if !traceIDPattern.MatchString(hdrs["x-amzn-trace-id"]) {
			t.Errorf("x-amzn-trace-id = %q; want the gateway's Root=1-{8 hex}-{24 hex}", hdrs["x-amzn-trace-id"])
		}

		var rc struct {
			AccountID, APIID, DomainName, DomainPrefix, RequestID, RouteKey, Stage, Time string
			TimeEpoch                                                                    int64
			HTTP                                                                         struct{ Method, Path, Protocol, SourceIP, UserAgent string }
		}
		member(t, ev, "requestContext", &rc)
		wantEqual(t, "requestContext.accountId", rc.AccountID, "000000000000")
		wantEqual(t, "requestContext.apiId", rc.APIID, lambdaAPIID)
		wantEqual(t, "requestContext.domainName", rc.DomainName, host)
		wantEqual(t, "requestContext.domainPrefix", rc.DomainPrefix, lambdaAPIID)
		wantEqual(t, "requestContext.routeKey", rc.RouteKey, "GET /pets/{id}")
		wantEqual(t, "requestContext.stage", rc.Stage, "prod")
		wantEqual(t, "requestContext.http", rc.HTTP, struct{ Method, Path, Protocol, SourceIP, UserAgent string }{
			"GET", "/prod/pets/42", "HTTP/1.1", "127.0.0.1", "e2e-agent"})
		if id := r.Header.Get("apigw-requestid"); rc.RequestID != id || !requestIDPattern.MatchString(id) {
			t.Errorf("requestContext.requestId = %q, apigw-requestid = %q; want equal, 15 characters and '='", rc.RequestID, id)
		}
		if !clfTimePattern.MatchString(rc.Time) || rc.TimeEpoch < 1e12 {
			t.Errorf("requestContext.time = %q, timeEpoch = %d", rc.Time, rc.TimeEpoch)
		}
	})

	t.Run("2.0 greedy path on $default", func(t *testing.T) {
		t.Parallel()
		r := gw.Do(t, "DELETE", "", "/files/a/b/c.txt", nil)
		ev := fields(t, decode[echoReply](t, r).Event)
		var routeKey, rawPath, rawQuery, stage string
		var pathParams map[string]string
		member(t, ev, "routeKey", &routeKey)
		member(t, ev, "rawPath", &rawPath)
		member(t, ev, "rawQueryString", &rawQuery)
		member(t, ev, "pathParameters", &pathParams)
		var rc struct{ Stage string }
		member(t, ev, "requestContext", &rc)
		stage = rc.Stage
		wantEqual(t, "routeKey", routeKey, "ANY /files/{proxy+}")
		wantEqual(t, "rawPath", rawPath, "/files/a/b/c.txt")
		wantEqual(t, "rawQueryString", rawQuery, "")
		wantEqual(t, "pathParameters", pathParams, map[string]string{"proxy": "a/b/c.txt"})
		wantEqual(t, "stage", stage, "$default")
		for _, absent := range []string{"queryStringParameters", "cookies", "stageVariables", "body"} {
			if v, ok := ev[absent]; ok {
				t.Errorf("%s is present (%s); 2.0 omits it when empty", absent, v)
			}
		}
	})

	t.Run("2.0 qualified function ARN", func(t *testing.T) {
		t.Parallel()
		decode[echoReply](t, gw.Do(t, "GET", "", "/qualified", nil))
	})

	t.Run("2.0 body encoding", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			contentType, body, want string
			base64                  bool
		}{
			{"application/json", `{"k":"v"}`, `{"k":"v"}`, false},
			{"text/plain; charset=utf-8", "héllo", "héllo", false},
			{"Application/XML", "<a/>", "<a/>", false},
			{"application/javascript", "f()", "f()", false},
			{"application/octet-stream", "\x01\x02\x03", "AQID", true},
			{"application/x-www-form-urlencoded", "a=1&b=2", "YT0xJmI9Mg==", true},
			{"", "raw", "cmF3", true},
		}
		for _, tt := range tests {
			var hdrs []string
			if tt.contentType != "" {
				hdrs = append(hdrs, "Content-Type: "+tt.contentType)
			}
			r := gw.Do(t, "POST", "", "/files/upload", strings.NewReader(tt.body), hdrs...)
			ev := fields(t, decode[echoReply](t, r).Event)
			var body string
			var b64 bool
			var h map[string]string
			member(t, ev, "body", &body)
			member(t, ev, "isBase64Encoded", &b64)
			member(t, ev, "headers", &h)
			if body != tt.want || b64 != tt.base64 {
				t.Errorf("content-type %q: body %q, isBase64Encoded %v; want %q, %v", tt.contentType, body, b64, tt.want, tt.base64)
			}
			wantEqual(t, "content-length of "+tt.contentType, h["content-length"], fmt.Sprint(len(tt.body)))
		}
	})

	t.Run("1.0 named stage", func(t *testing.T) {
		t.Parallel()
		r := gw.Do(t, "POST", "", "/prod/v1/items/7?a=1&a=2&b=x", strings.NewReader(`{"x":1}`),
			"Content-Type: application/json", "X-Multi: one", "X-Multi: two", "Cookie: c=1", "User-Agent: e2e-agent")
		ev := fields(t, decode[apifnReport](t, r).Event)
		var (
			version, resource, path, method, body string
			hdrs, query, pathParams, stageVars    map[string]string
			multiHdrs, multiQuery                 map[string][]string
			b64                                   bool
		)
		member(t, ev, "version", &version)
		member(t, ev, "resource", &resource)
		member(t, ev, "path", &path)
		member(t, ev, "httpMethod", &method)
		member(t, ev, "body", &body)
		member(t, ev, "headers", &hdrs)
		member(t, ev, "multiValueHeaders", &multiHdrs)
		member(t, ev, "queryStringParameters", &query)
		member(t, ev, "multiValueQueryStringParameters", &multiQuery)
		member(t, ev, "pathParameters", &pathParams)
		member(t, ev, "stageVariables", &stageVars)
		member(t, ev, "isBase64Encoded", &b64)
		wantEqual(t, "version", version, "1.0")
		wantEqual(t, "resource", resource, "/v1/items/{id}")
		wantEqual(t, "path", path, "/prod/v1/items/7")
		wantEqual(t, "httpMethod", method, "POST")
		wantEqual(t, "body", body, `{"x":1}`)
		wantEqual(t, "isBase64Encoded", b64, false)
		wantEqual(t, "headers[X-Multi]", hdrs["X-Multi"], "two")
		wantEqual(t, "multiValueHeaders[X-Multi]", multiHdrs["X-Multi"], []string{"one", "two"})
		wantEqual(t, "headers[Cookie]", hdrs["Cookie"], "c=1")
		wantEqual(t, "headers[Content-Type]", hdrs["Content-Type"], "application/json")
		wantEqual(t, "queryStringParameters", query, map[string]string{"a": "2", "b": "x"})
		wantEqual(t, "multiValueQueryStringParameters", multiQuery, map[string][]string{"a": {"1", "2"}, "b": {"x"}})
		wantEqual(t, "pathParameters", pathParams, map[string]string{"id": "7"})
		wantEqual(t, "stageVariables", stageVars, map[string]string{"color": "red", "tier": "gold"})
		if _, ok := ev["cookies"]; ok {
			t.Error("a 1.0 event has cookies")
		}
		var rc struct {
			ExtendedRequestID, HTTPMethod, Path, Protocol, RequestID, RequestTime, ResourceID, ResourcePath, Stage string
			RequestTimeEpoch                                                                                       int64
			Identity                                                                                               map[string]any
		}
		member(t, ev, "requestContext", &rc)
		id := r.Header.Get("apigw-requestid")
		wantEqual(t, "requestContext.requestId", rc.RequestID, id)
		wantEqual(t, "requestContext.extendedRequestId", rc.ExtendedRequestID, id)
		wantEqual(t, "requestContext.resourceId", rc.ResourceID, "POST /v1/items/{id}")
		wantEqual(t, "requestContext.resourcePath", rc.ResourcePath, "/v1/items/{id}")
		wantEqual(t, "requestContext.path", rc.Path, "/prod/v1/items/7")
		wantEqual(t, "requestContext.stage", rc.Stage, "prod")
		wantEqual(t, "requestContext.httpMethod", rc.HTTPMethod, "POST")
		wantEqual(t, "requestContext.protocol", rc.Protocol, "HTTP/1.1")
		if !clfTimePattern.MatchString(rc.RequestTime) || rc.RequestTimeEpoch < 1e12 {
			t.Errorf("requestTime = %q, requestTimeEpoch = %d", rc.RequestTime, rc.RequestTimeEpoch)
		}
		wantEqual(t, "identity.sourceIp", rc.Identity["sourceIp"], "127.0.0.1")
		wantEqual(t, "identity.userAgent", rc.Identity["userAgent"], "e2e-agent")
		for _, k := range []string{"accessKey", "accountId", "caller", "user", "userArn", "cognitoIdentityId"} {
			if v, ok := rc.Identity[k]; !ok || v != nil {
				t.Errorf("identity.%s = %v (present %v); want null", k, v, ok)
			}
		}
	})

	t.Run("1.0 nulls", func(t *testing.T) {
		t.Parallel()
		ev := fields(t, decode[apifnReport](t, gw.Do(t, "GET", "", "/v1/plain", nil)).Event)
		for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "body"} {
			if v, ok := ev[k]; !ok || string(v) != "null" {
				t.Errorf("%s = %s (present %v); want null", k, v, ok)
			}
		}
	})

	t.Run("1.0 greedy path and base64", func(t *testing.T) {
		t.Parallel()
		ev := fields(t, decode[apifnReport](t, gw.Do(t, "GET", "", "/v1/files/x/y", bytes.NewReader([]byte{0, 1}),
			"Content-Type: application/octet-stream")).Event)
		var pathParams map[string]string
		var body string
		var b64 bool
		member(t, ev, "pathParameters", &pathParams)
		member(t, ev, "body", &body)
		member(t, ev, "isBase64Encoded", &b64)
		wantEqual(t, "pathParameters", pathParams, map[string]string{"proxy": "x/y"})
		if body != "AAE=" || !b64 {
			t.Errorf("body %q, isBase64Encoded %v; want AAE=, true", body, b64)
		}
	})
}

// TestLambdaResponses sends every result shape of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
// through a real function (apifn returns the request body as its output)
// and checks what the client gets.
func TestLambdaResponses(t *testing.T) {
	t.Parallel()
	gw := startLambdaGateway(t)
	const internalError = `{"message":"Internal Server Error"}`
	tests := []struct {
		name, path, output string
		status             int
		body               string
		header             map[string][]string // nil value: the header is absent
	}{
		{"2.0 structured", "/respond", `{"statusCode":201,"headers":{"x-a":"1","content-type":"application/xml"},"body":"<a/>","cookies":["c1=1; Path=/","c2=2"],"extra":true}`,
			201, "<a/>", map[string][]string{"X-A": {"1"}, "Content-Type": {"application/xml"}, "Set-Cookie": {"c1=1; Path=/", "c2=2"}}},
		{"2.0 default content type", "/respond", `{"statusCode":200,"body":"hi"}`,
			200, "hi", map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}}},
		{"2.0 header value kept whole", "/respond", `{"statusCode":200,"headers":{"myheader":"test,other"}}`,
			200, "", map[string][]string{"Myheader": {"test,other"}}},
		{"2.0 cookies before set-cookie header", "/respond", `{"statusCode":200,"headers":{"set-cookie":"h=1"},"cookies":["c=1"]}`,
			200, "", map[string][]string{"Set-Cookie": {"c=1", "h=1"}}},
		{"2.0 base64 body", "/respond", `{"statusCode":200,"isBase64Encoded":true,"body":"AAEC/w==","headers":{"content-type":"application/octet-stream"}}`,
			200, "\x00\x01\x02\xff", map[string][]string{"Content-Type": {"application/octet-stream"}}},
		{"2.0 204 without body", "/respond", `{"statusCode":204}`, 204, "", nil},
		{"2.0 inferred string", "/respond", `"Hello, World!"`, 200, "Hello, World!", map[string][]string{"Content-Type": {"application/json"}}},
		{"2.0 inferred quoted string", "/respond", `"Special \"quoted\" text"`, 200, `Special "quoted" text`, nil},
		{"2.0 inferred object", "/respond", `{"name": "John Doe", "age": 30}`, 200, `{"name": "John Doe", "age": 30}`,
			map[string][]string{"Content-Type": {"application/json"}}},
		{"2.0 inferred array", "/respond", `[1, 2, 3, 4, 5]`, 200, `[1, 2, 3, 4, 5]`, nil},
		{"2.0 inferred number", "/respond", `42`, 200, `42`, nil},
		{"2.0 inferred invalid JSON", "/respond", `{"name": "John Doe", "age":`, 200, `{"name": "John Doe", "age":`, nil},
		{"2.0 status 0", "/respond", `{"statusCode":0,"body":"x"}`, 500, internalError, map[string][]string{"Content-Type": {"application/json"}}},
		{"2.0 fractional status", "/respond", `{"statusCode":200.5}`, 500, internalError, nil},
		{"1.0 structured, headers merged", "/v1/respond", `{"statusCode":202,"headers":{"X-Combined":"single"},"multiValueHeaders":{"X-Combined":["m1","m2"]},"body":"ok"}`,
			202, "ok", map[string][]string{"X-Combined": {"single", "m1", "m2"}, "Content-Type": {"text/plain; charset=utf-8"}}},
		{"1.0 base64 body", "/v1/respond", `{"statusCode":200,"isBase64Encoded":true,"body":"aGk="}`, 200, "hi", nil},
		{"1.0 no status", "/v1/respond", `{"body":"x"}`, 500, internalError, map[string][]string{"Content-Type": {"application/json"}}},
		{"1.0 string output", "/v1/respond", `"hello"`, 500, internalError, nil},
		{"1.0 invalid JSON", "/v1/respond", `{"statusCode":`, 500, internalError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := gw.Do(t, "POST", "", tt.path+"?do=respond", strings.NewReader(tt.output), "Content-Type: application/json")
			if r.Status != tt.status || r.Body != tt.body {
				t.Errorf("got %d %q; want %d %q", r.Status, r.Body, tt.status, tt.body)
			}
			for name, want := range tt.header {
				if got := r.Header.Values(name); !reflect.DeepEqual(got, want) {
					t.Errorf("header %s = %q; want %q", name, got, want)
				}
			}
			if r.Header.Get("apigw-requestid") == "" {
				t.Error("no apigw-requestid header")
			}
		})
	}
}

// TestLambdaFailures: a function's error, panic, exit and timeout give 500,
// and the next request succeeds, on a fresh instance where AWS replaces the
// execution environment; an integration timeout gives 503; a route naming
// an unconfigured function gives 500 and a warning while the rest serves.
func TestLambdaFailures(t *testing.T) {
	t.Parallel()
	gw := startLambdaGateway(t)
	pid := func(t *testing.T, path string) int {
		t.Helper()
		return decode[apifnReport](t, gw.Do(t, "GET", "", path, nil)).PID
	}
	for _, tt := range []struct {
		mode, query string
		fresh       bool // the instance is replaced
	}{
		{"error", "do=error", false},
		{"panic", "do=panic", true},
		{"exit", "do=exit", true},
		{"timeout", "do=sleep&ms=5000", true},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			path := "/fail/" + tt.mode
			before := pid(t, path)
			r := gw.Do(t, "GET", "", path+"?"+tt.query, nil)
			if r.Status != 500 || r.Body != `{"message":"Internal Server Error"}` || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("got %d %q (content-type %q); want 500 Internal Server Error as JSON", r.Status, r.Body, r.Header.Get("Content-Type"))
			}
			if r.Header.Get("apigw-requestid") == "" {
				t.Error("no apigw-requestid header")
			}
			after := pid(t, path)
			if tt.fresh && after == before {
				t.Errorf("the next request ran on the same process %d; want a fresh instance", before)
			}
			if !tt.fresh && after != before {
				t.Errorf("the next request ran on process %d, not %d: a handled error must not replace the instance", after, before)
			}
		})
	}

	t.Run("integration timeout", func(t *testing.T) {
		t.Parallel()
		r := gw.Do(t, "GET", "", "/slow?do=sleep&ms=1500", nil)
		if r.Status != 503 || r.Body != `{"message":"Service Unavailable"}` {
			t.Errorf("got %d %q; want 503 Service Unavailable", r.Status, r.Body)
		}
		if ct, ok := r.Header["Content-Type"]; ok {
			t.Errorf("content-type %q on the 503; AWS sends none", ct)
		}
		if r.Header.Get("apigw-requestid") == "" {
			t.Error("no apigw-requestid header")
		}
	})

	t.Run("unconfigured function", func(t *testing.T) {
		t.Parallel()
		r := gw.Do(t, "GET", "", "/ghost", nil)
		if r.Status != 500 || r.Body != `{"message":"Internal Server Error"}` {
			t.Errorf("got %d %q; want 500 Internal Server Error", r.Status, r.Body)
		}
		decode[echoReply](t, gw.Do(t, "GET", "", "/pets/1", nil)) // the rest serves
		var warning string
		for _, line := range strings.Split(gw.Log(), "\n") {
			if strings.Contains(line, "level=WARN") && strings.Contains(line, "GET /ghost") && strings.Contains(line, `\"ghost\"`) {
				warning = line
			}
		}
		if warning == "" {
			t.Errorf("no warning naming the route GET /ghost and the function ghost in the log")
		}
	})
}

// TestLambdaConcurrency: five concurrent requests to a function that sleeps
// 500 ms with concurrency 5 run at once, on five processes; sequential
// requests reuse one warm process.
func TestLambdaConcurrency(t *testing.T) {
	t.Parallel()
	gw := startLambdaGateway(t)
	t.Run("concurrent", func(t *testing.T) {
		t.Parallel()
		reports := make([]apifnReport, 5)
		var wg sync.WaitGroup
		for i := range reports {
			wg.Go(func() {
				r := gw.Do(t, "GET", "", "/sleep?do=sleep&ms=500", nil)
				if r.Status != 200 {
					t.Errorf("request %d: %d %q", i, r.Status, r.Body)
					return
				}
				if err := json.Unmarshal([]byte(r.Body), &reports[i]); err != nil {
					t.Errorf("request %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		pids := map[int]bool{}
		latestStart, earliestEnd := reports[0].Start, reports[0].End
		for _, rep := range reports {
			pids[rep.PID] = true
			latestStart, earliestEnd = max(latestStart, rep.Start), min(earliestEnd, rep.End)
		}
		if len(pids) != 5 {
			t.Errorf("the five requests ran on %d processes; want 5", len(pids))
		}
		if latestStart >= earliestEnd {
			t.Errorf("the sleeps did not overlap: the last started %v after the first ended", latestStart-earliestEnd)
		}
	})
	t.Run("sequential", func(t *testing.T) {
		t.Parallel()
		var pids []int
		for range 3 {
			pids = append(pids, decode[apifnReport](t, gw.Do(t, "GET", "", "/warm", nil)).PID)
		}
		if len(slices.Compact(slices.Clone(pids))) != 1 {
			t.Errorf("sequential requests ran on processes %v; want one warm process", pids)
		}
	})
}

// TestLambdaInvokeAPI calls the configured functions through the Invoke API
// of the admin listener with the AWS SDK for Go v2's lambda client.
func TestLambdaInvokeAPI(t *testing.T) {
	t.Parallel()
	gw := startLambdaGateway(t)
	client := lambda.New(lambda.Options{
		BaseEndpoint: aws.String(gw.AdminURL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	ctx := context.Background()

	for _, name := range []string{"echo", fnARN("echo"), "echo:live"} {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{"hello":"world"}`)})
		if err != nil {
			t.Fatalf("Invoke %s: %v", name, err)
		}
		var rep echoReply
		if err := json.Unmarshal(out.Payload, &rep); err != nil {
			t.Fatalf("Invoke %s: payload %s: %v", name, out.Payload, err)
		}
		if out.StatusCode != 200 || out.FunctionError != nil || string(rep.Event) != `{"hello":"world"}` {
			t.Errorf("Invoke %s: status %d, function error %v, event %s", name, out.StatusCode, aws.ToString(out.FunctionError), rep.Event)
		}
	}

	out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("crash-error"),
		Payload: []byte(`{"queryStringParameters":{"do":"error"}}`)})
	if err != nil {
		t.Fatalf("Invoke crash-error: %v", err)
	}
	if aws.ToString(out.FunctionError) != "Unhandled" || !bytes.Contains(out.Payload, []byte("apifn failed on purpose")) {
		t.Errorf("Invoke crash-error: function error %q, payload %s; want Unhandled and the error message", aws.ToString(out.FunctionError), out.Payload)
	}

	_, err = client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ghost")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("Invoke ghost: %v; want ResourceNotFoundException", err)
	}

	// Event invocations are accepted at once.
	ev, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{}`)})
	if err != nil || ev.StatusCode != http.StatusAccepted {
		t.Errorf("Invoke echo (Event): %v, status %v; want 202", err, ev)
	}
}
