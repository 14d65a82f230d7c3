package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/model"
)

// TestInterfaceExample parses the config file of docs/configuration.md
// verbatim: it must work exactly as written.
func TestInterfaceExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/interface-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "testdata/interface-example.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	dir, _ := filepath.Abs("testdata")
	if c.File != filepath.Join(dir, "interface-example.yaml") {
		t.Errorf("File = %q", c.File)
	}
	if c.Listen != "127.0.0.1:3000" || c.AdminListen != "127.0.0.1:3300" || c.DataDir != filepath.Join(dir, ".apigw") ||
		c.Region != "us-east-1" || c.AccountID != "000000000000" {
		t.Errorf("top level: %+v", c)
	}
	pets := c.Functions["pets"]
	wantPets := Function{Name: "pets", Command: []string{filepath.Join(dir, "bin/pets")}, Dir: filepath.Join(dir, "functions/pets"),
		Env: map[string]string{"TABLE": "pets"}, Timeout: 30 * time.Second, MemorySize: 128, Concurrency: 10, Line: 8, Column: 3}
	if !reflect.DeepEqual(pets, wantPets) {
		t.Errorf("pets = %+v\nwant %+v", pets, wantPets)
	}
	legacy := c.Functions["legacy"]
	if legacy.Endpoint != "http://127.0.0.1:3001" || legacy.Command != nil || legacy.Timeout != 3*time.Second {
		t.Errorf("legacy = %+v", legacy)
	}
	if len(c.APIs) != 1 {
		t.Fatalf("APIs = %+v", c.APIs)
	}
	a := c.APIs[0]
	if a.ID != "petstore01" || a.OpenAPI != filepath.Join(dir, "petstore.yaml") || !a.Default || len(a.Stages) != 1 || a.Line != 19 {
		t.Errorf("api = %+v", a)
	}
	st := a.Stages[0].Model()
	want := model.Stage{
		StageName: "$default", AutoDeploy: true,
		StageVariables:       map[string]string{"backend": "127.0.0.1:8080"},
		DefaultRouteSettings: &model.RouteSettings{ThrottlingBurstLimit: ptr(100), ThrottlingRateLimit: ptr(50.0)},
		RouteSettings:        map[string]model.RouteSettings{},
		AccessLogSettings:    &model.AccessLogSettings{Format: "$context.requestId $context.status", DestinationARN: "stdout"},
		Tags:                 map[string]string{},
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("stage = %+v\nwant %+v", st, want)
	}
	if len(c.Identities) != 1 {
		t.Fatalf("identities = %+v", c.Identities)
	}
	id := c.Identities[0]
	if id.AccessKeyID != "AKIAEXAMPLEALICE" || id.SecretAccessKey != "alice-secret" || id.ARN != "arn:aws:iam::000000000000:user/alice" {
		t.Errorf("identity = %+v", id)
	}
	const policy = `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:petstore01/*/GET/pets/*"}],"Version":"2012-10-17"}`
	if string(id.PolicyJSON) != policy {
		t.Errorf("policy JSON = %s\nwant %s", id.PolicyJSON, policy)
	}
	wantEndpoints := map[string]string{"sqs": "http://127.0.0.1:9324", "kinesis": "http://127.0.0.1:4567", "eventbridge": "http://127.0.0.1:4010",
		"sfn": "http://127.0.0.1:8083", "appconfig": "http://127.0.0.1:2772"}
	if !reflect.DeepEqual(c.AWS.Endpoints, wantEndpoints) || c.AWS.Credentials == nil || c.AWS.Credentials.AccessKeyID != "test" {
		t.Errorf("aws = %+v", c.AWS)
	}
	if !reflect.DeepEqual(c.VpcLinks, []VpcLink{{ID: "vl0001", Name: "pets-link", Line: 47, Column: 5}}) {
		t.Errorf("vpcLinks = %+v", c.VpcLinks)
	}
	sd := c.PrivateTargets["arn:aws:servicediscovery:us-east-1:000000000000:service/srv-pets"]
	if !reflect.DeepEqual(sd.Instances, []string{"127.0.0.1:8081", "127.0.0.1:8082"}) || sd.DNS != "" || sd.HealthCheck != nil {
		t.Errorf("cloud map target = %+v", sd)
	}
	alb := c.PrivateTargets["arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/pets/50dc6c495c0c9188/0467ef3c8400ae65"]
	if alb.DNS != "pets.internal:8080" || alb.HealthCheck == nil || *alb.HealthCheck != (HealthCheck{Path: "/health", Interval: 5 * time.Second}) {
		t.Errorf("alb target = %+v", alb)
	}
}

