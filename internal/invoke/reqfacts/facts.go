package reqfacts

import (
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
)

// CLFTime is the layout of the request time in events and $context
// (requestContext.time of payload 2.0, requestTime of 1.0,
// $context.requestTime): 21/Apr/2020:15:08:21 +0000, always UTC. See
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
const CLFTime = "02/Jan/2006:15:04:05 +0000"

// Protocol is requestContext.http.protocol (2.0), requestContext.protocol
// (1.0) and $context.protocol: "HTTP/1.1" even for HTTP/2 clients, as AWS
// reports it.
const Protocol = "HTTP/1.1"

// Time returns the request's arrival time in UTC, or now if it was not set.
func Time(req *invoke.Request) time.Time {
	if req.Time.IsZero() {
		return time.Now().UTC()
	}
	return req.Time.UTC()
}

// DomainName returns the host the client used, without a port:
// req.DomainName, else the Host header.
func DomainName(req *invoke.Request) string {
	if req.DomainName != "" || req.HTTP == nil {
		return req.DomainName
	}
	return StripPort(req.HTTP.Host)
}

// DomainPrefix returns the first label of the domain name (the API id on
// execute-api hosts).
func DomainPrefix(req *invoke.Request) string {
	if req.DomainPrefix != "" {
		return req.DomainPrefix
	}
	p, _, _ := strings.Cut(DomainName(req), ".")
	return p
}

// StripPort returns hostport without its port, if it has one.
func StripPort(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return hostport
}

// Path returns the decoded request path after the stage and the mapping key,
// "/" at least: what routes match.
func Path(req *invoke.Request) string {
	if req.Path == "" {
		return "/"
	}
	return req.Path
}

// RawPath returns payload 2.0's rawPath and $context.path: decoded, with a
// named stage's prefix, without a custom domain's mapping key.
func RawPath(req *invoke.Request) string {
	switch {
	case req.RawPath != "":
		return req.RawPath
	case req.Path != "":
		return req.Path
	}
	return "/"
}

// DecodedPath returns requestContext.path of payload 1.0: the path as
// received (stage prefix and custom-domain mapping key included),
// percent-decoded. It falls back to RawPath.
func DecodedPath(req *invoke.Request) string {
	if req.EscapedPath != "" {
		if p, err := url.PathUnescape(req.EscapedPath); err == nil {
			return p
		}
	}
	return RawPath(req)
}

// EscapedPath returns payload 1.0's top-level path: the path as received,
// percent-encoding kept, with the stage prefix and the mapping key.
func EscapedPath(req *invoke.Request) string {
	if req.EscapedPath != "" {
		return req.EscapedPath
	}
	return (&url.URL{Path: RawPath(req)}).EscapedPath()
}

// RoutePath returns the route path for payload 1.0's resource and
// resourcePath: "/pets/{id}", or "$default" for the default route.
func RoutePath(req *invoke.Request) string {
	if req.RoutePath != "" {
		return req.RoutePath
	}
	if _, p, ok := strings.Cut(req.RouteKey, " "); ok {
		return p
	}
	return req.RouteKey
}
