package iam

import (
	"fmt"
	"time"
)

// The x-amzn-ErrorType values of refused requests (docs/compatibility.md#iam).
const (
	// IncompleteSignature: the request carries no signature, or an
	// Authorization header or presigned query that is missing parts or
	// malformed.
	IncompleteSignature = "IncompleteSignatureException"
	// InvalidSignature: the signature does not match, or its scope or time
	// is wrong.
	InvalidSignature = "InvalidSignatureException"
	// UnrecognizedClient: the access key id or the session token is not
	// known.
	UnrecognizedClient = "UnrecognizedClientException"
	// AccessDenied: a valid signature from an identity whose policy does not
	// allow execute-api:Invoke on the route's ARN.
	AccessDenied = "AccessDeniedException"
)

// AuthError is why a request to an AWS_IAM route was refused: the
// x-amzn-ErrorType (Type) and the message AWS gives for it. The message
// never contains a signature, a secret or a session token; where AWS quotes
// the Authorization header, it is redacted.
//
// Every AuthError is answered 403, with Message as the body's message
// except for a missing signature and a denying policy, which get the data
// plane's {"message":"Forbidden"}; Message is also logged and available as
// $context.authorizer.error.
type AuthError struct {
	// Type is the x-amzn-ErrorType: IncompleteSignature, InvalidSignature,
	// UnrecognizedClient or AccessDenied.
	Type string
	// Message is AWS's message for the case, secrets redacted.
	Message string
}

// Error returns the type and the message.
func (e *AuthError) Error() string { return e.Type + ": " + e.Message }

func incomplete(format string, args ...any) *AuthError {
	return &AuthError{Type: IncompleteSignature, Message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *AuthError {
	return &AuthError{Type: InvalidSignature, Message: fmt.Sprintf(format, args...)}
}

// Messages of the refusals, in AWS's wording where it is known.
const (
	msgMissingToken = "Missing Authentication Token"
	msgMismatch     = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgBadToken = "The security token included in the request is invalid."
	msgRedacted = "<redacted>"
)

// errUnrecognized is the answer for an unknown access key id or a wrong,
// missing or unexpected session token.
func errUnrecognized() *AuthError {
	return &AuthError{Type: UnrecognizedClient, Message: msgBadToken}
}

// amzFormat formats a time as X-Amz-Date does: 20201027T123008Z.
func amzFormat(t time.Time) string { return t.UTC().Format(amzDateLayout) }

// errExpired is the "timestamp too old" answer.
func errExpired(req, now time.Time) *AuthError {
	return invalid("Signature expired: %s is now earlier than %s (%s - 5 min.)",
		amzFormat(req), amzFormat(now.Add(-MaxSkew)), amzFormat(now))
}

// errNotYetCurrent is the "timestamp too new" answer.
func errNotYetCurrent(req, now time.Time) *AuthError {
	return invalid("Signature not yet current: %s is still later than %s (%s + 5 min.)",
		amzFormat(req), amzFormat(now.Add(MaxSkew)), amzFormat(now))
}
