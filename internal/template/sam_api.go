package template

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// oas3 matches the OpenAPI versions SAM edits.
var oas3 = regexp.MustCompile(`^3(\.\d)(\.\d)?$`)

var corsKeys = []string{"AllowOrigins", "AllowHeaders", "AllowMethods", "ExposeHeaders", "MaxAge", "AllowCredentials"}

// validBody is SAM's OpenApiEditor.is_valid.
func validBody(b *yaml.Node) bool {
	b = deref(b)
	if b == nil || b.Kind != yaml.MappingNode {
		return false
	}
	p := get(b, "paths")
	v, ok := scalar(get(b, "openapi"))
	return p != nil && p.Kind == yaml.MappingNode && ok && oas3.MatchString(v)
}

// httpAPI turns an AWS::Serverless::HttpApi into AWS::ApiGatewayV2::Api
// (same logical id) with its Stage, as SAM's HttpApiGenerator does.
func (s *stack) httpAPI(r *resource) {
	id := r.id
	props := r.props
	body := get(props, "DefinitionBody")
	uri := get(props, "DefinitionUri")
	errf := func(at *yaml.Node, format string, args ...any) {
		if at == nil {
			at = r.key
		}
		s.ds.add(s.file, at, Error, id, format, args...)
	}
	if body != nil && uri != nil {
		errf(uri, "Specify either 'DefinitionUri' or 'DefinitionBody' property and not both.")
		return
	}
	if body != nil && body.Kind == yaml.MappingNode && intrinsicName(body) == "" {
		body = clone(body)
	}
	ok := true
	if cors := s.paramRefs(get(props, "CorsConfiguration")); cors != nil {
		ok = s.samCORS(r, body, cors) && ok
	}
	if auth := get(props, "Auth"); auth != nil && !isNull(auth) {
		ok = s.samAuth(r, body, auth) && ok
	}
	if tags := get(props, "Tags"); tags != nil && body == nil {
		errf(tags, "Tags works only with inline OpenApi specified in the 'DefinitionBody' property.")
		ok = false
	}
	if body != nil && validBody(body) {
		s.samTags(body, get(props, "Tags"))
	}
	api := mapNode(r.key)
	if fow := get(props, "FailOnWarnings"); fow != nil {
		set(api, "FailOnWarnings", fow)
	}
	if d := get(props, "DisableExecuteApiEndpoint"); d != nil {
		if body == nil {
			errf(d, "DisableExecuteApiEndpoint works only within 'DefinitionBody' property.")
			ok = false
		} else if validBody(body) {
			servers := get(body, "servers")
			if servers == nil {
				servers = seqNode(d, mapNode(d))
				set(body, "servers", servers)
			}
			for _, sv := range servers.Content {
				ec := get(sv, "x-amazon-apigateway-endpoint-configuration")
				if ec == nil {
					ec = mapNode(d)
					set(sv, "x-amazon-apigateway-endpoint-configuration", ec)
				}
				set(ec, "disableExecuteApiEndpoint", d)
			}
		}
	}
	if name := get(props, "Name"); name != nil {
		switch {
		case body == nil:
			errf(name, "Name works only with inline OpenApi specified in the 'DefinitionBody' property.")
			ok = false
		case !isDefaultTitle(get(get(body, "info"), "title")):
			errf(name, "Unable to set Name because it is already defined within inline OpenAPI specified in the 'DefinitionBody' property.")
			ok = false
		default:
			set(get(body, "info"), "title", name)
		}
	}
	if desc := get(props, "Description"); desc != nil {
		switch {
		case body == nil:
			errf(desc, "Description works only with inline OpenApi specified in the 'DefinitionBody' property.")
			ok = false
		case get(get(body, "info"), "description") != nil:
			errf(desc, "Unable to set Description because it is already defined within inline OpenAPI specified in the 'DefinitionBody' property.")
			ok = false
		default:
			info := get(body, "info")
			if info == nil {
				info = mapNode(desc)
				set(body, "info", info)
			}
			set(info, "description", desc)
		}
	}
	if fow, _ := boolOf(get(props, "FailOnWarnings")); fow && body != nil {
		if paths := get(body, "paths"); paths != nil {
			if k := getKey(paths, "$default"); k != nil {
				k.Value = "/$default"
			}
		}
	}
	if !ok {
		return
	}
	switch {
	case uri != nil:
		doc := s.definitionURI(r, uri)
		if doc == nil {
			return
		}
		set(api, "Body", doc)
		set(api, bodyFileKey, strNode(uri, s.fileOf(doc)))
	case body != nil:
		set(api, "Body", body)
	}
	r.typ = "AWS::ApiGatewayV2::Api"
	set(r.node, "Type", strNode(r.key, r.typ))
	r.props = api
	set(r.node, "Properties", api)
	if r.generatedBy == "" {
		r.generatedBy = id
	}
	s.samStage(r, props)
	s.samDomain(r, props)
}

