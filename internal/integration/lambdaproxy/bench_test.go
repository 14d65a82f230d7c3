package lambdaproxy

import (
	"io"
	"testing"

	"github.com/apigwdev/apigw/internal/invoke"
)

// benchRequest is a typical API request: a JSON POST with a query, cookies,
// browser-like headers, path parameters and a JWT authorizer.
func benchRequest(b *testing.B) (*invoke.Request, []byte) {
	body := []byte(`{"name":"Rex","kind":"dog","tags":["good","boy"],"age":3}`)
	r := newHTTP("POST", execHost+"/pets/6/toys?sort=name&limit=20&tag=a&tag=b", body,
		"Accept", "application/json", "Accept-Encoding", "gzip, deflate, br", "Accept-Language", "en-US,en;q=0.9",
		"Content-Type", "application/json", "Cookie", "session=abc123; theme=dark",
		"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
		"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig", "X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c")
	req := base(r)
	req.RouteKey, req.RoutePath = "POST /pets/{id}/toys", "/pets/{id}/toys"
	req.PathParameters = map[string]string{"id": "6"}
	req.Authorizer = &invoke.AuthorizerContext{JWT: &invoke.JWTContext{Claims: map[string]string{"sub": "1234", "scope": "pets/write"}}}
	return req, body
}

func BenchmarkBuildEventV2(b *testing.B) {
	req, body := benchRequest(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildEventV2(req, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildEventV1(b *testing.B) {
	req, body := benchRequest(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildEventV1(req, body); err != nil {
			b.Fatal(err)
		}
	}
}

// benchResult is what an aws-lambda-go function returning
// events.APIGatewayV2HTTPResponse sends.
var benchResult = []byte(`{"statusCode":200,"headers":{"Content-Type":"application/json","X-Request-Id":"abc"},` +
	`"multiValueHeaders":null,"body":"{\"id\":6,\"name\":\"Rex\",\"kind\":\"dog\"}","cookies":["session=abc123; Path=/; HttpOnly"]}`)

func BenchmarkParseResultV2(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		resp, err := ParseResultV2(benchResult)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
	}
}

func BenchmarkParseResultV2Inferred(b *testing.B) {
	payload := []byte(`{"id":6,"name":"Rex","kind":"dog","tags":["good","boy"]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResultV2(payload); err != nil {
			b.Fatal(err)
		}
	}
}
