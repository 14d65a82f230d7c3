package lambdaproxy

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

// eventV2 is the payload format 2.0 request event (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html). Field
// order follows the AWS documentation's example and real captures (aws-lambda-go's
// events/testdata/apigw-v2-request-no-authorizer.json); omitempty marks exactly the
// fields present only sometimes.
type eventV2 struct {
	Version        string `json:"version"`
	RouteKey       string `json:"routeKey"`
	RawPath        string `json:"rawPath"`
	RawQueryString string `json:"rawQueryString"`
	// Cookies is present only if the client sent a Cookie header.
	Cookies []string          `json:"cookies,omitempty"`
	Headers map[string]string `json:"headers"`
	// QueryStringParameters is present only if the query has parameters.
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        requestContextV2  `json:"requestContext"`
	// Body is present only if the request had a body.
	Body string `json:"body,omitempty"`
	// PathParameters is present only if the route captured variables.
	PathParameters  map[string]string `json:"pathParameters,omitempty"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	// StageVariables is present only if the stage has variables.
	StageVariables map[string]string `json:"stageVariables,omitempty"`
}

// requestContextV2 is the 2.0 requestContext, its members in alphabetical
// order as every capture shows them.
type requestContextV2 struct {
	AccountID string `json:"accountId"`
	APIID     string `json:"apiId"`
	// Authentication is present only with mutual TLS.
	Authentication *authenticationV2 `json:"authentication,omitempty"`
	// Authorizer is present only when the route has an authorizer.
	Authorizer   *authorizerV2 `json:"authorizer,omitempty"`
	DomainName   string        `json:"domainName"`
	DomainPrefix string        `json:"domainPrefix"`
	HTTP         httpV2        `json:"http"`
	RequestID    string        `json:"requestId"`
	RouteKey     string        `json:"routeKey"`
	Stage        string        `json:"stage"`
	Time         string        `json:"time"`
	TimeEpoch    int64         `json:"timeEpoch"`
}

type authenticationV2 struct {
	ClientCert *reqfacts.ClientCert `json:"clientCert"`
}

type httpV2 struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// authorizerV2 carries exactly one of its members (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
type authorizerV2 struct {
	JWT *jwtV2 `json:"jwt,omitempty"`
	IAM *iamV2 `json:"iam,omitempty"`
	// Lambda holds a map[string]any, possibly empty: an interface holding an
	// empty map is not omitted, so "lambda":{} is written.
	Lambda any `json:"lambda,omitempty"`
}

// jwtV2 is authorizer.jwt (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html): claims rendered as
// strings by the JWT authorizer, scopes null (not []) when the route has no
// authorization scopes.
type jwtV2 struct {
	Claims map[string]string `json:"claims"`
	Scopes []string          `json:"scopes"`
}

// iamV2 is authorizer.iam (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html). cognitoIdentity is
// null: the gateway's IAM identities do not come from Cognito identity pools.
// principalOrgId is null when the caller's account is in no organization.
type iamV2 struct {
	AccessKey       string    `json:"accessKey"`
	AccountID       string    `json:"accountId"`
	CallerID        string    `json:"callerId"`
	CognitoIdentity *struct{} `json:"cognitoIdentity"`
	PrincipalOrgID  *string   `json:"principalOrgId"`
	UserARN         string    `json:"userArn"`
	UserID          string    `json:"userId"`
}

// BuildEventV2 returns the payload format 2.0 event for req with the given
// request body (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
//
//   - rawPath and requestContext.http.path are req.RawPath: decoded, with a
//     named stage's prefix, without a custom domain's mapping key; rawQueryString is the query exactly as received.
//   - headers have lower-case names; repeated headers are joined with ","
//     without a space (the docs show none); the Cookie header is removed
//     and split into cookies, one element per "name=value" pair.
//   - queryStringParameters are decoded, repeated names joined with "," in
//     arrival order.
//   - body and isBase64Encoded follow 3.5.
//   - requestContext.authorizer is built from req.Authorizer.
func BuildEventV2(req *invoke.Request, body []byte) ([]byte, error) {
	r := req.HTTP
	if r == nil {
		return nil, fmt.Errorf("building payload 2.0 event: request has no HTTP request")
	}
	ev := eventV2{
		Version:        "2.0",
		RouteKey:       req.RouteKey,
		RawPath:        reqfacts.RawPath(req),
		RawQueryString: r.URL.RawQuery,
		PathParameters: req.PathParameters,
		StageVariables: req.StageVariables,
	}
	ev.Headers, ev.Cookies = reqfacts.HeadersV2(req, len(body))

	ev.QueryStringParameters = reqfacts.JoinedQuery(reqfacts.ParseQuery(r.URL.RawQuery))
	ev.Body, ev.IsBase64Encoded = encodeBody(r.Header.Get("Content-Type"), body)

	t := reqfacts.Time(req)
	ev.RequestContext = requestContextV2{
		AccountID:    req.AccountID,
		APIID:        req.APIID,
		Authorizer:   authorizerFor2(req.Authorizer),
		DomainName:   reqfacts.DomainName(req),
		DomainPrefix: reqfacts.DomainPrefix(req),
		HTTP: httpV2{
			Method:    r.Method,
			Path:      ev.RawPath,
			Protocol:  reqfacts.Protocol,
			SourceIP:  req.SourceIP,
			UserAgent: r.Header.Get("User-Agent"), // "" when absent, as captured events show
		},
		RequestID: req.RequestID,
		RouteKey:  req.RouteKey,
		Stage:     req.Stage,
		Time:      t.Format(reqfacts.CLFTime),
		TimeEpoch: t.UnixMilli(),
	}
	if c := reqfacts.PeerCert(r); c != nil {
		ev.RequestContext.Authentication = &authenticationV2{ClientCert: c}
	}
	return marshalEvent(&ev)
}

// authorizerFor2 renders req.Authorizer as requestContext.authorizer of 2.0.
// A Lambda authorizer that returned no context gives "lambda":{} (
// undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy, suggested); its principalId, if any, is not added to the map
// (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy; SAM CLI adds it, AWS's example does not).
func authorizerFor2(a *invoke.AuthorizerContext) *authorizerV2 {
	switch {
	case a == nil:
		return nil
	case a.JWT != nil:
		claims := a.JWT.Claims
		if claims == nil {
			claims = map[string]string{}
		}
		return &authorizerV2{JWT: &jwtV2{Claims: claims, Scopes: a.JWT.Scopes}}
	case a.IAM != nil:
		return &authorizerV2{IAM: &iamV2{
			AccessKey:      a.IAM.AccessKey,
			AccountID:      a.IAM.AccountID,
			CallerID:       a.IAM.CallerID,
			PrincipalOrgID: nullable(a.IAM.PrincipalOrgID),
			UserARN:        a.IAM.UserARN,
			UserID:         a.IAM.UserID,
		}}
	default:
		ctx := a.Lambda
		if ctx == nil {
			ctx = map[string]any{}
		}
		return &authorizerV2{Lambda: ctx}
	}
}

// nullable returns nil (JSON null) for "", else a pointer to s.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// marshalEvent encodes an event without HTML escaping: AWS writes "<", ">" and
// "&" as they are, and so do we (the values are the same after decoding; the
// bytes are closer to AWS's).
func marshalEvent(ev any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("encoding event: %w", err)
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil // Encode appends a newline
}
