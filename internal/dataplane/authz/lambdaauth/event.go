package lambdaauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

// eventV1 is the payload format 1.0 authorizer event
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html; aws-lambda-go
// APIGatewayV2CustomAuthorizerV1Request and its testdata), members in the
// documented order. There is no body, and no multi-value maps (the
// documented sample has none).
type eventV1 struct {
	Version               string            `json:"version"`
	Type                  string            `json:"type"`
	MethodARN             string            `json:"methodArn"`
	IdentitySource        string            `json:"identitySource"`
	AuthorizationToken    string            `json:"authorizationToken"`
	Resource              string            `json:"resource"`
	Path                  string            `json:"path"`
	HTTPMethod            string            `json:"httpMethod"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	PathParameters        map[string]string `json:"pathParameters"`
	StageVariables        map[string]string `json:"stageVariables"`
	RequestContext        requestContextV1  `json:"requestContext"`
}

type requestContextV1 struct {
	Path         string     `json:"path"`
	AccountID    string     `json:"accountId"`
	ResourceID   string     `json:"resourceId"`
	Stage        string     `json:"stage"`
	RequestID    string     `json:"requestId"`
	Identity     identityV1 `json:"identity"`
	ResourcePath string     `json:"resourcePath"`
	HTTPMethod   string     `json:"httpMethod"`
	APIID        string     `json:"apiId"`
}

// identityV1 carries apiKey (always null: HTTP APIs have no API keys) and
// the source IP.
type identityV1 struct {
	APIKey   *string `json:"apiKey"`
	SourceIP string  `json:"sourceIp"`
}

// buildEventV1 returns the 1.0 event:
//
//   - identitySource and authorizationToken are the identity-source values
//     joined with "," in the configured order;
//   - resource, path, requestContext.path and requestContext.resourcePath are
//     the request path after the stage (the documented sample, where a
//     request to stage "test" has path "/request");
//   - requestContext.resourceId is the route key, as in the 1.0 integration
//     event;
//   - headers keep one entry per header, repeated values joined with ","
//     (undocumented by AWS, our choice: docs/compatibility.md#lambda-authorizers; every value reaches the authorizer), names as received
//     (canonical over HTTP/1.x, lower-case over HTTP/2, see headerName), plus
//     Host;
//   - queryStringParameters ({} when none) join repeated names with ",";
//     pathParameters is {} when the route has none; stageVariables null when
//     the stage has none.
func buildEventV1(req *invoke.Request, arn string, values []string) ([]byte, error) {
	r := req.HTTP
	joined := strings.Join(values, ",")
	ev := eventV1{
		Version:               "1.0",
		Type:                  "REQUEST",
		MethodARN:             arn,
		IdentitySource:        joined,
		AuthorizationToken:    joined,
		Resource:              reqfacts.Path(req),
		Path:                  reqfacts.Path(req),
		HTTPMethod:            r.Method,
		QueryStringParameters: reqfacts.JoinedQuery(reqfacts.ParseQuery(r.URL.RawQuery)),
		PathParameters:        req.PathParameters,
		RequestContext: requestContextV1{
			Path:         reqfacts.Path(req),
			AccountID:    req.AccountID,
			ResourceID:   req.RouteKey,
			Stage:        req.Stage,
			RequestID:    req.RequestID,
			Identity:     identityV1{SourceIP: req.SourceIP},
			ResourcePath: reqfacts.Path(req),
			HTTPMethod:   r.Method,
			APIID:        req.APIID,
		},
	}
	ev.Headers, _ = reqfacts.HeadersV1(req, bodyLength(r))
	if ev.QueryStringParameters == nil {
		ev.QueryStringParameters = map[string]string{}
	}
	if ev.PathParameters == nil {
		ev.PathParameters = map[string]string{}
	}
	if len(req.StageVariables) > 0 {
		ev.StageVariables = req.StageVariables
	}
	return marshal(&ev)
}

// eventV2 is the payload format 2.0 authorizer event (aws-lambda-go
// APIGatewayV2CustomAuthorizerV2Request and its testdata), members in the
// documented order; omitempty marks those present only sometimes, as in the
// 2.0 integration event.
type eventV2 struct {
	Version               string            `json:"version"`
	Type                  string            `json:"type"`
	RouteARN              string            `json:"routeArn"`
	IdentitySource        []string          `json:"identitySource"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        requestContextV2  `json:"requestContext"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
}

type requestContextV2 struct {
	AccountID    string `json:"accountId"`
	APIID        string `json:"apiId"`
	DomainName   string `json:"domainName"`
	DomainPrefix string `json:"domainPrefix"`
	HTTP         httpV2 `json:"http"`
	RequestID    string `json:"requestId"`
	RouteKey     string `json:"routeKey"`
	Stage        string `json:"stage"`
	Time         string `json:"time"`
	TimeEpoch    int64  `json:"timeEpoch"`
}

type httpV2 struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// buildEventV2 returns the 2.0 event: identitySource is an array of
// the values in configured order ([] without identity sources); routeArn the
// request's ARN (real method and path, not the route key); rawPath and
// requestContext.http.path as in the 2.0 integration event (decoded, with a
// named stage's prefix); headers lower-cased with repeated values joined by
// ","; the Cookie headers split into cookies; queryStringParameters with
// repeated names joined by ",".
func buildEventV2(req *invoke.Request, arn string, values []string) ([]byte, error) {
	r := req.HTTP
	t := reqfacts.Time(req)
	ev := eventV2{
		Version:               "2.0",
		Type:                  "REQUEST",
		RouteARN:              arn,
		IdentitySource:        values,
		RouteKey:              req.RouteKey,
		RawPath:               reqfacts.RawPath(req),
		RawQueryString:        r.URL.RawQuery,
		QueryStringParameters: reqfacts.JoinedQuery(reqfacts.ParseQuery(r.URL.RawQuery)),
		RequestContext: requestContextV2{
			AccountID:    req.AccountID,
			APIID:        req.APIID,
			DomainName:   reqfacts.DomainName(req),
			DomainPrefix: reqfacts.DomainPrefix(req),
			HTTP: httpV2{
				Method:    r.Method,
				Path:      reqfacts.RawPath(req),
				Protocol:  reqfacts.Protocol,
				SourceIP:  req.SourceIP,
				UserAgent: r.Header.Get("User-Agent"),
			},
			RequestID: req.RequestID,
			RouteKey:  req.RouteKey,
			Stage:     req.Stage,
			Time:      t.Format(reqfacts.CLFTime),
			TimeEpoch: t.UnixMilli(),
		},
	}
	ev.Headers, ev.Cookies = reqfacts.HeadersV2(req, bodyLength(r))
	if ev.IdentitySource == nil {
		ev.IdentitySource = []string{}
	}
	if len(req.PathParameters) > 0 {
		ev.PathParameters = req.PathParameters
	}
	if len(req.StageVariables) > 0 {
		ev.StageVariables = req.StageVariables
	}
	return marshal(&ev)
}

// bodyLength is the request body's declared length for the event's
// content-length header: the authorizer runs before the body is read.
func bodyLength(r *http.Request) int {
	if r.ContentLength > 0 {
		return int(r.ContentLength)
	}
	return 0
}

// marshal encodes an event without HTML escaping, as the integration events
// are encoded.
func marshal(ev any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("encoding authorizer event: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
