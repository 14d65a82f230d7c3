// Package awserr is the one error type of the apigatewayv2 management API
// and its one renderer.
//
// Handlers return errors; Write turns any error into the response AWS
// sends (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html), which the AWS SDKs deserialize into their
// typed exceptions:
//
//	HTTP/1.1 404 Not Found
//	Content-Type: application/json
//	x-amzn-RequestId: 1f6c0a3e-...
//	x-amzn-ErrorType: NotFoundException
//
//	{"message":"Invalid API identifier specified 000000000000:abcde12345"}
//
// The Go SDK takes the error code from the x-amzn-ErrorType header and the
// members from the body's exact keys (message, resourceType, limitType);
// botocore reads the same header and message. An *Error's Message goes to
// the client; its Cause never does (it is for the log). A
// model.ValidationError becomes a BadRequestException carrying its Message
// (ConflictException when it is flagged Conflict); any other error is a 500
// with a generic message.
package awserr

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/apigwdev/apigw/internal/model"
)

// Error types (x-amzn-ErrorType values) of the apigatewayv2 model.
const (
	TypeBadRequest      = "BadRequestException"
	TypeNotFound        = "NotFoundException"
	TypeConflict        = "ConflictException"
	TypeTooManyRequests = "TooManyRequestsException"
	TypeAccessDenied    = "AccessDeniedException"
	// TypeServiceUnavailable is answered when the store cannot be reached
	// (a cluster node cut off from etcd); SDKs retry it.
	TypeServiceUnavailable = "ServiceUnavailableException"
	// TypeInternal is sent with 500 answers. It is not modeled, so SDKs
	// report it as a generic API error (and retry the 500).
	TypeInternal = "InternalServerErrorException"
)

// Header names of the protocol.
const (
	HeaderErrorType = "x-amzn-ErrorType"
	HeaderRequestID = "x-amzn-RequestId"
)

// Error is a management API error: what the client sees (Type, Message,
// Status and the optional modeled members) and what only the log sees
// (Cause).
type Error struct {
	// Type is the exception name sent as x-amzn-ErrorType, e.g.
	// NotFoundException.
	Type string
	// Message is the client-visible "message" member.
	Message string
	// Status is the HTTP status code.
	Status int
	// ResourceType is NotFoundException's optional "resourceType" member.
	ResourceType string
	// LimitType is TooManyRequestsException's optional "limitType" member.
	LimitType string
	// Cause is the internal error behind this one, for the log; it is never
	// sent.
	Cause error
}

// Error returns "Type: Message", followed by the cause when there is one.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Type, e.Message, e.Cause)
	}
	return e.Type + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// BadRequest is a 400 BadRequestException.
func BadRequest(format string, args ...any) *Error {
	return &Error{Type: TypeBadRequest, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// NotFound is a 404 NotFoundException; resourceType may be empty.
func NotFound(resourceType, format string, args ...any) *Error {
	return &Error{Type: TypeNotFound, Status: http.StatusNotFound, ResourceType: resourceType, Message: fmt.Sprintf(format, args...)}
}

// Conflict is a 409 ConflictException.
func Conflict(format string, args ...any) *Error {
	return &Error{Type: TypeConflict, Status: http.StatusConflict, Message: fmt.Sprintf(format, args...)}
}

// TooManyRequests is a 429 TooManyRequestsException; limitType may be
// empty. SDKs retry it with backoff.
func TooManyRequests(limitType, format string, args ...any) *Error {
	return &Error{Type: TypeTooManyRequests, Status: http.StatusTooManyRequests, LimitType: limitType, Message: fmt.Sprintf(format, args...)}
}

// AccessDenied is a 403 AccessDeniedException.
func AccessDenied(format string, args ...any) *Error {
	return &Error{Type: TypeAccessDenied, Status: http.StatusForbidden, Message: fmt.Sprintf(format, args...)}
}

// ServiceUnavailable is a 503 ServiceUnavailableException.
func ServiceUnavailable(format string, args ...any) *Error {
	return &Error{Type: TypeServiceUnavailable, Status: http.StatusServiceUnavailable, Message: fmt.Sprintf(format, args...)}
}

// Internal is a 500 whose client message is generic; cause goes to the log.
func Internal(cause error) *Error {
	return &Error{Type: TypeInternal, Status: http.StatusInternalServerError, Message: "Internal server error", Cause: cause}
}

// From converts err to an *Error: an *Error in err's chain is returned as
// is; model validation errors become BadRequestException with the first
// problem's message (ConflictException when any problem is a conflict);
// anything else is Internal(err).
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if list := model.AsValidationErrors(err); len(list) > 0 {
		for _, v := range list {
			if v.Conflict {
				return &Error{Type: TypeConflict, Status: http.StatusConflict, Message: v.Message, Cause: err}
			}
		}
		return &Error{Type: TypeBadRequest, Status: http.StatusBadRequest, Message: list[0].Message, Cause: err}
	}
	return Internal(err)
}

// body is the JSON error document; empty members are left out.
type body struct {
	Message      string `json:"message"`
	ResourceType string `json:"resourceType,omitempty"`
	LimitType    string `json:"limitType,omitempty"`
}

// Write renders err (converted with From) as AWS does: the status, headers
// Content-Type application/json and x-amzn-ErrorType, and the JSON body. It
// sets x-amzn-RequestId unless the response already has one (see
// SetRequestID). It returns the *Error written, so the caller can log its
// cause.
func Write(w http.ResponseWriter, err error) *Error {
	e := From(err)
	h := w.Header()
	if h.Get(HeaderRequestID) == "" {
		SetRequestID(w)
	}
	h.Set("Content-Type", "application/json")
	h.Set(HeaderErrorType, e.Type)
	b, _ := json.Marshal(body{Message: e.Message, ResourceType: e.ResourceType, LimitType: e.LimitType})
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
	return e
}

// SetRequestID sets a new x-amzn-RequestId (a random UUID) on the response
// and returns it.
func SetRequestID(w http.ResponseWriter) string {
	id := NewRequestID()
	w.Header().Set(HeaderRequestID, id)
	return id
}

// NewRequestID returns a random version 4 UUID, the form of AWS's request
// ids.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
