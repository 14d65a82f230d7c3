package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/functions/runtimes"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/yamlnode"
)

var (
	resourceID  = regexp.MustCompile(`^[a-z0-9]{1,63}$`)
	accessKeyID = regexp.MustCompile(`^[A-Za-z0-9]{1,128}$`)
	// invokeFunctionName is the FunctionName pattern of the Lambda Invoke
	// API (a name, a partial ARN or an ARN, with an optional qualifier).
	invokeFunctionName = regexp.MustCompile(`^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$`)
)

func checkRegion(s string) string {
	if !model.IsRegion(s) {
		return fmt.Sprintf("%q is not a region name such as us-east-1", s)
	}
	return ""
}

func checkAccount(s string) string {
	if !model.IsAccountID(s) {
		return fmt.Sprintf("%q is not a 12-digit account id", s)
	}
	return ""
}

func checkFunctionName(s string) string {
	if err := functions.CheckName(s); err != nil {
		return err.Error()
	}
	return ""
}

// config decodes the top-level mapping.
func (d *decoder) config(root *yaml.Node, c *Config) {
	known := []string{"listen", "adminListen", "dataDir", "region", "accountId", "functions", "apis", "identities", "aws", "vpcLinks", "privateTargets", "admin", "accountThrottle", "strictRuntimeVersions", "logFormat", "logLevel", "tls", "truststores", "inspector", "tracing", "limits", "templates", "cluster"}
	d.fields(root, "the config file", known, func(key string, k, v *yaml.Node) {
		scalar := func(dst *string, check func(string) string) {
			s, ok := d.str(v, key)
			if !ok {
				return
			}
			if msg := check(s); msg != "" {
				d.errf(v, "%s: %s", key, msg)
				return
			}
			*dst = s
		}
		switch key {
		case "listen":
			scalar(&c.Listen, func(s string) string {
				if s == "" {
					return "" // plain HTTP off; Parse checks that tls.listen is set
				}
				return checkAddress(s)
			})
		case "adminListen":
			scalar(&c.AdminListen, checkAddress)
		case "dataDir":
			scalar(&c.DataDir, func(s string) string {
				if s == "" {
					return "must not be empty"
				}
				return ""
			})
			c.DataDir = d.path(c.DataDir)
		case "region":
			scalar(&c.Region, checkRegion)
		case "accountId":
			scalar(&c.AccountID, checkAccount)
		case "logFormat":
			scalar(&c.LogFormat, CheckLogFormat)
		case "logLevel":
			scalar(&c.LogLevel, CheckLogLevel)
		case "functions":
			d.functions(v, c)
		case "apis":
			d.apis(v, c)
		case "identities":
			d.identities(v, c)
		case "aws":
			d.aws(v, c)
		case "vpcLinks":
			d.vpcLinks(v, c)
		case "privateTargets":
			d.privateTargets(v, c)
		case "accountThrottle":
			d.accountThrottle(v, c)
		case "strictRuntimeVersions":
			c.StrictRuntimeVersions, _ = d.boolean(v, key)
		case "admin":
			d.admin(v, c)
		case "cluster":
			d.cluster(v, c)
		case "templates":
			d.templates(v, c)
		case "limits":
			d.limits(v, c)
		case "tls":
			d.tls(v, c)
		case "truststores":
			d.truststores(v, c)
		case "inspector":
			d.inspector(v, c)
		case "tracing":
			d.tracing(v, c)
		}
	})
}

