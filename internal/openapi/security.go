package openapi

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/model"
)

// schemeKind is what a security scheme means to an HTTP API.
type schemeKind int

const (
	// schemePlain has no API Gateway extension: HTTP APIs cannot enforce it.
	schemePlain schemeKind = iota
	schemeJWT
	schemeRequest
	schemeIAM
	// schemeBroken had errors, already reported.
	schemeBroken
)

// scheme is an imported components.securitySchemes entry.
type scheme struct {
	kind         schemeKind
	authorizerID string
}

// noneScheme is the security scheme name the SAM transform writes for a
// route whose event sets Auth.Authorizer to NONE, without defining it in
// components.securitySchemes; AWS serves such a route without
// authorization.
const noneScheme = "NONE"

// openIDSuffix ends an OpenID Connect discovery URL; the issuer is what
// precedes it.
const openIDSuffix = "/.well-known/openid-configuration"

// securitySchemes imports the schemes: x-amazon-apigateway-authorizer
// (jwt or request) becomes an authorizer named after the scheme;
// x-amazon-apigateway-authtype awsSigv4 marks IAM authorization.
func (im *importer) securitySchemes(n *yaml.Node) {
	if !im.mapping(n, "components.securitySchemes") {
		return
	}
	for _, p := range pairs(n) {
		name := p.Key.Value
		s := &scheme{}
		im.schemes[name] = s
		if !im.mapping(p.Val, "security scheme "+name) {
			s.kind = schemeBroken
			continue
		}
		var ext, authtype *yaml.Node
		for _, q := range pairs(p.Val) {
			switch q.Key.Value {
			case "type", "description", "name", "in", "scheme", "bearerFormat", "flows", "openIdConnectUrl":
			case "x-amazon-apigateway-authorizer":
				ext = q.Val
			case "x-amazon-apigateway-authtype":
				authtype = q.Val
			default:
				im.unexpected(q.Key, "security scheme "+name)
			}
		}
		at := ""
		if authtype != nil {
			at, _ = im.str(authtype, "x-amazon-apigateway-authtype")
			at = strings.ToLower(at)
		}
		switch {
		case ext != nil:
			if at == "awssigv4" {
				im.errorf(authtype, "security scheme %s has both x-amazon-apigateway-authorizer and x-amazon-apigateway-authtype awsSigv4", name)
				s.kind = schemeBroken
				continue
			}
			s.kind, s.authorizerID = im.authorizer(name, p.Key, p.Val, ext)
		case at == "awssigv4":
			s.kind = schemeIAM
		case authtype != nil:
			im.warnf(authtype, "x-amazon-apigateway-authtype %q of security scheme %s is not supported for HTTP APIs without x-amazon-apigateway-authorizer", at, name)
		}
	}
}

// authorizer imports one x-amazon-apigateway-authorizer.
func (im *importer) authorizer(name string, key, schemeNode, n *yaml.Node) (schemeKind, string) {
	if !im.mapping(n, "x-amazon-apigateway-authorizer") {
		return schemeBroken, ""
	}
	const res = model.ResourceAuthorizer
	id := im.newID("authorizer", name, 6)
	a := model.Authorizer{AuthorizerID: id, Name: name}
	im.loc(res, id, "", key)
	im.loc(res, id, "name", key)
	typeNode := lookup(n, "type")
	if typeNode == nil {
		im.errorf(n, "x-amazon-apigateway-authorizer of %s has no type; HTTP APIs support jwt and request", name)
		return schemeBroken, ""
	}
	t, _ := im.str(typeNode, "type")
	kind := schemeJWT
	switch strings.ToLower(t) {
	case "jwt":
		a.AuthorizerType = model.AuthorizerJWT
	case "request":
		a.AuthorizerType = model.AuthorizerRequest
		kind = schemeRequest
	default:
		im.errorf(typeNode, "authorizer type %q of %s is not supported for HTTP APIs; use jwt or request", t, name)
		return schemeBroken, ""
	}
	im.loc(res, id, "authorizerType", typeNode)
	for _, p := range pairs(n) {
		k := p.Key.Value
		field := k
		switch k {
		case "type":
			continue
		case "identitySource":
			a.IdentitySource = im.identitySource(p.Val, id)
		case "jwtConfiguration":
			a.JWTConfiguration = im.jwtConfiguration(p.Val, id)
		case "authorizerUri":
			a.AuthorizerURI, _ = im.str(p.Val, k)
		case "authorizerCredentials":
			field = "authorizerCredentialsArn"
			a.AuthorizerCredentialsARN, _ = im.str(p.Val, k)
		case "authorizerPayloadFormatVersion":
			v, ok := versionText(p.Val)
			if !ok {
				im.errorf(p.Val, "authorizerPayloadFormatVersion must be \"1.0\" or \"2.0\"")
				im.bad[locKey{res, id, k}] = true
			}
			a.AuthorizerPayloadFormatVersion = v
		case "authorizerResultTtlInSeconds":
			v, ok := intValue(p.Val)
			if !ok {
				im.errorf(p.Val, "authorizerResultTtlInSeconds must be an integer number of seconds")
				continue
			}
			a.AuthorizerResultTTLInSeconds = &v
		case "enableSimpleResponses":
			b, ok := boolValue(p.Val)
			if !ok {
				im.errorf(p.Val, "enableSimpleResponses must be a boolean")
				continue
			}
			a.EnableSimpleResponses = b
		case "identityValidationExpression":
			a.IdentityValidationExpression, _ = im.str(p.Val, k)
		default:
			im.unexpected(p.Key, "x-amazon-apigateway-authorizer")
			continue
		}
		im.loc(res, id, field, p.Val)
	}
	if kind == schemeJWT {
		im.jwtDefaults(&a, schemeNode)
	} else if a.AuthorizerPayloadFormatVersion == "" && !im.bad[locKey{res, id, "authorizerPayloadFormatVersion"}] {
		a.AuthorizerPayloadFormatVersion = "2.0"
	}
	im.def.Authorizers = append(im.def.Authorizers, a)
	return kind, id
}

