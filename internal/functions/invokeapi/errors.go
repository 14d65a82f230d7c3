package invokeapi

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an Invoke API error: the status, the exception name sent in
// x-amzn-ErrorType, and the client-safe message. Cause is logged, never sent.
// Handlers return it; render is the one place it is written (STYLE habit 5).
type apiError struct {
	Status int
	Code   string
	// Message is sent under MessageKey: the exception shape's member name,
	// which the SDK matches exactly ("Message" or "message").
	Message    string
	MessageKey string
	// Reason is TooManyRequestsException's Reason member.
	Reason string
	// RetryAfter is sent as Retry-After (seconds) when not empty.
	RetryAfter string
	Cause      error
}

func (e *apiError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

func (e *apiError) Unwrap() error { return e.Cause }

// The exceptions this API answers with, shaped as in the Lambda model
// (botocore lambda/2015-03-31/service-2.json).

func errNotFound(arn string, cause error) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "ResourceNotFoundException", MessageKey: "Message",
		Message: "Function not found: " + arn, Cause: cause}
}

func errThrottled(cause error) *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Code: "TooManyRequestsException", MessageKey: "message",
		Message: "Rate Exceeded.", Reason: "ReservedFunctionConcurrentInvocationLimitExceeded", RetryAfter: "1", Cause: cause}
}

// errTooLarge is RequestTooLargeException with Lambda's message, which
// quotes 6291456 bytes (6 MiB) for synchronous invocations even though the
// enforced limit is 6291556 (undocumented by AWS for asynchronous ones, our choice: docs/compatibility.md#local-functions).
func errTooLarge(operation string, cause error) *apiError {
	limit := 6291456
	if operation == "InvokeAsync" {
		limit = MaxAsyncPayload
	}
	return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "RequestTooLargeException", MessageKey: "message",
		Message: fmt.Sprintf("Request must be smaller than %d bytes for the %s operation", limit, operation), Cause: cause}
}

func errInvalidContent(message string, cause error) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "InvalidRequestContentException", MessageKey: "message",
		Message: message, Cause: cause}
}

func errInvalidParameter(message string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterValueException", MessageKey: "message", Message: message}
}

func errValidation(message string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "ValidationException", MessageKey: "message", Message: message}
}

func errService(cause error) *apiError {
	return &apiError{Status: http.StatusInternalServerError, Code: "ServiceException", MessageKey: "Message",
		Message: "An internal error occurred while invoking the function.", Cause: cause}
}

func errUnknownOperation() *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "UnknownOperationException", MessageKey: "Message",
		Message: "Unknown operation"}
}

// render writes e: x-amzn-ErrorType, x-amzn-RequestId, Retry-After and a JSON
// body {"Type": "User"|"Service", <MessageKey>: Message, "Reason"?}.
func render(w http.ResponseWriter, requestID string, e *apiError) {
	body := map[string]string{"Type": "User", e.MessageKey: e.Message}
	if e.Status >= 500 {
		body["Type"] = "Service"
	}
	if e.Reason != "" {
		body["Reason"] = e.Reason
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Errortype", e.Code)
	h.Set("X-Amzn-Requestid", requestID)
	if e.RetryAfter != "" {
		h.Set("Retry-After", e.RetryAfter)
	}
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(body) // strings only; a write error means the client left
}
