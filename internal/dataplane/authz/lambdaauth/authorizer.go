package lambdaauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/dataplane/authz/iam"
	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
)

// DefaultTimeout is how long the gateway waits for an authorizer: the "Lambda
// authorizer response timeout" quota, 10000 ms.
const DefaultTimeout = 10 * time.Second

// MaxTTL is the largest authorizerResultTtlInSeconds.
const MaxTTL = 3600 * time.Second

// Options are the choices of Lambda authorizers where AWS's documentation is
// undocumented by AWS, our choice: docs/compatibility.md#lambda-authorizers (docs/compatibility.md#authorizers). The zero value is the default
// behaviour.
type Options struct {
	// UnauthorizedErrorV2 answers 401 when a payload 2.0 authorizer fails
	// with the error message "Unauthorized". By default only payload 1.0
	// authorizers get 401 for it (REST behaviour); with 2.0
	// it is a function error like any other, 500.
	UnauthorizedErrorV2 bool
	// Timeout overrides DefaultTimeout (tests).
	Timeout time.Duration
}

// Config configures an Authorizer: one REQUEST authorizer bound to one route.
type Config struct {
	// AuthorizerID names the authorizer in cache keys and logs.
	AuthorizerID string
	// URI is authorizerUri: a Lambda invocation URI (or function ARN), which
	// may contain ${stageVariables.x}. Required.
	URI string
	// PayloadFormatVersion is authorizerPayloadFormatVersion, "1.0" or "2.0".
	PayloadFormatVersion string
	// EnableSimpleResponses expects {"isAuthorized":bool} answers; only with
	// payload 2.0.
	EnableSimpleResponses bool
	// IdentitySource are the identity source expressions, in order.
	IdentitySource []string
	// TTL is authorizerResultTtlInSeconds: 0 disables caching; up to MaxTTL;
	// caching requires an identity source.
	TTL time.Duration
	// Functions invokes the authorizer function. Required.
	Functions lambdacall.Caller
	// Cache holds results when TTL > 0; shared by all authorizers. If nil,
	// nothing is cached.
	Cache *Cache
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives a debug record per decision (authorizer, function,
	// principal, outcome; never identity-source values). If nil, nothing is
	// logged.
	Logger *slog.Logger
	// Options select behaviours AWS's documentation leaves open.
	Options Options
}

// Authorizer is a compiled Lambda REQUEST authorizer for one route (B). It
// implements snapshot.Authorizer and is safe for concurrent use.
type Authorizer struct {
	id          string
	fn          *lambdacall.FunctionTemplate
	static      *lambdacall.FunctionRef
	v2          bool
	simple      bool
	sources     []identitySource
	ttl         time.Duration
	caller      lambdacall.Caller
	cache       *Cache
	fingerprint string
	now         func() time.Time
	timeout     time.Duration
	opts        Options
	log         *slog.Logger
}

// New validates cfg and returns its Authorizer.
func New(cfg Config) (*Authorizer, error) {
	where := "lambda authorizer " + strconv.Quote(cfg.AuthorizerID)
	fn, err := lambdacall.ParseFunctionURI(cfg.URI)
	if err != nil {
		return nil, fmt.Errorf("%s: authorizerUri: %w", where, err)
	}
	a := &Authorizer{
		id: cfg.AuthorizerID, fn: fn, simple: cfg.EnableSimpleResponses, ttl: cfg.TTL,
		caller: cfg.Functions, cache: cfg.Cache, now: cfg.Now, timeout: cfg.Options.Timeout,
		opts: cfg.Options, log: cfg.Logger,
	}
	switch cfg.PayloadFormatVersion {
	case "2.0":
		a.v2 = true
	case "1.0":
		if cfg.EnableSimpleResponses {
			return nil, fmt.Errorf("%s: enableSimpleResponses requires authorizerPayloadFormatVersion 2.0", where)
		}
	default:
		return nil, fmt.Errorf("%s: authorizerPayloadFormatVersion %q is not 1.0 or 2.0", where, cfg.PayloadFormatVersion)
	}
	for _, expr := range cfg.IdentitySource {
		s, err := parseIdentitySource(expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		a.sources = append(a.sources, s)
	}
	switch {
	case cfg.TTL < 0 || cfg.TTL > MaxTTL:
		return nil, fmt.Errorf("%s: authorizerResultTtlInSeconds %v is not between 0 and 3600 seconds", where, cfg.TTL)
	case cfg.TTL%time.Second != 0:
		return nil, fmt.Errorf("%s: authorizerResultTtlInSeconds %v is not whole seconds", where, cfg.TTL)
	case cfg.TTL > 0 && len(a.sources) == 0:
		return nil, fmt.Errorf("%s: caching (authorizerResultTtlInSeconds > 0) requires an identity source", where)
	}
	if cfg.Functions == nil {
		return nil, fmt.Errorf("%s: no function caller", where)
	}
	if ref, ok := fn.Static(); ok {
		a.static = &ref
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.timeout <= 0 {
		a.timeout = DefaultTimeout
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.log = a.log.With("authorizer", cfg.AuthorizerID, "authorizerType", "REQUEST")
	sum := sha256.Sum256([]byte(strings.Join(append([]string{cfg.AuthorizerID, cfg.URI, cfg.PayloadFormatVersion,
		strconv.FormatBool(cfg.EnableSimpleResponses), cfg.TTL.String()}, cfg.IdentitySource...), "\x00")))
	a.fingerprint = hex.EncodeToString(sum[:16])
	return a, nil
}

// errTimeout is the cause of the authorizer timeout's context.
var errTimeout = errors.New("lambda authorizer timed out")

// Authorize runs the authorizer for one request
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html):
//
//  1. Every identity source must have a non-empty value, else 401 without
//     calling the function.
//  2. The function is resolved (stage variables); a name that cannot be a
//     function gives 500.
//  3. With caching, a result for the same API, stage, authorizer, function
//     and identity values younger than the TTL is used; otherwise the
//     function is called with the 1.0 or 2.0 event, within 10 s.
//  4. A function error "Unauthorized" gives 401 (1.0; see Options), any
//     other function error, failure to invoke, timeout or unusable response
//     500; none of these are cached.
//  5. The decision (also a cached one) is applied to this request: a simple
//     response's isAuthorized, or the policy evaluated for
//     execute-api:Invoke on the request's route ARNs (iam.RouteARNs): Allow
//     passes, Deny or no Allow is 403.
//
// The returned context carries the response's context (Lambda; {} when it
// had none) and principalId.
func (a *Authorizer) Authorize(ctx context.Context, req *invoke.Request) (*invoke.AuthorizerContext, error) {
	if req.HTTP == nil {
		return nil, gwerr.Newf(gwerr.InternalServerError, "lambda authorizer %s: request has no HTTP request", a.id)
	}
	values := make([]string, len(a.sources))
	for i, s := range a.sources {
		if values[i] = s.value(req); values[i] == "" {
			a.log.DebugContext(ctx, "identity source missing", "requestId", req.RequestID, "source", s.expr)
			return nil, gwerr.Newf(gwerr.Unauthorized, "lambda authorizer %s: identity source %s is missing or empty", a.id, s.expr)
		}
	}
	var fn lambdacall.FunctionRef
	if a.static != nil {
		fn = *a.static
	} else {
		var err error
		if fn, err = a.fn.Resolve(req.StageVariables); err != nil {
			return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("lambda authorizer %s: %w", a.id, err))
		}
	}
	arns := iam.RouteARNs(req.Region, req.AccountID, req.APIID, req.Stage, req.HTTP.Method, req.Path)

	var d *decision
	var key string
	caching := a.ttl > 0 && a.cache != nil
	shared := a.cache.sharedStore()
	if caching {
		key = cacheKey(req.APIID, req.Stage, a.fingerprint, fn.String(), values)
		d, _ = a.cache.get(key, a.now())
		if d == nil && shared != nil {
			// Another node may have the decision (cluster mode). A shared
			// store that fails is a miss: the authorizer is invoked, never
			// skipped.
			if raw, ok := shared.Get(ctx, req.APIID, req.Stage, key); ok {
				if sd, err := parseResponse(raw, a.v2, a.simple); err == nil {
					d = sd
					a.cache.put(key, req.APIID, req.Stage, d, a.now(), a.ttl)
				}
			}
		}
	}
	cached := d != nil
	if cached && req.Record != nil {
		req.Record.AuthorizerCacheHit = true
	}
	if d == nil {
		var err error
		var raw []byte
		if d, raw, err = a.invoke(ctx, req, fn, arns[0], values); err != nil {
			return nil, err
		}
		if caching {
			a.cache.put(key, req.APIID, req.Stage, d, a.now(), a.ttl)
			if shared != nil {
				shared.Put(ctx, req.APIID, req.Stage, key, raw, a.ttl)
			}
		}
	}
	return a.apply(ctx, req, fn, d, arns, cached)
}

// invoke calls the function and parses its answer (steps 3 and 4).
// It also returns the function's response, for the shared cache.
func (a *Authorizer) invoke(ctx context.Context, req *invoke.Request, fn lambdacall.FunctionRef, arn string, values []string) (*decision, []byte, error) {
	var raw []byte
	d, err := a.call(ctx, req, fn, arn, values, &raw)
	return d, raw, err
}

// call calls the function and parses its answer, setting *raw to it.
func (a *Authorizer) call(ctx context.Context, req *invoke.Request, fn lambdacall.FunctionRef, arn string, values []string, raw *[]byte) (*decision, error) {
	var event []byte
	var err error
	if a.v2 {
		event, err = buildEventV2(req, arn, values)
	} else {
		event, err = buildEventV1(req, arn, values)
	}
	if err != nil {
		return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("lambda authorizer %s: %w", a.id, err))
	}
	deadline := time.Now().Add(a.timeout)
	cctx, cancel := context.WithDeadlineCause(ctx, deadline, errTimeout)
	defer cancel()
	res, err := a.caller.Call(cctx, fn, event)
	// A late answer is a timeout even if the context's timer has not fired.
	if errors.Is(context.Cause(cctx), errTimeout) || (ctx.Err() == nil && !time.Now().Before(deadline)) {
		return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("lambda authorizer %s: function %s: no response within %v: %w", a.id, fn, a.timeout, errTimeout))
	}
	if err != nil {
		return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("lambda authorizer %s: calling function %s: %w", a.id, fn, err))
	}
	if res == nil {
		return nil, gwerr.Newf(gwerr.InternalServerError, "lambda authorizer %s: function %s: no result", a.id, fn)
	}
	if res.FunctionError != "" {
		ferr := &lambdacall.FunctionError{Function: fn, Type: res.FunctionError, Payload: res.Payload}
		if (!a.v2 || a.opts.UnauthorizedErrorV2) && errorMessage(res.Payload) == "Unauthorized" {
			a.log.DebugContext(ctx, "authorizer answered Unauthorized", "requestId", req.RequestID, "function", fn.String())
			return nil, gwerr.New(gwerr.Unauthorized, fmt.Errorf("lambda authorizer %s: %w", a.id, ferr))
		}
		return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("lambda authorizer %s: %w", a.id, ferr))
	}
	*raw = res.Payload
	d, err := parseResponse(res.Payload, a.v2, a.simple)
	if err != nil {
		return nil, gwerr.New(gwerr.InternalServerError, fmt.Errorf("lambda authorizer %s: function %s: %w", a.id, fn, err))
	}
	return d, nil
}