// bodyFileKey is an internal property: the file a Body was read from
// (DefinitionUri), for diagnostics.
const bodyFileKey = "__BodyFile"

func isDefaultTitle(t *yaml.Node) bool {
	v, ok := scalar(get(t, "Ref"))
	return ok && v == "AWS::StackName"
}

// definitionURI reads a local DefinitionUri document as is.
func (s *stack) definitionURI(r *resource, uri *yaml.Node) *yaml.Node {
	p, ok := scalar(uri)
	if !ok {
		if uri.Kind == yaml.MappingNode && (get(uri, "Bucket") == nil || get(uri, "Key") == nil) {
			s.ds.add(s.file, uri, Error, r.id+".DefinitionUri", "'DefinitionUri' requires Bucket and Key properties to be specified.")
		} else {
			s.ds.add(s.file, uri, Error, r.id+".DefinitionUri", "cannot fetch S3 objects; use a local path")
		}
		return nil
	}
	if strings.HasPrefix(p, "s3://") {
		s.ds.add(s.file, uri, Error, r.id+".DefinitionUri", "cannot fetch S3 objects; use a local path (%s)", p)
		return nil
	}
	data, err := os.ReadFile(s.absPath(p))
	if err != nil {
		s.ds.add(s.file, uri, Error, r.id+".DefinitionUri", "reading %s: %v", p, unwrapPathError(err))
		return nil
	}
	rel := filepath.Join(filepath.Dir(s.file), p)
	doc := parseDocument(rel, data, s.ds)
	if doc == nil {
		return nil
	}
	s.markFile(doc, rel)
	if n := findIntrinsic(doc, 0); n != nil {
		s.ds.add(rel, n, Error, r.id+".DefinitionUri", "Intrinsic functions are not supported in external OpenApi definition files (%s)", intrinsicName(n))
		return nil
	}
	// The document is imported as is: mark it so that P3 leaves it alone.
	return doc
}

func findIntrinsic(n *yaml.Node, depth int) *yaml.Node {
	n = deref(n)
	if n == nil || depth > maxDepth {
		return nil
	}
	if intrinsicName(n) != "" && intrinsicName(n) != "Condition" {
		return n
	}
	for _, c := range n.Content {
		if f := findIntrinsic(c, depth+1); f != nil {
			return f
		}
	}
	return nil
}

// paramRefs substitutes parameter references (and pseudo parameters) in
// a property, as SAM's resolve_parameter_refs does for CorsConfiguration
// and Domain; a default keeps its YAML type, an override is a string.
func (s *stack) paramRefs(n *yaml.Node) *yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	if intrinsicName(n) == "Ref" {
		name, _ := scalar(n.Content[1])
		if p := s.params[name]; p != nil && !p.missing {
			if p.from == "default" {
				if d := get(get(get(s.root, "Parameters"), name), "Default"); d != nil {
					return d
				}
			}
			return strNode(n, p.value)
		}
		if v, ok := s.pseudo(name, n); ok && v != nil {
			return v
		}
		return n
	}
	if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode {
		return n
	}
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			out.Content[i] = c
			continue
		}
		out.Content[i] = s.paramRefs(c)
	}
	return &out
}

