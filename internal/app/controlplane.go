package app

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/controlplane"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
	"github.com/apigwdev/apigw/internal/store"
)

// controlPlane is the management API's side of the gateway: the store in
// the data dir and the deployer that serves what it holds.
//
// Lifecycle: openStore (in New) opens {dataDir}/apigw.db, re-imports the
// config file's APIs and VPC links into it, compiles everything and swaps
// the result in; mountControlPlane (in Start) serves the apigatewayv2 API
// at /v2/ on the admin listener; closeStore (in Shutdown and Close) closes
// the store.
type controlPlane struct {
	store    *store.Bolt
	deployer *storeDeployer
}

// openStore opens the store, brings the config file's APIs (already
// imported into in by buildInput) into it, and serves the store's content.
func (g *Gateway) openStore(in *compile.Input) error {
	st, err := store.Open(g.cfg.DataDir)
	if err != nil {
		return err
	}
	d := &storeDeployer{
		region: g.cfg.Region, accountID: g.cfg.AccountID,
		deps: g.compileDeps, swap: g.swapSnapshot, log: g.logWarn,
	}
	g.cp = &controlPlane{store: st, deployer: d}
	syncConfig(st, g.cfg, in, g.logError)
	d.start(st, g.logError)
	return nil
}

func (g *Gateway) logWarn(msg string)  { g.log.Warn(msg) }
func (g *Gateway) logError(msg string) { g.log.Error(msg) }

// mountControlPlane serves the apigatewayv2 management API at /v2/.
func (g *Gateway) mountControlPlane(mux *http.ServeMux) {
	if g.cp == nil {
		return
	}
	dataURL := g.DataURL()
	if u, err := url.Parse(dataURL); err == nil {
		if host, port, err := net.SplitHostPort(u.Host); err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
				dataURL = u.Scheme + "://" + net.JoinHostPort("127.0.0.1", port)
			}
		}
	}
	h, err := controlplane.New(controlplane.Options{
		Store:     g.cp.store,
		Deployer:  g.cp.deployer,
		Region:    g.cfg.Region,
		AccountID: g.cfg.AccountID,
		// Path style reaches the API from any client, with no DNS set-up
		// (interface.md section 2, step 3).
		APIEndpoint:           func(apiID string) string { return dataURL + "/_aws/execute-api/" + apiID },
		ResetAuthorizersCache: g.resetAuthorizersCache,
		Truststore:            g.truststore,
		Logger:                g.log.With("component", "controlplane"),
	})
	if err != nil {
		g.log.Error("management API disabled", "err", err)
		return
	}
	mux.Handle("/v2/", h)
}

// resetAuthorizersCache drops the cached Lambda authorizer results of a
// stage (ResetAuthorizersCache).
func (g *Gateway) resetAuthorizersCache(apiID, stageName string) {
	if g.authz != nil && g.authz.Results != nil {
		g.authz.Results.ResetStage(apiID, stageName)
	}
}

// closeStore closes the store; safe to call more than once.
func (g *Gateway) closeStore() {
	if g.cp == nil || g.cp.store == nil {
		return
	}
	if err := g.cp.store.Close(); err != nil {
		g.log.Error("closing store", "err", err)
	}
	g.cp.store = nil
}

