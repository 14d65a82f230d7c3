package rapi

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Header names, content types and error types of the Runtime API, in one block
// (cf. aws-lambda-go lambda/runtime_api_client.go and RIE rapi/rendering).
const (
	headerRequestID          = "Lambda-Runtime-Aws-Request-Id"
	headerDeadlineMS         = "Lambda-Runtime-Deadline-Ms"
	headerInvokedFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID            = "Lambda-Runtime-Trace-Id"
	headerClientContext      = "Lambda-Runtime-Client-Context"
	headerCognitoIdentity    = "Lambda-Runtime-Cognito-Identity"
	headerTenantID           = "Lambda-Runtime-Aws-Tenant-Id"
	headerFunctionErrorType  = "Lambda-Runtime-Function-Error-Type"
	headerFunctionErrorBody  = "Lambda-Runtime-Function-Error-Body"
	headerResponseMode       = "Lambda-Runtime-Function-Response-Mode"
	headerExtensionName      = "Lambda-Extension-Name"
	headerExtensionID        = "Lambda-Extension-Identifier"
	headerExtensionEventID   = "Lambda-Extension-Event-Identifier"
	headerContentType        = "Content-Type"

	contentTypeJSON       = "application/json"
	contentTypeErrorCause = "application/vnd.aws.lambda.error.cause+json"

	responseModeStreaming = "streaming"

	errorTypeInvalidStateTransition      = "InvalidStateTransition"
	errorTypeInvalidRequestID            = "InvalidRequestID"
	errorTypeRequestEntityTooLarge       = "RequestEntityTooLarge"
	errorTypeTruncatedHTTPRequest        = "TruncatedHTTPRequest"
	errorTypeInvalidFunctionResponseMode = "InvalidFunctionResponseMode"
	errorTypeInternalServerError         = "InternalServerError"
	errorTypeInvalidRequestFormat        = "InvalidRequestFormat"
	errorTypeExtensionName               = "Extension.InvalidExtensionName"
	errorTypeExtensionRegistrationClosed = "Extension.RegistrationClosed"
	errorTypeExtensionMissingID          = "Extension.MissingExtensionIdentifier"
	errorTypeExtensionUnknownID          = "Extension.UnknownExtensionIdentifier"
)

// MaxPayloadSize is the largest body, in bytes, a runtime may post to
// /response or /error: 6 MiB + 100 bytes = 6,291,556, the RIE's
// interop.MaxPayloadSize. Larger bodies are answered 413 RequestEntityTooLarge
// and reach the invoker as a Function.ResponseSizeTooLarge error.
const MaxPayloadSize = 6*1024*1024 + 100

// errorResponse is the RIE's model.ErrorResponse: the body of every error the
// Runtime API answers, and of the platform errors handed to invokers.
type errorResponse struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// statusResponse is the RIE's model.StatusResponse ({"status":"OK"}).
type statusResponse struct {
	Status string `json:"status"`
}

// apiError is an error the Runtime API answers with: HTTP status, errorType
// and a message for the runtime. Handlers return it and renderError is the one
// place it becomes a response (STYLE habit 5).
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message) }

func errInvalidRequestID() *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: errorTypeInvalidRequestID, Message: "Invalid request ID"}
}

func errTooLarge() *apiError {
	return &apiError{
		Status:  http.StatusRequestEntityTooLarge,
		Type:    errorTypeRequestEntityTooLarge,
		Message: fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", MaxPayloadSize),
	}
}

func errTruncated() *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: errorTypeTruncatedHTTPRequest, Message: "HTTP request detected as truncated"}
}

func errInvalidResponseMode() *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: errorTypeInvalidFunctionResponseMode, Message: "Invalid function response mode"}
}

func errInternal() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Type: errorTypeInternalServerError, Message: "Internal Server Error"}
}

func errForbidden(errorType, message string) *apiError {
	return &apiError{Status: http.StatusForbidden, Type: errorType, Message: message}
}

// errTransition renders a denied state transition as the RIE does: 403
// InvalidStateTransition with "State transition from X to Y failed for
// runtime. Error: State transition is not allowed".
func errTransition(err error) *apiError {
	return errForbidden(errorTypeInvalidStateTransition, err.Error())
}

// renderError writes e as the RIE does: the status and a JSON
// {"errorMessage","errorType"} body.
func renderError(w http.ResponseWriter, e *apiError) {
	renderJSON(w, e.Status, errorResponse{ErrorMessage: e.Message, ErrorType: e.Type})
}

// renderAccepted writes 202 {"status":"OK"}, the only answer aws-lambda-go
// accepts to /response and /error.
func renderAccepted(w http.ResponseWriter) {
	renderJSON(w, http.StatusAccepted, statusResponse{Status: "OK"})
}

// renderJSON writes v as JSON with a trailing newline, as the RIE's RenderJSON
// (json.Encoder) does.
func renderJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set(headerContentType, contentTypeJSON)
	w.WriteHeader(status)
	// The values rendered here are plain structs of strings: encoding cannot
	// fail, and a write error means the runtime hung up, which the supervisor
	// sees as a process exit or a timeout.
	_ = json.NewEncoder(w).Encode(v)
}

// platformError marshals a Lambda error payload {"errorMessage","errorType"}.
func platformError(errorType, message string) []byte {
	b, _ := json.Marshal(errorResponse{ErrorMessage: message, ErrorType: errorType}) // strings only: cannot fail
	return b
}
