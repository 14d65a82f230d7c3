package template

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/model"
)

// loadString loads one template given as text, in a temporary directory
// with the extra files given (name → content).
func loadString(t *testing.T, tmpl string, src Source, files map[string]string) (*Set, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src.Path = filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(src.Path, []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load([]Source{src}, Options{DataDir: filepath.Join(dir, ".apigw"), UnrunnableWarn: true, Region: "eu-west-1", AccountID: "123456789012", LocalIssuer: "http://127.0.0.1:3300/_issuer"})
}

// envOf returns the environment of function name.
func envOf(t *testing.T, s *Set, name string) map[string]string {
	t.Helper()
	for _, f := range s.Functions {
		if f.Name == name {
			return f.Env
		}
	}
	t.Fatalf("no function %s in %+v", name, s.Functions)
	return nil
}

// fnTemplate wraps environment variables into a template with one function,
// so that intrinsics can be checked by the values they resolve to.
func fnTemplate(head, env string) string {
	return head + `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Code: {ZipFile: "exports.handler = async () => ({})"}
      Environment:
        Variables:
` + env
}

func TestIntrinsics(t *testing.T) {
	t.Parallel()
	head := `Parameters:
  Name: {Type: String, Default: pets}
  Count: {Type: Number, Default: 3}
  Subnets: {Type: CommaDelimitedList, Default: "a, b,c"}
  Env: {Type: String, Default: prod, AllowedValues: [dev, prod]}
Mappings:
  Sizes:
    prod: {Memory: "1024"}
    dev: {Memory: "128"}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [a, a]]
  Either: !Or [!Condition IsDev, !Equals [a, b]]
`
	tests := []struct{ name, expr, want string }{
		{"ref parameter", `!Ref Name`, "pets"},
		{"ref number", `!Ref Count`, "3"},
		{"pseudo region", `!Ref AWS::Region`, "eu-west-1"},
		{"pseudo account", `!Ref AWS::AccountId`, "123456789012"},
		{"pseudo partition", `!Ref AWS::Partition`, "aws"},
		{"pseudo url suffix", `!Ref AWS::URLSuffix`, "amazonaws.com"},
		{"stack name", `!Ref AWS::StackName`, "local"},
		{"sub", `!Sub "${Name}-${AWS::Region}"`, "pets-eu-west-1"},
		{"sub literal", `!Sub "${!Name} ${Name}"`, "${Name} pets"},
		{"sub with map", `!Sub ["${A}/${Name}", {A: x}]`, "x/pets"},
		{"sub getatt", `!Sub "${Fn.Arn}"`, "arn:aws:lambda:eu-west-1:123456789012:function:Fn"},
		{"getatt list", `!GetAtt [Fn, Arn]`, "arn:aws:lambda:eu-west-1:123456789012:function:Fn"},
		{"ref function", `!Ref Fn`, "Fn"},
		{"join", `!Join ["-", [a, !Ref Name, c]]`, "a-pets-c"},
		{"join list parameter", `!Join [",", !Ref Subnets]`, "a,b,c"},
		{"select", `!Select [1, [x, y, z]]`, "y"},
		{"select split", `!Select [2, !Split [":", "a:b:c"]]`, "c"},
		{"if true", `!If [IsProd, yes-prod, no]`, "yes-prod"},
		{"if false", `!If [IsDev, dev, not-dev]`, "not-dev"},
		{"and", `!If [Both, t, f]`, "t"},
		{"or", `!If [Either, t, f]`, "f"},
		{"find in map", `!FindInMap [Sizes, !Ref Env, Memory]`, "1024"},
		{"base64", `!Base64 hello`, "aGVsbG8="},
		{"cidr", `!Select [1, !Cidr ["10.0.0.0/16", 3, 8]]`, "10.0.1.0/24"},
		{"getazs", `!Select [0, !GetAZs ""]`, "eu-west-1a"},
		{"long form", `{"Fn::Join": ["", ["a", {"Ref": "Name"}]]}`, "apets"},
		{"number as written", `1.10`, "1.10"},
	}
	var env strings.Builder
	for i, tt := range tests {
		env.WriteString("          V" + strconv.Itoa(i) + ": " + tt.expr + "\n")
	}
	set, err := loadString(t, fnTemplate(head, env.String()), Source{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := envOf(t, set, "Fn")
	for i, tt := range tests {
		if v := got["V"+strconv.Itoa(i)]; v != tt.want {
			t.Errorf("%s: %s = %q; want %q", tt.name, tt.expr, v, tt.want)
		}
	}
}

func TestNoValueRemovesProperty(t *testing.T) {
	t.Parallel()
	set, err := loadString(t, fnTemplate("Conditions:\n  Never: !Equals [a, b]\n", "          KEEP: k\n          DROP: !If [Never, x, !Ref AWS::NoValue]\n"), Source{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	env := envOf(t, set, "Fn")
	if _, ok := env["DROP"]; ok || env["KEEP"] != "k" {
		t.Errorf("env %v; want KEEP only", env)
	}
}

// TestTemplateErrors checks CloudFormation's and SAM's messages, each at
// its node.
func TestTemplateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tmpl string
		src        Source
		want       []string
	}{
		{"undefined ref", fnTemplate("", "          A: !Ref Missing\n"), Source{},
			[]string{"template.yaml:11:14: Fn.Environment.Variables: Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template"}},
		{"undefined getatt", fnTemplate("", "          A: !GetAtt Missing.Arn\n"), Source{},
			[]string{"template.yaml:11:14: Fn.Environment.Variables: Template error: instance of Fn::GetAtt references undefined resource Missing"}},
		{"missing parameters", fnTemplate("Parameters:\n  A: {Type: String}\n  B: {Type: String}\n", "          A: !Ref A\n"), Source{},
			[]string{"template.yaml:2:3: Parameters: [A, B] must have values"}},
		{"allowed values", fnTemplate("Parameters:\n  A: {Type: String, AllowedValues: [x], Default: y}\n", "          A: !Ref A\n"), Source{},
			[]string{"template.yaml:2:3: Parameters.A: Parameter 'A' must be one of AllowedValues"}},
		{"override allowed values", fnTemplate("Parameters:\n  A: {Type: String, AllowedValues: [x], Default: x}\n", "          A: !Ref A\n"), Source{ParameterOverrides: map[string]string{"A": "z"}},
			[]string{"template.yaml:2:3: Parameters.A: Parameter 'A' must be one of AllowedValues (value from --parameter-overrides)"}},
		{"unknown override", fnTemplate("", "          A: a\n"), Source{ParameterOverrides: map[string]string{"Nope": "z"}},
			[]string{"template.yaml: Parameters: [Nope] do not exist in the template"}},
		{"unknown tag", fnTemplate("", "          A: !Nope x\n"), Source{},
			[]string{"template.yaml:11:14: unknown tag !Nope"}},
		{"duplicate key", fnTemplate("", "          A: x\n          A: y\n"), Source{},
			[]string{`template.yaml:12:11: duplicate key "A" (first at line 11)`}},
		{"logical id", "Resources:\n  my-fn:\n    Type: AWS::SNS::Topic\n", Source{},
			[]string{"template.yaml:2:3: my-fn: Logical ids must be alphanumeric."}},
		{"no resources", "Parameters: {}\n", Source{},
			[]string{"template.yaml:1:1: Template format error: At least one Resources member must be defined."}},
		{"other transform", "Transform: AWS::CodeDeployBlueGreen\nResources:\n  T: {Type: AWS::SNS::Topic}\n", Source{},
			[]string{"template.yaml:1:12: Transform: transform AWS::CodeDeployBlueGreen runs only inside AWS CloudFormation; apigw cannot apply it"}},
		{"s3 include", "Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n      Body:\n        Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/k.yaml}}\n", Source{},
			[]string{"template.yaml:6:68: cannot fetch S3 objects; use a local path (s3://b/k.yaml)"}},
		{"import value", fnTemplate("", "          A: !ImportValue shared-x\n"), Source{},
			[]string{"template.yaml:11:14: Fn.Environment.Variables: No export named shared-x found"}},
		{"select out of range", fnTemplate("", "          A: !Select [5, [a]]\n"), Source{},
			[]string{"template.yaml:11:14: Fn.Environment.Variables: Template error: Fn::Select cannot select nonexistent value at index 5"}},
		{"unsupported property", "Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: {Name: a, ProtocolType: HTTP, Target: https://example.com, Cors: {}}\n", Source{},
			[]string{"template.yaml:4:76: Api.Cors: Encountered unsupported property Cors"}},
		{"route settings of no route", "Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: {Name: a, ProtocolType: HTTP}\n" +
			"  Stage:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties: {ApiId: !Ref Api, StageName: s, AutoDeploy: true, RouteSettings: {GET /watchlist: {ThrottlingBurstLimit: 1}}}\n", Source{},
			[]string{"template.yaml:2:3: Api: Unable to find Route by key GET /watchlist within the provided RouteSettings (stage s)"}},
		{"reserved variable", fnTemplate("", "          AWS_REGION: x\n"), Source{},
			[]string{"template.yaml:11:11: Fn.Environment.Variables.AWS_REGION: Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION"}},
		{"depends on nothing", "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    DependsOn: [Nope]\n", Source{},
			[]string{"template.yaml:4:17: T.DependsOn: Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template"}},
		{"output of nothing", "Resources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n  O: {Value: !GetAtt Nope.Arn}\n", Source{},
			[]string{"template.yaml:5:14: Outputs.O: Template error: instance of Fn::GetAtt references undefined resource Nope"}},
		{"condition cycle", fnTemplate("Conditions:\n  A: !Condition B\n  B: !Condition A\n", "          A: !If [A, x, y]\n"), Source{},
			[]string{"template.yaml:3:6: Conditions.B: Template error: circular dependency between conditions: A"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadString(t, tt.tmpl, tt.src, nil)
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("got %v; want a LoadError", err)
			}
			var got []string
			for _, d := range le.Diagnostics {
				if d.Severity == Error {
					s := d.String()
					got = append(got, s[strings.Index(s, "template.yaml"):])
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestDeterministicIDs: the same template gives the same API id across
// loads; apiIds fixes it; another stack name gives another id.
func TestDeterministicIDs(t *testing.T) {
	t.Parallel()
	tmpl := "Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: {Name: a, ProtocolType: HTTP, Target: https://example.com}\n"
	id := func(src Source) string {
		set, err := loadString(t, tmpl, src, nil)
		if err != nil {
			t.Fatal(err)
		}
		return set.APIs[0].Definition.API.APIID
	}
	a, b := id(Source{}), id(Source{})
	if a != b || len(a) != 10 || strings.Trim(a, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
		t.Errorf("ids %q, %q; want the same 10 base-36 characters", a, b)
	}
	if c := id(Source{StackName: "other"}); c == a {
		t.Errorf("another stack name gave the same id %s", c)
	}
	if c := id(Source{APIIDs: map[string]string{"Api": "fixed01"}}); c != "fixed01" {
		t.Errorf("apiIds: %s", c)
	}
}

// TestQuickCreateAndResources covers the CloudFormation shapes: quick
// create, Route/Integration/Authorizer resources with Fn::Join targets,
// stage variables, JWT authorizers with the local issuer.
func TestQuickCreateAndResources(t *testing.T) {
	t.Parallel()
	tmpl := `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, Code: {ZipFile: "x"}, FunctionName: pets-fn}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: pets, ProtocolType: HTTP}
  Auth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      AuthorizerType: JWT
      Name: jwt
      IdentitySource: [$request.header.Authorization]
      JwtConfiguration: {Issuer: https://issuer.example.com, Audience: [app]}
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Join ["", ["arn:", !Ref AWS::Partition, ":apigateway:", !Ref AWS::Region, ":lambda:path/2015-03-31/functions/", !GetAtt Fn.Arn, "/invocations"]]
      PayloadFormatVersion: 2.0
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /pets/{id}
      Target: !Join [/, [integrations, !Ref Integ]]
      AuthorizationType: JWT
      AuthorizerId: !Ref Auth
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: prod, AutoDeploy: true, StageVariables: {v: "1.10"}}
  Perm:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: !Ref Fn, Action: lambda:InvokeFunction, Principal: apigateway.amazonaws.com}
`
	set, err := loadString(t, tmpl, Source{JWTLocalIssuer: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := set.APIs[0]
	if len(a.Definition.Routes) != 1 || len(a.Stages) != 1 || a.Stages[0].StageName != "prod" || a.Stages[0].StageVariables["v"] != "1.10" {
		t.Fatalf("API %+v", a)
	}
	r, in, az := a.Definition.Routes[0], a.Definition.Integrations[0], a.Definition.Authorizers[0]
	if r.Target != "integrations/"+in.IntegrationID || r.AuthorizerID != az.AuthorizerID || r.AuthorizationType != model.AuthJWT {
		t.Errorf("route %+v, integration %s, authorizer %s", r, in.IntegrationID, az.AuthorizerID)
	}
	if in.IntegrationURI != "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:pets-fn/invocations" || in.PayloadFormatVersion != "2.0" {
		t.Errorf("integration %+v", in)
	}
	if az.JWTConfiguration.Issuer != "http://127.0.0.1:3300/_issuer" || az.JWTConfiguration.Audience[0] != "app" {
		t.Errorf("authorizer with the local issuer: %+v", az.JWTConfiguration)
	}
	for _, d := range set.Diagnostics {
		if d.Severity == Warning {
			t.Errorf("unexpected warning: %s", d)
		}
	}
}

// TestMissingPermission: an integrated function without a Lambda
// permission is served with AWS's consequence named.
func TestMissingPermission(t *testing.T) {
	t.Parallel()
	tmpl := `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, Code: {ZipFile: "x"}}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: HTTP, Target: !GetAtt Fn.Arn}
`
	set, err := loadString(t, tmpl, Source{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(diagText(set.Diagnostics), "warning: Api: on AWS this route $default answers 500: API Gateway has no permission to invoke Fn") {
		t.Errorf("diagnostics:\n%s", diagText(set.Diagnostics))
	}
}

// TestGlobalsAndEnvVars covers Globals merging (maps merge, local wins),
// the env-vars file (Parameters, then the logical id) and a Go function
// built with BuildMethod go1.x.
func TestGlobalsAndEnvVars(t *testing.T) {
	t.Parallel()
	tmpl := `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Timeout: 12
    Environment:
      Variables: {A: global, B: global, TABLE: t}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: go1.x}
    Properties:
      CodeUri: fn/
      Handler: bootstrap
      MemorySize: 256
      ReservedConcurrentExecutions: 5
      Environment:
        Variables: {B: local, C: local}
      Events:
        Get: {Type: HttpApi, Properties: {Path: /x, Method: get}}
`
	_, err := loadString(t, tmpl, Source{EnvVars: "env.json"}, map[string]string{
		"fn/go.mod": "module x\n",
		"env.json":  `{"Parameters": {"TABLE": "local-table", "UNDECLARED": "x"}, "Fn": {"C": "from-file"}}`,
	})
	if err == nil {
		t.Fatal("a relative --env-vars path must be reported")
	}
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env.json")
	if err := os.WriteFile(envFile, []byte(`{"Parameters": {"TABLE": "local-table"}, "Fn": {"C": "from-file", "D": "not-declared"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := loadString(t, tmpl, Source{EnvVars: envFile}, map[string]string{"fn/go.mod": "module x\n"})
	if err != nil {
		t.Fatal(err)
	}
	f := set.Functions[0]
	want := map[string]string{"A": "global", "B": "local", "C": "from-file", "TABLE": "local-table"}
	if strings.Join(sortedKeys(f.Env), ",") != "A,B,C,TABLE" {
		t.Errorf("env %v; want %v", f.Env, want)
	}
	for k, v := range want {
		if f.Env[k] != v {
			t.Errorf("env %s = %q; want %q", k, f.Env[k], v)
		}
	}
	if f.TimeoutSeconds != 12 || f.MemorySize != 256 || f.Concurrency != 5 {
		t.Errorf("settings %+v", f)
	}
	if len(f.Build) < 3 || f.Build[0] != "go" || f.Build[1] != "build" || len(f.Command) != 1 || !strings.HasSuffix(f.Command[0], "bootstrap") {
		t.Errorf("build %v command %v", f.Build, f.Command)
	}
	if !strings.Contains(diagText(set.Diagnostics), "variable D is not declared") {
		t.Errorf("no warning for the undeclared variable:\n%s", diagText(set.Diagnostics))
	}
}

// TestNestedStack loads a nested stack from a local TemplateURL, passes it
// parameters and reads its outputs.
func TestNestedStack(t *testing.T) {
	t.Parallel()
	parent := `Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: child.yaml
      Parameters: {Greeting: !Sub "hello-${AWS::Region}"}
Outputs:
  Url:
    Value: !GetAtt Child.Outputs.Endpoint
`
	child := `Parameters:
  Greeting: {Type: String}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Code: {ZipFile: "x"}
      Environment: {Variables: {GREETING: !Ref Greeting}}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: child, ProtocolType: HTTP, Target: !GetAtt Fn.Arn}
Outputs:
  Endpoint:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/"
`
	set, err := loadString(t, parent, Source{}, map[string]string{"child.yaml": child})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.APIs) != 1 || set.APIs[0].StackPath != "Child" || set.APIs[0].StackName != "local-Child" {
		t.Fatalf("APIs %+v", set.APIs)
	}
	if env := envOf(t, set, "Fn"); env["GREETING"] != "hello-eu-west-1" {
		t.Errorf("parameter passed down: %v", env)
	}
	var url string
	for _, o := range set.Outputs {
		if o.Name == "Url" {
			url = o.Value
		}
	}
	if want := "https://" + set.APIs[0].Definition.API.APIID + ".execute-api.eu-west-1.amazonaws.com/"; url != want {
		t.Errorf("parent output %q; want %q", url, want)
	}
}

// TestSamconfig reads the stack name and parameter overrides of
// samconfig.toml, flags winning.
func TestSamconfig(t *testing.T) {
	t.Parallel()
	conf := `version = 0.1
[default.global.parameters]
stack_name = "global-name"
[default.deploy.parameters]
stack_name = "sam-app"
parameter_overrides = "A=from-deploy B=\"two words\""
region = "eu-west-1"
[default.local_start_api.parameters]
parameter_overrides = ["B=from-local", "C=c"]
`
	tmpl := fnTemplate("Parameters:\n  A: {Type: String}\n  B: {Type: String}\n  C: {Type: String}\n",
		"          A: !Ref A\n          B: !Ref B\n          C: !Ref C\n          S: !Ref AWS::StackName\n")
	set, err := loadString(t, tmpl, Source{ParameterOverrides: map[string]string{"C": "flag"}}, map[string]string{"samconfig.toml": conf})
	if err != nil {
		t.Fatal(err)
	}
	env := envOf(t, set, "Fn")
	want := map[string]string{"A": "from-deploy", "B": "from-local", "C": "flag", "S": "sam-app"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q; want %q", k, env[k], v)
		}
	}
}

// TestDefinitionURI imports a local DefinitionUri document as is and warns
// about an event whose route it lacks.
func TestDefinitionURI(t *testing.T) {
	t.Parallel()
	tmpl := `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionUri: api.yaml
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => ({})"
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /pets, Method: get}}
        Missing: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /nope, Method: post}}
`
	doc := `openapi: 3.0.1
info: {title: pets}
paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, payloadFormatVersion: "2.0", uri: "arn:aws:lambda:eu-west-1:123456789012:function:Fn"}
`
	set, err := loadString(t, tmpl, Source{}, map[string]string{"api.yaml": doc})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.APIs) != 1 || len(set.APIs[0].Definition.Routes) != 1 || set.APIs[0].Definition.API.Name != "pets" {
		t.Fatalf("APIs %+v", set.APIs)
	}
	if !strings.Contains(diagText(set.Diagnostics), "has no route POST /nope") {
		t.Errorf("no warning for the event without a route:\n%s", diagText(set.Diagnostics))
	}
	_, err = loadString(t, tmpl, Source{}, map[string]string{"api.yaml": strings.Replace(doc, `uri: "arn:aws:lambda:eu-west-1:123456789012:function:Fn"`, `uri: {"Fn::Sub": "x"}`, 1)})
	if err == nil || !strings.Contains(err.Error(), "Intrinsic functions are not supported in external OpenApi definition files") {
		t.Errorf("intrinsic in a DefinitionUri document: %v", err)
	}
}

// TestCloudAssembly loads a cdk.out directory: stacks in dependency order
// (an export of one imported by the other), a nested assembly (a CDK
// Stage), asset metadata pointing at local code, manifest parameters and
// --stack selection.
func TestCloudAssembly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cdk.out/manifest.json", `{"version": "36.0.0", "artifacts": {
  "ApiStack": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
    "properties": {"templateFile": "ApiStack.template.json"}, "dependencies": ["SharedStack", "ApiStack.assets"]},
  "SharedStack": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
    "properties": {"templateFile": "SharedStack.template.json", "parameters": {"Prefix": "from-manifest"}}},
  "ApiStack.assets": {"type": "cdk:asset-manifest", "properties": {"file": "ApiStack.assets.json"}},
  "assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}},
  "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}
}}`)
	write("cdk.out/SharedStack.template.json", `{"Parameters": {"Prefix": {"Type": "String"}},
 "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
 "Outputs": {"Name": {"Value": {"Fn::Sub": "${Prefix}-name"}, "Export": {"Name": "shared-name"}}}}`)
	write("cdk.out/ApiStack.template.json", `{"Resources": {
  "Handler886CB40B": {"Type": "AWS::Lambda::Function",
    "Properties": {"Code": {"S3Bucket": {"Fn::Sub": "cdk-assets-${AWS::AccountId}"}, "S3Key": "abc.zip"}, "Handler": "index.handler", "Runtime": "nodejs20.x",
      "Environment": {"Variables": {"SHARED": {"Fn::ImportValue": "shared-name"}}}},
    "Metadata": {"aws:cdk:path": "ApiStack/Handler/Resource", "aws:asset:path": "asset.abc", "aws:asset:property": "Code"}},
  "HttpApiF5A9A8A7": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "HttpApi", "ProtocolType": "HTTP"}},
  "HttpApiDefaultStage3EEB07D6": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"ApiId": {"Ref": "HttpApiF5A9A8A7"}, "StageName": "$default", "AutoDeploy": true}},
  "Integ": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "HttpApiF5A9A8A7"}, "IntegrationType": "AWS_PROXY",
    "IntegrationUri": {"Fn::GetAtt": ["Handler886CB40B", "Arn"]}, "PayloadFormatVersion": "2.0"}},
  "Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "HttpApiF5A9A8A7"}, "RouteKey": "GET /items",
    "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integ"}]]}}},
  "Perm": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Fn::GetAtt": ["Handler886CB40B", "Arn"]}, "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com"}}
}}`)
	write("cdk.out/asset.abc/index.js", "exports.handler = async () => ({statusCode: 200})\n")
	write("cdk.out/assembly-Prod/manifest.json", `{"version": "36.0.0", "artifacts": {
  "ProdApi": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "ProdApi.template.json", "stackName": "Prod-Api"}}}}`)
	write("cdk.out/assembly-Prod/ProdApi.template.json", `{"Resources": {"Api": {"Type": "AWS::ApiGatewayV2::Api",
  "Properties": {"Name": "prod", "ProtocolType": "HTTP", "Target": "https://example.com"}}}}`)

	set, err := Load([]Source{{Path: filepath.Join(dir, "cdk.out")}}, Options{DataDir: filepath.Join(dir, ".apigw")})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.APIs) != 2 || set.APIs[0].StackName != "ApiStack" || set.APIs[1].StackName != "Prod-Api" {
		t.Fatalf("APIs %+v", set.APIs)
	}
	if len(set.APIs[0].Definition.Routes) != 1 || set.APIs[0].Definition.Routes[0].RouteKey != "GET /items" {
		t.Errorf("routes %+v", set.APIs[0].Definition.Routes)
	}
	f := set.Functions[0]
	if f.CodeDir != filepath.Join(dir, "cdk.out", "asset.abc") || f.Unrunnable != "" || f.Env["SHARED"] != "from-manifest-name" {
		t.Errorf("function %+v", f)
	}
	if strings.Contains(diagText(set.Diagnostics), "warning") {
		t.Errorf("warnings:\n%s", diagText(set.Diagnostics))
	}
	only, err := Load([]Source{{Path: filepath.Join(dir, "cdk.out"), Stacks: []string{"SharedStack", "Prod-Api"}}}, Options{DataDir: filepath.Join(dir, ".apigw")})
	if err != nil {
		t.Fatal(err)
	}
	if len(only.APIs) != 1 || only.APIs[0].StackName != "Prod-Api" {
		t.Errorf("--stack selection: %+v", only.APIs)
	}
	one, err := Load([]Source{{Path: filepath.Join(dir, "cdk.out", "SharedStack.template.json")}}, Options{DataDir: filepath.Join(dir, ".apigw")})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Outputs) != 1 || one.Outputs[0].StackName != "SharedStack" || one.Outputs[0].Value != "from-manifest-name" {
		t.Errorf("one *.template.json of the assembly: %+v", one.Outputs)
	}
}

// TestEsbuild: a Node.js function with BuildMethod esbuild is bundled into
// the data dir and runs from there.
func TestEsbuild(t *testing.T) {
	t.Parallel()
	tmpl := `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: esbuild
      BuildProperties: {Minify: false, Target: es2022, Sourcemap: true, External: [aws-sdk], EntryPoints: [app.ts]}
    Properties: {Runtime: nodejs20.x, Handler: app.handler, CodeUri: src/}
