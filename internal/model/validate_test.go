package model

import (
	"errors"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// problem is one expected ValidationError: its field and a part of its
// message (the whole message when exact is set).
type problem struct {
	field, msg string
	exact      bool
}

// checkProblems asserts that err holds exactly the problems want, in order.
func checkProblems(t *testing.T, err error, want ...problem) {
	t.Helper()
	got := AsValidationErrors(err)
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("got error %v; want none", err)
		}
		return
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems %v; want %d %v", len(got), err, len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if g.Field != w.field {
			t.Errorf("problem %d: field %q; want %q (%v)", i, g.Field, w.field, g)
		}
		if w.exact && g.Message != w.msg || !w.exact && !strings.Contains(g.Message, w.msg) {
			t.Errorf("problem %d: message %q; want %q", i, g.Message, w.msg)
		}
	}
	if len(got) == 1 {
		var one *ValidationError
		if !errors.As(err, &one) {
			t.Errorf("single problem not returned as *ValidationError: %T", err)
		}
	}
}

func TestValidationErrorText(t *testing.T) {
	t.Parallel()
	e := &ValidationError{Resource: ResourceRoute, ID: "GET /x", Field: "routeKey", Message: "bad", Detail: "why"}
	if got, want := e.Error(), `route "GET /x": routeKey: bad (why)`; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	list := ValidationErrors{e, {Resource: ResourceAPI, Message: "m"}}
	if got, want := list.Error(), `route "GET /x": routeKey: bad (why); api: m`; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	var one *ValidationError
	if !errors.As(error(list), &one) || one != e {
		t.Errorf("errors.As did not find the first problem")
	}
	if got := FieldKey("responseParameters", "404", "overwrite:statuscode"); got != "responseParameters[404][overwrite:statuscode]" {
		t.Errorf("FieldKey = %q", got)
	}
	if AsValidationErrors(errors.New("x")) != nil {
		t.Errorf("AsValidationErrors of a plain error is not nil")
	}
}

