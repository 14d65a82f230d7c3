// Package lambdaauth implements Lambda REQUEST authorizers of HTTP APIs
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html, https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html): identity sources
// of the four kinds with the 401-without-invoking rule, the payload format
// 1.0 and 2.0 events, simple and IAM-policy responses (policies evaluated
// with package iam against the request's route ARN), result caching for
// authorizerResultTtlInSeconds, the 10-second timeout and the documented
// answer for every failure.
//
// The authorizer never fails open: a request passes only on a well-formed
// response that allows it; every error is 401, 403 or 500, and errors are
// never cached. Identity-source values (tokens) are never logged.
//
// The life of an Authorizer:
//
//  1. NewCache, once per gateway: results survive redeployments, keyed so
//     that a changed authorizer never reuses an old result.
//  2. New, once per route with a REQUEST authorizer, validates the
//     configuration and compiles the identity sources.
//  3. Authorize, per request.
package lambdaauth
