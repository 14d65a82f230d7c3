package controlplane

import (
	"net/http"
	"strings"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

func (h *Handler) integrationNotFound(id string) *awserr.Error {
	return awserr.NotFound("", "Invalid Integration identifier specified %s", id)
}

// normalizeIntegration applies AWS's defaults (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html):
// connectionType INTERNET, timeoutInMillis 30000, integrationMethod POST
// for Lambda, payloadFormatVersion 1.0 for HTTP proxy and AWS service
// integrations. An empty tlsConfig (the Terraform provider sends {} to
// clear it) is no tlsConfig.
func normalizeIntegration(in *model.Integration) {
	if in.ConnectionType == "" {
		in.ConnectionType = model.ConnectionInternet
	}
	if in.TimeoutInMillis == 0 {
		in.TimeoutInMillis = model.DefaultTimeoutInMillis
	}
	if in.TLSConfig != nil && in.TLSConfig.ServerNameToVerify == "" {
		in.TLSConfig = nil
	}
	in.IntegrationType = strings.ToUpper(in.IntegrationType)
	switch {
	case in.IntegrationType == model.IntegrationAWSProxy && in.IntegrationSubtype == "":
		if in.IntegrationMethod == "" {
			in.IntegrationMethod = "POST"
		}
	case in.PayloadFormatVersion == "":
		in.PayloadFormatVersion = "1.0"
	}
}

// createIntegration is CreateIntegration: POST /v2/apis/{apiId}/integrations
// → 201 Integration.
func (h *Handler) createIntegration(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	var in model.Integration
	if err := decode(r, &in); err != nil {
		return err
	}
	in.IntegrationID, in.APIGatewayManaged, in.IntegrationResponseSelectionExpression = "", false, ""
	normalizeIntegration(&in)
	if err := in.Validate(); err != nil {
		return err
	}
	err := h.update(func(tx store.Tx, c *change) error {
		def, err := store.LoadDefinition(tx, apiID)
		if err != nil {
			return notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
		}
		in.IntegrationID, err = uniqueID(store.Integrations(tx, apiID), integrationIDLen)
		if err != nil {
			return err
		}
		def.Integrations = append(def.Integrations, in)
		if err := def.Validate(); err != nil {
			return err
		}
		if err := h.checkVpcLink(tx, &in); err != nil {
			return err
		}
		c.definitionChanged(apiID)
		return store.Integrations(tx, apiID).Put(in.IntegrationID, &in)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, &in)
}

// checkVpcLink checks that a private integration names an existing VPC
// link.
func (h *Handler) checkVpcLink(tx store.Tx, in *model.Integration) error {
	if in.ConnectionType != model.ConnectionVPCLink {
		return nil
	}
	ok, err := store.VpcLinks(tx).Has(in.ConnectionID)
	if err != nil {
		return err
	}
	if !ok {
		return awserr.BadRequest("Invalid VpcLink identifier specified %s", in.ConnectionID)
	}
	return nil
}

// getIntegrations is GetIntegrations: GET /v2/apis/{apiId}/integrations →
// 200 {items, nextToken}.
func (h *Handler) getIntegrations(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	var items []model.Integration
	var next string
	err = h.store.View(func(tx store.Tx) error {
		if _, err := h.loadAPI(tx, apiID); err != nil {
			return err
		}
		items, next, err = store.Integrations(tx, apiID).Page(after, limit)
		return err
	})
	if err != nil {
		return err
	}
	return writePage(w, items, next)
}

// loadIntegration returns an integration or the NotFoundException of its
// API or itself.
func (h *Handler) loadIntegration(tx store.Tx, apiID, id string) (*model.Integration, error) {
	if _, err := h.loadAPI(tx, apiID); err != nil {
		return nil, err
	}
	in, err := store.Integrations(tx, apiID).Get(id)
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.integrationNotFound(id) })
	}
	return in, nil
}

