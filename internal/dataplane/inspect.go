package dataplane

import (
	"errors"
	"net/http"
	"time"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
)

// Inspector records requests for the request inspector (implemented by
// package inspector). A nil Inspector in Options turns recording off: the
// handler then does nothing more than a nil check per request.
type Inspector interface {
	// Begin starts recording the request r, before the pipeline runs. It
	// may replace r.Body with a reader that keeps a copy of what the
	// integration reads, and returns the writer to answer through (w, or
	// a wrapper of w that keeps a copy and unwraps to w) and the
	// recording, or a nil Recording to leave the request out.
	Begin(w http.ResponseWriter, r *http.Request, requestID string, start time.Time) (http.ResponseWriter, Recording)
}

// Recording is one request being recorded.
type Recording interface {
	// Record is the part that the authorizer, the integration and the
	// access log fill (invoke.Request.Record).
	Record() *invoke.Record
	// Finish completes the recording after the response was sent and the
	// access log line written. req is nil when the request reached no
	// stage; authorizationType is the matched route's ("" without one).
	Finish(req *invoke.Request, out *invoke.Outcome, authorizationType string)
}

// Authorizer decisions recorded in invoke.Record.
const (
	decisionAllow = "Allow"
	decisionDeny  = "Deny"
	decisionError = "Error"
)

// authorizerDecision names an authorizer's outcome: Allow, Deny (401 or
// 403) or Error (anything else).
func authorizerDecision(err error) string {
	if err == nil {
		return decisionAllow
	}
	var ge *gwerr.Error
	if errors.As(err, &ge) && (ge.Kind == gwerr.Unauthorized || ge.Kind == gwerr.Forbidden) {
		return decisionDeny
	}
	return decisionError
}

// authorizationType is the route's authorization type, "" when no route
// matched.
func (x *exchange) authorizationType() string {
	if x.route == nil {
		return ""
	}
	return x.route.AuthorizationType
}
