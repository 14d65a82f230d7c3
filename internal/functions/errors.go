package functions

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// Sentinel errors returned by Manager.Invoke, wrapped with the function's
// name; match them with errors.Is. A failure of the function itself (error,
// panic, crash, timeout, init failure) is never an error: it is a Result with
// FunctionError "Unhandled".
var (
	// ErrFunctionNotFound: no function of that name is configured (Lambda's
	// ResourceNotFoundException).
	ErrFunctionNotFound = errors.New("function not found")
	// ErrThrottled: every instance the function may run was busy for longer
	// than Options.QueueTimeout, or a remote endpoint answered
	// TooManyRequestsException.
	ErrThrottled = errors.New("rate exceeded")
	// ErrPayloadTooLarge: the payload is larger than MaxPayloadSize (Lambda's
	// RequestTooLargeException).
	ErrPayloadTooLarge = errors.New("request payload too large")
	// ErrInvalidRequestContent: Invocation.ClientContext is not base64 of a
	// JSON object (Lambda's InvalidRequestContentException).
	ErrInvalidRequestContent = errors.New("invalid request content")
	// ErrClosed: the Manager was closed.
	ErrClosed = errors.New("function manager closed")
)

// FunctionErrorUnhandled is Result.FunctionError for a failed invocation, the
// value of Lambda's X-Amz-Function-Error header.
const FunctionErrorUnhandled = "Unhandled"

// lambdaError is the payload of a platform-made function error.
type lambdaError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType,omitempty"`
}

func marshalError(errorType, message string) []byte {
	b, _ := json.Marshal(lambdaError{ErrorMessage: message, ErrorType: errorType}) // strings only: cannot fail
	return b
}

// Error types of platform-made function errors, as Lambda and the RIE name
// them (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
const (
	errorTypeTimeout            = "Sandbox.Timedout"
	errorTypeExit               = "Runtime.ExitError"
	errorTypeInvalidEntrypoint  = "Runtime.InvalidEntrypoint"
	lambdaTimestampLayout       = "2006-01-02T15:04:05.000Z"
	timeoutMessageSecondsFormat = "%.2f"
)

// timeoutPayload is the payload of a timed-out invocation in the format
// Lambda has long returned:
// {"errorMessage":"2019-05-03T13:19:29.962Z {requestId} Task timed out after 3.00 seconds"}.
// (Newer Lambda runtimes answer {"errorType":"Sandbox.Timedout","errorMessage":
// "RequestId: {id} Error: Task timed out after 3.00 seconds"}; which one
// Lambda uses today is undocumented, our choice: docs/compatibility.md#local-functions.)
func timeoutPayload(requestID string, timeout time.Duration, at time.Time) []byte {
	msg := fmt.Sprintf("%s %s Task timed out after "+timeoutMessageSecondsFormat+" seconds",
		at.UTC().Format(lambdaTimestampLayout), requestID, timeout.Seconds())
	return marshalError("", msg)
}

// exitPayload is the payload of an invocation whose runtime process exited
// without answering: Runtime.ExitError with the runtime interface emulator's message.
func exitPayload(requestID string, waitErr error) []byte {
	reason := "Runtime exited without providing a reason"
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		reason = "Runtime exited with error: " + ee.Error() // "exit status 3", "signal: killed"
	} else if waitErr != nil {
		reason = "Runtime exited with error: " + waitErr.Error()
	}
	return marshalError(errorTypeExit, "RequestId: "+requestID+" Error: "+reason)
}

// exitCodePayload is exitPayload for a runtime that exited with code before
// it could be started (an exec wrapper that does not exist or cannot run).
func exitCodePayload(requestID string, code int) []byte {
	return marshalError(errorTypeExit, fmt.Sprintf("RequestId: %s Error: Runtime exited with error: exit status %d", requestID, code))
}

// entrypointPayload is the payload of an invocation whose instance could not
// be started (the command is missing or not executable, or its build
// failed): Runtime.InvalidEntrypoint, as Lambda reports a missing bootstrap.
func entrypointPayload(requestID string, err error) []byte {
	return marshalError(errorTypeInvalidEntrypoint, "RequestId: "+requestID+" Error: "+err.Error())
}

// newRequestID returns a random version 4 UUID, the form of Lambda request
// ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
