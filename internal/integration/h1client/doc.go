// Package h1client is the HTTP/1.1 client apigw speaks to HTTP backends
// (HTTP_PROXY and private integrations): Transport, an http.RoundTripper
// that writes the request and reads the response on the caller's
// goroutine, over pooled keep-alive connections, with one deadline for the
// whole exchange.
//
// # Why not net/http.Transport
//
// net/http's Transport hands every request to two goroutines of its own and
// back; a CPU profile of the gateway under load had a third of its time in
// that machinery. Side by side on the same route (go test -bench
// HTTPProxy ./bench/, rows gateway and gateway-nethttp, docs/performance.md)
// this client uses about 10 % less CPU per proxied request and 30 fewer
// allocations. It reuses net/http's wire code where it can:
// http.ReadResponse parses responses and frames their bodies, httputil's
// chunked writer frames request bodies of unknown length.
//
// # A pooled connection never answers another request
//
// Bytes that arrive on an idle connection answer no request: a body a
// backend sent on a HEAD, 204 or 304 answer, or more bytes than its
// Content-Length. Read as the next response, they would hand one client's
// answer to another. So a response whose framing left bytes in the read
// buffer closes its connection, and before an idle connection is reused it
// is checked with one non-blocking peek at the socket (idleCheck): data or
// a pending close drops it. A close that comes after the check is seen on
// use: a request without a body is then sent once more on a new connection
// (it never reached the backend); a request with a body is not replayed.
//
// # Platforms
//
//   - Unix (Linux, macOS, the BSDs): connections are pooled and checked as
//     above (MSG_PEEK|MSG_DONTWAIT on the socket; on the TCP connection
//     under TLS, where a close_notify is data).
//   - Other platforms (Windows): the socket cannot be peeked at without
//     blocking, so connections are not pooled: each exchange dials its own
//     and closes it (canCheckIdle is false). Correct, slower.
//
// The tests that depend on pooling skip themselves where it is off
// (requirePooling); the desynchronisation tests run everywhere.
//
// # Failures
//
// A failure caused by the exchange's deadline wraps ErrTimeout. A failure
// to read the request body from its source (the client) is a
// *BodyReadError, and ends the exchange at once, without waiting for the
// backend's answer.
package h1client
