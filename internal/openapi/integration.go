package openapi

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/model"
)

// integrationRefPrefix is the only $ref form of an operation's integration.
const integrationRefPrefix = "#/components/x-amazon-apigateway-integrations/"

// sharedIntegration is an entry of components.x-amazon-apigateway-integrations.
type sharedIntegration struct {
	// id is the integration's id, or "" when it could not be imported.
	id string
}

// sharedIntegrations imports the components' integrations, in document
// order, whether or not a route references them (AWS exports unreferenced
// integrations there as unusedIntegration_{id}).
func (im *importer) sharedIntegrations(n *yaml.Node) {
	if !im.mapping(n, "components.x-amazon-apigateway-integrations") {
		return
	}
	for _, p := range pairs(n) {
		id := im.integration(p.Val, "component "+p.Key.Value, p.Key)
		im.shared[p.Key.Value] = &sharedIntegration{id: id}
	}
}

// operationIntegration imports an operation's x-amazon-apigateway-integration
// (inline, or a $ref to a shared one) and returns the integration id, or ""
// when there is none.
func (im *importer) operationIntegration(n *yaml.Node, routeKey string) string {
	if !im.mapping(n, "x-amazon-apigateway-integration") {
		return ""
	}
	ref := lookup(n, "$ref")
	if ref == nil {
		return im.integration(n, "route "+routeKey, n)
	}
	for _, p := range pairs(n) {
		if p.Key.Value != "$ref" {
			im.warnf(p.Key, "%s ignored: members beside $ref in x-amazon-apigateway-integration are not used", p.Key.Value)
		}
	}
	s, ok := im.str(ref, "$ref")
	if !ok {
		return ""
	}
	name, ok := strings.CutPrefix(s, integrationRefPrefix)
	if !ok {
		im.errorf(ref, "unsupported $ref %q: an integration reference must point to %s{name}", s, integrationRefPrefix)
		return ""
	}
	name = unescapePointer(name)
	sh := im.shared[name]
	if sh == nil {
		im.errorf(ref, "$ref %q: there is no integration %q in components.x-amazon-apigateway-integrations", s, name)
		return ""
	}
	return sh.id
}

// unescapePointer decodes a JSON pointer token (~1 is "/", ~0 is "~").
func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// restOnlyIntegrationMembers are x-amazon-apigateway-integration members of
// REST APIs that HTTP APIs ignore (reported as infos).
func restOnlyIntegrationMember(k string) bool {
	switch k {
	case "passthroughBehavior", "contentHandling", "requestTemplates", "responses",
		"cacheKeyParameters", "cacheNamespace", "integrationResponses":
		return true
	}
	return false
}