// jwtDefaults fills a JWT authorizer's identity source
// ($request.header.Authorization) and, for an openIdConnect scheme without
// an explicit issuer, derives the issuer from openIdConnectUrl.
func (im *importer) jwtDefaults(a *model.Authorizer, schemeNode *yaml.Node) {
	const res = model.ResourceAuthorizer
	if a.IdentitySource == nil && !im.bad[locKey{res, a.AuthorizerID, "identitySource"}] {
		a.IdentitySource = []string{"$request.header.Authorization"}
	}
	if a.JWTConfiguration != nil && a.JWTConfiguration.Issuer != "" {
		return
	}
	urlNode := lookup(schemeNode, "openIdConnectUrl")
	t, _ := scalarText(lookup(schemeNode, "type"))
	if t != "openIdConnect" || urlNode == nil {
		return
	}
	u, ok := im.str(urlNode, "openIdConnectUrl")
	if !ok {
		return
	}
	issuer, ok := strings.CutSuffix(u, openIDSuffix)
	if !ok {
		im.errorf(urlNode, "openIdConnectUrl %q must end with %s for the issuer to be derived from it", u, openIDSuffix)
		im.bad[locKey{res, a.AuthorizerID, "jwtConfiguration.issuer"}] = true
		return
	}
	if a.JWTConfiguration == nil {
		a.JWTConfiguration = &model.JWTConfiguration{}
	}
	a.JWTConfiguration.Issuer = issuer
	im.loc(res, a.AuthorizerID, "jwtConfiguration.issuer", urlNode)
	if im.locs[locKey{res, a.AuthorizerID, "jwtConfiguration"}] == nil {
		im.loc(res, a.AuthorizerID, "jwtConfiguration", urlNode)
	}
}

