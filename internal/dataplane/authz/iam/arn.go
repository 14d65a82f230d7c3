package iam

import (
	"net/url"
	"path"
	"strings"
)

// RouteARN returns the execute-api ARN of a request as API Gateway builds it
// for IAM authorization and for the methodArn/routeArn of Lambda authorizer
// events (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html):
//
//	arn:aws:execute-api:{region}:{accountId}:{apiId}/{stage}/{METHOD}/{path}
//
// stage is the stage name ("$default" for the default stage); method is the
// request's actual method, never the route's ANY; reqPath is the request path
// after the stage and any custom-domain mapping key, decoded (invoke.Request
// Path), and appears without its leading slash, so the root path gives an ARN
// ending in "/GET/" (undocumented by AWS, our choice: docs/compatibility.md#iam, REST behaviour). The partition is
// always aws.
func RouteARN(region, accountID, apiID, stage, method, reqPath string) string {
	return "arn:aws:execute-api:" + region + ":" + accountID + ":" + apiID + "/" + stage + "/" +
		method + "/" + strings.TrimPrefix(reqPath, "/")
}

// maxDecodeRounds bounds the repeated percent-decoding of RouteARNs.
const maxDecodeRounds = 3

// RouteARNs returns the ARNs a policy is evaluated against for one request:
// first RouteARN itself, then, when it differs, a normalized reading of the
// same request. Policy.Evaluate allows a request only if every ARN is allowed
// and none is denied, so a path written to slip past a Deny pattern, or to
// borrow an Allow pattern, on the way to a backend that normalizes paths is
// refused (a choice stricter than AWS, which documents no normalization;
// ordinary paths have one reading and behave exactly as on AWS).
//
// The normalized reading upper-cases the method, percent-decodes the path
// again (up to three more rounds, for backends that decode twice), turns
// backslashes into slashes, collapses repeated slashes and resolves "." and
// ".." segments, keeping a trailing slash.
func RouteARNs(region, accountID, apiID, stage, method, reqPath string) []string {
	primary := RouteARN(region, accountID, apiID, stage, method, reqPath)
	norm := RouteARN(region, accountID, apiID, stage, strings.ToUpper(method), normalizePath(reqPath))
	if norm == primary {
		return []string{primary}
	}
	return []string{primary, norm}
}

// normalizePath is the normalized reading of a decoded request path, see
// RouteARNs. The result starts with "/".
func normalizePath(p string) string {
	for range maxDecodeRounds {
		if !strings.Contains(p, "%") {
			break
		}
		d, err := url.PathUnescape(p)
		if err != nil || d == p {
			break
		}
		p = d
	}
	p = strings.ReplaceAll(p, `\`, "/")
	trailing := strings.HasSuffix(p, "/")
	p = path.Clean("/" + p)
	if trailing && p != "/" {
		p += "/"
	}
	return p
}
