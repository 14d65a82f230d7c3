package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/routekey"
)

// obj is a JSON object whose members keep their order, so that exports
// list keys as AWS does.
type obj []member

type member struct {
	key string
	val any // string, bool, int, float64, []any, obj
}

// set appends a member.
func (o *obj) set(key string, val any) { *o = append(*o, member{key, val}) }

// jsonBytes renders the document as AWS's exports do: Jackson's pretty
// printer, objects indented by two spaces, "key" : value, arrays on one
// line ([ "a", "b" ]), empty ones as { } and [ ].
func (o obj) jsonBytes() []byte {
	var b bytes.Buffer
	writePretty(&b, o, 0)
	b.WriteByte('\n')
	return b.Bytes()
}

func writePretty(b *bytes.Buffer, v any, level int) {
	switch v := v.(type) {
	case obj:
		if len(v) == 0 {
			b.WriteString("{ }")
			return
		}
		b.WriteByte('{')
		for i, m := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
			b.WriteString(strings.Repeat("  ", level+1))
			writeScalar(b, m.key)
			b.WriteString(" : ")
			writePretty(b, m.val, level+1)
		}
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("  ", level))
		b.WriteByte('}')
	case []any:
		if len(v) == 0 {
			b.WriteString("[ ]")
			return
		}
		b.WriteString("[ ")
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writePretty(b, x, level)
		}
		b.WriteString(" ]")
	default:
		writeScalar(b, v)
	}
}

func writeScalar(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	b.Truncate(b.Len() - 1) // Encode's newline
}

// yamlBytes renders the document as YAML, keys in order.
func (o obj) yamlBytes() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(yamlNode(o)); err != nil {
		return nil, fmt.Errorf("encoding export as YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding export as YAML: %w", err)
	}
	return b.Bytes(), nil
}

