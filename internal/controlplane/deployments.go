package controlplane

import (
	"net/http"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

func (h *Handler) deploymentNotFound(id string) *awserr.Error {
	return awserr.NotFound("", "Invalid Deployment identifier specified %s", id)
}

// createDeploymentInput is CreateDeployment's body.
type createDeploymentInput struct {
	// StageName, when set, points that stage at the new deployment.
	StageName string `json:"stageName"`
	// Description is free text.
	Description string `json:"description"`
}

// createDeployment is CreateDeployment: POST /v2/apis/{apiId}/deployments
// → 201 Deployment. The deployment captures the API's current definition;
// with stageName, that stage serves it from now on. A definition that
// cannot be served gives a FAILED deployment (with the reason in
// deploymentStatusMessage) and the stage keeps its previous deployment.
// A stage with autoDeploy cannot be deployed by hand (BadRequestException;
// undocumented by AWS, our choice: docs/compatibility.md#management-api).
func (h *Handler) createDeployment(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	var in createDeploymentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.Description) > model.MaxDescriptionLen {
		return awserr.BadRequest("description must be between 0 and %d characters long", model.MaxDescriptionLen)
	}
	var d *store.Deployment
	err := h.update(func(tx store.Tx, c *change) error {
		if _, err := h.loadAPI(tx, apiID); err != nil {
			return err
		}
		var st *model.Stage
		if in.StageName != "" {
			var err error
			if st, err = h.loadStage(tx, apiID, in.StageName); err != nil {
				return err
			}
			if st.AutoDeploy {
				return awserr.BadRequest("Stage %s has autoDeploy enabled: it is deployed automatically on every change", in.StageName)
			}
		}
		var err error
		d, err = h.deploy(tx, c, apiID, st, false, in.Description)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, &d.Deployment)
}

// getDeployments is GetDeployments: GET /v2/apis/{apiId}/deployments → 200
// {items, nextToken}.
func (h *Handler) getDeployments(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	var items []store.Deployment
	var next string
	err = h.store.View(func(tx store.Tx) error {
		if _, err := h.loadAPI(tx, apiID); err != nil {
			return err
		}
		items, next, err = store.Deployments(tx, apiID).Page(after, limit)
		return err
	})
	if err != nil {
		return err
	}
	out := make([]model.Deployment, len(items))
	for i := range items {
		out[i] = items[i].Deployment
	}
	return writePage(w, out, next)
}

// loadDeployment returns a deployment or the NotFoundException of its API
// or itself.
func (h *Handler) loadDeployment(tx store.Tx, apiID, id string) (*store.Deployment, error) {
	if _, err := h.loadAPI(tx, apiID); err != nil {
		return nil, err
	}
	d, err := store.Deployments(tx, apiID).Get(id)
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.deploymentNotFound(id) })
	}
	return d, nil
}

// getDeployment is GetDeployment: GET
// /v2/apis/{apiId}/deployments/{deploymentId} → 200 Deployment.
func (h *Handler) getDeployment(w http.ResponseWriter, r *http.Request) error {
	var d *store.Deployment
	err := h.store.View(func(tx store.Tx) error {
		var err error
		d, err = h.loadDeployment(tx, r.PathValue("apiId"), r.PathValue("deploymentId"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, &d.Deployment)
}

// updateDeployment is UpdateDeployment: PATCH
// /v2/apis/{apiId}/deployments/{deploymentId} → 200 Deployment; only the
// description changes.
func (h *Handler) updateDeployment(w http.ResponseWriter, r *http.Request) error {
	apiID, id := r.PathValue("apiId"), r.PathValue("deploymentId")
	var in struct {
		Description *string `json:"description"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Description != nil && len(*in.Description) > model.MaxDescriptionLen {
		return awserr.BadRequest("description must be between 0 and %d characters long", model.MaxDescriptionLen)
	}
	var d *store.Deployment
	err := h.update(func(tx store.Tx, _ *change) error {
		var err error
		if d, err = h.loadDeployment(tx, apiID, id); err != nil {
			return err
		}
		if in.Description != nil {
			d.Description = *in.Description
		}
		return store.Deployments(tx, apiID).Put(id, d)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, &d.Deployment)
}

// deleteDeployment is DeleteDeployment: DELETE
// /v2/apis/{apiId}/deployments/{deploymentId} → 204. A deployment a stage
// serves cannot be deleted (BadRequestException, AWS's wording for REST
// APIs).
func (h *Handler) deleteDeployment(w http.ResponseWriter, r *http.Request) error {
	apiID, id := r.PathValue("apiId"), r.PathValue("deploymentId")
	err := h.update(func(tx store.Tx, _ *change) error {
		if _, err := h.loadDeployment(tx, apiID, id); err != nil {
			return err
		}
		stages, err := store.Stages(tx, apiID).List()
		if err != nil {
			return err
		}
		for _, st := range stages {
			if st.DeploymentID == id {
				return awserr.BadRequest("Active stages pointing to this deployment must be moved or deleted")
			}
		}
		return store.Deployments(tx, apiID).Delete(id)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}
