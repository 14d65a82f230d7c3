package rapi

import (
	"net/http"
	"strconv"
	"time"
)

// handleNext serves GET /2018-06-01/runtime/invocation/next.
//
// The call moves the runtime to Ready (from Started it means "init done",
// from Responded/Errored "the previous invocation is finished") and parks
// until the supervisor hands over an event, which is answered 200 with the
// event as the body and the Lambda-Runtime-* headers (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
// A /next in any other state is 403 InvalidStateTransition; in particular only
// one /next may be parked at a time. If the runtime hangs up while parked the
// runtime becomes Idle; if the Server closes the parked call gets 500, which
// tells a runtime to exit.
func (s *Server) handleNext(w http.ResponseWriter, r *http.Request) {
	from, err := s.apply(actNext)
	if err != nil {
		s.log.Warn("runtime API: /next denied", "err", err)
		renderError(w, errTransition(err))
		return
	}
	s.emit(Event{Kind: EventReady, Time: time.Now(), Init: from == Started})

	select {
	case inv := <-s.invocations:
		s.mu.Lock()
		_, err := s.applyLocked(actDeliver)
		if err == nil {
			s.current = inv.RequestID
		}
		s.mu.Unlock()
		if err != nil {
			// Only Close can move a Ready runtime elsewhere; the supervisor is
			// stopping the instance and discards the invocation.
			renderError(w, errInternal())
			return
		}
		writeInvocation(w, inv)
	case <-r.Context().Done():
		// The runtime closed the connection. Ready→Idle cannot fail unless
		// the Server closed meanwhile, in which case the state stays Closed.
		_, _ = s.apply(actNextAbandoned)
	case <-s.closing:
		renderError(w, errInternal())
	}
}

// writeInvocation renders inv as the answer to /next, with the headers the
// RIE sets (rendering.renderInvokeHeaders): empty optional values are left
// out; Content-Type defaults to application/json.
func writeInvocation(w http.ResponseWriter, inv *Invocation) {
	h := w.Header()
	deadline := time.Now().Add(inv.Timeout).UnixMilli()
	h.Set(headerRequestID, inv.RequestID)
	h.Set(headerDeadlineMS, strconv.FormatInt(deadline, 10))
	setIfNotEmpty(h, headerInvokedFunctionARN, inv.InvokedFunctionARN)
	setIfNotEmpty(h, headerTraceID, inv.TraceID)
	setIfNotEmpty(h, headerClientContext, inv.ClientContext)
	setIfNotEmpty(h, headerCognitoIdentity, inv.CognitoIdentity)
	setIfNotEmpty(h, headerTenantID, inv.TenantID)
	ct := inv.ContentType
	if ct == "" {
		ct = contentTypeJSON
	}
	h.Set(headerContentType, ct)
	h.Set("Content-Length", strconv.Itoa(len(inv.Payload)))
	w.WriteHeader(http.StatusOK)
	// A write error means the runtime went away after taking the event; the
	// supervisor sees the process exit or the timeout.
	_, _ = w.Write(inv.Payload)
}

func setIfNotEmpty(h http.Header, key, value string) {
	if value != "" {
		h.Set(key, value)
	}
}
