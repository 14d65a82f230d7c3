package controlplane_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"

	"github.com/apigwdev/apigw/internal/store"
)

// newAPI creates an HTTP API through the SDK.
func (e *env) newAPI(t *testing.T) string {
	t.Helper()
	out, err := e.client.CreateApi(ctx(t), &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: types.ProtocolTypeHttp})
	if err != nil {
		t.Fatalf("CreateApi: %v", err)
	}
	return *out.ApiId
}

func (e *env) newIntegration(t *testing.T, apiID string) string {
	t.Helper()
	out, err := e.client.CreateIntegration(ctx(t), &apigatewayv2.CreateIntegrationInput{
		ApiId: &apiID, IntegrationType: types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("GET"),
		IntegrationUri: aws.String("https://example.com/x"), PayloadFormatVersion: aws.String("1.0"),
	})
	if err != nil {
		t.Fatalf("CreateIntegration: %v", err)
	}
	return *out.IntegrationId
}

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	apiID := e.newAPI(t)
	intID := e.newIntegration(t, apiID)
	if _, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{ApiId: &apiID, RouteKey: aws.String("GET /pets/{id}"), Target: aws.String("integrations/" + intID)}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		call    func() error
		want    any
		message string
	}{
		{"GetApi of a missing API", func() error {
			_, err := e.client.GetApi(c, &apigatewayv2.GetApiInput{ApiId: aws.String("nope123456")})
			return err
		}, new(*types.NotFoundException), "Invalid API identifier specified 000000000000:nope123456"},
		{"GetRoute of a missing route", func() error {
			_, err := e.client.GetRoute(c, &apigatewayv2.GetRouteInput{ApiId: &apiID, RouteId: aws.String("zzzzzzz")})
			return err
		}, new(*types.NotFoundException), "Invalid Route identifier specified zzzzzzz"},
		{"CreateRoute on a missing API", func() error {
			_, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{ApiId: aws.String("nope123456"), RouteKey: aws.String("GET /x")})
			return err
		}, new(*types.NotFoundException), "Invalid API identifier specified 000000000000:nope123456"},
		{"bad route key", func() error {
			_, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{ApiId: &apiID, RouteKey: aws.String("GET pets")})
			return err
		}, new(*types.BadRequestException), ""},
		{"route key conflict (variable names differ)", func() error {
			_, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{ApiId: &apiID, RouteKey: aws.String("GET /pets/{petId}")})
			return err
		}, new(*types.ConflictException), ""},
		{"target naming no integration", func() error {
			_, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{ApiId: &apiID, RouteKey: aws.String("GET /a"), Target: aws.String("integrations/missing")})
			return err
		}, new(*types.BadRequestException), "Invalid target specified"},
		{"integration of a WebSocket type", func() error {
			_, err := e.client.CreateIntegration(c, &apigatewayv2.CreateIntegrationInput{ApiId: &apiID, IntegrationType: types.IntegrationTypeMock})
			return err
		}, new(*types.BadRequestException), ""},
		{"duplicate stage", func() error {
			for range 2 {
				if _, err := e.client.CreateStage(c, &apigatewayv2.CreateStageInput{ApiId: &apiID, StageName: aws.String("dup")}); err != nil {
					return err
				}
			}
			return nil
		}, new(*types.ConflictException), "Stage already exists"},
		{"deleting an integration a route targets", func() error {
			_, err := e.client.DeleteIntegration(c, &apigatewayv2.DeleteIntegrationInput{ApiId: &apiID, IntegrationId: &intID})
			return err
		}, nil, ""},
		{"WebSocket API", func() error {
			_, err := e.client.CreateApi(c, &apigatewayv2.CreateApiInput{Name: aws.String("ws"), ProtocolType: types.ProtocolTypeWebsocket, RouteSelectionExpression: aws.String("$request.body.action")})
			return err
		}, new(*types.BadRequestException), "WebSocket APIs are not supported; protocolType must be HTTP"},
		{"deployment of a missing stage", func() error {
			_, err := e.client.CreateDeployment(c, &apigatewayv2.CreateDeploymentInput{ApiId: &apiID, StageName: aws.String("nostage")})
			return err
		}, new(*types.NotFoundException), ""},
		{"tags of an unknown ARN", func() error {
			_, err := e.client.GetTags(c, &apigatewayv2.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/apis/nope123456")})
			return err
		}, new(*types.NotFoundException), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.As(err, tt.want) {
				t.Fatalf("error %T %v; want %T", errors.Unwrap(err), err, tt.want)
			}
			var api smithy.APIError
			if !errors.As(err, &api) {
				t.Fatalf("not an API error: %v", err)
			}
			if tt.want == nil && api.ErrorCode() != "BadRequestException" {
				// Delete operations model only NotFound and TooManyRequests:
				// the SDK gives a generic error with AWS's code.
				t.Errorf("code = %s; want BadRequestException", api.ErrorCode())
			}
			if tt.message != "" && api.ErrorMessage() != tt.message {
				t.Errorf("message = %q; want %q", api.ErrorMessage(), tt.message)
			}
			if api.ErrorMessage() == "" {
				t.Error("empty message")
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || len(re.ServiceRequestID()) != 36 {
				t.Error("no request id in the error")
			}
		})
	}
}

