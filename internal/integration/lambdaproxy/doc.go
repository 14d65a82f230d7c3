// Package lambdaproxy implements the AWS_PROXY integration of HTTP APIs with a
// Lambda function: it turns a resolved request into the payload format 1.0 or
// 2.0 event that API Gateway sends to Lambda, invokes the function through a
// lambdacall.Caller, and turns the function's result into the client's response, with the
// failure answers AWS gives.
//
// The rules implemented here are those of
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html, and, for how authorizer
// results appear in the event, of the JWT, Lambda and IAM authorizer pages
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html). Each quirk is documented next to the
// code that implements it; where AWS documents nothing, the choice is an entry
// of docs/compatibility.md#lambda-proxy.
//
// Events are written from explicit structs whose field order and omitempty
// tags follow real captures of AWS's events, so that strict
// validators (Powertools type guards, aws-lambda-go's events package) see the
// same shape they see on AWS: absent fields stay absent, null fields are null.
//
// The package never runs functions itself: a lambdacall.Caller (the local function
// runtime or a remote Lambda Invoke endpoint) does. It never writes error
// bodies either: failures are returned as *gwerr.Error values and rendered by
// the data plane.
//
// The life of an Invoker:
//
//  1. lambdacall.ParseFunctionURI parses the integration URI once, at compile time.
//  2. New validates the Config and pre-resolves a URI without stage variables.
//  3. Invoke, for each request: resolve the function (stage variables), read
//     the body, build the event, enforce the 6 MB event limit, call the
//     function with the integration timeout, interpret the result.
//
// An Invoker holds no per-request state and is safe for concurrent use.
package lambdaproxy
