package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// startAdminAuthGateway starts a gateway whose admin listener requires
// signatures by AKIAADMIN or AKIAOPS.
func startAdminAuthGateway(t *testing.T) *gatewaytest.Gateway {
	t.Helper()
	cfg := "functions:\n" +
		fmt.Sprintf("  echo: {command: [%q]}\n", fnPath("echo")) +
		"admin:\n  credentials:\n" +
		"    - {accessKeyId: AKIAADMIN, secretAccessKey: admin-secret}\n" +
		"    - {accessKeyId: AKIAOPS, secretAccessKey: ops-secret}\n"
	return gatewaytest.Start(t, gatewaytest.Files{"apigw.yaml": cfg})
}

func adminAPIGW(gw *gatewaytest.Gateway, region, key, secret, token string) *apigatewayv2.Client {
	return apigatewayv2.New(apigatewayv2.Options{
		BaseEndpoint: aws.String(gw.AdminURL),
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, token),
	})
}

func adminLambda(gw *gatewaytest.Gateway, key, secret string) *lambda.Client {
	return lambda.New(lambda.Options{
		BaseEndpoint: aws.String(gw.AdminURL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
	})
}

// wantAPIError checks that err is an API error with the code, as the SDK
// types it.
func wantAPIError(t *testing.T, what string, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: %v; want an API error %s", what, err, code)
		return
	}
	if ae.ErrorCode() != code {
		t.Errorf("%s: code %q (%v); want %s", what, ae.ErrorCode(), err, code)
	}
	if strings.Contains(ae.ErrorMessage(), "secret") {
		t.Errorf("%s: message %q mentions a secret", what, ae.ErrorMessage())
	}
}

// TestAdminAuthManagementAPI calls the management API with the apigatewayv2
// client of the AWS SDK for Go v2, signed by the right and wrong keys.
func TestAdminAuthManagementAPI(t *testing.T) {
	t.Parallel()
	gw := startAdminAuthGateway(t)
	ctx := context.Background()

	for _, key := range [][2]string{{"AKIAADMIN", "admin-secret"}, {"AKIAOPS", "ops-secret"}} {
		c := adminAPIGW(gw, "us-east-1", key[0], key[1], "")
		if _, err := c.GetApis(ctx, &apigatewayv2.GetApisInput{}); err != nil {
			t.Fatalf("GetApis signed by %s: %v", key[0], err)
		}
	}
	// A request with a body: the payload hash is verified and the body
	// still reaches the management API.
	c := adminAPIGW(gw, "us-east-1", "AKIAADMIN", "admin-secret", "")
	created, err := c.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: "HTTP"})
	if err != nil {
		t.Fatalf("CreateApi: %v", err)
	}
	got, err := c.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: created.ApiId})
	if err != nil || aws.ToString(got.Name) != "pets" {
		t.Fatalf("GetApi: %v, %v; want pets", got, err)
	}

	for _, tc := range []struct {
		name, region, key, secret, token, code string
	}{
		{"wrong secret", "us-east-1", "AKIAADMIN", "not-the-key", "", "InvalidSignatureException"},
		{"another key's secret", "us-east-1", "AKIAADMIN", "ops-secret", "", "InvalidSignatureException"},
		{"unknown key", "us-east-1", "AKIAMALLORY", "admin-secret", "", "UnrecognizedClientException"},
		{"unexpected session token", "us-east-1", "AKIAADMIN", "admin-secret", "token", "UnrecognizedClientException"},
		{"wrong region", "eu-west-1", "AKIAADMIN", "admin-secret", "", "InvalidSignatureException"},
	} {
		c := adminAPIGW(gw, tc.region, tc.key, tc.secret, tc.token)
		_, err := c.GetApis(ctx, &apigatewayv2.GetApisInput{})
		wantAPIError(t, "GetApis, "+tc.name, err, tc.code)
		_, err = c.DeleteApi(ctx, &apigatewayv2.DeleteApiInput{ApiId: created.ApiId})
		wantAPIError(t, "DeleteApi, "+tc.name, err, tc.code)
	}
	if _, err := c.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: created.ApiId}); err != nil {
		t.Errorf("GetApi after refused deletes: %v", err)
	}

	// Signed for the wrong service (execute-api, as an AWS_IAM route).
	req, _ := http.NewRequest("GET", gw.AdminURL+"/v2/apis", nil)
	const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: "AKIAADMIN", SecretAccessKey: "admin-secret"}
	if err := signer.SignHTTP(ctx, creds, req, emptySHA, "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	status, typ, body := adminDo(t, req)
	if status != 403 || typ != "InvalidSignatureException" || !strings.Contains(body, "apigateway") {
		t.Errorf("signed for execute-api: %d %s %s; want 403 InvalidSignatureException naming apigateway", status, typ, body)
	}
	// Signed by hand for apigateway: accepted.
	req, _ = http.NewRequest("GET", gw.AdminURL+"/v2/apis", nil)
	if err := signer.SignHTTP(ctx, creds, req, emptySHA, "apigateway", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if status, typ, body := adminDo(t, req); status != 200 {
		t.Errorf("signed for apigateway: %d %s %s; want 200", status, typ, body)
	}
}

// TestAdminAuthInvokeAPI calls the Lambda Invoke API of the admin listener
// with the SDK's lambda client.
func TestAdminAuthInvokeAPI(t *testing.T) {
	t.Parallel()
	gw := startAdminAuthGateway(t)
	ctx := context.Background()

	out, err := adminLambda(gw, "AKIAADMIN", "admin-secret").Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String("echo"), Payload: []byte(`{"hello":"world"}`)})
	if err != nil {
		t.Fatalf("Invoke signed by AKIAADMIN: %v", err)
	}
	var rep struct {
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(out.Payload, &rep); err != nil || string(rep.Event) != `{"hello":"world"}` {
		t.Errorf("Invoke: payload %s (%v); want the event echoed", out.Payload, err)
	}

	_, err = adminLambda(gw, "AKIAADMIN", "wrong").Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{}`)})
	wantAPIError(t, "Invoke, wrong secret", err, "InvalidSignatureException")
	_, err = adminLambda(gw, "AKIAUNKNOWN", "admin-secret").Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{}`)})
	wantAPIError(t, "Invoke, unknown key", err, "UnrecognizedClientException")

	// The management API's scope does not open the Invoke API.
	req, _ := http.NewRequest("POST", gw.AdminURL+"/2015-03-31/functions/echo/invocations", strings.NewReader(`{}`))
	sum := "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" // sha256("{}")
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "AKIAADMIN", SecretAccessKey: "admin-secret"},
		req, sum, "apigateway", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if status, typ, _ := adminDo(t, req); status != 403 || typ != "InvalidSignatureException" {
		t.Errorf("Invoke signed for apigateway: %d %s; want 403 InvalidSignatureException", status, typ)
	}
}