func (d *decoder) functions(n *yaml.Node, c *Config) {
	if n.Kind != yaml.MappingNode {
		d.errf(n, "functions must be a mapping of function names, not %s", kindName(n))
		return
	}
	known := []string{"command", "runtime", "handler", "interpreter", "runtimeClient", "logFormat", "logLevel", "layers", "build", "dir", "env", "timeout", "memorySize", "concurrency", "endpoint", "remoteName"}
	for _, p := range pairs(n) {
		name := p.Key.Value
		if msg := checkFunctionName(name); msg != "" {
			d.errf(p.Key, "functions: %s", msg)
		}
		where := "functions." + name
		f := Function{Name: name, Dir: d.dir, Timeout: functions.DefaultTimeout, MemorySize: functions.DefaultMemorySize,
			Concurrency: functions.DefaultConcurrency, Line: p.Key.Line, Column: p.Key.Column}
		localOnly := map[string]*yaml.Node{}
		runtimeOnly := map[string]*yaml.Node{}
		var remoteNameKey *yaml.Node
		ok := d.fields(p.Val, where, known, func(key string, k, v *yaml.Node) {
			what := where + "." + key
			switch key {
			case "command":
				f.Command, _ = d.command(v, what)
			case "runtime":
				if s, ok := d.str(v, what); ok {
					if _, err := runtimes.Lookup(s); err != nil {
						d.errf(v, "%s: %v", what, err)
					} else {
						f.Runtime = s
					}
				}
			case "layers":
				runtimeOnly[key] = k
				for _, e := range d.seq(v, what) {
					if s, ok := d.str(e, what); ok && s != "" {
						f.Layers = append(f.Layers, d.path(s))
					}
				}
			case "handler", "interpreter", "runtimeClient", "logFormat", "logLevel":
				runtimeOnly[key] = k
				s, ok := d.str(v, what)
				if !ok {
					return
				}
				var err error
				switch key {
				case "handler":
					err, f.Handler = runtimes.CheckHandler(s), s
				case "interpreter":
					if s == "" {
						err = errors.New("must not be empty")
					} else if strings.ContainsRune(s, '/') {
						s = d.path(s)
					}
					f.Interpreter = s
				case "runtimeClient":
					err, f.RuntimeClient = runtimes.CheckClient(s), s
				case "logFormat":
					err, f.LogFormat = runtimes.CheckLogging(s, ""), s
				case "logLevel":
					f.LogLevel = s
				}
				if err != nil {
					d.errf(v, "%s: %v", what, err)
				}
			case "build":
				f.Build, _ = d.command(v, what)
				localOnly[key] = k
			case "dir":
				if s, ok := d.str(v, what); ok {
					f.Dir = d.path(s)
				}
				localOnly[key] = k
			case "env":
				env, keys := d.strMap(v, what)
				for ek, kn := range keys {
					if err := functions.CheckEnv(ek); err != nil {
						d.errf(kn, "%s: %v", what, err)
					}
				}
				f.Env = env
				localOnly[key] = k
			case "timeout":
				if t, ok := d.duration(v, what); ok {
					if err := functions.CheckTimeout(t); err != nil {
						d.errf(v, "%s %v", what, err)
					} else {
						f.Timeout = t
					}
				}
			case "memorySize":
				if m, ok := d.integer(v, what); ok {
					if err := functions.CheckMemorySize(m); err != nil {
						d.errf(v, "%s %v", what, err)
					} else {
						f.MemorySize = m
					}
				}
				localOnly[key] = k
			case "concurrency":
				if m, ok := d.integer(v, what); ok {
					if err := functions.CheckConcurrency(m); err != nil {
						d.errf(v, "%s %v", what, err)
					} else {
						f.Concurrency = m
					}
				}
			case "endpoint":
				if s, ok := d.str(v, what); ok {
					if msg := checkURL(s); msg != "" {
						d.errf(v, "%s: %s", what, msg)
					} else {
						f.Endpoint = s
					}
				}
			case "remoteName":
				remoteNameKey = k
				if s, ok := d.str(v, what); ok {
					if len(s) > 170 || !invokeFunctionName.MatchString(s) {
						d.errf(v, "%s: %q is not a Lambda function name, partial ARN or ARN (with an optional :qualifier)", what, s)
					} else {
						f.RemoteName = s
					}
				}
			}
		})
		if !ok {
			continue
		}
		hasCmd, hasEnd, hasRt := lookup(p.Val, "command") != nil, lookup(p.Val, "endpoint") != nil, lookup(p.Val, "runtime") != nil
		switch {
		case btoi(hasCmd)+btoi(hasEnd)+btoi(hasRt) > 1:
			d.errf(p.Key, "%s: set exactly one of command, endpoint and runtime", where)
		case !hasCmd && !hasEnd && !hasRt:
			d.errf(p.Key, "%s: set runtime and handler (a Node.js or Python function), command (a program speaking the Lambda Runtime API) or endpoint (a Lambda Invoke API)", where)
		case hasEnd:
			for key, kn := range localOnly {
				d.errf(kn, "%s: %s applies only to local functions (command or runtime)", where, key)
			}
		case remoteNameKey != nil:
			d.errf(remoteNameKey, "%s: remoteName applies only to functions with an endpoint", where)
		}
		if !hasRt {
			for key, kn := range runtimeOnly {
				d.errf(kn, "%s: %s applies only to functions with a runtime", where, key)
			}
		} else if hk := lookup(p.Val, "handler"); hk == nil {
			d.errf(p.Key, "%s: handler is required with runtime (for example app.handler)", where)
		} else if f.LogLevel != "" {
			if err := runtimes.CheckLogging(f.LogFormat, f.LogLevel); err != nil {
				d.errf(lookup(p.Val, "logLevel"), "%s.logLevel: %v", where, err)
			}
		}
		c.Functions[name] = f
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lookup returns the value of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node { return yamlnode.Lookup(n, key) }

// seq checks that n is a list and returns its entries.
func (d *decoder) seq(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		if !isNull(n) {
			d.errf(n, "%s must be a list, not %s", what, kindName(n))
		}
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, e := range n.Content {
		if e = deref(e); e != nil {
			out = append(out, e)
		}
	}
	return out
}

func (d *decoder) apis(n *yaml.Node, c *Config) {
	ids := map[string]bool{}
	var defaultSeen bool
	for _, e := range d.seq(n, "apis") {
		a := API{Line: e.Line, Column: e.Column}
		where := "apis entry"
		ok := d.fields(e, where, []string{"id", "openapi", "default", "stages"}, func(key string, k, v *yaml.Node) {
			switch key {
			case "id":
				s, ok := d.str(v, "apis.id")
				switch {
				case !ok:
				case !resourceID.MatchString(s):
					d.errf(v, "apis.id %q must be 1 to 63 lower-case letters and digits", s)
				case ids[s]:
					d.errf(v, "apis.id %q is used by another API", s)
				default:
					ids[s] = true
					a.ID = s
				}
			case "openapi":
				if s, ok := d.str(v, "apis.openapi"); ok {
					a.OpenAPI = d.path(s)
				}
			case "default":
				if b, ok := d.boolean(v, "apis.default"); ok && b {
					if defaultSeen {
						d.errf(v, "apis.default: only one API can be the default API")
					}
					defaultSeen = true
					a.Default = true
				}
			case "stages":
				a.Stages = d.stages(v)
			}
		})
		if !ok {
			continue
		}
		if lookup(e, "openapi") == nil {
			d.errf(e, "apis entry: openapi is required (the API's OpenAPI 3.0 document)")
		}
		if lookup(e, "stages") == nil {
			a.Stages = []Stage{defaultStage(e.Line, e.Column)}
		}
		c.APIs = append(c.APIs, a)
	}
}

func (d *decoder) stages(n *yaml.Node) []Stage {
	entries := d.seq(n, "stages")
	if len(entries) > model.MaxStagesPerAPI {
		d.errf(n, "stages: an API can have at most %d stages", model.MaxStagesPerAPI)
	}
	names := map[string]bool{}
	var out []Stage
	known := []string{"name", "description", "stageVariables", "defaultRouteSettings", "routeSettings", "accessLogSettings", "autoDeploy", "deploymentId"}
	for _, e := range entries {
		s := defaultStage(e.Line, e.Column)
		locs := map[string]*yaml.Node{"": e}
		ok := d.fields(e, "stage", known, func(key string, k, v *yaml.Node) {
			what := "stages." + key
			switch key {
			case "name":
				if str, ok := d.str(v, what); ok {
					s.Name = str
					locs["stageName"] = v
				}
			case "description":
				s.Description, _ = d.str(v, what)
				locs["description"] = v
			case "stageVariables":
				vars, keys := d.strMap(v, what)
				s.StageVariables = vars
				locs["stageVariables"] = k
				for name, kn := range keys {
					locs[model.FieldKey("stageVariables", name)] = kn
				}
			case "defaultRouteSettings":
				s.DefaultRouteSettings = d.routeSettings(v, what, "defaultRouteSettings", locs)
			case "routeSettings":
				s.RouteSettings = map[string]model.RouteSettings{}
				if v.Kind != yaml.MappingNode {
					d.errf(v, "%s must be a mapping of route keys, not %s", what, kindName(v))
					return
				}
				for _, p := range pairs(v) {
					field := model.FieldKey("routeSettings", p.Key.Value)
					locs[field] = p.Key
					if rs := d.routeSettings(p.Val, what+"."+p.Key.Value, field, locs); rs != nil {
						s.RouteSettings[p.Key.Value] = *rs
					}
				}
			case "accessLogSettings":
				s.AccessLogSettings = &model.AccessLogSettings{}
				locs["accessLogSettings"] = k
				d.fields(v, what, []string{"format", "destinationArn"}, func(key string, _, v *yaml.Node) {
					str, _ := d.str(v, what+"."+key)
					locs["accessLogSettings."+key] = v
					if key == "format" {
						s.AccessLogSettings.Format = str
					} else {
						// A file destination is relative to the config
						// file, like every other path in it.
						if str != "stdout" && str != "stderr" && !strings.HasPrefix(str, "arn:") {
							str = d.path(str)
						}
						s.AccessLogSettings.DestinationARN = str
					}
				})
			case "autoDeploy":
				s.AutoDeploy, _ = d.boolean(v, what)
			case "deploymentId":
				d.errf(k, "stages.deploymentId cannot be set in the config file: the stages of configured APIs serve the definition imported at start")
			}
		})
		if !ok {
			continue
		}
		if names[s.Name] {
			d.errf(locs[""], "stages: stage name %s is used twice", s.Name)
		}
		names[s.Name] = true
		m := s.Model()
		for _, e := range model.AsValidationErrors(m.Validate()) {
			msg := e.Message
			if e.Detail != "" {
				msg += " (" + e.Detail + ")"
			}
			d.errf(locate(locs, e.Field), "stage %s: %s", s.Name, msg)
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) routeSettings(n *yaml.Node, what, field string, locs map[string]*yaml.Node) *model.RouteSettings {
	rs := &model.RouteSettings{}
	ok := d.fields(n, what, []string{"throttlingBurstLimit", "throttlingRateLimit", "detailedMetricsEnabled"}, func(key string, _, v *yaml.Node) {
		locs[field+"."+key] = v
		switch key {
		case "throttlingBurstLimit":
			if i, ok := d.integer(v, what+"."+key); ok {
				rs.ThrottlingBurstLimit = &i
			}
		case "throttlingRateLimit":
			if f, ok := d.number(v, what+"."+key); ok {
				rs.ThrottlingRateLimit = &f
			}
		case "detailedMetricsEnabled":
			if b, ok := d.boolean(v, what+"."+key); ok {
				rs.DetailedMetricsEnabled = &b
			}
		}
	})
	if !ok {
		return nil
	}
	return rs
}

// locate finds the node of a model field path, trying its parents.
func locate(locs map[string]*yaml.Node, field string) *yaml.Node {
	for {
		if n := locs[field]; n != nil {
			return n
		}
		if field == "" {
			return nil
		}
		switch i, j := strings.LastIndexByte(field, '['), strings.LastIndexByte(field, '.'); {
		case strings.HasSuffix(field, "]") && i >= 0:
			field = field[:i]
		case j >= 0:
			field = field[:j]
		default:
			field = ""
		}
	}
}

func (d *decoder) identities(n *yaml.Node, c *Config) {
	keys := map[string]bool{}
	known := []string{"accessKeyId", "secretAccessKey", "sessionToken", "arn", "policy"}
	for _, e := range d.seq(n, "identities") {
		id := Identity{Line: e.Line, Column: e.Column}
		ok := d.fields(e, "identities entry", known, func(key string, k, v *yaml.Node) {
			what := "identities." + key
			switch key {
			case "accessKeyId":
				s, ok := d.str(v, what)
				switch {
				case !ok:
				case !accessKeyID.MatchString(s):
					d.errf(v, "%s %q must be 1 to 128 letters and digits", what, s)
				case keys[s]:
					d.errf(v, "%s %q is used by another identity", what, s)
				default:
					keys[s] = true
					id.AccessKeyID = s
				}
			case "secretAccessKey":
				id.SecretAccessKey, _ = d.str(v, what)
			case "sessionToken":
				id.SessionToken, _ = d.str(v, what)
			case "arn":
				if s, ok := d.str(v, what); ok {
					if !validPrincipalARN(s) {
						d.errf(v, "%s %q is not an IAM user or role ARN such as arn:aws:iam::000000000000:user/alice", what, s)
					}
					id.ARN = s
				}
			case "policy":
				if v.Kind != yaml.MappingNode {
					d.errf(v, "%s must be an IAM policy document (a mapping), not %s", what, kindName(v))
					return
				}
				id.Policy = plain(v, 0)
				raw, err := json.Marshal(id.Policy)
				if err != nil {
					d.errf(v, "%s cannot be encoded as JSON: %v", what, err)
					return
				}
				id.PolicyJSON = raw
			}
		})
		if !ok {
			continue
		}
		for _, req := range []string{"accessKeyId", "secretAccessKey", "arn"} {
			if lookup(e, req) == nil {
				d.errf(e, "identities entry: %s is required", req)
			}
		}
		c.Identities = append(c.Identities, id)
	}
}

// validPrincipalARN accepts arn:{partition}:iam::{account}:{user|role}/...
// and arn:{partition}:sts::{account}:assumed-role/...
func validPrincipalARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[3] != "" || !model.IsAccountID(parts[4]) {
		return false
	}
	switch parts[2] {
	case "iam":
		return strings.HasPrefix(parts[5], "user/") || strings.HasPrefix(parts[5], "role/") || parts[5] == "root"
	case "sts":
		return strings.HasPrefix(parts[5], "assumed-role/")
	}
	return false
}

// plain converts a YAML node into maps, lists, strings, numbers, booleans
// and nil. Timestamps and other scalars keep their source text, so an
// unquoted Version: 2012-10-17 stays the string IAM expects.
func plain(n *yaml.Node, depth int) any {
	n = deref(n)
	if n == nil || depth > 64 {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for _, p := range pairs(n) {
			m[p.Key.Value] = plain(p.Val, depth+1)
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			l = append(l, plain(c, depth+1))
		}
		return l
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if n.Decode(&v) == nil {
			return v
		}
	}
	return n.Value
}

// awsServices returns the SDK service ids aws.endpoints accepts.
func awsServices() []string {
	return []string{"sqs", "kinesis", "eventbridge", "sfn", "appconfig", "appconfigdata", "lambda", "sts"}
}

func (d *decoder) aws(n *yaml.Node, c *Config) {
	d.fields(n, "aws", []string{"endpoints", "credentials"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "endpoints":
			eps, keys := d.strMap(v, "aws.endpoints")
			for svc, u := range eps {
				name := strings.ToLower(svc)
				switch {
				case !contains(awsServices(), name):
					d.errf(keys[svc], "aws.endpoints: unknown service %q; supported: %s", svc, strings.Join(awsServices(), ", "))
				case checkURL(u) != "":
					d.errf(keys[svc], "aws.endpoints.%s: %s", svc, checkURL(u))
				default:
					c.AWS.Endpoints[name] = u
				}
			}
		case "credentials":
			cr := &Credentials{}
			if !d.fields(v, "aws.credentials", []string{"accessKeyId", "secretAccessKey", "sessionToken"}, func(key string, _, v *yaml.Node) {
				s, _ := d.str(v, "aws.credentials."+key)
				switch key {
				case "accessKeyId":
					cr.AccessKeyID = s
				case "secretAccessKey":
					cr.SecretAccessKey = s
				case "sessionToken":
					cr.SessionToken = s
				}
			}) {
				return
			}
			if cr.AccessKeyID == "" || cr.SecretAccessKey == "" {
				d.errf(v, "aws.credentials needs both accessKeyId and secretAccessKey")
			}
			c.AWS.Credentials = cr
		}
	})
}

func (d *decoder) vpcLinks(n *yaml.Node, c *Config) {
	ids := map[string]bool{}
	for _, e := range d.seq(n, "vpcLinks") {
		l := VpcLink{Line: e.Line, Column: e.Column}
		ok := d.fields(e, "vpcLinks entry", []string{"id", "name"}, func(key string, _, v *yaml.Node) {
			s, ok := d.str(v, "vpcLinks."+key)
			if !ok {
				return
			}
			switch key {
			case "id":
				switch {
				case !resourceID.MatchString(s):
					d.errf(v, "vpcLinks.id %q must be 1 to 63 lower-case letters and digits", s)
				case ids[s]:
					d.errf(v, "vpcLinks.id %q is used by another VPC link", s)
				default:
					ids[s] = true
					l.ID = s
				}
			case "name":
				if s == "" || len([]rune(s)) > 128 {
					d.errf(v, "vpcLinks.name must be 1 to 128 characters long")
				}
				l.Name = s
			}
		})
		if !ok {
			continue
		}
		if lookup(e, "id") == nil {
			d.errf(e, "vpcLinks entry: id is required")
		}
		if l.Name == "" {
			l.Name = l.ID
		}
		c.VpcLinks = append(c.VpcLinks, l)
	}
}

func (d *decoder) privateTargets(n *yaml.Node, c *Config) {
	if n.Kind != yaml.MappingNode {
		d.errf(n, "privateTargets must be a mapping of integration URIs, not %s", kindName(n))
		return
	}
	for _, p := range pairs(n) {
		arn := p.Key.Value
		if !model.ValidPrivateIntegrationURI(arn) || strings.Contains(arn, "?") {
			d.errf(p.Key, "privateTargets: %q is not a load balancer listener ARN or a Cloud Map service ARN", arn)
		}
		t := PrivateTarget{Line: p.Key.Line, Column: p.Key.Column}
		where := "privateTargets entry"
		ok := d.fields(p.Val, where, []string{"instances", "dns", "healthCheck"}, func(key string, _, v *yaml.Node) {
			switch key {
			case "instances":
				l, _ := d.strList(v, "privateTargets.instances")
				for i, addr := range l {
					if msg := checkHostPort(addr); msg != "" {
						d.errf(v.Content[i], "privateTargets.instances: %s", msg)
					}
				}
				t.Instances = l
			case "dns":
				s, ok := d.str(v, "privateTargets.dns")
				if !ok {
					return
				}
				if !strings.HasPrefix(s, "_") {
					if msg := checkHostPort(s); msg != "" {
						d.errf(v, "privateTargets.dns: %s (or an SRV name such as _http._tcp.pets.internal)", msg)
					}
				}
				t.DNS = s
			case "healthCheck":
				hc := &HealthCheck{Interval: DefaultHealthCheckInterval}
				d.fields(v, "privateTargets.healthCheck", []string{"path", "interval"}, func(key string, _, v *yaml.Node) {
					if key == "path" {
						if s, ok := d.str(v, "healthCheck.path"); ok {
							if !strings.HasPrefix(s, "/") {
								d.errf(v, "healthCheck.path must start with /")
							}
							hc.Path = s
						}
						return
					}
					if iv, ok := d.duration(v, "healthCheck.interval"); ok {
						if iv <= 0 {
							d.errf(v, "healthCheck.interval must be positive")
						}
						hc.Interval = iv
					}
				})
				if hc.Path == "" {
					d.errf(v, "healthCheck.path is required")
				}
				t.HealthCheck = hc
			}
		})
		if !ok {
			continue
		}
		if (t.Instances == nil) == (t.DNS == "") {
			d.errf(p.Key, "privateTargets: set either instances or dns for %s", arn)
		}
		c.PrivateTargets[arn] = t
	}
}
