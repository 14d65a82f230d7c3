package rapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// handleResponse serves POST /2018-06-01/runtime/invocation/{requestId}/response.
//
// Validation happens before any state change: an unknown or stale request id
// is 400 InvalidRequestID; a second answer to the current invocation is 403
// InvalidStateTransition. Then the body is read, whatever its framing:
// aws-lambda-go always sends it chunked, with the declared trailers
// Lambda-Runtime-Function-Error-Type and -Body set when the handler's
// io.Reader failed mid-way (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). Outcomes:
//
//   - no error trailers: 202 {"status":"OK"}; the invoker gets the body;
//   - error trailers: 202; the invoker gets a function error whose payload is
//     the base64-decoded Lambda-Runtime-Function-Error-Body (the partial body
//     is dropped; the RIE would pass it on, a stricter host should not,
//     https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html);
//   - body above MaxPayloadSize: 413 RequestEntityTooLarge; the invoker gets
//     Function.ResponseSizeTooLarge (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html);
//   - body cut short: 400 TruncatedHTTPRequest; the invoker gets
//     Runtime.TruncatedResponse;
//   - a Lambda-Runtime-Function-Response-Mode other than "streaming": 400
//     InvalidFunctionResponseMode; the invoker gets
//     Runtime.InvalidResponseModeHeader. A "streaming" response is buffered
//     like any other (callers of this host are not streamed to).
func (s *Server) handleResponse(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("requestId")
	if apiErr := s.answer(id, actResponse); apiErr != nil {
		s.log.Warn("runtime API: /response rejected", "requestId", id, "err", apiErr)
		renderError(w, apiErr)
		return
	}

	if mode := r.Header.Get(headerResponseMode); mode != "" && mode != responseModeStreaming {
		s.emitFunctionError(id, "Runtime.InvalidResponseModeHeader",
			fmt.Sprintf("RequestId: %s Error: Invalid function response mode %q", id, mode))
		renderError(w, errInvalidResponseMode())
		return
	}

	body, ok := s.readBody(w, r, id, "response")
	if !ok {
		return
	}

	ev := Event{Kind: EventResult, Time: time.Now(), RequestID: id, Payload: body}
	if errType, errBody := r.Trailer.Get(headerFunctionErrorType), r.Trailer.Get(headerFunctionErrorBody); errType != "" || errBody != "" {
		ev.FunctionError = true
		ev.ErrorType, ev.Payload = trailerError(errType, errBody)
	}
	s.emit(ev)
	renderAccepted(w)
}

// readBody reads a /response or /error body up to MaxPayloadSize. A body cut
// short (400 TruncatedHTTPRequest, Runtime.TruncatedResponse) or too large
// (413, Function.ResponseSizeTooLarge) is answered and reported to the
// invoker here, and ok is false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, id, what string) (body []byte, ok bool) {
	body, size, err := readLimited(r.Body, MaxPayloadSize)
	switch {
	case err != nil:
		s.emitFunctionError(id, "Runtime.TruncatedResponse",
			fmt.Sprintf("RequestId: %s Error: %s body was truncated: %v", id, what, err))
		renderError(w, errTruncated())
		return nil, false
	case size > MaxPayloadSize:
		s.emitFunctionError(id, "Function.ResponseSizeTooLarge",
			fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", size, MaxPayloadSize))
		renderError(w, errTooLarge())
		return nil, false
	}
	return body, true
}

// emitFunctionError reports a platform-made function error for invocation id.
func (s *Server) emitFunctionError(id, errorType, message string) {
	s.emit(Event{
		Kind:          EventResult,
		Time:          time.Now(),
		RequestID:     id,
		Payload:       platformError(errorType, message),
		FunctionError: true,
		ErrorType:     errorType,
	})
}

// trailerError turns the error trailers aws-lambda-go sets when a streamed
// response fails (errorCapturingReader) into an error type and a Lambda error
// payload. The body trailer is base64 of {"errorMessage","errorType"}; if it
// is missing or not base64 the payload is built from the type alone.
func trailerError(errType, errBody string) (string, []byte) {
	payload, err := base64.StdEncoding.DecodeString(errBody)
	if err != nil || len(payload) == 0 {
		if errType == "" {
			errType = "Runtime.Unknown"
		}
		return errType, platformError(errType, "")
	}
	if errType == "" {
		errType = bodyErrorType(payload)
	}
	return errType, payload
}

// readLimited reads r to the end and returns at most limit bytes of it, and
// its total size. A body above limit is drained (not kept) so its size can be
// reported, as Lambda's Function.ResponseSizeTooLarge message does; the
// supervisor's timeout bounds a runtime that never stops writing.
func readLimited(r io.Reader, limit int64) ([]byte, int64, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, int64(len(body)), fmt.Errorf("reading body: %w", err)
	}
	size := int64(len(body))
	if size <= limit {
		return body, size, nil
	}
	n, err := io.Copy(io.Discard, r)
	size += n
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, size, fmt.Errorf("reading body: %w", err)
	}
	return nil, size, nil
}