// TestAdminAuthUnsigned sends curl-style requests: the admin APIs refuse
// them, health, metrics and the local issuer stay open.
func TestAdminAuthUnsigned(t *testing.T) {
	t.Parallel()
	gw := startAdminAuthGateway(t)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/v2/apis", ""},
		{"POST", "/v2/apis", `{"name":"x","protocolType":"HTTP"}`},
		{"GET", "/v2/nowhere", ""},
		{"POST", "/2015-03-31/functions/echo/invocations", `{}`},
		{"GET", "/unknown", ""},
	} {
		req, _ := http.NewRequest(tc.method, gw.AdminURL+tc.path, strings.NewReader(tc.body))
		status, typ, body := adminDo(t, req)
		if status != 403 || typ != "MissingAuthenticationTokenException" || body != `{"message":"Missing Authentication Token"}` {
			t.Errorf("%s %s unsigned: %d %s %s; want 403 MissingAuthenticationTokenException", tc.method, tc.path, status, typ, body)
		}
	}
	// A malformed Authorization header is an incomplete signature.
	req, _ := http.NewRequest("GET", gw.AdminURL+"/v2/apis", nil)
	req.Header.Set("Authorization", "Bearer abc")
	if status, typ, _ := adminDo(t, req); status != 403 || typ != "IncompleteSignatureException" {
		t.Errorf("Bearer token: %d %s; want 403 IncompleteSignatureException", status, typ)
	}
	for _, p := range []string{"/_health", "/metrics", "/_issuer/.well-known/jwks.json"} {
		req, _ := http.NewRequest("GET", gw.AdminURL+p, nil)
		if status, typ, body := adminDo(t, req); status != 200 {
			t.Errorf("GET %s unsigned: %d %s %s; want 200", p, status, typ, body)
		}
	}
	// The unsigned SDK (--no-sign-request) is refused the same way.
	c := apigatewayv2.New(apigatewayv2.Options{BaseEndpoint: aws.String(gw.AdminURL), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	_, err := c.GetApis(context.Background(), &apigatewayv2.GetApisInput{})
	wantAPIError(t, "GetApis unsigned", err, "MissingAuthenticationTokenException")
}

// adminDo sends req and returns the status, x-amzn-ErrorType and body.
func adminDo(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 403 && (resp.Header.Get("x-amzn-RequestId") == "" || resp.Header.Get("Content-Type") != "application/json") {
		t.Errorf("%s %s: 403 without x-amzn-RequestId or JSON content type: %v", req.Method, req.URL.Path, resp.Header)
	}
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), string(b)
}
