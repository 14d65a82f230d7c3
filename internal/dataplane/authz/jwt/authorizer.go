package jwt

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
)

// Options are the choices of JWT authorizers where AWS's documentation is
// undocumented by AWS, our choice: docs/compatibility.md#jwt (docs/compatibility.md#authorizers). The zero value is the default
// behaviour.
type Options struct {
	// Leeway is the clock skew tolerated on exp, nbf and iat. Default 0
	// (undocumented by AWS, our choice: docs/compatibility.md#jwt, suggested).
	Leeway time.Duration
	// OmitChallengeOnMissingToken sends no www-authenticate header when the
	// token is missing. By default the header is a bare "Bearer", as RFC
	// 6750 asks for requests without credentials (
	// undocumented by AWS, our choice: docs/compatibility.md#jwt).
	OmitChallengeOnMissingToken bool
	// PreferSCP reads the token's scopes from scp before scope. By default
	// scope, the standard claim (RFC 8693, RFC 9068), is read first (
	// precedence undocumented by AWS, our choice: docs/compatibility.md#jwt).
	PreferSCP bool
}

// Config configures an Authorizer: one JWT authorizer bound to one route.
type Config struct {
	// Issuer is jwtConfiguration.issuer: compared exactly with the iss claim
	// and the base of OIDC discovery. Required, an absolute http(s) URL.
	Issuer string
	// Audience is jwtConfiguration.audience: 1 to 50 values.
	Audience []string
	// IdentitySource is the single identity source expression.
	IdentitySource string
	// Scopes are the route's authorizationScopes (at most 10); empty means
	// no scope check and a null scopes member for the integration.
	Scopes []string
	// Keys caches the issuers' signing keys; shared by all authorizers.
	// Required.
	Keys *Cache
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives one debug record per refusal, with the reason, the kid
	// and the issuer, never the token. If nil, nothing is logged.
	Logger *slog.Logger
	// Options select behaviours AWS's documentation leaves open.
	Options Options
	// VerifiedCacheSize bounds the tokens whose signature verification is
	// remembered (by SHA-256, never the token): 0 selects
	// DefaultVerifiedCacheSize, a negative value disables the cache. A
	// remembered token skips only the signature check, and only while the
	// issuer's key set is the one it was verified with.
	VerifiedCacheSize int
}

// ConfigError reports an authorizer configuration the gateway cannot serve.
type ConfigError struct {
	// Field is the configuration member ("jwtConfiguration.issuer").
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns the field and the reason.
func (e *ConfigError) Error() string { return "JWT authorizer: " + e.Field + ": " + e.Reason }

// Authorizer is a compiled JWT authorizer for one route
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html). It
// implements snapshot.Authorizer and is safe for concurrent use.
type Authorizer struct {
	issuer    string
	audiences map[string]bool
	source    IdentitySource
	scopes    []string
	keys      *Cache
	now       func() time.Time
	log       *slog.Logger
	opts      Options
	parser    *gojwt.Parser
	// verified remembers signature-verified tokens; nil when disabled.
	verified *verifiedCache
	// onVerify, when set (tests), is called before each signature check.
	onVerify func()
}

