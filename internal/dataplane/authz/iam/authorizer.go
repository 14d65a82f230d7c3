package iam

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
)

// Options are the choices of AWS_IAM authorization where AWS's documentation
// is undocumented by AWS (our choice: docs/compatibility.md#iam) (docs/compatibility.md#authorizers). The zero value is the
// default behaviour.
type Options struct {
	// RefuseUnsignedPayload refuses X-Amz-Content-Sha256: UNSIGNED-PAYLOAD
	// (accepted by default when signed).
	RefuseUnsignedPayload bool
	// RefusePresigned refuses presigned (query-string) requests (accepted by
	// default).
	RefusePresigned bool
	// AllowCrossAccount lets identities of another account than the API's
	// call it when their policy allows. By default they are denied, as HTTP
	// APIs have no resource policies to grant other accounts access (
	// undocumented by AWS, our choice: docs/compatibility.md#iam).
	AllowCrossAccount bool
}

// Config configures an Authorizer.
type Config struct {
	// Identities are the callers that may sign requests. If nil, every
	// signed request is refused.
	Identities *Store
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives one debug record per refusal, with the access key id
	// and the reason, never a signature, secret or token. If nil, nothing is
	// logged.
	Logger *slog.Logger
	// Options select behaviours AWS's documentation leaves open.
	Options Options
}

// Authorizer authorizes requests to AWS_IAM routes (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html
// C): it verifies the SigV4 signature, then evaluates the signer's identity
// policy for execute-api:Invoke on the request's route ARN. It implements
// snapshot.Authorizer and is safe for concurrent use.
type Authorizer struct {
	verifier          Verifier
	allowCrossAccount bool
	log               *slog.Logger
}

// New returns an Authorizer for cfg.
func New(cfg Config) *Authorizer {
	a := &Authorizer{
		verifier: Verifier{
			Store:                 cfg.Identities,
			Now:                   cfg.Now,
			RefuseUnsignedPayload: cfg.Options.RefuseUnsignedPayload,
			RefusePresigned:       cfg.Options.RefusePresigned,
		},
		allowCrossAccount: cfg.Options.AllowCrossAccount,
		log:               cfg.Logger,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.log = a.log.With("authorizer", "AWS_IAM")
	return a
}

// Authorize verifies the signature and evaluates the identity's policy for
// one request:
//
//  1. Verifier.Verify authenticates the request (reading the body for the
//     payload hash, and putting it back for the integration).
//  2. An identity of another account than the API's is denied unless
//     Options.AllowCrossAccount.
//  3. The identity's policy must allow execute-api:Invoke on every ARN of
//     RouteARNs for the request; an explicit Deny or no Allow is refused.
//
// Every refusal is 403 with an x-amzn-ErrorType header naming the
// AuthError's type and AWS's message for it (see forbidden); the cause is
// the *AuthError. A body that cannot be read is returned as its error (413
// when it exceeded the payload limit, else 500).
func (a *Authorizer) Authorize(ctx context.Context, req *invoke.Request) (*invoke.AuthorizerContext, error) {
	r := req.HTTP
	if r == nil {
		return nil, gwerr.Newf(gwerr.InternalServerError, "AWS_IAM authorizer: request has no HTTP request")
	}
	id, err := a.verifier.Verify(r, req.Region, func() ([]byte, error) { return bufferBody(r) })
	if err != nil {
		var ae *AuthError
		if errors.As(err, &ae) {
			a.log.DebugContext(ctx, "request refused", "requestId", req.RequestID, "type", ae.Type, "reason", ae.Message)
			return nil, forbidden(ae)
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, gwerr.New(gwerr.RequestEntityTooLarge, err)
		}
		return nil, err
	}
	if id.AccountID != req.AccountID && !a.allowCrossAccount {
		ae := &AuthError{Type: AccessDenied, Message: fmt.Sprintf(
			"User: %s is not authorized to perform: %s: the API belongs to another account (%s), and HTTP APIs have no resource policies",
			id.ARN, InvokeAction, req.AccountID)}
		a.log.DebugContext(ctx, "request refused", "requestId", req.RequestID, "accessKeyId", id.AccessKeyID, "reason", ae.Message)
		return nil, forbidden(ae)
	}
	arns := RouteARNs(req.Region, req.AccountID, req.APIID, req.Stage, r.Method, req.Path)
	if d := id.Policy.Evaluate(InvokeAction, arns...); d != Allow {
		msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", id.ARN, InvokeAction, arns[0])
		if d == ExplicitDeny {
			msg += " with an explicit deny"
		}
		ae := &AuthError{Type: AccessDenied, Message: msg}
		a.log.DebugContext(ctx, "request refused", "requestId", req.RequestID, "accessKeyId", id.AccessKeyID, "decision", d.String())
		return nil, forbidden(ae)
	}
	return &invoke.AuthorizerContext{IAM: &invoke.IAMContext{
		AccessKey: id.AccessKeyID,
		AccountID: id.AccountID,
		CallerID:  id.UserID,
		UserARN:   id.ARN,
		UserID:    id.UserID,
	}}, nil
}

// ErrorTypeHeader is the response header naming the kind of refusal.
const ErrorTypeHeader = "X-Amzn-Errortype"

// forbidden is the 403 of a refusal. Its body carries AWS's message for the
// signature's problem ("Signature expired: ..." was observed against
// execute-api); a request without any signature, and an identity whose policy
// does not allow the call, get {"message":"Forbidden"}, as observed on HTTP
// APIs.
func forbidden(ae *AuthError) *gwerr.Error {
	e := gwerr.New(gwerr.Forbidden, ae)
	e.Header = http.Header{ErrorTypeHeader: {ae.Type}}
	if ae.Type != AccessDenied && ae.Message != msgMissingToken {
		e.Message = ae.Message
	}
	return e
}

// bufferBody reads the whole request body and puts an identical one back for
// the integration.
func bufferBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the request body for its payload hash: %w", err)
	}
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}
