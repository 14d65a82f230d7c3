package deploy

import (
	"errors"
	"fmt"
	"time"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/controlplane"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

// SyncConfig re-imports the config file's APIs (in, as imported by the
// caller) into the store with their fixed ids, replacing what the store had
// under those ids (each stage gets a deployment of the imported
// definition, so it serves exactly what it served before the store
// existed), removes APIs that came from the config file but are no longer
// in it, and records the config file's VPC links.
//
// All of it is one transaction (one commit, one fsync, however many APIs
// the file declares), in which d, when not nil, compiles the APIs it
// changed: an API of the file that does not compile fails the
// transaction, and SyncConfig returns the compile error with nothing
// stored or served. If the transaction fails for another reason, each API
// is retried in a transaction of its own, so that one that fails is logged
// and the others go on; the caller then loads the store (Deployer.Load).
func SyncConfig(st store.Store, cfg *config.Config, in *compile.Input, d *Deployer, logError func(string)) error {
	declared := make(map[string]bool, len(in.APIs))
	for i := range in.APIs {
		declared[in.APIs[i].Definition.API.APIID] = true
	}
	var notes []string
	var install func(bool)
	var compileErr error
	err := st.Update(func(tx store.Tx) error {
		if install != nil {
			install(false)
			install = nil
		}
		notes, compileErr = notes[:0], nil
		changed := &store.Changes{}
		tx = store.Track(tx, changed)
		for i := range in.APIs {
			note, err := syncConfigAPI(tx, &in.APIs[i])
			if err != nil {
				return err
			}
			if note != "" {
				notes = append(notes, note)
			}
		}
		if err := syncConfigRest(tx, cfg, declared); err != nil {
			return err
		}
		if d == nil || changed.Empty() {
			return nil
		}
		install, compileErr = d.Prepare(tx, changed)
		return compileErr
	})
	if install != nil {
		install(err == nil)
	}
	if err == nil {
		for _, n := range notes {
			logError(n)
		}
		return nil
	}
	if compileErr != nil {
		return fmt.Errorf("compiling APIs: %w", compileErr)
	}
	for i := range in.APIs {
		id := in.APIs[i].Definition.API.APIID
		var note string
		err := st.Update(func(tx store.Tx) (err error) {
			note, err = syncConfigAPI(tx, &in.APIs[i])
			return err
		})
		if note != "" {
			logError(note)
		}
		if err != nil {
			logError(fmt.Sprintf("api %s: storing the config file's API: %v", id, err))
		}
	}
	if err := st.Update(func(tx store.Tx) error { return syncConfigRest(tx, cfg, declared) }); err != nil {
		logError(fmt.Sprintf("syncing the config file into the store: %v", err))
	}
	return nil
}

// syncConfigAPI replaces the store's API a.Definition.API.APIID with a. The
// note, if any, is an error to log once the change is committed: the API
// replaces one created through the management API.
func syncConfigAPI(tx store.Tx, a *compile.API) (note string, err error) {
	id := a.Definition.API.APIID
	if m, err := store.APIMetas(tx).Get(id); errors.Is(err, store.ErrNotFound) {
		if ok, _ := store.APIs(tx).Has(id); ok {
			note = fmt.Sprintf("api %s: the config file's API replaces the API of the same id created through the management API", id)
		}
	} else if err == nil && !m.FromConfig {
		note = fmt.Sprintf("api %s: the config file's API replaces the API of the same id created through the management API", id)
	}
	return note, putConfigAPI(tx, a)
}

// syncConfigRest removes the APIs that came from the config file but are
// not declared in it any more, and records the config file's VPC links.
func syncConfigRest(tx store.Tx, cfg *config.Config, declared map[string]bool) error {
	apis, err := store.APIs(tx).List()
	if err != nil {
		return err
	}
	for _, a := range apis {
		m, err := store.APIMetas(tx).Get(a.APIID)
		if err != nil || !m.FromConfig || declared[a.APIID] {
			continue
		}
		if err := store.DeleteAPI(tx, a.APIID); err != nil {
			return fmt.Errorf("removing api %s, no longer in the config file: %w", a.APIID, err)
		}
	}
	for _, v := range cfg.VpcLinks {
		link := model.VpcLink{
			VpcLinkID: v.ID, Name: v.Name, SubnetIDs: []string{}, SecurityGroupIDs: []string{}, Tags: map[string]string{},
			VpcLinkStatus: model.VpcLinkAvailable, VpcLinkStatusMessage: "VPC link is ready to route traffic", VpcLinkVersion: "V2",
		}
		if link.Name == "" {
			link.Name = v.ID
		}
		if err := store.VpcLinks(tx).Put(v.ID, &link); err != nil {
			return err
		}
	}
	return nil
}

// putConfigAPI replaces the store's API a.Definition.API.APIID with a.
func putConfigAPI(tx store.Tx, a *compile.API) error {
	def := *a.Definition
	id := def.API.APIID
	now := nowUTC()
	if old, err := store.APIs(tx).Get(id); err == nil {
		def.API.CreatedDate = old.CreatedDate
		if err := store.DeleteAPI(tx, id); err != nil {
			return err
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if def.API.CreatedDate == nil {
		def.API.CreatedDate = now
	}
	if def.API.RouteSelectionExpression == "" {
		def.API.RouteSelectionExpression = model.RouteSelectionExpressionHTTP
	}
	if def.API.APIKeySelectionExpression == "" {
		def.API.APIKeySelectionExpression = model.APIKeySelectionExpressionDefault
	}
	if def.API.Tags == nil {
		def.API.Tags = map[string]string{}
	}
	if err := store.ReplaceDefinition(tx, &def); err != nil {
		return err
	}
	if err := store.APIMetas(tx).Put(id, &store.APIMeta{FromConfig: true, Default: a.Default}); err != nil {
		return err
	}
	for i, s := range a.Stages {
		stage := s.Stage
		stage.CreatedDate, stage.LastUpdatedDate = now, now
		depID := fmt.Sprintf("cfg%03d", i)
		desc := "Deployed from the config file at start"
		if stage.AutoDeploy {
			desc = controlplane.AutoDeployDescription
			stage.LastDeploymentStatusMessage = fmt.Sprintf("Successfully deployed stage with deployment ID '%s'", depID)
		}
		dep := store.Deployment{
			Deployment: model.Deployment{
				DeploymentID: depID, AutoDeployed: stage.AutoDeploy, CreatedDate: now,
				DeploymentStatus: model.DeploymentDeployed, Description: desc,
			},
			Definition: &def,
		}
		if err := store.Deployments(tx, id).Put(depID, &dep); err != nil {
			return err
		}
		stage.DeploymentID = depID
		if err := store.Stages(tx, id).Put(stage.StageName, &stage); err != nil {
			return err
		}
	}
	return nil
}

// nowUTC is the current time as AWS reports it: UTC, whole seconds.
func nowUTC() *time.Time {
	t := time.Now().UTC().Truncate(time.Second)
	return &t
}
