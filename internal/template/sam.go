package template

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file is phase P2: the AWS::Serverless-2016-10-31 transform,
// reproducing what the SAM translator generates for HTTP APIs
// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-httpapi.html,
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-httpapi.html).
// It works on the template's structure before CloudFormation resolves
// anything, as SAM does: properties SAM needs literally (Path, Method,
// ApiId, Auth.Authorizer) given as intrinsics fail with SAM's messages.

// SAM's property lists.
var (
	samHTTPAPIProps = set_("Auth", "AccessLogSettings", "StageVariables", "Tags", "CorsConfiguration",
		"DefaultRouteSettings", "Domain", "RouteSettings", "FailOnWarnings", "PropagateTags", "StageName",
		"DefinitionBody", "DefinitionUri", "Name", "Description", "DisableExecuteApiEndpoint")
	samFunctionProps = set_("Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize",
		"Timeout", "VpcConfig", "Environment", "Tags", "PropagateTags", "Tracing", "KmsKeyArn", "AutoPublishAlias",
		"AutoPublishAliasAllProperties", "Layers", "DeploymentPreference", "RolePath", "PermissionsBoundary",
		"ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig", "AssumeRolePolicyDocument",
		"EventInvokeConfig", "FileSystemConfigs", "CodeSigningConfigArn", "Architectures", "SnapStart",
		"EphemeralStorage", "FunctionUrlConfig", "RuntimeManagementConfig", "LoggingConfig", "RecursiveLoop",
		"SourceKMSKeyArn", "TenancyConfig", "DurableConfig", "CapacityProviderConfig", "FunctionScalingConfig",
		"PublishToLatestPublished", "VersionDeletionPolicy",
		"FunctionName", "Role", "Policies", "InlineCode", "PackageType", "ImageUri", "ImageConfig", "Events",
		"AutoPublishCodeSha256", "VersionDescription", "Connectors")
	globalFunctionProps = []string{"Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize",
		"Timeout", "VpcConfig", "Environment", "Tags", "PropagateTags", "Tracing", "KmsKeyArn", "AutoPublishAlias",
		"AutoPublishAliasAllProperties", "Layers", "DeploymentPreference", "RolePath", "PermissionsBoundary",
		"ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig", "AssumeRolePolicyDocument",
		"EventInvokeConfig", "FileSystemConfigs", "CodeSigningConfigArn", "Architectures", "SnapStart",
		"EphemeralStorage", "FunctionUrlConfig", "RuntimeManagementConfig", "LoggingConfig", "RecursiveLoop",
		"SourceKMSKeyArn", "TenancyConfig", "DurableConfig", "CapacityProviderConfig", "FunctionScalingConfig",
		"PublishToLatestPublished", "VersionDeletionPolicy"}
	globalHTTPAPIProps = []string{"Auth", "AccessLogSettings", "StageVariables", "Tags", "CorsConfiguration",
		"DefaultRouteSettings", "Domain", "RouteSettings", "FailOnWarnings", "PropagateTags"}
	globalSections    = []string{"Api", "CapacityProvider", "Function", "HttpApi", "LayerVersion", "SimpleTable", "StateMachine", "WebSocketApi"}
	httpAPIEventProps = set_("ApiId", "Path", "Method", "Auth", "PayloadFormatVersion", "TimeoutInMillis", "RouteSettings", "Stage")
	httpMethods       = set_("get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method")
	pathParam         = regexp.MustCompile(`{(.*?)}`)
)

