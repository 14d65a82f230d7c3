package lambdaproxy

import (
	"errors"
	"io"
	"testing"

	"github.com/apigwdev/apigw/internal/invoke"
)

var resultSeeds = []string{
	`"Hello, World!"`, `42`, `true`, `null`, ``, `[1, 2]`, `{"name": "John Doe", "age":`,
	`{"statusCode":200,"body":"x"}`, `{"statusCode":"200"}`, `{"statusCode":200.5}`, `{"statusCode":0}`,
	`{"statusCode":200,"headers":{"a":1,"b":true,"c":null,"d":"x"},"cookies":["a=1",null]}`,
	`{"statusCode":200,"isBase64Encoded":true,"body":"aGk"}`,
	`{"statusCode":200,"multiValueHeaders":{"X":["a",1,null]},"headers":{"X":"a"}}`,
	`{"statusCode":1e400}`, `{"statusCode":-0}`, `{"statusCode":" 200"}`,
}

// checkResponse asserts the invariants every parsed result keeps: an error is
// a *ResultError; a response has a status the server can write, a body and a
// content-type.
func checkResponse(t *testing.T, payload []byte, parse func([]byte) (*invoke.Response, error)) {
	t.Helper()
	resp, err := parse(payload)
	if err != nil {
		if !errors.As(err, new(*ResultError)) {
			t.Fatalf("error %T %v is not a *ResultError", err, err)
		}
		return
	}
	if resp.StatusCode < 200 || resp.StatusCode > 599 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if resp.Body == nil || resp.Header == nil {
		t.Fatal("nil body or header")
	}
	if _, ok := resp.Header["Content-Type"]; !ok {
		t.Fatal("no content-type")
	}
	for name := range resp.Header {
		if !validHeaderName(name) {
			t.Fatalf("invalid header name %q", name)
		}
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseResultV2(f *testing.F) {
	for _, s := range resultSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkResponse(t, payload, ParseResultV2)
	})
}

func FuzzParseResultV1(f *testing.F) {
	for _, s := range resultSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkResponse(t, payload, ParseResultV1)
	})
}
