package lambdaauth

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/integration/lambdaproxy"
	"github.com/apigwdev/apigw/internal/invoke"
)

// sourceKind is the kind of an identity source (auth-and-integrations.md
// B.2).
type sourceKind uint8

const (
	sourceHeader sourceKind = iota + 1
	sourceQuery
	sourceContext
	sourceStageVariable
)

// identitySource is one compiled identity source expression.
type identitySource struct {
	expr string
	kind sourceKind
	// name is the header (canonical), query parameter, context variable or
	// stage variable name.
	name string
	// context resolves a $context variable.
	context func(*invoke.Request) string
}

// parseIdentitySource compiles one of $request.header.{name},
// $request.querystring.{name}, $context.{variable} and
// $stageVariables.{name} (B.2). Context variables are those known before the
// authorizer runs (see contextVariable); others are refused here rather
// than being missing, and so refusing every request with 401, at run time.
func parseIdentitySource(expr string) (identitySource, error) {
	s := identitySource{expr: expr}
	switch {
	case strings.HasPrefix(expr, "$request.header."):
		s.kind, s.name = sourceHeader, expr[len("$request.header."):]
		if !isToken(s.name) {
			return s, fmt.Errorf("identity source %q: invalid header name", expr)
		}
		s.name = http.CanonicalHeaderKey(s.name)
	case strings.HasPrefix(expr, "$request.querystring."):
		s.kind, s.name = sourceQuery, expr[len("$request.querystring."):]
	case strings.HasPrefix(expr, "$context."):
		s.kind, s.name = sourceContext, expr[len("$context."):]
		if s.context = contextVariable(s.name); s.context == nil {
			return s, fmt.Errorf("identity source %q: $context.%s is not a variable known before authorization "+
				"(supported: accountId, apiId, customDomain.basePathMatched, domainName, domainPrefix, extendedRequestId, "+
				"httpMethod, identity.sourceIp, identity.userAgent, path, protocol, requestId, requestTime, requestTimeEpoch, "+
				"routeKey, stage)", expr, s.name)
		}
	case strings.HasPrefix(expr, "$stageVariables."):
		s.kind, s.name = sourceStageVariable, expr[len("$stageVariables."):]
	default:
		return s, fmt.Errorf("identity source %q: want $request.header.{name}, $request.querystring.{name}, $context.{name} or $stageVariables.{name}", expr)
	}
	if s.name == "" {
		return s, fmt.Errorf("identity source %q: empty name", expr)
	}
	return s, nil
}

// value returns the source's value for a request: several header values or
// query values are joined with "," (B.2: UNCONFIRMED, as elsewhere in HTTP
// APIs). "" means missing or empty.
func (s identitySource) value(req *invoke.Request) string {
	switch s.kind {
	case sourceHeader:
		return strings.Join(req.HTTP.Header.Values(s.name), ",")
	case sourceQuery:
		var vals []string
		for _, p := range lambdaproxy.ParseQuery(req.HTTP.URL.RawQuery) {
			if p.Name == s.name {
				vals = append(vals, p.Value)
			}
		}
		return strings.Join(vals, ",")
	case sourceContext:
		return s.context(req)
	case sourceStageVariable:
		return req.StageVariables[s.name]
	}
	return ""
}

// clfTime is the layout of $context.requestTime and requestContext.time.
const clfTime = "02/Jan/2006:15:04:05 +0000"

// protocol is $context.protocol: always HTTP/1.1 (dataplane.md 8.1).
const protocol = "HTTP/1.1"

// contextVariable returns the resolver of a $context variable that is known
// before the authorizer runs (dataplane.md 8.1), or nil.
func contextVariable(name string) func(*invoke.Request) string {
	switch name {
	case "accountId":
		return func(r *invoke.Request) string { return r.AccountID }
	case "apiId":
		return func(r *invoke.Request) string { return r.APIID }
	case "customDomain.basePathMatched":
		return func(r *invoke.Request) string { return r.BasePathMatched }
	case "domainName":
		return domainName
	case "domainPrefix":
		return domainPrefix
	case "extendedRequestId", "requestId":
		return func(r *invoke.Request) string { return r.RequestID }
	case "httpMethod":
		return func(r *invoke.Request) string { return r.HTTP.Method }
	case "identity.sourceIp":
		return func(r *invoke.Request) string { return r.SourceIP }
	case "identity.userAgent":
		return func(r *invoke.Request) string { return r.HTTP.Header.Get("User-Agent") }
	case "path":
		return rawPath
	case "protocol":
		return func(*invoke.Request) string { return protocol }
	case "requestTime":
		return func(r *invoke.Request) string { return requestTime(r).Format(clfTime) }
	case "requestTimeEpoch":
		return func(r *invoke.Request) string { return strconv.FormatInt(requestTime(r).UnixMilli(), 10) }
	case "routeKey":
		return func(r *invoke.Request) string { return r.RouteKey }
	case "stage":
		return func(r *invoke.Request) string { return r.Stage }
	}
	return nil
}

func requestTime(r *invoke.Request) time.Time {
	if r.Time.IsZero() {
		return time.Now().UTC()
	}
	return r.Time.UTC()
}

// domainName is the host the client used, without port.
func domainName(r *invoke.Request) string {
	if r.DomainName != "" || r.HTTP == nil {
		return r.DomainName
	}
	if h, _, err := net.SplitHostPort(r.HTTP.Host); err == nil {
		return h
	}
	return r.HTTP.Host
}

func domainPrefix(r *invoke.Request) string {
	if r.DomainPrefix != "" {
		return r.DomainPrefix
	}
	p, _, _ := strings.Cut(domainName(r), ".")
	return p
}

// rawPath is payload 2.0's rawPath: decoded, with a named stage's prefix.
func rawPath(r *invoke.Request) string {
	switch {
	case r.RawPath != "":
		return r.RawPath
	case r.Path != "":
		return r.Path
	}
	return "/"
}

func isToken(s string) bool {
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}
