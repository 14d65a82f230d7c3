package openapi

import (
	"errors"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/routekey"
)

// defaultPath is the path key of the $default route.
const defaultPath = "/$default"

// samDefaultPath is the path key the SAM transform writes for an HttpApi
// event without Path and Method. AWS imports it as the $default route with
// a warning (https://github.com/aws/serverless-application-model/issues/2297).
const samDefaultPath = "$default"

// anyMethod is the extension standing for the ANY method.
const anyMethod = "x-amazon-apigateway-any-method"

// paths imports every path item's operations as routes, in document order.
func (im *importer) paths(n *yaml.Node) {
	if !im.mapping(n, "paths") {
		return
	}
	for _, p := range pairs(n) {
		if im.extension(p.Key, "paths") {
			continue
		}
		im.pathItem(p.Key, p.Val)
	}
}

// pathItem imports the operations of one path.
func (im *importer) pathItem(key, item *yaml.Node) {
	path := key.Value
	if isNull(item) {
		return
	}
	if !im.mapping(item, "path item "+path) {
		return
	}
	isDefault := path == defaultPath || path == samDefaultPath
	if path == samDefaultPath {
		im.warnf(key, "Parse issue: attribute paths. Resource %s should start with /", path)
	}
	routePath := im.routePath(path)
	pathOK := true
	if !isDefault {
		if _, err := routekey.Parse("GET " + routePath); err != nil {
			im.routeKeyError(key, err)
			pathOK = false
		}
	}
	for _, p := range pairs(item) {
		k := p.Key.Value
		var method string
		switch k {
		case "get", "put", "post", "delete", "options", "head", "patch":
			method = strings.ToUpper(k)
		case anyMethod:
			method = routekey.MethodAny
		case "trace":
			im.errorf(p.Key, "method TRACE of path %s is not supported by HTTP APIs", path)
			continue
		case "summary", "description", "servers", "parameters":
			continue
		case "$ref":
			im.errorf(p.Key, "path item $ref is not supported; define the operations of %s inline", path)
			continue
		default:
			im.unexpected(p.Key, "path item "+path)
			continue
		}
		if !pathOK {
			continue
		}
		if isDefault {
			if method != routekey.MethodAny {
				im.errorf(p.Key, "%s supports only %s (the $default route), not %s", path, anyMethod, k)
				continue
			}
			im.operation(model.DefaultRouteKey, key, p.Key, p.Val, true)
			continue
		}
		im.operation(method+" "+routePath, key, p.Key, p.Val, false)
	}
}

// routeKeyError reports a path that does not make a valid route key, with
// AWS's message for path problems.
func (im *importer) routeKeyError(at *yaml.Node, err error) {
	var ke *routekey.Error
	reason := err.Error()
	if errors.As(err, &ke) {
		reason = ke.Reason
	}
	if errors.Is(err, routekey.ErrInvalidPath) {
		im.errorf(at, "%s: path %s: %s", routekey.ErrInvalidPath, at.Value, reason)
		return
	}
	im.errorf(at, "invalid route key for path %s: %s", at.Value, reason)
}

// operation imports one operation as the route routeKey.
func (im *importer) operation(routeKey string, pathKey, methodKey, op *yaml.Node, isDefault bool) {
	if isNull(op) {
		op = &yaml.Node{Kind: yaml.MappingNode, Line: op.Line, Column: op.Column}
	}
	if !im.mapping(op, "operation "+routeKey) {
		return
	}
	const res = model.ResourceRoute
	id := im.newID("route", routeKey, 7)
	r := model.Route{RouteID: id, RouteKey: routeKey, AuthorizationType: model.AuthNone}
	im.loc(res, id, "", methodKey)
	im.loc(res, id, "routeKey", pathKey)
	security := im.rootSecurity
	var auth *yaml.Node
	for _, p := range pairs(op) {
		switch p.Key.Value {
		case "operationId":
			s, ok := im.str(p.Val, "operationId")
			if !ok {
				continue
			}
			if s == "" || len([]rune(s)) > 64 {
				im.warnf(p.Val, "operationId of %s not kept as the route's operationName: it must be 1 to 64 characters long", routeKey)
				continue
			}
			r.OperationName = s
			im.loc(res, id, "operationName", p.Val)
		case "security":
			security = p.Val
		case "x-amazon-apigateway-auth":
			auth = p.Val
		case "x-amazon-apigateway-integration":
			if iid := im.operationIntegration(p.Val, routeKey); iid != "" {
				r.Target = "integrations/" + iid
				im.loc(res, id, "target", p.Val)
			}
		case "isDefaultRoute":
			b, ok := boolValue(p.Val)
			switch {
			case !ok:
				im.errorf(p.Val, "isDefaultRoute must be a boolean")
			case b && !isDefault:
				im.warnf(p.Key, "isDefaultRoute ignored on %s: the $default route is the path %s", routeKey, defaultPath)
			}
		case "requestBody":
			im.infof(p.Key, "requestBody of %s ignored: HTTP APIs do not validate request bodies", routeKey)
		case "tags", "summary", "description", "externalDocs", "parameters", "responses", "callbacks", "deprecated", "servers":
		default:
			im.unexpected(p.Key, "operation "+routeKey)
		}
	}
	im.security(&r, security, auth)
	im.def.Routes = append(im.def.Routes, r)
}
