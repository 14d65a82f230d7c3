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
	// Domains are the custom domain names with their API mappings.
	Domains []Domain
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

// Domain is a custom domain name of a template with its API mappings.
type Domain struct {
	Name     model.DomainName
	Mappings []model.APIMapping
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
	for _, id := range s.order {
		r := s.resources[id]
		dep := get(r.node, "DependsOn")
		names := children(dep)
		if dep != nil && dep.Kind == yaml.ScalarNode {
			names = []*yaml.Node{dep}
		}
		for _, n := range names {
			if v, _ := scalar(n); s.resources[v] == nil {
				s.ds.add(s.file, n, Error, id+".DependsOn", "Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", v)
			}
		}
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
