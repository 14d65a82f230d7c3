package inspector

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apigwdev/apigw/internal/invoke"
)

// Summary is an entry of GET /_inspector/api/requests.
type Summary struct {
	// Seq orders entries: the newest has the highest (?after= takes it).
	Seq       uint64    `json:"seq"`
	RequestID string    `json:"requestId"`
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	// Path is the request path as received, without the query string.
	Path     string `json:"path"`
	Status   int    `json:"status"`
	RouteKey string `json:"routeKey"`
	APIID    string `json:"apiId"`
	Stage    string `json:"stage"`
	// LatencyMs is from arrival to the end of the response, in ms.
	LatencyMs float64 `json:"latencyMs"`
	// IntegrationLatencyMs is the integration's duration, null when it was
	// not called or did not answer.
	IntegrationLatencyMs *float64          `json:"integrationLatencyMs"`
	Authorizer           AuthorizerSummary `json:"authorizer"`
	// Throttled is true when a throttle refused the request.
	Throttled bool `json:"throttled"`
	// IntegrationType is AWS_PROXY or HTTP_PROXY, "" when none was called.
	IntegrationType string `json:"integrationType,omitempty"`
}

// AuthorizerSummary is the route's authorizer and what it decided.
type AuthorizerSummary struct {
	// Type is the route's authorization type (NONE, JWT, CUSTOM, AWS_IAM),
	// "" when no route matched.
	Type string `json:"type"`
	// Decision is Allow, Deny or Error, "" when no authorizer ran.
	Decision string `json:"decision"`
	// CacheHit is true when a Lambda authorizer's cached result decided.
	CacheHit bool `json:"cacheHit"`
}

// Detail is GET /_inspector/api/requests/{requestId}: the summary and
// everything else recorded.
type Detail struct {
	Summary
	Authorizer AuthorizerDetail `json:"authorizer"`
	Request    Message          `json:"request"`
	Response   Message          `json:"response"`
	// Integration is what was sent to the function, backend or service
	// and what came back; nil when no integration was called.
	Integration *Integration `json:"integration,omitempty"`
	// AccessLog is the stage's access log line, "" without access logging.
	AccessLog string `json:"accessLog,omitempty"`
	// Error is the gateway's own answer ($context.error.*), when it made
	// one.
	Error *GatewayError `json:"error,omitempty"`
	// BodiesDropped is true when the bodies were dropped to keep the
	// recorder within its memory budget.
	BodiesDropped bool `json:"bodiesDropped,omitempty"`
}

// AuthorizerDetail adds to the summary what the authorizer established.
type AuthorizerDetail struct {
	AuthorizerSummary
	// Claims and Scopes are a JWT authorizer's.
	Claims map[string]string `json:"claims,omitempty"`
	Scopes []string          `json:"scopes,omitempty"`
	// Context and PrincipalID are a Lambda authorizer's.
	Context     map[string]any `json:"context,omitempty"`
	PrincipalID string         `json:"principalId,omitempty"`
	// IAM is the SigV4 caller of an AWS_IAM route.
	IAM *invoke.IAMContext `json:"iam,omitempty"`
	// Error is $context.authorizer.error.
	Error string `json:"error,omitempty"`
}

// Message is a request or response with its headers and body.
type Message struct {
	Method   string              `json:"method,omitempty"`
	URL      string              `json:"url,omitempty"`
	Host     string              `json:"host,omitempty"`
	Proto    string              `json:"proto,omitempty"`
	SourceIP string              `json:"sourceIp,omitempty"`
	Status   int                 `json:"status,omitempty"`
	Headers  map[string][]string `json:"headers"`
	Body
}

// Body is a recorded body: text, or base64 when it is not UTF-8.
type Body struct {
	Body string `json:"body"`
	// BodyEncoding is "base64" when Body is base64, "" for text.
	BodyEncoding string `json:"bodyEncoding,omitempty"`
	// BodyBytes is the whole body's length; BodyTruncated is true when
	// Body holds only its first MaxBodyBytes.
	BodyBytes     int64 `json:"bodyBytes"`
	BodyTruncated bool  `json:"bodyTruncated,omitempty"`
}

// Integration is an integration call.
type Integration struct {
	Type   string `json:"type"`
	Target string `json:"target"`
	// Request is the event sent to the function, the request sent to the
	// HTTP backend (whose body is the client's), or the service call's
	// parameters.
	Request Message `json:"request"`
	// Response is what came back.
	Response          Message `json:"response"`
	FunctionError     string  `json:"functionError,omitempty"`
	FunctionRequestID string  `json:"functionRequestId,omitempty"`
	// FunctionLog is the function's log for this request (the last 4 KB:
	// START, the function's output, END and REPORT).
	FunctionLog string `json:"functionLog,omitempty"`
	Error       string `json:"error,omitempty"`
}

