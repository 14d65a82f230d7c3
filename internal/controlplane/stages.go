package controlplane

import (
	"net/http"
	"time"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

func (h *Handler) stageNotFound(name string) *awserr.Error {
	return awserr.NotFound("", "Invalid stage identifier specified %s", name)
}

// newStage is a stage with AWS's defaults (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html).
func newStage(name string, now *time.Time) *model.Stage {
	return &model.Stage{
		StageName:            name,
		DefaultRouteSettings: &model.RouteSettings{DetailedMetricsEnabled: ptr(false)},
		RouteSettings:        map[string]model.RouteSettings{},
		StageVariables:       map[string]string{},
		Tags:                 map[string]string{},
		CreatedDate:          now,
		LastUpdatedDate:      now,
	}
}

// normalizeStage fills the defaults a request left out.
func normalizeStage(st *model.Stage) {
	if st.DefaultRouteSettings == nil {
		st.DefaultRouteSettings = &model.RouteSettings{}
	}
	if st.DefaultRouteSettings.DetailedMetricsEnabled == nil {
		st.DefaultRouteSettings.DetailedMetricsEnabled = ptr(false)
	}
	if st.RouteSettings == nil {
		st.RouteSettings = map[string]model.RouteSettings{}
	}
	if st.StageVariables == nil {
		st.StageVariables = map[string]string{}
	}
	if st.Tags == nil {
		st.Tags = map[string]string{}
	}
}

// checkStageDeployment checks what a stage's deploymentId may name: not
// while autoDeploy is on; only an existing deployment that did not fail.
func checkStageDeployment(tx store.Tx, apiID string, st *model.Stage, set bool) error {
	if !set || st.DeploymentID == "" {
		return nil
	}
	if st.AutoDeploy {
		return awserr.BadRequest("deploymentId cannot be set on a stage with autoDeploy enabled")
	}
	d, err := store.Deployments(tx, apiID).Get(st.DeploymentID)
	if err != nil {
		return notFound(err, func() *awserr.Error {
			return awserr.BadRequest("Invalid deployment identifier specified %s", st.DeploymentID)
		})
	}
	if d.DeploymentStatus == model.DeploymentFailed || d.Definition == nil {
		return awserr.BadRequest("Deployment %s failed and cannot be served: %s", st.DeploymentID, d.DeploymentStatusMessage)
	}
	return nil
}

// createStage is CreateStage: POST /v2/apis/{apiId}/stages → 201 Stage. A
// stage created with autoDeploy is deployed at once.
func (h *Handler) createStage(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	var st model.Stage
	if err := decode(r, &st); err != nil {
		return err
	}
	st.APIGatewayManaged, st.LastDeploymentStatusMessage = false, ""
	st.CreatedDate = h.timestamp()
	st.LastUpdatedDate = st.CreatedDate
	normalizeStage(&st)
	if err := st.Validate(); err != nil {
		return err
	}
	err := h.update(func(tx store.Tx, c *change) error {
		if _, err := h.loadAPI(tx, apiID); err != nil {
			return err
		}
		stages := store.Stages(tx, apiID)
		if ok, err := stages.Has(st.StageName); err != nil {
			return err
		} else if ok {
			return awserr.Conflict("Stage already exists")
		}
		if n, err := stages.Count(); err != nil {
			return err
		} else if n >= model.MaxStagesPerAPI {
			return awserr.BadRequest("An HTTP API can have at most %d stages", model.MaxStagesPerAPI)
		}
		if err := checkStageDeployment(tx, apiID, &st, true); err != nil {
			return err
		}
		if st.AutoDeploy {
			_, err := h.deploy(tx, c, apiID, &st, true, AutoDeployDescription)
			return err
		}
		return stages.Put(st.StageName, &st)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, &st)
}

// getStages is GetStages: GET /v2/apis/{apiId}/stages → 200 {items,
// nextToken}.
func (h *Handler) getStages(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	var items []model.Stage
	var next string
	err = h.store.View(func(tx store.Tx) error {
		if _, err := h.loadAPI(tx, apiID); err != nil {
			return err
		}
		items, next, err = store.Stages(tx, apiID).Page(after, limit)
		return err
	})
	if err != nil {
		return err
	}
	return writePage(w, items, next)
}

// loadStage returns a stage or the NotFoundException of its API or itself.
func (h *Handler) loadStage(tx store.Tx, apiID, name string) (*model.Stage, error) {
	if _, err := h.loadAPI(tx, apiID); err != nil {
		return nil, err
	}
	st, err := store.Stages(tx, apiID).Get(name)
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.stageNotFound(name) })
	}
	return st, nil
}

