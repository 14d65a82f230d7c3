// Package contextvars implements the $context variables of HTTP APIs
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html): the values that access log formats, parameter mappings and authorizer identity sources name
// as $context.{name}.
//
// A variable name is compiled once, at deployment, into a Var: Compile
// resolves the name to an accessor (a function reading one field of an
// invoke.Request or invoke.Outcome), so the request path does no string
// matching. Lookup compiles and reads in one call, for tests and cold paths.
//
//	v, err := contextvars.Compile("authorizer.claims.sub") // at compile time
//	...
//	s, ok := v.Value(req, out) // per request; out may be nil before the response
//
// Names are given without the "$context." prefix. They may contain only
// letters, digits, '.' and '_' (the same rule as the control
// plane's validation in package model).
//
// # Phases
//
// Each variable has a Phase saying when its value is known: PhaseRequest
// variables are known once the route and its authorizer have run (request
// parameter mappings may use them); PhaseIntegration ones once the
// integration has answered (response parameter mappings may use them too);
// PhaseEnd ones only after the response was sent, from the invoke.Outcome
// (access logs). Reading a later-phase variable with out == nil reports it
// absent.
//
// # Absent values
//
// Value reports ok == false when a variable has no value for the request: no
// authorizer, a claim the token lacks, a custom-domain variable on the
// execute-api endpoint, an integration that was not called, an outcome
// variable with out == nil. Access logs render absent values as "-"
// ; parameter mappings treat them as a missing source.
//
// # Choices where the behaviour is undocumented by AWS (our choice: docs/compatibility.md#access-logs)
//
//   - $context.requestTime is the request's arrival time in UTC, in CLF
//     layout "02/Jan/2006:15:04:05 +0000"; $context.requestTimeEpoch is in
//     milliseconds ( "ms in practice").
//   - Latencies ($context.responseLatency, $context.integrationLatency and
//     their integration.* aliases) are whole milliseconds, truncated.
//     $context.integrationLatency is "-1" when the integration timed out
//     (Outcome.ErrorResponseType INTEGRATION_TIMEOUT) and absent
//     when the integration was not called.
//   - $context.dataProcessed is the request body bytes read plus the response
//     body bytes sent.
//   - $context.status, $context.integration.status and
//     $context.integrationStatus are absent while 0 (not known or not
//     applicable); $context.responseLength is "0" for an empty body.
//   - $context.error.messageString is $context.error.message as a JSON string
//     literal, quotes included.
//   - $context.authorizer.{key} reads the Lambda authorizer's context map: the
//     key as written first, then, if absent and the key has dots, the nested
//     path (authorizer.a.b reads context["a"]["b"]). Strings are written as
//     is, numbers in their shortest form, booleans as true/false, null as
//     absent, objects and arrays as compact JSON.
//   - $context.authorizer.claims.{name} reads a JWT authorizer's claims;
//     $context.authorizer.claims alone is always absent ( "null").
//   - $context.authorizer.principalId is the Lambda authorizer's principalId;
//     for JWT authorizers it is absent.
//   - $context.identity.{accountId, caller, user, userArn, principalOrgId}
//     read the IAM identity of AWS_IAM routes; $context.identity.accessKey
//     (the v2 event's authorizer.iam.accessKey) is accepted as well.
//   - Variables the gateway has no source for are accepted and always absent:
//     $context.awsEndpointRequestId, $context.awsEndpointRequestId2,
//     $context.integration.requestId and the
//     $context.identity.cognito* variables.
//   - $context.identity.clientCert.* describe the TLS client certificate,
//     formatted as payload events carry them (package lambdaproxy): DNs in
//     encoded RDN order, a decimal serial number, validity dates as
//     "Jan _2 15:04:05 2006 GMT".
//   - $context.path is invoke.Request.RawPath: the decoded path with a named
//     stage's prefix ("/dev/pets/6"), without a custom domain's mapping key.
//   - $context.protocol is always "HTTP/1.1".
package contextvars
