package lambdaproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
)

// ResultError reports a function result the gateway cannot turn into a
// response: the client gets 500 Internal Server Error (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html step
// 4, 3.8, 3.10).
type ResultError struct {
	// Field is the result member at fault ("statusCode", "headers.x-a"), or
	// "" for the result as a whole.
	Field string
	// Reason says what is wrong.
	Reason string
}

// Error returns the field at fault and the reason.
func (e *ResultError) Error() string {
	if e.Field == "" {
		return "malformed lambda result: " + e.Reason
	}
	return "malformed lambda result: " + e.Field + ": " + e.Reason
}

func malformed(field, format string, args ...any) *ResultError {
	return &ResultError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// defaultContentType is the content-type of a structured response that names
// none, in both formats, as captured responses show. REST APIs use
// application/json.
const defaultContentType = "text/plain; charset=utf-8"

// ParseResultV2 interprets a payload format 2.0 function result
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
//
//   - A JSON object with the key "statusCode" is a structured response.
//   - Anything else, including output that is not valid JSON, is returned as
//     is with status 200 and content-type application/json (the inferred
//     response), except that a top-level JSON string is unwrapped to its value
//     ("Hello" becomes Hello). The output "null" is returned as the body
//     "null" (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy; it is valid JSON that is not a string).
//
// Structured responses:
//
//   - statusCode must be an integer from 200 to 599. 0 and fractions (200.5)
//     are malformed. An integral number written with a fraction
//     (200.0) and a decimal string ("200") are accepted, as Jackson-style
//     parsers coerce them and AWS's own blueprints once returned strings
//     (undocumented by AWS; our choice: docs/compatibility.md#lambda-proxy). Codes outside 200-599 are malformed (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy: a 1xx
//     cannot be a final response and Go refuses codes above 999).
//   - headers: each entry is one header with its value verbatim; numbers and
//     booleans are written as their JSON text, null entries are dropped
//     (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy, recommended); objects and arrays are malformed. Names
//     that are not valid HTTP field names are dropped. Entries are added in
//     byte order of their names, so spellings of one name that differ in case
//     ("X-A", "x-a") give several values in a stable order.
//   - multiValueHeaders is not part of 2.0 and is ignored (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy,
//     recommended).
//   - cookies: each string becomes its own Set-Cookie header, sent before any
//     set-cookie of headers (Response.Cookies).
//   - body: a string; absent or null is an empty body; any other type is
//     malformed (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy, "likely 500").
//   - isBase64Encoded true: the body is base64-decoded, unconditionally
//     . Padding is optional and line breaks are ignored; other invalid
//     base64 is malformed (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy, "500").
//   - Without a content-type header the response gets
//     "text/plain; charset=utf-8".
//   - Unknown keys are ignored; keys are matched exactly (case-sensitively).
func ParseResultV2(payload []byte) (*invoke.Response, error) {
	first := firstByte(payload)
	if first == '{' {
		var obj map[string]json.RawMessage
		if json.Unmarshal(payload, &obj) == nil {
			if _, ok := obj["statusCode"]; ok {
				return structuredResult(obj, true)
			}
		}
	} else if first == '"' {
		var s string
		if json.Unmarshal(payload, &s) == nil {
			return inferredResult([]byte(s)), nil
		}
	}
	return inferredResult(bytes.Clone(payload)), nil
}

// ParseResultV1 interprets a payload format 1.0 function result
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html). The result must be a JSON object with a valid statusCode: API Gateway
// infers nothing, and anything else is malformed.
//
// headers and multiValueHeaders are merged: for a name in both, the headers
// value comes first, then the multi values (REST orders multi first). When
// the same name and value appear in both, the value is sent once, from
// multiValueHeaders, as AWS documents for REST APIs (undocumented by AWS for HTTP, our choice: docs/compatibility.md#lambda-proxy
// APIs). statusCode, header values, body, isBase64Encoded and the default
// content-type follow the rules of ParseResultV2. cookies is not part of 1.0
// and, like every unknown key, is ignored.
func ParseResultV1(payload []byte) (*invoke.Response, error) {
	if firstByte(payload) != '{' {
		return nil, malformed("", "payload format 1.0 needs a JSON object with statusCode")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(payload, &obj); err != nil {
		return nil, malformed("", "invalid JSON: %v", err)
	}
	if _, ok := obj["statusCode"]; !ok {
		return nil, malformed("statusCode", "missing")
	}
	return structuredResult(obj, false)
}

func firstByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// inferredResult is the 2.0 response for output without statusCode: 200, content-type application/json, the body as given.
func inferredResult(body []byte) *invoke.Response {
	return &invoke.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          bodyReader(body),
		ContentLength: int64(len(body)),
	}
}

func bodyReader(b []byte) io.ReadCloser {
	if len(b) == 0 {
		return http.NoBody
	}
	return io.NopCloser(bytes.NewReader(b))
}

