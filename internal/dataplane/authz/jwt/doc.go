// Package jwt implements the JWT authorizers of HTTP APIs
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html, https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html): token extraction
// from the identity source, OpenID Connect discovery and JWKS fetching with
// AWS's limits and a shared key cache, RSA signature verification, the claim
// checks in AWS's order, route scopes, the 401 and 403 answers with their
// www-authenticate header, and the claims rendered as API Gateway passes them
// to integrations.
//
// Signatures are verified with github.com/golang-jwt/jwt/v5, restricted to
// RS256, RS384 and RS512; the claims are checked here, in the documented
// order and with the documented answers, not by the library.
//
// The gateway never fails open: a token is accepted only when the issuer's
// keys were fetched and verify it. Tokens are never logged.
//
// The life of an Authorizer:
//
//  1. NewCache, once per gateway (keys survive redeployments).
//  2. New, once per route with a JWT authorizer, validates the configuration.
//  3. Authorize, per request; keys are fetched on first use, after their
//     two-hour lifetime, and (rate-limited) for an unknown kid.
package jwt