// identitySource reads a comma-separated string or a list of strings.
func (im *importer) identitySource(n *yaml.Node, id string) []string {
	const res = model.ResourceAuthorizer
	if n.Kind == yaml.SequenceNode {
		l, ok := im.strList(n, "identitySource")
		if !ok {
			im.bad[locKey{res, id, "identitySource"}] = true
		}
		for i, c := range n.Content {
			im.loc(res, id, model.FieldKey("identitySource", itoa(i)), c)
		}
		return l
	}
	s, ok := im.str(n, "identitySource")
	if !ok {
		im.bad[locKey{res, id, "identitySource"}] = true
		return nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func (im *importer) jwtConfiguration(n *yaml.Node, id string) *model.JWTConfiguration {
	const res = model.ResourceAuthorizer
	if !im.mapping(n, "jwtConfiguration") {
		im.bad[locKey{res, id, "jwtConfiguration"}] = true
		return nil
	}
	jc := &model.JWTConfiguration{}
	for _, p := range pairs(n) {
		switch p.Key.Value {
		case "issuer":
			jc.Issuer, _ = im.str(p.Val, "jwtConfiguration.issuer")
			im.loc(res, id, "jwtConfiguration.issuer", p.Val)
		case "audience":
			l, ok := im.strList(p.Val, "jwtConfiguration.audience")
			if !ok {
				im.bad[locKey{res, id, "jwtConfiguration.audience"}] = true
			}
			jc.Audience = l
			im.loc(res, id, "jwtConfiguration.audience", p.Val)
			for i, c := range p.Val.Content {
				im.loc(res, id, model.FieldKey("jwtConfiguration.audience", itoa(i)), c)
			}
		default:
			im.unexpected(p.Key, "jwtConfiguration")
		}
	}
	return jc
}

// security applies an operation's security requirement (or the document's)
// to a route: exactly one requirement naming one scheme; scopes only for
// JWT authorizers.
func (im *importer) security(r *model.Route, n *yaml.Node, auth *yaml.Node) {
	const res = model.ResourceRoute
	if auth != nil {
		im.iamAuth(r, auth)
	}
	if n == nil {
		return
	}
	if n.Kind != yaml.SequenceNode {
		im.errorf(n, "security must be a list of security requirements, not %s", kindName(n))
		return
	}
	if len(n.Content) == 0 {
		return
	}
	if len(n.Content) > 1 {
		im.errorf(n, "route %s has %d security requirements; HTTP API routes support exactly one (IAM, a Lambda authorizer or a JWT authorizer)", r.RouteKey, len(n.Content))
		return
	}
	req := deref(n.Content[0])
	if !im.mapping(req, "security requirement") {
		return
	}
	ps := pairs(req)
	if len(ps) == 0 {
		return
	}
	if len(ps) > 1 {
		im.errorf(req, "the security requirement of route %s names %d schemes; HTTP API routes support exactly one", r.RouteKey, len(ps))
		return
	}
	name, scopesNode := ps[0].Key.Value, ps[0].Val
	s := im.schemes[name]
	if s == nil && name == noneScheme {
		// SAM's encoding of an event's Auth.Authorizer NONE: the route is
		// public (compatibility.md#security-none).
		return
	}
	if s == nil {
		im.errorf(ps[0].Key, "security scheme %q is not defined in components.securitySchemes", name)
		return
	}
	scopes, _ := im.strList(scopesNode, "scopes of "+name)
	if s.kind != schemeJWT && len(scopes) > 0 {
		im.errorf(scopesNode, "route %s: scopes are supported only for JWT authorizers; security scheme %s is not one", r.RouteKey, name)
		return
	}
	if r.AuthorizationType == model.AuthIAM && s.kind != schemeIAM {
		im.errorf(ps[0].Key, "route %s has both x-amazon-apigateway-auth AWS_IAM and security scheme %s; HTTP API routes support exactly one authorization", r.RouteKey, name)
		return
	}
	switch s.kind {
	case schemeJWT:
		r.AuthorizationType = model.AuthJWT
		r.AuthorizerID = s.authorizerID
		if len(scopes) > 0 {
			r.AuthorizationScopes = scopes
		}
	case schemeRequest:
		r.AuthorizationType = model.AuthCustom
		r.AuthorizerID = s.authorizerID
	case schemeIAM:
		r.AuthorizationType = model.AuthIAM
	case schemePlain:
		im.warnf(ps[0].Key, "route %s imported without authorization: security scheme %s has no x-amazon-apigateway-authorizer or x-amazon-apigateway-authtype awsSigv4", r.RouteKey, name)
		return
	case schemeBroken:
		return
	}
	im.loc(res, r.RouteID, "authorizationType", ps[0].Key)
	im.loc(res, r.RouteID, "authorizerId", ps[0].Key)
	im.loc(res, r.RouteID, "authorizationScopes", scopesNode)
	for i, c := range scopesNode.Content {
		im.loc(res, r.RouteID, model.FieldKey("authorizationScopes", itoa(i)), c)
	}
}

// iamAuth applies x-amazon-apigateway-auth {type: AWS_IAM | NONE}.
func (im *importer) iamAuth(r *model.Route, n *yaml.Node) {
	if !im.mapping(n, "x-amazon-apigateway-auth") {
		return
	}
	t := lookup(n, "type")
	for _, p := range pairs(n) {
		if p.Key.Value != "type" {
			im.unexpected(p.Key, "x-amazon-apigateway-auth")
		}
	}
	if t == nil {
		im.errorf(n, "x-amazon-apigateway-auth needs a type (AWS_IAM or NONE)")
		return
	}
	s, _ := im.str(t, "x-amazon-apigateway-auth.type")
	switch strings.ToUpper(s) {
	case "AWS_IAM":
		r.AuthorizationType = model.AuthIAM
		im.loc(model.ResourceRoute, r.RouteID, "authorizationType", t)
	case "NONE":
	default:
		im.errorf(t, "x-amazon-apigateway-auth type %q is not supported for HTTP APIs; use AWS_IAM or NONE", s)
	}
}
