// Package authz compiles the authorization of HTTP API routes
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html)
// into snapshot.Authorizer values, one per route: JWT authorizers (package
// jwt), Lambda REQUEST authorizers (package lambdaauth) and AWS_IAM
// authorization (package iam).
//
// Compile is called by the snapshot compiler for every route. Everything
// that can be checked is checked then, with errors naming the route and the
// authorizer; the returned Authorizer only extracts, verifies and decides.
// Long-lived state that must survive redeployments (JWT key sets, Lambda
// authorizer results, the IAM identities) lives in Deps and is shared by
// every compiled authorizer.
//
// Every authorizer fails closed: it returns an identity only when the request
// is positively allowed; any failure to evaluate (keys unreachable, function
// crashed, malformed answer) is an error answered 401, 403 or 500, as AWS
// answers the case. Tokens, signatures and secrets are never
// logged.
package authz

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/apigwdev/apigw/internal/dataplane/authz/iam"
	"github.com/apigwdev/apigw/internal/dataplane/authz/jwt"
	"github.com/apigwdev/apigw/internal/dataplane/authz/lambdaauth"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// Deps are the services and shared state compiled authorizers use. Create the
// caches once per gateway and pass the same Deps to every compilation, so that
// key sets and cached results survive redeployments.
type Deps struct {
	// HTTPClient fetches OIDC discovery documents and JWKS when KeySets is
	// nil (a key cache is then created per compiled authorizer). If nil, a
	// default client is used.
	HTTPClient *http.Client
	// KeySets caches JWT issuers' signing keys (jwt.NewCache). Recommended:
	// without it, each compiled route fetches keys on its own.
	KeySets *jwt.Cache
	// Results caches Lambda authorizer results (lambdaauth.NewCache).
	// Required for REQUEST authorizers with authorizerResultTtlInSeconds > 0;
	// ResetAuthorizersCache is Results.ResetStage.
	Results *lambdaauth.Cache
	// Functions invokes Lambda authorizer functions. Required for REQUEST
	// authorizers.
	Functions lambdacall.Caller
	// Identities are the callers of AWS_IAM routes (iam.NewStore). If nil,
	// every AWS_IAM request is refused.
	Identities *iam.Store
	// Region and AccountID are the gateway's; they are used in error
	// messages only (route ARNs are built from each request's region and
	// account).
	Region, AccountID string
	// Now returns the current time (token expiry, SigV4 skew, cache TTLs).
	// If nil, time.Now is used.
	Now func() time.Time
	// Logger receives the authorizers' debug records (reasons, key ids,
	// principal ids; never tokens or secrets). If nil, nothing is logged.
	Logger *slog.Logger

	// JWT selects the JWT authorizers' behaviours AWS's documentation leaves
	// open (docs/compatibility.md#authorizers); the zero value is the default.
	JWT jwt.Options
	// Lambda selects the Lambda authorizers' open behaviours (docs/compatibility.md#lambda-authorizers).
	Lambda lambdaauth.Options
	// IAM selects AWS_IAM authorization's open behaviours (docs/compatibility.md#iam).
	IAM iam.Options
}

// CompileError reports a route whose authorization cannot be served.
type CompileError struct {
	// RouteKey is the route's key ("" when there is no route).
	RouteKey string
	// AuthorizerID is the authorizer's id ("" when not applicable).
	AuthorizerID string
	// Err is what is wrong.
	Err error
}

