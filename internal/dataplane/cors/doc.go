// Package cors implements the CORS configuration of HTTP APIs
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html): the gateway's own answer to preflight requests and the CORS
// headers of actual responses.
//
// Compile turns a model.CORS into an immutable Policy once, at deployment;
// the request path only matches the Origin and copies precomputed values. The
// package imports only the standard library and internal/model.
//
// # Documented behaviour
//
//   - With CORS configured, the gateway answers preflight OPTIONS requests
//     that match no route itself, without authorizer or integration. A preflight is an OPTIONS request with Origin and
//     Access-Control-Request-Method.
//   - Actual responses get Access-Control-Allow-Origin, -Allow-Credentials
//     and -Expose-Headers when the Origin is allowed; CORS headers returned by
//     the integration are ignored.
//   - AllowOrigins accepts "*" (any origin), exact origins, and "https://*" /
//     "http://*" (any origin beginning with that scheme), per the AWS
//     http-api-cors page.
//   - AllowCredentials with "*" in AllowOrigins is refused with AWS's message
//     (ErrCredentialsWithAnyOrigin).
//
// # Choices where the behaviour is undocumented by AWS (our choice: docs/compatibility.md#cors) (13)
//
//   - Preflight status is 204 No Content with an empty body and no
//     Content-Type.
//   - A preflight from a disallowed origin (or without Origin) still gets 204,
//     with no Access-Control-* header.
//   - Lists are joined with "," and no space; entries are sent as configured
//     (case kept, no de-duplication).
//   - "*" in AllowMethods or AllowHeaders echoes the request's
//     Access-Control-Request-Method / Access-Control-Request-Headers (with
//     Vary on that request header) instead of sending "*", which browsers
//     take literally for credentialed requests. Listed entries next to "*"
//     are then redundant. "*" in ExposeHeaders is sent as "*".
//   - The preflight answer is not filtered by the requested method or
//     headers: the configured lists are sent and the browser decides.
//   - Origins match ignoring ASCII case; the request's Origin is echoed as
//     sent. Any origin with one "*" is a pattern: the "*" stands for one or
//     more characters other than "/" and "@", so "https://*.example.com"
//     matches "https://a.b.example.com" but not "https://example.com" or
//     "https://a.example.com:8443". Two or more "*" are refused.
//   - Access-Control-Allow-Origin is "*" when AllowOrigins contains "*"
//     (credentials cannot be on then), else the echoed Origin.
//   - Vary: Origin is added whenever the Origin is echoed; nothing is added
//     when "*" is sent or when no CORS header is sent.
//   - MaxAge: unset → no Access-Control-Max-Age; 0 → "0"; -1 → "-1" (which
//     Chromium reads as "do not cache"); other values as configured.
//   - Access-Control-Allow-Credentials is "true" when configured true, and
//     only for an allowed origin; when false or unset it is omitted.
//   - Gateway-generated error responses (404, 401, 403, 413, 429, 500, 503)
//     get the same headers as actual responses: the data plane calls Apply on
//     them too. HTTP APIs have no customizable gateway responses, so without
//     this a browser could never read an authorizer's 401.
//   - A preflight that a route matched (an OPTIONS route, ANY or $default) is
//     sent to that route's integration; Apply then adds the full preflight
//     headers (methods, headers, max-age) as well, overriding the
//     integration's, because the request carries
//     Access-Control-Request-Method.
//   - A plain OPTIONS without Origin or Access-Control-Request-Method is not
//     a preflight: it is routed like any request.
package cors
