package controlplane_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"gopkg.in/yaml.v3"
)

// roundTripDoc uses every feature export writes back: methods and ANY,
// $default, path variables and greedy ones, a shared integration, an unused
// one, parameter mapping, JWT (with scopes), Lambda and IAM authorization,
// CORS, tags, operationId.
const roundTripDoc = `openapi: "3.0.1"
info:
  title: round-trip
  description: every feature
  version: "2024-01-01"
tags:
  - name: team
    x-amazon-apigateway-tag-value: pets
paths:
  /pets:
    get:
      operationId: listPets
      security:
        - jwt: [pets.read]
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/backend"
    post:
      security:
        - lambda: []
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/backend"
  /pets/{id}:
    x-amazon-apigateway-any-method:
      security:
        - sigv4: []
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:lambda:us-east-1:000000000000:function:pets
        payloadFormatVersion: "2.0"
        timeoutInMillis: 5000
  /files/{proxy+}:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: https://files.example.com/{proxy}
        payloadFormatVersion: "1.0"
        requestParameters:
          append:header.x-from: $request.header.host
        responseParameters:
          "404":
            overwrite:statuscode: "410"
  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: https://fallback.example.com
        payloadFormatVersion: "1.0"
components:
  securitySchemes:
    jwt:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          issuer: https://issuer.example.com
          audience: [api]
    lambda:
      type: apiKey
      name: X-Token
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: [$request.header.X-Token]
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations
        authorizerPayloadFormatVersion: "2.0"
        authorizerResultTtlInSeconds: 300
        enableSimpleResponses: true
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
  x-amazon-apigateway-integrations:
    backend:
      type: http_proxy
      httpMethod: ANY
      uri: https://backend.example.com
      payloadFormatVersion: "1.0"
      connectionType: INTERNET
    spare:
      type: http_proxy
      httpMethod: GET
      uri: https://spare.example.com
      payloadFormatVersion: "1.0"
x-amazon-apigateway-cors:
  allowOrigins: [https://a.example]
  allowMethods: [GET, POST]
  maxAge: 60
  allowCredentials: true
`

// apiSummary is what a round trip must keep: every route with its
// authorization and integration, the authorizers, the CORS configuration,
// the integration count.
func apiSummary(t *testing.T, e *env, apiID string) string {
	t.Helper()
	c := ctx(t)
	api, err := e.client.GetApi(c, &apigatewayv2.GetApiInput{ApiId: &apiID})
	if err != nil {
		t.Fatal(err)
	}
	routes, err := e.client.GetRoutes(c, &apigatewayv2.GetRoutesInput{ApiId: &apiID})
	if err != nil {
		t.Fatal(err)
	}
	ins, err := e.client.GetIntegrations(c, &apigatewayv2.GetIntegrationsInput{ApiId: &apiID})
	if err != nil {
		t.Fatal(err)
	}
	aus, err := e.client.GetAuthorizers(c, &apigatewayv2.GetAuthorizersInput{ApiId: &apiID})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]types.Integration{}
	for _, in := range ins.Items {
		byID[*in.IntegrationId] = in
	}
	auName := map[string]string{}
	var lines []string
	for _, a := range aus.Items {
		auName[*a.AuthorizerId] = *a.Name
		b, _ := json.Marshal(struct {
			Type, URI, PFV string
			Src            []string
			JWT            *types.JWTConfiguration
			TTL            *int32
			Simple         *bool
		}{string(a.AuthorizerType), aws.ToString(a.AuthorizerUri), aws.ToString(a.AuthorizerPayloadFormatVersion), a.IdentitySource, a.JwtConfiguration, a.AuthorizerResultTtlInSeconds, a.EnableSimpleResponses})
		lines = append(lines, "authorizer "+*a.Name+" "+string(b))
	}
	for _, r := range routes.Items {
		in := byID[strings.TrimPrefix(aws.ToString(r.Target), "integrations/")]
		b, _ := json.Marshal(struct {
			Auth, Authorizer, Op string
			Scopes               []string
			Type, Method, URI    string
			PFV                  string
			Timeout              *int32
			Req                  map[string]string
			Resp                 map[string]map[string]string
		}{string(r.AuthorizationType), auName[aws.ToString(r.AuthorizerId)], aws.ToString(r.OperationName), r.AuthorizationScopes,
			string(in.IntegrationType), aws.ToString(in.IntegrationMethod), aws.ToString(in.IntegrationUri), aws.ToString(in.PayloadFormatVersion), in.TimeoutInMillis, in.RequestParameters, in.ResponseParameters})
		lines = append(lines, "route "+*r.RouteKey+" "+string(b))
	}
	slices.Sort(lines)
	cors, _ := json.Marshal(api.CorsConfiguration)
	lines = append(lines, "cors "+string(cors), "integrations "+string(rune('0'+len(ins.Items))), "name "+*api.Name, "tags "+api.Tags["team"])
	return strings.Join(lines, "\n")
}