`
	set, err := loadString(t, tmpl, Source{}, map[string]string{"src/app.ts": "export const handler = async () => ({})\n"})
	if err != nil {
		t.Fatal(err)
	}
	f := set.Functions[0]
	got := strings.Join(f.Build, " ")
	for _, want := range []string{"esbuild ", "/src/app.ts --bundle --platform=node --outdir=" + f.CodeDir, "--target=es2022", "--sourcemap", "--external:aws-sdk", "--format=cjs"} {
		if !strings.Contains(got, want) {
			t.Errorf("build %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "--minify") || f.Runtime != "nodejs20.x" || !strings.Contains(f.CodeDir, filepath.Join("build", "local", "Fn")) {
		t.Errorf("function %+v", f)
	}
}

// TestMakefileBuild: BuildMethod makefile runs make build-LogicalId with
// ARTIFACTS_DIR, as sam build does, and the function runs the bootstrap
// it leaves there.
func TestMakefileBuild(t *testing.T) {
	t.Parallel()
	tmpl := `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: makefile}
    Properties: {Runtime: provided.al2023, Handler: bootstrap, CodeUri: fn/}
`
	set, err := loadString(t, tmpl, Source{}, map[string]string{"fn/Makefile": "build-Fn:\n\tcp bootstrap $(ARTIFACTS_DIR)/\n"})
	if err != nil {
		t.Fatal(err)
	}
	f := set.Functions[0]
	if len(f.Build) != 5 || f.Build[0] != "make" || f.Build[3] != "build-Fn" || !strings.HasPrefix(f.Build[4], "ARTIFACTS_DIR=") {
		t.Fatalf("build %v", f.Build)
	}
	out := strings.TrimPrefix(f.Build[4], "ARTIFACTS_DIR=")
	if st, err := os.Stat(out); err != nil || !st.IsDir() {
		t.Errorf("ARTIFACTS_DIR %s not created: %v", out, err)
	}
	if len(f.Command) != 1 || f.Command[0] != filepath.Join(out, "bootstrap") {
		t.Errorf("command %v", f.Command)
	}
}

// TestStageVariableFunction: an integration naming its function through a
// stage variable is resolved per request, not checked at load.
func TestStageVariableFunction(t *testing.T) {
	t.Parallel()
	tmpl := `Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: HTTP}
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      PayloadFormatVersion: "2.0"
      IntegrationUri: !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${!stageVariables.fn}"
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: GET /x, Target: !Sub "integrations/${Integ}"}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true, StageVariables: {fn: pets}}
`
	set, err := loadString(t, tmpl, Source{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if uri := set.APIs[0].Definition.Integrations[0].IntegrationURI; uri != "arn:aws:lambda:eu-west-1:123456789012:function:${stageVariables.fn}" {
		t.Errorf("integration URI %q", uri)
	}
}

// TestCrossRegionFunction: an integration naming a function of another
// region is served by the local function of that name, with a warning.
func TestCrossRegionFunction(t *testing.T) {
	t.Parallel()
	tmpl := `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: pets, Runtime: nodejs20.x, Handler: index.handler, Code: {ZipFile: "x"}}
  Perm:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: pets, Action: lambda:InvokeFunction, Principal: apigateway.amazonaws.com}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: HTTP, Target: "arn:aws:lambda:us-west-2:123456789012:function:pets"}
