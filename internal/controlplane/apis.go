package controlplane

import (
	"encoding/json"
	"net/http"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

// createAPIInput is CreateApi's body: the Api members plus quick create's
// request-only members (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html).
type createAPIInput struct {
	model.API
	// Target makes a quick create: a Lambda function ARN or an HTTP URL.
	Target string `json:"target"`
	// RouteKey is the quick-created route's key; default $default.
	RouteKey string `json:"routeKey"`
	// CredentialsARN is the quick-created integration's credentials.
	CredentialsARN string `json:"credentialsArn"`
}

// apiOut is the Api as answered: with its endpoint and AWS's defaults.
func (h *Handler) apiOut(a *model.API) *model.API {
	out := *a
	out.APIEndpoint = h.endpoint(a.APIID)
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	if out.RouteSelectionExpression == "" {
		out.RouteSelectionExpression = model.RouteSelectionExpressionHTTP
	}
	if out.APIKeySelectionExpression == "" {
		out.APIKeySelectionExpression = model.APIKeySelectionExpressionDefault
	}
	return &out
}

// normalizeAPI applies the defaults of a new or updated Api.
func normalizeAPI(a *model.API) {
	if a.RouteSelectionExpression == "" || a.RouteSelectionExpression == "${request.method} ${request.path}" {
		a.RouteSelectionExpression = model.RouteSelectionExpressionHTTP
	}
	if a.APIKeySelectionExpression == "" {
		a.APIKeySelectionExpression = model.APIKeySelectionExpressionDefault
	}
	if a.Tags == nil {
		a.Tags = map[string]string{}
	}
}

// createAPI is CreateApi: POST /v2/apis → 201 Api. With target, it is a
// quick create: a managed integration, a managed route and a managed
// auto-deployed $default stage come with the API.
func (h *Handler) createAPI(w http.ResponseWriter, r *http.Request) error {
	var in createAPIInput
	if err := decode(r, &in); err != nil {
		return err
	}
	api := in.API
	api.APIID, api.APIEndpoint, api.APIGatewayManaged = "", "", false
	api.CreatedDate, api.ImportInfo, api.Warnings = h.timestamp(), nil, nil
	normalizeAPI(&api)
	if err := api.Validate(); err != nil {
		return err
	}
	def := &model.Definition{API: api}
	if in.Target == "" && (in.RouteKey != "" || in.CredentialsARN != "") {
		return awserr.BadRequest("routeKey and credentialsArn can only be specified with target (quick create)")
	}
	var out *model.API
	err := h.update(func(tx store.Tx, c *change) error {
		id, err := uniqueID(store.APIs(tx), apiIDLen)
		if err != nil {
			return err
		}
		def.API.APIID = id
		if in.Target != "" {
			if err := h.quickCreate(def, in.Target, in.RouteKey, in.CredentialsARN); err != nil {
				return err
			}
		}
		if err := def.Validate(); err != nil {
			return err
		}
		if err := store.ReplaceDefinition(tx, def); err != nil {
			return err
		}
		if in.Target != "" {
			st := newStage(model.DefaultStageName, h.timestamp())
			st.AutoDeploy, st.APIGatewayManaged = true, true
			if _, err := h.deploy(tx, c, id, st, true, AutoDeployDescription); err != nil {
				return err
			}
		}
		out = &def.API
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, h.apiOut(out))
}

// quickCreate adds the managed integration and route of a quick create to
// def (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html).
func (h *Handler) quickCreate(def *model.Definition, target, routeKey, credentialsARN string) error {
	in := model.Integration{
		IntegrationID:     newID(integrationIDLen),
		ConnectionType:    model.ConnectionInternet,
		TimeoutInMillis:   model.DefaultTimeoutInMillis,
		CredentialsARN:    credentialsARN,
		APIGatewayManaged: true,
	}
	if err := setQuickTarget(&in, target); err != nil {
		return err
	}
	if routeKey == "" {
		routeKey = model.DefaultRouteKey
	}
	rt := model.Route{
		RouteID:           newID(routeIDLen),
		RouteKey:          routeKey,
		Target:            "integrations/" + in.IntegrationID,
		AuthorizationType: model.AuthNone,
		APIGatewayManaged: true,
	}
	def.Integrations = append(def.Integrations, in)
	def.Routes = append(def.Routes, rt)
	return nil
}

// setQuickTarget points a managed integration at target: a Lambda function
// ARN makes an AWS_PROXY integration (POST, payload 2.0); an HTTP URL an
// HTTP_PROXY integration (ANY, payload 1.0; undocumented by AWS, our choice: docs/compatibility.md#management-api, but consistent with
// the CLI examples).
func setQuickTarget(in *model.Integration, target string) error {
	in.IntegrationURI = target
	switch {
	case model.ValidLambdaURI(target):
		in.IntegrationType, in.IntegrationMethod, in.PayloadFormatVersion = model.IntegrationAWSProxy, "POST", "2.0"
	case model.ValidHTTPURI(target):
		in.IntegrationType, in.IntegrationMethod, in.PayloadFormatVersion = model.IntegrationHTTPProxy, "ANY", "1.0"
	default:
		return awserr.BadRequest("Invalid target specified. A target must be a Lambda function ARN or an HTTP URL")
	}
	return nil
}

// getAPIs is GetApis: GET /v2/apis → 200 {items, nextToken}.
func (h *Handler) getAPIs(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	var items []model.API
	var next string
	err = h.store.View(func(tx store.Tx) error {
		var err error
		items, next, err = store.APIs(tx).Page(after, limit)
		return err
	})
	if err != nil {
		return err
	}
	for i := range items {
		items[i] = *h.apiOut(&items[i])
	}
	return writePage(w, items, next)
}

// getAPI is GetApi: GET /v2/apis/{apiId} → 200 Api.
func (h *Handler) getAPI(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	var api *model.API
	err := h.store.View(func(tx store.Tx) error {
		var err error
		api, err = h.loadAPI(tx, apiID)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.apiOut(api))
}

// loadAPI returns an API or its NotFoundException.
func (h *Handler) loadAPI(tx store.Tx, apiID string) (*model.API, error) {
	api, err := store.APIs(tx).Get(apiID)
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
	}
	return api, nil
}

// updateAPI is UpdateApi: PATCH /v2/apis/{apiId} → 200 Api. target,
// routeKey and credentialsArn update a quick-created API's managed
// integration and route.
func (h *Handler) updateAPI(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	p, err := members(r)
	if err != nil {
		return err
	}
	var quick struct {
		Target         *string `json:"target"`
		RouteKey       *string `json:"routeKey"`
		CredentialsARN *string `json:"credentialsArn"`
	}
	if b, err := json.Marshal(p); err == nil {
		if err := unmarshal(b, &quick); err != nil {
			return err
		}
	}
	var out *model.API
	err = h.update(func(tx store.Tx, c *change) error {
		def, err := store.LoadDefinition(tx, apiID)
		if err != nil {
			return notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
		}
		if err := patch(&def.API, p, "name", "routeSelectionExpression", "apiKeySelectionExpression", "corsConfiguration",
			"description", "disableExecuteApiEndpoint", "disableSchemaValidation", "ipAddressType", "version"); err != nil {
			return err
		}
		normalizeAPI(&def.API)
		if err := def.API.Validate(); err != nil {
			return err
		}
		if quick.Target != nil || quick.RouteKey != nil || quick.CredentialsARN != nil {
			if err := updateQuickCreate(def, quick.Target, quick.RouteKey, quick.CredentialsARN); err != nil {
				return err
			}
		}
		if err := def.Validate(); err != nil {
			return err
		}
		if err := store.ReplaceDefinition(tx, def); err != nil {
			return err
		}
		c.definitionChanged(apiID)
		out = &def.API
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.apiOut(out))
}

// updateQuickCreate applies UpdateApi's quick-create members to the
// managed integration and route (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html). An API that was
// not quick-created has neither: BadRequestException (undocumented by AWS; our choice: docs/compatibility.md#management-api).
func updateQuickCreate(def *model.Definition, target, routeKey, credentialsARN *string) error {
	var in *model.Integration
	for i := range def.Integrations {
		if def.Integrations[i].APIGatewayManaged {
			in = &def.Integrations[i]
		}
	}
	if in == nil {
		return awserr.BadRequest("target, routeKey and credentialsArn can only be updated on an API created with quick create")
	}
	if target != nil {
		if *target == "" {
			return awserr.BadRequest("The target of a quick-created API can be changed but not removed")
		}
		if err := setQuickTarget(in, *target); err != nil {
			return err
		}
	}
	if credentialsARN != nil {
		in.CredentialsARN = *credentialsARN
	}
	if routeKey != nil {
		for i := range def.Routes {
			rt := &def.Routes[i]
			if !rt.APIGatewayManaged {
				continue
			}
			if rt.RouteKey == model.DefaultRouteKey && *routeKey != model.DefaultRouteKey {
				return awserr.BadRequest("The $default route key of a quick-created route can't be changed")
			}
			rt.RouteKey = *routeKey
		}
	}
	return nil
}

// deleteAPI is DeleteApi: DELETE /v2/apis/{apiId} → 204. An API that a
// custom domain maps to cannot be deleted (BadRequestException;
// undocumented by AWS, our choice: docs/compatibility.md#management-api).
func (h *Handler) deleteAPI(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	err := h.update(func(tx store.Tx, _ *change) error {
		if _, err := h.loadAPI(tx, apiID); err != nil {
			return err
		}
		if m, err := mappingsTo(tx, apiID, ""); err != nil {
			return err
		} else if len(m) > 0 {
			return awserr.BadRequest("Cannot delete API %s: the custom domain name %s maps to it (API mapping %s); delete the API mapping first", apiID, m[0].domain, m[0].APIMappingID)
		}
		return store.DeleteAPI(tx, apiID)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

// deleteCORSConfiguration is DeleteCorsConfiguration: DELETE
// /v2/apis/{apiId}/cors → 204.
func (h *Handler) deleteCORSConfiguration(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	err := h.update(func(tx store.Tx, c *change) error {
		api, err := h.loadAPI(tx, apiID)
		if err != nil {
			return err
		}
		api.CORSConfiguration = nil
		c.definitionChanged(apiID)
		return store.APIs(tx).Put(apiID, api)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}
