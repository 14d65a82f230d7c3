package lambdaauth

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/contextvars"
	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

// sourceKind is the kind of an identity source
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html).
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
	context contextvars.Var
}

// parseIdentitySource compiles one of $request.header.{name},
// $request.querystring.{name}, $context.{variable} and
// $stageVariables.{name}. Context variables are those known before the
// authorizer runs (see beforeAuthorization); others are refused here rather
// than being missing, and so refusing every request with 401, at run time.
func parseIdentitySource(expr string) (identitySource, error) {
	s := identitySource{expr: expr}
	switch {
	case strings.HasPrefix(expr, "$request.header."):
		s.kind, s.name = sourceHeader, expr[len("$request.header."):]
		if !reqfacts.IsToken(s.name) {
			return s, fmt.Errorf("identity source %q: invalid header name", expr)
		}
		s.name = http.CanonicalHeaderKey(s.name)
	case strings.HasPrefix(expr, "$request.querystring."):
		s.kind, s.name = sourceQuery, expr[len("$request.querystring."):]
	case strings.HasPrefix(expr, "$context."):
		s.kind, s.name = sourceContext, expr[len("$context."):]
		if !slices.Contains(beforeAuthorization, s.name) {
			return s, fmt.Errorf("identity source %q: $context.%s is not a variable known before authorization (supported: %s)",
				expr, s.name, strings.Join(beforeAuthorization, ", "))
		}
		v, err := contextvars.Compile(s.name)
		if err != nil {
			return s, fmt.Errorf("identity source %q: %w", expr, err)
		}
		s.context = v
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
// query values are joined with "," (undocumented by AWS, our choice: docs/compatibility.md#lambda-authorizers, as elsewhere in HTTP
// APIs). "" means missing or empty.
func (s identitySource) value(req *invoke.Request) string {
	switch s.kind {
	case sourceHeader:
		return strings.Join(req.HTTP.Header.Values(s.name), ",")
	case sourceQuery:
		var vals []string
		for _, p := range reqfacts.ParseQuery(req.HTTP.URL.RawQuery) {
			if p.Name == s.name {
				vals = append(vals, p.Value)
			}
		}
		return strings.Join(vals, ",")
	case sourceContext:
		v, _ := s.context.Value(req, nil)
		return v
	case sourceStageVariable:
		return req.StageVariables[s.name]
	}
	return ""
}

// beforeAuthorization lists the $context variables known before the
// authorizer runs, the only ones an identity source may name.
var beforeAuthorization = []string{
	"accountId", "apiId", "customDomain.basePathMatched", "domainName", "domainPrefix", "extendedRequestId",
	"httpMethod", "identity.sourceIp", "identity.userAgent", "path", "protocol", "requestId", "requestTime",
	"requestTimeEpoch", "routeKey", "stage",
}