// New validates cfg and returns its Authorizer.
func New(cfg Config) (*Authorizer, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(cfg.Issuer) > 2048 {
		return nil, &ConfigError{Field: "jwtConfiguration.issuer", Reason: fmt.Sprintf("%q is not an absolute http(s) URL of at most 2048 characters", cfg.Issuer)}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &ConfigError{Field: "jwtConfiguration.issuer", Reason: fmt.Sprintf("%q has a query or fragment; OIDC discovery cannot be appended to it", cfg.Issuer)}
	}
	if len(cfg.Audience) == 0 || len(cfg.Audience) > 50 {
		return nil, &ConfigError{Field: "jwtConfiguration.audience", Reason: "must list 1 to 50 audiences"}
	}
	if len(cfg.Scopes) > 10 {
		return nil, &ConfigError{Field: "authorizationScopes", Reason: "a route can have at most 10 scopes"}
	}
	if cfg.Keys == nil {
		return nil, &ConfigError{Field: "keys", Reason: "no key cache"}
	}
	src, err := ParseIdentitySource(cfg.IdentitySource)
	if err != nil {
		return nil, err
	}
	a := &Authorizer{
		issuer:    cfg.Issuer,
		audiences: map[string]bool{},
		source:    src,
		keys:      cfg.Keys,
		now:       cfg.Now,
		log:       cfg.Logger,
		opts:      cfg.Options,
		parser:    newParser(),
	}
	for _, au := range cfg.Audience {
		if au == "" {
			return nil, &ConfigError{Field: "jwtConfiguration.audience", Reason: "audiences must not be empty"}
		}
		a.audiences[au] = true
	}
	for _, s := range cfg.Scopes {
		if s == "" {
			return nil, &ConfigError{Field: "authorizationScopes", Reason: "scopes must not be empty"}
		}
	}
	if len(cfg.Scopes) > 0 {
		a.scopes = append([]string(nil), cfg.Scopes...)
	}
	if a.now == nil {
		a.now = time.Now
	}
	switch n := cfg.VerifiedCacheSize; {
	case n == 0:
		a.verified = newVerifiedCache(DefaultVerifiedCacheSize)
	case n > 0:
		a.verified = newVerifiedCache(n)
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.log = a.log.With("authorizer", "JWT", "issuer", cfg.Issuer)
	return a, nil
}

// Descriptions of refusals: the error_description of the www-authenticate
// header. Only the audience one is documented; the others follow the
// suggested wording, or the same style.
const (
	DescAudience    = "the token does not have a valid audience"
	DescExpired     = "the token has expired"
	DescIssuer      = "the token does not have a valid issuer"
	DescSignature   = "the token signature is invalid"
	DescKID         = "the token has an invalid kid"
	DescMalformed   = "the token is malformed"
	DescAlgorithm   = "the token signing algorithm is not supported"
	DescNoExpiry    = "the token does not have a valid expiration time"
	DescNotYetValid = "the token is not valid yet"
	DescIssuedLater = "the token was issued in the future"
	DescKeys        = "the signing keys of the issuer could not be retrieved"
	DescMissing     = "the identity source is missing or empty"
	DescScopes      = "the token does not have a required scope"
)

// Failure is why a request was refused: the description AWS-style clients
// see in www-authenticate (except for a missing token and missing scopes) and
// the detail for the log. It never contains the token.
type Failure struct {
	// Description is the error_description (one of the Desc constants).
	Description string
	// Err is the detail, or nil.
	Err error
}

// Error returns the description and the detail.
func (f *Failure) Error() string {
	if f.Err == nil {
		return f.Description
	}
	return f.Description + ": " + f.Err.Error()
}

// Unwrap returns Err.
func (f *Failure) Unwrap() error { return f.Err }

// challenge returns the www-authenticate value of an invalid token:
// space-separated auth-params and an empty scope, as AWS writes it.
func challenge(desc string) string {
	return `Bearer scope="" error="invalid_token" error_description="` + desc + `"`
}

// WWWAuthenticate is the header of 401 answers.
const WWWAuthenticate = "Www-Authenticate"

func (a *Authorizer) unauthorized(desc string, err error) *gwerr.Error {
	e := gwerr.New(gwerr.Unauthorized, &Failure{Description: desc, Err: err})
	e.Header = http.Header{WWWAuthenticate: {challenge(desc)}}
	return e
}

// Authorize validates the request's token, in this order; the first
// failure answers and nothing after it runs:
//
//  1. The identity source holds one non-empty value (without "Bearer "), else
//     401 (www-authenticate: Bearer, see Options).
//  2. The token is a compact JWS whose header decodes, without crit.
//  3. Its alg is RS256, RS384 or RS512.
//  4. Its kid names a key of the issuer's JWKS (fetched through OIDC
//     discovery, refreshed on an unknown kid at most once per refresh
//     interval); keys that cannot be fetched refuse the token: the
//     gateway never fails open (status undocumented by AWS, our choice: docs/compatibility.md#jwt, 401 as suggested).
//  5. The signature verifies with that key. A token whose signature
//     verified before with the keys step 4 returns (the same fetch of the
//     key set) and is not past exp skips this step (see verifiedCache).
//  6. iss equals the configured issuer exactly.
//  7. aud, when present, has a configured audience; else client_id is one.
//  8. exp is present, numeric and after now.
//  9. nbf, when present, is not after now.
//  10. iat, when present, is not after now.
//
// Steps 8 to 10 compare with the time Authorize was called. Failures 2 to 10
// are 401 {"message":"Unauthorized"} with www-authenticate
// `Bearer scope="" error="invalid_token" error_description="..."`. Then, for a
// route with authorizationScopes, the token must carry at least one of them,
// else 403 {"message":"Forbidden"} without a www-authenticate header (
// undocumented by AWS, our choice: docs/compatibility.md#jwt).
//
// The returned context has every claim rendered by RenderClaims and, for a
// route with scopes, the token's full scope list. It is built once
// per verification and shared by every request that presents the same
// token while it is in the verified cache: callers must not modify it.
func (a *Authorizer) Authorize(ctx context.Context, req *invoke.Request) (*invoke.AuthorizerContext, error) {
	r := req.HTTP
	if r == nil {
		return nil, gwerr.Newf(gwerr.InternalServerError, "JWT authorizer: request has no HTTP request")
	}
	tok, ok, err := a.source.Extract(r)
	if err != nil {
		return nil, a.refuse(ctx, req, "", a.unauthorized(DescMalformed, err))
	}
	if !ok {
		e := gwerr.New(gwerr.Unauthorized, &Failure{Description: DescMissing, Err: fmt.Errorf("no value in %s", a.source)})
		if !a.opts.OmitChallengeOnMissingToken {
			e.Header = http.Header{WWWAuthenticate: {"Bearer"}}
		}
		return nil, a.refuse(ctx, req, "", e)
	}
	var (
		now   = epochSeconds(a.now())
		h     [sha256.Size]byte
		entry *verifiedEntry
	)
	if a.verified != nil {
		h = tokenKey(tok)
		entry = a.verified.get(h, now)
	}
	if entry != nil {
		// The token is the same, so steps 2 and 3 pass as they did and step
		// 4 asks for the same keys.
		keys, err := a.keys.Keys(ctx, a.issuer, entry.kid)
		if err != nil {
			return nil, a.refuse(ctx, req, entry.kid, a.keysError(err))
		}
		if !sameCandidates(entry.keys, keys, entry.alg) {
			// The key set changed since: verify again.
			a.verified.remove(h, entry)
			entry = nil
		}
	}
	if entry == nil {
		kid, verified, e := a.verify(ctx, tok)
		if e != nil {
			return nil, a.refuse(ctx, req, kid, e)
		}
		entry = verified
		if f := &entry.facts; a.verified != nil && f.expPresent && f.expOK {
			entry.expires = f.exp + a.opts.Leeway.Seconds()
			if now < entry.expires {
				a.verified.put(h, entry, now)
			}
		}
	}
	if desc, detail := a.checkClaims(&entry.facts, now); desc != "" {
		return nil, a.refuse(ctx, req, entry.kid, a.unauthorized(desc, detail))
	}
	if len(a.scopes) == 0 {
		return entry.context, nil
	}
	if !intersects(a.scopes, entry.facts.scopes) {
		e := gwerr.New(gwerr.Forbidden, &Failure{Description: DescScopes,
			Err: fmt.Errorf("route requires one of %q", a.scopes)})
		return nil, a.refuse(ctx, req, entry.kid, e)
	}
	return entry.scopedContext, nil
}

// verify runs steps 2 to 5 of Authorize on a token not in the verified
// cache: on success, it returns an entry for it (without expires). kid is
// the token's, for the log, also on failure.
func (a *Authorizer) verify(ctx context.Context, tok string) (kid string, entry *verifiedEntry, e *gwerr.Error) {
	alg, kid, err := splitToken(tok)
	if err != nil {
		return "", nil, a.unauthorized(DescMalformed, nil)
	}
	if !acceptedAlg(alg) {
		return kid, nil, a.unauthorized(DescAlgorithm, fmt.Errorf("alg %q", printable(alg)))
	}
	if kid == "" {
		return kid, nil, a.unauthorized(DescKID, errors.New("the token has no kid"))
	}
	keys, err := a.keys.Keys(ctx, a.issuer, kid)
	if err != nil {
		return kid, nil, a.keysError(err)
	}
	pubs := candidates(keys, alg)
	if len(pubs) == 0 {
		return kid, nil, a.unauthorized(DescKID, fmt.Errorf("kid %q is not for %s", printable(kid), alg))
	}
	set := gojwt.VerificationKeySet{Keys: make([]gojwt.VerificationKey, len(pubs))}
	for i, p := range pubs {
		set.Keys[i] = p
	}
	if a.onVerify != nil {
		a.onVerify()
	}
	claims := gojwt.MapClaims{}
	if _, err := a.parser.ParseWithClaims(tok, claims, func(*gojwt.Token) (any, error) { return set, nil }); err != nil {
		desc := DescMalformed
		if errors.Is(err, gojwt.ErrTokenSignatureInvalid) {
			desc = DescSignature
		}
		return kid, nil, a.unauthorized(desc, nil)
	}
	return kid, a.newEntry(alg, kid, pubs, claims), nil
}

// newEntry returns the entry of a token whose signature verified with one
// of keys: the facts the claim checks read, and the contexts Authorize
// returns, computed once.
func (a *Authorizer) newEntry(alg, kid string, keys []*rsa.PublicKey, claims map[string]any) *verifiedEntry {
	e := &verifiedEntry{alg: alg, kid: kid, keys: keys}
	f := &e.facts
	f.iss, _ = claims["iss"].(string)
	f.auds, f.audPresent = audiences(claims)
	f.clientID, _ = claims["client_id"].(string)
	f.exp, f.expPresent, f.expOK = numericDate(claims, "exp")
	f.nbf, f.nbfPresent, f.nbfOK = numericDate(claims, "nbf")
	f.iat, f.iatPresent, f.iatOK = numericDate(claims, "iat")
	f.scopes = tokenScopes(claims, a.opts.PreferSCP)
	rendered := RenderClaims(claims)
	e.context = &invoke.AuthorizerContext{JWT: &invoke.JWTContext{Claims: rendered}}
	e.scopedContext = &invoke.AuthorizerContext{JWT: &invoke.JWTContext{Claims: rendered, Scopes: f.scopes}}
	return e
}

// keysError is the refusal of a failed key lookup (step 4 above).
func (a *Authorizer) keysError(err error) *gwerr.Error {
	if errors.Is(err, ErrUnknownKID) {
		return a.unauthorized(DescKID, err)
	}
	return a.unauthorized(DescKeys, err)
}

// candidates returns the keys that may verify a token signed with alg: those
// without an alg and those for alg, in the key set's order.
func candidates(keys []Key, alg string) []*rsa.PublicKey {
	var pubs []*rsa.PublicKey
	for _, k := range keys {
		if k.Alg == "" || k.Alg == alg {
			pubs = append(pubs, k.Public)
		}
	}
	return pubs
}

// sameCandidates reports whether candidates(keys, alg) are exactly the keys
// (by pointer) an entry was verified with, without building them.
func sameCandidates(cached []*rsa.PublicKey, keys []Key, alg string) bool {
	i := 0
	for _, k := range keys {
		if k.Alg == "" || k.Alg == alg {
			if i == len(cached) || cached[i] != k.Public {
				return false
			}
			i++
		}
	}
	return i == len(cached)
}

// epochSeconds is t in seconds since the epoch, as checkClaims compares it.
func epochSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// checkClaims runs steps 6 to 10 of Authorize on the facts of verified
// claims at the time now (seconds since the epoch); desc is "" when they
// pass.
func (a *Authorizer) checkClaims(f *claimFacts, now float64) (desc string, detail error) {
	if f.iss != a.issuer {
		return DescIssuer, fmt.Errorf("iss %q", printable(f.iss))
	}
	// client_id is validated only if aud is not present.
	if f.audPresent {
		if !a.anyAudience(f.auds) {
			return DescAudience, fmt.Errorf("aud %q", f.auds)
		}
	} else if !a.audiences[f.clientID] {
		return DescAudience, fmt.Errorf("no aud, client_id %q", printable(f.clientID))
	}
	leeway := a.opts.Leeway.Seconds()
	switch {
	case !f.expPresent || !f.expOK:
		return DescNoExpiry, nil
	case !(now < f.exp+leeway):
		return DescExpired, nil
	}
	if !f.nbfOK || (f.nbfPresent && f.nbf > now+leeway) {
		return DescNotYetValid, nil
	}
	if !f.iatOK || (f.iatPresent && f.iat > now+leeway) {
		return DescIssuedLater, nil
	}
	return "", nil
}

func (a *Authorizer) anyAudience(auds []string) bool {
	for _, au := range auds {
		if a.audiences[au] {
			return true
		}
	}
	return false
}

func intersects(route, token []string) bool {
	for _, r := range route {
		for _, t := range token {
			if r == t {
				return true
			}
		}
	}
	return false
}

// refuse logs a refusal (reason, kid; never the token) and returns e.
func (a *Authorizer) refuse(ctx context.Context, req *invoke.Request, kid string, e *gwerr.Error) *gwerr.Error {
	a.log.DebugContext(ctx, "token refused", "requestId", req.RequestID, "kid", printable(kid), "status", e.Kind.Status(), "reason", e.Cause.Error())
	return e
}