// getIntegration is GetIntegration: GET
// /v2/apis/{apiId}/integrations/{integrationId} → 200 Integration.
func (h *Handler) getIntegration(w http.ResponseWriter, r *http.Request) error {
	var in *model.Integration
	err := h.store.View(func(tx store.Tx) error {
		var err error
		in, err = h.loadIntegration(tx, r.PathValue("apiId"), r.PathValue("integrationId"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, in)
}

// updateIntegration is UpdateIntegration: PATCH
// /v2/apis/{apiId}/integrations/{integrationId} → 200 Integration.
// requestParameters merge by key, "" removing one; responseParameters
// merge by status code, an empty map removing one (the Terraform AWS
// provider relies on both; undocumented by AWS beyond that, our choice: docs/compatibility.md#management-api).
func (h *Handler) updateIntegration(w http.ResponseWriter, r *http.Request) error {
	apiID, id := r.PathValue("apiId"), r.PathValue("integrationId")
	p, err := members(r)
	if err != nil {
		return err
	}
	var out *model.Integration
	err = h.update(func(tx store.Tx, c *change) error {
		def, err := store.LoadDefinition(tx, apiID)
		if err != nil {
			return notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
		}
		i := indexOf(def.Integrations, func(in *model.Integration) bool { return in.IntegrationID == id })
		if i < 0 {
			return h.integrationNotFound(id)
		}
		in := &def.Integrations[i]
		reqParams, respParams := in.RequestParameters, in.ResponseParameters
		if err := patch(in, p, "connectionId", "connectionType", "contentHandlingStrategy", "credentialsArn", "description",
			"integrationMethod", "integrationSubtype", "integrationType", "integrationUri", "passthroughBehavior",
			"payloadFormatVersion", "requestTemplates", "templateSelectionExpression", "timeoutInMillis", "tlsConfig"); err != nil {
			return err
		}
		if raw, ok := p["requestParameters"]; ok {
			var add map[string]string
			if err := unmarshal(raw, &add); err != nil {
				return err
			}
			in.RequestParameters = mergeMap(reqParams, add, func(v string) bool { return v == "" })
		}
		if raw, ok := p["responseParameters"]; ok {
			var add map[string]map[string]string
			if err := unmarshal(raw, &add); err != nil {
				return err
			}
			in.ResponseParameters = mergeMap(respParams, add, func(v map[string]string) bool { return len(v) == 0 })
		}
		normalizeIntegration(in)
		if err := in.Validate(); err != nil {
			return err
		}
		if err := def.Validate(); err != nil {
			return err
		}
		if err := h.checkVpcLink(tx, in); err != nil {
			return err
		}
		c.definitionChanged(apiID)
		out = in
		return store.Integrations(tx, apiID).Put(id, in)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteIntegration is DeleteIntegration: DELETE
// /v2/apis/{apiId}/integrations/{integrationId} → 204. An integration a
// route targets, or a quick-created one, cannot be deleted
// (BadRequestException; wording undocumented by AWS, our choice: docs/compatibility.md#management-api).
func (h *Handler) deleteIntegration(w http.ResponseWriter, r *http.Request) error {
	apiID, id := r.PathValue("apiId"), r.PathValue("integrationId")
	err := h.update(func(tx store.Tx, c *change) error {
		in, err := h.loadIntegration(tx, apiID, id)
		if err != nil {
			return err
		}
		if in.APIGatewayManaged {
			return awserr.BadRequest("Cannot delete integration %s: it is managed by API Gateway (quick create)", id)
		}
		routes, err := store.Routes(tx, apiID).List()
		if err != nil {
			return err
		}
		if by := referencedBy(routes, func(rt *model.Route) bool { return rt.Target == "integrations/"+id }); by != "" {
			return awserr.BadRequest("Cannot delete integration %s: %s targets it", id, by)
		}
		c.definitionChanged(apiID)
		return store.Integrations(tx, apiID).Delete(id)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}
