package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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
func SyncConfig(st store.Store, cfg *config.Config, in *compile.Input, d *Deployer, logError func(string), opts ...SyncOption) error {
	var o syncOptions
	for _, f := range opts {
		f(&o)
	}
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
			note, err := syncConfigAPI(tx, &in.APIs[i], o)
			if err != nil {
				return err
			}
			if note != "" {
				notes = append(notes, note)
			}
		}
		if err := syncConfigRest(tx, cfg, declared, o); err != nil {
			return err
		}
		if err := syncConfigDomains(tx, in.Domains); err != nil {
			return err
		}
		if o.onlyChanged && changed.Writes == 0 {
			return errNothingToWrite
		}
		if d == nil || changed.Empty() {
			return nil
		}
		install, compileErr = d.Prepare(tx, changed)
		return compileErr
	})
	if errors.Is(err, errNothingToWrite) {
		err = nil
	}
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
			note, err = syncConfigAPI(tx, &in.APIs[i], o)
			return err
		})
		if note != "" {
			logError(note)
		}
		if err != nil {
			logError(fmt.Sprintf("api %s: storing the config file's API: %v", id, err))
		}
	}
	if err := st.Update(func(tx store.Tx) error {
		if err := syncConfigRest(tx, cfg, declared, o); err != nil {
			return err
		}
		return syncConfigDomains(tx, in.Domains)
	}); err != nil {
		logError(fmt.Sprintf("syncing the config file into the store: %v", err))
	}
	return nil
}

// syncConfigAPI replaces the store's API a.Definition.API.APIID with a. The
// note, if any, is an error to log once the change is committed: the API
// replaces one created through the management API.
func syncConfigAPI(tx store.Tx, a *compile.API, o syncOptions) (note string, err error) {
	id := a.Definition.API.APIID
	m, merr := store.APIMetas(tx).Get(id)
	if o.onlyChanged && merr == nil && m.FromConfig {
		same, err := storedAsDeclared(tx, a, m)
		if err != nil || same {
			return "", err
		}
		note = fmt.Sprintf("api %s: this node's config file declares it otherwise than the store holds it; replacing it (the last node to start wins)", id)
		return note, putConfigAPI(tx, a)
	}
	if m, err := m, merr; errors.Is(err, store.ErrNotFound) {
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
func syncConfigRest(tx store.Tx, cfg *config.Config, declared map[string]bool, o syncOptions) error {
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
		if o.onlyChanged {
			if old, err := store.VpcLinks(tx).Get(v.ID); err == nil && sameJSON(old, &link) {
				continue
			}
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

// errNothingToWrite rolls back a sync that wrote nothing, so that the
// revision does not change.
var errNothingToWrite = errors.New("nothing to write")

// SyncOption adjusts SyncConfig.
type SyncOption func(*syncOptions)

type syncOptions struct {
	onlyChanged bool
}

// OnlyChanged makes SyncConfig leave alone the APIs and VPC links the
// store holds as the file declares them (cluster mode: every node imports
// the same file at its start, and only the first must write).
func OnlyChanged() SyncOption { return func(o *syncOptions) { o.onlyChanged = true } }

// storedAsDeclared reports whether the store holds a, imported from the
// config file, as putConfigAPI would store it now: the same definition
// and the same stages (dates, deployment ids and status messages aside).
func storedAsDeclared(tx store.Tx, a *compile.API, m *store.APIMeta) (bool, error) {
	if m.Default != a.Default {
		return false, nil
	}
	id := a.Definition.API.APIID
	stored, err := store.LoadDefinition(tx, id)
	if err != nil {
		return false, err
	}
	want := normalizedDefinition(a.Definition)
	stored.API.CreatedDate = nil
	if !sameJSON(stored, want) {
		return false, nil
	}
	stages, err := store.Stages(tx, id).List()
	if err != nil || len(stages) != len(a.Stages) {
		return false, err
	}
	declared := slices.Clone(a.Stages)
	slices.SortFunc(declared, func(x, y compile.Stage) int { return strings.Compare(x.Stage.StageName, y.Stage.StageName) })
	for i := range stages {
		got, decl := stages[i], declared[i].Stage
		if got.StageName != decl.StageName {
			return false, nil
		}
		for _, s := range []*model.Stage{&got, &decl} {
			s.CreatedDate, s.LastUpdatedDate, s.DeploymentID, s.LastDeploymentStatusMessage = nil, nil, "", ""
		}
		if !sameJSON(got, decl) {
			return false, nil
		}
	}
	return true, nil
}

// normalizedDefinition is d with the defaults putConfigAPI applies, and no
// creation date.
func normalizedDefinition(d *model.Definition) *model.Definition {
	def := *d
	def.API.CreatedDate = nil
	if def.API.RouteSelectionExpression == "" {
		def.API.RouteSelectionExpression = model.RouteSelectionExpressionHTTP
	}
	if def.API.APIKeySelectionExpression == "" {
		def.API.APIKeySelectionExpression = model.APIKeySelectionExpressionDefault
	}
	if def.API.Tags == nil {
		def.API.Tags = map[string]string{}
	}
	// The store lists each kind in order of id.
	def.Routes = slices.Clone(def.Routes)
	slices.SortFunc(def.Routes, func(a, b model.Route) int { return strings.Compare(a.RouteID, b.RouteID) })
	def.Integrations = slices.Clone(def.Integrations)
	slices.SortFunc(def.Integrations, func(a, b model.Integration) int { return strings.Compare(a.IntegrationID, b.IntegrationID) })
	def.Authorizers = slices.Clone(def.Authorizers)
	slices.SortFunc(def.Authorizers, func(a, b model.Authorizer) int { return strings.Compare(a.AuthorizerID, b.AuthorizerID) })
	return &def
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// nowUTC is the current time as AWS reports it: UTC, whole seconds.
func nowUTC() *time.Time {
	t := time.Now().UTC().Truncate(time.Second)
	return &t
}

// declaredDomainTag marks a custom domain name declared in a template (the
// loaded configuration) rather than created through the management API.
const declaredDomainTag = "apigw:declared"

// syncConfigDomains replaces the store's custom domains declared by the
// loaded configuration (templates) with domains, and removes those no
// longer declared. Domains created through the management API are left
// alone; one of the same name is replaced.
func syncConfigDomains(tx store.Tx, domains []compile.Domain) error {
	declared := map[string]bool{}
	for i := range domains {
		dn := domains[i].Name
		key := store.DomainKey(dn.DomainName)
		declared[key] = true
		tags := map[string]string{declaredDomainTag: "true"}
		for k, v := range dn.Tags {
			tags[k] = v
		}
		dn.Tags = tags
		if old, err := store.DomainNames(tx).Get(key); err == nil {
			if err := store.APIMappings(tx, old.DomainName).Clear(); err != nil {
				return err
			}
		}
		if err := store.DomainNames(tx).Put(key, &dn); err != nil {
			return err
		}
		for j := range domains[i].Mappings {
			m := domains[i].Mappings[j]
			if err := store.APIMappings(tx, dn.DomainName).Put(m.APIMappingID, &m); err != nil {
				return err
			}
		}
	}
	all, err := store.DomainNames(tx).List()
	if err != nil {
		return err
	}
	for _, dn := range all {
		key := store.DomainKey(dn.DomainName)
		if dn.Tags[declaredDomainTag] != "true" || declared[key] {
			continue
		}
		if err := store.APIMappings(tx, dn.DomainName).Clear(); err != nil {
			return err
		}
		if err := store.DomainNames(tx).Delete(key); err != nil {
			return err
		}
	}
	return nil
}