// errorMessage returns errorMessage of a Lambda error document.
func errorMessage(payload []byte) string {
	var doc struct {
		ErrorMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(payload, &doc)
	return doc.ErrorMessage
}

// apply decides this request with d (step 5 above).
func (a *Authorizer) apply(ctx context.Context, req *invoke.Request, fn lambdacall.FunctionRef, d *decision, arns []string, cached bool) (*invoke.AuthorizerContext, error) {
	if d.simple {
		if !d.allowed {
			a.log.DebugContext(ctx, "authorizer denied", "requestId", req.RequestID, "function", fn.String(), "cached", cached)
			return nil, gwerr.Newf(gwerr.Forbidden, "lambda authorizer %s: isAuthorized is false", a.id)
		}
	} else if dec := d.policy.Evaluate(iam.InvokeAction, arns...); dec != iam.Allow {
		a.log.DebugContext(ctx, "authorizer policy denied", "requestId", req.RequestID, "function", fn.String(),
			"principalId", d.principalID, "decision", dec.String(), "cached", cached)
		return nil, gwerr.Newf(gwerr.Forbidden, "lambda authorizer %s: policy of principal %q: %s for %s on %s",
			a.id, d.principalID, dec, iam.InvokeAction, arns[0])
	}
	a.log.DebugContext(ctx, "authorizer allowed", "requestId", req.RequestID, "function", fn.String(), "principalId", d.principalID, "cached", cached)
	lambda := map[string]any{}
	maps.Copy(lambda, d.context)
	return &invoke.AuthorizerContext{Lambda: lambda, PrincipalID: d.principalID}, nil
}