func TestAPIValidate(t *testing.T) {
	t.Parallel()
	ok := func() API { return API{Name: "pets", ProtocolType: ProtocolHTTP} }
	tests := []struct {
		name string
		mod  func(*API)
		want []problem
	}{
		{"valid", func(*API) {}, nil},
		{"name missing", func(a *API) { a.Name = "" }, []problem{{"name", "name is required", true}}},
		{"name too long", func(a *API) { a.Name = strings.Repeat("n", 129) }, []problem{{"name", "between 1 and 128", false}}},
		{"websocket", func(a *API) { a.ProtocolType = ProtocolWebSocket }, []problem{{"protocolType", "WebSocket APIs are not supported", false}}},
		{"protocol missing", func(a *API) { a.ProtocolType = "" }, []problem{{"protocolType", "protocolType is required", true}}},
		{"route selection", func(a *API) { a.RouteSelectionExpression = "$request.body.action" }, []problem{{"routeSelectionExpression", "only support", false}}},
		{"route selection braces", func(a *API) { a.RouteSelectionExpression = "${request.method} ${request.path}" }, nil},
		{"version empty ok", func(a *API) { a.Version = "" }, nil},
		{"version too long", func(a *API) { a.Version = strings.Repeat("v", 65) }, []problem{{"version", "between 1 and 64", false}}},
		{"description too long", func(a *API) { a.Description = strings.Repeat("d", 1025) }, []problem{{"description", "between 0 and 1024", false}}},
		{"ip type", func(a *API) { a.IPAddressType = "ipv6" }, []problem{{"ipAddressType", "ipv4 or dualstack", false}}},
		{"tag aws prefix", func(a *API) { a.Tags = map[string]string{"aws:x": "1", "ok": ""} }, []problem{{"tags[aws:x]", "must not start with aws:", false}}},
		{"tag value too long", func(a *API) { a.Tags = map[string]string{"k": strings.Repeat("v", 1601)} }, []problem{{"tags[k]", "at most 1600", false}}},
		{"cors credentials wildcard", func(a *API) {
			a.CORSConfiguration = &CORS{AllowCredentials: ptr(true), AllowOrigins: []string{"https://a.example", "*"}}
		}, []problem{{"corsConfiguration.allowCredentials", "allow-credentials is not supported if 'allow-origin' is *", true}}},
		{"cors credentials false wildcard", func(a *API) {
			a.CORSConfiguration = &CORS{AllowCredentials: ptr(false), AllowOrigins: []string{"*"}}
		}, nil},
		{"cors maxAge low", func(a *API) { a.CORSConfiguration = &CORS{MaxAge: ptr(-2)} }, []problem{{"corsConfiguration.maxAge", "between -1 and 86400", false}}},
		{"cors maxAge bounds", func(a *API) { a.CORSConfiguration = &CORS{MaxAge: ptr(86400)} }, nil},
		{"cors maxAge -1", func(a *API) { a.CORSConfiguration = &CORS{MaxAge: ptr(-1)} }, nil},
		{"cors maxAge high", func(a *API) { a.CORSConfiguration = &CORS{MaxAge: ptr(86401)} }, []problem{{"corsConfiguration.maxAge", "between -1 and 86400", false}}},
		{"cors empty method", func(a *API) { a.CORSConfiguration = &CORS{AllowMethods: []string{"GET", ""}} }, []problem{{"corsConfiguration.allowMethods[1]", "must not be empty", false}}},
		{"cors long method", func(a *API) { a.CORSConfiguration = &CORS{AllowMethods: []string{strings.Repeat("M", 65)}} }, []problem{{"corsConfiguration.allowMethods[0]", "at most 64", false}}},
		{"several problems", func(a *API) { a.Name = ""; a.ProtocolType = "REST" }, []problem{{"name", "required", false}, {"protocolType", "Invalid protocolType", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := ok()
			tt.mod(&a)
			checkProblems(t, a.Validate(), tt.want...)
		})
	}
}

func TestRouteValidate(t *testing.T) {
	t.Parallel()
	const badPath = "One or more path parts appear to be invalid"
	tests := []struct {
		name  string
		route Route
		want  []problem
	}{
		{"valid", Route{RouteKey: "GET /pets/{id}", Target: "integrations/abc1234"}, nil},
		{"default", Route{RouteKey: "$default"}, nil},
		{"key missing", Route{}, []problem{{"routeKey", "routeKey is required", true}}},
		{"variable not whole segment", Route{RouteKey: "GET /x/{id}.json"}, []problem{{"routeKey", badPath, true}}},
		{"trailing slash", Route{RouteKey: "GET /pets/"}, []problem{{"routeKey", badPath, true}}},
		{"greedy not last", Route{RouteKey: "GET /{proxy+}/x"}, []problem{{"routeKey", badPath, true}}},
		{"bad method", Route{RouteKey: "TRACE /x"}, []problem{{"routeKey", `Invalid route key "TRACE /x"`, true}}},
		{"lowercase method", Route{RouteKey: "get /x"}, []problem{{"routeKey", "Invalid route key", false}}},
		{"target form", Route{RouteKey: "GET /", Target: "arn:aws:lambda:x"}, []problem{{"target", "Invalid target specified", true}}},
		{"target empty id", Route{RouteKey: "GET /", Target: "integrations/"}, []problem{{"target", "Invalid target specified", true}}},
		{"jwt without authorizer", Route{RouteKey: "GET /", AuthorizationType: AuthJWT},
			[]problem{{"authorizerId", "Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer.", true}}},
		{"custom without authorizer", Route{RouteKey: "GET /", AuthorizationType: AuthCustom}, []problem{{"authorizerId", "requires a valid REQUEST authorizer", false}}},
		{"authorizer with NONE", Route{RouteKey: "GET /", AuthorizationType: AuthNone, AuthorizerID: "a1"}, []problem{{"authorizerId", "only be set when", false}}},
		{"authorizer with IAM", Route{RouteKey: "GET /", AuthorizationType: AuthIAM, AuthorizerID: "a1"}, []problem{{"authorizerId", "only be set when", false}}},
		{"bad auth type", Route{RouteKey: "GET /", AuthorizationType: "COGNITO"}, []problem{{"authorizationType", "Invalid authorizationType", false}}},
		{"scopes without jwt", Route{RouteKey: "GET /", AuthorizationType: AuthIAM, AuthorizationScopes: []string{"a"}}, []problem{{"authorizationScopes", "only for JWT", false}}},
		{"scopes with jwt", Route{RouteKey: "GET /", AuthorizationType: AuthJWT, AuthorizerID: "a", AuthorizationScopes: []string{"a", "b"}}, nil},
		{"eleven scopes", Route{RouteKey: "GET /", AuthorizationType: AuthJWT, AuthorizerID: "a", AuthorizationScopes: strings.Split("a b c d e f g h i j k", " ")},
			[]problem{{"authorizationScopes", "at most 10", false}}},
		{"empty scope", Route{RouteKey: "GET /", AuthorizationType: AuthJWT, AuthorizerID: "a", AuthorizationScopes: []string{""}}, []problem{{"authorizationScopes[0]", "between 1 and 64", false}}},
		{"operation name too long", Route{RouteKey: "GET /", OperationName: strings.Repeat("o", 65)}, []problem{{"operationName", "between 1 and 64", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblems(t, tt.route.Validate(), tt.want...)
		})
	}
}

func TestRouteKeyDetail(t *testing.T) {
	t.Parallel()
	r := Route{RouteKey: "GET /x/{id}.json"}
	got := AsValidationErrors(r.Validate())
	if len(got) != 1 || !strings.Contains(got[0].Detail, "whole segment") {
		t.Fatalf("got %v; want a detail about the variable segment", got)
	}
}

func TestDefinitionValidate(t *testing.T) {
	t.Parallel()
	lambda := Integration{IntegrationID: "fn00001", IntegrationType: IntegrationAWSProxy, IntegrationURI: "arn:aws:lambda:us-east-1:123456789012:function:f", PayloadFormatVersion: "2.0"}
	jwt := Authorizer{AuthorizerID: "jwt001", Name: "jwt", AuthorizerType: AuthorizerJWT, IdentitySource: []string{"$request.header.Authorization"},
		JWTConfiguration: &JWTConfiguration{Issuer: "https://issuer.example.com", Audience: []string{"aud"}}}
	req := Authorizer{AuthorizerID: "req001", Name: "req", AuthorizerType: AuthorizerRequest, AuthorizerPayloadFormatVersion: "2.0",
		AuthorizerURI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"}
	base := func() Definition {
		return Definition{
			API:          API{Name: "a", ProtocolType: ProtocolHTTP},
			Integrations: []Integration{lambda},
			Authorizers:  []Authorizer{jwt, req},
		}
	}
	many := func(n int, f func(i int) Route) []Route {
		out := make([]Route, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	const jwtMsg = "Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer."
	tests := []struct {
		name string
		mod  func(*Definition)
		want []problem
	}{
		{"valid", func(d *Definition) {
			d.Routes = []Route{
				{RouteID: "r1", RouteKey: "GET /pets/{id}", Target: "integrations/fn00001", AuthorizationType: AuthJWT, AuthorizerID: "jwt001", AuthorizationScopes: []string{"read"}},
				{RouteID: "r2", RouteKey: "POST /pets", Target: "integrations/fn00001", AuthorizationType: AuthCustom, AuthorizerID: "req001"},
				{RouteID: "r3", RouteKey: "$default"},
			}
		}, nil},
		{"unknown target", func(d *Definition) {
			d.Routes = []Route{{RouteID: "r1", RouteKey: "GET /", Target: "integrations/nope"}}
		}, []problem{{"target", "Invalid target specified", true}}},
		{"jwt route with request authorizer", func(d *Definition) {
			d.Routes = []Route{{RouteID: "r1", RouteKey: "GET /", AuthorizationType: AuthJWT, AuthorizerID: "req001"}}
		}, []problem{{"authorizerId", jwtMsg, true}}},
		{"jwt route with unknown authorizer", func(d *Definition) {
			d.Routes = []Route{{RouteID: "r1", RouteKey: "GET /", AuthorizationType: AuthJWT, AuthorizerID: "zzz"}}
		}, []problem{{"authorizerId", jwtMsg, true}}},
		{"custom route with jwt authorizer", func(d *Definition) {
			d.Routes = []Route{{RouteID: "r1", RouteKey: "GET /", AuthorizationType: AuthCustom, AuthorizerID: "jwt001"}}
		}, []problem{{"authorizerId", "REQUEST authorizer", false}}},
		{"duplicate key", func(d *Definition) {
			d.Routes = []Route{{RouteID: "r1", RouteKey: "GET /pets"}, {RouteID: "r2", RouteKey: "GET /pets"}}
		}, []problem{{"routeKey", "conflicts with the existing route key GET /pets", false}}},
		{"duplicate key by variable name", func(d *Definition) {
			d.Routes = []Route{{RouteID: "r1", RouteKey: "GET /pets/{id}"}, {RouteID: "r2", RouteKey: "GET /pets/{petId}"}}
		}, []problem{{"routeKey", "Route key GET /pets/{petId} conflicts with the existing route key GET /pets/{id}", true}}},
		{"ANY and GET coexist", func(d *Definition) {
			d.Routes = []Route{{RouteID: "r1", RouteKey: "GET /pets"}, {RouteID: "r2", RouteKey: "ANY /pets"}}
		}, nil},
		{"duplicate route id", func(d *Definition) {
			d.Routes = []Route{{RouteID: "r1", RouteKey: "GET /a"}, {RouteID: "r1", RouteKey: "GET /b"}}
		}, []problem{{"routeId", "Duplicate route id", false}}},
		{"301 routes", func(d *Definition) {
			d.Routes = many(301, func(i int) Route { return Route{RouteKey: "GET /r" + itoa(i)} })
		}, []problem{{"routes", "at most 300 routes", false}}},
		{"300 routes", func(d *Definition) {
			d.Routes = many(300, func(i int) Route { return Route{RouteKey: "GET /r" + itoa(i)} })
		}, nil},
		{"301 integrations", func(d *Definition) {
			d.Integrations = nil
			for i := 0; i < 301; i++ {
				in := lambda
				in.IntegrationID = "i" + itoa(i)
				d.Integrations = append(d.Integrations, in)
			}
		}, []problem{{"integrations", "at most 300 integrations", false}}},
		{"11 authorizers", func(d *Definition) {
			d.Authorizers = nil
			for i := 0; i < 11; i++ {
				a := jwt
				a.AuthorizerID = "a" + itoa(i)
				d.Authorizers = append(d.Authorizers, a)
			}
		}, []problem{{"authorizers", "at most 10 authorizers", false}}},
		{"duplicate integration id", func(d *Definition) { d.Integrations = append(d.Integrations, lambda) }, []problem{{"integrationId", "Duplicate integration id", false}}},
		{"resource problems surface", func(d *Definition) {
			d.API.Name = ""
			d.Integrations[0].TimeoutInMillis = 10
		}, []problem{{"name", "required", false}, {"timeoutInMillis", "between 50 and 30000", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := base()
			d.Integrations = append([]Integration(nil), d.Integrations...)
			tt.mod(&d)
			checkProblems(t, d.Validate(), tt.want...)
		})
	}
}

func TestConflictFlag(t *testing.T) {
	t.Parallel()
	d := Definition{API: API{Name: "a", ProtocolType: ProtocolHTTP}, Routes: []Route{{RouteKey: "GET /a/{x}"}, {RouteKey: "GET /a/{y}"}}}
	got := AsValidationErrors(d.Validate())
	if len(got) != 1 || !got[0].Conflict || got[0].ID != "GET /a/{y}" {
		t.Fatalf("got %v; want one conflict on the second route", got)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
