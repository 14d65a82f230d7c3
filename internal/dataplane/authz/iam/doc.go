// Package iam implements AWS_IAM authorization of HTTP API routes
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html): Signature Version 4 verification of
// execute-api requests, the identities that may sign them (from the config
// file), and the evaluation of IAM policies for execute-api:Invoke on a
// request's route ARN. Package lambdaauth evaluates the policies Lambda
// authorizers return with the same code.
//
// Verification follows the canonical request the AWS SDKs build
// (aws-sdk-go-v2 aws/signer/v4), with the header and the presigned
// query-string forms, the payload hash or a signed UNSIGNED-PAYLOAD, session
// tokens, the credential scope and a five-minute clock skew. Policy
// evaluation is IAM's: explicit Deny wins, no Allow means deny, * and ?
// wildcards, NotAction and NotResource; conditions and policy variables are
// refused in identity policies, and evaluated fail-closed in authorizer
// responses.
//
// Nothing here ever logs or returns a secret, a session token or a
// signature.
//
// The life of an Authorizer:
//
//  1. NewStore parses the config file's identities and their policies once.
//  2. New builds the Authorizer (one per route, sharing the Store).
//  3. Authorize, per request: Verifier.Verify, the account check, then
//     Policy.Evaluate on RouteARNs.
package iam
