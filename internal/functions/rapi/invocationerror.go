package rapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// handleInvocationError serves POST /2018-06-01/runtime/invocation/{requestId}/error.
//
// Validation is as for /response (400 InvalidRequestID, then 403
// InvalidStateTransition). The body, normally
// {"errorMessage","errorType","stackTrace"} (stackTrace entries are objects
// from aws-lambda-go and strings from other runtimes; both are passed on), is
// handed to the invoker unchanged, except that the X-Ray "errorCause" member
// of an application/vnd.aws.lambda.error.cause+json body is removed, as the RIE
// does. aws-lambda-go does not send Lambda-Runtime-Function-Error-Type, so the
// type is taken from the header when present (sanitised as the RIE does) and
// from the body's errorType otherwise. The answer is 202 {"status":"OK"}.
func (s *Server) handleInvocationError(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("requestId")
	if apiErr := s.answer(id, actError); apiErr != nil {
		s.log.Warn("runtime API: /error rejected", "requestId", id, "err", apiErr)
		renderError(w, apiErr)
		return
	}
	body, ok := s.readBody(w, r, id, "error")
	if !ok {
		return
	}
	if r.Header.Get(headerContentType) == contentTypeErrorCause {
		body = stripErrorCause(body)
	}
	s.emit(Event{
		Kind:          EventResult,
		Time:          time.Now(),
		RequestID:     id,
		Payload:       body,
		FunctionError: true,
		ErrorType:     errorType(r.Header.Get(headerFunctionErrorType), body),
	})
	renderAccepted(w)
}

// validErrorType is the RIE's filter for Lambda-Runtime-Function-Error-Type
// (fatalerror.GetValidRuntimeOrFunctionErrorType).
var validErrorType = regexp.MustCompile(`^(Runtime|Function)\.[A-Z][a-zA-Z]+$`)

// errorType picks an invocation error's type: the header, sanitised as the
// RIE does (kept if it matches (Runtime|Function)\.[A-Z][a-zA-Z]+, else
// Function.Unknown or Runtime.Unknown); without a header, the body's
// errorType; else Runtime.Unknown.
func errorType(header string, body []byte) string {
	if header != "" {
		switch {
		case validErrorType.MatchString(header):
			return header
		case strings.HasPrefix(header, "Function."):
			return "Function.Unknown"
		default:
			return "Runtime.Unknown"
		}
	}
	return bodyErrorType(body)
}

// bodyErrorType returns the errorType member of a Lambda error body, or
// Runtime.Unknown.
func bodyErrorType(body []byte) string {
	var e struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(body, &e) == nil && e.ErrorType != "" {
		return e.ErrorType
	}
	return "Runtime.Unknown"
}

// stripErrorCause removes the X-Ray "errorCause" member from an
// application/vnd.aws.lambda.error.cause+json body, keeping every other
// member. A body that is not a JSON object is returned unchanged.
func stripErrorCause(body []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	delete(m, "errorCause")
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}
