package openapi

import (
	"net/url"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/model"
)

// oas30 matches the OpenAPI versions HTTP APIs import.
var oas30 = regexp.MustCompile(`^3\.0(\.\d+)?$`)

// document imports the whole document.
func (im *importer) document(root *yaml.Node) {
	if !im.version(root) {
		return
	}
	im.def.API = model.API{
		ProtocolType:              model.ProtocolHTTP,
		RouteSelectionExpression:  model.RouteSelectionExpressionHTTP,
		APIKeySelectionExpression: model.APIKeySelectionExpressionDefault,
		Tags:                      map[string]string{},
	}
	switch im.opts.Basepath {
	case "", "ignore", "prepend", "split":
	default:
		im.errorf(nil, "invalid basepath mode %q; must be ignore, prepend or split", im.opts.Basepath)
		return
	}
	var paths, components *yaml.Node
	for _, p := range pairs(root) {
		switch p.Key.Value {
		case "openapi":
		case "info":
			im.info(p.Val)
		case "servers":
			im.servers(p.Val)
		case "paths":
			paths = p.Val
			im.loc(model.ResourceAPI, "", "routes", p.Key)
		case "components":
			components = p.Val
		case "tags":
			im.tags(p.Val)
		case "security":
			im.rootSecurity = p.Val
		case "externalDocs":
		case "x-amazon-apigateway-cors":
			im.cors(p.Val)
		case "x-amazon-apigateway-importexport-version":
			if v, ok := versionText(p.Val); !ok || v != "1.0" {
				im.errorf(p.Val, "unsupported x-amazon-apigateway-importexport-version %q; the only supported version is 1.0", p.Val.Value)
			}
		default:
			im.unexpected(p.Key, "the document root")
		}
	}
	if lookup(root, "info") == nil {
		im.errorf(root, "info is required: info.title becomes the API name")
	}
	im.components(components)
	if paths == nil {
		im.errorf(root, "paths is required")
		return
	}
	im.paths(paths)
}

// version checks the openapi (or swagger) member.
func (im *importer) version(root *yaml.Node) bool {
	if sw := lookup(root, "swagger"); sw != nil {
		im.errorf(sw, "Swagger %s documents are not supported for HTTP APIs; only OpenAPI 3.0 definitions can be imported", sw.Value)
		return false
	}
	v := lookup(root, "openapi")
	if v == nil {
		im.errorf(root, "not an OpenAPI 3.0 document: the openapi member is missing")
		return false
	}
	s, ok := scalarText(v)
	if !ok || !oas30.MatchString(s) {
		im.errorf(v, "OpenAPI version %q is not supported for HTTP APIs; only OpenAPI 3.0 definitions can be imported", v.Value)
		return false
	}
	return true
}

// info reads title, description and version.
func (im *importer) info(n *yaml.Node) {
	if !im.mapping(n, "info") {
		return
	}
	a := &im.def.API
	for _, p := range pairs(n) {
		switch p.Key.Value {
		case "title":
			a.Name, _ = im.str(p.Val, "info.title")
			im.loc(model.ResourceAPI, "", "name", p.Val)
		case "description":
			a.Description, _ = im.str(p.Val, "info.description")
			im.loc(model.ResourceAPI, "", "description", p.Val)
		case "version":
			a.Version, _ = im.str(p.Val, "info.version")
			im.loc(model.ResourceAPI, "", "version", p.Val)
		case "termsOfService", "contact", "license":
		default:
			im.unexpected(p.Key, "info")
		}
	}
	if lookup(n, "title") == nil {
		im.errorf(n, "info.title is required: it becomes the API name")
	}
}

// servers reads the endpoint configuration and the base path (servers[0]).
func (im *importer) servers(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		im.errorf(n, "servers must be a list, not %s", kindName(n))
		return
	}
	endpointSeen := false
	for i, s := range n.Content {
		s = deref(s)
		if !im.mapping(s, "servers entry") {
			continue
		}
		for _, p := range pairs(s) {
			switch p.Key.Value {
			case "url", "description", "variables":
			case "x-amazon-apigateway-endpoint-configuration":
				if endpointSeen {
					im.warnf(p.Key, "x-amazon-apigateway-endpoint-configuration is taken from the first server that has one; this one is ignored")
					continue
				}
				endpointSeen = true
				im.endpointConfiguration(p.Val)
			default:
				im.unexpected(p.Key, "servers entry")
			}
		}
		if i == 0 {
			im.basePath = im.serverBasePath(s)
		}
	}
}

func (im *importer) endpointConfiguration(n *yaml.Node) {
	if !im.mapping(n, "x-amazon-apigateway-endpoint-configuration") {
		return
	}
	for _, p := range pairs(n) {
		switch p.Key.Value {
		case "disableExecuteApiEndpoint":
			b, ok := boolValue(p.Val)
			if !ok {
				im.errorf(p.Val, "disableExecuteApiEndpoint must be a boolean")
				continue
			}
			im.def.API.DisableExecuteAPIEndpoint = b
		case "vpcEndpointIds":
			im.warnf(p.Key, "vpcEndpointIds ignored: private endpoints are supported only for REST APIs")
		default:
			im.unexpected(p.Key, "x-amazon-apigateway-endpoint-configuration")
		}
	}
}

