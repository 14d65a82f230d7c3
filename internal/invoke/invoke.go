// Package invoke defines what the data plane hands an integration and what it
// gets back: the request-scoped context of one API request (Request), the
// integration's answer (Response), and the Invoker interface every integration
// type implements.
//
// It imports only the standard library, so the compiled snapshot can hold
// invokers and the integration packages can implement them without import
// cycles.
package invoke

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Invoker calls one integration. Implementations are built at compile time and
// are safe for concurrent use.
//
// Invoke returns the integration's response, or an error; a *gwerr.Error
// selects the client-visible answer (for example ServiceUnavailable on a
// timeout), any other error becomes 500 Internal Server Error. The caller
// closes Response.Body. Invoke must not modify req: the data plane passes the
// request it also logs (a copy only when parameter mapping changed it).
type Invoker interface {
	Invoke(ctx context.Context, req *Request) (*Response, error)
}

// InvokerFunc adapts a function to the Invoker interface.
type InvokerFunc func(ctx context.Context, req *Request) (*Response, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, req *Request) (*Response, error) { return f(ctx, req) }

// Response is what an integration answered. Header names are canonical
// (http.Header). Body is streamed to the client and may be nil for an empty
// body.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       io.ReadCloser
	// ContentLength is the body's exact length in bytes when known in advance
	// (sent as content-length); 0 means unknown, and the body is streamed.
	ContentLength int64
	// Cookies are Set-Cookie values to send before any set-cookie in Header
	// (payload 2.0 "cookies").
	Cookies []string
}

// Request is one API request as the gateway resolved it. It is built by the
// data plane before the integration runs and is read-only afterwards.
type Request struct {
	// HTTP is the client's request. Its Body is the client's body, limited to
	// the payload quota; URL is as received (the path-style prefix removed).
	HTTP *http.Request

	// RequestID is $context.requestId, also the apigw-requestid header.
	RequestID string
	// Time is when the request arrived.
	Time time.Time

	AccountID string
	Region    string
	APIID     string
	// Stage is the stage name ("$default" for the default stage).
	Stage string
	// RouteKey is the selected route's key ("GET /pets/{id}", "$default").
	RouteKey string
	// RoutePath is the selected route's path ("/pets/{id}"), or "$default".
	RoutePath string

	// DomainName is the host the client used (no port); DomainPrefix is its
	// first label.
	DomainName   string
	DomainPrefix string
	// BasePathMatched is the custom-domain API mapping key that matched, without
	// slashes ("v1/orders"), or "".
	BasePathMatched string

	// Path is the decoded request path after the stage and mapping key are
	// removed: what routes match and $request.path names ("/pets/6").
	Path string
	// RawPath is the decoded path as payload 2.0's rawPath gives it: with a
	// named stage's prefix, without a custom domain's mapping key ("/dev/pets/6").
	RawPath string
	// EscapedPath is the path as received, percent-encoding kept, with the stage
	// prefix and the mapping key (payload 1.0 "path").
	EscapedPath string
	// PathParameters are the route's decoded path variables, nil when none.
	PathParameters map[string]string
	// StageVariables are the stage's variables, nil when none.
	StageVariables map[string]string

	// SourceIP is the client's address (TCP peer), without port.
	SourceIP string

	// Authorizer holds what the route's authorizer established, nil for routes
	// without authorization.
	Authorizer *AuthorizerContext

	// IntegrationPath, when not empty, replaces the path sent to an HTTP
	// integration (parameter mapping's overwrite:path). It is the escaped
	// path, starting with "/".
	IntegrationPath string

	// Record, when not nil, is filled for the request inspector (see
	// Record). Nil unless the inspector records this request.
	Record *Record

	// TraceHeader and TraceParent, when the request is traced, carry the
	// integration's span to the integration: the X-Amzn-Trace-Id
	// (Root=1-...;Parent=...;Sampled=1) and the W3C traceparent values.
	// Empty when tracing is off; an integration then makes up its own
	// X-Amzn-Trace-Id as before.
	TraceHeader string
	TraceParent string
}

