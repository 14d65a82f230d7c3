package compile

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/dataplane/throttle"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

func ptr[T any](v T) *T { return &v }

func definition(id string) *model.Definition {
	return &model.Definition{
		API: model.API{APIID: id, Name: id, ProtocolType: model.ProtocolHTTP},
		Integrations: []model.Integration{
			{IntegrationID: "http001", IntegrationType: model.IntegrationHTTPProxy, IntegrationMethod: "ANY", IntegrationURI: "http://127.0.0.1:9/x", PayloadFormatVersion: "1.0"},
			{IntegrationID: "fn00001", IntegrationType: model.IntegrationAWSProxy, IntegrationURI: "arn:aws:lambda:us-east-1:000000000000:function:pets", PayloadFormatVersion: "2.0"},
		},
		Routes: []model.Route{
			{RouteKey: "GET /x", Target: "integrations/http001"},
			{RouteKey: "GET /pets", Target: "integrations/fn00001"},
			{RouteKey: "$default", Target: "integrations/http001"},
		},
	}
}

var noCall = lambdacall.CallerFunc(func(context.Context, lambdacall.FunctionRef, []byte) (*lambdacall.CallResult, error) {
	return nil, errors.New("not called in compile tests")
})

func TestCompile(t *testing.T) {
	t.Parallel()
	def := definition("api0000001")
	in := &Input{
		Region: "us-east-1", AccountID: "000000000000",
		APIs: []API{{Definition: def, Default: true, Stages: []Stage{
			{Stage: model.Stage{StageName: "$default"}},
			{Stage: model.Stage{StageName: "prod", StageVariables: map[string]string{"a": "b"}}},
		}}},
		Domains: []Domain{{
			Name:     model.DomainName{DomainName: "API.example.com"},
			Mappings: []model.APIMapping{{APIID: "api0000001", Stage: "prod", APIMappingKey: "v1"}, {APIID: "api0000001", Stage: "$default", APIMappingKey: "/v1/deeper/"}, {APIID: "api0000001", Stage: "$default"}},
		}, {
			Name:     model.DomainName{DomainName: "*.Example.com"},
			Mappings: []model.APIMapping{{APIID: "api0000001", Stage: "prod"}},
		}},
	}
	s, warnings, err := Compile(in, Deps{Functions: noCall, HasFunction: func(string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %v", warnings)
	}
	api := s.APIs["api0000001"]
	if s.Default != api || api.DefaultStage == nil || api.Stages["prod"] == nil {
		t.Fatalf("api %+v", api)
	}
	if api.DefaultStage.Table != api.Stages["prod"].Table {
		t.Error("stages sharing a definition should share its compiled routes")
	}
	if got := api.Stages["prod"].Variables["a"]; got != "b" {
		t.Errorf("stage variable a = %q", got)
	}
	d := s.Domains["api.example.com"]
	if d == nil || len(d.Mappings) != 3 || d.Mappings[0].Key != "v1/deeper" || d.Mappings[2].Key != "" {
		t.Fatalf("domain mappings not ordered longest first: %+v", d)
	}
	if w := s.Domain("tenant.example.com"); w == nil || w.Name != "*.example.com" || w.Mappings[0].Stage != api.Stages["prod"] {
		t.Errorf("tenant.example.com resolves to %+v; want the wildcard domain *.example.com", w)
	}
	if s.Domain("api.example.com") != d {
		t.Error("the exact domain api.example.com should win over *.example.com")
	}
	if got := s.Domains["*.example.com"]; got != nil {
		t.Error("a wildcard domain must not be served by exact name")
	}
	idx, ok := api.DefaultStage.Table.Select("GET", []string{"pets"})
	if !ok || api.DefaultStage.Routes[idx].Integration.Type != model.IntegrationAWSProxy {
		t.Error("GET /pets does not select the Lambda integration")
	}
}

func TestCompileRefusesUnsupported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*model.Definition, *model.Stage)
		want   string
	}{
		{"jwt route", func(d *model.Definition, _ *model.Stage) {
			d.Routes[0].AuthorizationType = model.AuthJWT
		}, "route GET /x: authorization type JWT"},
		{"service integration", func(d *model.Definition, _ *model.Stage) {
			d.Integrations[0].IntegrationType = model.IntegrationAWSProxy
			d.Integrations[0].IntegrationSubtype = "SQS-SendMessage"
		}, "AWS service integration SQS-SendMessage"},
		{"vpc link", func(d *model.Definition, _ *model.Stage) {
			d.Integrations[0].ConnectionType = model.ConnectionVPCLink
		}, "private integration"},
		{"access log", func(_ *model.Definition, s *model.Stage) {
			s.AccessLogSettings = &model.AccessLogSettings{Format: "$context.requestId"}
		}, "access logging"},
		{"websocket", func(d *model.Definition, _ *model.Stage) {
			d.API.ProtocolType = model.ProtocolWebSocket
		}, "protocol type WEBSOCKET"},
		{"mock integration", func(d *model.Definition, _ *model.Stage) {
			d.Integrations[0].IntegrationType = model.IntegrationMock
		}, "integration type MOCK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := definition("api0000001")
			st := model.Stage{StageName: "$default"}
			tt.mutate(def, &st)
			_, _, err := Compile(&Input{APIs: []API{{Definition: def, Stages: []Stage{{Stage: st}}}}}, Deps{Functions: noCall})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			var ue *UnsupportedError
			if tt.name != "websocket" && tt.name != "mock integration" && !errors.As(err, &ue) {
				t.Errorf("error %v is not an *UnsupportedError", err)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	t.Run("lambda without runtime", func(t *testing.T) {
		_, _, err := Compile(&Input{APIs: []API{{Definition: definition("a"), Stages: []Stage{{Stage: model.Stage{StageName: "$default"}}}}}}, Deps{})
		if err == nil || !strings.Contains(err.Error(), "Lambda proxy integration") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("unknown target", func(t *testing.T) {
		def := definition("a")
		def.Routes[0].Target = "integrations/nope"
		_, _, err := Compile(&Input{APIs: []API{{Definition: def, Stages: []Stage{{Stage: model.Stage{StageName: "$default"}}}}}}, Deps{Functions: noCall})
		if err == nil || !strings.Contains(err.Error(), `target "integrations/nope"`) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("unknown function warns", func(t *testing.T) {
		_, warnings, err := Compile(&Input{APIs: []API{{Definition: definition("a"), Stages: []Stage{{Stage: model.Stage{StageName: "$default"}}}}}}, Deps{Functions: noCall, HasFunction: func(string) bool { return false }})
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], `route GET /pets: function "pets" is not configured`) {
			t.Errorf("warnings %v", warnings)
		}
	})
	t.Run("two default APIs", func(t *testing.T) {
		_, _, err := Compile(&Input{APIs: []API{
			{Definition: definition("a"), Default: true, Stages: []Stage{{Stage: model.Stage{StageName: "$default"}}}},
			{Definition: definition("b"), Default: true, Stages: []Stage{{Stage: model.Stage{StageName: "$default"}}}},
		}}, Deps{Functions: noCall})
		if err == nil || !strings.Contains(err.Error(), "only one API can be the default API") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("mapping to unknown stage", func(t *testing.T) {
		_, _, err := Compile(&Input{
			APIs:    []API{{Definition: definition("a"), Stages: []Stage{{Stage: model.Stage{StageName: "$default"}}}}},
			Domains: []Domain{{Name: model.DomainName{DomainName: "x.example.com"}, Mappings: []model.APIMapping{{APIID: "a", Stage: "prod"}}}},
		}, Deps{Functions: noCall})
		if err == nil || !strings.Contains(err.Error(), "unknown stage prod") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("bad parameter mapping", func(t *testing.T) {
		def := definition("a")
		def.Integrations[0].RequestParameters = map[string]string{"overwrite:header.x": "$context.noSuchVariable"}
		_, _, err := Compile(&Input{APIs: []API{{Definition: def, Stages: []Stage{{Stage: model.Stage{StageName: "$default"}}}}}}, Deps{Functions: noCall})
		if err == nil || !strings.Contains(err.Error(), "requestParameters") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("conflicting routes", func(t *testing.T) {
		def := definition("a")
		def.Routes = append(def.Routes, model.Route{RouteKey: "GET /{id}", Target: "integrations/http001"}, model.Route{RouteKey: "GET /{other}", Target: "integrations/http001"})
		_, _, err := Compile(&Input{APIs: []API{{Definition: def, Stages: []Stage{{Stage: model.Stage{StageName: "$default"}}}}}}, Deps{Functions: noCall})
		if err == nil || !strings.Contains(err.Error(), "conflicts") {
			t.Errorf("err %v", err)
		}
	})
}

func TestCompileStageFeatures(t *testing.T) {
	t.Parallel()
	def := definition("api0000001")
	def.Integrations[0].RequestParameters = map[string]string{"overwrite:header.x-stage": "$context.stage"}
	def.Integrations[0].ResponseParameters = map[string]map[string]string{"404": {"overwrite:statuscode": "410"}}
	in := &Input{APIs: []API{{Definition: def, Stages: []Stage{
		{Stage: model.Stage{StageName: "$default", DefaultRouteSettings: &model.RouteSettings{ThrottlingBurstLimit: ptr(1), ThrottlingRateLimit: ptr(1.0), DetailedMetricsEnabled: ptr(true)}}},
		{Stage: model.Stage{StageName: "prod", RouteSettings: map[string]model.RouteSettings{"GET /x": {ThrottlingBurstLimit: ptr(0), ThrottlingRateLimit: ptr(0.0), DetailedMetricsEnabled: ptr(true)}}}},
	}}}}
	s, _, err := Compile(in, Deps{Functions: noCall})
	if err != nil {
		t.Fatal(err)
	}
	api := s.APIs["api0000001"]
	def0, prod := api.DefaultStage, api.Stages["prod"]
	if !def0.DetailedMetrics || prod.DetailedMetrics {
		t.Errorf("stage detailed metrics: $default %v prod %v", def0.DetailedMetrics, prod.DetailedMetrics)
	}
	if def0.Routes[0] == prod.Routes[0] {
		t.Fatal("stages share route objects; throttles must be per stage")
	}
	// $default: burst 1 on every route; prod: GET /x refuses everything, others unlimited.
	if x := def0.Routes[0]; x.Throttle == nil || !x.Throttle.Allow() || x.Throttle.Allow() {
		t.Error("$default GET /x: want one request then 429")
	}
	if x := prod.Routes[0]; x.Throttle == nil || x.Throttle.Allow() || !x.DetailedMetrics {
		t.Error("prod GET /x: want 429 with burst 0 and detailed metrics")
	}
	if x := prod.Routes[1]; x.Throttle != nil {
		t.Error("prod GET /pets: want no throttle")
	}
	integ := def0.Routes[0].Integration
	if integ.RequestMapping == nil || integ.ResponseMapping == nil {
		t.Error("parameter mappings not compiled")
	}
	if def0.Routes[1].Integration.RequestMapping != nil {
		t.Error("integration without requestParameters got a mapping")
	}
}

// TestCompileSharesWhatRoutesHaveInCommon checks that integrations configured
// alike share one invoker (across APIs too) while keeping their own
// integration, and that routes limited by the account only share one
// limiter.
func TestCompileSharesWhatRoutesHaveInCommon(t *testing.T) {
	t.Parallel()
	def := func(id string) *model.Definition {
		d := definition(id)
		d.Integrations = append(d.Integrations,
			model.Integration{IntegrationID: "http002", IntegrationType: model.IntegrationHTTPProxy, IntegrationMethod: "ANY", IntegrationURI: "http://127.0.0.1:9/x", PayloadFormatVersion: "1.0"},
			model.Integration{IntegrationID: "http003", IntegrationType: model.IntegrationHTTPProxy, IntegrationMethod: "ANY", IntegrationURI: "http://127.0.0.1:9/y", PayloadFormatVersion: "1.0"},
			model.Integration{IntegrationID: "http004", IntegrationType: model.IntegrationHTTPProxy, IntegrationMethod: "GET", IntegrationURI: "http://127.0.0.1:9/x", PayloadFormatVersion: "1.0"},
			model.Integration{IntegrationID: "fn00002", IntegrationType: model.IntegrationAWSProxy, IntegrationURI: "arn:aws:lambda:us-east-1:000000000000:function:pets", PayloadFormatVersion: "2.0"},
			model.Integration{IntegrationID: "fn00003", IntegrationType: model.IntegrationAWSProxy, IntegrationURI: "arn:aws:lambda:us-east-1:000000000000:function:pets", PayloadFormatVersion: "1.0"},
			model.Integration{IntegrationID: "http005", IntegrationType: model.IntegrationHTTPProxy, IntegrationMethod: "ANY", IntegrationURI: "http://127.0.0.1:9/x", PayloadFormatVersion: "1.0"},
		)
		d.Routes[2].Target = "integrations/http005" // $default
		d.Routes = append(d.Routes,
			model.Route{RouteKey: "GET /x2", Target: "integrations/http002"},
			model.Route{RouteKey: "GET /y", Target: "integrations/http003"},
			model.Route{RouteKey: "GET /x4", Target: "integrations/http004"},
			model.Route{RouteKey: "GET /pets2", Target: "integrations/fn00002"},
			model.Route{RouteKey: "GET /pets3", Target: "integrations/fn00003"},
		)
		return d
	}
	stages := []Stage{{Stage: model.Stage{StageName: "$default"}}}
	in := &Input{APIs: []API{{Definition: def("a"), Stages: stages}, {Definition: def("b"), Stages: stages}}}
	s, _, err := Compile(in, Deps{Functions: noCall, Account: throttle.NewBucket(throttle.Limits{Rate: 10, Burst: 10}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	integ := func(api, key string) *snapshot.Integration {
		t.Helper()
		for _, r := range s.APIs[api].DefaultStage.Routes {
			if r.Key.Raw == key {
				return r.Integration
			}
		}
		t.Fatalf("api %s has no route %s", api, key)
		return nil
	}
	x, x2 := integ("a", "GET /x"), integ("a", "GET /x2")
	if x == x2 || x.ID != "http001" || x2.ID != "http002" {
		t.Errorf("integrations http001 and http002 are not kept apart: %+v, %+v", x, x2)
	}
	same := [][2]*snapshot.Integration{
		{x, x2},
		{x, integ("b", "GET /x")},
		{integ("a", "GET /pets"), integ("a", "GET /pets2")},
	}
	for _, p := range same {
		if p[0].Invoker != p[1].Invoker {
			t.Errorf("integrations %s and %s are configured alike but do not share an invoker", p[0].ID, p[1].ID)
		}
	}
	differ := [][2]*snapshot.Integration{
		{x, integ("a", "GET /y")},                           // URI
		{x, integ("a", "GET /x4")},                          // method
		{x, integ("a", "$default")},                         // the $default route appends the path
		{integ("a", "GET /pets"), integ("a", "GET /pets3")}, // payload format version
	}
	for _, p := range differ {
		if p[0].Invoker == p[1].Invoker {
			t.Errorf("integrations %s and %s are configured differently but share an invoker", p[0].ID, p[1].ID)
		}
	}
	routes := s.APIs["a"].DefaultStage.Routes
	if routes[0].Throttle == nil || routes[0].Throttle != routes[1].Throttle || routes[0].Throttle != s.APIs["b"].DefaultStage.Routes[0].Throttle {
		t.Error("routes limited by the account only do not share one limiter")
	}
}
