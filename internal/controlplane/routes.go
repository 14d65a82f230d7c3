package controlplane

import (
	"fmt"
	"net/http"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

// routeOut is the Route as answered, with AWS's defaults.
func routeOut(rt *model.Route) *model.Route {
	out := *rt
	if out.AuthorizationType == "" {
		out.AuthorizationType = model.AuthNone
	}
	return &out
}

func (h *Handler) routeNotFound(id string) *awserr.Error {
	return awserr.NotFound("", "Invalid Route identifier specified %s", id)
}

// createRoute is CreateRoute: POST /v2/apis/{apiId}/routes → 201 Route.
func (h *Handler) createRoute(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	var rt model.Route
	if err := decode(r, &rt); err != nil {
		return err
	}
	rt.RouteID, rt.APIGatewayManaged = "", false
	if rt.AuthorizationType == "" {
		rt.AuthorizationType = model.AuthNone
	}
	if err := rt.Validate(); err != nil {
		return err
	}
	err := h.update(func(tx store.Tx, c *change) error {
		def, err := store.LoadDefinition(tx, apiID)
		if err != nil {
			return notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
		}
		rt.RouteID, err = uniqueID(store.Routes(tx, apiID), routeIDLen)
		if err != nil {
			return err
		}
		def.Routes = append(def.Routes, rt)
		if err := def.Validate(); err != nil {
			return err
		}
		c.definitionChanged(apiID)
		return store.Routes(tx, apiID).Put(rt.RouteID, &rt)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, routeOut(&rt))
}

// getRoutes is GetRoutes: GET /v2/apis/{apiId}/routes → 200 {items,
// nextToken}.
func (h *Handler) getRoutes(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	var items []model.Route
	var next string
	err = h.store.View(func(tx store.Tx) error {
		if _, err := h.loadAPI(tx, apiID); err != nil {
			return err
		}
		items, next, err = store.Routes(tx, apiID).Page(after, limit)
		return err
	})
	if err != nil {
		return err
	}
	for i := range items {
		items[i] = *routeOut(&items[i])
	}
	return writePage(w, items, next)
}

// loadRoute returns a route or the NotFoundException of its API or itself.
func (h *Handler) loadRoute(tx store.Tx, apiID, routeID string) (*model.Route, error) {
	if _, err := h.loadAPI(tx, apiID); err != nil {
		return nil, err
	}
	rt, err := store.Routes(tx, apiID).Get(routeID)
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.routeNotFound(routeID) })
	}
	return rt, nil
}

