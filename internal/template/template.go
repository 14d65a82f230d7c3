package template

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/model"
)

// Source is one template of a set, with the settings of its `templates[]`
// entry or flags.
type Source struct {
	// Path is a template file (.yaml, .yml, .json, .template), a cdk.out
	// directory or its manifest.json.
	Path string
	// StackName is AWS::StackName; default "local" (CDK: the manifest's).
	StackName string
	// ParameterOverrides are parameter values by name.
	ParameterOverrides map[string]string
	// EnvVars is a file in SAM CLI's --env-vars JSON shape.
	EnvVars string
	// Stacks selects the stack artifacts of a cloud assembly; default all.
	Stacks []string
	// DefaultAPI is the logical id of the API serving requests that name
	// no API.
	DefaultAPI string
	// APIIDs fixes the ids of APIs by logical id.
	APIIDs map[string]string
	// Resources are the physical ids of unemulated resources (Ref values).
	Resources map[string]string
	// Attributes are Fn::GetAtt values of unemulated resources, keyed
	// "LogicalId.Attribute".
	Attributes map[string]string
	// Imports are values for Fn::ImportValue names no loaded stack exports.
	Imports map[string]string
	// Layers maps layer ARNs to local directories.
	Layers map[string]string
	// JWTLocalIssuer makes every JWT authorizer use the gateway's own
	// issuer (Options.LocalIssuer), keeping audiences.
	JWTLocalIssuer bool

	// templateFile selects one stack of a cloud assembly by its template
	// file (a *.template.json given as the path).
	templateFile string
}

// Options are the gateway settings a load depends on.
type Options struct {
	// Region and AccountID are AWS::Region and AWS::AccountId; defaults
	// us-east-1 and 000000000000.
	Region, AccountID string
	// DataDir receives builds and unpacked code; default .apigw.
	DataDir string
	// DataURL is the data plane's base URL, for the local value of an
	// Api's ApiEndpoint attribute; default http://127.0.0.1:3000.
	DataURL string
	// LocalIssuer is the issuer URL of the gateway's own OIDC issuer.
	LocalIssuer string
	// ConfigFunction reports whether the config file defines a function of
	// that name (it then overrides how the template function runs, or
	// stands for a function the templates do not define). Nil: none.
	ConfigFunction func(name string) bool
	// UnrunnableWarn makes functions that cannot run locally warnings
	// instead of errors (`--unrunnable warn`).
	UnrunnableWarn bool
	// Strict turns warnings into errors.
	Strict bool
}

// Set is a loaded set of templates: what apigw serves from them.
type Set struct {
	// APIs are the HTTP APIs, in template order.
	APIs []API
	// Functions are the template functions, by name order.
	Functions []Function
	// Outputs are the stacks' resolved Outputs.
	Outputs []Output
	// Diagnostics are the infos and warnings of the load.
	Diagnostics []Diagnostic
}

// API is one HTTP API of a template.
type API struct {
	// LogicalID, StackName and StackPath say where it was declared.
	LogicalID, StackName, StackPath string
	// Definition is the API with its routes, integrations and authorizers;
	// Definition.API.APIID is set.
	Definition model.Definition
	// Stages are its stages (AutoDeploy stages serve the definition).
	Stages []model.Stage
	// Default marks the API serving requests that name no API.
	Default bool
}

// Function is a function of a template, to run locally.
type Function struct {
	// Name is the function name (FunctionName, else the logical id).
	Name string
	// LogicalID and StackPath locate its declaration.
	LogicalID, StackPath string
	// Runtime and Handler are as the template gives them.
	Runtime, Handler string
	// CodeDir is the absolute directory of its code.
	CodeDir string
	// Command runs the function (a program speaking the Lambda Runtime
	// API); empty for runtimes apigw runs by Runtime and Handler (Runtime
	// is then one apigw accepts).
	Command []string
	// Build, when set, is run in CodeDir before the function starts.
	Build []string
	// Env is its environment (template, then --env-vars).
	Env map[string]string
	// TimeoutSeconds, MemorySize and Concurrency are Lambda's settings;
	// Concurrency 0 means not set.
	TimeoutSeconds, MemorySize, Concurrency int
	// Layers are local directories laid out as Lambda layers, earliest
	// first.
	Layers []string
	// LogFormat and LogLevel come from LoggingConfig.
	LogFormat, LogLevel string
	// Unrunnable says why the function cannot run locally, "" when it can.
	Unrunnable string
}

