// Package lambdaproxy implements the AWS_PROXY integration of HTTP APIs with a
// Lambda function: it turns a resolved request into the payload format 1.0 or
// 2.0 event that API Gateway sends to Lambda, invokes the function through a
// lambdacall.Caller, and turns the function's result into the client's response, with the
// failure answers AWS gives.
//
// The rules implemented here are those of dataplane.md section 3 (3.1 to 3.10)
// and auth-and-integrations.md D.2 (integration URIs), A.7, B.8 and C.6 (how
// authorizer results appear in the event). Each quirk is documented next to the
// code that implements it, with its section.
//
// Events are written from explicit structs whose field order and omitempty
// tags follow the real captures the specification cites, so that strict
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