// Outcome is what happened to a request, for access logs and metrics
// ($context variables that are known only after the response).
type Outcome struct {
	// Status is the status sent to the client.
	Status int
	// ResponseLength is the number of body bytes sent to the client.
	ResponseLength int64
	// RequestLength is the number of request body bytes read.
	RequestLength int64
	// Latency is from the request's arrival to the end of the response.
	Latency time.Duration
	// IntegrationLatency is the integration's duration; -1 when the
	// integration was not called or timed out.
	IntegrationLatency time.Duration
	// IntegrationStatus is the status the integration answered (for Lambda,
	// the function's statusCode), 0 when there was none.
	IntegrationStatus int
	// IntegrationServiceStatus is the status of the Lambda service call
	// ($context.integrationStatus), 0 when not applicable.
	IntegrationServiceStatus int
	// IntegrationError is $context.integrationErrorMessage.
	IntegrationError string
	// ErrorMessage and ErrorResponseType describe a gateway-generated
	// answer ($context.error.message, $context.error.responseType).
	ErrorMessage      string
	ErrorResponseType string
	// AuthorizerError is $context.authorizer.error.
	AuthorizerError string
	// Throttled is true when the request was refused by a throttle.
	Throttled bool
}

// AuthorizerContext is the identity an authorizer established for a request.
// Exactly one of its members is set. It is read-only: an authorizer may hand
// the same context to every request presenting the same credentials (the JWT
// authorizer does, from its verified-token cache).
type AuthorizerContext struct {
	// JWT is set by JWT authorizers.
	JWT *JWTContext
	// Lambda is the context map a Lambda authorizer returned (values keep their
	// JSON types).
	Lambda map[string]any
	// PrincipalID is the principalId a Lambda authorizer returned with an IAM
	// policy response.
	PrincipalID string
	// IAM is set by AWS_IAM authorization.
	IAM *IAMContext
}

// JWTContext is the verified token's claims (each rendered as a string) and
// scopes (nil when the token has no scope claim).
type JWTContext struct {
	Claims map[string]string
	Scopes []string
}

// IAMContext is the identity of a SigV4-signed caller.
type IAMContext struct {
	AccessKey      string
	AccountID      string
	CallerID       string
	PrincipalOrgID string
	UserARN        string
	UserID         string
}

// Record is what the request inspector keeps of a request beyond its Request
// and Outcome. The data plane sets Request.Record only while the inspector
// records; then the parts of the pipeline the data plane cannot see into fill
// their own fields: the data plane the authorizer's decision, a Lambda
// authorizer its cache hit, the integration what it sent and got back, the
// access log its line. Each writes before it returns to the data plane, and
// nothing reads a Record until the response is complete. Nil means nothing
// records: writers check for nil and do nothing else.
type Record struct {
	// AuthorizerDecision is "Allow", "Deny" or "Error", "" when no
	// authorizer ran.
	AuthorizerDecision string
	// AuthorizerCacheHit is true when a Lambda authorizer answered from its
	// result cache.
	AuthorizerCacheHit bool
	// Integration is what the integration exchanged with its target, nil
	// until it was called.
	Integration *IntegrationRecord
	// AccessLog is the stage's access log line for the request, without the
	// line break.
	AccessLog string
}

// IntegrationRecord is one integration call as the request inspector shows
// it. Bodies are the caller's to cut: an integration stores what it sent
// and got, sharing its own slices (they are never modified afterwards).
type IntegrationRecord struct {
	// Type is the integration type: AWS_PROXY (a Lambda function or an AWS
	// service) or HTTP_PROXY.
	Type string
	// Target is the function ARN, the backend URL, or the AWS service
	// integration's subtype (SQS-SendMessage...).
	Target string
	// Method and RequestHeader are the HTTP backend request's (HTTP_PROXY).
	Method        string
	RequestHeader http.Header
	// RequestHeaderFunc, when not nil, stands for RequestHeader: the
	// inspector calls it when the record is read, after the request, so
	// that recording does not build a header map per request. It must
	// only read.
	RequestHeaderFunc func() http.Header
	// RequestBody is the event sent to the function, or the service call's
	// parameters as JSON. An HTTP backend gets the client's body.
	RequestBody []byte
	// Status and ResponseHeader are the backend's (HTTP_PROXY) or the
	// service's answer.
	Status         int
	ResponseHeader http.Header
	// ResponseBody is what the function returned (its result document or
	// error document) or the service's answer. An HTTP backend's body is
	// the client's response body.
	ResponseBody []byte
	// FunctionError is the function's X-Amz-Function-Error ("Unhandled").
	FunctionError string
	// FunctionRequestID is the Lambda request id of the invocation, and
	// FunctionLog its log (Lambda's START, END and REPORT lines and the
	// function's output; the last 4 KB), when the function runtime
	// reports them.
	FunctionRequestID string
	FunctionLog       string
	// Error is why the call failed, "" when it answered.
	Error string
}