// serverBasePath returns the base path of a server object without
// surrounding slashes: the default of its basePath variable if it has one,
// else the path of its URL (template variables replaced by their defaults).
func (im *importer) serverBasePath(s *yaml.Node) string {
	vars := lookup(s, "variables")
	defaults := map[string]string{}
	if vars != nil && vars.Kind == yaml.MappingNode {
		for _, p := range pairs(vars) {
			if d := lookup(p.Val, "default"); d != nil {
				v, _ := im.text(d)
				defaults[p.Key.Value] = v
			}
		}
		if bp, ok := defaults["basePath"]; ok {
			return strings.Trim(bp, "/")
		}
	}
	urlNode := lookup(s, "url")
	if _, ok := scalarText(urlNode); !ok {
		return ""
	}
	u, _ := im.text(urlNode)
	for k, v := range defaults {
		u = strings.ReplaceAll(u, "{"+k+"}", v)
	}
	if parsed, err := url.Parse(u); err == nil && parsed.Scheme != "" {
		return strings.Trim(parsed.Path, "/")
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			return strings.Trim(u[j:], "/")
		}
		return ""
	}
	return strings.Trim(u, "/")
}

// routePath applies the basepath mode to an OpenAPI path.
func (im *importer) routePath(p string) string {
	if im.basePath == "" {
		return p
	}
	var prefix string
	switch im.opts.Basepath {
	case "prepend":
		prefix = im.basePath
	case "split":
		_, rest, ok := strings.Cut(im.basePath, "/")
		if !ok {
			return p
		}
		prefix = rest
	default:
		return p
	}
	if p == "/" {
		return "/" + prefix
	}
	return "/" + prefix + p
}

// tags reads root tags into API tags: name → x-amazon-apigateway-tag-value
// (empty when absent).
func (im *importer) tags(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		im.errorf(n, "tags must be a list, not %s", kindName(n))
		return
	}
	for _, t := range n.Content {
		t = deref(t)
		if !im.mapping(t, "tags entry") {
			continue
		}
		var name, value string
		var nameNode *yaml.Node
		for _, p := range pairs(t) {
			switch p.Key.Value {
			case "name":
				name, _ = im.str(p.Val, "tag name")
				nameNode = p.Val
			case "x-amazon-apigateway-tag-value":
				value, _ = im.str(p.Val, "x-amazon-apigateway-tag-value")
			case "description", "externalDocs":
			default:
				im.unexpected(p.Key, "tags entry")
			}
		}
		if nameNode == nil {
			im.errorf(t, "a tag needs a name")
			continue
		}
		im.def.API.Tags[name] = value
		im.loc(model.ResourceAPI, "", model.FieldKey("tags", name), nameNode)
	}
}

// cors reads x-amazon-apigateway-cors into the API's CORS configuration.
func (im *importer) cors(n *yaml.Node) {
	if !im.mapping(n, "x-amazon-apigateway-cors") {
		return
	}
	c := &model.CORS{}
	const f = "corsConfiguration"
	im.loc(model.ResourceAPI, "", f, n)
	for _, p := range pairs(n) {
		field := f + "." + p.Key.Value
		im.loc(model.ResourceAPI, "", field, p.Val)
		switch p.Key.Value {
		case "allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders":
			l, _ := im.strList(p.Val, "x-amazon-apigateway-cors."+p.Key.Value)
			for i, c := range p.Val.Content {
				im.loc(model.ResourceAPI, "", model.FieldKey(field, itoa(i)), c)
			}
			switch p.Key.Value {
			case "allowOrigins":
				c.AllowOrigins = l
			case "allowMethods":
				c.AllowMethods = l
			case "allowHeaders":
				c.AllowHeaders = l
			case "exposeHeaders":
				c.ExposeHeaders = l
			}
		case "allowCredentials":
			b, ok := boolValue(p.Val)
			if !ok {
				im.errorf(p.Val, "x-amazon-apigateway-cors.allowCredentials must be a boolean")
				continue
			}
			c.AllowCredentials = &b
		case "maxAge":
			v, ok := intValue(p.Val)
			if !ok {
				im.errorf(p.Val, "x-amazon-apigateway-cors.maxAge must be an integer number of seconds")
				continue
			}
			c.MaxAge = &v
		default:
			im.unexpected(p.Key, "x-amazon-apigateway-cors")
		}
	}
	im.def.API.CORSConfiguration = c
}

// components reads security schemes and shared integrations; other
// component kinds are valid OpenAPI that HTTP APIs do not use.
func (im *importer) components(n *yaml.Node) {
	im.schemes = map[string]*scheme{}
	im.shared = map[string]*sharedIntegration{}
	if n == nil || !im.mapping(n, "components") {
		return
	}
	for _, p := range pairs(n) {
		switch p.Key.Value {
		case "securitySchemes":
			im.securitySchemes(p.Val)
		case "x-amazon-apigateway-integrations":
			im.sharedIntegrations(p.Val)
		case "schemas":
			if p.Val.Kind == yaml.MappingNode && len(p.Val.Content) > 0 {
				im.infof(p.Key, "components.schemas ignored: HTTP APIs have no models and do not validate requests")
			}
		case "responses", "parameters", "examples", "requestBodies", "headers", "links", "callbacks":
		default:
			im.unexpected(p.Key, "components")
		}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