// getRoute is GetRoute: GET /v2/apis/{apiId}/routes/{routeId} → 200 Route.
func (h *Handler) getRoute(w http.ResponseWriter, r *http.Request) error {
	var rt *model.Route
	err := h.store.View(func(tx store.Tx) error {
		var err error
		rt, err = h.loadRoute(tx, r.PathValue("apiId"), r.PathValue("routeId"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, routeOut(rt))
}

// updateRoute is UpdateRoute: PATCH /v2/apis/{apiId}/routes/{routeId} →
// 200 Route. requestParameters merge by key (WebSocket only).
func (h *Handler) updateRoute(w http.ResponseWriter, r *http.Request) error {
	apiID, routeID := r.PathValue("apiId"), r.PathValue("routeId")
	p, err := members(r)
	if err != nil {
		return err
	}
	var out *model.Route
	err = h.update(func(tx store.Tx, c *change) error {
		def, err := store.LoadDefinition(tx, apiID)
		if err != nil {
			return notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
		}
		i := indexOf(def.Routes, func(rt *model.Route) bool { return rt.RouteID == routeID })
		if i < 0 {
			return h.routeNotFound(routeID)
		}
		rt := &def.Routes[i]
		oldKey := rt.RouteKey
		params := rt.RequestParameters
		if err := patch(rt, p, "routeKey", "target", "authorizationType", "authorizerId", "authorizationScopes",
			"operationName", "apiKeyRequired", "modelSelectionExpression", "requestModels", "routeResponseSelectionExpression"); err != nil {
			return err
		}
		if raw, ok := p["requestParameters"]; ok {
			var add map[string]model.ParameterConstraints
			if err := unmarshal(raw, &add); err != nil {
				return err
			}
			rt.RequestParameters = mergeMap(params, add, nil)
		}
		if rt.APIGatewayManaged && oldKey == model.DefaultRouteKey && rt.RouteKey != oldKey {
			return awserr.BadRequest("The $default route key of a quick-created route can't be changed")
		}
		if rt.AuthorizationType == "" {
			rt.AuthorizationType = model.AuthNone
		}
		if rt.AuthorizationType == model.AuthNone || rt.AuthorizationType == model.AuthIAM {
			// Switching a route to NONE or AWS_IAM drops its authorizer.
			if _, set := p["authorizerId"]; !set {
				rt.AuthorizerID = ""
			}
			if _, set := p["authorizationScopes"]; !set {
				rt.AuthorizationScopes = nil
			}
		}
		if err := rt.Validate(); err != nil {
			return err
		}
		if err := def.Validate(); err != nil {
			return err
		}
		c.definitionChanged(apiID)
		out = rt
		return store.Routes(tx, apiID).Put(routeID, rt)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, routeOut(out))
}

// deleteRoute is DeleteRoute: DELETE /v2/apis/{apiId}/routes/{routeId} →
// 204. A quick-created route cannot be deleted (undocumented by AWS; our choice: docs/compatibility.md#management-api).
func (h *Handler) deleteRoute(w http.ResponseWriter, r *http.Request) error {
	apiID, routeID := r.PathValue("apiId"), r.PathValue("routeId")
	err := h.update(func(tx store.Tx, c *change) error {
		rt, err := h.loadRoute(tx, apiID, routeID)
		if err != nil {
			return err
		}
		if rt.APIGatewayManaged {
			return awserr.BadRequest("Cannot delete route %s: it is managed by API Gateway (quick create)", routeID)
		}
		c.definitionChanged(apiID)
		return store.Routes(tx, apiID).Delete(routeID)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

// deleteRouteRequestParameter is DeleteRouteRequestParameter: DELETE
// /v2/apis/{apiId}/routes/{routeId}/requestparameters/{key} → 204
// (WebSocket only; kept for completeness).
func (h *Handler) deleteRouteRequestParameter(w http.ResponseWriter, r *http.Request) error {
	apiID, routeID, key := r.PathValue("apiId"), r.PathValue("routeId"), r.PathValue("requestParameterKey")
	err := h.update(func(tx store.Tx, c *change) error {
		rt, err := h.loadRoute(tx, apiID, routeID)
		if err != nil {
			return err
		}
		if _, ok := rt.RequestParameters[key]; !ok {
			return awserr.NotFound("", "Invalid request parameter key specified %s", key)
		}
		delete(rt.RequestParameters, key)
		c.definitionChanged(apiID)
		return store.Routes(tx, apiID).Put(routeID, rt)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

// indexOf returns the index of the first element of s for which f is true,
// or -1.
func indexOf[T any](s []T, f func(*T) bool) int {
	for i := range s {
		if f(&s[i]) {
			return i
		}
	}
	return -1
}

// mergeMap returns base with add merged in: keys of add replace those of
// base, and keys for which remove reports true are deleted. This is how
// AWS updates the maps of stageVariables and requestParameters (a value of
// "" removes the key: the Terraform AWS provider relies on it).
func mergeMap[V any](base, add map[string]V, remove func(V) bool) map[string]V {
	out := make(map[string]V, len(base)+len(add))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range add {
		if remove != nil && remove(v) {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// referencedBy returns the first route of def using the integration or
// authorizer id, described for a message, or "".
func referencedBy(routes []model.Route, match func(*model.Route) bool) string {
	for i := range routes {
		if match(&routes[i]) {
			return fmt.Sprintf("route %s (%s)", routes[i].RouteID, routes[i].RouteKey)
		}
	}
	return ""
}
