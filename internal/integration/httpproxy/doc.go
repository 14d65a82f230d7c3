// Package httpproxy implements HTTP_PROXY integrations: it forwards an API
// request to an HTTP backend and streams the backend's answer back
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html, https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html).
//
// An Invoker is built once per route integration by New, which parses the
// integrationUri template; Invoke then only substitutes and sends. It calls
// http.RoundTripper.RoundTrip itself rather than using
// httputil.ReverseProxy: the integration contract returns an invoke.Response
// whose Body the data plane streams to the client after response parameter
// mapping and CORS, so there is no ResponseWriter to hand to a ReverseProxy.
// The header rules a ReverseProxy applies are applied here instead.
//
// # Target URL
//
//   - $default route: the request path, after the stage segment and the
//     custom-domain mapping key are removed, is appended to the URI's path,
//     "https://h/base" + "/x" giving "https://h/base/x"; a trailing slash on
//     the URI's path is not doubled. The path keeps the percent-encoding the
//     client used (taken from invoke.Request.EscapedPath).
//   - Other routes: the URI as written, {name} replaced by the route's decoded
//     path parameter re-escaped as one path segment (so "a/b" becomes
//     "a%2Fb"); the route's greedy variable ({proxy} for {proxy+}) keeps its
//     slashes and each of its segments is escaped. In the query part a
//     variable is query-escaped. Undefined variables become "".
//   - ${stageVariables.name} is replaced by the value as written, anywhere in
//     the URI; undefined variables become "". A URI with stage variables is
//     re-checked after substitution (absolute http(s), a host, no user
//     information, no fragment); a bad result is a 500.
//   - The client's raw query string is appended after the URI's own query,
//     joined by "&".
//   - A path set by parameter mapping's overwrite:path
//     (invoke.Request.IntegrationPath, escaped) replaces the whole path of
//     the target URL, the URI's own path included, for every route; the
//     query is built as above (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html; whether AWS keeps the URI's
//     base path is undocumented by AWS (our choice: docs/compatibility.md#http-proxy)).
//
// # Request
//
//   - Method: the integrationMethod, or the client's when it is ANY.
//   - Host: the integration URL's host.
//   - Client headers are copied except hop-by-hop ones (Connection,
//     Proxy-Connection, Keep-Alive, TE, Trailer(s), Transfer-Encoding,
//     Upgrade, Proxy-Authenticate, Proxy-Authorization, and those Connection
//     names; RFC 9110 section 7.6.1), Expect (the gateway already answered
//     100-continue), Content-Length (written from the body) and the
//     X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Proto and Forwarded
//     headers, which become one Forwarded header (RFC 7239). X-Forwarded-Port
//     and other X-Forwarded-* headers pass unchanged.
//   - Forwarded: AWS documents that incoming X-Forwarded-* headers are
//     translated into Forwarded and the gateway appends the client IP, host
//     and protocol; a capture shows the appended element as
//     "by=1.2.3.4;for=5.6.7.8;host=my.example.com;proto=https"
//     (expressjs/session#886). The translation is undocumented by AWS (our choice: docs/compatibility.md#http-proxy); this one is:
//     a client Forwarded header is kept as received (its X-Forwarded-* are
//     then dropped); otherwise each X-Forwarded-For entry becomes a "for="
//     element in order, the first carrying ";host=" and ";proto=" from
//     X-Forwarded-Host and X-Forwarded-Proto (an element of their own when
//     there is no X-Forwarded-For). Then, after ", ", the gateway's element
//     "by=<IP of the listener that accepted the connection>;for=<client
//     IP>;host=<Host as received>;proto=<https if the client used TLS, else
//     http>", parameters with unknown values left out. Values are tokens
//     where possible, otherwise quoted strings; IPv6 addresses are written
//     "[v6]" in quotes, and a host with a port is quoted (RFC 7239 section
//     4 and 6). Example: X-Forwarded-For "203.0.113.1, 2001:db8::1" and
//     X-Forwarded-Proto "https" to a gateway at 10.0.0.5 give
//     `for=203.0.113.1;proto=https, for="[2001:db8::1]",
//     by=10.0.0.5;for=192.0.2.1;host="localhost:3000";proto=http`.
//   - Via: "HTTP/1.1 AmazonAPIGateway" is appended, as observed.
//   - X-Amzn-Trace-Id: "Root=1-<8 hex epoch seconds>-<24 random hex>" when the
//     client sent none; a client's value is forwarded unchanged.
//   - Content-Type: "application/json" when the request has no payload and
//     the client sent no Content-Type.
//   - No User-Agent is invented when the client sent none.
//   - The body streams through; the backend is spoken to in HTTP/1.1.
//
// # Response
//
// Status, headers (every Set-Cookie included) and body pass through, less
// hop-by-hop headers. The body is not buffered: each Read returns what the
// backend has sent so far, so a data plane that flushes after each write
// streams chunked and server-sent-event responses as they are produced.
// Trailers from the backend are dropped.
//
// # Failures
//
// The integration timeout (Config.Timeout) covers connecting, sending, the
// response headers and the body: a timeout before the headers is a
// gwerr.ServiceUnavailable (503, observed for HTTP APIs); after them the body
// is cut and Body.Read returns that same error. Connection refused, DNS and
// TLS failures and malformed responses are gwerr.InternalServerError (500,
// undocumented by AWS, our choice: docs/compatibility.md#http-proxy). A canceled client context returns
// the context error. The backend's own error text is kept in the gwerr
// Cause, never in the response.
package httpproxy