// structuredResult interprets an object with statusCode; v2 selects the 2.0
// members (cookies) or the 1.0 ones (multiValueHeaders).
func structuredResult(obj map[string]json.RawMessage, v2 bool) (*invoke.Response, error) {
	status, err := parseStatus(obj["statusCode"])
	if err != nil {
		return nil, err
	}
	resp := &invoke.Response{StatusCode: status, Header: http.Header{}}

	var single map[string]json.RawMessage
	if err := unmarshalObject(obj["headers"], &single, "headers"); err != nil {
		return nil, err
	}
	var multi map[string]json.RawMessage
	if !v2 {
		if err := unmarshalObject(obj["multiValueHeaders"], &multi, "multiValueHeaders"); err != nil {
			return nil, err
		}
	}
	if err := mergeHeaders(resp.Header, single, multi); err != nil {
		return nil, err
	}
	if v2 {
		if resp.Cookies, err = parseCookies(obj["cookies"]); err != nil {
			return nil, err
		}
	}

	var body []byte
	if raw := obj["body"]; !isNull(raw) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, malformed("body", "not a string")
		}
		body = []byte(s)
	}
	if raw := obj["isBase64Encoded"]; !isNull(raw) {
		var b64 bool
		if err := json.Unmarshal(raw, &b64); err != nil {
			return nil, malformed("isBase64Encoded", "not a boolean")
		}
		if b64 && len(body) > 0 {
			if body, err = decodeBase64(body); err != nil {
				return nil, malformed("body", "invalid base64: %v", err)
			}
		}
	}
	resp.Body = bodyReader(body)
	resp.ContentLength = int64(len(body))
	if _, ok := resp.Header["Content-Type"]; !ok {
		resp.Header["Content-Type"] = []string{defaultContentType}
	}
	return resp, nil
}

func isNull(raw json.RawMessage) bool {
	return raw == nil || string(bytes.TrimSpace(raw)) == "null"
}

func unmarshalObject(raw json.RawMessage, dst *map[string]json.RawMessage, field string) error {
	if isNull(raw) {
		return nil
	}
	if firstByte(raw) != '{' || json.Unmarshal(raw, dst) != nil {
		return malformed(field, "not an object")
	}
	return nil
}

// parseStatus checks statusCode as ParseResultV2 documents.
func parseStatus(raw json.RawMessage) (int, error) {
	if isNull(raw) {
		return 0, malformed("statusCode", "null")
	}
	text := string(bytes.TrimSpace(raw))
	if text != "" && text[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, malformed("statusCode", "invalid string")
		}
		if text == "" || strings.TrimFunc(text, func(r rune) bool { return r >= '0' && r <= '9' }) != "" {
			return 0, malformed("statusCode", "%q is not an integer", text)
		}
	}
	code, err := strconv.Atoi(text)
	if err != nil {
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1e6 {
			return 0, malformed("statusCode", "%s is not an integer", text)
		}
		code = int(f)
	}
	if code < 200 || code > 599 {
		return 0, malformed("statusCode", "%d is not a valid status (200-599)", code)
	}
	return code, nil
}

// headerValue converts a header value of a result to text: strings verbatim,
// numbers and booleans as their JSON text; ok is false for null.
func headerValue(raw json.RawMessage, field string) (v string, ok bool, err error) {
	text := bytes.TrimSpace(raw)
	if len(text) == 0 {
		return "", false, nil
	}
	switch c := text[0]; {
	case c == '"':
		if err := json.Unmarshal(text, &v); err != nil {
			return "", false, malformed(field, "invalid string")
		}
		return v, true, nil
	case c == 'n':
		return "", false, nil
	case c == 't', c == 'f', c == '-', '0' <= c && c <= '9':
		return string(text), true, nil
	}
	return "", false, malformed(field, "not a string, number or boolean")
}

// mergeHeaders adds the single-value headers, then the multi-value ones, to h
// .
func mergeHeaders(h http.Header, single, multi map[string]json.RawMessage) error {
	type multiHeader struct {
		name   string
		values []string
	}
	var multis []multiHeader
	inMulti := make(map[string][]string, len(multi)) // by canonical name
	for _, name := range slices.Sorted(maps.Keys(multi)) {
		raw := multi[name]
		if isNull(raw) {
			continue
		}
		var elems []json.RawMessage
		if firstByte(raw) != '[' || json.Unmarshal(raw, &elems) != nil {
			return malformed("multiValueHeaders."+name, "not an array")
		}
		m := multiHeader{name: name}
		for _, e := range elems {
			v, ok, err := headerValue(e, "multiValueHeaders."+name)
			if err != nil {
				return err
			}
			if ok {
				m.values = append(m.values, v)
			}
		}
		if validHeaderName(name) && len(m.values) > 0 {
			multis = append(multis, m)
			key := http.CanonicalHeaderKey(name)
			inMulti[key] = append(inMulti[key], m.values...)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(single)) {
		v, ok, err := headerValue(single[name], "headers."+name)
		if err != nil {
			return err
		}
		if !ok || !validHeaderName(name) {
			continue
		}
		if slices.Contains(inMulti[http.CanonicalHeaderKey(name)], v) {
			continue // the same pair in both: sent once, from multiValueHeaders
		}
		h.Add(name, v)
	}
	for _, m := range multis {
		for _, v := range m.values {
			h.Add(m.name, v)
		}
	}
	return nil
}

// validHeaderName reports whether name is an HTTP field name: a token of RFC
// 9110. Other names cannot be sent and are dropped.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// parseCookies reads the 2.0 cookies array: strings kept, null elements
// dropped, anything else malformed.
func parseCookies(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var elems []json.RawMessage
	if firstByte(raw) != '[' || json.Unmarshal(raw, &elems) != nil {
		return nil, malformed("cookies", "not an array")
	}
	cookies := make([]string, 0, len(elems))
	for _, e := range elems {
		if isNull(e) {
			continue
		}
		var s string
		if err := json.Unmarshal(e, &s); err != nil {
			return nil, malformed("cookies", "element is not a string")
		}
		cookies = append(cookies, s)
	}
	return cookies, nil
}

// decodeBase64 decodes a base64 body: standard alphabet, padding optional;
// line breaks (as Python's base64.encodebytes writes) are ignored.
func decodeBase64(s []byte) ([]byte, error) {
	s = bytes.TrimRight(s, "\r\n")
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(s))) // an upper bound for both forms
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		var rerr error
		if n, rerr = base64.RawStdEncoding.Decode(out, s); rerr != nil {
			return nil, err
		}
	}
	return out[:n], nil
}
