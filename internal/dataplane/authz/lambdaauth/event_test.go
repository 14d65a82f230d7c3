package lambdaauth

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/apigwdev/apigw/internal/invoke"
)

// eventCase is one request whose 1.0 and 2.0 authorizer events are golden
// files.
type eventCase struct {
	name    string
	sources []string
	req     func() *invoke.Request
}

func eventCases() []eventCase {
	return []eventCase{
		{
			// The request of the documented samples (aws-lambda-go
			// apigw-v2-custom-authorizer-v{1,2}-request.json).
			name:    "sample",
			sources: []string{"$request.header.HeaderAuth1", "$request.querystring.QueryString1"},
			req: func() *invoke.Request {
				r := newRequest("GET", "/test/request?QueryString1=queryValue1",
					"Accept", "*/*", "HeaderAuth1", "headerValue1", "User-Agent", "curl/7.58.0")
				r.StageVariables = map[string]string{"StageVar1": "stageValue1"}
				return r
			},
		},
		{
			name:    "multi-value",
			sources: []string{"$request.header.X-Multi", "$context.routeKey", "$stageVariables.tenant", "$context.identity.sourceIp", "$request.querystring.a"},
			req: func() *invoke.Request {
				r := newRequest("POST", "/test/pets/7?a=1&a=2&b=x%20y&c=%3Cz%3E&flag",
					"Cookie", "c1=v1; c2=v2", "Cookie", "c3=v3", "X-Multi", "a", "X-Multi", "b", "User-Agent", "agent")
				r.RouteKey, r.RoutePath = "POST /pets/{id}", "/pets/{id}"
				r.PathParameters = map[string]string{"id": "7"}
				r.StageVariables = map[string]string{"tenant": "acme"}
				return r
			},
		},
		{
			name: "root-default",
			req: func() *invoke.Request {
				r := newRequest("GET", "/")
				r.Stage, r.RouteKey, r.RoutePath, r.RawPath = "$default", "$default", "$default", "/"
				return r
			},
		},
	}
}

func TestGoldenEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range eventCases() {
		for _, v := range []string{"1.0", "2.0"} {
			t.Run(tc.name+"."+v, func(t *testing.T) {
				a, fc, _ := newAuthorizer(t, Config{PayloadFormatVersion: v, IdentitySource: tc.sources}, answer(allowAll))
				if res := run(t, a, tc.req()); res.status != 200 {
					t.Fatalf("status %d (%s)", res.status, res.cause)
				}
				assertGolden(t, filepath.Join("testdata", tc.name+".v"+v[:1]+".json"), fc.last())
			})
		}
	}
}

const allowAll = `{"principalId":"user","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}`