// samCors is SAM's _add_cors.
func (s *stack) samCORS(r *resource, body, cors *yaml.Node) bool {
	errf := func(format string, args ...any) bool {
		s.ds.add(s.file, cors, Error, r.id+".CorsConfiguration", format, args...)
		return false
	}
	if b, isBool := boolOf(cors); isBool && cors.ShortTag() == "!!bool" && !b {
		return true
	}
	if body == nil {
		return errf("Cors works only with inline OpenApi specified in 'DefinitionBody' property.")
	}
	var conf *yaml.Node
	switch {
	case cors.Kind == yaml.ScalarNode && cors.ShortTag() == "!!bool":
		conf = mapNode(cors, "allowOrigins", seqNode(cors, strNode(cors, "*")))
	case intrinsicName(cors) != "":
		conf = renameCORSKeys(clone(cors))
		if intrinsicName(conf) != "" {
			// An intrinsic whose value is the whole configuration: kept as
			// the extension's value, resolved in P3.
			if !validBody(body) {
				return errf("Unable to add Cors configuration because 'DefinitionBody' does not contain a valid OpenApi definition.")
			}
			set(body, "x-amazon-apigateway-cors", conf)
			return true
		}
	case cors.Kind == yaml.MappingNode:
		conf = mapNode(cors)
		for _, p := range pairs(cors) {
			if !contains(corsKeys, p.key.Value) {
				return errf("Invalid key '%s' for 'Cors' property.", p.key.Value)
			}
		}
		origins := get(cors, "AllowOrigins")
		if creds, _ := boolOf(get(cors, "AllowCredentials")); creds && origins != nil && origins.Kind == yaml.SequenceNode && len(origins.Content) == 1 && origins.Content[0].Value == "*" {
			return errf("Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set.")
		}
		for _, k := range corsKeys {
			v := get(cors, k)
			if v == nil {
				continue
			}
			if k == "AllowCredentials" {
				if b, _ := boolOf(v); !b {
					continue
				}
			}
			set(conf, strings.ToLower(k[:1])+k[1:], v)
		}
	default:
		return errf("Invalid value for 'Cors' property.")
	}
	if !validBody(body) {
		return errf("Unable to add Cors configuration because 'DefinitionBody' does not contain a valid OpenApi definition.")
	}
	existing := get(body, "x-amazon-apigateway-cors")
	if existing == nil || existing.Kind != yaml.MappingNode || intrinsicName(existing) != "" {
		existing = mapNode(cors)
	}
	for _, p := range pairs(conf) {
		set(existing, p.key.Value, p.val)
	}
	set(body, "x-amazon-apigateway-cors", existing)
	return true
}

// renameCORSKeys renames SAM's CORS keys to the extension's, anywhere in
// an intrinsic (SAM does it on the JSON text).
func renameCORSKeys(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if contains(corsKeys, n.Content[i].Value) {
				k := n.Content[i].Value
				n.Content[i] = strNode(n.Content[i], strings.ToLower(k[:1])+k[1:])
			}
		}
	}
	for _, c := range n.Content {
		renameCORSKeys(c)
	}
	return n
}

// samTags adds the API's Tags and SAM's httpapi:createdBy tag to the body.
func (s *stack) samTags(body, tags *yaml.Node) {
	list := get(body, "tags")
	if list == nil {
		list = seqNode(tags)
	}
	if list.Kind != yaml.SequenceNode {
		return
	}
	add := func(name string, v *yaml.Node) {
		for _, t := range list.Content {
			if n, _ := scalar(get(t, "name")); n == name {
				set(t, "x-amazon-apigateway-tag-value", v)
				return
			}
		}
		list.Content = append(list.Content, mapNode(v, "name", name, "x-amazon-apigateway-tag-value", v))
	}
	for _, p := range pairs(tags) {
		add(p.key.Value, p.val)
	}
	add("httpapi:createdBy", strNode(tags, "SAM"))
	set(body, "tags", list)
}