func yamlNode(v any) *yaml.Node {
	switch v := v.(type) {
	case obj:
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, m := range v {
			n.Content = append(n.Content, yamlNode(m.key), yamlNode(m.val))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if len(v) > 0 && isScalar(v[0]) {
			n.Style = yaml.FlowStyle
		}
		for _, x := range v {
			n.Content = append(n.Content, yamlNode(x))
		}
		return n
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(v, 'g', -1, 64)}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

func isScalar(v any) bool {
	switch v.(type) {
	case obj, []any:
		return false
	}
	return true
}

// ExportOptions shape an export.
type ExportOptions struct {
	// Endpoint is the API's apiEndpoint, the server URL's base.
	Endpoint string
	// Stage is the exported stage ("" for the latest configuration).
	Stage string
	// Extensions keeps the x-amazon-apigateway-* members.
	Extensions bool
	// Now dates the export (info.version of an API without a version).
	Now time.Time
}

// extPrefix starts every API Gateway extension.
const extPrefix = "x-amazon-apigateway-"

// Export writes an API definition as OpenAPI 3.0 with API Gateway's
// extensions (see
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-export.html),
// so that Import of the result gives the same routes, integrations, authorizers and
// CORS configuration back.
//
// What it leaves out or does differently from AWS (details undocumented by AWS, our choice: docs/compatibility.md#openapi-import):
// an integration several routes share is written once under
// components.x-amazon-apigateway-integrations as sharedIntegration_{id}
// and referenced with $ref (AWS inlines a copy per route, which a
// re-import turns into several integrations); IAM routes use a scheme
// named "sigv4"; the server URL is the gateway's apiEndpoint;
// includeExtensions=false drops every x-amazon-apigateway-* member
// (ANY and $default routes with them); request parameters of WebSocket
// routes, models and route responses are not exported.
func Export(def *model.Definition, opts ExportOptions) *Document {
	api := &def.API
	var doc obj
	doc.set("openapi", "3.0.1")
	var info obj
	info.set("title", api.Name)
	if api.Description != "" {
		info.set("description", api.Description)
	}
	version := api.Version
	if version == "" {
		version = opts.Now.UTC().Format("2006-01-02 15:04:05") + "UTC"
	}
	info.set("version", version)
	doc.set("info", info)

	basePath := ""
	if opts.Stage != "" && opts.Stage != model.DefaultStageName {
		basePath = opts.Stage
	}
	var server obj
	server.set("url", opts.Endpoint+"/{basePath}")
	server.set("variables", obj{{"basePath", obj{{"default", basePath}}}})
	if api.DisableExecuteAPIEndpoint {
		server.set(extPrefix+"endpoint-configuration", obj{{"disableExecuteApiEndpoint", true}})
	}
	doc.set("servers", []any{server})
	if len(api.Tags) > 0 {
		var tags []any
		for _, k := range slices.Sorted(maps.Keys(api.Tags)) {
			t := obj{{"name", k}}
			if api.Tags[k] != "" {
				t.set(extPrefix+"tag-value", api.Tags[k])
			}
			tags = append(tags, t)
		}
		doc.set("tags", tags)
	}

	x := newExporter(def)
	doc.set("paths", x.paths())
	if comps := x.components(); len(comps) > 0 {
		doc.set("components", comps)
	}
	if c := api.CORSConfiguration; c != nil {
		doc.set(extPrefix+"cors", corsObject(c))
	}
	doc.set(extPrefix+"importexport-version", "1.0")
	if !opts.Extensions {
		doc = stripExtensions(doc).(obj)
	}
	return &Document{root: doc}
}

// Document is an exported OpenAPI document, its members in AWS's order.
type Document struct{ root obj }

// JSON renders the document as AWS's exports do: Jackson's pretty printer,
// objects indented by two spaces, "key" : value, arrays on one line
// ([ "a", "b" ]), empty ones as { } and [ ].
func (d *Document) JSON() []byte { return d.root.jsonBytes() }

// YAML renders the document as YAML, keys in order.
func (d *Document) YAML() ([]byte, error) { return d.root.yamlBytes() }

// stripExtensions removes every x-amazon-apigateway-* member (and
// isDefaultRoute), recursively.
func stripExtensions(v any) any {
	switch v := v.(type) {
	case obj:
		var out obj
		for _, m := range v {
			if strings.HasPrefix(m.key, extPrefix) || m.key == "isDefaultRoute" {
				continue
			}
			out = append(out, member{m.key, stripExtensions(m.val)})
		}
		if out == nil {
			out = obj{}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = stripExtensions(x)
		}
		return out
	}
	return v
}

func corsObject(c *model.CORS) obj {
	list := func(s []string) []any {
		out := make([]any, len(s))
		for i, v := range s {
			out[i] = v
		}
		return out
	}
	creds, maxAge := false, 0
	if c.AllowCredentials != nil {
		creds = *c.AllowCredentials
	}
	if c.MaxAge != nil {
		maxAge = *c.MaxAge
	}
	return obj{
		{"allowOrigins", list(c.AllowOrigins)},
		{"allowCredentials", creds},
		{"exposeHeaders", list(c.ExposeHeaders)},
		{"maxAge", maxAge},
		{"allowMethods", list(c.AllowMethods)},
		{"allowHeaders", list(c.AllowHeaders)},
	}
}

// exporter holds what the paths and components of one export share.
type exporter struct {
	def          *model.Definition
	integrations map[string]*model.Integration
	uses         map[string]int    // integration id → routes targeting it
	schemes      map[string]string // authorizer id → security scheme name
	sigv4        string            // scheme name of IAM routes, "" if none
}

func newExporter(def *model.Definition) *exporter {
	x := &exporter{
		def:          def,
		integrations: make(map[string]*model.Integration),
		uses:         make(map[string]int),
		schemes:      make(map[string]string),
	}
	for i := range def.Integrations {
		x.integrations[def.Integrations[i].IntegrationID] = &def.Integrations[i]
	}
	used := make(map[string]bool)
	for _, a := range def.Authorizers {
		name := uniqueName(a.Name, used)
		x.schemes[a.AuthorizerID] = name
	}
	for _, r := range def.Routes {
		if id, ok := strings.CutPrefix(r.Target, "integrations/"); ok {
			x.uses[id]++
		}
		if r.AuthorizationType == model.AuthIAM && x.sigv4 == "" {
			x.sigv4 = uniqueName("sigv4", used)
		}
	}
	return x
}

func uniqueName(name string, used map[string]bool) string {
	n := name
	for i := 1; used[n]; i++ {
		n = name + "_" + strconv.Itoa(i)
	}
	used[n] = true
	return n
}

// exportRoute is a route placed in the paths object.
type exportRoute struct {
	path, method string
	route        *model.Route
}

// paths writes one path item per route path, paths and methods sorted.
func (x *exporter) paths() obj {
	var routes []exportRoute
	for i := range x.def.Routes {
		r := &x.def.Routes[i]
		if r.RouteKey == model.DefaultRouteKey {
			routes = append(routes, exportRoute{"/$default", anyMethod, r})
			continue
		}
		method, path, ok := strings.Cut(r.RouteKey, " ")
		if !ok {
			continue
		}
		m := strings.ToLower(method)
		if method == routekey.MethodAny {
			m = anyMethod
		}
		routes = append(routes, exportRoute{path, m, r})
	}
	sort.SliceStable(routes, func(i, j int) bool {
		if routes[i].path != routes[j].path {
			return routes[i].path < routes[j].path
		}
		return methodRank(routes[i].method) < methodRank(routes[j].method)
	})
	var paths obj
	for i := 0; i < len(routes); {
		j := i
		var item obj
		for ; j < len(routes) && routes[j].path == routes[i].path; j++ {
			item.set(routes[j].method, x.operation(routes[j].route))
		}
		if params := pathParameters(routes[i].path); len(params) > 0 {
			item.set("parameters", params)
		}
		paths.set(routes[i].path, item)
		i = j
	}
	if paths == nil {
		paths = obj{}
	}
	return paths
}

func methodRank(m string) int {
	order := []string{"get", "put", "post", "delete", "options", "head", "patch", anyMethod}
	if i := slices.Index(order, m); i >= 0 {
		return i
	}
	return len(order)
}

// pathParameters declares each variable of a route path, as AWS's exports
// do ("proxy+" keeps its plus).
func pathParameters(path string) []any {
	var out []any
	for _, seg := range strings.Split(path, "/") {
		name, ok := strings.CutPrefix(seg, "{")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, "}")
		out = append(out, obj{
			{"name", name},
			{"in", "path"},
			{"description", "Generated path parameter for " + name},
			{"required", true},
			{"schema", obj{{"type", "string"}}},
		})
	}
	return out
}

