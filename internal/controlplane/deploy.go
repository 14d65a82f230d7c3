package controlplane

import (
	"fmt"
	"strings"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

// AutoDeployDescription is the description of automatic deployments (CLI
// example of get-deployments).
const AutoDeployDescription = "Automatic deployment triggered by changes to the Api configuration"

// change collects what one mutation asks to deploy.
type change struct {
	// redeploy names APIs whose definition changed: each of their autoDeploy
	// stages gets a new automatic deployment.
	redeploy map[string]bool
	// deployed are the deployments created by this change.
	deployed []*deployed
}

// deployed is a deployment created by a change, and the stage it points
// (if any) with the deployment that stage had before.
type deployed struct {
	apiID string
	dep   *store.Deployment
	stage *model.Stage
	prev  string
}

// definitionChanged marks apiID for automatic redeployment.
func (c *change) definitionChanged(apiID string) {
	if c.redeploy == nil {
		c.redeploy = make(map[string]bool)
	}
	c.redeploy[apiID] = true
}

// update runs fn and the deployment steps of the package documentation in
// one store transaction, then installs what was compiled. A store may run
// the transaction function more than once (a clustered store retries it
// when what it read changed meanwhile): each run starts afresh.
func (h *Handler) update(fn func(tx store.Tx, c *change) error) error {
	var install func(bool)
	err := h.store.Update(func(tx store.Tx) error {
		if install != nil {
			install(false)
			install = nil
		}
		changed := &store.Changes{}
		tx = store.Track(tx, changed)
		c := &change{}
		if err := fn(tx, c); err != nil {
			return err
		}
		for apiID := range c.redeploy {
			if err := h.autoDeploy(tx, c, apiID); err != nil {
				return err
			}
		}
		var err error
		install, err = h.prepare(tx, c, changed)
		return err
	})
	if install != nil {
		install(err == nil)
	}
	return err
}

// autoDeploy deploys apiID's current definition to each of its autoDeploy
// stages not already deployed by this change.
func (h *Handler) autoDeploy(tx store.Tx, c *change, apiID string) error {
	stages, err := store.Stages(tx, apiID).List()
	if err != nil {
		return err
	}
	for i := range stages {
		st := &stages[i]
		if !st.AutoDeploy || c.deployedTo(apiID, st.StageName) {
			continue
		}
		if _, err := h.deploy(tx, c, apiID, st, true, AutoDeployDescription); err != nil {
			return err
		}
	}
	return nil
}

func (c *change) deployedTo(apiID, stage string) bool {
	for _, d := range c.deployed {
		if d.apiID == apiID && d.stage != nil && d.stage.StageName == stage {
			return true
		}
	}
	return false
}

// deploy records a deployment of apiID's current definition and, when st is
// not nil, points st at it (and stores st). The deployment is DEPLOYED
// unless prepare finds that it cannot be served.
func (h *Handler) deploy(tx store.Tx, c *change, apiID string, st *model.Stage, auto bool, description string) (*store.Deployment, error) {
	def, err := store.LoadDefinition(tx, apiID)
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
	}
	deps := store.Deployments(tx, apiID)
	id, err := uniqueID(deps, deploymentIDLen)
	if err != nil {
		return nil, err
	}
	def.API.ImportInfo, def.API.Warnings = nil, nil
	d := &store.Deployment{
		Deployment: model.Deployment{
			DeploymentID:     id,
			AutoDeployed:     auto,
			CreatedDate:      h.timestamp(),
			DeploymentStatus: model.DeploymentDeployed,
			Description:      description,
		},
		Definition: def,
	}
	if err := deps.Put(id, d); err != nil {
		return nil, err
	}
	rec := &deployed{apiID: apiID, dep: d}
	if st != nil {
		rec.stage, rec.prev = st, st.DeploymentID
		st.DeploymentID = id
		if st.AutoDeploy {
			st.LastDeploymentStatusMessage = fmt.Sprintf("Successfully deployed stage with deployment ID '%s'", id)
		}
		st.LastUpdatedDate = h.timestamp()
		if err := store.Stages(tx, apiID).Put(st.StageName, st); err != nil {
			return nil, err
		}
	}
	c.deployed = append(c.deployed, rec)
	return d, nil
}

// prepare compiles the transaction's state. When that fails and the change
// created deployments, they are recorded FAILED, their stages go back to
// their previous deployments, and the state is compiled again; a state
// that still does not compile refuses the whole change.
func (h *Handler) prepare(tx store.Tx, c *change, changed *store.Changes) (func(bool), error) {
	if h.deployer == nil || changed.Empty() {
		return nil, nil
	}
	install, err := h.deployer.Prepare(tx, changed)
	if err == nil {
		return install, nil
	}
	if len(c.deployed) == 0 {
		return nil, unservable(err)
	}
	msg := deploymentFailure(err)
	for _, d := range c.deployed {
		d.dep.DeploymentStatus = model.DeploymentFailed
		d.dep.DeploymentStatusMessage = msg
		if err := store.Deployments(tx, d.apiID).Put(d.dep.DeploymentID, d.dep); err != nil {
			return nil, err
		}
		st := d.stage
		if st == nil {
			continue
		}
		st.DeploymentID = d.prev
		if st.AutoDeploy {
			st.LastDeploymentStatusMessage = fmt.Sprintf("Deployment attempt failed for deployment ID '%s': %s", d.dep.DeploymentID, msg)
		}
		if err := store.Stages(tx, d.apiID).Put(st.StageName, st); err != nil {
			return nil, err
		}
	}
	install, err = h.deployer.Prepare(tx, changed)
	if err != nil {
		return nil, unservable(err)
	}
	return install, nil
}

// deploymentFailure is the deploymentStatusMessage of a deployment that
// does not compile: the compiler's problems, one per line joined by "; ".
func deploymentFailure(err error) string {
	return "Unable to deploy: " + strings.ReplaceAll(err.Error(), "\n", "; ")
}

// unservable refuses a change that no deployment could serve.
func unservable(err error) *awserr.Error {
	e := awserr.BadRequest("Unable to apply the change: it cannot be served: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	e.Cause = err
	return e
}
