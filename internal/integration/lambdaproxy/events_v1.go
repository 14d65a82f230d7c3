package lambdaproxy

import (
	"fmt"
	"maps"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

// eventV1 is the payload format 1.0 request event of HTTP APIs
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html): the REST proxy event's shape with HTTP API specifics. Field order
// follows the AWS documentation's example and the real captures; the fields
// AWS documents as null when empty are written as null, never omitted.
type eventV1 struct {
	Version                         string              `json:"version"`
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	RequestContext                  requestContextV1    `json:"requestContext"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	// Body is null when the request had no body.
	Body            *string `json:"body"`
	IsBase64Encoded bool    `json:"isBase64Encoded"`
}

// requestContextV1 is the 1.0 requestContext, members in the captures' order.
type requestContextV1 struct {
	AccountID string `json:"accountId"`
	APIID     string `json:"apiId"`
	// Authorizer is present only when the route has a JWT or Lambda
	// authorizer (the real captures of unauthorized routes have none).
	Authorizer        any        `json:"authorizer,omitempty"`
	DomainName        string     `json:"domainName"`
	DomainPrefix      string     `json:"domainPrefix"`
	ExtendedRequestID string     `json:"extendedRequestId"`
	HTTPMethod        string     `json:"httpMethod"`
	Identity          identityV1 `json:"identity"`
	Path              string     `json:"path"`
	Protocol          string     `json:"protocol"`
	RequestID         string     `json:"requestId"`
	RequestTime       string     `json:"requestTime"`
	RequestTimeEpoch  int64      `json:"requestTimeEpoch"`
	ResourceID        string     `json:"resourceId"`
	ResourcePath      string     `json:"resourcePath"`
	Stage             string     `json:"stage"`
}

// identityV1 is requestContext.identity of 1.0: every member null except
// sourceIp and userAgent on routes without IAM authorization (real
// captures also show cognitoAmr).
type identityV1 struct {
	AccessKey                     *string              `json:"accessKey"`
	AccountID                     *string              `json:"accountId"`
	Caller                        *string              `json:"caller"`
	CognitoAmr                    []string             `json:"cognitoAmr"`
	CognitoAuthenticationProvider *string              `json:"cognitoAuthenticationProvider"`
	CognitoAuthenticationType     *string              `json:"cognitoAuthenticationType"`
	CognitoIdentityID             *string              `json:"cognitoIdentityId"`
	CognitoIdentityPoolID         *string              `json:"cognitoIdentityPoolId"`
	PrincipalOrgID                *string              `json:"principalOrgId"`
	SourceIP                      string               `json:"sourceIp"`
	User                          *string              `json:"user"`
	UserAgent                     string               `json:"userAgent"`
	UserARN                       *string              `json:"userArn"`
	ClientCert                    *reqfacts.ClientCert `json:"clientCert,omitempty"`
}

// jwtV1 is requestContext.authorizer of 1.0 for JWT authorizers: flat, no
// "jwt" level (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html).
type jwtV1 struct {
	Claims map[string]string `json:"claims"`
	Scopes []string          `json:"scopes"`
}

// BuildEventV1 returns the payload format 1.0 event for req with the given
// request body (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
//
//   - resource and requestContext.resourcePath are the route path ("$default"
//     for the default route); requestContext.resourceId is the route key;
//     path is the path as received, percent-encoded, with the stage prefix and
//     the custom domain's mapping key; requestContext.path is the same path
//     decoded.
//   - headers hold the last value of each header, multiValueHeaders all of
//     them; the Cookie header stays. Names keep the client's spelling
//     as far as Go lets us know it (see headerNameV1).
//   - queryStringParameters hold the last value of each name,
//     multiValueQueryStringParameters all values; both null without a query
//     . pathParameters, stageVariables and body are null when empty.
//   - requestContext.extendedRequestId equals requestId.
func BuildEventV1(req *invoke.Request, body []byte) ([]byte, error) {
	r := req.HTTP
	if r == nil {
		return nil, fmt.Errorf("building payload 1.0 event: request has no HTTP request")
	}
	ev := eventV1{
		Version:    "1.0",
		Resource:   reqfacts.RoutePath(req),
		Path:       reqfacts.EscapedPath(req),
		HTTPMethod: r.Method,
	}
	ev.Headers, ev.MultiValueHeaders = reqfacts.HeadersV1(req, len(body))

	if params := reqfacts.ParseQuery(r.URL.RawQuery); len(params) > 0 {
		ev.QueryStringParameters = make(map[string]string, len(params))
		ev.MultiValueQueryStringParameters = make(map[string][]string, len(params))
		for _, p := range params {
			ev.QueryStringParameters[p.Name] = p.Value // the last value wins
			ev.MultiValueQueryStringParameters[p.Name] = append(ev.MultiValueQueryStringParameters[p.Name], p.Value)
		}
	}
	if len(req.PathParameters) > 0 {
		ev.PathParameters = req.PathParameters
	}
	if len(req.StageVariables) > 0 {
		ev.StageVariables = req.StageVariables
	}
	if len(body) > 0 {
		var b string
		b, ev.IsBase64Encoded = encodeBody(r.Header.Get("Content-Type"), body)
		ev.Body = &b
	}

	t := reqfacts.Time(req)
	ev.RequestContext = requestContextV1{
		AccountID:         req.AccountID,
		APIID:             req.APIID,
		Authorizer:        authorizerFor1(req.Authorizer),
		DomainName:        reqfacts.DomainName(req),
		DomainPrefix:      reqfacts.DomainPrefix(req),
		ExtendedRequestID: req.RequestID,
		HTTPMethod:        r.Method,
		Identity: identityV1{
			SourceIP:   req.SourceIP,
			UserAgent:  r.Header.Get("User-Agent"), // "" when absent, as captured events show
			ClientCert: reqfacts.PeerCert(r),
		},
		Path:             reqfacts.DecodedPath(req),
		Protocol:         reqfacts.Protocol,
		RequestID:        req.RequestID,
		RequestTime:      t.Format(reqfacts.CLFTime),
		RequestTimeEpoch: t.UnixMilli(),
		ResourceID:       req.RouteKey,
		ResourcePath:     ev.Resource,
		Stage:            req.Stage,
	}
	if a := req.Authorizer; a != nil && a.IAM != nil {
		id := &ev.RequestContext.Identity
		id.AccessKey = nullable(a.IAM.AccessKey)
		id.AccountID = nullable(a.IAM.AccountID)
		id.Caller = nullable(a.IAM.CallerID)
		id.PrincipalOrgID = nullable(a.IAM.PrincipalOrgID)
		id.User = nullable(a.IAM.UserID)
		id.UserARN = nullable(a.IAM.UserARN)
	}
	return marshalEvent(&ev)
}

// authorizerFor1 renders req.Authorizer as requestContext.authorizer of 1.0.
//
//   - JWT: {"claims":{...},"scopes":null|[...]}.
//   - Lambda: the context's keys at the top level, their JSON types kept, plus
//     "principalId" when the authorizer returned one (the REST-compatible
//     layout; undocumented by AWS for HTTP APIs, our choice: docs/compatibility.md#lambda-proxy, including whether values are
//     stringified; REST's integrationLatency is not added).
//   - IAM: no authorizer object; the caller's identity is in
//     requestContext.identity.
func authorizerFor1(a *invoke.AuthorizerContext) any {
	switch {
	case a == nil, a.IAM != nil:
		return nil
	case a.JWT != nil:
		claims := a.JWT.Claims
		if claims == nil {
			claims = map[string]string{}
		}
		return &jwtV1{Claims: claims, Scopes: a.JWT.Scopes}
	default:
		m := make(map[string]any, len(a.Lambda)+1)
		maps.Copy(m, a.Lambda)
		if a.PrincipalID != "" {
			m["principalId"] = a.PrincipalID
		}
		return m
	}
}
