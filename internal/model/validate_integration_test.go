package model

import (
	"strings"
	"testing"
)

func TestIntegrationValidate(t *testing.T) {
	t.Parallel()
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:orders"
	lambda := func(mod func(*Integration)) Integration {
		in := Integration{IntegrationType: IntegrationAWSProxy, IntegrationURI: fn, PayloadFormatVersion: "2.0"}
		mod(&in)
		return in
	}
	httpProxy := func(mod func(*Integration)) Integration {
		in := Integration{IntegrationType: IntegrationHTTPProxy, IntegrationURI: "https://backend.example.com/{proxy}", IntegrationMethod: "ANY", PayloadFormatVersion: "1.0"}
		mod(&in)
		return in
	}
	service := func(mod func(*Integration)) Integration {
		in := Integration{IntegrationType: IntegrationAWSProxy, IntegrationSubtype: "SQS-SendMessage", PayloadFormatVersion: "1.0",
			CredentialsARN:    "arn:aws:iam::123456789012:role/apigw-sqs",
			RequestParameters: map[string]string{"QueueUrl": "$request.header.queueUrl", "MessageBody": "$request.body.message"}}
		mod(&in)
		return in
	}
	none := func(*Integration) {}
	const mapErr = "Invalid mapping expression specified: Validation Result: warnings : [], errors : ["
	tests := []struct {
		name string
		in   Integration
		want []problem
	}{
		{"lambda arn", lambda(none), nil},
		{"lambda qualified alias", lambda(func(in *Integration) { in.IntegrationURI = fn + ":live" }), nil},
		{"lambda qualified version", lambda(func(in *Integration) { in.IntegrationURI = fn + ":7" }), nil},
		{"lambda $LATEST", lambda(func(in *Integration) { in.IntegrationURI = fn + ":$LATEST" }), nil},
		{"lambda invocation uri", lambda(func(in *Integration) {
			in.IntegrationURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fn + ":live/invocations"
		}), nil},
		{"lambda stage variable name", lambda(func(in *Integration) {
			in.IntegrationURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations"
		}), nil},
		{"lambda stage variable qualifier", lambda(func(in *Integration) { in.IntegrationURI = fn + ":${stageVariables.ver}" }), nil},
		{"lambda china partition", lambda(func(in *Integration) { in.IntegrationURI = "arn:aws-cn:lambda:cn-north-1:123456789012:function:f" }), nil},
		{"lambda bare name", lambda(func(in *Integration) { in.IntegrationURI = "orders" }), []problem{{"integrationUri", "Invalid integrationUri specified for a Lambda integration", true}}},
		{"lambda bad account", lambda(func(in *Integration) { in.IntegrationURI = "arn:aws:lambda:us-east-1:1234:function:f" }), []problem{{"integrationUri", "Lambda integration", false}}},
		{"lambda bad region", lambda(func(in *Integration) { in.IntegrationURI = "arn:aws:lambda:useast1:123456789012:function:f" }), []problem{{"integrationUri", "Lambda integration", false}}},
		{"lambda bad invocation path", lambda(func(in *Integration) {
			in.IntegrationURI = "arn:aws:apigateway:us-east-1:lambda:path/2016-01-01/functions/" + fn + "/invocations"
		}), []problem{{"integrationUri", "Lambda integration", false}}},
		{"lambda broken placeholder", lambda(func(in *Integration) { in.IntegrationURI = fn[:len(fn)-6] + "${stageVariables.fn" }), []problem{{"integrationUri", "Lambda integration", false}}},
		{"lambda uri missing", lambda(func(in *Integration) { in.IntegrationURI = "" }), []problem{{"integrationUri", "required", false}}},
		{"lambda payload 1.0", lambda(func(in *Integration) { in.PayloadFormatVersion = "1.0" }), nil},
		{"lambda payload missing", lambda(func(in *Integration) { in.PayloadFormatVersion = "" }), []problem{{"payloadFormatVersion", "required", false}}},
		{"lambda payload 3.0", lambda(func(in *Integration) { in.PayloadFormatVersion = "3.0" }), []problem{{"payloadFormatVersion", "support 1.0 and 2.0", false}}},
		{"type AWS", lambda(func(in *Integration) { in.IntegrationType = IntegrationAWS }), []problem{{"integrationType", "not supported for HTTP APIs", false}}},
		{"type MOCK", Integration{IntegrationType: IntegrationMock}, []problem{{"integrationType", "not supported for HTTP APIs", false}}},
		{"type missing", Integration{}, []problem{{"integrationType", "integrationType is required", true}}},
		{"timeout low", lambda(func(in *Integration) { in.TimeoutInMillis = 49 }), []problem{{"timeoutInMillis", "between 50 and 30000", false}}},
		{"timeout high", lambda(func(in *Integration) { in.TimeoutInMillis = 30001 }), []problem{{"timeoutInMillis", "between 50 and 30000", false}}},
		{"timeout bounds", lambda(func(in *Integration) { in.TimeoutInMillis = 50 }), nil},
		{"timeout max", lambda(func(in *Integration) { in.TimeoutInMillis = 30000 }), nil},
		{"bad method", lambda(func(in *Integration) { in.IntegrationMethod = "FETCH" }), []problem{{"integrationMethod", "Invalid integrationMethod", false}}},
		{"credentials role", lambda(func(in *Integration) { in.CredentialsARN = "arn:aws:iam::123456789012:role/r" }), nil},
		{"credentials caller", lambda(func(in *Integration) { in.CredentialsARN = "arn:aws:iam::*:user/*" }), nil},
		{"credentials bad", lambda(func(in *Integration) { in.CredentialsARN = "role/r" }), []problem{{"credentialsArn", "IAM role ARN", false}}},

		{"http valid", httpProxy(none), nil},
		{"http stage variable host", httpProxy(func(in *Integration) { in.IntegrationURI = "http://${stageVariables.host}/pets/{id}" }), nil},
		{"http relative", httpProxy(func(in *Integration) { in.IntegrationURI = "/pets" }), []problem{{"integrationUri", "absolute http or https URL", false}}},
		{"http ftp", httpProxy(func(in *Integration) { in.IntegrationURI = "ftp://x.example.com" }), []problem{{"integrationUri", "absolute http or https URL", false}}},
		{"http method missing", httpProxy(func(in *Integration) { in.IntegrationMethod = "" }), []problem{{"integrationMethod", "required for HTTP_PROXY", false}}},
		{"http payload 2.0", httpProxy(func(in *Integration) { in.PayloadFormatVersion = "2.0" }), []problem{{"payloadFormatVersion", "HTTP_PROXY integrations support only 1.0", false}}},
		{"http payload unset", httpProxy(func(in *Integration) { in.PayloadFormatVersion = "" }), nil},
		{"http subtype", httpProxy(func(in *Integration) { in.IntegrationSubtype = "SQS-SendMessage" }), []problem{{"integrationSubtype", "only for AWS_PROXY", false}}},
		{"http tls over internet", httpProxy(func(in *Integration) { in.TLSConfig = &TLSConfig{ServerNameToVerify: "x"} }), []problem{{"tlsConfig", "only for private integrations", false}}},
		{"connectionId over internet", httpProxy(func(in *Integration) { in.ConnectionID = "vl1" }), []problem{{"connectionId", "only be set when connectionType is VPC_LINK", false}}},
		{"bad connection type", httpProxy(func(in *Integration) { in.ConnectionType = "PRIVATE" }), []problem{{"connectionType", "INTERNET or VPC_LINK", false}}},

		{"private alb", httpProxy(func(in *Integration) {
			in.ConnectionType, in.ConnectionID = ConnectionVPCLink, "vl1234"
			in.IntegrationURI = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/legacy-alb/0123456789abcdef/fedcba9876543210"
			in.TLSConfig = &TLSConfig{ServerNameToVerify: "legacy.internal.example.com"}
		}), nil},
		{"private nlb", httpProxy(func(in *Integration) {
			in.ConnectionType, in.ConnectionID = ConnectionVPCLink, "vl1234"
			in.IntegrationURI = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/net/n/01/02"
		}), nil},
		{"private cloud map with filters", httpProxy(func(in *Integration) {
			in.ConnectionType, in.ConnectionID = ConnectionVPCLink, "vl1234"
			in.IntegrationURI = "arn:aws:servicediscovery:us-east-1:111122223333:service/srv-abc123?stage=prod&deployment=green_deployment"
		}), nil},
		{"private url refused", httpProxy(func(in *Integration) {
			in.ConnectionType, in.ConnectionID = ConnectionVPCLink, "vl1234"
		}), []problem{{"integrationUri", "Invalid integrationUri specified for a private integration", true}}},
		{"private target group arn refused", httpProxy(func(in *Integration) {
			in.ConnectionType, in.ConnectionID = ConnectionVPCLink, "vl1234"
			in.IntegrationURI = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/t/01"
		}), []problem{{"integrationUri", "private integration", false}}},
		{"private without connection id", httpProxy(func(in *Integration) {
			in.ConnectionType = ConnectionVPCLink
			in.IntegrationURI = "arn:aws:servicediscovery:us-east-1:111122223333:service/srv-abc123"
		}), []problem{{"connectionId", "required when connectionType is VPC_LINK", false}}},
		{"vpc link on lambda", lambda(func(in *Integration) { in.ConnectionType, in.ConnectionID = ConnectionVPCLink, "vl1" }), []problem{{"connectionType", "only for HTTP_PROXY", false}}},

		{"service valid", service(none), nil},
		{"service with Region", service(func(in *Integration) { in.RequestParameters["Region"] = "eu-west-1" }), nil},
		{"service unknown subtype", service(func(in *Integration) { in.IntegrationSubtype = "SQS-Send" }), []problem{{"integrationSubtype", `Invalid integrationSubtype "SQS-Send"`, true}}},
		{"service subtype case-sensitive", service(func(in *Integration) { in.IntegrationSubtype = "sqs-sendmessage" }), []problem{{"integrationSubtype", "Invalid integrationSubtype", false}}},
		{"service missing required", service(func(in *Integration) { delete(in.RequestParameters, "MessageBody") }),
			[]problem{{"requestParameters", "Invalid selection expression specified: Validation Result: warnings : [], errors : [Missing required parameter MessageBody for integration subtype SQS-SendMessage]", true}}},
		{"service unknown parameter", service(func(in *Integration) { in.RequestParameters["Body"] = "x" }), []problem{{"requestParameters[Body]", "Parameter Body is not supported for integration subtype SQS-SendMessage", false}}},
		{"service bad source", service(func(in *Integration) { in.RequestParameters["MessageBody"] = "$request.bodyx" }),
			[]problem{{"requestParameters[MessageBody]", "errors : [Invalid source: $request.bodyx specified for destination: MessageBody]", false}}},
		{"service payload 2.0", service(func(in *Integration) { in.PayloadFormatVersion = "2.0" }), []problem{{"payloadFormatVersion", "AWS service integrations support only 1.0", false}}},
		{"service credentials missing", service(func(in *Integration) { in.CredentialsARN = "" }), []problem{{"credentialsArn", "required for integration subtype SQS-SendMessage", false}}},
		{"eventbridge all required", Integration{IntegrationType: IntegrationAWSProxy, IntegrationSubtype: "EventBridge-PutEvents", CredentialsARN: "arn:aws:iam::111122223333:role/r",
			RequestParameters: map[string]string{"Detail": "$request.body", "DetailType": "T", "Source": "s"}}, nil},
		{"stepfunctions missing arn", Integration{IntegrationType: IntegrationAWSProxy, IntegrationSubtype: "StepFunctions-StartExecution", CredentialsARN: "arn:aws:iam::111122223333:role/r"},
			[]problem{{"requestParameters", "Missing required parameter StateMachineArn", false}}},

		{"request params valid", httpProxy(func(in *Integration) {
			in.RequestParameters = map[string]string{
				"append:header.x-caller":      "$context.identity.sourceIp",
				"overwrite:querystring.limit": "${request.querystring.n}0",
				"remove:header.x-debug":       "",
				"overwrite:path":              "/v2/${request.path.id}",
				"overwrite:header.x-b":        "$request.body.a.b[0]",
				"overwrite:header.x-s":        "$stageVariables.env",
				"overwrite:header.static":     "a static value",
			}
		}), nil},
		{"request param reserved header", httpProxy(func(in *Integration) {
			in.RequestParameters = map[string]string{"overwrite:header.Authorization": "x"}
		}), []problem{{"requestParameters[overwrite:header.Authorization]", mapErr + "Header Authorization is reserved and cannot be mapped]", true}}},
		{"request param reserved prefix", httpProxy(func(in *Integration) {
			in.RequestParameters = map[string]string{"append:header.X-Amzn-Trace-Id": "x", "append:header.apigw-requestid": "y"}
		}), []problem{{"requestParameters[append:header.X-Amzn-Trace-Id]", "reserved", false}, {"requestParameters[append:header.apigw-requestid]", "reserved", false}}},
		{"request param host allowed", httpProxy(func(in *Integration) { in.RequestParameters = map[string]string{"overwrite:header.Host": "x"} }), nil},
		{"request param append path", httpProxy(func(in *Integration) { in.RequestParameters = map[string]string{"append:path": "x"} }), []problem{{"requestParameters[append:path]", "can only be overwritten", false}}},
		{"request param bad action", httpProxy(func(in *Integration) { in.RequestParameters = map[string]string{"set:header.x": "x"} }), []problem{{"requestParameters[set:header.x]", "Invalid action set", false}}},
		{"request param bad target", httpProxy(func(in *Integration) { in.RequestParameters = map[string]string{"overwrite:body": "x"} }), []problem{{"requestParameters[overwrite:body]", "must target", false}}},
		{"request param no action", httpProxy(func(in *Integration) { in.RequestParameters = map[string]string{"header.x": "x"} }), []problem{{"requestParameters[header.x]", "Invalid mapping key", false}}},
		{"request param bad header name", httpProxy(func(in *Integration) { in.RequestParameters = map[string]string{"overwrite:header.a b": "x"} }), []problem{{"requestParameters[overwrite:header.a b]", "Invalid header name", false}}},
		{"request param empty value", httpProxy(func(in *Integration) { in.RequestParameters = map[string]string{"overwrite:header.x": ""} }), []problem{{"requestParameters[overwrite:header.x]", "Invalid source", false}}},
		{"request param long value", httpProxy(func(in *Integration) {
			in.RequestParameters = map[string]string{"overwrite:header.x": strings.Repeat("v", 513)}
		}), []problem{{"requestParameters[overwrite:header.x]", "at most 512", false}}},
		{"request param 512 value", httpProxy(func(in *Integration) {
			in.RequestParameters = map[string]string{"overwrite:header.x": strings.Repeat("v", 512)}
		}), nil},
		{"request param recursive jsonpath", httpProxy(func(in *Integration) {
			in.RequestParameters = map[string]string{"overwrite:header.x": "$request.body..a"}
		}), []problem{{"requestParameters[overwrite:header.x]", "Invalid source: $request.body..a", false}}},
		{"request param response source", httpProxy(func(in *Integration) {
			in.RequestParameters = map[string]string{"overwrite:header.x": "$response.header.y"}
		}), []problem{{"requestParameters[overwrite:header.x]", "Invalid source", false}}},
		{"request param unterminated", httpProxy(func(in *Integration) {
			in.RequestParameters = map[string]string{"overwrite:header.x": "a ${request.path"}
		}), []problem{{"requestParameters[overwrite:header.x]", "Invalid source", false}}},

		{"response params valid", httpProxy(func(in *Integration) {
			in.ResponseParameters = map[string]map[string]string{
				"404": {"overwrite:statuscode": "410"},
				"500": {"append:header.header1": "$context.requestId", "overwrite:statuscode": "403", "remove:header.x": ""},
				"200": {"overwrite:header.x-len": "$response.header.content-length", "append:header.y": "$response.body.a"},
			}
		}), nil},
		{"response status key 199", httpProxy(func(in *Integration) {
			in.ResponseParameters = map[string]map[string]string{"199": {"overwrite:statuscode": "200"}}
		}), []problem{{"responseParameters[199]", "status codes from 200 to 599", false}}},
		{"response status key range", httpProxy(func(in *Integration) {
			in.ResponseParameters = map[string]map[string]string{"4XX": {"overwrite:statuscode": "400"}}
		}), []problem{{"responseParameters[4XX]", "status codes from 200 to 599", false}}},
		{"response bad statuscode value", httpProxy(func(in *Integration) {
			in.ResponseParameters = map[string]map[string]string{"404": {"overwrite:statuscode": "600"}}
		}), []problem{{"responseParameters[404][overwrite:statuscode]", "100 to 599", false}}},
		{"response actioned parameter", httpProxy(func(in *Integration) {
			in.ResponseParameters = map[string]map[string]string{"200": {"append:overwrite.static": "v"}}
		}), []problem{{"responseParameters[200][append:overwrite.static]", mapErr + "Invalid Response Actioned Parameter: append:overwrite.static]", true}}},
		{"response reserved header", httpProxy(func(in *Integration) {
			in.ResponseParameters = map[string]map[string]string{"200": {"overwrite:header.Access-Control-Allow-Origin": "*"}}
		}), []problem{{"responseParameters[200][overwrite:header.Access-Control-Allow-Origin]", "reserved", false}}},
		{"response request source", httpProxy(func(in *Integration) {
			in.ResponseParameters = map[string]map[string]string{"200": {"overwrite:header.x": "$request.header.y"}}
		}), []problem{{"responseParameters[200][overwrite:header.x]", "Invalid source", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblems(t, tt.in.Validate(), tt.want...)
		})
	}
}

func TestSubtypeParameters(t *testing.T) {
	t.Parallel()
	for _, name := range subtypeNames() {
		req, opt, ok := SubtypeParameters(name)
		if !ok || len(req) == 0 || opt[len(opt)-1] != "Region" {
			t.Errorf("%s: required %v optional %v ok %v", name, req, opt, ok)
		}
	}
	if _, _, ok := SubtypeParameters("S3-PutObject"); ok {
		t.Errorf("unknown subtype reported as known")
	}
}

func TestReservedHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"Authorization", true}, {"authorization", true}, {"X-Forwarded-For", true}, {"x-amz-date", true},
		{"X-Amzn-RequestId", true}, {"access-control-allow-origin", true}, {"Apigw-Requestid", true}, {"TE", true},
		{"Via", true}, {"Host", false}, {"Content-Type", false}, {"x-amzdate", false}, {"x-caller", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ReservedHeader(tt.name); got != tt.want {
				t.Errorf("ReservedHeader(%q) = %v; want %v", tt.name, got, tt.want)
			}
		})
	}
}