// samAuth is SAM's _add_auth: authorizers become security schemes, and the
// DefaultAuthorizer secures every integrated operation without security.
func (s *stack) samAuth(r *resource, body, auth *yaml.Node) bool {
	path := r.id + ".Auth"
	errf := func(at *yaml.Node, format string, args ...any) bool {
		s.ds.add(s.file, at, Error, path, format, args...)
		return false
	}
	if body == nil {
		return errf(auth, "Auth works only with inline OpenApi specified in the 'DefinitionBody' property.")
	}
	if auth.Kind != yaml.MappingNode {
		return errf(auth, "Invalid value for 'Auth' property")
	}
	for _, p := range pairs(auth) {
		if !contains([]string{"Authorizers", "DefaultAuthorizer", "EnableIamAuthorizer"}, p.key.Value) {
			return errf(p.key, "Invalid value for 'Auth' property")
		}
	}
	if !validBody(body) {
		return errf(auth, "Unable to add Auth configuration because 'DefinitionBody' does not contain a valid OpenApi definition.")
	}
	type authz struct {
		name   string
		scopes *yaml.Node
		scheme *yaml.Node
	}
	var list []authz
	if iam, _ := boolOf(get(auth, "EnableIamAuthorizer")); iam {
		list = append(list, authz{name: "AWS_IAM", scheme: mapNode(auth, "type", "apiKey", "name", "Authorization", "in", "header", "x-amazon-apigateway-authtype", "awsSigv4")})
	}
	if as := get(auth, "Authorizers"); as != nil && !isNull(as) {
		if as.Kind != yaml.MappingNode {
			return errf(as, "Property 'Auth.Authorizers' should be a map.")
		}
		for _, p := range pairs(as) {
			name := p.key.Value
			a := p.val
			if a.Kind != yaml.MappingNode {
				return errf(a, "Property 'Auth.Authorizers.%s' should be a map.", name)
			}
			if get(a, "OpenIdConnectUrl") != nil {
				return errf(a, "'OpenIdConnectUrl' is no longer a supported property for authorizer '%s'. Please refer to the AWS SAM documentation.", name)
			}
			scheme, ok := s.samAuthorizer(r, name, a)
			if !ok {
				return false
			}
			list = append(list, authz{name: name, scopes: get(a, "AuthorizationScopes"), scheme: scheme})
		}
	}
	if len(list) > 0 {
		comps := get(body, "components")
		if comps == nil || isNull(comps) {
			comps = mapNode(auth)
			set(body, "components", comps)
		}
		schemes := get(comps, "securitySchemes")
		if schemes == nil || isNull(schemes) {
			schemes = mapNode(auth)
			set(comps, "securitySchemes", schemes)
		}
		for _, a := range list {
			set(schemes, a.name, a.scheme)
		}
	}
	def := get(auth, "DefaultAuthorizer")
	if def == nil || isNull(def) || (intrinsicName(def) == "Ref" && get(def, "Ref").Value == "AWS::NoValue") {
		return true
	}
	name, ok := scalar(def)
	if !ok || !isString(def) {
		return errf(def, "Property 'Auth.DefaultAuthorizer' should be a string.")
	}
	var found *authz
	for i := range list {
		if list[i].name == name {
			found = &list[i]
		}
	}
	if found == nil {
		return errf(def, "Unable to set DefaultAuthorizer because '%s' was not defined in 'Authorizers'.", name)
	}
	for _, pp := range pairs(get(body, "paths")) {
		for _, item := range conditional(pp.val) {
			for _, mp := range pairs(item) {
				m := strings.ToLower(mp.key.Value)
				if m == "parameters" || m == "options" {
					continue
				}
				for _, op := range conditional(mp.val) {
					if get(op, "x-amazon-apigateway-integration") == nil || get(op, "security") != nil {
						continue
					}
					scopes := seqNode(def)
					if found.scopes != nil {
						scopes = clone(found.scopes)
					}
					set(op, "security", seqNode(def, mapNode(def, name, scopes)))
				}
			}
		}
	}
	return true
}

// conditional returns the maps a value may be: itself, or both branches
// of an Fn::If.
func conditional(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	if intrinsicName(n) == "Fn::If" {
		arg := deref(n.Content[1])
		if arg.Kind == yaml.SequenceNode && len(arg.Content) == 3 {
			var out []*yaml.Node
			for _, b := range arg.Content[1:] {
				if deref(b).Kind == yaml.MappingNode && intrinsicName(b) == "" {
					out = append(out, deref(b))
				}
			}
			return out
		}
		return nil
	}
	if n.Kind == yaml.MappingNode {
		return []*yaml.Node{n}
	}
	return nil
}

