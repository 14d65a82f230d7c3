package controlplane

import (
	"net/http"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

func (h *Handler) authorizerNotFound(id string) *awserr.Error {
	return awserr.NotFound("", "Invalid Authorizer identifier specified %s", id)
}

// createAuthorizer is CreateAuthorizer: POST /v2/apis/{apiId}/authorizers →
// 201 Authorizer. authorizerResultTtlInSeconds stays unset (no caching)
// when omitted; AWS's default is undocumented by AWS (our choice: docs/compatibility.md#management-api).
func (h *Handler) createAuthorizer(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	var au model.Authorizer
	if err := decode(r, &au); err != nil {
		return err
	}
	au.AuthorizerID = ""
	if err := au.Validate(); err != nil {
		return err
	}
	err := h.update(func(tx store.Tx, c *change) error {
		def, err := store.LoadDefinition(tx, apiID)
		if err != nil {
			return notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
		}
		au.AuthorizerID, err = uniqueID(store.Authorizers(tx, apiID), authorizerIDLen)
		if err != nil {
			return err
		}
		def.Authorizers = append(def.Authorizers, au)
		if err := def.Validate(); err != nil {
			return err
		}
		c.definitionChanged(apiID)
		return store.Authorizers(tx, apiID).Put(au.AuthorizerID, &au)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, &au)
}

// getAuthorizers is GetAuthorizers: GET /v2/apis/{apiId}/authorizers → 200
// {items, nextToken}.
func (h *Handler) getAuthorizers(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	var items []model.Authorizer
	var next string
	err = h.store.View(func(tx store.Tx) error {
		if _, err := h.loadAPI(tx, apiID); err != nil {
			return err
		}
		items, next, err = store.Authorizers(tx, apiID).Page(after, limit)
		return err
	})
	if err != nil {
		return err
	}
	return writePage(w, items, next)
}

// loadAuthorizer returns an authorizer or the NotFoundException of its API
// or itself.
func (h *Handler) loadAuthorizer(tx store.Tx, apiID, id string) (*model.Authorizer, error) {
	if _, err := h.loadAPI(tx, apiID); err != nil {
		return nil, err
	}
	au, err := store.Authorizers(tx, apiID).Get(id)
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.authorizerNotFound(id) })
	}
	return au, nil
}

// getAuthorizer is GetAuthorizer: GET
// /v2/apis/{apiId}/authorizers/{authorizerId} → 200 Authorizer.
func (h *Handler) getAuthorizer(w http.ResponseWriter, r *http.Request) error {
	var au *model.Authorizer
	err := h.store.View(func(tx store.Tx) error {
		var err error
		au, err = h.loadAuthorizer(tx, r.PathValue("apiId"), r.PathValue("authorizerId"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, au)
}

// updateAuthorizer is UpdateAuthorizer: PATCH
// /v2/apis/{apiId}/authorizers/{authorizerId} → 200 Authorizer.
func (h *Handler) updateAuthorizer(w http.ResponseWriter, r *http.Request) error {
	apiID, id := r.PathValue("apiId"), r.PathValue("authorizerId")
	p, err := members(r)
	if err != nil {
		return err
	}
	var out *model.Authorizer
	err = h.update(func(tx store.Tx, c *change) error {
		def, err := store.LoadDefinition(tx, apiID)
		if err != nil {
			return notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
		}
		i := indexOf(def.Authorizers, func(au *model.Authorizer) bool { return au.AuthorizerID == id })
		if i < 0 {
			return h.authorizerNotFound(id)
		}
		au := &def.Authorizers[i]
		if err := patch(au, p, "authorizerCredentialsArn", "authorizerPayloadFormatVersion", "authorizerResultTtlInSeconds",
			"authorizerType", "authorizerUri", "enableSimpleResponses", "identitySource", "identityValidationExpression",
			"jwtConfiguration", "name"); err != nil {
			return err
		}
		if err := au.Validate(); err != nil {
			return err
		}
		if err := def.Validate(); err != nil {
			return err
		}
		c.definitionChanged(apiID)
		out = au
		return store.Authorizers(tx, apiID).Put(id, au)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteAuthorizer is DeleteAuthorizer: DELETE
// /v2/apis/{apiId}/authorizers/{authorizerId} → 204. An authorizer a route
// uses cannot be deleted (BadRequestException; wording undocumented by AWS, our choice: docs/compatibility.md#management-api).
func (h *Handler) deleteAuthorizer(w http.ResponseWriter, r *http.Request) error {
	apiID, id := r.PathValue("apiId"), r.PathValue("authorizerId")
	err := h.update(func(tx store.Tx, c *change) error {
		if _, err := h.loadAuthorizer(tx, apiID, id); err != nil {
			return err
		}
		routes, err := store.Routes(tx, apiID).List()
		if err != nil {
			return err
		}
		if by := referencedBy(routes, func(rt *model.Route) bool { return rt.AuthorizerID == id }); by != "" {
			return awserr.BadRequest("Cannot delete authorizer %s: %s uses it", id, by)
		}
		c.definitionChanged(apiID)
		return store.Authorizers(tx, apiID).Delete(id)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}