// GatewayError is an answer the gateway generated.
type GatewayError struct {
	Message      string `json:"message"`
	ResponseType string `json:"responseType,omitempty"`
	// IntegrationError is $context.integrationErrorMessage.
	IntegrationError string `json:"integrationError,omitempty"`
}

// requestHeader is the header an integration sent.
func requestHeader(ir *invoke.IntegrationRecord) http.Header {
	if ir.RequestHeaderFunc != nil {
		return ir.RequestHeaderFunc()
	}
	return ir.RequestHeader
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// summary renders e's summary.
func (e *entry) summary(m *masker) Summary {
	path, _, _ := strings.Cut(e.requestURI, "?")
	s := Summary{
		Seq:       e.seq,
		RequestID: e.id,
		Time:      e.start.UTC(),
		Method:    e.method,
		Path:      m.text(path),
		Status:    e.status,
		RouteKey:  e.routeKey,
		APIID:     e.apiID,
		Stage:     e.stage,
		LatencyMs: ms(e.out.Latency),
		Authorizer: AuthorizerSummary{
			Type:     e.authType,
			Decision: e.rec.AuthorizerDecision,
			CacheHit: e.rec.AuthorizerCacheHit,
		},
		Throttled: e.out.Throttled,
	}
	if e.out.IntegrationLatency >= 0 {
		l := ms(e.out.IntegrationLatency)
		s.IntegrationLatencyMs = &l
	}
	if ir := e.rec.Integration; ir != nil {
		s.IntegrationType = ir.Type
	}
	return s
}

// detail renders everything recorded of e.
func (e *entry) detail(m *masker) *Detail {
	d := &Detail{Summary: e.summary(m), BodiesDropped: e.stripped}
	d.Authorizer = AuthorizerDetail{AuthorizerSummary: d.Summary.Authorizer, Error: m.text(e.out.AuthorizerError)}
	if a := e.authorizer; a != nil {
		if a.JWT != nil {
			d.Authorizer.Claims, d.Authorizer.Scopes = a.JWT.Claims, a.JWT.Scopes
		}
		d.Authorizer.Context, d.Authorizer.PrincipalID, d.Authorizer.IAM = a.Lambda, a.PrincipalID, a.IAM
	}
	d.Request = Message{
		Method: e.method, URL: m.text(e.requestURI), Host: e.host, Proto: e.proto, SourceIP: sourceIP(e.remoteAddr),
		Headers: m.header(e.reqHeader), Body: body(m, e.reqBody.buf, e.reqBody.total),
	}
	d.Response = Message{Status: e.status, Headers: m.header(e.respHeader), Body: body(m, e.respBody.buf, e.respBody.total)}
	if ir := e.rec.Integration; ir != nil {
		d.Integration = &Integration{
			Type:   ir.Type,
			Target: m.text(ir.Target),
			Request: Message{Method: ir.Method, URL: m.text(ir.Target), Headers: m.header(requestHeader(ir)),
				Body: body(m, ir.RequestBody, int64(len(ir.RequestBody)))},
			Response: Message{Status: ir.Status, Headers: m.header(ir.ResponseHeader),
				Body: body(m, ir.ResponseBody, int64(len(ir.ResponseBody)))},
			FunctionError:     ir.FunctionError,
			FunctionRequestID: ir.FunctionRequestID,
			FunctionLog:       m.text(ir.FunctionLog),
			Error:             m.text(ir.Error),
		}
		if ir.Type == "HTTP_PROXY" {
			// The backend got the client's body and sent the client's.
			d.Integration.Request.Body = d.Request.Body
			d.Integration.Response.Body = d.Response.Body
		}
	}
	d.AccessLog = m.text(e.rec.AccessLog)
	if e.out.ErrorMessage != "" || e.out.IntegrationError != "" {
		d.Error = &GatewayError{Message: e.out.ErrorMessage, ResponseType: e.out.ErrorResponseType,
			IntegrationError: m.text(e.out.IntegrationError)}
	}
	return d
}

// body renders the first MaxBodyBytes of b, masked.
func body(m *masker, b []byte, total int64) Body {
	if len(b) > MaxBodyBytes {
		b = b[:MaxBodyBytes]
	}
	out := Body{BodyBytes: total, BodyTruncated: total > int64(len(b))}
	if utf8.Valid(b) {
		out.Body = m.text(string(b))
		return out
	}
	// A body cut inside a UTF-8 sequence is still text.
	if out.BodyTruncated {
		for cut := 1; cut < utf8.UTFMax && cut < len(b); cut++ {
			if utf8.Valid(b[:len(b)-cut]) {
				out.Body = m.text(string(b[:len(b)-cut]))
				return out
			}
		}
	}
	out.BodyEncoding = "base64"
	out.Body = m.text(base64.StdEncoding.EncodeToString(b))
	return out
}

func sourceIP(remote string) string {
	if i := strings.LastIndexByte(remote, ':'); i > 0 {
		return strings.Trim(remote[:i], "[]")
	}
	return remote
}