// operation writes one route.
func (x *exporter) operation(r *model.Route) obj {
	var op obj
	if r.OperationName != "" {
		op.set("operationId", r.OperationName)
	}
	op.set("responses", obj{{"default", obj{{"description", "Default response for " + r.RouteKey}}}})
	switch r.AuthorizationType {
	case model.AuthJWT, model.AuthCustom:
		if name, ok := x.schemes[r.AuthorizerID]; ok {
			scopes := []any{}
			for _, s := range r.AuthorizationScopes {
				scopes = append(scopes, s)
			}
			op.set("security", []any{obj{{name, scopes}}})
		}
	case model.AuthIAM:
		op.set("security", []any{obj{{x.sigv4, []any{}}}})
	}
	if id, ok := strings.CutPrefix(r.Target, "integrations/"); ok {
		if in := x.integrations[id]; in != nil {
			if x.uses[id] > 1 {
				op.set(extPrefix+"integration", obj{{"$ref", "#/components/x-amazon-apigateway-integrations/sharedIntegration_" + id}})
			} else {
				op.set(extPrefix+"integration", integrationObject(in))
			}
		}
	}
	if r.RouteKey == model.DefaultRouteKey {
		op.set("isDefaultRoute", true)
	}
	return op
}

// integrationObject writes an integration in the member order of AWS's
// exports.
func integrationObject(in *model.Integration) obj {
	var o obj
	if len(in.RequestParameters) > 0 {
		var rp obj
		for _, k := range slices.Sorted(maps.Keys(in.RequestParameters)) {
			rp.set(k, in.RequestParameters[k])
		}
		o.set("requestParameters", rp)
	}
	if len(in.ResponseParameters) > 0 {
		var rp obj
		for _, code := range slices.Sorted(maps.Keys(in.ResponseParameters)) {
			var m obj
			for _, k := range slices.Sorted(maps.Keys(in.ResponseParameters[code])) {
				m.set(k, in.ResponseParameters[code][k])
			}
			rp.set(code, m)
		}
		o.set("responseParameters", rp)
	}
	if in.PayloadFormatVersion != "" {
		o.set("payloadFormatVersion", in.PayloadFormatVersion)
	}
	o.set("type", strings.ToLower(in.IntegrationType))
	if in.IntegrationSubtype != "" {
		o.set("integrationSubtype", in.IntegrationSubtype)
	}
	if in.CredentialsARN != "" {
		o.set("credentials", in.CredentialsARN)
	}
	if in.IntegrationMethod != "" {
		o.set("httpMethod", in.IntegrationMethod)
	}
	if in.IntegrationURI != "" {
		o.set("uri", in.IntegrationURI)
	}
	connection := in.ConnectionType
	if connection == "" {
		connection = model.ConnectionInternet
	}
	o.set("connectionType", connection)
	if in.ConnectionID != "" {
		o.set("connectionId", in.ConnectionID)
	}
	if in.TLSConfig != nil && in.TLSConfig.ServerNameToVerify != "" {
		o.set("tlsConfig", obj{{"serverNameToVerify", in.TLSConfig.ServerNameToVerify}})
	}
	if in.Description != "" {
		o.set("description", in.Description)
	}
	if t := in.TimeoutInMillis; in.IntegrationType == model.IntegrationHTTPProxy || (t != 0 && t != model.DefaultTimeoutInMillis) {
		if t == 0 {
			t = model.DefaultTimeoutInMillis
		}
		o.set("timeoutInMillis", t)
	}
	return o
}

