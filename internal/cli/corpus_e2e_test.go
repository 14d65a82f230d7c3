package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeCorpusTemplates serves real templates of the corpus with
// `apigw serve --template` and sends the request their source expects: the
// API Gateway developer guide's Lambda quick create (a CloudFormation
// ZipFile Node.js function) and the CDK integ snapshot of a Lambda proxy
// (a cloud assembly directory).
func TestServeCorpusTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs Node.js functions")
	}
	corpus, err := filepath.Abs("../../../shared/realworld/corpus")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("no real-world corpus at %s", corpus)
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("APIGW_CI") == "1" {
			t.Fatalf("node is not on PATH (APIGW_CI=1: template tests with Node.js functions must run): %v", err)
		}
		t.Skip("node is not on PATH")
	}
	t.Parallel()
	bin := buildBinary(t)
	for _, tc := range []struct {
		name, dir, template, path, want string
	}{
		{"lambda quick create", "awsdocs-cfn-lambda-quick-create", "lambda-quick-create.yaml", "/", `"Hello from Lambda!"`},
		{"cdk cloud assembly", "cdk-integ-lambda-proxy", "integ.lambda-proxy.js.snapshot", "/any/path", "success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, dataURL, _, _ := startServe(t, bin, filepath.Join(corpus, tc.dir), "--template", tc.template, "--data-dir", t.TempDir())
			resp, err := http.Get(dataURL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != tc.want {
				t.Errorf("GET %s: %d %q; want 200 %q", tc.path, resp.StatusCode, b, tc.want)
			}
		})
	}
}

// authorizerApp is the Python code the SAM CLI fixture
// cfn-apigw-v2.yaml expects next to it (the corpus keeps only the
// template): a hello function, and one authorizer function answering the
// three authorizers (REQUEST 1.0, 2.0 with an IAM policy, 2.0 simple),
// allowing when the header "header" is "allow".
const authorizerApp = `import json

def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"message": "hello world"})}

def auth_handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    allow = headers.get("header") == "allow"
    if event.get("version") == "2.0" and event.get("routeKey", "").endswith("simple"):
        return {"isAuthorized": allow}
    arn = event.get("routeArn") or event.get("methodArn")
    return {
        "principalId": "user",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow" if allow else "Deny", "Resource": arn}]},
    }
`

// TestServeCorpusLambdaAuthorizers serves the SAM CLI fixture with
// AWS::ApiGatewayV2::Authorizer resources (REQUEST 1.0, 2.0, 2.0 simple),
// CUSTOM routes and a prod stage with an explicit Deployment: without the
// identity sources the authorizer is not invoked (401); it allows (200)
// or denies (403).
func TestServeCorpusLambdaAuthorizers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs Python functions")
	}
	corpus, err := filepath.Abs("../../../shared/realworld/corpus/samcli-cfn-apigw-v2-lambda-authorizers")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile(filepath.Join(corpus, "cfn-apigw-v2.yaml"))
	if err != nil {
		t.Skipf("no real-world corpus: %v", err)
	}
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("APIGW_CI") == "1" {
			t.Fatalf("python3 is not on PATH (APIGW_CI=1): %v", err)
		}
		t.Skip("python3 is not on PATH")
	}
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), tmpl, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(authorizerApp), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	_, dataURL, _, _ := startServe(t, bin, dir, "--template", "template.yaml", "--data-dir", t.TempDir())
	get := func(path, header string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", dataURL+path, nil)
		if header != "" {
			req.Header.Set("header", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, route := range []string{"/prod/requestauthorizerv2", "/prod/requestauthorizerv2simple", "/prod/requestauthorizerv1"} {
		if status, body := get(route+"?query=q", ""); status != 401 {
			t.Errorf("%s without the header: %d %s; want 401", route, status, body)
		}
		if status, body := get(route, "allow"); status != 401 {
			t.Errorf("%s without the query string: %d %s; want 401", route, status, body)
		}
		if status, body := get(route+"?query=q", "allow"); status != 200 || body != `{"message": "hello world"}` {
			t.Errorf("%s allowed: %d %s", route, status, body)
		}
		if status, body := get(route+"?query=q", "deny"); status != 403 {
			t.Errorf("%s denied: %d %s; want 403", route, status, body)
		}
	}
}

// TestServeTemplateDomain serves a template's custom domain: a request
// whose Host is the domain reaches the mapped API stage under its base
// path, as on AWS.
func TestServeTemplateDomain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "backend saw "+r.URL.Path)
	}))
	defer backend.Close()
	dir := t.TempDir()
	tmpl := `Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: pets, ProtocolType: HTTP, Target: "` + backend.URL + `/"}
  Domain:
    Type: AWS::ApiGatewayV2::DomainName
    Properties:
      DomainName: pets.example.com
      DomainNameConfigurations: [{CertificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/x", EndpointType: REGIONAL}]
  Mapping:
    Type: AWS::ApiGatewayV2::ApiMapping
    DependsOn: Domain
    Properties: {ApiId: !Ref Api, DomainName: pets.example.com, Stage: $default, ApiMappingKey: v1}
`
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	_, dataURL, _, _ := startServe(t, bin, dir, "--data-dir", t.TempDir())
	req, _ := http.NewRequest("GET", dataURL+"/v1/dogs", nil)
	req.Host = "pets.example.com"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "backend saw ") {
		t.Errorf("GET pets.example.com/v1/dogs: %d %q", resp.StatusCode, b)
	}
}