// syncConfig re-imports the config file's APIs into the store with their
// fixed ids, replacing what the store had under those ids (each stage gets a
// deployment of the imported definition, so it serves exactly what it
// served before the store existed), removes APIs that came from the config
// file but are no longer in it, and records the config file's VPC links.
//
// All of it is one transaction (one commit, one fsync, however many APIs
// the file declares). If that transaction fails, each API is retried in a
// transaction of its own, so that one that fails is logged and the others
// go on.
func syncConfig(st store.Store, cfg *config.Config, in *compile.Input, logError func(string)) {
	declared := make(map[string]bool, len(in.APIs))
	for i := range in.APIs {
		declared[in.APIs[i].Definition.API.APIID] = true
	}
	var notes []string
	err := st.Update(func(tx store.Tx) error {
		notes = notes[:0]
		for i := range in.APIs {
			note, err := syncConfigAPI(tx, &in.APIs[i])
			if err != nil {
				return err
			}
			if note != "" {
				notes = append(notes, note)
			}
		}
		return syncConfigRest(tx, cfg, declared)
	})
	if err == nil {
		for _, n := range notes {
			logError(n)
		}
		return
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

// storeDeployer implements controlplane.Deployer: it compiles every API of
// the store (each stage with its deployment's definition), the custom
// domains and their mappings, and swaps the snapshot into the data plane.
type storeDeployer struct {
	region, accountID string
	deps              func() compile.Deps
	swap              func(*snapshot.Snapshot) *snapshot.Snapshot
	log               func(string)

	mu sync.Mutex
	// installed is the store revision of the snapshot being served.
	installed uint64 // guarded by mu
	// excluded are APIs of the store that did not compile at start (with
	// why); they are left out until a compilation with them succeeds.
	excluded map[string]error // guarded by mu
}

var _ controlplane.Deployer = (*storeDeployer)(nil)

// start compiles the store as it is at start and serves it. APIs that do
// not compile (for example after a config change removed a function or a
// VPC link they need) are logged and left out, so that one broken API does
// not keep the others from being served.
func (d *storeDeployer) start(st store.Store, logError func(string)) {
	err := st.View(func(tx store.Tx) error {
		in, err := buildStoreInput(tx, d.region, d.accountID, nil)
		if err != nil {
			return err
		}
		snap, _, err := d.compile(in)
		if err == nil {
			d.install(tx.Revision(), snap, false)
			return nil
		}
		excluded := make(map[string]error)
		for i := range in.APIs {
			one := &compile.Input{Region: in.Region, AccountID: in.AccountID, APIs: in.APIs[i : i+1]}
			if _, _, err := compile.Compile(one, d.deps()); err != nil {
				id := in.APIs[i].Definition.API.APIID
				excluded[id] = err
				logError(fmt.Sprintf("api %s from the store cannot be served and is left out: %v", id, err))
			}
		}
		in, err = buildStoreInput(tx, d.region, d.accountID, excluded)
		if err != nil {
			return err
		}
		snap, _, err = d.compile(in)
		if err != nil {
			return err
		}
		d.mu.Lock()
		d.excluded = excluded
		d.mu.Unlock()
		d.install(tx.Revision(), snap, false)
		return nil
	})
	if err != nil {
		logError(fmt.Sprintf("serving the store: %v; serving the config file's APIs only", err))
	}
}

// compile compiles in, logging the warnings.
func (d *storeDeployer) compile(in *compile.Input) (*snapshot.Snapshot, []string, error) {
	snap, warnings, err := compile.Compile(in, d.deps())
	for _, w := range warnings {
		d.log(w)
	}
	return snap, warnings, err
}

// Prepare implements controlplane.Deployer.
func (d *storeDeployer) Prepare(tx store.Tx) (func(), error) {
	in, err := buildStoreInput(tx, d.region, d.accountID, nil)
	if err != nil {
		return nil, err
	}
	snap, _, err := d.compile(in)
	d.mu.Lock()
	excluded := d.excluded
	d.mu.Unlock()
	// A full compilation that succeeds ends the exclusions, once installed
	// (the transaction may still roll back).
	full := err == nil
	switch {
	case full:
	case len(excluded) > 0:
		if in, err = buildStoreInput(tx, d.region, d.accountID, excluded); err != nil {
			return nil, err
		}
		if snap, _, err = d.compile(in); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	rev := tx.Revision()
	return func() { d.install(rev, snap, full) }, nil
}

// install serves snap unless a later revision is already served; full
// clears the exclusions made at start.
func (d *storeDeployer) install(rev uint64, snap *snapshot.Snapshot, full bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if rev < d.installed {
		return
	}
	d.installed = rev
	if full {
		d.excluded = nil
	}
	d.swap(snap)
}

// nowUTC is the current time as AWS reports it: UTC, whole seconds.
func nowUTC() *time.Time {
	t := time.Now().UTC().Truncate(time.Second)
	return &t
}

// buildStoreInput is what the store serves: every API (but the excluded
// ones) with each stage that has a deployment, serving that deployment's
// definition; every custom domain with its mappings to served stages.
func buildStoreInput(tx store.Tx, region, accountID string, excluded map[string]error) (*compile.Input, error) {
	in := &compile.Input{Region: region, AccountID: accountID}
	apis, err := store.APIs(tx).List()
	if err != nil {
		return nil, err
	}
	served := make(map[[2]string]bool)
	for _, a := range apis {
		if excluded[a.APIID] != nil {
			continue
		}
		// Every stage compiled serves its deployment's definition; of the
		// API's latest definition, compile reads only the API itself, so
		// its routes, integrations and authorizers are not loaded.
		ca := compile.API{Definition: &model.Definition{API: a}}
		if m, err := store.APIMetas(tx).Get(a.APIID); err == nil {
			ca.Default = m.Default
		}
		stages, err := store.Stages(tx, a.APIID).List()
		if err != nil {
			return nil, err
		}
		for _, st := range stages {
			if st.DeploymentID == "" {
				continue
			}
			dep, err := store.Deployments(tx, a.APIID).Get(st.DeploymentID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if dep.DeploymentStatus == model.DeploymentFailed || dep.Definition == nil {
				continue
			}
			ca.Stages = append(ca.Stages, compile.Stage{Stage: st, Definition: dep.Definition})
			served[[2]string{a.APIID, st.StageName}] = true
		}
		in.APIs = append(in.APIs, ca)
	}
	domains, err := store.DomainNames(tx).List()
	if err != nil {
		return nil, err
	}
	for _, dn := range domains {
		ms, err := store.APIMappings(tx, dn.DomainName).List()
		if err != nil {
			return nil, err
		}
		cd := compile.Domain{Name: dn}
		for _, m := range ms {
			if served[[2]string{m.APIID, m.Stage}] {
				cd.Mappings = append(cd.Mappings, m)
			}
		}
		in.Domains = append(in.Domains, cd)
	}
	return in, nil
}