// TestEventsRoundTrip decodes the events with aws-lambda-go's types, as a real
// authorizer does, and checks what it sees.
func TestEventsRoundTrip(t *testing.T) {
	t.Parallel()
	tc := eventCases()[1]
	a1, fc1, _ := newAuthorizer(t, Config{PayloadFormatVersion: "1.0", IdentitySource: tc.sources}, answer(allowAll))
	run(t, a1, tc.req())
	var e1 events.APIGatewayV2CustomAuthorizerV1Request
	if err := json.Unmarshal(fc1.last(), &e1); err != nil {
		t.Fatal(err)
	}
	const arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/POST/pets/7"
	wantIDs := "a,b,POST /pets/{id},acme,1.2.3.4,1,2"
	if e1.Version != "1.0" || e1.Type != "REQUEST" || e1.MethodArn != arn || e1.IdentitySource != wantIDs || e1.AuthorizationToken != wantIDs ||
		e1.Path != "/pets/7" || e1.HTTPMethod != "POST" || e1.Headers["X-Multi"] != "b" || e1.QueryStringParameters["a"] != "1,2" ||
		e1.QueryStringParameters["b"] != "x y" || e1.PathParameters["id"] != "7" || e1.StageVariables["tenant"] != "acme" ||
		e1.RequestContext.APIID != "abcdef123" || e1.RequestContext.Stage != "test" || e1.RequestContext.Identity.SourceIP != "1.2.3.4" {
		t.Errorf("1.0 event as aws-lambda-go sees it: %+v", e1)
	}

	a2, fc2, _ := newAuthorizer(t, Config{PayloadFormatVersion: "2.0", IdentitySource: tc.sources}, answer(allowAll))
	run(t, a2, tc.req())
	var e2 events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(fc2.last(), &e2); err != nil {
		t.Fatal(err)
	}
	if e2.Version != "2.0" || e2.Type != "REQUEST" || e2.RouteArn != arn ||
		!reflect.DeepEqual(e2.IdentitySource, []string{"a,b", "POST /pets/{id}", "acme", "1.2.3.4", "1,2"}) ||
		e2.RouteKey != "POST /pets/{id}" || e2.RawPath != "/test/pets/7" || e2.RawQueryString != "a=1&a=2&b=x%20y&c=%3Cz%3E&flag" ||
		!reflect.DeepEqual(e2.Cookies, []string{"c1=v1", "c2=v2", "c3=v3"}) || e2.Headers["x-multi"] != "a,b" || e2.Headers["cookie"] != "" ||
		e2.QueryStringParameters["a"] != "1,2" || e2.QueryStringParameters["c"] != "<z>" || e2.QueryStringParameters["flag"] != "" ||
		e2.RequestContext.HTTP.Method != "POST" || e2.RequestContext.HTTP.SourceIP != "1.2.3.4" || e2.RequestContext.HTTP.UserAgent != "agent" ||
		e2.RequestContext.TimeEpoch != 1583348638390 || e2.RequestContext.Time != "04/Mar/2020:19:03:58 +0000" || e2.PathParameters["id"] != "7" {
		t.Errorf("2.0 event as aws-lambda-go sees it: %+v", e2)
	}
}

// TestEventMembersMatchSamples compares the member names of our events with
// those of the documented samples (aws-lambda-go testdata, mutual TLS members
// left out: the gateway has no mutual TLS).
func TestEventMembersMatchSamples(t *testing.T) {
	t.Parallel()
	sampleV1 := `{"version":"1.0","type":"REQUEST","methodArn":"x","identitySource":"x","authorizationToken":"x","resource":"/request","path":"/request","httpMethod":"GET",
		"headers":{},"queryStringParameters":{},"pathParameters":{},"stageVariables":{},
		"requestContext":{"path":"/request","accountId":"1","resourceId":"x","stage":"test","requestId":"x","identity":{"apiKey":"x","sourceIp":"x"},"resourcePath":"/request","httpMethod":"GET","apiId":"x"}}`
	sampleV2 := `{"version":"2.0","type":"REQUEST","routeArn":"x","identitySource":["x"],"routeKey":"$default","rawPath":"/my/path","rawQueryString":"a=1",
		"cookies":["c"],"headers":{},"queryStringParameters":{},
		"requestContext":{"accountId":"1","apiId":"x","domainName":"x","domainPrefix":"x","http":{"method":"POST","path":"/my/path","protocol":"HTTP/1.1","sourceIp":"IP","userAgent":"agent"},
		"requestId":"id","routeKey":"$default","stage":"$default","time":"x","timeEpoch":1},"pathParameters":{},"stageVariables":{}}`
	tc := eventCases()[1]
	for v, sample := range map[string]string{"1.0": sampleV1, "2.0": sampleV2} {
		a, fc, _ := newAuthorizer(t, Config{PayloadFormatVersion: v, IdentitySource: tc.sources}, answer(allowAll))
		run(t, a, tc.req())
		got, want := memberPaths(t, fc.last()), memberPaths(t, []byte(sample))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s members\n got %v\nwant %v", v, got, want)
		}
	}
}

// memberPaths lists the member paths of a JSON document, not descending into
// the string maps (headers, queryStringParameters, pathParameters,
// stageVariables).
func memberPaths(t *testing.T, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, c := range m {
			p := strings.TrimPrefix(prefix+"."+k, ".")
			out = append(out, p)
			switch k {
			case "headers", "queryStringParameters", "pathParameters", "stageVariables":
				continue
			}
			walk(p, c)
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}