// samAuthorizer builds the security scheme of one SAM authorizer
// (ApiGatewayV2Authorizer.generate_openapi).
func (s *stack) samAuthorizer(r *resource, name string, a *yaml.Node) (*yaml.Node, bool) {
	path := r.id + ".Auth.Authorizers." + name
	errf := func(at *yaml.Node, format string, args ...any) (*yaml.Node, bool) {
		s.ds.add(s.file, at, Error, path, format, args...)
		return nil, false
	}
	jwtConf := get(a, "JwtConfiguration")
	kind := "REQUEST"
	if jwtConf != nil && !isNull(jwtConf) {
		kind = "JWT"
	}
	if sc := get(a, "AuthorizationScopes"); sc != nil && sc.Kind != yaml.SequenceNode {
		return errf(sc, "AuthorizationScopes must be a list.")
	}
	jwtOnly := map[string]string{"AuthorizationScopes": "OAuth2 Authorizer", "JwtConfiguration": "OAuth2 Authorizer",
		"IdentitySource": "OAuth2 Authorizer. For Lambda Authorizer, use the 'Identity' property instead"}
	lambdaOnly := []string{"FunctionArn", "FunctionInvokeRole", "Identity", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "EnableFunctionDefaultPermissions"}
	for _, p := range pairs(a) {
		k := p.key.Value
		if hint, isJWT := jwtOnly[k]; isJWT && kind != "JWT" {
			return errf(p.key, "%s is only supported for %s.", k, hint)
		}
		if contains(lambdaOnly, k) && kind != "REQUEST" {
			return errf(p.key, "%s is only supported for Lambda Authorizer.", k)
		}
	}
	if kind == "JWT" {
		if get(a, "IdentitySource") == nil {
			return errf(a, "%s OAuth2 Authorizer must define 'IdentitySource'.", name)
		}
		if jwtConf.Kind != yaml.MappingNode {
			return errf(jwtConf, "Property 'JwtConfiguration' should be a map.")
		}
		lower := mapNode(jwtConf)
		for _, p := range pairs(jwtConf) {
			set(lower, strings.ToLower(p.key.Value), p.val)
		}
		return mapNode(a, "type", "oauth2", "x-amazon-apigateway-authorizer",
			mapNode(a, "jwtConfiguration", lower, "identitySource", get(a, "IdentitySource"), "type", "jwt")), true
	}
	fnARN := get(a, "FunctionArn")
	if fnARN == nil {
		return errf(a, "%s Lambda Authorizer must define 'FunctionArn'.", name)
	}
	pfv := get(a, "AuthorizerPayloadFormatVersion")
	if pfv == nil {
		return errf(a, "%s Lambda Authorizer must define 'AuthorizerPayloadFormatVersion'.", name)
	}
	ext := mapNode(a, "type", "request")
	set(ext, "authorizerUri", mapNode(fnARN, "Fn::Sub", seqNode(fnARN,
		strNode(fnARN, "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations"),
		mapNode(fnARN, "__FunctionArn__", fnARN))))
	if role := get(a, "FunctionInvokeRole"); role != nil {
		if v, _ := scalar(role); v != "NONE" {
			set(ext, "authorizerCredentials", role)
			s.invokeRoles[path] = true
		}
	}
	if id := get(a, "Identity"); id != nil {
		if id.Kind != yaml.MappingNode {
			return errf(id, "Property 'Auth.Authorizers.%s.Identity' should be a map.", name)
		}
		if re := get(id, "ReauthorizeEvery"); re != nil {
			set(ext, "authorizerResultTtlInSeconds", re)
		}
		src := seqNode(id)
		for _, pk := range [][2]string{{"$request.header.", "Headers"}, {"$request.querystring.", "QueryStrings"}, {"$stageVariables.", "StageVariables"}, {"$context.", "Context"}} {
			vals := get(id, pk[1])
			if vals == nil {
				continue
			}
			if vals.Kind != yaml.SequenceNode {
				return errf(vals, "Property 'Authorizers.%s.Identity.%s' should be a list of strings.", name, pk[1])
			}
			for _, v := range vals.Content {
				str, ok := scalar(v)
				if !ok {
					return errf(v, "Property 'Authorizers.%s.Identity.%s' should be a list of strings.", name, pk[1])
				}
				src.Content = append(src.Content, strNode(v, pk[0]+str))
			}
		}
		set(ext, "identitySource", src)
	}
	set(ext, "authorizerPayloadFormatVersion", pfv)
	if es := get(a, "EnableSimpleResponses"); es != nil {
		if b, _ := boolOf(es); b {
			set(ext, "enableSimpleResponses", es)
		}
	}
	if dp, _ := boolOf(get(a, "EnableFunctionDefaultPermissions")); dp {
		s.authorizerPermissions = append(s.authorizerPermissions, fnARN)
	}
	return mapNode(a, "type", "apiKey", "name", "Unused", "in", "header", "x-amazon-apigateway-authorizer", ext), true
}

