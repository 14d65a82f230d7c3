// Package gwerr is the catalogue of responses the data plane generates itself
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html), rendered in one place.
//
// Handlers return a *Error; Write renders it in AWS's shape: the status, the
// exact body {"message":"..."} and the headers AWS sends for that case, and
// never the internal cause, which is only logged.
package gwerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Kind is one gateway-generated response of the catalogue.
type Kind uint8

// The kinds of gateway responses. Their status, body and headers are in
// the catalogue table below.
const (
	NotFound Kind = iota + 1
	Forbidden
	Unauthorized
	TooManyRequests
	InternalServerError
	ServiceUnavailable
	RequestEntityTooLarge
	BadRequest
	HeaderFieldsTooLarge
	GatewayTimeout
	// RequestTimeout: the client sent its body too slowly (the data plane's
	// minimum body rate, docs/security.md); AWS's answer is not documented.
	RequestTimeout
)

type entry struct {
	status int
	body   string
	// contentType is set where AWS was observed to send one.
	contentType bool
	// responseType is the $context.error.responseType value.
	responseType string
}

var catalogue = [...]entry{
	NotFound:              {http.StatusNotFound, `{"message":"Not Found"}`, true, "RESOURCE_NOT_FOUND"},
	Forbidden:             {http.StatusForbidden, `{"message":"Forbidden"}`, true, "ACCESS_DENIED"},
	Unauthorized:          {http.StatusUnauthorized, `{"message":"Unauthorized"}`, false, "UNAUTHORIZED"},
	TooManyRequests:       {http.StatusTooManyRequests, `{"message":"Too Many Requests"}`, true, "THROTTLED"},
	InternalServerError:   {http.StatusInternalServerError, `{"message":"Internal Server Error"}`, true, "INTEGRATION_FAILURE"},
	ServiceUnavailable:    {http.StatusServiceUnavailable, `{"message":"Service Unavailable"}`, false, "INTEGRATION_TIMEOUT"},
	RequestEntityTooLarge: {http.StatusRequestEntityTooLarge, `{"message":"Request Entity Too Large"}`, true, "REQUEST_TOO_LARGE"},
	BadRequest:            {http.StatusBadRequest, `{"message":"Bad Request"}`, true, "BAD_REQUEST_BODY"},
	HeaderFieldsTooLarge:  {http.StatusRequestHeaderFieldsTooLarge, `{"message":"Request Header Fields Too Large"}`, true, "REQUEST_TOO_LARGE"},
	GatewayTimeout:        {http.StatusGatewayTimeout, `{"message":"Gateway Timeout"}`, true, "INTEGRATION_TIMEOUT"},
	RequestTimeout:        {http.StatusRequestTimeout, `{"message":"Request Timeout"}`, true, "BAD_REQUEST_BODY"},
}

// Status returns the HTTP status of k.
func (k Kind) Status() int { return catalogue[k].status }

// Body returns the exact response body of k.
func (k Kind) Body() string { return catalogue[k].body }

// Message returns the message text of k's body ("Not Found").
func (k Kind) Message() string {
	b := catalogue[k].body
	return b[len(`{"message":"`) : len(b)-2]
}

// ResponseType returns the $context.error.responseType name of k.
func (k Kind) ResponseType() string { return catalogue[k].responseType }

// Error is a data-plane failure: what the client sees (Kind) and what only the
// log sees (Cause).
type Error struct {
	Kind Kind
	// Cause is the internal reason, logged with the request id, never sent.
	Cause error
	// Header holds extra response headers (for example www-authenticate).
	Header http.Header
	// Message, when not empty, replaces the kind's message in the body:
	// {"message":Message}, for the cases where AWS explains the refusal
	// (an IAM signature that expired, say). It must hold nothing secret.
	Message string
}

// Text returns the message the client sees: Message, or the kind's.
func (e *Error) Text() string {
	if e.Message != "" {
		return e.Message
	}
	return e.Kind.Message()
}

// body returns the JSON body the client sees.
func (e *Error) body() string {
	if e.Message == "" {
		return catalogue[e.Kind].body
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<redacted>" stays readable, as AWS writes it
	_ = enc.Encode(struct {
		Message string `json:"message"`
	}{e.Message})
	return strings.TrimSuffix(b.String(), "\n")
}

// New returns an Error of kind k caused by cause (which may be nil).
func New(k Kind, cause error) *Error { return &Error{Kind: k, Cause: cause} }

// Newf returns an Error of kind k with a formatted cause.
func Newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Cause: fmt.Errorf(format, args...)}
}

func (e *Error) Error() string {
	if e.Cause == nil {
		return e.Kind.Message()
	}
	return e.Kind.Message() + ": " + e.Cause.Error()
}

func (e *Error) Unwrap() error { return e.Cause }

// As returns err as an *Error; any other error becomes an InternalServerError
// caused by err.
func As(err error) *Error {
	var ge *Error
	if errors.As(err, &ge) {
		return ge
	}
	return &Error{Kind: InternalServerError, Cause: err}
}

// Write renders e to w: status, exact body (the kind's, or e.Message's),
// content-length and, where AWS sends it, content-type: application/json. The caller has already set the
// apigw-requestid header.
func Write(w http.ResponseWriter, e *Error) {
	ent := catalogue[e.Kind]
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	if ent.contentType {
		h.Set("Content-Type", "application/json")
	} else {
		// A nil value stops net/http from sniffing and adding text/plain:
		// AWS sends these answers without a content-type.
		h["Content-Type"] = nil
	}
	body := e.body()
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(ent.status)
	_, _ = io.WriteString(w, body)
}