func ptr[T any](v T) *T { return &v }

func TestDefaults(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"", "# nothing\n", "~\n"} {
		c, err := Parse([]byte(doc), "")
		if err != nil {
			t.Fatalf("Parse(%q): %v", doc, err)
		}
		if !reflect.DeepEqual(c, Default()) {
			t.Errorf("Parse(%q) = %+v; want the defaults", doc, c)
		}
	}
	d := Default()
	if d.Listen != "127.0.0.1:3000" || d.AdminListen != "127.0.0.1:3300" || d.DataDir != ".apigw" || d.Region != "us-east-1" || d.AccountID != "000000000000" {
		t.Errorf("Default() = %+v", d)
	}
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		check     func(t *testing.T, c *Config)
	}{
		{"default stage", "apis:\n  - openapi: a.yaml\n", func(t *testing.T, c *Config) {
			s := c.APIs[0].Stages
			if len(s) != 1 || s[0].Name != "$default" || !s[0].AutoDeploy || s[0].Line != 2 {
				t.Errorf("stages = %+v", s)
			}
		}},
		{"stage name defaults to $default", "apis:\n  - openapi: a.yaml\n    stages: [{description: d}]\n", func(t *testing.T, c *Config) {
			if s := c.APIs[0].Stages[0]; s.Name != "$default" || s.Description != "d" || !s.AutoDeploy {
				t.Errorf("stage = %+v", s)
			}
		}},
		{"unquoted account id", "accountId: 000000000000\n", func(t *testing.T, c *Config) {
			if c.AccountID != "000000000000" {
				t.Errorf("accountId = %q", c.AccountID)
			}
		}},
		{"runtime function", "strictRuntimeVersions: true\nfunctions:\n  hello: {runtime: nodejs20.x, handler: app.lambdaHandler, dir: ./hello, interpreter: ./bin/node}\n" +
			"  report:\n    runtime: python3.11\n    handler: report.handler\n    runtimeClient: aws\n    logFormat: JSON\n    logLevel: WARN\n    interpreter: python3\n" +
			"    env: {AWS_LAMBDA_EXEC_WRAPPER: ./wrap.sh, NODE_OPTIONS: --enable-source-maps}\n", func(t *testing.T, c *Config) {
			h, r := c.Functions["hello"], c.Functions["report"]
			if !c.StrictRuntimeVersions {
				t.Error("strictRuntimeVersions not set")
			}
			if h.Runtime != "nodejs20.x" || h.Handler != "app.lambdaHandler" || h.Dir != "/cfg/hello" || h.Interpreter != "/cfg/bin/node" || h.Command != nil {
				t.Errorf("hello = %+v", h)
			}
			if r.Runtime != "python3.11" || r.Handler != "report.handler" || r.RuntimeClient != "aws" || r.LogFormat != "JSON" || r.LogLevel != "WARN" ||
				r.Interpreter != "python3" || r.Env["AWS_LAMBDA_EXEC_WRAPPER"] != "./wrap.sh" {
				t.Errorf("report = %+v", r)
			}
		}},
		{"command as a string", "functions:\n  f: {command: ./bin/f --port 9}\n", func(t *testing.T, c *Config) {
			if got := c.Functions["f"].Command; !reflect.DeepEqual(got, []string{"/cfg/bin/f", "--port", "9"}) {
				t.Errorf("command = %q", got)
			}
		}},
		{"command on PATH", "functions:\n  f: {command: [node, index.js], build: [npm, ci]}\n", func(t *testing.T, c *Config) {
			f := c.Functions["f"]
			if !reflect.DeepEqual(f.Command, []string{"node", "index.js"}) || !reflect.DeepEqual(f.Build, []string{"npm", "ci"}) || f.Dir != "/cfg" {
				t.Errorf("function = %+v", f)
			}
		}},
		{"absolute paths kept", "dataDir: /var/lib/apigw\napis:\n  - openapi: /srv/api.yaml\n", func(t *testing.T, c *Config) {
			if c.DataDir != "/var/lib/apigw" || c.APIs[0].OpenAPI != "/srv/api.yaml" {
				t.Errorf("paths %q %q", c.DataDir, c.APIs[0].OpenAPI)
			}
		}},
		{"env numbers kept as text", "functions:\n  f: {command: [x], env: {PORT: 8080, DEBUG: true}}\n", func(t *testing.T, c *Config) {
			if got := c.Functions["f"].Env; !reflect.DeepEqual(got, map[string]string{"PORT": "8080", "DEBUG": "true"}) {
				t.Errorf("env = %v", got)
			}
		}},
		{"credentials in env", "functions:\n  f: {command: [x], env: {AWS_ACCESS_KEY_ID: AKIA1, AWS_SECRET_ACCESS_KEY: s, AWS_SESSION_TOKEN: t}}\n", func(t *testing.T, c *Config) {
			// One rule, owned by functions.CheckEnv: a local function has no
			// execution role, so credentials may be given.
			if got := c.Functions["f"].Env["AWS_ACCESS_KEY_ID"]; got != "AKIA1" {
				t.Errorf("AWS_ACCESS_KEY_ID = %q; want AKIA1", got)
			}
		}},
		{"merge keys", "x-fn: &base {timeout: 10s, memorySize: 256}\n", nil},
		{"route settings", "apis:\n  - openapi: a.yaml\n    stages:\n      - name: prod\n        autoDeploy: false\n        routeSettings: {\"GET /pets\": {throttlingRateLimit: 2.5, detailedMetricsEnabled: true}}\n", func(t *testing.T, c *Config) {
			s := c.APIs[0].Stages[0]
			rs := s.RouteSettings["GET /pets"]
			if s.AutoDeploy || *rs.ThrottlingRateLimit != 2.5 || !*rs.DetailedMetricsEnabled {
				t.Errorf("stage = %+v", s)
			}
		}},
		{"vpc link name defaults to id", "vpcLinks: [{id: vl1}]\n", func(t *testing.T, c *Config) {
			if c.VpcLinks[0].Name != "vl1" {
				t.Errorf("vpcLinks = %+v", c.VpcLinks)
			}
		}},
		{"srv dns and default interval", "privateTargets:\n  \"arn:aws:servicediscovery:us-east-1:000000000000:service/srv-a\": {dns: _http._tcp.a.internal, healthCheck: {path: /h}}\n", func(t *testing.T, c *Config) {
			pt := c.PrivateTargets["arn:aws:servicediscovery:us-east-1:000000000000:service/srv-a"]
			if pt.DNS != "_http._tcp.a.internal" || pt.HealthCheck.Interval != 10*time.Second {
				t.Errorf("target = %+v", pt)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := tt.doc
			if tt.check == nil {
				// x-fn is not a key of the file: merge keys are checked below.
				doc = "functions:\n  a: &base {command: [x], timeout: 10s}\n  b:\n    <<: *base\n    memorySize: 256\n"
				tt.check = func(t *testing.T, c *Config) {
					b := c.Functions["b"]
					if b.Timeout != 10*time.Second || b.MemorySize != 256 || b.Command[0] != "x" {
						t.Errorf("merged function = %+v", b)
					}
				}
			}
			c, err := Parse([]byte(doc), "/cfg/apigw.yaml")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	const api = "apis:\n  - openapi: a.yaml\n    stages:\n      - "
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"unknown key", "listen: 127.0.0.1:3000\nlisten_admin: x\n", []string{`c.yaml:2:1: unknown key "listen_admin" in the config file`}},
		{"unknown key suggestion", "adminListn: 127.0.0.1:1\n", []string{`c.yaml:1:1: unknown key "adminListn" in the config file (did you mean "adminListen"?)`}},
		{"yaml syntax", "listen: [\n", []string{"c.yaml:1: invalid YAML: did not find expected node content"}},
		{"two documents", "listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n", []string{"c.yaml:2:1: the file holds more than one YAML document"}},
		{"not a mapping", "- a\n", []string{"c.yaml:1:1: the config file must be a YAML mapping, not a list"}},
		{"duplicate key", "region: us-east-1\nregion: eu-west-1\n", []string{`c.yaml:2:1: duplicate key "region" (first at line 1)`}},
		{"bad listen", "listen: localhost\n", []string{`c.yaml:1:9: listen: "localhost" is not a host:port address`}},
		{"bad port", "adminListen: 127.0.0.1:99999\n", []string{`c.yaml:1:14: adminListen: "127.0.0.1:99999" has an invalid port (0 to 65535; 0 picks a free port)`}},
		{"listen wrong type", "listen: 3000\n", []string{`c.yaml:1:9: listen: "3000" is not a host:port address`}},
		{"listen boolean", "listen: true\n", []string{"c.yaml:1:9: listen must be a string, not a boolean"}},
		{"bad region", "region: US-EAST-1\n", []string{`c.yaml:1:9: region: "US-EAST-1" is not a region name such as us-east-1`}},
		{"short account", "accountId: \"12345\"\n", []string{`c.yaml:1:12: accountId: "12345" is not a 12-digit account id`}},
		{"function both", "functions:\n  f: {command: [x], endpoint: \"http://h:1\"}\n", []string{"c.yaml:2:3: functions.f: set exactly one of command, endpoint and runtime"}},
		{"function neither", "functions:\n  f: {timeout: 3s}\n", []string{"c.yaml:2:3: functions.f: set runtime and handler (a Node.js or Python function), command (a program speaking the Lambda Runtime API) or endpoint (a Lambda Invoke API)"}},
		{"function bad name", "functions:\n  my.fn: {command: [x]}\n", []string{`c.yaml:2:3: functions: function name "my.fn" must be 1 to 64 letters, digits, '-' and '_'`}},
		{"function bad duration", "functions:\n  f:\n    command: [x]\n    timeout: 30\n", []string{"c.yaml:4:14: functions.f.timeout must be a duration with a unit, such as 30s, not an integer"}},
		{"function unparsable duration", "functions:\n  f:\n    command: [x]\n    timeout: 30 seconds\n", []string{`c.yaml:4:14: functions.f.timeout: "30 seconds" is not a duration such as 30s or 1m30s`}},
		{"function timeout too long", "functions:\n  f:\n    command: [x]\n    timeout: 16m\n", []string{"c.yaml:4:14: functions.f.timeout must be more than 0s and at most 900s"}},
		{"function memory", "functions:\n  f:\n    command: [x]\n    memorySize: 64\n", []string{"c.yaml:4:17: functions.f.memorySize must be between 128 and 10240 (MB)"}},
		{"function memory string", "functions:\n  f:\n    command: [x]\n    memorySize: \"256\"\n", []string{"c.yaml:4:17: functions.f.memorySize must be an integer, not a string"}},
		{"function concurrency", "functions:\n  f:\n    command: [x]\n    concurrency: 0\n", []string{"c.yaml:4:18: functions.f.concurrency must be between 1 and 1000"}},
		{"function endpoint url", "functions:\n  f:\n    endpoint: localhost:3001\n", []string{`c.yaml:3:15: functions.f.endpoint: "localhost:3001" is not an http or https URL`}},
		{"function endpoint with env", "functions:\n  f:\n    endpoint: http://h:1\n    env: {A: b}\n", []string{"c.yaml:4:5: functions.f: env applies only to local functions (command or runtime)"}},
		{"function reserved env", "functions:\n  f:\n    command: [x]\n    env: {AWS_REGION: x, AWS_LAMBDA_FUNCTION_NAME: y, 1BAD: z}\n",
			[]string{`c.yaml:4:11: functions.f.env: AWS_REGION is reserved by Lambda and cannot be set`,
				`c.yaml:4:26: functions.f.env: AWS_LAMBDA_FUNCTION_NAME is reserved by Lambda and cannot be set`,
				`c.yaml:4:55: functions.f.env: "1BAD" is not a valid environment variable name`}},
		{"function empty command", "functions:\n  f: {command: []}\n", []string{"c.yaml:2:16: functions.f.command must name a program"}},
		{"function unknown key", "functions:\n  f: {command: [x], handlr: main}\n", []string{`c.yaml:2:21: unknown key "handlr" in functions.f (did you mean "handler"?)`}},
		{"handler without runtime", "functions:\n  f: {command: [x], handler: main}\n", []string{"c.yaml:2:21: functions.f: handler applies only to functions with a runtime"}},
		{"runtime unknown", "functions:\n  f: {runtime: nodejs16.x, handler: index.handler}\n", []string{`c.yaml:2:16: functions.f.runtime: runtime "nodejs16.x" is not supported; use one of nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x, python3.9, python3.10, python3.11, python3.12, python3.13, python3.14 (other languages: a command speaking the Lambda Runtime API)`}},
		{"runtime without handler", "functions:\n  f: {runtime: python3.11}\n", []string{"c.yaml:2:3: functions.f: handler is required with runtime (for example app.handler)"}},
		{"runtime and command", "functions:\n  f: {runtime: python3.11, handler: a.b, command: [x]}\n", []string{"c.yaml:2:3: functions.f: set exactly one of command, endpoint and runtime"}},
		{"runtime bad fields", "functions:\n  f:\n    runtime: python3.11\n    handler: \"a b\"\n    runtimeClient: docker\n    logFormat: json\n",
			[]string{`c.yaml:4:14: functions.f.handler: handler "a b" contains white space`, `c.yaml:5:20: functions.f.runtimeClient: runtimeClient "docker" must be builtin or aws`, `c.yaml:6:16: functions.f.logFormat: logFormat "json" must be Text or JSON`}},
		{"log level without JSON", "functions:\n  f: {runtime: python3.11, handler: a.b, logLevel: WARN}\n", []string{"c.yaml:2:52: functions.f.logLevel: logLevel applies only with logFormat: JSON"}},
		{"log level unknown", "functions:\n  f: {runtime: python3.11, handler: a.b, logFormat: JSON, logLevel: WARNING}\n", []string{"c.yaml:2:69: functions.f.logLevel: logLevel \"WARNING\" must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL"}},
		{"functions not a mapping", "functions: [a]\n", []string{"c.yaml:1:12: functions must be a mapping of function names, not a list"}},
		{"api id syntax", "apis:\n  - id: Pet-Store\n    openapi: a.yaml\n", []string{`c.yaml:2:9: apis.id "Pet-Store" must be 1 to 63 lower-case letters and digits`}},
		{"api duplicate id", "apis:\n  - {id: a1, openapi: a.yaml}\n  - {id: a1, openapi: b.yaml}\n", []string{`c.yaml:3:10: apis.id "a1" is used by another API`}},
		{"api openapi missing", "apis:\n  - id: a1\n", []string{"c.yaml:2:5: apis entry: openapi is required (the API's OpenAPI 3.0 document)"}},
		{"two defaults", "apis:\n  - {openapi: a.yaml, default: true}\n  - {openapi: b.yaml, default: true}\n", []string{"c.yaml:3:32: apis.default: only one API can be the default API"}},
		{"stage deploymentId", api + "{name: prod, deploymentId: abc123}\n", []string{"c.yaml:4:22: stages.deploymentId cannot be set in the config file: the stages of configured APIs serve the definition imported at start"}},
		{"stage bad name", api + "name: v1.0\n", []string{"c.yaml:4:15: stage v1.0: Invalid stage name v1.0 (stage names are $default or 1 to 128 letters, digits, '-' and '_')"}},
		{"stage duplicate", api + "name: prod\n      - name: prod\n", []string{"c.yaml:5:9: stages: stage name prod is used twice"}},
		{"stage variable value", api + "stageVariables: {host: \"a b\"}\n", []string{"c.yaml:4:26: stage $default: Stage variable values must match [A-Za-z0-9-._~:/?#&=,]+ (and be at most 512 characters long)"}},
		{"stage negative burst", api + "defaultRouteSettings: {throttlingBurstLimit: -1}\n", []string{"c.yaml:4:54: stage $default: throttlingBurstLimit must not be negative"}},
		{"stage bad route key", api + "routeSettings: {\"GET pets\": {throttlingBurstLimit: 1}}\n", []string{"c.yaml:4:25: stage $default: One or more path parts appear to be invalid (path must start with \"/\")"}},
		{"stage access log without format", api + "accessLogSettings: {destinationArn: stdout}\n", []string{"c.yaml:4:9: stage $default: accessLogSettings.format is required when access logging is configured"}},
		{"stage unknown setting", api + "defaultRouteSettings: {loggingLevel: INFO}\n", []string{`c.yaml:4:32: unknown key "loggingLevel" in stages.defaultRouteSettings`}},
		{"identity missing fields", "identities:\n  - accessKeyId: AKIA1\n", []string{"c.yaml:2:5: identities entry: secretAccessKey is required", "c.yaml:2:5: identities entry: arn is required"}},
		{"identity bad arn", "identities:\n  - {accessKeyId: AKIA1, secretAccessKey: s, arn: alice}\n", []string{`c.yaml:2:51: identities.arn "alice" is not an IAM user or role ARN such as arn:aws:iam::000000000000:user/alice`}},
		{"identity duplicate key", "identities:\n  - {accessKeyId: K1, secretAccessKey: s, arn: \"arn:aws:iam::000000000000:user/a\"}\n  - {accessKeyId: K1, secretAccessKey: s, arn: \"arn:aws:iam::000000000000:user/b\"}\n",
			[]string{`c.yaml:3:19: identities.accessKeyId "K1" is used by another identity`}},
		{"identity policy list", "identities:\n  - {accessKeyId: K1, secretAccessKey: s, arn: \"arn:aws:iam::000000000000:user/a\", policy: [x]}\n",
			[]string{"c.yaml:2:92: identities.policy must be an IAM policy document (a mapping), not a list"}},
		{"aws unknown service", "aws:\n  endpoints: {s3: \"http://h:1\"}\n", []string{`c.yaml:2:15: aws.endpoints: unknown service "s3"; supported: sqs, kinesis, eventbridge, sfn, appconfig, appconfigdata, lambda, sts`}},
		{"aws bad endpoint", "aws:\n  endpoints: {sqs: h}\n", []string{`c.yaml:2:15: aws.endpoints.sqs: "h" is not an http or https URL`}},
		{"aws partial credentials", "aws:\n  credentials: {accessKeyId: a}\n", []string{"c.yaml:2:16: aws.credentials needs both accessKeyId and secretAccessKey"}},
		{"vpc link id", "vpcLinks:\n  - {id: VL_1}\n  - {name: x}\n", []string{`c.yaml:2:10: vpcLinks.id "VL_1" must be 1 to 63 lower-case letters and digits`, "c.yaml:3:5: vpcLinks entry: id is required"}},
		{"private target arn", "privateTargets:\n  \"arn:aws:ec2:us-east-1:000000000000:instance/i-1\": {instances: [\"127.0.0.1:1\"]}\n",
			[]string{`c.yaml:2:3: privateTargets: "arn:aws:ec2:us-east-1:000000000000:instance/i-1" is not a load balancer listener ARN or a Cloud Map service ARN`}},
		{"private target both", "privateTargets:\n  \"arn:aws:servicediscovery:us-east-1:000000000000:service/srv-a\": {instances: [\"127.0.0.1:1\"], dns: \"a:1\"}\n",
			[]string{"c.yaml:2:3: privateTargets: set either instances or dns for arn:aws:servicediscovery:us-east-1:000000000000:service/srv-a"}},
		{"private target bad instance", "privateTargets:\n  \"arn:aws:servicediscovery:us-east-1:000000000000:service/srv-a\":\n    instances: [\"127.0.0.1\", \"h:0\"]\n",
			[]string{`c.yaml:3:17: privateTargets.instances: "127.0.0.1" is not a host:port address`, `c.yaml:3:30: privateTargets.instances: "h:0" has an invalid port (1 to 65535)`}},
		{"health check", "privateTargets:\n  \"arn:aws:servicediscovery:us-east-1:000000000000:service/srv-a\":\n    dns: a:80\n    healthCheck: {path: health, interval: 0s}\n",
			[]string{"c.yaml:4:25: healthCheck.path must start with /", "c.yaml:4:43: healthCheck.interval must be positive"}},
		{"every problem reported", "listen: x\nregion: y\nfunctions:\n  f: {}\nbogus: 1\n", []string{
			`c.yaml:1:9: listen: "x" is not a host:port address`,
			`c.yaml:2:9: region: "y" is not a region name such as us-east-1`,
			"c.yaml:4:3: functions.f: set runtime and handler (a Node.js or Python function), command (a program speaking the Lambda Runtime API) or endpoint (a Lambda Invoke API)",
			`c.yaml:5:1: unknown key "bogus" in the config file`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.doc), "c.yaml")
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v; want *Error", err)
			}
			var got []string
			for _, p := range ce.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(ce.Unwrap()) != len(ce.Problems) || err.Error() != strings.Join(got, "\n") {
				t.Errorf("Error/Unwrap disagree with Problems")
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "apigw.yaml")
	if err := os.WriteFile(file, []byte("apis:\n  - openapi: missing.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(file)
	want := file + ":2:5: apis: openapi document " + filepath.Join(dir, "missing.yaml") + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("Load: %v; want %s", err, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "missing.yaml"), []byte("openapi: 3.0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(file)
	if err != nil || c.File != file {
		t.Errorf("Load: %+v, %v", c, err)
	}
	if _, err := Load(filepath.Join(dir, "nope.yaml")); err == nil || !strings.HasPrefix(err.Error(), "reading config: ") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	c := Default()
	c.APIs = []API{{ID: "a", Default: true}}
	err := c.Apply(Overrides{Listen: "127.0.0.1:0", Region: "eu-west-1", OpenAPI: "x.yaml", Functions: []string{"fn=./bin/fn --flag", "g=node index.js"}})
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if c.Listen != "127.0.0.1:0" || c.Region != "eu-west-1" || c.AdminListen != DefaultAdminListen {
		t.Errorf("config = %+v", c)
	}
	if len(c.APIs) != 2 || c.APIs[0].Default || !c.APIs[1].Default || c.APIs[1].OpenAPI != filepath.Join(wd, "x.yaml") || c.APIs[1].Stages[0].Name != "$default" {
		t.Errorf("apis = %+v", c.APIs)
	}
	if got := c.Functions["fn"].Command; !reflect.DeepEqual(got, []string{filepath.Join(wd, "bin/fn"), "--flag"}) {
		t.Errorf("fn command = %q", got)
	}
	if got := c.Functions["g"]; !reflect.DeepEqual(got.Command, []string{"node", "index.js"}) || got.Timeout != functions.DefaultTimeout {
		t.Errorf("g = %+v", got)
	}
	err = Default().Apply(Overrides{Listen: "nope", AccountID: "1", Functions: []string{"bad name=x", "f"}})
	want := `--listen: "nope" is not a host:port address
--account-id: "1" is not a 12-digit account id
--function "bad name=x": function name "bad name" must be 1 to 64 letters, digits, '-' and '_'
--function "f": want NAME=COMMAND`
	if err == nil || err.Error() != want {
		t.Errorf("Apply errors:\n%v\nwant:\n%s", err, want)
	}
}

// FuzzParse checks that no input makes Parse panic and that failures are
// always *Error with problems.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/interface-example.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("functions:\n  a: &b {command: [x]}\n  c: {<<: *b, timeout: 1s}\n"))
	f.Add([]byte("apis: [{openapi: a, stages: [{name: p, routeSettings: {\"GET /\": {throttlingBurstLimit: 1}}}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "f.yaml")
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error %v is not an *Error with problems", err)
			}
			return
		}
		if c == nil {
			t.Fatal("nil config without error")
		}
	})
}

func TestAccountThrottle(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte("accountThrottle: {throttlingRateLimit: 50000, throttlingBurstLimit: 20000}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.AccountThrottle.RateLimit != 50000 || c.AccountThrottle.BurstLimit != 20000 {
		t.Errorf("got %+v", c.AccountThrottle)
	}
	d := Default()
	if d.AccountThrottle.RateLimit != DefaultAccountRateLimit || d.AccountThrottle.BurstLimit != DefaultAccountBurstLimit {
		t.Errorf("default %+v", d.AccountThrottle)
	}
	_, err = Parse([]byte("accountThrottle:\n  throttlingRateLimit: 0\n"), "t.yaml")
	if err == nil || !strings.Contains(err.Error(), "t.yaml:2:") {
		t.Errorf("rate 0: %v; want an error at t.yaml:2", err)
	}
}

func TestObservabilitySections(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml, problem string
		check               func(*Config) bool
	}{
		{name: "defaults", yaml: "listen: 127.0.0.1:3000\n", check: func(c *Config) bool {
			return !c.Inspector.Disabled && !c.Inspector.ShowSecrets && c.Tracing.OTLPEndpoint == ""
		}},
		{name: "inspector", yaml: "inspector: {enabled: false, showSecrets: true, maskHeaders: [X-Api-Key]}\n", check: func(c *Config) bool {
			return c.Inspector.Disabled && c.Inspector.ShowSecrets && len(c.Inspector.MaskHeaders) == 1
		}},
		{name: "tracing", yaml: "tracing: {otlpEndpoint: http://127.0.0.1:4318}\n", check: func(c *Config) bool {
			return c.Tracing.OTLPEndpoint == "http://127.0.0.1:4318" && c.Tracing.SampleRatio == 1
		}},
		{name: "ratio", yaml: "tracing: {otlpEndpoint: https://otel.example, sampleRatio: 0.01}\n", check: func(c *Config) bool {
			return c.Tracing.SampleRatio == 0.01
		}},
		{name: "bad header", yaml: "inspector: {maskHeaders: [\"a b\"]}\n", problem: `1:26: inspector.maskHeaders: "a b" is not a header name`},
		{name: "bad endpoint", yaml: "tracing: {otlpEndpoint: 127.0.0.1:4318}\n", problem: "tracing.otlpEndpoint"},
		{name: "bad ratio", yaml: "tracing: {otlpEndpoint: http://x, sampleRatio: 2}\n", problem: "tracing.sampleRatio must be between 0 and 1"},
		{name: "no endpoint", yaml: "tracing: {sampleRatio: 1}\n", problem: "otlpEndpoint is required"},
		{name: "unknown key", yaml: "inspector: {size: 10}\n", problem: "size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tc.yaml), "apigw.yaml")
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("err %v, want one containing %q", err, tc.problem)
				}
				return
			}
			if err != nil || !tc.check(c) {
				t.Fatalf("err %v, config %+v %+v", err, c.Inspector, c.Tracing)
			}
		})
	}
}