func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	imported, err := e.client.ImportApi(c, &apigatewayv2.ImportApiInput{Body: aws.String(roundTripDoc)})
	if err != nil {
		t.Fatalf("ImportApi: %v", err)
	}
	if *imported.Name != "round-trip" || imported.ApiId == nil || aws.ToString(imported.Version) != "2024-01-01" {
		t.Errorf("ImportApi = %+v", imported)
	}
	want := apiSummary(t, e, *imported.ApiId)
	if !strings.Contains(want, "integrations 5") {
		t.Fatalf("import summary:\n%s", want)
	}
	for _, outputType := range []string{"JSON", "YAML"} {
		exp, err := e.client.ExportApi(c, &apigatewayv2.ExportApiInput{ApiId: imported.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String(outputType)})
		if err != nil {
			t.Fatalf("ExportApi %s: %v", outputType, err)
		}
		var probe any
		if outputType == "JSON" {
			if err := json.Unmarshal(exp.Body, &probe); err != nil {
				t.Fatalf("JSON export is not JSON: %v\n%s", err, exp.Body)
			}
			if !strings.Contains(string(exp.Body), `"openapi" : "3.0.1"`) {
				t.Errorf("JSON export not in AWS's layout:\n%s", exp.Body)
			}
		} else if err := yaml.Unmarshal(exp.Body, &probe); err != nil {
			t.Fatalf("YAML export is not YAML: %v\n%s", err, exp.Body)
		}
		again, err := e.client.ImportApi(c, &apigatewayv2.ImportApiInput{Body: aws.String(string(exp.Body)), FailOnWarnings: aws.Bool(true)})
		if err != nil {
			t.Fatalf("re-importing the %s export: %v\n%s", outputType, err, exp.Body)
		}
		if len(again.Warnings) > 0 || len(again.ImportInfo) > 0 {
			t.Errorf("re-import of the %s export: warnings %v, info %v", outputType, again.Warnings, again.ImportInfo)
		}
		if got := apiSummary(t, e, *again.ApiId); got != want {
			t.Errorf("%s round trip differs\ngot:\n%s\nwant:\n%s\nexport:\n%s", outputType, got, want, exp.Body)
		}
	}
	// Without extensions: plain OpenAPI.
	exp, err := e.client.ExportApi(c, &apigatewayv2.ExportApiInput{ApiId: imported.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("JSON"), IncludeExtensions: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(exp.Body), "x-amazon-apigateway") || !strings.Contains(string(exp.Body), `"/pets"`) {
		t.Errorf("export without extensions:\n%s", exp.Body)
	}
	// Reimport replaces the definition and keeps the id.
	re, err := e.client.ReimportApi(c, &apigatewayv2.ReimportApiInput{ApiId: imported.ApiId, Body: aws.String(`{"openapi":"3.0.1","info":{"title":"smaller","version":"1"},"paths":{"/only":{"get":{"x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"GET","uri":"https://x.example","payloadFormatVersion":"1.0"}}}}}`)})
	if err != nil {
		t.Fatalf("ReimportApi: %v", err)
	}
	if *re.ApiId != *imported.ApiId || *re.Name != "smaller" || re.Tags["team"] != "pets" {
		t.Errorf("ReimportApi = %+v", re)
	}
	routes, _ := e.client.GetRoutes(c, &apigatewayv2.GetRoutesInput{ApiId: imported.ApiId})
	if len(routes.Items) != 1 || *routes.Items[0].RouteKey != "GET /only" {
		t.Errorf("routes after reimport: %+v", routes.Items)
	}
}

func TestImportExportErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	var br *types.BadRequestException
	_, err := e.client.ImportApi(c, &apigatewayv2.ImportApiInput{Body: aws.String(`{"swagger":"2.0","info":{"title":"x","version":"1"},"paths":{}}`)})
	if !errors.As(err, &br) || !strings.Contains(br.ErrorMessage(), "line") {
		t.Errorf("Swagger 2.0: %v; want BadRequestException with a location", err)
	}
	warn := `openapi: "3.0.1"
info: {title: w, version: "1"}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: {type: aws, httpMethod: GET, uri: "https://a.example"}
`
	if _, err := e.client.ImportApi(c, &apigatewayv2.ImportApiInput{Body: aws.String(warn), FailOnWarnings: aws.Bool(true)}); !errors.As(err, &br) {
		t.Errorf("failOnWarnings: %v; want BadRequestException", err)
	}
	ok, err := e.client.ImportApi(c, &apigatewayv2.ImportApiInput{Body: aws.String(warn)})
	if err != nil || len(ok.Warnings) == 0 {
		t.Errorf("warnings without failOnWarnings: %+v %v", ok, err)
	}
	apis, _ := e.client.GetApis(c, &apigatewayv2.GetApisInput{})
	if len(apis.Items) != 1 {
		t.Errorf("failed imports created APIs: %d", len(apis.Items))
	}
	if _, err := e.client.ImportApi(c, &apigatewayv2.ImportApiInput{Body: aws.String(warn), Basepath: aws.String("bogus")}); !errors.As(err, &br) {
		t.Errorf("bad basepath: %v", err)
	}
	var nf *types.NotFoundException
	if _, err := e.client.ReimportApi(c, &apigatewayv2.ReimportApiInput{ApiId: aws.String("nope123456"), Body: aws.String(warn)}); !errors.As(err, &nf) {
		t.Errorf("ReimportApi of a missing API: %v", err)
	}
	for _, in := range []*apigatewayv2.ExportApiInput{
		{ApiId: ok.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("XML")},
		{ApiId: ok.ApiId, Specification: aws.String("OAS20"), OutputType: aws.String("JSON")},
		{ApiId: ok.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("JSON"), ExportVersion: aws.String("2.0")},
		{ApiId: ok.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("JSON"), StageName: aws.String("nostage")},
	} {
		if _, err := e.client.ExportApi(c, in); err == nil {
			t.Errorf("ExportApi(%+v) succeeded", in)
		}
	}
	if _, err := e.client.ExportApi(c, &apigatewayv2.ExportApiInput{ApiId: aws.String("nope123456"), Specification: aws.String("OAS30"), OutputType: aws.String("JSON")}); !errors.As(err, &nf) {
		t.Errorf("ExportApi of a missing API: %v", err)
	}
}

func TestExportStage(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	apiID := e.newAPI(t)
	intID := e.newIntegration(t, apiID)
	if _, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{ApiId: &apiID, RouteKey: aws.String("GET /v1"), Target: aws.String("integrations/" + intID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateStage(c, &apigatewayv2.CreateStageInput{ApiId: &apiID, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateDeployment(c, &apigatewayv2.CreateDeploymentInput{ApiId: &apiID, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateRoute(c, &apigatewayv2.CreateRouteInput{ApiId: &apiID, RouteKey: aws.String("GET /v2"), Target: aws.String("integrations/" + intID)}); err != nil {
		t.Fatal(err)
	}
	exp, err := e.client.ExportApi(c, &apigatewayv2.ExportApiInput{ApiId: &apiID, Specification: aws.String("OAS30"), OutputType: aws.String("YAML"), StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	body := string(exp.Body)
	if !strings.Contains(body, "/v1:") || strings.Contains(body, "/v2:") || !strings.Contains(body, "default: prod") {
		t.Errorf("stage export should have the deployed route only and the stage as base path:\n%s", body)
	}
	latest, err := e.client.ExportApi(c, &apigatewayv2.ExportApiInput{ApiId: &apiID, Specification: aws.String("OAS30"), OutputType: aws.String("YAML")})
	if err != nil || !strings.Contains(string(latest.Body), "/v2:") {
		t.Errorf("latest export: %v\n%s", err, latest.Body)
	}
}