// Output is a resolved stack output.
type Output struct {
	StackName, Name, Value, Description, Export string
	// Local is the local URL equivalent of an execute-api URL in Value.
	Local string
}

// stack is one loaded template.
type stack struct {
	set  *loader
	ds   *diags
	src  *Source
	file string // as given, for diagnostics
	dir  string // absolute directory of the file
	name string // AWS::StackName
	path string // stack path: "" for a root stack
	root *yaml.Node

	// files maps included documents' nodes to their file for diagnostics.
	files map[*yaml.Node]string

	sam       bool
	resources map[string]*resource
	order     []string
	// aliases are SAM's referable properties: "MyApi.Stage" → logical id.
	aliases map[string]string
	// permissions are the functions SAM grants API Gateway permission to
	// invoke (HttpApi events), by logical id.
	permissions map[string]bool
	// uriEvents are HttpApi events of APIs defined by DefinitionUri.
	uriEvents []uriEvent
	// invokeRoles are the SAM Lambda authorizers with a FunctionInvokeRole;
	// authorizerPermissions the FunctionArn of those with
	// EnableFunctionDefaultPermissions.
	invokeRoles           map[string]bool
	authorizerPermissions []*yaml.Node

	params     map[string]*param
	condValues map[string]bool
	condBusy   map[string]bool
	// overrides are the parameter values given to this stack (flags,
	// manifest, parent stack).
	overrides map[string]string
	// parent is the stack that nests this one, nil for a root stack.
	parent *stack
}

// uriEvent is an HttpApi event whose API's document is a file SAM does
// not edit.
type uriEvent struct {
	api, fn, path, method string
	at                    *yaml.Node
}

// resource is one resource of a stack.
type resource struct {
	id    string
	typ   string
	key   *yaml.Node
	node  *yaml.Node
	props *yaml.Node
	// generatedBy is the SAM resource that generated it, "" for a
	// template's own.
	generatedBy string
	// refValue is memoized; refBusy catches cycles.
	refValue *yaml.Node
	refBusy  bool
	// apiID is the physical id of an API; api the built API.
	apiID string
	api   *API
}

// param is a parameter with its final value.
type param struct {
	key     *yaml.Node
	typ     string
	value   string
	list    []string
	noEcho  bool
	ssm     string
	from    string // "override", "default"
	missing bool
}

func (s *stack) fileOf(n *yaml.Node) string {
	if f, ok := s.files[n]; ok {
		return f
	}
	return s.file
}

// exists reports whether resource id exists (its Condition, if any, is
// true).
func (s *stack) exists(c evalCtx, id string) (*resource, bool) {
	r := s.resources[id]
	if r == nil {
		return nil, false
	}
	if cond := get(r.node, "Condition"); cond != nil {
		name, _ := scalar(cond)
		v, ok := s.condition(c, cond, name)
		if !ok || !v {
			return r, false
		}
	}
	return r, true
}

