// Package reqfacts computes, in one place, what the gateway derives from a
// resolved request for the payloads it sends to functions and for its
// $context variables: the request time and its formats, the domain name and
// prefix, the path forms, the decoded query string, the headers of an event
// (client headers filtered, the headers API Gateway sets itself added, cookies
// split) and the client certificate of a mutual-TLS request.
//
// The Lambda proxy integration (package lambdaproxy), the Lambda authorizer
// (package lambdaauth) and $context variables (package contextvars) all read
// these facts from here, so that a function sees the same values in its
// authorizer event, its integration event and the access log.
//
// It imports only the standard library and package invoke.
package reqfacts
