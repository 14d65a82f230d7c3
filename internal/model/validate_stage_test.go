package model

import (
	"strings"
	"testing"
)

func TestAuthorizerValidate(t *testing.T) {
	t.Parallel()
	const uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
	jwt := func(mod func(*Authorizer)) Authorizer {
		a := Authorizer{Name: "jwt", AuthorizerType: AuthorizerJWT, IdentitySource: []string{"$request.header.Authorization"},
			JWTConfiguration: &JWTConfiguration{Issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x", Audience: []string{"client"}}}
		mod(&a)
		return a
	}
	req := func(mod func(*Authorizer)) Authorizer {
		a := Authorizer{Name: "req", AuthorizerType: AuthorizerRequest, AuthorizerURI: uri, AuthorizerPayloadFormatVersion: "2.0",
			IdentitySource: []string{"$request.header.X-Token", "$context.routeKey", "$stageVariables.env", "$request.querystring.t"}}
		mod(&a)
		return a
	}
	none := func(*Authorizer) {}
	tests := []struct {
		name string
		a    Authorizer
		want []problem
	}{
		{"jwt valid", jwt(none), nil},
		{"jwt query source", jwt(func(a *Authorizer) { a.IdentitySource = []string{"$request.querystring.token"} }), nil},
		{"jwt two sources", jwt(func(a *Authorizer) { a.IdentitySource = append(a.IdentitySource, "$request.header.X") }), []problem{{"identitySource", "exactly one identity source", false}}},
		{"jwt no source", jwt(func(a *Authorizer) { a.IdentitySource = nil }), []problem{{"identitySource", "exactly one identity source", false}}},
		{"jwt context source", jwt(func(a *Authorizer) { a.IdentitySource = []string{"$context.routeKey"} }), []problem{{"identitySource[0]", "for a JWT authorizer", false}}},
		{"jwt no config", jwt(func(a *Authorizer) { a.JWTConfiguration = nil }), []problem{{"jwtConfiguration", "required for JWT", false}}},
		{"jwt no issuer", jwt(func(a *Authorizer) { a.JWTConfiguration.Issuer = "" }), []problem{{"jwtConfiguration.issuer", "required", false}}},
		{"jwt relative issuer", jwt(func(a *Authorizer) { a.JWTConfiguration.Issuer = "issuer" }), []problem{{"jwtConfiguration.issuer", "absolute http or https URL", false}}},
		{"jwt no audience", jwt(func(a *Authorizer) { a.JWTConfiguration.Audience = nil }), []problem{{"jwtConfiguration.audience", "at least one audience", false}}},
		{"jwt 51 audiences", jwt(func(a *Authorizer) { a.JWTConfiguration.Audience = strings.Split(strings.Repeat("a,", 50)+"a", ",") }), []problem{{"jwtConfiguration.audience", "at most 50", false}}},
		{"jwt 50 audiences", jwt(func(a *Authorizer) { a.JWTConfiguration.Audience = strings.Split(strings.Repeat("a,", 49)+"a", ",") }), nil},
		{"jwt empty audience", jwt(func(a *Authorizer) { a.JWTConfiguration.Audience = []string{""} }), []problem{{"jwtConfiguration.audience[0]", "must not be empty", false}}},
		{"jwt with uri", jwt(func(a *Authorizer) { a.AuthorizerURI = uri }), []problem{{"authorizerUri", "only for REQUEST", false}}},
		{"jwt with ttl", jwt(func(a *Authorizer) { a.AuthorizerResultTTLInSeconds = ptr(60) }), []problem{{"authorizerResultTtlInSeconds", "only for REQUEST", false}}},
		{"jwt with ttl 0", jwt(func(a *Authorizer) { a.AuthorizerResultTTLInSeconds = ptr(0) }), nil},
		{"jwt with simple responses", jwt(func(a *Authorizer) { a.EnableSimpleResponses = true }), []problem{{"enableSimpleResponses", "only for REQUEST", false}}},
		{"name missing", jwt(func(a *Authorizer) { a.Name = "" }), []problem{{"name", "name is required", true}}},
		{"type missing", Authorizer{Name: "x"}, []problem{{"authorizerType", "required", false}}},
		{"type TOKEN", Authorizer{Name: "x", AuthorizerType: "TOKEN"}, []problem{{"authorizerType", "support JWT and REQUEST", false}}},

		{"request valid", req(none), nil},
		{"request no sources", req(func(a *Authorizer) { a.IdentitySource = nil }), nil},
		{"request ttl needs source", req(func(a *Authorizer) { a.IdentitySource = nil; a.AuthorizerResultTTLInSeconds = ptr(300) }),
			[]problem{{"identitySource", "required when authorizerResultTtlInSeconds is greater than 0", false}}},
		{"request ttl 3600", req(func(a *Authorizer) { a.AuthorizerResultTTLInSeconds = ptr(3600) }), nil},
		{"request ttl 3601", req(func(a *Authorizer) { a.AuthorizerResultTTLInSeconds = ptr(3601) }), []problem{{"authorizerResultTtlInSeconds", "between 0 and 3600", false}}},
		{"request ttl negative", req(func(a *Authorizer) { a.AuthorizerResultTTLInSeconds = ptr(-1) }), []problem{{"authorizerResultTtlInSeconds", "between 0 and 3600", false}}},
		{"request bad source", req(func(a *Authorizer) { a.IdentitySource = []string{"Authorization"} }), []problem{{"identitySource[0]", `Invalid identity source "Authorization"`, true}}},
		{"request source no name", req(func(a *Authorizer) { a.IdentitySource = []string{"$request.header."} }), []problem{{"identitySource[0]", "Invalid identity source", false}}},
		{"request uri missing", req(func(a *Authorizer) { a.AuthorizerURI = "" }), []problem{{"authorizerUri", "required for REQUEST", false}}},
		{"request uri plain function arn", req(func(a *Authorizer) { a.AuthorizerURI = "arn:aws:lambda:us-east-1:123456789012:function:auth" }), []problem{{"authorizerUri", "Invalid authorizerUri specified", true}}},
		{"request payload missing", req(func(a *Authorizer) { a.AuthorizerPayloadFormatVersion = "" }), []problem{{"authorizerPayloadFormatVersion", "required", false}}},
		{"request payload bad", req(func(a *Authorizer) { a.AuthorizerPayloadFormatVersion = "2" }), []problem{{"authorizerPayloadFormatVersion", "must be 1.0 or 2.0", false}}},
		{"request simple responses 2.0", req(func(a *Authorizer) { a.EnableSimpleResponses = true }), nil},
		{"request simple responses 1.0", req(func(a *Authorizer) { a.EnableSimpleResponses = true; a.AuthorizerPayloadFormatVersion = "1.0" }),
			[]problem{{"enableSimpleResponses", "only with authorizerPayloadFormatVersion 2.0", false}}},
		{"request with jwt config", req(func(a *Authorizer) { a.JWTConfiguration = &JWTConfiguration{} }), []problem{{"jwtConfiguration", "only for JWT", false}}},
		{"request credentials", req(func(a *Authorizer) { a.AuthorizerCredentialsARN = "arn:aws:iam::123456789012:role/invoke" }), nil},
		{"request bad credentials", req(func(a *Authorizer) { a.AuthorizerCredentialsARN = "x" }), []problem{{"authorizerCredentialsArn", "IAM role", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblems(t, tt.a.Validate(), tt.want...)
		})
	}
}

func TestStageValidate(t *testing.T) {
	t.Parallel()
	vars := func(n int) map[string]string {
		m := make(map[string]string, n)
		for i := 0; i < n; i++ {
			m["v"+itoa(i)] = "x"
		}
		return m
	}
	tests := []struct {
		name  string
		stage Stage
		want  []problem
	}{
		{"default", Stage{StageName: "$default"}, nil},
		{"named", Stage{StageName: "prod_v-2"}, nil},
		{"name missing", Stage{}, []problem{{"stageName", "stageName is required", true}}},
		{"name dot", Stage{StageName: "v1.0"}, []problem{{"stageName", "Invalid stage name v1.0", true}}},
		{"name dollar", Stage{StageName: "$prod"}, []problem{{"stageName", "Invalid stage name", false}}},
		{"name too long", Stage{StageName: strings.Repeat("s", 129)}, []problem{{"stageName", "Invalid stage name", false}}},
		{"variables valid", Stage{StageName: "p", StageVariables: map[string]string{"backend": "127.0.0.1:8080", "fn_name": "orders-v2", "url": "https://x.example/a?b=c&d=e#f,g~"}}, nil},
		{"variable bad name", Stage{StageName: "p", StageVariables: map[string]string{"my-var": "x"}}, []problem{{"stageVariables[my-var]", "names must be", false}}},
		{"variable bad value", Stage{StageName: "p", StageVariables: map[string]string{"v": "a b"}}, []problem{{"stageVariables[v]", "values must match", false}}},
		{"variable empty value", Stage{StageName: "p", StageVariables: map[string]string{"v": ""}}, []problem{{"stageVariables[v]", "values must match", false}}},
		{"variable long value", Stage{StageName: "p", StageVariables: map[string]string{"v": strings.Repeat("a", 513)}}, []problem{{"stageVariables[v]", "values must match", false}}},
		{"100 variables", Stage{StageName: "p", StageVariables: vars(100)}, nil},
		{"101 variables", Stage{StageName: "p", StageVariables: vars(101)}, []problem{{"stageVariables", "at most 100", false}}},
		{"negative burst", Stage{StageName: "p", DefaultRouteSettings: &RouteSettings{ThrottlingBurstLimit: ptr(-1)}}, []problem{{"defaultRouteSettings.throttlingBurstLimit", "must not be negative", false}}},
		{"negative rate", Stage{StageName: "p", RouteSettings: map[string]RouteSettings{"GET /pets": {ThrottlingRateLimit: ptr(-0.5)}}},
			[]problem{{"routeSettings[GET /pets].throttlingRateLimit", "must not be negative", false}}},
		{"route settings bad key", Stage{StageName: "p", RouteSettings: map[string]RouteSettings{"GET pets": {}}}, []problem{{"routeSettings[GET pets]", "One or more path parts appear to be invalid", true}}},
		{"route settings default key", Stage{StageName: "p", RouteSettings: map[string]RouteSettings{"$default": {ThrottlingBurstLimit: ptr(5)}}}, nil},
		{"logging level", Stage{StageName: "p", DefaultRouteSettings: &RouteSettings{LoggingLevel: "DEBUG"}}, []problem{{"defaultRouteSettings.loggingLevel", "ERROR, INFO or OFF", false}}},
		{"access log valid", Stage{StageName: "p", AccessLogSettings: &AccessLogSettings{DestinationARN: "stdout", Format: "$context.requestId"}}, nil},
		{"access log no format", Stage{StageName: "p", AccessLogSettings: &AccessLogSettings{DestinationARN: "stdout"}}, []problem{{"accessLogSettings.format", "required", false}}},
		{"access log no destination", Stage{StageName: "p", AccessLogSettings: &AccessLogSettings{Format: "x"}}, []problem{{"accessLogSettings.destinationArn", "required", false}}},
		{"access log format too long", Stage{StageName: "p", AccessLogSettings: &AccessLogSettings{DestinationARN: "stdout", Format: strings.Repeat("x", 3073)}},
			[]problem{{"accessLogSettings.format", "at most 3 KB", false}}},
		{"51 tags", Stage{StageName: "p", Tags: vars(51)}, []problem{{"tags", "At most 50 tags", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblems(t, tt.stage.Validate(), tt.want...)
		})
	}
}

func TestDomainMappingVpcLinkValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    interface{ Validate() error }
		want []problem
	}{
		{"domain valid", &DomainName{DomainName: "api.example.com", DomainNameConfigurations: []DomainNameConfiguration{{EndpointType: "REGIONAL", SecurityPolicy: "TLS_1_2"}}}, nil},
		{"domain wildcard", &DomainName{DomainName: "*.example.com"}, nil},
		{"domain missing", &DomainName{}, []problem{{"domainName", "required", false}}},
		{"domain single label", &DomainName{DomainName: "localhost"}, []problem{{"domainName", "Invalid domain name", false}}},
		{"domain bad label", &DomainName{DomainName: "a_b.example.com"}, []problem{{"domainName", "Invalid domain name", false}}},
		{"domain inner wildcard", &DomainName{DomainName: "a.*.example.com"}, []problem{{"domainName", "Invalid domain name", false}}},
		{"domain bad endpoint", &DomainName{DomainName: "a.example.com", DomainNameConfigurations: []DomainNameConfiguration{{EndpointType: "PRIVATE"}}},
			[]problem{{"domainNameConfigurations[0].endpointType", "REGIONAL or EDGE", false}}},
		{"domain bad policy", &DomainName{DomainName: "a.example.com", DomainNameConfigurations: []DomainNameConfiguration{{SecurityPolicy: "TLS_1_3"}}},
			[]problem{{"domainNameConfigurations[0].securityPolicy", "TLS_1_0 or TLS_1_2", false}}},
		{"domain routing mode", &DomainName{DomainName: "a.example.com", RoutingMode: "X"}, []problem{{"routingMode", "API_MAPPING_ONLY", false}}},
		{"mapping valid", &APIMapping{APIID: "a1b2c3d4e5", Stage: "$default", APIMappingKey: "orders/v2/items"}, nil},
		{"mapping empty key", &APIMapping{APIID: "a", Stage: "prod"}, nil},
		{"mapping missing", &APIMapping{}, []problem{{"apiId", "required", false}, {"stage", "required", false}}},
		{"mapping bad stage", &APIMapping{APIID: "a", Stage: "a b"}, []problem{{"stage", "Invalid stage name", false}}},
		{"mapping leading slash", &APIMapping{APIID: "a", Stage: "p", APIMappingKey: "/orders"}, []problem{{"apiMappingKey", "must not start or end", false}}},
		{"mapping empty segment", &APIMapping{APIID: "a", Stage: "p", APIMappingKey: "a//b"}, []problem{{"apiMappingKey", "empty path segment", false}}},
		{"mapping bad char", &APIMapping{APIID: "a", Stage: "p", APIMappingKey: "a b"}, []problem{{"apiMappingKey", "may contain only", false}}},
		{"mapping too long", &APIMapping{APIID: "a", Stage: "p", APIMappingKey: strings.Repeat("k", 301)}, []problem{{"apiMappingKey", "at most 300", false}}},
		{"vpc link valid", &VpcLink{Name: "l", SubnetIDs: []string{"subnet-1"}}, nil},
		{"vpc link missing", &VpcLink{}, []problem{{"name", "required", false}, {"subnetIds", "required", false}}},
		{"vpc link 11 subnets", &VpcLink{Name: "l", SubnetIDs: strings.Split("a b c d e f g h i j k", " ")}, []problem{{"subnetIds", "at most 10", false}}},
		{"vpc link empty sg", &VpcLink{Name: "l", SubnetIDs: []string{"s"}, SecurityGroupIDs: []string{""}}, []problem{{"securityGroupIds[0]", "must not be empty", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblems(t, tt.v.Validate(), tt.want...)
		})
	}
}

func TestRegionAndAccount(t *testing.T) {
	t.Parallel()
	for _, r := range []string{"us-east-1", "us-gov-west-1", "ap-southeast-2", "cn-north-1", "eu-central-2"} {
		if !IsRegion(r) {
			t.Errorf("IsRegion(%q) = false", r)
		}
	}
	for _, r := range []string{"", "us-east", "useast1", "US-EAST-1", "us-east-1a", "u-east-1", "us--1"} {
		if IsRegion(r) {
			t.Errorf("IsRegion(%q) = true", r)
		}
	}
	if !IsAccountID("000000000000") || IsAccountID("00000000000") || IsAccountID("00000000000a") {
		t.Errorf("IsAccountID wrong")
	}
}
