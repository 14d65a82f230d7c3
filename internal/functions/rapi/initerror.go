package rapi

import (
	"net/http"
	"time"
)

// handleInitError serves POST /2018-06-01/runtime/init/error: only allowed
// while the runtime initialises (Started), else 403 InvalidStateTransition.
// The body is reported to the supervisor, which serves it to the first
// invocation and stops the instance (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
// aws-lambda-go never calls it; other runtime interface clients do.
func (s *Server) handleInitError(w http.ResponseWriter, r *http.Request) {
	if _, err := s.apply(actInitError); err != nil {
		s.log.Warn("runtime API: /init/error denied", "err", err)
		renderError(w, errTransition(err))
		return
	}
	body, _, err := readLimited(r.Body, MaxPayloadSize)
	if err != nil || len(body) == 0 {
		body = nil
	}
	typ := errorType(r.Header.Get(headerFunctionErrorType), body)
	if body == nil {
		body = platformError(typ, "")
	}
	s.emit(Event{Kind: EventInitError, Time: time.Now(), Payload: body, FunctionError: true, ErrorType: typ})
	renderAccepted(w)
}
