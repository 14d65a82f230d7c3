package openapi

import (
	"errors"
	"strings"
	"testing"
)

// head is the first three lines of most error documents; paths start on
// line 4.
const head = "openapi: 3.0.1\ninfo: {title: t}\npaths:\n"

// lambdaInt is an inline Lambda integration, indented for an operation.
const lambdaInt = "      x-amazon-apigateway-integration: {type: aws_proxy, uri: \"arn:aws:lambda:us-east-1:123456789012:function:f\"}\n"

func TestImportErrors(t *testing.T) {
	t.Parallel()
	const jwtScheme = "components:\n  securitySchemes:\n    jwt:\n      type: oauth2\n      x-amazon-apigateway-authorizer:\n" +
		"        type: jwt\n        jwtConfiguration: {issuer: \"https://i.example.com\", audience: [a]}\n"
	tests := []struct {
		name string
		doc  string
		opts Options
		want []string
	}{
		{"swagger 2.0", "swagger: \"2.0\"\ninfo: {title: t}\npaths: {}\n", Options{},
			[]string{"e.yaml:1:10: Swagger 2.0 documents are not supported for HTTP APIs; only OpenAPI 3.0 definitions can be imported"}},
		{"openapi 3.1", "openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n", Options{},
			[]string{`e.yaml:1:10: OpenAPI version "3.1.0" is not supported for HTTP APIs; only OpenAPI 3.0 definitions can be imported`}},
		{"no version", "info: {title: t}\npaths: {}\n", Options{},
			[]string{"e.yaml:1:1: not an OpenAPI 3.0 document: the openapi member is missing"}},
		{"empty", "  \n", Options{}, []string{"e.yaml: the document is empty"}},
		{"not an object", "- a\n- b\n", Options{}, []string{"e.yaml:1:1: the document must be a JSON or YAML object"}},
		{"yaml syntax", "openapi: 3.0.1\ninfo:\n  title: t\n title2: x\npaths: {}\n", Options{},
			[]string{"e.yaml:3: invalid JSON or YAML: did not find expected key"}},
		{"json syntax", "{\"openapi\": \"3.0.1\",\n \"info\": {\"title\": \"t\"},\n \"paths\": {\n}\n", Options{},
			[]string{"e.yaml:4:2: invalid JSON: unexpected end of JSON input"}},
		{"json bad token", "{\"openapi\": \"3.0.1\",\n \"info\": {\"title\": \"t\"},\n \"paths\": {} x\n}\n", Options{},
			[]string{"e.yaml:3:14: invalid JSON: invalid character 'x' after object key:value pair"}},
		{"duplicate key", head + "  /a:\n    get: {}\n    get: {}\n", Options{},
			[]string{`e.yaml:6:5: duplicate key "get" (first at line 5)`}},
		{"duplicate key json", "{\"openapi\": \"3.0.1\", \"info\": {\"title\": \"t\", \"title\": \"u\"}, \"paths\": {}}", Options{},
			[]string{`e.yaml:1:45: duplicate key "title" (first at line 1)`}},
		{"two yaml documents", "openapi: 3.0.1\ninfo: {title: t}\npaths: {}\n---\nb: 1\n", Options{},
			[]string{"e.yaml:4:1: the document holds more than one YAML document"}},
		{"title missing", "openapi: 3.0.1\ninfo: {version: \"1\"}\npaths: {}\n", Options{},
			[]string{"e.yaml:2:7: info.title is required: it becomes the API name"}},
		{"info missing", "openapi: 3.0.1\npaths: {}\n", Options{},
			[]string{"e.yaml:1:1: info is required: info.title becomes the API name"}},
		{"paths missing", "openapi: 3.0.1\ninfo: {title: t}\n", Options{}, []string{"e.yaml:1:1: paths is required"}},
		{"importexport version", "openapi: 3.0.1\ninfo: {title: t}\npaths: {}\nx-amazon-apigateway-importexport-version: \"2.0\"\n", Options{},
			[]string{`e.yaml:4:43: unsupported x-amazon-apigateway-importexport-version "2.0"; the only supported version is 1.0`}},
		{"bad basepath mode", head + "  /a:\n    get: {}\n", Options{Basepath: "strip"},
			[]string{`e.yaml: invalid basepath mode "strip"; must be ignore, prepend or split`}},
		{"variable not whole segment", head + "  /x/{id}.json:\n    get: {}\n", Options{},
			[]string{`e.yaml:4:3: One or more path parts appear to be invalid: path /x/{id}.json: path segment "{id}.json": a variable must occupy the whole segment`}},
		{"trailing slash", head + "  /pets/:\n    get: {}\n    post: {}\n", Options{},
			[]string{`e.yaml:4:3: One or more path parts appear to be invalid: path /pets/: path must not end with "/"`}},
		{"trace", head + "  /pets:\n    trace: {}\n", Options{},
			[]string{"e.yaml:5:5: method TRACE of path /pets is not supported by HTTP APIs"}},
		{"default with get", head + "  /$default:\n    get: {}\n", Options{},
			[]string{"e.yaml:5:5: /$default supports only x-amazon-apigateway-any-method (the $default route), not get"}},
		{"duplicate route by variable name", head + "  /a/{x}:\n    get: {}\n  /a/{y}:\n    get: {}\n", Options{},
			[]string{"e.yaml:6:3: Route key GET /a/{y} conflicts with the existing route key GET /a/{x} (route keys that differ only in path variable names are the same route)"}},
		{"two security requirements", head + "  /a:\n    get:\n      security: [{jwt: []}, {jwt: []}]\n" + jwtScheme, Options{},
			[]string{"e.yaml:6:17: route GET /a has 2 security requirements; HTTP API routes support exactly one (IAM, a Lambda authorizer or a JWT authorizer)"}},
		{"two schemes in one requirement", head + "  /a:\n    get:\n      security:\n        - {jwt: [], iam: []}\n" + jwtScheme +
			"    iam: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}\n", Options{},
			[]string{"e.yaml:7:11: the security requirement of route GET /a names 2 schemes; HTTP API routes support exactly one"}},
		{"unknown scheme", head + "  /a:\n    get:\n      security: [{nope: []}]\n", Options{},
			[]string{`e.yaml:6:19: security scheme "nope" is not defined in components.securitySchemes`}},
		{"scopes on IAM", head + "  /a:\n    get:\n      security: [{iam: [admin]}]\ncomponents:\n  securitySchemes:\n" +
			"    iam: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}\n", Options{},
			[]string{"e.yaml:6:24: route GET /a: scopes are supported only for JWT authorizers; security scheme iam is not one"}},
		{"security not a list", head + "  /a:\n    get:\n      security: {jwt: []}\n" + jwtScheme, Options{},
			[]string{"e.yaml:6:17: security must be a list of security requirements, not an object"}},
		{"eleven scopes", head + "  /a:\n    get:\n      security: [{jwt: [a, b, c, d, e, f, g, h, i, j, k]}]\n" + jwtScheme, Options{},
			[]string{"e.yaml:6:24: A route can have at most 10 authorization scopes"}},
		{"auth type COGNITO", head + "  /a:\n    get:\n      x-amazon-apigateway-auth: {type: COGNITO}\n", Options{},
			[]string{`e.yaml:6:40: x-amazon-apigateway-auth type "COGNITO" is not supported for HTTP APIs; use AWS_IAM or NONE`}},
		{"auth IAM and JWT", head + "  /a:\n    get:\n      x-amazon-apigateway-auth: {type: AWS_IAM}\n      security: [{jwt: []}]\n" + jwtScheme, Options{},
			[]string{"e.yaml:7:19: route GET /a has both x-amazon-apigateway-auth AWS_IAM and security scheme jwt; HTTP API routes support exactly one authorization"}},
		{"missing ref", head + "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        $ref: \"#/components/x-amazon-apigateway-integrations/nope\"\n", Options{},
			[]string{`e.yaml:7:15: $ref "#/components/x-amazon-apigateway-integrations/nope": there is no integration "nope" in components.x-amazon-apigateway-integrations`}},
		{"external ref", head + "  /a:\n    get:\n      x-amazon-apigateway-integration: {$ref: \"other.yaml#/x\"}\n", Options{},
			[]string{`e.yaml:6:47: unsupported $ref "other.yaml#/x": an integration reference must point to #/components/x-amazon-apigateway-integrations/{name}`}},
		{"integration without type", head + "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        uri: https://x.example.com\n", Options{},
			[]string{"e.yaml:7:9: x-amazon-apigateway-integration of route GET /a has no type; HTTP APIs support aws_proxy and http_proxy"}},
		{"integration type foo", head + "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: foo}\n", Options{},
			[]string{`e.yaml:6:47: unsupported integration type "foo"; HTTP APIs support aws_proxy and http_proxy`}},
		{"timeout out of range", head + "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: http_proxy\n        httpMethod: GET\n" +
			"        uri: https://x.example.com\n        timeoutInMillis: 40000\n", Options{},
			[]string{"e.yaml:10:26: timeoutInMillis must be between 50 and 30000"}},
		{"timeout not a number", head + "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"https://x.example.com\", timeoutInMillis: soon}\n", Options{},
			[]string{"e.yaml:6:123: timeoutInMillis must be an integer number of milliseconds"}},
		{"relative http uri", head + "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: http_proxy\n        httpMethod: GET\n        uri: /backend\n", Options{},
			[]string{"e.yaml:9:14: Invalid integrationUri specified; HTTP_PROXY integrations need an absolute http or https URL (/backend)"}},
		{"http method missing", head + "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: http_proxy\n        uri: https://x.example.com\n", Options{},
			[]string{"e.yaml:7:9: integrationMethod is required for HTTP_PROXY integrations"}},
		{"lambda payload 3.0", head + "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        payloadFormatVersion: 3.0\n" +
			"        uri: arn:aws:lambda:us-east-1:123456789012:function:f\n", Options{},
			[]string{`e.yaml:8:31: Invalid payloadFormatVersion "3.0"; Lambda integrations support 1.0 and 2.0`}},
		{"reserved header", head + "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: http_proxy\n        httpMethod: GET\n" +
			"        uri: https://x.example.com\n        requestParameters:\n          overwrite:header.Authorization: x\n", Options{},
			[]string{"e.yaml:11:11: Invalid mapping expression specified: Validation Result: warnings : [], errors : [Header Authorization is reserved and cannot be mapped]"}},
		{"response status key", head + "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: http_proxy\n        httpMethod: GET\n" +
			"        uri: https://x.example.com\n        responseParameters:\n          \"4XX\": {overwrite:statuscode: \"400\"}\n", Options{},
			[]string{"e.yaml:11:11: Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid status code 4XX; response parameter keys must be status codes from 200 to 599]"}},
		{"subtype missing parameter", head + "  /a:\n    post:\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        integrationSubtype: SQS-SendMessage\n" +
			"        credentials: arn:aws:iam::123456789012:role/r\n        requestParameters: {QueueUrl: https://sqs.example.com/q}\n", Options{},
			[]string{"e.yaml:10:28: Invalid selection expression specified: Validation Result: warnings : [], errors : [Missing required parameter MessageBody for integration subtype SQS-SendMessage]"}},
		{"cors credentials wildcard", "openapi: 3.0.1\ninfo: {title: t}\npaths: {}\nx-amazon-apigateway-cors:\n  allowOrigins: ['*']\n  allowCredentials: true\n", Options{},
			[]string{"e.yaml:6:21: allow-credentials is not supported if 'allow-origin' is *"}},
		{"cors maxAge", "openapi: 3.0.1\ninfo: {title: t}\npaths: {}\nx-amazon-apigateway-cors: {maxAge: 90000}\n", Options{},
			[]string{"e.yaml:4:36: maxAge must be between -1 and 86400"}},
		{"cors maxAge not a number", "openapi: 3.0.1\ninfo: {title: t}\npaths: {}\nx-amazon-apigateway-cors: {maxAge: long}\n", Options{},
			[]string{"e.yaml:4:36: x-amazon-apigateway-cors.maxAge must be an integer number of seconds"}},
		{"jwt without audience", head + "  /a:\n    get:\n      security: [{jwt: []}]\ncomponents:\n  securitySchemes:\n    jwt:\n      type: oauth2\n" +
			"      x-amazon-apigateway-authorizer:\n        type: jwt\n        jwtConfiguration: {issuer: \"https://i.example.com\"}\n", Options{},
			[]string{"e.yaml:13:27: jwtConfiguration.audience must list at least one audience for JWT authorizers"}},
		{"openid url without discovery suffix", head + "  /a:\n    get: {}\ncomponents:\n  securitySchemes:\n    oidc:\n      type: openIdConnect\n" +
			"      openIdConnectUrl: https://issuer.example.com\n      x-amazon-apigateway-authorizer: {type: jwt, jwtConfiguration: {audience: [a]}}\n", Options{},
			[]string{`e.yaml:10:25: openIdConnectUrl "https://issuer.example.com" must end with /.well-known/openid-configuration for the issuer to be derived from it`}},
		{"authorizer type token", head + "  /a:\n    get: {}\ncomponents:\n  securitySchemes:\n    lam:\n      type: apiKey\n" +
			"      x-amazon-apigateway-authorizer: {type: token}\n", Options{},
			[]string{`e.yaml:10:46: authorizer type "token" of lam is not supported for HTTP APIs; use jwt or request`}},
		{"request authorizer ttl without source", head + "  /a:\n    get: {}\ncomponents:\n  securitySchemes:\n    lam:\n      type: apiKey\n" +
			"      x-amazon-apigateway-authorizer:\n        type: request\n        authorizerResultTtlInSeconds: 60\n" +
			"        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:a/invocations\n", Options{},
			[]string{"e.yaml:8:5: An identity source is required when authorizerResultTtlInSeconds is greater than 0"}},
		{"all errors reported", head + "  /x/{id}.json:\n    get: {}\n  /b:\n    trace: {}\n    get:\n" + lambdaInt + "      security: [{nope: []}]\n", Options{},
			[]string{
				`e.yaml:4:3: One or more path parts appear to be invalid: path /x/{id}.json: path segment "{id}.json": a variable must occupy the whole segment`,
				"e.yaml:7:5: method TRACE of path /b is not supported by HTTP APIs",
				`e.yaml:10:19: security scheme "nope" is not defined in components.securitySchemes`,
			}},
		{"wrong member types", head + "  /a:\n    get:\n      operationId: [x]\n      x-amazon-apigateway-integration:\n        type: http_proxy\n" +
			"        httpMethod: GET\n        uri: {url: x}\n", Options{},
			[]string{
				"e.yaml:6:20: operationId must be a string, not a list",
				"e.yaml:10:14: uri must be a string, not an object",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.Filename = "e.yaml"
			res, err := Import([]byte(tt.doc), tt.opts)
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("got result %+v, error %v; want *ImportError", res, err)
			}
			var got []string
			for _, d := range ie.Diagnostics {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestImportAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		check     func(t *testing.T, r *Result)
	}{
		{"route without integration has no target", head + "  /a:\n    get: {}\n", func(t *testing.T, r *Result) {
			if len(r.Definition.Routes) != 1 || r.Definition.Routes[0].Target != "" || r.Definition.Routes[0].AuthorizationType != "NONE" {
				t.Errorf("routes %+v", r.Definition.Routes)
			}
		}},
		{"type is case-insensitive", head + "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: HTTP_Proxy, httpMethod: any, uri: \"https://x.example.com\"}\n", func(t *testing.T, r *Result) {
			in := r.Definition.Integrations[0]
			if in.IntegrationType != "HTTP_PROXY" || in.IntegrationMethod != "ANY" || in.PayloadFormatVersion != "1.0" {
				t.Errorf("integration %+v", in)
			}
		}},
		{"numeric payload format", head + "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: aws_proxy, payloadFormatVersion: 1, uri: \"arn:aws:lambda:us-east-1:123456789012:function:f\"}\n", func(t *testing.T, r *Result) {
			if v := r.Definition.Integrations[0].PayloadFormatVersion; v != "1.0" {
				t.Errorf("payloadFormatVersion %q", v)
			}
		}},
		{"json with tabs", "{\n\t\"openapi\": \"3.0.1\",\n\t\"info\": {\"title\": \"t\"},\n\t\"paths\": {\"/a\": {\"get\": {}}}\n}\n", func(t *testing.T, r *Result) {
			if len(r.Definition.Routes) != 1 {
				t.Errorf("routes %+v", r.Definition.Routes)
			}
		}},
		{"security empty requirement is NONE", head + "  /a:\n    get:\n      security: [{}]\n", func(t *testing.T, r *Result) {
			if r.Definition.Routes[0].AuthorizationType != "NONE" {
				t.Errorf("route %+v", r.Definition.Routes[0])
			}
		}},
		{"x-amazon-apigateway-auth AWS_IAM", head + "  /a:\n    get:\n      x-amazon-apigateway-auth: {type: aws_iam}\n", func(t *testing.T, r *Result) {
			if r.Definition.Routes[0].AuthorizationType != "AWS_IAM" {
				t.Errorf("route %+v", r.Definition.Routes[0])
			}
		}},
		{"null path item and operation", head + "  /a:\n  /b:\n    get:\n", func(t *testing.T, r *Result) {
			if len(r.Definition.Routes) != 1 || r.Definition.Routes[0].RouteKey != "GET /b" {
				t.Errorf("routes %+v", r.Definition.Routes)
			}
		}},
		{"any method beside get", head + "  /a:\n    get: {}\n    x-amazon-apigateway-any-method: {}\n", func(t *testing.T, r *Result) {
			if len(r.Definition.Routes) != 2 || r.Definition.Routes[1].RouteKey != "ANY /a" {
				t.Errorf("routes %+v", r.Definition.Routes)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Import([]byte(tt.doc), Options{Filename: "a.yaml"})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

// TestSAMArtefacts covers the two encodings the SAM transform writes into
// every HttpApi body it manages: the path "$default" without a leading
// slash (an event without Path and Method) and the security requirement
// {"NONE": []} (an event's Auth.Authorizer NONE). AWS imports and serves
// both.
func TestSAMArtefacts(t *testing.T) {
	t.Parallel()
	const jwt = "components:\n  securitySchemes:\n    jwt:\n      type: oauth2\n      x-amazon-apigateway-authorizer:\n" +
		"        type: jwt\n        jwtConfiguration: {issuer: \"https://i.example.com\", audience: [a]}\n"
	t.Run("default path without slash", func(t *testing.T) {
		t.Parallel()
		doc := head + "  $default:\n    x-amazon-apigateway-any-method:\n      isDefaultRoute: true\n" + lambdaInt
		r, err := Import([]byte(doc), Options{Filename: "s.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Definition.Routes) != 1 || r.Definition.Routes[0].RouteKey != "$default" || r.Definition.Routes[0].Target == "" {
			t.Fatalf("routes %+v; want the $default route with its integration", r.Definition.Routes)
		}
		want := "s.yaml:4:3: warning: Parse issue: attribute paths. Resource $default should start with /"
		if len(r.Diagnostics) != 1 || r.Diagnostics[0].String() != want {
			t.Errorf("diagnostics %v; want [%s]", r.Diagnostics, want)
		}
		_, err = Import([]byte(doc), Options{Filename: "s.yaml", FailOnWarnings: true})
		if err == nil || err.Error() != want {
			t.Errorf("with FailOnWarnings: %v; want %s", err, want)
		}
	})
	t.Run("default path without slash and get", func(t *testing.T) {
		t.Parallel()
		_, err := Import([]byte(head+"  $default:\n    get: {}\n"), Options{Filename: "s.yaml"})
		if err == nil || !strings.Contains(err.Error(), "s.yaml:5:5: $default supports only x-amazon-apigateway-any-method") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("security NONE", func(t *testing.T) {
		t.Parallel()
		doc := "openapi: 3.0.1\ninfo: {title: t}\nsecurity: [{jwt: []}]\npaths:\n" +
			"  /open:\n    get:\n      security: [{\"NONE\": []}]\n" + lambdaInt +
			"  /closed:\n    get:\n" + lambdaInt + jwt
		r, err := Import([]byte(doc), Options{Filename: "s.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Diagnostics) != 0 {
			t.Errorf("diagnostics %v; want none", r.Diagnostics)
		}
		got := map[string]string{}
		for _, rt := range r.Definition.Routes {
			got[rt.RouteKey] = rt.AuthorizationType
		}
		if got["GET /open"] != "NONE" || got["GET /closed"] != "JWT" {
			t.Errorf("authorization %v; want GET /open NONE, GET /closed JWT", got)
		}
	})
	t.Run("a scheme named NONE is that scheme", func(t *testing.T) {
		t.Parallel()
		doc := head + "  /a:\n    get:\n      security: [{\"NONE\": []}]\n" + lambdaInt +
			strings.ReplaceAll(jwt, "    jwt:", "    NONE:")
		r, err := Import([]byte(doc), Options{Filename: "s.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Definition.Routes[0].AuthorizationType != "JWT" {
			t.Errorf("route %+v; want JWT", r.Definition.Routes[0])
		}
	})
}

func TestIntrinsicFunctionNamed(t *testing.T) {
	t.Parallel()
	doc := head + "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        uri:\n          Fn::Sub: arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:f\n"
	_, err := Import([]byte(doc), Options{Filename: "i.yaml"})
	want := "i.yaml:9:11: uri is a CloudFormation intrinsic function (Fn::Sub), which only CloudFormation resolves: serve the template that includes this document (apigw serve --template)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v; want %s", err, want)
	}
}