// getStage is GetStage: GET /v2/apis/{apiId}/stages/{stageName} → 200
// Stage.
func (h *Handler) getStage(w http.ResponseWriter, r *http.Request) error {
	var st *model.Stage
	err := h.store.View(func(tx store.Tx) error {
		var err error
		st, err = h.loadStage(tx, r.PathValue("apiId"), r.PathValue("stageName"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

// modifiable refuses changes to the managed $default stage of a quick
// create ("You can't modify the $default stage", model doc of
// Stage.apiGatewayManaged).
func modifiable(st *model.Stage) error {
	if st.APIGatewayManaged {
		return awserr.BadRequest("Stage %s is managed by API Gateway (quick create) and can't be modified", st.StageName)
	}
	return nil
}

// updateStage is UpdateStage: PATCH /v2/apis/{apiId}/stages/{stageName} →
// 200 Stage. stageVariables merge by name, "" removing one; routeSettings
// merge by route key (DeleteRouteSettings removes one). Turning autoDeploy
// on deploys at once.
func (h *Handler) updateStage(w http.ResponseWriter, r *http.Request) error {
	apiID, name := r.PathValue("apiId"), r.PathValue("stageName")
	p, err := members(r)
	if err != nil {
		return err
	}
	var out *model.Stage
	err = h.update(func(tx store.Tx, c *change) error {
		st, err := h.loadStage(tx, apiID, name)
		if err != nil {
			return err
		}
		if err := modifiable(st); err != nil {
			return err
		}
		wasAuto := st.AutoDeploy
		vars, settings := st.StageVariables, st.RouteSettings
		if err := patch(st, p, "accessLogSettings", "autoDeploy", "clientCertificateId", "defaultRouteSettings",
			"deploymentId", "description"); err != nil {
			return err
		}
		if raw, ok := p["stageVariables"]; ok {
			var add map[string]string
			if err := unmarshal(raw, &add); err != nil {
				return err
			}
			st.StageVariables = mergeMap(vars, add, func(v string) bool { return v == "" })
		}
		if raw, ok := p["routeSettings"]; ok {
			var add map[string]model.RouteSettings
			if err := unmarshal(raw, &add); err != nil {
				return err
			}
			st.RouteSettings = mergeMap(settings, add, nil)
		}
		st.StageName = name
		st.LastUpdatedDate = h.timestamp()
		normalizeStage(st)
		if err := st.Validate(); err != nil {
			return err
		}
		_, setDeployment := p["deploymentId"]
		if err := checkStageDeployment(tx, apiID, st, setDeployment); err != nil {
			return err
		}
		out = st
		if st.AutoDeploy && !wasAuto {
			_, err := h.deploy(tx, c, apiID, st, true, AutoDeployDescription)
			return err
		}
		return store.Stages(tx, apiID).Put(name, st)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteStage is DeleteStage: DELETE /v2/apis/{apiId}/stages/{stageName} →
// 204. A stage an API mapping names cannot be deleted (BadRequestException;
// undocumented by AWS, our choice: docs/compatibility.md#management-api).
func (h *Handler) deleteStage(w http.ResponseWriter, r *http.Request) error {
	apiID, name := r.PathValue("apiId"), r.PathValue("stageName")
	err := h.update(func(tx store.Tx, _ *change) error {
		st, err := h.loadStage(tx, apiID, name)
		if err != nil {
			return err
		}
		if err := modifiable(st); err != nil {
			return err
		}
		if m, err := mappingsTo(tx, apiID, name); err != nil {
			return err
		} else if len(m) > 0 {
			return awserr.BadRequest("Cannot delete stage %s: the custom domain name %s maps to it (API mapping %s); delete the API mapping first", name, m[0].domain, m[0].APIMappingID)
		}
		return store.Stages(tx, apiID).Delete(name)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

// editStage runs fn on a stage and stores the result.
func (h *Handler) editStage(r *http.Request, fn func(st *model.Stage) error) error {
	apiID, name := r.PathValue("apiId"), r.PathValue("stageName")
	return h.update(func(tx store.Tx, _ *change) error {
		st, err := h.loadStage(tx, apiID, name)
		if err != nil {
			return err
		}
		if err := modifiable(st); err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
		st.LastUpdatedDate = h.timestamp()
		return store.Stages(tx, apiID).Put(name, st)
	})
}

// deleteAccessLogSettings is DeleteAccessLogSettings: DELETE
// /v2/apis/{apiId}/stages/{stageName}/accesslogsettings → 204.
func (h *Handler) deleteAccessLogSettings(w http.ResponseWriter, r *http.Request) error {
	err := h.editStage(r, func(st *model.Stage) error {
		st.AccessLogSettings = nil
		return nil
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

// deleteRouteSettings is DeleteRouteSettings: DELETE
// /v2/apis/{apiId}/stages/{stageName}/routesettings/{routeKey} → 204; a
// route key without settings is NotFoundException (undocumented by AWS; our choice: docs/compatibility.md#management-api).
func (h *Handler) deleteRouteSettings(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("routeKey")
	err := h.editStage(r, func(st *model.Stage) error {
		if _, ok := st.RouteSettings[key]; !ok {
			return awserr.NotFound("", "Invalid route key specified: no route settings for %s", key)
		}
		delete(st.RouteSettings, key)
		return nil
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

// resetAuthorizersCache is ResetAuthorizersCache: DELETE
// /v2/apis/{apiId}/stages/{stageName}/cache/authorizers → 204. It calls
// Options.ResetAuthorizersCache.
func (h *Handler) resetAuthorizersCache(w http.ResponseWriter, r *http.Request) error {
	apiID, name := r.PathValue("apiId"), r.PathValue("stageName")
	err := h.store.View(func(tx store.Tx) error {
		_, err := h.loadStage(tx, apiID, name)
		return err
	})
	if err != nil {
		return err
	}
	if h.resetAuth != nil {
		h.resetAuth(apiID, name)
	}
	return noContent(w)
}