// pseudo returns a pseudo parameter's value.
func (s *stack) pseudo(name string, at *yaml.Node) (*yaml.Node, bool) {
	o := s.set.opts
	switch name {
	case "AWS::Region":
		return strNode(at, o.Region), true
	case "AWS::AccountId":
		return strNode(at, o.AccountID), true
	case "AWS::Partition":
		return strNode(at, partition(o.Region)), true
	case "AWS::URLSuffix":
		if partition(o.Region) == "aws-cn" {
			return strNode(at, "amazonaws.com.cn"), true
		}
		return strNode(at, "amazonaws.com"), true
	case "AWS::StackName":
		return strNode(at, s.name), true
	case "AWS::StackId":
		u := physicalID(s.name, "", "stack-id", 32)
		uuid := u[0:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:32]
		return strNode(at, fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", partition(o.Region), o.Region, o.AccountID, s.name, uuid)), true
	case "AWS::NotificationARNs":
		return seqNode(at), true
	case "AWS::NoValue":
		return nil, true
	}
	return nil, false
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// ref resolves Ref name.
func (s *stack) ref(c evalCtx, at *yaml.Node, name string) (*yaml.Node, bool) {
	if strings.HasPrefix(name, "AWS::") {
		v, ok := s.pseudo(name, at)
		if !ok && name != "AWS::NoValue" {
			c.errorf(at, "Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", name)
			return nil, false
		}
		return v, true
	}
	if p := s.params[name]; p != nil {
		if p.missing {
			return nil, false // reported once, with every missing parameter
		}
		if p.ssm != "" && p.from != "override" {
			c.errorf(at, "parameter %s is resolved from SSM (%s) at deploy time; pass --parameter-overrides %s=…", name, p.ssm, name)
			return nil, false
		}
		if p.list != nil {
			out := seqNode(at)
			for _, x := range p.list {
				out.Content = append(out.Content, strNode(at, x))
			}
			return out, true
		}
		return strNode(at, p.value), true
	}
	if target, ok := s.aliases[name]; ok {
		name = target
	}
	r, ok := s.exists(c, name)
	if !ok {
		c.errorf(at, "Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", name)
		return nil, false
	}
	return s.refOf(c, at, r)
}

// refOf returns what Ref returns for resource r.
func (s *stack) refOf(c evalCtx, at *yaml.Node, r *resource) (*yaml.Node, bool) {
	if r.refValue != nil {
		return strNode(at, r.refValue.Value), true
	}
	if r.refBusy {
		c.errorf(at, "Template error: circular dependency through resource %s", r.id)
		return nil, false
	}
	r.refBusy = true
	defer func() { r.refBusy = false }()
	v, ok := s.computeRef(c, at, r)
	if ok {
		r.refValue = strNode(at, v)
	}
	return strNode(at, v), ok
}

func (s *stack) computeRef(c evalCtx, at *yaml.Node, r *resource) (string, bool) {
	o := s.set.opts
	if v, ok := s.src.Resources[r.id]; ok {
		return v, true
	}
	switch r.typ {
	case "AWS::ApiGatewayV2::Api":
		return s.apiIDOf(r), true
	case "AWS::ApiGatewayV2::Stage":
		v, ok := c.propString(s, r, "StageName")
		return v, ok
	case "AWS::ApiGatewayV2::Route":
		return physicalID(s.name, s.path, r.id, routeIDLen), true
	case "AWS::ApiGatewayV2::Integration":
		return physicalID(s.name, s.path, r.id, integrationIDLen), true
	case "AWS::ApiGatewayV2::Authorizer":
		return physicalID(s.name, s.path, r.id, authorizerIDLen), true
	case "AWS::ApiGatewayV2::Deployment":
		return physicalID(s.name, s.path, r.id, deploymentIDLen), true
	case "AWS::ApiGatewayV2::ApiMapping":
		return physicalID(s.name, s.path, r.id, mappingIDLen), true
	case "AWS::ApiGatewayV2::VpcLink":
		return physicalID(s.name, s.path, r.id, 7), true
	case "AWS::ApiGatewayV2::DomainName":
		return c.propString(s, r, "DomainName")
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		return s.functionName(c, r)
	case "AWS::Lambda::Alias":
		fn, ok1 := c.propString(s, r, "FunctionName")
		name, ok2 := c.propString(s, r, "Name")
		return functionARN(o, fn) + ":" + name, ok1 && ok2
	case "AWS::Lambda::Version":
		fn, ok := c.propString(s, r, "FunctionName")
		return functionARN(o, fn) + ":1", ok
	case "AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion":
		name := r.id
		if get(r.props, "LayerName") != nil {
			v, ok := c.propString(s, r, "LayerName")
			if !ok {
				return "", false
			}
			name = v
		}
		return fmt.Sprintf("arn:%s:lambda:%s:%s:layer:%s:1", partition(o.Region), o.Region, o.AccountID, name), true
	case "AWS::Logs::LogGroup":
		if get(r.props, "LogGroupName") != nil {
			return c.propString(s, r, "LogGroupName")
		}
		return s.name + "-" + r.id, true
	case "AWS::CloudFormation::Stack", "AWS::Serverless::Application":
		return fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s-%s/%s", partition(o.Region), o.Region, o.AccountID, s.name, r.id, physicalID(s.name, s.path, r.id, 12)), true
	case "AWS::SQS::Queue":
		name := r.id
		if get(r.props, "QueueName") != nil {
			if v, ok := c.propString(s, r, "QueueName"); ok {
				name = v
			}
		}
		return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", o.Region, o.AccountID, name), true
	}
	for _, prop := range []string{"TableName", "BucketName", "TopicName", "StateMachineName", "Name"} {
		if v := get(r.props, prop); v != nil && intrinsicName(v) == "" {
			if s, ok := scalar(v); ok {
				return s, true
			}
		}
	}
	s.set.placeholder(s, r, "Ref")
	return r.id, true
}

// propString resolves a resource property to a string.
func (c evalCtx) propString(s *stack, r *resource, prop string) (string, bool) {
	n := get(r.props, prop)
	if n == nil {
		return "", true
	}
	cc := evalCtx{s: s, path: r.id + "." + prop, lenient: c.lenient}
	v, ok := cc.eval(n)
	if !ok {
		return "", false
	}
	str, ok := stringOf(v)
	if !ok {
		cc.errorf(n, "must be a string, not %s", kindName(v))
		return "", false
	}
	return str, true
}

// apiIDOf returns an API's id: apiIds config, else derived.
func (s *stack) apiIDOf(r *resource) string {
	if r.apiID != "" {
		return r.apiID
	}
	if id, ok := s.src.APIIDs[r.id]; ok && s.path == "" {
		r.apiID = id
	} else {
		r.apiID = physicalID(s.name, s.path, r.id, apiIDLen)
	}
	return r.apiID
}

func functionARN(o *Options, name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition(o.Region), o.Region, o.AccountID, name)
}

// functionName returns a function's name: FunctionName, else the logical
// id (compatibility.md#template-function-names).
func (s *stack) functionName(c evalCtx, r *resource) (string, bool) {
	if get(r.props, "FunctionName") == nil {
		return r.id, true
	}
	return c.propString(s, r, "FunctionName")
}

// getAtt resolves Fn::GetAtt id.attr.
func (s *stack) getAtt(c evalCtx, at *yaml.Node, id, attr string) (*yaml.Node, bool) {
	if _, isParam := s.params[id]; isParam {
		c.errorf(at, "Template error: instance of Fn::GetAtt references undefined resource %s", id)
		return nil, false
	}
	r, ok := s.exists(c, id)
	if !ok {
		c.errorf(at, "Template error: instance of Fn::GetAtt references undefined resource %s", id)
		return nil, false
	}
	if v, ok := s.src.Attributes[id+"."+attr]; ok {
		return strNode(at, v), true
	}
	o := s.set.opts
	ref := func() (string, bool) {
		v, ok := s.refOf(c, at, r)
		if !ok {
			return "", false
		}
		return v.Value, true
	}
	arn := func(service, resource string) (*yaml.Node, bool) {
		return strNode(at, fmt.Sprintf("arn:%s:%s:%s:%s:%s", partition(o.Region), service, o.Region, o.AccountID, resource)), true
	}
	switch r.typ {
	case "AWS::ApiGatewayV2::Api":
		switch attr {
		case "ApiId":
			v, _ := ref()
			return strNode(at, v), true
		case "ApiEndpoint":
			v, _ := ref()
			return strNode(at, strings.TrimSuffix(o.DataURL, "/")+"/_aws/execute-api/"+v), true
		}
	case "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer",
		"AWS::ApiGatewayV2::Deployment", "AWS::ApiGatewayV2::ApiMapping", "AWS::ApiGatewayV2::VpcLink":
		want := strings.TrimPrefix(r.typ, "AWS::ApiGatewayV2::") + "Id"
		if attr == want {
			v, ok := ref()
			return strNode(at, v), ok
		}
	case "AWS::ApiGatewayV2::DomainName":
		switch attr {
		case "RegionalDomainName":
			v, ok := ref()
			return strNode(at, v), ok
		case "RegionalHostedZoneId":
			return strNode(at, "Z000000LOCAL"), true
		}
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		if attr == "Arn" {
			v, ok := ref()
			return strNode(at, functionARN(o, v)), ok
		}
	case "AWS::Lambda::Version":
		if attr == "Version" {
			return strNode(at, "1"), true
		}
	case "AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion":
		if attr == "LayerVersionArn" {
			v, ok := ref()
			return strNode(at, v), ok
		}
	case "AWS::Logs::LogGroup":
		if attr == "Arn" {
			v, ok := ref()
			if !ok {
				return nil, false
			}
			return arn("logs", "log-group:"+v+":*")
		}
	case "AWS::CloudFormation::Stack", "AWS::Serverless::Application":
		if name, ok := strings.CutPrefix(attr, "Outputs."); ok {
			return s.set.nestedOutput(c, at, s, r, name)
		}
	}
	if strings.HasPrefix(r.typ, "AWS::ApiGatewayV2::") || strings.HasPrefix(r.typ, "AWS::Lambda::") || strings.HasPrefix(r.typ, "AWS::Serverless::Function") {
		c.errorf(at, "Template error: resource %s does not support attribute type %s in Fn::GetAtt", id, attr)
		return nil, false
	}
	if v, ok := placeholderAttr(o, r, attr, ref); ok {
		s.set.placeholder(s, r, "Fn::GetAtt "+attr)
		return strNode(at, v), true
	}
	c.errorf(at, "%s.%s: attribute of %s is unknown locally; set templates[].attributes[\"%s.%s\"]", id, attr, r.typ, id, attr)
	return nil, false
}

// placeholderAttr returns the local value of a common attribute of an
// unemulated resource, built with the ARN format of its service.
func placeholderAttr(o *Options, r *resource, attr string, ref func() (string, bool)) (string, bool) {
	p, reg, acct := partition(o.Region), o.Region, o.AccountID
	name, _ := ref()
	a := func(service, res string) string { return fmt.Sprintf("arn:%s:%s:%s:%s:%s", p, service, reg, acct, res) }
	switch r.typ + "." + attr {
	case "AWS::DynamoDB::Table.Arn":
		return a("dynamodb", "table/"+name), true
	case "AWS::DynamoDB::Table.StreamArn":
		return a("dynamodb", "table/"+name+"/stream/1970-01-01T00:00:00.000"), true
	case "AWS::SQS::Queue.Arn":
		return a("sqs", name[strings.LastIndexByte(name, '/')+1:]), true
	case "AWS::SQS::Queue.QueueName":
		return name[strings.LastIndexByte(name, '/')+1:], true
	case "AWS::SQS::Queue.QueueUrl":
		return name, true
	case "AWS::SNS::Topic.TopicArn", "AWS::SNS::Topic.TopicName":
		if attr == "TopicName" {
			return r.id, true
		}
		return a("sns", r.id), true
	case "AWS::S3::Bucket.Arn":
		return fmt.Sprintf("arn:%s:s3:::%s", p, name), true
	case "AWS::S3::Bucket.DomainName":
		return name + ".s3.amazonaws.com", true
	case "AWS::S3::Bucket.RegionalDomainName":
		return name + ".s3." + reg + ".amazonaws.com", true
	case "AWS::Cognito::UserPool.Arn":
		return a("cognito-idp", "userpool/"+name), true
	case "AWS::Cognito::UserPool.ProviderURL":
		return "https://cognito-idp." + reg + ".amazonaws.com/" + name, true
	case "AWS::Cognito::UserPool.ProviderName":
		return "cognito-idp." + reg + ".amazonaws.com/" + name, true
	case "AWS::IAM::Role.Arn":
		return fmt.Sprintf("arn:%s:iam::%s:role/%s", p, acct, name), true
	case "AWS::IAM::Role.RoleId":
		return "AROA" + strings.ToUpper(physicalID("", "", name, 17)), true
	case "AWS::StepFunctions::StateMachine.Arn", "AWS::Serverless::StateMachine.Arn":
		return a("states", "stateMachine:"+name), true
	case "AWS::StepFunctions::StateMachine.Name", "AWS::Serverless::StateMachine.Name":
		return name, true
	case "AWS::Events::EventBus.Arn":
		return a("events", "event-bus/"+name), true
	case "AWS::Events::EventBus.Name":
		return name, true
	case "AWS::SecretsManager::Secret.Id":
		return a("secretsmanager", "secret:"+name), true
	case "AWS::KMS::Key.Arn":
		return a("kms", "key/"+name), true
	case "AWS::KMS::Key.KeyId":
		return name, true
	case "AWS::Kinesis::Stream.Arn":
		return a("kinesis", "stream/"+name), true
	case "AWS::Serverless::SimpleTable.Arn":
		return a("dynamodb", "table/"+name), true
	case "AWS::Lambda::Permission.Id":
		return r.id, true
	}
	return "", false
}

// logicalID matches a valid logical id.
var logicalID = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// loadParameters computes each parameter's value from the overrides and
// its Default, and checks its constraints.
func (s *stack) loadParameters() {
	params := get(s.root, "Parameters")
	s.params = map[string]*param{}
	if params == nil {
		params = mapNode(s.root)
	}
	if params.Kind != yaml.MappingNode {
		s.ds.add(s.file, params, Error, "Parameters", "Template format error: Parameters must be a map")
		return
	}
	var missing []string
	for _, pp := range pairs(params) {
		name := pp.key.Value
		path := "Parameters." + name
		p := &param{key: pp.key}
		s.params[name] = p
		if pp.val.Kind != yaml.MappingNode {
			s.ds.add(s.file, pp.val, Error, path, "Template format error: every Parameters object must contain a Type member")
			continue
		}
		p.typ, _ = scalar(get(pp.val, "Type"))
		if p.typ == "" {
			s.ds.add(s.file, pp.val, Error, path, "Template format error: every Parameters object must contain a Type member")
			continue
		}
		p.noEcho, _ = boolOf(get(pp.val, "NoEcho"))
		if strings.HasPrefix(p.typ, "AWS::SSM::Parameter::Value<") {
			p.ssm, _ = stringOf(get(pp.val, "Default"))
		}
		if v, ok := s.overrides[name]; ok {
			p.value, p.from = v, "override"
			s.set.overrideKnown[name] = true
			delete(s.set.unknownOverrides, name)
		} else if d := get(pp.val, "Default"); d != nil {
			v, ok := stringOf(d)
			if !ok && d.Kind == yaml.SequenceNode {
				var parts []string
				for _, x := range d.Content {
					xs, _ := stringOf(x)
					parts = append(parts, xs)
				}
				v, ok = strings.Join(parts, ","), true
			}
			if !ok {
				s.ds.add(s.file, d, Error, path, "Template format error: the Default of a parameter must be a string, not %s", kindName(d))
				continue
			}
			p.value, p.from = v, "default"
		} else {
			p.missing = true
			missing = append(missing, name)
			continue
		}
		s.checkParameter(p, pp.val, path)
		if p.typ == "CommaDelimitedList" || strings.HasPrefix(p.typ, "List<") {
			p.list = []string{}
			if p.value != "" {
				for _, x := range strings.Split(p.value, ",") {
					p.list = append(p.list, strings.TrimSpace(x))
				}
			}
		}
	}
	for _, k := range sortedKeys(s.overrides) {
		if _, ok := s.params[k]; ok {
			continue
		}
		if s.parent != nil {
			s.ds.add(s.file, s.root, Error, "", "Parameters: [%s] do not exist in the template (passed by stack %s)", k, s.parent.name)
		} else if !s.set.overrideKnown[k] {
			s.set.unknownOverrides[k] = true
		}
	}
	if len(missing) > 0 {
		s.ds.add(s.file, params, Error, "", "Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
}

// checkParameter checks a parameter's value against its constraints.
func (s *stack) checkParameter(p *param, def *yaml.Node, path string) {
	at := p.key
	suffix := ""
	if p.from == "override" {
		suffix = " (value from --parameter-overrides)"
	}
	desc := ""
	if cd, ok := stringOf(get(def, "ConstraintDescription")); ok && cd != "" {
		desc = ": " + cd
	}
	name := p.key.Value
	fail := func(format string, args ...any) {
		s.ds.add(s.file, at, Error, path, "%s%s%s", fmt.Sprintf(format, args...), desc, suffix)
	}
	if av := get(def, "AllowedValues"); av != nil {
		if av.Kind != yaml.SequenceNode {
			s.ds.add(s.file, av, Error, path, "Template format error: Every AllowedValues member must be a list.")
		} else {
			found := false
			for _, x := range av.Content {
				if v, _ := stringOf(x); v == p.value {
					found = true
				}
			}
			if !found {
				fail("Parameter '%s' must be one of AllowedValues", name)
			}
		}
	}
	if ap, ok := stringOf(get(def, "AllowedPattern")); ok && ap != "" {
		re, err := regexp.Compile("^(?:" + ap + ")$")
		if err != nil {
			s.ds.add(s.file, get(def, "AllowedPattern"), Error, path, "Template format error: AllowedPattern is not a valid regular expression: %v", err)
		} else if !re.MatchString(p.value) {
			fail("Parameter '%s' must match pattern %s", name, ap)
		}
	}
	if v, ok := intOf(get(def, "MinLength")); ok && len(p.value) < v {
		fail("Parameter '%s' must contain at least %d characters", name, v)
	}
	if v, ok := intOf(get(def, "MaxLength")); ok && len(p.value) > v {
		fail("Parameter '%s' must contain at most %d characters", name, v)
	}
	if p.typ == "Number" {
		f, err := strconv.ParseFloat(p.value, 64)
		if err != nil {
			fail("Parameter '%s' must be a number", name)
			return
		}
		if v, ok := intOf(get(def, "MinValue")); ok && f < float64(v) {
			fail("Parameter '%s' must be a number not less than %d", name, v)
		}
		if v, ok := intOf(get(def, "MaxValue")); ok && f > float64(v) {
			fail("Parameter '%s' must be a number not greater than %d", name, v)
		}
	}
	if len(p.value) > 4096 {
		s.ds.add(s.file, at, Warning, path, "CloudFormation rejects parameter values longer than 4,096 bytes")
	}
}

// readResources reads the Resources section.
func (s *stack) readResources() {
	res := get(s.root, "Resources")
	s.resources = map[string]*resource{}
	s.aliases = map[string]string{}
	s.permissions = map[string]bool{}
	s.invokeRoles = map[string]bool{}
	if res == nil || res.Kind != yaml.MappingNode || len(res.Content) == 0 {
		s.ds.add(s.file, s.root, Error, "", "Template format error: At least one Resources member must be defined.")
		return
	}
	for _, p := range pairs(res) {
		id := p.key.Value
		if !logicalID.MatchString(id) {
			s.ds.add(s.file, p.key, Error, id, "Logical ids must be alphanumeric.")
			continue
		}
		if p.val.Kind != yaml.MappingNode {
			s.ds.add(s.file, p.val, Error, id, "Template format error: every Resources object must contain a Type member")
			continue
		}
		typ, _ := scalar(get(p.val, "Type"))
		if typ == "" {
			s.ds.add(s.file, p.val, Error, id, "Template format error: every Resources object must contain a Type member")
			continue
		}
		for _, q := range pairs(p.val) {
			switch q.key.Value {
			case "Type", "Properties", "Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy",
				"UpdatePolicy", "CreationPolicy", "Metadata", "IgnoreGlobals", "Connectors", "Version":
			default:
				s.ds.add(s.file, q.key, Error, id, "Template format error: Unrecognized resource attribute %s", q.key.Value)
			}
		}
		props := get(p.val, "Properties")
		if props == nil {
			props = mapNode(p.val)
			set(p.val, "Properties", props)
		}
		s.resources[id] = &resource{id: id, typ: typ, key: p.key, node: p.val, props: props}
		s.order = append(s.order, id)
	}
	if len(s.order) > 500 {
		s.ds.add(s.file, res, Warning, "", "CloudFormation rejects templates with more than 500 resources")
	}
}

// addResource adds a generated resource.
func (s *stack) addResource(id, typ string, at *yaml.Node, props *yaml.Node, generatedBy string) *resource {
	node := mapNode(at, "Type", typ, "Properties", props)
	r := &resource{id: id, typ: typ, key: strNode(at, id), node: node, props: props, generatedBy: generatedBy}
	if _, dup := s.resources[id]; !dup {
		s.order = append(s.order, id)
	}
	s.resources[id] = r
	return r
}

// sortedIDs returns the resource ids of a type, in template order.
func (s *stack) ofType(types ...string) []*resource {
	var out []*resource
	for _, id := range s.order {
		r := s.resources[id]
		for _, t := range types {
			if r.typ == t {
				out = append(out, r)
			}
		}
	}
	return out
}

// absPath resolves a path of the template against its directory.
func (s *stack) absPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.dir, p)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