func set_(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

const (
	implicitAPI  = "ServerlessHttpApi"
	anyMethodKey = "x-amazon-apigateway-any-method"
	// managedKey marks a DefinitionBody SAM manages (implicit API, or an
	// explicit one without DefinitionBody/DefinitionUri).
	managedKey = "__MANAGE_SWAGGER"
)

// samTransform applies the SAM transform to the stack's resources.
func (s *stack) samTransform() {
	functions := s.ofType("AWS::Serverless::Function")
	apis := s.ofType("AWS::Serverless::HttpApi")
	// Unknown properties first: SAM refuses the resource.
	for _, r := range apis {
		s.checkProps(r, samHTTPAPIProps)
	}
	for _, r := range functions {
		s.checkProps(r, samFunctionProps)
	}
	// The implicit API: created when some HttpApi event names no ApiId.
	needImplicit := false
	for _, f := range functions {
		for _, e := range pairs(get(f.props, "Events")) {
			if t, _ := scalar(get(e.val, "Type")); t == "HttpApi" && get(get(e.val, "Properties"), "ApiId") == nil {
				needImplicit = true
			}
		}
	}
	if needImplicit {
		if own := s.resources[implicitAPI]; own != nil {
			s.ds.add(s.file, own.key, Warning, implicitAPI, "replaced by SAM's implicit API, which the HttpApi events without ApiId use (name the API otherwise and set the events' ApiId)")
		}
		props := mapNode(nil, "DefinitionBody", skeleton(nil), managedKey, true)
		r := s.addResource(implicitAPI, "AWS::Serverless::HttpApi", nil, props, implicitAPI)
		apis = append(apis, r)
	}
	for _, r := range apis {
		if get(r.props, "DefinitionBody") == nil && get(r.props, "DefinitionUri") == nil {
			set(r.props, "DefinitionBody", skeleton(r.key))
			set(r.props, managedKey, boolNode(r.key, true))
		}
	}
	s.applyGlobals(functions, apis)
	for _, f := range functions {
		if alias, ok := scalar(get(f.props, "AutoPublishAlias")); ok {
			s.addResource(f.id+"Alias"+alias, "AWS::Lambda::Alias", f.key,
				mapNode(f.key, "FunctionName", mapNode(f.key, "Ref", f.id), "Name", alias), f.id)
		}
		s.functionEvents(f)
	}
	for _, r := range apis {
		s.httpAPI(r)
	}
	for _, id := range s.order {
		r := s.resources[id]
		switch r.typ {
		case "AWS::Serverless::Api", "AWS::Serverless::WebSocketApi", "AWS::Serverless::GraphQLApi":
			kind := map[string]string{"AWS::Serverless::Api": "REST APIs", "AWS::Serverless::WebSocketApi": "WebSocket APIs", "AWS::Serverless::GraphQLApi": "AppSync GraphQL APIs"}[r.typ]
			s.ds.add(s.file, r.key, Warning, id, "%s (%s) are not served by apigw", kind, r.typ)
		}
	}
}

// skeleton is SAM's empty OpenAPI document.
func skeleton(at *yaml.Node) *yaml.Node {
	return mapNode(at, "openapi", "3.0.1",
		"info", mapNode(at, "version", "1.0", "title", mapNode(at, "Ref", "AWS::StackName")),
		"paths", mapNode(at))
}

func (s *stack) checkProps(r *resource, allowed map[string]bool) {
	for _, p := range pairs(r.props) {
		if !allowed[p.key.Value] {
			s.ds.add(s.file, p.key, Error, r.id+"."+p.key.Value, "property %s not defined for resource of type %s", p.key.Value, r.typ)
		}
	}
}

// applyGlobals merges the Globals section into the resources it targets.
func (s *stack) applyGlobals(functions, apis []*resource) {
	g := get(s.root, "Globals")
	if g == nil {
		return
	}
	if g.Kind != yaml.MappingNode {
		s.ds.add(s.file, g, Error, "Globals", "'Globals' section must be a map")
		return
	}
	for _, p := range pairs(g) {
		sec := p.key.Value
		if !contains(globalSections, sec) {
			s.ds.add(s.file, p.key, Error, "Globals", "'%s' is not supported. Must be one of the following values - %s", sec, pyList(globalSections))
			continue
		}
		var allowed []string
		var targets []*resource
		switch sec {
		case "Function":
			allowed, targets = globalFunctionProps, functions
		case "HttpApi":
			allowed, targets = globalHTTPAPIProps, apis
		default:
			continue
		}
		for _, q := range pairs(p.val) {
			if !contains(allowed, q.key.Value) {
				s.ds.add(s.file, q.key, Error, "Globals."+sec, "'%s' is not a supported property of '%s'. Must be one of the following values - %s", q.key.Value, sec, pyList(allowed))
			}
		}
		for _, r := range targets {
			ignore := get(r.node, "IgnoreGlobals")
			if v, _ := scalar(ignore); v == "*" {
				continue
			}
			for _, q := range pairs(p.val) {
				if !contains(allowed, q.key.Value) || ignoreGlobal(ignore, q.key.Value) {
					continue
				}
				local := get(r.props, q.key.Value)
				set(r.props, q.key.Value, mergeGlobal(clone(q.val), local))
			}
		}
	}
}

func ignoreGlobal(ignore *yaml.Node, name string) bool {
	for _, c := range children(ignore) {
		if v, _ := scalar(c); v == name {
			return true
		}
	}
	return false
}

func pyList(l []string) string {
	q := make([]string, len(l))
	for i, x := range l {
		q[i] = "'" + x + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// mergeGlobal merges a Globals value with a resource's own: maps merge
// recursively (local wins per key), lists concatenate (global first),
// anything else: local wins. Intrinsic functions are scalars.
func mergeGlobal(global, local *yaml.Node) *yaml.Node {
	if local == nil {
		return global
	}
	if global == nil {
		return local
	}
	if global.Kind != local.Kind || intrinsicName(global) != "" || intrinsicName(local) != "" {
		return local
	}
	switch local.Kind {
	case yaml.MappingNode:
		out := clone(global)
		for _, p := range pairs(local) {
			set(out, p.key.Value, mergeGlobal(clone(get(out, p.key.Value)), p.val))
		}
		return out
	case yaml.SequenceNode:
		out := clone(global)
		out.Content = append(out.Content, local.Content...)
		return out
	}
	return local
}

// functionEvents processes a function's events.
func (s *stack) functionEvents(f *resource) {
	events := get(f.props, "Events")
	if events == nil {
		return
	}
	for _, e := range pairs(events) {
		t, _ := scalar(get(e.val, "Type"))
		path := f.id + ".Events." + e.key.Value
		switch t {
		case "HttpApi":
			s.httpAPIEvent(f, e.key, e.val, path)
		case "Api":
			s.ds.add(s.file, e.key, Warning, path, "REST APIs are not served by apigw (event type Api)")
		case "":
			s.ds.add(s.file, e.val, Error, path, "Event Type is required")
		default:
			s.ds.add(s.file, e.key, Warning, path, "event source %s is not emulated: the function stays invocable through the Invoke API", t)
		}
	}
}

// httpAPIEvent adds an HttpApi event's route to its API's OpenAPI body.
func (s *stack) httpAPIEvent(f *resource, key, ev *yaml.Node, path string) {
	props := get(ev, "Properties")
	if props == nil {
		props = mapNode(key)
	}
	if props.Kind != yaml.MappingNode {
		s.ds.add(s.file, props, Error, path, "Properties should be a map.")
		return
	}
	for _, p := range pairs(props) {
		if !httpAPIEventProps[p.key.Value] {
			s.ds.add(s.file, p.key, Error, path+"."+p.key.Value, "property %s not defined for resource of type HttpApi", p.key.Value)
			return
		}
	}
	apiID := implicitAPI
	if a := get(props, "ApiId"); a != nil {
		// SAM takes {Ref: Id} or the logical id itself.
		ref, ok := scalar(get(a, "Ref"))
		if !ok && a.Kind == yaml.ScalarNode {
			ref, ok = scalar(a)
		}
		if !ok {
			s.ds.add(s.file, a, Error, path+".ApiId", "ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' resource in same template.")
			return
		}
		if r := s.resources[ref]; r == nil || r.typ != "AWS::Serverless::HttpApi" {
			s.ds.add(s.file, a, Error, path+".ApiId", "ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' resource in same template.")
			return
		}
		apiID = ref
	}
	api := s.resources[apiID]
	pathN, methodN := get(props, "Path"), get(props, "Method")
	var p, m string
	switch {
	case pathN == nil && methodN == nil:
		p, m = "$default", anyMethodKey
	case methodN == nil:
		s.ds.add(s.file, props, Error, path, "Property 'Method' is required.")
		return
	case pathN == nil:
		s.ds.add(s.file, props, Error, path, "Property 'Path' is required.")
		return
	default:
		var ok bool
		if p, ok = scalar(pathN); !ok || !isString(pathN) {
			s.ds.add(s.file, pathN, Error, path+".Path", "Property 'Path' should be a string.")
			return
		}
		if m, ok = scalar(methodN); !ok || !isString(methodN) {
			s.ds.add(s.file, methodN, Error, path+".Method", "Property 'Method' should be a string.")
			return
		}
		m = strings.ToLower(m)
		if m == "any" {
			m = anyMethodKey
		}
	}
	s.permissions[f.id] = true
	body := get(api.props, "DefinitionBody")
	if body == nil {
		// DefinitionUri: SAM adds nothing to the document.
		s.uriEvents = append(s.uriEvents, uriEvent{api: apiID, fn: f.id, path: p, method: m, at: key})
		return
	}
	if !httpMethods[m] {
		s.ds.add(s.file, methodN, Warning, path+".Method", "method %q is not an HTTP method: API Gateway creates no route for it", m)
	}
	managed, _ := boolOf(get(api.props, managedKey))
	paths := get(body, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return // reported with the API
	}
	item := get(paths, p)
	if item == nil {
		item = mapNode(key)
		set(paths, p, item)
	}
	if item.Kind != yaml.MappingNode {
		s.ds.add(s.file, item, Error, apiID, "Value of '%s' path must be a dictionary according to Swagger spec.", p)
		return
	}
	op := get(item, m)
	integ := get(op, "x-amazon-apigateway-integration")
	if integ != nil {
		if managed {
			s.ds.add(s.file, key, Error, path, "API method '%s' defined multiple times for path '%s'.", m, p)
			return
		}
		// SAM keeps the document's integration and still applies the
		// event's Auth, TimeoutInMillis, path parameters and payload
		// format version to it.
		s.ds.add(s.file, key, Warning, path, "event %s does not route to %s: DefinitionBody already integrates %s %s", key.Value, f.id, m, p)
	} else {
		if op == nil || isNull(op) {
			op = mapNode(key)
			set(item, m, op)
		}
		target := "${" + f.id + ".Arn}"
		if alias, ok := scalar(get(f.props, "AutoPublishAlias")); ok {
			target = "${" + f.id + "Alias" + alias + "}"
		}
		uri := mapNode(key, "Fn::Sub", "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"+target+"/invocations")
		integ = mapNode(key, "type", "aws_proxy", "httpMethod", "POST", "payloadFormatVersion", "2.0", "uri", uri)
		set(op, "x-amazon-apigateway-integration", integ)
		if p == "$default" && m == anyMethodKey {
			set(op, "isDefaultRoute", boolNode(key, true))
		}
		if get(op, "responses") == nil {
			set(op, "responses", mapNode(key))
		}
	}
	if auth := get(props, "Auth"); auth != nil {
		if !s.eventAuth(api, op, auth, p, m, path) {
			return
		}
	}
	if t := get(props, "TimeoutInMillis"); t != nil {
		set(integ, "timeoutInMillis", t)
	}
	if params := pathParam.FindAllStringSubmatch(p, -1); len(params) > 0 {
		list := get(op, "parameters")
		if list == nil {
			list = seqNode(key)
			set(op, "parameters", list)
		}
		for _, pm := range params {
			found := false
			for _, x := range list.Content {
				if n, _ := scalar(get(x, "name")); n == pm[1] {
					set(x, "in", strNode(key, "path"))
					set(x, "required", boolNode(key, true))
					found = true
				}
			}
			if !found {
				list.Content = append(list.Content, mapNode(key, "name", pm[1], "in", "path", "required", true))
			}
		}
	}
	if v := get(props, "PayloadFormatVersion"); v != nil {
		set(integ, "payloadFormatVersion", v)
	}
	if cond, ok := scalar(get(f.node, "Condition")); ok {
		set(item, m, mapNode(key, "Fn::If", seqNode(key, strNode(key, cond), op, mapNode(key, "Ref", "AWS::NoValue"))))
	}
	if rs := get(props, "RouteSettings"); rs != nil {
		route := strings.ToUpper(m) + " " + p
		if m == anyMethodKey {
			route = p
		}
		if rs.Kind != yaml.MappingNode {
			s.ds.add(s.file, rs, Error, path+".RouteSettings", "Property 'RouteSettings' should be a map.")
			return
		}
		all := get(api.props, "RouteSettings")
		if all == nil {
			all = mapNode(key)
			set(api.props, "RouteSettings", all)
		}
		cur := get(all, route)
		if cur == nil {
			cur = mapNode(key)
			set(all, route, cur)
		}
		for _, q := range pairs(rs) {
			set(cur, q.key.Value, q.val)
		}
	}
}

// eventAuth applies an event's Auth to its operation, with SAM's checks.
func (s *stack) eventAuth(api *resource, op, auth *yaml.Node, p, m, path string) bool {
	apiAuth := get(api.props, "Auth")
	authorizerN := get(auth, "Authorizer")
	authorizer, isStr := scalar(authorizerN)
	errf := func(format string, args ...any) bool {
		s.ds.add(s.file, auth, Error, path+".Auth", format, args...)
		return false
	}
	if authorizerN == nil {
		def := get(apiAuth, "DefaultAuthorizer")
		if def == nil {
			return errf("'Auth' section requires either an explicit 'Authorizer' set or a 'DefaultAuthorizer' configured on the HttpApi.")
		}
		authorizer, isStr = scalar(def)
	}
	if !isStr {
		return errf("Unable to set Authorizer [%s] on API method [%s] for path [%s]. The method authorizer must be a string with a corresponding dict entry in the api authorizer.", pyRepr(authorizerN), m, p)
	}
	authorizers := get(apiAuth, "Authorizers")
	iam, _ := boolOf(get(apiAuth, "EnableIamAuthorizer"))
	switch {
	case authorizer == "NONE":
		if get(apiAuth, "DefaultAuthorizer") == nil {
			return errf("Unable to set Authorizer on API method [%s] for path [%s] because 'NONE' is only a valid value when a DefaultAuthorizer on the API is specified.", m, p)
		}
	case authorizer == "AWS_IAM" && iam:
	default:
		if authorizers == nil || len(authorizers.Content) == 0 {
			return errf("Unable to set Authorizer [%s] on API method [%s] for path [%s] because the related API does not define any Authorizers.", authorizer, m, p)
		}
		if get(authorizers, authorizer) == nil {
			return errf("Unable to set Authorizer [%s] on API method [%s] for path [%s] because it wasn't defined in the API's Authorizers.", authorizer, m, p)
		}
	}
	scopes := get(auth, "AuthorizationScopes")
	if scopes != nil && scopes.Kind != yaml.SequenceNode {
		return errf("Unable to set Authorizer on API method [%s] for path [%s] because 'AuthorizationScopes' must be a list of strings.", m, p)
	}
	req := seqNode(auth)
	if authorizer != "NONE" && authorizer != "AWS_IAM" {
		if scopes == nil || len(scopes.Content) == 0 {
			scopes = get(get(authorizers, authorizer), "AuthorizationScopes")
		}
	} else {
		scopes = nil
	}
	if scopes == nil {
		scopes = seqNode(auth)
	}
	entry := mapNode(auth, authorizer, clone(scopes))
	if existing := get(op, "security"); existing != nil && existing.Kind == yaml.SequenceNode {
		existing.Content = append(existing.Content, entry)
	} else {
		req.Content = append(req.Content, entry)
		set(op, "security", req)
	}
	return true
}

// pyRepr renders a value as SAM's Python messages print it
// ({'Ref': 'X'}).
func pyRepr(n *yaml.Node) string {
	n = deref(n)
	switch {
	case n == nil:
		return "None"
	case n.Kind == yaml.MappingNode:
		parts := make([]string, 0, len(n.Content)/2)
		for _, p := range pairs(n) {
			parts = append(parts, "'"+p.key.Value+"': "+pyRepr(p.val))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case n.Kind == yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			parts = append(parts, pyRepr(c))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	switch n.ShortTag() {
	case "!!bool":
		if b, _ := boolOf(n); b {
			return "True"
		}
		return "False"
	case "!!int", "!!float":
		return n.Value
	}
	return "'" + n.Value + "'"
}

// children returns a node's children, nil for nil.
func children(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	return n.Content
}
