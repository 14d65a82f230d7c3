package lambdaproxy

import (
	"encoding/base64"
	"mime"
	"strings"
	"unicode/utf8"
)

// This file holds the body encoding rule both payload formats share; the
// request facts both formats (and the Lambda authorizer's events) share are
// computed by package reqfacts.

// encodeBody returns the event's body and isBase64Encoded for a request body
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html). HTTP APIs have no binaryMediaTypes: the body is passed as
// text only when the Content-Type's media type (parameters ignored,
// case-insensitive) is text/*, application/json, application/xml or
// application/javascript; every other case, a missing Content-Type included,
// is base64, as captures against AWS show. Structured-suffix types such as application/problem+json are
// base64 here (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy; the list is applied literally). A body declared as
// text that is not valid UTF-8 is also sent as base64, so that no byte is lost
// in the JSON event (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy; a choice).
func encodeBody(contentType string, body []byte) (string, bool) {
	if len(body) == 0 {
		return "", false
	}
	if isTextMediaType(contentType) && utf8.Valid(body) {
		return string(body), false
	}
	return base64.StdEncoding.EncodeToString(body), true
}

func isTextMediaType(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return false
}