// isCode reports whether err is an API error with code (for errors an
// operation does not model, which the SDK does not type).
func isCode(err error, code string) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == code
}

func TestRequestIDOnSuccess(t *testing.T) {
	t.Parallel()
	e := start(t)
	out, err := e.client.GetApis(ctx(t), &apigatewayv2.GetApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := awsmw.GetRequestIDMetadata(out.ResultMetadata); !ok || len(id) != 36 {
		t.Errorf("request id = %q, %v", id, ok)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	apiID := e.newAPI(t)
	var want []string
	for i := range 7 {
		out, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{ApiId: &apiID, RouteKey: aws.String(fmt.Sprintf("GET /r%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, *out.RouteId)
	}
	slices.Sort(want)
	var got []string
	var sizes []int
	var token *string
	for {
		out, err := e.client.GetRoutes(c, &apigatewayv2.GetRoutesInput{ApiId: &apiID, MaxResults: aws.String("3"), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(out.Items))
		for _, r := range out.Items {
			got = append(got, *r.RouteId)
		}
		if out.NextToken == nil {
			break
		}
		if token != nil && *token == *out.NextToken {
			t.Fatal("the same token came back twice")
		}
		token = out.NextToken
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) || !slices.Equal(got, want) {
		t.Errorf("pages %v of %v; want [3 3 1] of %v", sizes, got, want)
	}
	for _, bad := range []struct{ max, token string }{{"0", ""}, {"x", ""}, {"", "!!not-base64!!"}} {
		in := &apigatewayv2.GetRoutesInput{ApiId: &apiID}
		if bad.max != "" {
			in.MaxResults = aws.String(bad.max)
		}
		if bad.token != "" {
			in.NextToken = aws.String(bad.token)
		}
		var br *types.BadRequestException
		if _, err := e.client.GetRoutes(c, in); !errors.As(err, &br) {
			t.Errorf("GetRoutes(maxResults=%q, nextToken=%q) = %v; want BadRequestException", bad.max, bad.token, err)
		}
	}
	// An exact last page has no token; without maxResults, one page.
	out, err := e.client.GetRoutes(c, &apigatewayv2.GetRoutesInput{ApiId: &apiID, MaxResults: aws.String("7")})
	if err != nil || len(out.Items) != 7 || out.NextToken != nil {
		t.Errorf("exact page: %d items, token %v, %v", len(out.Items), out.NextToken, err)
	}
	apis, err := e.client.GetApis(c, &apigatewayv2.GetApisInput{})
	if err != nil || len(apis.Items) != 1 {
		t.Errorf("GetApis: %+v %v", apis, err)
	}
}

func TestQuickCreate(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	api, err := e.client.CreateApi(c, &apigatewayv2.CreateApiInput{
		Name: aws.String("quick"), ProtocolType: types.ProtocolTypeHttp,
		Target: aws.String("arn:aws:lambda:us-east-1:000000000000:function:pets"),
	})
	if err != nil {
		t.Fatal(err)
	}
	ins, err := e.client.GetIntegrations(c, &apigatewayv2.GetIntegrationsInput{ApiId: api.ApiId})
	if err != nil || len(ins.Items) != 1 {
		t.Fatalf("GetIntegrations: %+v %v", ins, err)
	}
	in := ins.Items[0]
	if !aws.ToBool(in.ApiGatewayManaged) || in.IntegrationType != types.IntegrationTypeAwsProxy || aws.ToString(in.IntegrationMethod) != "POST" ||
		aws.ToString(in.PayloadFormatVersion) != "2.0" || aws.ToInt32(in.TimeoutInMillis) != 30000 || in.ConnectionType != types.ConnectionTypeInternet {
		t.Errorf("managed integration: %+v", in)
	}
	routes, err := e.client.GetRoutes(c, &apigatewayv2.GetRoutesInput{ApiId: api.ApiId})
	if err != nil || len(routes.Items) != 1 {
		t.Fatalf("GetRoutes: %+v %v", routes, err)
	}
	rt := routes.Items[0]
	if !aws.ToBool(rt.ApiGatewayManaged) || aws.ToString(rt.RouteKey) != "$default" || aws.ToString(rt.Target) != "integrations/"+*in.IntegrationId || rt.AuthorizationType != types.AuthorizationTypeNone {
		t.Errorf("managed route: %+v", rt)
	}
	st, err := e.client.GetStage(c, &apigatewayv2.GetStageInput{ApiId: api.ApiId, StageName: aws.String("$default")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(st.ApiGatewayManaged) || !aws.ToBool(st.AutoDeploy) || st.DeploymentId == nil ||
		aws.ToString(st.LastDeploymentStatusMessage) != "Successfully deployed stage with deployment ID '"+*st.DeploymentId+"'" {
		t.Errorf("managed stage: %+v", st)
	}
	// UpdateApi with target repoints the managed integration and redeploys.
	if _, err := e.client.UpdateApi(c, &apigatewayv2.UpdateApiInput{ApiId: api.ApiId, Target: aws.String("https://example.com/backend")}); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetIntegration(c, &apigatewayv2.GetIntegrationInput{ApiId: api.ApiId, IntegrationId: in.IntegrationId})
	if err != nil || got.IntegrationType != types.IntegrationTypeHttpProxy || aws.ToString(got.IntegrationUri) != "https://example.com/backend" {
		t.Errorf("after UpdateApi target: %+v %v", got, err)
	}
	deps, err := e.client.GetDeployments(c, &apigatewayv2.GetDeploymentsInput{ApiId: api.ApiId})
	if err != nil || len(deps.Items) != 2 {
		t.Errorf("deployments after UpdateApi: %+v %v", deps, err)
	}
	var br *types.BadRequestException
	if _, err := e.client.DeleteIntegration(c, &apigatewayv2.DeleteIntegrationInput{ApiId: api.ApiId, IntegrationId: in.IntegrationId}); !isCode(err, "BadRequestException") {
		t.Errorf("deleting the managed integration: %v; want BadRequestException", err)
	}
	if _, err := e.client.UpdateRoute(c, &apigatewayv2.UpdateRouteInput{ApiId: api.ApiId, RouteId: rt.RouteId, RouteKey: aws.String("GET /x")}); !errors.As(err, &br) {
		t.Errorf("changing the managed $default route key: %v; want BadRequestException", err)
	}
	if _, err := e.client.UpdateStage(c, &apigatewayv2.UpdateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), Description: aws.String("x")}); !errors.As(err, &br) {
		t.Errorf("modifying the managed stage: %v; want BadRequestException", err)
	}
	// Quick create with a route key and an HTTP target.
	api2, err := e.client.CreateApi(c, &apigatewayv2.CreateApiInput{
		Name: aws.String("quick2"), ProtocolType: types.ProtocolTypeHttp, Target: aws.String("http://example.com"), RouteKey: aws.String("GET /pets"),
	})
	if err != nil {
		t.Fatal(err)
	}
	routes, err = e.client.GetRoutes(c, &apigatewayv2.GetRoutesInput{ApiId: api2.ApiId})
	if err != nil || len(routes.Items) != 1 || aws.ToString(routes.Items[0].RouteKey) != "GET /pets" {
		t.Errorf("quick create with routeKey: %+v %v", routes, err)
	}
}

func TestUpdateSemantics(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	apiID := e.newAPI(t)
	// Stage variables merge; "" removes one. Route settings merge by key;
	// DeleteRouteSettings takes a route key with '/' and braces in the path.
	_, err := e.client.CreateStage(c, &apigatewayv2.CreateStageInput{
		ApiId: &apiID, StageName: aws.String("dev"),
		StageVariables: map[string]string{"a": "1", "b": "2"},
		RouteSettings:  map[string]types.RouteSettings{"GET /pets/{id}": {ThrottlingBurstLimit: aws.Int32(5)}},
		AccessLogSettings: &types.AccessLogSettings{
			DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:x"), Format: aws.String("$context.requestId"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.client.UpdateStage(c, &apigatewayv2.UpdateStageInput{
		ApiId: &apiID, StageName: aws.String("dev"),
		StageVariables: map[string]string{"a": "", "c": "3"},
		RouteSettings:  map[string]types.RouteSettings{"POST /x": {ThrottlingRateLimit: aws.Float64(1.5)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.StageVariables) != 2 || st.StageVariables["b"] != "2" || st.StageVariables["c"] != "3" {
		t.Errorf("stage variables = %v; want b=2 c=3", st.StageVariables)
	}
	if len(st.RouteSettings) != 2 {
		t.Errorf("route settings = %v; want both keys", st.RouteSettings)
	}
	if aws.ToString(st.Description) != "" || st.AccessLogSettings == nil {
		t.Errorf("members absent from the PATCH changed: %+v", st)
	}
	if _, err := e.client.DeleteRouteSettings(c, &apigatewayv2.DeleteRouteSettingsInput{ApiId: &apiID, StageName: aws.String("dev"), RouteKey: aws.String("GET /pets/{id}")}); err != nil {
		t.Fatalf("DeleteRouteSettings: %v", err)
	}
	var nf *types.NotFoundException
	if _, err := e.client.DeleteRouteSettings(c, &apigatewayv2.DeleteRouteSettingsInput{ApiId: &apiID, StageName: aws.String("dev"), RouteKey: aws.String("GET /pets/{id}")}); !errors.As(err, &nf) {
		t.Errorf("second DeleteRouteSettings: %v; want NotFoundException", err)
	}
	if _, err := e.client.DeleteAccessLogSettings(c, &apigatewayv2.DeleteAccessLogSettingsInput{ApiId: &apiID, StageName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetStage(c, &apigatewayv2.GetStageInput{ApiId: &apiID, StageName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.RouteSettings["GET /pets/{id}"]; ok || got.AccessLogSettings != nil || len(got.RouteSettings) != 1 {
		t.Errorf("after deletes: routeSettings %v, accessLogSettings %v", got.RouteSettings, got.AccessLogSettings)
	}

	// Integration request parameters merge; "" removes one. Response
	// parameters merge by status code; an empty map removes one.
	in, err := e.client.CreateIntegration(c, &apigatewayv2.CreateIntegrationInput{
		ApiId: &apiID, IntegrationType: types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String("https://example.com"),
		RequestParameters:  map[string]string{"append:header.a": "x", "overwrite:path": "/p"},
		ResponseParameters: map[string]map[string]string{"200": {"append:header.x": "y"}, "404": {"overwrite:statuscode": "410"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(in.PayloadFormatVersion) != "1.0" || aws.ToInt32(in.TimeoutInMillis) != 30000 {
		t.Errorf("integration defaults: %+v", in)
	}
	upd, err := e.client.UpdateIntegration(c, &apigatewayv2.UpdateIntegrationInput{
		ApiId: &apiID, IntegrationId: in.IntegrationId,
		RequestParameters:  map[string]string{"append:header.a": "", "append:header.b": "z"},
		ResponseParameters: map[string]map[string]string{"404": {}},
		TlsConfig:          &types.TlsConfigInput{}, // the Terraform provider's way of saying "none"
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(upd.RequestParameters) != 2 || upd.RequestParameters["append:header.b"] != "z" || upd.RequestParameters["overwrite:path"] != "/p" {
		t.Errorf("request parameters = %v", upd.RequestParameters)
	}
	if len(upd.ResponseParameters) != 1 || upd.ResponseParameters["200"]["append:header.x"] != "y" {
		t.Errorf("response parameters = %v", upd.ResponseParameters)
	}
	if aws.ToString(upd.IntegrationUri) != "https://example.com" || aws.ToString(upd.IntegrationMethod) != "ANY" {
		t.Errorf("members absent from the PATCH changed: %+v", upd)
	}
	// CORS: UpdateApi sets it, DeleteCorsConfiguration removes it.
	if _, err := e.client.UpdateApi(c, &apigatewayv2.UpdateApiInput{ApiId: &apiID, CorsConfiguration: &types.Cors{AllowOrigins: []string{"https://a.example"}, MaxAge: aws.Int32(0)}}); err != nil {
		t.Fatal(err)
	}
	api, _ := e.client.GetApi(c, &apigatewayv2.GetApiInput{ApiId: &apiID})
	if api.CorsConfiguration == nil || aws.ToInt32(api.CorsConfiguration.MaxAge) != 0 || api.CorsConfiguration.MaxAge == nil || aws.ToString(api.Name) != "pets" {
		t.Errorf("after UpdateApi: %+v", api)
	}
	if _, err := e.client.DeleteCorsConfiguration(c, &apigatewayv2.DeleteCorsConfigurationInput{ApiId: &apiID}); err != nil {
		t.Fatal(err)
	}
	api, _ = e.client.GetApi(c, &apigatewayv2.GetApiInput{ApiId: &apiID})
	if api.CorsConfiguration != nil {
		t.Errorf("CORS after DeleteCorsConfiguration: %+v", api.CorsConfiguration)
	}
}

func TestDeploymentFailure(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	apiID := e.newAPI(t)
	intID := e.newIntegration(t, apiID)
	if _, err := e.client.CreateStage(c, &apigatewayv2.CreateStageInput{ApiId: &apiID, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	before, _ := e.client.GetStage(c, &apigatewayv2.GetStageInput{ApiId: &apiID, StageName: aws.String("$default")})
	// The deployer refuses any state with a route to /broken.
	e.deployer.setFail(func(tx store.Tx) error {
		routes, _ := store.Routes(tx, apiID).List()
		for _, r := range routes {
			if strings.Contains(r.RouteKey, "/broken") {
				d, _ := store.Stages(tx, apiID).Get("$default")
				dep, _ := store.Deployments(tx, apiID).Get(d.DeploymentID)
				for _, dr := range dep.Definition.Routes {
					if strings.Contains(dr.RouteKey, "/broken") {
						return errCompile
					}
				}
			}
		}
		return nil
	})
	if _, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{ApiId: &apiID, RouteKey: aws.String("GET /broken"), Target: aws.String("integrations/" + intID)}); err != nil {
		t.Fatalf("CreateRoute: the configuration change itself succeeds: %v", err)
	}
	after, _ := e.client.GetStage(c, &apigatewayv2.GetStageInput{ApiId: &apiID, StageName: aws.String("$default")})
	if *after.DeploymentId != *before.DeploymentId {
		t.Errorf("stage moved to the failed deployment %s", *after.DeploymentId)
	}
	if !strings.Contains(aws.ToString(after.LastDeploymentStatusMessage), errCompile.Error()) {
		t.Errorf("lastDeploymentStatusMessage = %q", aws.ToString(after.LastDeploymentStatusMessage))
	}
	// A manual deployment of the same definition fails the same way.
	if _, err := e.client.CreateStage(c, &apigatewayv2.CreateStageInput{ApiId: &apiID, StageName: aws.String("manual")}); err != nil {
		t.Fatal(err)
	}
	e.deployer.setFail(func(tx store.Tx) error {
		st, _ := store.Stages(tx, apiID).Get("manual")
		if st != nil && st.DeploymentID != "" {
			return errCompile
		}
		return nil
	})
	d, err := e.client.CreateDeployment(c, &apigatewayv2.CreateDeploymentInput{ApiId: &apiID, StageName: aws.String("manual")})
	if err != nil {
		t.Fatal(err)
	}
	if d.DeploymentStatus != types.DeploymentStatusFailed || !strings.Contains(aws.ToString(d.DeploymentStatusMessage), errCompile.Error()) {
		t.Errorf("CreateDeployment = %s %q; want FAILED with the compiler's message", d.DeploymentStatus, aws.ToString(d.DeploymentStatusMessage))
	}
	manual, _ := e.client.GetStage(c, &apigatewayv2.GetStageInput{ApiId: &apiID, StageName: aws.String("manual")})
	if manual.DeploymentId != nil {
		t.Errorf("manual stage points at failed deployment %s", *manual.DeploymentId)
	}
	var br *types.BadRequestException
	if _, err := e.client.UpdateStage(c, &apigatewayv2.UpdateStageInput{ApiId: &apiID, StageName: aws.String("manual"), DeploymentId: d.DeploymentId}); !errors.As(err, &br) {
		t.Errorf("pointing a stage at a FAILED deployment: %v; want BadRequestException", err)
	}
	// A change no deployment is involved in and that cannot be served is
	// refused, and nothing is written.
	e.deployer.setFail(func(tx store.Tx) error {
		if ok, _ := store.VpcLinks(tx).Has("x"); ok {
			return nil
		}
		st, _ := store.Stages(tx, apiID).Get("$default")
		if st != nil && st.Description == "unservable" {
			return errCompile
		}
		return nil
	})
	rev := e.store.Revision()
	if _, err := e.client.UpdateStage(c, &apigatewayv2.UpdateStageInput{ApiId: &apiID, StageName: aws.String("$default"), Description: aws.String("unservable")}); !errors.As(err, &br) {
		t.Errorf("unservable stage change: %v; want BadRequestException", err)
	}
	if e.store.Revision() != rev {
		t.Error("a refused change was committed")
	}
	got, _ := e.client.GetStage(c, &apigatewayv2.GetStageInput{ApiId: &apiID, StageName: aws.String("$default")})
	if aws.ToString(got.Description) == "unservable" {
		t.Error("refused change visible")
	}
	// Installs happen in commit order.
	e.deployer.mu.Lock()
	installed := slices.Clone(e.deployer.installed)
	e.deployer.mu.Unlock()
	if !slices.IsSorted(installed) || len(installed) == 0 {
		t.Errorf("installed revisions %v", installed)
	}
}

func TestDomainNamesAndMappings(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	apiID := e.newAPI(t)
	if _, err := e.client.CreateStage(c, &apigatewayv2.CreateStageInput{ApiId: &apiID, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	d, err := e.client.CreateDomainName(c, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("API.Example.com"), Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.ApiMappingSelectionExpression) != "$request.basepath" || len(d.DomainNameConfigurations) != 1 ||
		d.DomainNameConfigurations[0].DomainNameStatus != types.DomainNameStatusAvailable || d.DomainNameConfigurations[0].EndpointType != types.EndpointTypeRegional {
		t.Errorf("CreateDomainName = %+v", d)
	}
	var cf *types.ConflictException
	if _, err := e.client.CreateDomainName(c, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("api.example.com")}); !errors.As(err, &cf) {
		t.Errorf("duplicate domain (case-insensitive): %v", err)
	}
	m, err := e.client.CreateApiMapping(c, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: &apiID, Stage: aws.String("prod"), ApiMappingKey: aws.String("v1/orders")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateApiMapping(c, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: &apiID, Stage: aws.String("prod"), ApiMappingKey: aws.String("v1/orders")}); !errors.As(err, &cf) {
		t.Errorf("duplicate mapping key: %v", err)
	}
	var nf *types.NotFoundException
	if _, err := e.client.CreateApiMapping(c, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: &apiID, Stage: aws.String("nope")}); !errors.As(err, &nf) {
		t.Errorf("mapping to a missing stage: %v", err)
	}
	if _, err := e.client.DeleteStage(c, &apigatewayv2.DeleteStageInput{ApiId: &apiID, StageName: aws.String("prod")}); !isCode(err, "BadRequestException") {
		t.Errorf("deleting a mapped stage: %v", err)
	}
	if _, err := e.client.DeleteApi(c, &apigatewayv2.DeleteApiInput{ApiId: &apiID}); !isCode(err, "BadRequestException") {
		t.Errorf("deleting a mapped API: %v", err)
	}
	upd, err := e.client.UpdateApiMapping(c, &apigatewayv2.UpdateApiMappingInput{DomainName: aws.String("api.example.com"), ApiMappingId: m.ApiMappingId, ApiId: &apiID, ApiMappingKey: aws.String("v2")})
	if err != nil || aws.ToString(upd.ApiMappingKey) != "v2" || aws.ToString(upd.Stage) != "prod" {
		t.Errorf("UpdateApiMapping = %+v %v", upd, err)
	}
	ms, err := e.client.GetApiMappings(c, &apigatewayv2.GetApiMappingsInput{DomainName: aws.String("api.example.com")})
	if err != nil || len(ms.Items) != 1 {
		t.Errorf("GetApiMappings = %+v %v", ms, err)
	}
	tags, err := e.client.GetTags(c, &apigatewayv2.GetTagsInput{ResourceArn: d.DomainNameArn})
	if err != nil || tags.Tags["k"] != "v" {
		t.Errorf("domain tags = %+v %v", tags, err)
	}
	if _, err := e.client.DeleteDomainName(c, &apigatewayv2.DeleteDomainNameInput{DomainName: aws.String("api.example.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteApi(c, &apigatewayv2.DeleteApiInput{ApiId: &apiID}); err != nil {
		t.Errorf("DeleteApi after its domain went: %v", err)
	}
}

func TestTagsAndVpcLinks(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	apiID := e.newAPI(t)
	arn := "arn:aws:apigateway:us-east-1::/apis/" + apiID
	if _, err := e.client.TagResource(c, &apigatewayv2.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UntagResource(c, &apigatewayv2.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.client.GetTags(c, &apigatewayv2.GetTagsInput{ResourceArn: &arn})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["b"] != "2" {
		t.Errorf("tags = %v %v", tags.Tags, err)
	}
	var br *types.BadRequestException
	if _, err := e.client.TagResource(c, &apigatewayv2.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"aws:x": "1"}}); !errors.As(err, &br) {
		t.Errorf("reserved tag key: %v", err)
	}
	if _, err := e.client.CreateStage(c, &apigatewayv2.CreateStageInput{ApiId: &apiID, StageName: aws.String("s1")}); err != nil {
		t.Fatal(err)
	}
	stageARN := arn + "/stages/s1"
	if _, err := e.client.TagResource(c, &apigatewayv2.TagResourceInput{ResourceArn: &stageARN, Tags: map[string]string{"st": "x"}}); err != nil {
		t.Fatal(err)
	}
	st, _ := e.client.GetStage(c, &apigatewayv2.GetStageInput{ApiId: &apiID, StageName: aws.String("s1")})
	if st.Tags["st"] != "x" {
		t.Errorf("stage tags = %v", st.Tags)
	}

	link, err := e.client.CreateVpcLink(c, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{"subnet-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if link.VpcLinkStatus != types.VpcLinkStatusAvailable || link.VpcLinkVersion != types.VpcLinkVersionV2 || link.CreatedDate == nil {
		t.Errorf("CreateVpcLink = %+v", link)
	}
	if u, err := e.client.UpdateVpcLink(c, &apigatewayv2.UpdateVpcLinkInput{VpcLinkId: link.VpcLinkId, Name: aws.String("m")}); err != nil || aws.ToString(u.Name) != "m" {
		t.Errorf("UpdateVpcLink = %+v %v", u, err)
	}
	if _, err := e.client.DeleteVpcLink(c, &apigatewayv2.DeleteVpcLinkInput{VpcLinkId: link.VpcLinkId}); err != nil {
		t.Fatal(err)
	}
	var nf *types.NotFoundException
	if _, err := e.client.GetVpcLink(c, &apigatewayv2.GetVpcLinkInput{VpcLinkId: link.VpcLinkId}); !errors.As(err, &nf) {
		t.Errorf("GetVpcLink after delete: %v", err)
	}
}

func TestRestartKeepsResources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := startIn(t, dir)
	apiID := e.newAPI(t)
	e.newIntegration(t, apiID)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := startIn(t, dir)
	api, err := e2.client.GetApi(ctx(t), &apigatewayv2.GetApiInput{ApiId: &apiID})
	if err != nil || aws.ToString(api.Name) != "pets" {
		t.Fatalf("after reopen: %+v %v", api, err)
	}
	ins, err := e2.client.GetIntegrations(ctx(t), &apigatewayv2.GetIntegrationsInput{ApiId: &apiID})
	if err != nil || len(ins.Items) != 1 {
		t.Errorf("integrations after reopen: %+v %v", ins, err)
	}
}

func TestUnknownAndWebSocketOnlyOperations(t *testing.T) {
	t.Parallel()
	e := start(t)
	for _, tt := range []struct {
		method, path string
		status       int
		typ          string
	}{
		{"GET", "/v2/portals", 404, "NotFoundException"},
		{"GET", "/nothing", 404, "NotFoundException"},
		{"PUT", "/v2/apis/abc/routes", 404, "NotFoundException"},
		{"GET", "/v2/apis/abc/models", 400, "BadRequestException"},
		{"POST", "/v2/apis/abc/integrations/x/integrationresponses", 400, "BadRequestException"},
	} {
		req, _ := http.NewRequest(tt.method, e.url+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-Errortype") != tt.typ || resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Errorf("%s %s = %d %q; want %d %s with a request id", tt.method, tt.path, resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), tt.status, tt.typ)
		}
	}
}

func TestAuthorizers(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	apiID := e.newAPI(t)
	intID := e.newIntegration(t, apiID)
	jwt, err := e.client.CreateAuthorizer(c, &apigatewayv2.CreateAuthorizerInput{
		ApiId: &apiID, Name: aws.String("jwt"), AuthorizerType: types.AuthorizerTypeJwt,
		IdentitySource:   []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example"), Audience: []string{"a"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lambda, err := e.client.CreateAuthorizer(c, &apigatewayv2.CreateAuthorizerInput{
		ApiId: &apiID, Name: aws.String("lambda"), AuthorizerType: types.AuthorizerTypeRequest,
		IdentitySource:                 []string{"$request.header.X-Token"},
		AuthorizerUri:                  aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"),
		AuthorizerPayloadFormatVersion: aws.String("2.0"),
		AuthorizerResultTtlInSeconds:   aws.Int32(300),
		EnableSimpleResponses:          aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	var br *types.BadRequestException
	if _, err := e.client.CreateAuthorizer(c, &apigatewayv2.CreateAuthorizerInput{ApiId: &apiID, Name: aws.String("bad"), AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.A"}}); !errors.As(err, &br) {
		t.Errorf("JWT authorizer without jwtConfiguration: %v", err)
	}
	rt, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{
		ApiId: &apiID, RouteKey: aws.String("GET /me"), Target: aws.String("integrations/" + intID),
		AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: jwt.AuthorizerId, AuthorizationScopes: []string{"read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A JWT route cannot use a REQUEST authorizer (AWS's message).
	_, err = e.client.UpdateRoute(c, &apigatewayv2.UpdateRouteInput{ApiId: &apiID, RouteId: rt.RouteId, AuthorizerId: lambda.AuthorizerId})
	if !errors.As(err, &br) || !strings.Contains(br.ErrorMessage(), "requires a valid JWT authorizer") {
		t.Errorf("JWT route with a REQUEST authorizer: %v", err)
	}
	upd, err := e.client.UpdateRoute(c, &apigatewayv2.UpdateRouteInput{ApiId: &apiID, RouteId: rt.RouteId, AuthorizationType: types.AuthorizationTypeCustom, AuthorizerId: lambda.AuthorizerId, AuthorizationScopes: []string{}})
	if err != nil || upd.AuthorizationType != types.AuthorizationTypeCustom {
		t.Fatalf("switching to the Lambda authorizer: %+v %v", upd, err)
	}
	if _, err := e.client.DeleteAuthorizer(c, &apigatewayv2.DeleteAuthorizerInput{ApiId: &apiID, AuthorizerId: lambda.AuthorizerId}); !isCode(err, "BadRequestException") {
		t.Errorf("deleting an authorizer in use: %v", err)
	}
	// Switching the route to NONE drops its authorizer.
	upd, err = e.client.UpdateRoute(c, &apigatewayv2.UpdateRouteInput{ApiId: &apiID, RouteId: rt.RouteId, AuthorizationType: types.AuthorizationTypeNone})
	if err != nil || upd.AuthorizerId != nil {
		t.Fatalf("switching to NONE: %+v %v", upd, err)
	}
	if _, err := e.client.DeleteAuthorizer(c, &apigatewayv2.DeleteAuthorizerInput{ApiId: &apiID, AuthorizerId: lambda.AuthorizerId}); err != nil {
		t.Errorf("deleting an unused authorizer: %v", err)
	}
	au, err := e.client.UpdateAuthorizer(c, &apigatewayv2.UpdateAuthorizerInput{ApiId: &apiID, AuthorizerId: jwt.AuthorizerId, JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://other.example"), Audience: []string{"b"}}})
	if err != nil || aws.ToString(au.JwtConfiguration.Issuer) != "https://other.example" || aws.ToString(au.Name) != "jwt" {
		t.Errorf("UpdateAuthorizer = %+v %v", au, err)
	}
	list, err := e.client.GetAuthorizers(c, &apigatewayv2.GetAuthorizersInput{ApiId: &apiID})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("GetAuthorizers = %+v %v", list, err)
	}
	// ResetAuthorizersCache calls the hook for an existing stage only.
	if _, err := e.client.CreateStage(c, &apigatewayv2.CreateStageInput{ApiId: &apiID, StageName: aws.String("$default")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ResetAuthorizersCache(c, &apigatewayv2.ResetAuthorizersCacheInput{ApiId: &apiID, StageName: aws.String("$default")}); err != nil {
		t.Fatal(err)
	}
	if got := <-e.resets; got != apiID+"/$default" {
		t.Errorf("reset hook got %q", got)
	}
	var nf *types.NotFoundException
	if _, err := e.client.ResetAuthorizersCache(c, &apigatewayv2.ResetAuthorizersCacheInput{ApiId: &apiID, StageName: aws.String("nope")}); !errors.As(err, &nf) {
		t.Errorf("reset of a missing stage: %v", err)
	}
}