// samStage generates the API's Stage: always, with AutoDeploy, named
// $default unless StageName says otherwise.
func (s *stack) samStage(r *resource, props *yaml.Node) {
	nameN := get(props, "StageName")
	stageName := "$default"
	if nameN != nil {
		if v, ok := scalar(nameN); ok {
			stageName = v
		}
	}
	id := r.id + "ApiGatewayDefaultStage"
	if stageName != "$default" {
		if logicalID.MatchString(stageName) && intrinsicName(nameN) == "" {
			id = r.id + stageName + "Stage"
		} else {
			id = r.id + "Stage"
		}
	}
	st := mapNode(r.key, "ApiId", mapNode(r.key, "Ref", r.id), "AutoDeploy", true)
	if nameN != nil {
		set(st, "StageName", nameN)
	} else {
		set(st, "StageName", strNode(r.key, "$default"))
	}
	for _, k := range []string{"StageVariables", "AccessLogSettings", "DefaultRouteSettings", "RouteSettings"} {
		if v := get(props, k); v != nil {
			set(st, k, v)
		}
	}
	tags := mapNode(r.key)
	for _, p := range pairs(get(props, "Tags")) {
		set(tags, p.key.Value, p.val)
	}
	set(tags, "httpapi:createdBy", strNode(r.key, "SAM"))
	set(st, "Tags", tags)
	sr := s.addResource(id, "AWS::ApiGatewayV2::Stage", r.key, st, r.id)
	if cond := get(r.node, "Condition"); cond != nil {
		set(sr.node, "Condition", cond)
	}
	s.aliases[r.id+".Stage"] = id
}

// samDomain generates the DomainName and ApiMappings of Domain.
func (s *stack) samDomain(r *resource, props *yaml.Node) {
	d := s.paramRefs(get(props, "Domain"))
	if d == nil {
		return
	}
	path := r.id + ".Domain"
	if d.Kind != yaml.MappingNode {
		s.ds.add(s.file, d, Error, path, "Property 'Domain' should be a map.")
		return
	}
	dn, cert := get(d, "DomainName"), get(d, "CertificateArn")
	if dn == nil || cert == nil {
		s.ds.add(s.file, d, Error, path, "Custom Domains only works if both DomainName and CertificateArn are provided.")
		return
	}
	if ep, ok := scalar(get(d, "EndpointConfiguration")); ok && ep != "REGIONAL" {
		s.ds.add(s.file, get(d, "EndpointConfiguration"), Error, path, "EndpointConfiguration for Custom Domains must be one of ['REGIONAL'].")
		return
	}
	if mtls := get(d, "MutualTlsAuthentication"); mtls != nil {
		s.ds.add(s.file, mtls, Warning, path+".MutualTlsAuthentication", "mutual TLS is not enforced locally for SAM domains")
	}
	domainID := "ApiGatewayDomainNameV2" + physicalID("", "", r.id, 10)
	s.addResource(domainID, "AWS::ApiGatewayV2::DomainName", d,
		mapNode(d, "DomainName", dn, "DomainNameConfigurations", seqNode(d, mapNode(d, "CertificateArn", cert, "EndpointType", "REGIONAL"))), r.id)
	s.aliases[r.id+".DomainName"] = domainID
	stage := mapNode(d, "Ref", s.aliases[r.id+".Stage"])
	bp := get(d, "BasePath")
	var bases []*yaml.Node
	switch {
	case bp == nil:
		bases = []*yaml.Node{strNode(d, "")}
	case bp.Kind == yaml.SequenceNode:
		bases = bp.Content
	default:
		bases = []*yaml.Node{bp}
	}
	for i, b := range bases {
		v, ok := scalar(b)
		if !ok && !isNull(b) {
			s.ds.add(s.file, b, Error, path+".BasePath", "Basepath must be a string.")
			return
		}
		v = strings.Trim(v, "/")
		if v != "" && !regexp.MustCompile(`^[0-9a-zA-Z/_-]+$`).MatchString(v) {
			s.ds.add(s.file, b, Error, path+".BasePath", "Invalid Basepath name provided.")
			return
		}
		mid := r.id + "ApiMapping"
		if len(bases) > 1 || v != "" {
			mid = r.id + strings.ReplaceAll(strings.ReplaceAll(v, "/", ""), "-", "") + "ApiMapping"
		}
		_ = i
		s.addResource(mid, "AWS::ApiGatewayV2::ApiMapping", b, mapNode(b, "ApiId", mapNode(b, "Ref", r.id),
			"DomainName", mapNode(b, "Ref", domainID), "Stage", stage, "ApiMappingKey", v), r.id)
	}
}
