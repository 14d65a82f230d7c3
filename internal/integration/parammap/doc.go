// Package parammap implements the parameter mapping of HTTP APIs
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html; https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations.html): an integration's
// requestParameters rewrite the request before the integration is called,
// and its responseParameters rewrite the integration's response before it is
// sent.
//
// # Use
//
// Both maps are parsed once, at deployment, into programs that implement
// the snapshot interfaces:
//
//	reqMap, err := parammap.CompileRequest(integ.RequestParameters)    // nil, nil when empty
//	respMap, err := parammap.CompileResponse(integ.ResponseParameters) // nil, nil when empty
//
// CompileRequest is for integrations without integrationSubtype only: AWS
// service integrations use requestParameters for the subtype's own
// parameters. The data plane then calls, per request:
//
//  1. after the route's authorizer ran and invoke.Request is complete:
//     reqMap.MapRequest(req), which replaces req.HTTP with a mapped copy and
//     may set req.IntegrationPath;
//  2. the integration, with req;
//  3. on the integration's response, before CORS headers are applied and the
//     response is written: respMap.MapResponse(req, resp).
//
// Both methods are no-ops on a nil receiver. Their only error is a failure
// to read a body that a mapping value reads (the client went away, or the
// backend failed mid-body); the data plane answers it as any integration
// failure.
//
// # Value language
//
// A value starting with "$" (but not "${") is one source reference and
// nothing else: "$request.header.x-id". Any other value is literal text in
// which each "${...}" is a source reference: "${request.path.a}
// ${request.path.b}", "id-${context.requestId}". A "$" not followed by "{"
// inside text, and a "}" outside a reference, are literal. Sources:
//
//	$request.header.{name}       request header, case-insensitive, values joined by ","
//	$request.querystring.{name}  query parameter, case-sensitive, decoded, joined by ","
//	$request.body                the body's first 100 KB as text
//	$request.body.{jsonpath}     JSONPath into the body's first 100 KB
//	$request.path                the path without the stage (invoke.Request.Path)
//	$request.path.{name}         a path parameter of the route
//	$response.header.{name}      response side: an integration response header
//	$response.body[.{jsonpath}]  response side: the integration's body
//	$context.{name}              a $context variable (package contextvars)
//	$stageVariables.{name}       a stage variable
//
// Request mappings may use the $context variables known before the
// integration is called (contextvars.PhaseRequest: requestId, routeKey,
// stage, domainName, identity.*, authorizer.*, ...); response mappings also
// $context.integration.status. Later variables ($context.status, latencies,
// error.*) and unknown names are refused at compile time.
//
// JSONPath: member names (.a, ['a b'], ["a"]), indexes ([0], [-1] from the
// end), wildcards (.*, [*]), slices ([1:3]) and unions ([0,2], ['a','b']),
// with "$." implied. Recursive descent (..), filters (?()) and scripts are
// refused. A string is mapped as its text, a number or boolean
// as written, an object or array as compact JSON in document order; a path
// with a wildcard, slice or union maps to a JSON array of its matches. A
// body that is not valid JSON in its first 100 KB (a larger JSON document is
// cut, hence invalid) gives no value. The body the integration or client
// receives is never truncated.
//
// # Validation
//
// Compile errors are *ParseError values with the same conditions as the
// control plane's validation (package model): keys {action}:header.{name},
// {action}:querystring.{name}, overwrite:path, overwrite:statuscode; header
// names are RFC 9110 tokens and never a reserved header (
// model.ReservedHeader); values are 1 to 512 characters (remove keys ignore
// theirs); status-code keys are "200" to "599". The compiler also refuses
// what model cannot check: JSONPath outside the subset above, unknown
// $context variables and variables not known yet.
//
// # Choices where the behaviour is undocumented by AWS (our choice: docs/compatibility.md#parameter-mapping)
//
//   - Order: every value is computed from the request (or response) as
//     received, before any change, so the documented rename pattern
//     (append:header.header2 = $request.header.header1 plus
//     remove:header.header1) works. Then all removes are applied, then all
//     overwrites, then all appends; within each group, keys in byte order.
//     So remove:header.x plus append:header.x replaces x, and
//     overwrite:statuscode is applied after the headers.
//   - append on a header adds one more value (an extra header line towards an
//     HTTP backend; comma-joined in a Lambda event, which joins every
//     repeated header); on an absent header it creates it. append on a query
//     string adds one more name=value pair at the end; overwrite replaces the
//     first pair of that name in place and drops the others (or adds the
//     pair at the end).
//   - A missing source (absent header, query parameter, path parameter,
//     stage variable, JSON member, body, or a $context variable without a
//     value) skips the mapping: overwrite leaves the target as it was,
//     append adds nothing. In a value with literal text or several
//     references, a missing reference is written as "" and the mapping is
//     skipped only when every reference is missing and there is no text. A
//     JSON null is missing. remove needs no value and always applies.
//   - Values are written to query strings percent-encoded (space as %20, "+"
//     as %2B), so that a Lambda event or backend decodes the value back.
//     Pairs the mapping does not touch keep the client's encoding; empty
//     pairs ("a=1&&b=2") are dropped when the query is rewritten.
//   - overwrite:path: literal text in the value is kept as written (it may
//     carry percent-escapes), escaping only characters that cannot appear in
//     a path; values from sources are percent-encoded, slashes kept. A value
//     not starting with "/" gets one. The result is invoke.Request
//     .IntegrationPath, which HTTP_PROXY integrations use as the target
//     path; on AWS_PROXY (Lambda) integrations it has no effect on the event
//     (AWS reports it working with payload 2.0 only; the effect on the event
//     is unknown).
//   - Header and query mappings apply to Lambda integrations too: the event
//     is built from the mapped headers and query string.
//   - CR, LF and NUL in a header value (from a body, say) are written as
//     spaces, as net/http does, so a mapping can neither split a header nor
//     make the integration call fail.
//   - overwrite:statuscode with a source expression whose value is not a
//     status code from 100 to 599 leaves the status unchanged.
//   - Response mappings apply only to responses an integration returned, not
//     to the gateway's own error answers.
//   - The Host header can be mapped (it is not reserved) but HTTP_PROXY
//     integrations always send the integration URL's host.
package parammap