// Error names the route and the authorizer.
func (e *CompileError) Error() string {
	s := "compiling authorization of route " + strconv.Quote(e.RouteKey)
	if e.AuthorizerID != "" {
		s += " (authorizer " + e.AuthorizerID + ")"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *CompileError) Unwrap() error { return e.Err }

// Compile returns the authorizer of route, whose authorizer resource (for JWT
// and CUSTOM routes) is a:
//
//   - NONE (or no authorization type): nil, nil — the route is open;
//   - JWT: a JWT authorizer (a.authorizerType JWT) with the route's
//     authorizationScopes;
//   - CUSTOM: a Lambda REQUEST authorizer (a.authorizerType REQUEST);
//   - AWS_IAM: CompileIAM (a must be nil).
//
// a must be the route's authorizer (same authorizerId when both have one).
// Errors are *CompileError values.
func Compile(a *model.Authorizer, route *model.Route, deps Deps) (snapshot.Authorizer, error) {
	if route == nil {
		return nil, &CompileError{Err: fmt.Errorf("no route")}
	}
	fail := func(err error) (snapshot.Authorizer, error) {
		ce := &CompileError{RouteKey: route.RouteKey, AuthorizerID: route.AuthorizerID, Err: err}
		if a != nil && a.AuthorizerID != "" {
			ce.AuthorizerID = a.AuthorizerID
		}
		return nil, ce
	}
	switch route.AuthorizationType {
	case "", model.AuthNone:
		return nil, nil
	case model.AuthIAM:
		if a != nil {
			return fail(fmt.Errorf("AWS_IAM routes take no authorizer"))
		}
		return CompileIAM(route, deps)
	case model.AuthJWT, model.AuthCustom:
	default:
		return fail(fmt.Errorf("unknown authorization type %q", route.AuthorizationType))
	}
	if a == nil {
		return fail(fmt.Errorf("authorization type %s requires an authorizer", route.AuthorizationType))
	}
	if route.AuthorizerID != "" && a.AuthorizerID != "" && route.AuthorizerID != a.AuthorizerID {
		return fail(fmt.Errorf("route names authorizer %s, not %s", route.AuthorizerID, a.AuthorizerID))
	}
	var (
		az  snapshot.Authorizer
		err error
	)
	if route.AuthorizationType == model.AuthJWT {
		az, err = compileJWT(a, route, deps)
	} else {
		az, err = compileLambda(a, deps)
	}
	if err != nil {
		return fail(err)
	}
	return az, nil
}

func compileJWT(a *model.Authorizer, route *model.Route, deps Deps) (snapshot.Authorizer, error) {
	if a.AuthorizerType != model.AuthorizerJWT {
		return nil, fmt.Errorf("authorization type JWT requires a JWT authorizer, not %s", a.AuthorizerType)
	}
	if len(a.IdentitySource) != 1 {
		return nil, fmt.Errorf("JWT authorizers have exactly one identity source, not %d", len(a.IdentitySource))
	}
	if a.JWTConfiguration == nil {
		return nil, fmt.Errorf("JWT authorizer has no jwtConfiguration")
	}
	keys := deps.KeySets
	if keys == nil {
		keys = jwt.NewCache(jwt.CacheOptions{Client: deps.HTTPClient, Now: deps.Now, Logger: deps.Logger})
	}
	return jwt.New(jwt.Config{
		Issuer:         a.JWTConfiguration.Issuer,
		Audience:       a.JWTConfiguration.Audience,
		IdentitySource: a.IdentitySource[0],
		Scopes:         route.AuthorizationScopes,
		Keys:           keys,
		Now:            deps.Now,
		Logger:         deps.Logger,
		Options:        deps.JWT,
	})
}

func compileLambda(a *model.Authorizer, deps Deps) (snapshot.Authorizer, error) {
	if a.AuthorizerType != model.AuthorizerRequest {
		return nil, fmt.Errorf("authorization type CUSTOM requires a REQUEST authorizer, not %s", a.AuthorizerType)
	}
	var ttl time.Duration
	if a.AuthorizerResultTTLInSeconds != nil {
		ttl = time.Duration(*a.AuthorizerResultTTLInSeconds) * time.Second
	}
	if ttl > 0 && deps.Results == nil {
		return nil, fmt.Errorf("authorizerResultTtlInSeconds is %d but the gateway has no authorizer result cache (Deps.Results)", ttl/time.Second)
	}
	if deps.Functions == nil {
		return nil, fmt.Errorf("the gateway has no Lambda function caller (Deps.Functions)")
	}
	return lambdaauth.New(lambdaauth.Config{
		AuthorizerID:          a.AuthorizerID,
		URI:                   a.AuthorizerURI,
		PayloadFormatVersion:  a.AuthorizerPayloadFormatVersion,
		EnableSimpleResponses: a.EnableSimpleResponses,
		IdentitySource:        a.IdentitySource,
		TTL:                   ttl,
		Functions:             deps.Functions,
		Cache:                 deps.Results,
		Now:                   deps.Now,
		Logger:                deps.Logger,
		Options:               deps.Lambda,
	})
}

// CompileIAM returns the authorizer of an AWS_IAM route (C): SigV4
// verification against deps.Identities and evaluation of the signer's policy
// on the request's route ARN. route's authorization type must be AWS_IAM.
func CompileIAM(route *model.Route, deps Deps) (snapshot.Authorizer, error) {
	if route == nil || route.AuthorizationType != model.AuthIAM {
		key := ""
		if route != nil {
			key = route.RouteKey
		}
		return nil, &CompileError{RouteKey: key, Err: fmt.Errorf("not an AWS_IAM route")}
	}
	if route.AuthorizerID != "" {
		return nil, &CompileError{RouteKey: route.RouteKey, AuthorizerID: route.AuthorizerID, Err: fmt.Errorf("AWS_IAM routes take no authorizer")}
	}
	return iam.New(iam.Config{Identities: deps.Identities, Now: deps.Now, Logger: deps.Logger, Options: deps.IAM}), nil
}
