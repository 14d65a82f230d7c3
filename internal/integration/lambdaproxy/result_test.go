package lambdaproxy

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/apigwdev/apigw/internal/invoke"
)

// resultCase is one function output and the response the client must get, or
// wantErr for a malformed result (500).
type resultCase struct {
	name        string
	payload     string
	wantErr     bool
	wantStatus  int
	wantHeader  http.Header // compared exactly
	wantCookies []string
	wantBody    string
}

func checkResult(t *testing.T, tc resultCase, resp *invoke.Response, err error) {
	t.Helper()
	if tc.wantErr {
		var re *ResultError
		if !errors.As(err, &re) {
			t.Fatalf("err = %v; want a *ResultError (resp %+v)", err, resp)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if resp.StatusCode != tc.wantStatus {
		t.Errorf("status = %d; want %d", resp.StatusCode, tc.wantStatus)
	}
	if !reflect.DeepEqual(resp.Header, tc.wantHeader) {
		t.Errorf("header = %q; want %q", resp.Header, tc.wantHeader)
	}
	if !reflect.DeepEqual(resp.Cookies, tc.wantCookies) {
		t.Errorf("cookies = %q; want %q", resp.Cookies, tc.wantCookies)
	}
	if resp.Body == nil {
		t.Fatal("nil body")
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != tc.wantBody {
		t.Errorf("body = %q; want %q", b, tc.wantBody)
	}
}

var (
	jsonCT  = http.Header{"Content-Type": {"application/json"}}
	plainCT = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
)

// TestParseResultV2 has a row for every result shape of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html.
func TestParseResultV2(t *testing.T) {
	t.Parallel()
	tests := []resultCase{
		// Inferred responses.
		{name: "string unwrapped", payload: `"Hello, World!"`, wantStatus: 200, wantHeader: jsonCT, wantBody: "Hello, World!"},
		{name: "string with escapes", payload: `"Special \"quoted\" text"`, wantStatus: 200, wantHeader: jsonCT, wantBody: `Special "quoted" text`},
		{name: "number", payload: `42`, wantStatus: 200, wantHeader: jsonCT, wantBody: "42"},
		{name: "boolean", payload: `true`, wantStatus: 200, wantHeader: jsonCT, wantBody: "true"},
		{name: "empty string", payload: `""`, wantStatus: 200, wantHeader: jsonCT, wantBody: ""},
		{name: "array verbatim", payload: `[1, 2, 3, 4, 5]`, wantStatus: 200, wantHeader: jsonCT, wantBody: `[1, 2, 3, 4, 5]`},
		{name: "object without statusCode verbatim", payload: `{"name": "John Doe", "age": 30}`, wantStatus: 200, wantHeader: jsonCT, wantBody: `{"name": "John Doe", "age": 30}`},
		{name: "object with only body verbatim", payload: `{"body":"hi"}`, wantStatus: 200, wantHeader: jsonCT, wantBody: `{"body":"hi"}`},
		{name: "truncated JSON as is", payload: `{"name": "John Doe", "age":`, wantStatus: 200, wantHeader: jsonCT, wantBody: `{"name": "John Doe", "age":`},
		{name: "not JSON as is", payload: `hello world`, wantStatus: 200, wantHeader: jsonCT, wantBody: `hello world`},
		{name: "null", payload: `null`, wantStatus: 200, wantHeader: jsonCT, wantBody: `null`},
		{name: "empty output", payload: ``, wantStatus: 200, wantHeader: jsonCT, wantBody: ``},
		{name: "trailing newline kept", payload: "{\"a\":1}\n", wantStatus: 200, wantHeader: jsonCT, wantBody: "{\"a\":1}\n"},
		{name: "statusCode key is case-sensitive", payload: `{"StatusCode":404}`, wantStatus: 200, wantHeader: jsonCT, wantBody: `{"StatusCode":404}`},

		// Structured responses.
		{name: "default content-type", payload: `{"statusCode":200,"body":"Hello"}`, wantStatus: 200, wantHeader: plainCT, wantBody: "Hello"},
		{name: "status kept", payload: `{"statusCode":201,"body":"made"}`, wantStatus: 201, wantHeader: plainCT, wantBody: "made"},
		{name: "explicit content-type kept", payload: `{"statusCode":200,"headers":{"content-type":"application/xml"},"body":"<a/>"}`,
			wantStatus: 200, wantHeader: http.Header{"Content-Type": {"application/xml"}}, wantBody: "<a/>"},
		{name: "header value verbatim, one line", payload: `{"statusCode":200,"headers":{"myheader":"test,other"}}`,
			wantStatus: 200, wantHeader: http.Header{"Myheader": {"test,other"}, "Content-Type": {"text/plain; charset=utf-8"}}},
		{name: "non-string header values stringified, null dropped",
			payload:    `{"statusCode":200,"headers":{"X-Num":42,"X-Float":1.50,"X-Bool":true,"X-Null":null}}`,
			wantStatus: 200, wantHeader: http.Header{"X-Num": {"42"}, "X-Float": {"1.50"}, "X-Bool": {"true"}, "Content-Type": {"text/plain; charset=utf-8"}}},
		{name: "invalid header name dropped", payload: `{"statusCode":200,"headers":{"bad name":"x","ok":"y"}}`,
			wantStatus: 200, wantHeader: http.Header{"Ok": {"y"}, "Content-Type": {"text/plain; charset=utf-8"}}},
		{name: "case variants of one name", payload: `{"statusCode":200,"headers":{"x-a":"2","X-A":"1"}}`,
			wantStatus: 200, wantHeader: http.Header{"X-A": {"1", "2"}, "Content-Type": {"text/plain; charset=utf-8"}}},
		{name: "cookies array and set-cookie header",
			payload:    `{"statusCode":200,"cookies":["a=1; Path=/","b=2"],"headers":{"set-cookie":"c=3"}}`,
			wantStatus: 200, wantHeader: http.Header{"Set-Cookie": {"c=3"}, "Content-Type": {"text/plain; charset=utf-8"}},
			wantCookies: []string{"a=1; Path=/", "b=2"}},
		{name: "null cookie elements dropped", payload: `{"statusCode":200,"cookies":[null,"a=1"]}`,
			wantStatus: 200, wantHeader: plainCT, wantCookies: []string{"a=1"}},
		{name: "base64 body decoded", payload: `{"statusCode":200,"isBase64Encoded":true,"body":"AQIDBAU="}`,
			wantStatus: 200, wantHeader: plainCT, wantBody: "\x01\x02\x03\x04\x05"},
		{name: "base64 without padding", payload: `{"statusCode":200,"isBase64Encoded":true,"body":"aGk"}`,
			wantStatus: 200, wantHeader: plainCT, wantBody: "hi"},
		{name: "base64 with line breaks", payload: `{"statusCode":200,"isBase64Encoded":true,"body":"aGVs\nbG8=\n"}`,
			wantStatus: 200, wantHeader: plainCT, wantBody: "hello"},
		{name: "isBase64Encoded false keeps base64 text", payload: `{"statusCode":200,"isBase64Encoded":false,"body":"AQID"}`,
			wantStatus: 200, wantHeader: plainCT, wantBody: "AQID"},
		{name: "no body (204)", payload: `{"statusCode":204}`, wantStatus: 204, wantHeader: plainCT},
		{name: "null body and headers", payload: `{"statusCode":200,"headers":null,"body":null,"cookies":null,"isBase64Encoded":null}`,
			wantStatus: 200, wantHeader: plainCT},
		{name: "aws-lambda-go zero response fields", payload: `{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":"","cookies":null}`,
			wantStatus: 200, wantHeader: plainCT},
		{name: "multiValueHeaders ignored", payload: `{"statusCode":200,"multiValueHeaders":{"X-M":["a","b"]}}`,
			wantStatus: 200, wantHeader: plainCT},
		{name: "unknown keys ignored", payload: `{"statusCode":200,"body":"x","extra":{"deep":[1]},"Headers":{"X":"y"}}`,
			wantStatus: 200, wantHeader: plainCT, wantBody: "x"},
		{name: "integral float status", payload: `{"statusCode":200.0}`, wantStatus: 200, wantHeader: plainCT},
		{name: "string status", payload: `{"statusCode":"418"}`, wantStatus: 418, wantHeader: plainCT},
		{name: "599", payload: `{"statusCode":599}`, wantStatus: 599, wantHeader: plainCT},

		// Malformed structured responses (500).
		{name: "status 0", payload: `{"statusCode":0,"body":"x"}`, wantErr: true},
		{name: "fractional status", payload: `{"statusCode":200.5}`, wantErr: true},
		{name: "status null", payload: `{"statusCode":null}`, wantErr: true},
		{name: "status not numeric string", payload: `{"statusCode":"OK"}`, wantErr: true},
		{name: "status below 200", payload: `{"statusCode":100}`, wantErr: true},
		{name: "status above 599", payload: `{"statusCode":600}`, wantErr: true},
		{name: "negative status", payload: `{"statusCode":-200}`, wantErr: true},
		{name: "huge status", payload: `{"statusCode":1e300}`, wantErr: true},
		{name: "status object", payload: `{"statusCode":{}}`, wantErr: true},
		{name: "body object", payload: `{"statusCode":200,"body":{"a":1}}`, wantErr: true},
		{name: "body number", payload: `{"statusCode":200,"body":1}`, wantErr: true},
		{name: "headers not object", payload: `{"statusCode":200,"headers":["a"]}`, wantErr: true},
		{name: "header value object", payload: `{"statusCode":200,"headers":{"X":{"a":1}}}`, wantErr: true},
		{name: "cookies not array", payload: `{"statusCode":200,"cookies":"a=1"}`, wantErr: true},
		{name: "cookie not string", payload: `{"statusCode":200,"cookies":[1]}`, wantErr: true},
		{name: "isBase64Encoded not boolean", payload: `{"statusCode":200,"isBase64Encoded":"yes","body":"aGk="}`, wantErr: true},
		{name: "invalid base64", payload: `{"statusCode":200,"isBase64Encoded":true,"body":"***"}`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, err := ParseResultV2([]byte(tc.payload))
			checkResult(t, tc, resp, err)
		})
	}
}

// TestParseResultV1 has a row for every result shape of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html.
func TestParseResultV1(t *testing.T) {
	t.Parallel()
	tests := []resultCase{
		{name: "simple", payload: `{"statusCode":200,"body":"Hello"}`, wantStatus: 200, wantHeader: plainCT, wantBody: "Hello"},
		{name: "content-type kept", payload: `{"statusCode":200,"headers":{"Content-Type":"application/json"},"body":"{}"}`,
			wantStatus: 200, wantHeader: jsonCT, wantBody: "{}"},
		{name: "headers and multiValueHeaders combined, single first",
			payload:    `{"statusCode":200,"headers":{"Combined-Header":"single-value"},"multiValueHeaders":{"Combined-Header":["multi-value1","multi-value2"]}}`,
			wantStatus: 200, wantHeader: http.Header{"Combined-Header": {"single-value", "multi-value1", "multi-value2"}, "Content-Type": {"text/plain; charset=utf-8"}}},
		{name: "same pair in both sent once",
			payload:    `{"statusCode":200,"headers":{"content-type":"application/json","X-A":"1"},"multiValueHeaders":{"Content-Type":["application/json"],"X-A":["1","2"]}}`,
			wantStatus: 200, wantHeader: http.Header{"Content-Type": {"application/json"}, "X-A": {"1", "2"}}},
		{name: "multiValueHeaders only", payload: `{"statusCode":200,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"],"X-N":[1,null,true]}}`,
			wantStatus: 200, wantHeader: http.Header{"Set-Cookie": {"a=1", "b=2"}, "X-N": {"1", "true"}, "Content-Type": {"text/plain; charset=utf-8"}}},
		{name: "base64 body decoded", payload: `{"statusCode":200,"isBase64Encoded":true,"body":"AQIDBAU="}`,
			wantStatus: 200, wantHeader: plainCT, wantBody: "\x01\x02\x03\x04\x05"},
		{name: "cookies ignored", payload: `{"statusCode":200,"cookies":["a=1"]}`, wantStatus: 200, wantHeader: plainCT},
		{name: "unknown keys ignored", payload: `{"statusCode":302,"headers":{"Location":"/x"},"extra":true}`,
			wantStatus: 302, wantHeader: http.Header{"Location": {"/x"}, "Content-Type": {"text/plain; charset=utf-8"}}},
		{name: "aws-lambda-go zero fields", payload: `{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":""}`,
			wantStatus: 200, wantHeader: plainCT},
		{name: "string status", payload: `{"statusCode":"404","body":"nope"}`, wantStatus: 404, wantHeader: plainCT, wantBody: "nope"},

		// Malformed: API Gateway infers nothing in 1.0 (500).
		{name: "missing statusCode", payload: `{"body":"hi"}`, wantErr: true},
		{name: "status 0", payload: `{"statusCode":0}`, wantErr: true},
		{name: "invalid JSON", payload: `{"statusCode":200,`, wantErr: true},
		{name: "string output", payload: `"Hello"`, wantErr: true},
		{name: "null output", payload: `null`, wantErr: true},
		{name: "empty output", payload: ``, wantErr: true},
		{name: "array output", payload: `[1]`, wantErr: true},
		{name: "multiValueHeaders value not array", payload: `{"statusCode":200,"multiValueHeaders":{"X":"a"}}`, wantErr: true},
		{name: "multiValueHeaders not object", payload: `{"statusCode":200,"multiValueHeaders":[]}`, wantErr: true},
		{name: "body object", payload: `{"statusCode":200,"body":{}}`, wantErr: true},
		{name: "invalid base64", payload: `{"statusCode":200,"isBase64Encoded":true,"body":"%%%"}`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, err := ParseResultV1([]byte(tc.payload))
			checkResult(t, tc, resp, err)
		})
	}
}