`
	set, err := loadString(t, tmpl, Source{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(diagText(set.Diagnostics), "warning: Api: route $default calls function pets of region us-west-2, account 123456789012") {
		t.Errorf("diagnostics:\n%s", diagText(set.Diagnostics))
	}
}

// TestDefaultAPI: the only API is the default; with several, defaultApi
// picks one, and a name that is not an API is an error.
func TestDefaultAPI(t *testing.T) {
	t.Parallel()
	two := `Resources:
  A:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: HTTP, Target: https://a.example.com}
  B:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: b, ProtocolType: HTTP, Target: https://b.example.com}
`
	set, err := loadString(t, two, Source{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if set.APIs[0].Default || set.APIs[1].Default || !strings.Contains(diagText(set.Diagnostics), "no default API") {
		t.Errorf("two APIs without defaultApi: %v %v\n%s", set.APIs[0].Default, set.APIs[1].Default, diagText(set.Diagnostics))
	}
	set, err = loadString(t, two, Source{DefaultAPI: "B"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if set.APIs[0].Default || !set.APIs[1].Default {
		t.Errorf("defaultApi B: %v %v", set.APIs[0].Default, set.APIs[1].Default)
	}
	if _, err := loadString(t, two, Source{DefaultAPI: "C"}, nil); err == nil || !strings.Contains(err.Error(), "default API C is not an HTTP API of the templates") {
		t.Errorf("defaultApi C: %v", err)
	}
}