// components writes the security schemes and the shared and unused
// integrations.
func (x *exporter) components() obj {
	var comps obj
	var schemes obj
	for _, a := range x.def.Authorizers {
		schemes.set(x.schemes[a.AuthorizerID], authorizerScheme(&a))
	}
	if x.sigv4 != "" {
		schemes.set(x.sigv4, obj{{"type", "apiKey"}, {"name", "Authorization"}, {"in", "header"}, {extPrefix + "authtype", "awsSigv4"}})
	}
	if len(schemes) > 0 {
		comps.set("securitySchemes", schemes)
	}
	var shared obj
	for i := range x.def.Integrations {
		in := &x.def.Integrations[i]
		switch n := x.uses[in.IntegrationID]; {
		case n == 0:
			shared.set("unusedIntegration_"+in.IntegrationID, integrationObject(in))
		case n > 1:
			shared.set("sharedIntegration_"+in.IntegrationID, integrationObject(in))
		}
	}
	if len(shared) > 0 {
		comps.set(extPrefix+"integrations", shared)
	}
	return comps
}

// authorizerScheme writes an authorizer as its security scheme
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html, export column).
func authorizerScheme(a *model.Authorizer) obj {
	var ext obj
	if len(a.IdentitySource) > 0 {
		ext.set("identitySource", strings.Join(a.IdentitySource, ", "))
	}
	if a.AuthorizerType == model.AuthorizerJWT {
		var jc obj
		if a.JWTConfiguration != nil {
			aud := []any{}
			for _, s := range a.JWTConfiguration.Audience {
				aud = append(aud, s)
			}
			jc.set("audience", aud)
			jc.set("issuer", a.JWTConfiguration.Issuer)
		}
		ext.set("jwtConfiguration", jc)
		ext.set("type", "jwt")
		return obj{{"type", "oauth2"}, {"flows", obj{}}, {extPrefix + "authorizer", ext}}
	}
	if a.AuthorizerURI != "" {
		ext.set("authorizerUri", a.AuthorizerURI)
	}
	if a.AuthorizerCredentialsARN != "" {
		ext.set("authorizerCredentials", a.AuthorizerCredentialsARN)
	}
	if a.AuthorizerPayloadFormatVersion != "" {
		ext.set("authorizerPayloadFormatVersion", a.AuthorizerPayloadFormatVersion)
	}
	if a.AuthorizerResultTTLInSeconds != nil {
		ext.set("authorizerResultTtlInSeconds", *a.AuthorizerResultTTLInSeconds)
	}
	if a.IdentityValidationExpression != "" {
		ext.set("identityValidationExpression", a.IdentityValidationExpression)
	}
	ext.set("type", "request")
	ext.set("enableSimpleResponses", a.EnableSimpleResponses)
	header := "Authorization"
	if len(a.IdentitySource) > 0 {
		if h, ok := strings.CutPrefix(a.IdentitySource[0], "$request.header."); ok {
			header = h
		}
	}
	return obj{{"type", "apiKey"}, {"name", header}, {"in", "header"}, {extPrefix + "authtype", "custom"}, {extPrefix + "authorizer", ext}}
}