// integration imports one x-amazon-apigateway-integration object and returns
// its id; name identifies it for the id and messages; at is the node the
// integration as a whole is reported at. It returns "" when the integration
// is not imported (a WebSocket-only type, or an error).
func (im *importer) integration(n *yaml.Node, name string, at *yaml.Node) string {
	if !im.mapping(n, "x-amazon-apigateway-integration") {
		return ""
	}
	id := im.newID("integration", name, 7)
	const res = model.ResourceIntegration
	in := model.Integration{IntegrationID: id}
	im.loc(res, id, "", at)
	typeNode := lookup(n, "type")
	if typeNode == nil {
		im.errorf(at, "x-amazon-apigateway-integration of %s has no type; HTTP APIs support aws_proxy and http_proxy", name)
		return ""
	}
	t, _ := im.str(typeNode, "type")
	switch strings.ToLower(t) {
	case "aws_proxy":
		in.IntegrationType = model.IntegrationAWSProxy
	case "http_proxy":
		in.IntegrationType = model.IntegrationHTTPProxy
	case "aws", "http", "mock":
		im.warnf(typeNode, "integration type %s of %s ignored: HTTP APIs support only the proxy integrations aws_proxy and http_proxy", t, name)
		return ""
	default:
		im.errorf(typeNode, "unsupported integration type %q; HTTP APIs support aws_proxy and http_proxy", t)
		return ""
	}
	im.loc(res, id, "integrationType", typeNode)
	for _, p := range pairs(n) {
		k := p.Key.Value
		field := k
		switch k {
		case "type":
			continue
		case "httpMethod":
			field = "integrationMethod"
			s, _ := im.str(p.Val, k)
			in.IntegrationMethod = strings.ToUpper(s)
		case "uri":
			field = "integrationUri"
			in.IntegrationURI, _ = im.str(p.Val, k)
		case "payloadFormatVersion":
			v, ok := versionText(p.Val)
			if !ok {
				im.errorf(p.Val, "payloadFormatVersion must be \"1.0\" or \"2.0\"")
				im.bad[locKey{res, id, k}] = true
			}
			in.PayloadFormatVersion = v
		case "connectionType":
			s, _ := im.str(p.Val, k)
			in.ConnectionType = strings.ToUpper(s)
		case "connectionId":
			in.ConnectionID, _ = im.str(p.Val, k)
		case "integrationSubtype":
			in.IntegrationSubtype, _ = im.str(p.Val, k)
		case "credentials":
			field = "credentialsArn"
			in.CredentialsARN, _ = im.str(p.Val, k)
		case "description":
			in.Description, _ = im.str(p.Val, k)
		case "timeoutInMillis":
			v, ok := intValue(p.Val)
			if !ok {
				im.errorf(p.Val, "timeoutInMillis must be an integer number of milliseconds")
				im.bad[locKey{res, id, k}] = true
			}
			in.TimeoutInMillis = v
		case "requestParameters":
			in.RequestParameters, _ = im.strMap(p.Val, k, res, id, k)
		case "responseParameters":
			in.ResponseParameters = im.responseParameters(p.Val, id)
		case "tlsConfig":
			in.TLSConfig = im.tlsConfig(p.Val, id)
		default:
			switch {
			case restOnlyIntegrationMember(k):
				im.infof(p.Key, "%s of %s ignored: it is supported only for REST APIs", k, name)
			default:
				im.unexpected(p.Key, "x-amazon-apigateway-integration")
			}
			continue
		}
		im.loc(res, id, field, p.Val)
	}
	im.integrationDefaults(&in)
	im.def.Integrations = append(im.def.Integrations, in)
	return id
}

// integrationDefaults applies what AWS fills in on import: connection type
// INTERNET, timeout 30000 ms, payload format 2.0 for Lambda (observed,
// aws/serverless-application-model#1516) and 1.0 otherwise, method POST for
// Lambda.
func (im *importer) integrationDefaults(in *model.Integration) {
	if in.ConnectionType == "" {
		in.ConnectionType = model.ConnectionInternet
	}
	if in.TimeoutInMillis == 0 && !im.bad[locKey{model.ResourceIntegration, in.IntegrationID, "timeoutInMillis"}] {
		in.TimeoutInMillis = model.DefaultTimeoutInMillis
	}
	lambda := in.IntegrationType == model.IntegrationAWSProxy && in.IntegrationSubtype == ""
	if in.PayloadFormatVersion == "" {
		in.PayloadFormatVersion = "1.0"
		if lambda {
			in.PayloadFormatVersion = "2.0"
		}
	}
	if lambda && in.IntegrationMethod == "" {
		in.IntegrationMethod = "POST"
	}
}

func (im *importer) responseParameters(n *yaml.Node, id string) map[string]map[string]string {
	const res = model.ResourceIntegration
	if !im.mapping(n, "responseParameters") {
		im.bad[locKey{res, id, "responseParameters"}] = true
		return nil
	}
	out := map[string]map[string]string{}
	for _, p := range pairs(n) {
		code := p.Key.Value
		field := model.FieldKey("responseParameters", code)
		im.loc(res, id, field, p.Key)
		m, ok := im.strMap(p.Val, "responseParameters."+code, res, id, field)
		if !ok && m == nil {
			im.bad[locKey{res, id, field}] = true
			continue
		}
		out[code] = m
	}
	return out
}

func (im *importer) tlsConfig(n *yaml.Node, id string) *model.TLSConfig {
	if !im.mapping(n, "tlsConfig") {
		im.bad[locKey{model.ResourceIntegration, id, "tlsConfig"}] = true
		return nil
	}
	tc := &model.TLSConfig{}
	for _, p := range pairs(n) {
		switch p.Key.Value {
		case "serverNameToVerify":
			tc.ServerNameToVerify, _ = im.str(p.Val, "tlsConfig.serverNameToVerify")
		case "insecureSkipVerification":
			im.infof(p.Key, "tlsConfig.insecureSkipVerification ignored: it is supported only for REST APIs")
		default:
			im.unexpected(p.Key, "tlsConfig")
		}
	}
	return tc
}
