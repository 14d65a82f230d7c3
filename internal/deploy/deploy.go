// Package deploy turns what the store holds into what the data plane
// serves, compiling only what changed.
//
// A Deployer keeps, per API and per custom domain, the compiled form it
// serves and the store revision it was compiled at. A change (a management
// API write, the import of the config file, or, on a cluster node, a
// revision read from etcd) names the APIs and domains it touched
// (store.Changes); Prepare compiles those APIs alone, from the
// transaction's state, and opens what they hold once served (access logs).
// Install then swaps them into a new snapshot that shares every other
// compiled API with the one served, recompiles the custom domains whose
// mappings may point at them, and releases what the replaced APIs held.
// A write's cost therefore depends on the size of what it touched, not on
// the size of the store.
//
// Lifecycle:
//
//  1. New, with the data plane's swap function.
//  2. Prepare/install for each change, and Load once at start for
//     everything the store holds (APIs that do not compile are left out and
//     reported by Errors until a change makes them compile).
//  3. Close, after the data plane stopped serving: releases the resources
//     of the served snapshot.
package deploy

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/controlplane"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
	"github.com/apigwdev/apigw/internal/store"
)

// Options configure a Deployer.
type Options struct {
	// Region and AccountID are copied into every snapshot.
	Region, AccountID string
	// Deps returns the services compiled invokers call. Required.
	Deps func() compile.Deps
	// Swap serves a snapshot and returns the one it replaced. Required.
	Swap func(*snapshot.Snapshot) *snapshot.Snapshot
	// Logger receives compile warnings and the APIs left out. If nil,
	// slog.Default() is used.
	Logger *slog.Logger
}

// Deployer compiles store revisions into served snapshots, one API at a
// time. It implements controlplane.Deployer. Its methods are safe for
// concurrent use.
type Deployer struct {
	opts Options

	mu sync.Mutex
	// rev is the highest revision installed.
	rev uint64 // guarded by mu
	// apis are the APIs known, served or not, by id.
	apis map[string]*apiEntry // guarded by mu
	// domains are the custom domains, by DomainKey.
	domains map[string]*domainEntry // guarded by mu
	// snap is the snapshot served.
	snap   *snapshot.Snapshot // guarded by mu
	closed bool               // guarded by mu
}

// apiEntry is one API as of revision rev: its compiled form, or why it is
// not served.
type apiEntry struct {
	rev uint64
	// api is nil for an API that was deleted, or does not compile (err).
	api *snapshot.API
	// def marks the default API.
	def bool
	// err is why an API of the store is not served.
	err error
}

// domainEntry is one custom domain as of revision rev, as stored (every
// mapping, served or not), and its compiled form.
type domainEntry struct {
	rev uint64
	// in is nil for a deleted domain.
	in  *compile.Domain
	out *snapshot.Domain
}

// New returns a Deployer that serves nothing yet.
func New(opts Options) *Deployer {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Deployer{
		opts:    opts,
		apis:    make(map[string]*apiEntry),
		domains: make(map[string]*domainEntry),
	}
}

// Revision returns the store revision of the snapshot served.
func (d *Deployer) Revision() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rev
}

// APIError is an API of the store that is not served, and why.
type APIError struct {
	APIID   string `json:"apiId"`
	Message string `json:"message"`
}

// Errors returns the APIs of the store that are not served, in order of
// id.
func (d *Deployer) Errors() []APIError {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []APIError
	for id, e := range d.apis {
		if e.err != nil {
			out = append(out, APIError{APIID: id, Message: strings.ReplaceAll(e.err.Error(), "\n", "; ")})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].APIID < out[j].APIID })
	return out
}

// prepared is the outcome of Prepare: compiled APIs and read domains,
// waiting for their transaction's commit.
type prepared struct {
	rev     uint64
	all     bool
	apis    map[string]*apiEntry
	domains map[string]*domainEntry
}

// Prepare compiles the APIs that ch names, and reads the custom domains it
// names, as tx sees them; ch.All (or a nil ch) prepares everything. It
// implements controlplane.Deployer: an API that does not compile fails the
// preparation; install(true) serves the result once tx has committed,
// install(false) releases it.
func (d *Deployer) Prepare(tx store.Tx, ch *store.Changes) (install func(committed bool), err error) {
	p, err := d.prepare(tx, ch, false)
	if err != nil {
		return nil, err
	}
	return func(committed bool) {
		if committed {
			d.install(p)
		} else {
			p.release()
		}
	}, nil
}

// Load compiles and serves everything tx sees that is not served yet
// (every API and domain not compiled at tx's revision or later). APIs that
// do not compile are logged and left out; Errors reports them.
func (d *Deployer) Load(tx store.Tx) error {
	p, err := d.prepare(tx, nil, true)
	if err != nil {
		return err
	}
	d.install(p)
	return nil
}

// Apply compiles and serves what ch names as tx sees it, as a cluster
// node does for a revision another node committed: APIs compiled at tx's
// revision or later already (the node's own writes) are skipped; an API
// that does not compile keeps serving its previous form and is reported
// by Errors.
func (d *Deployer) Apply(tx store.Tx, ch *store.Changes) error {
	p, err := d.prepare(tx, ch, true)
	if err != nil {
		return err
	}
	d.install(p)
	return nil
}

// Reload compiles and serves everything tx sees, as Load, replacing what
// was served (a cluster node that missed changes).
func (d *Deployer) Reload(tx store.Tx) error {
	p, err := d.prepare(tx, &store.Changes{All: true}, true)
	if err != nil {
		return err
	}
	p.all = true
	d.install(p)
	return nil
}

// prepare builds p from tx. With lenient set, APIs that do not compile are
// recorded with their error instead of failing the whole preparation.
// A nil ch with lenient set prepares what is not served at tx's revision.
func (d *Deployer) prepare(tx store.Tx, ch *store.Changes, lenient bool) (*prepared, error) {
	rev := tx.Revision()
	p := &prepared{rev: rev, apis: make(map[string]*apiEntry), domains: make(map[string]*domainEntry)}
	var apiIDs, domainKeys []string
	if ch == nil || ch.All {
		apis, err := store.APIs(tx).List()
		if err != nil {
			return nil, err
		}
		var known map[string]bool
		if ch == nil {
			known = d.compiledSince(rev)
		}
		for _, a := range apis {
			if !known[a.APIID] {
				apiIDs = append(apiIDs, a.APIID)
			}
		}
		// APIs served but gone from the store are deleted.
		if ch != nil {
			d.mu.Lock()
			for id := range d.apis {
				if _, err := store.APIs(tx).Get(id); errors.Is(err, store.ErrNotFound) {
					apiIDs = append(apiIDs, id)
				}
			}
			d.mu.Unlock()
		}
		dns, err := store.DomainNames(tx).List()
		if err != nil {
			return nil, err
		}
		for _, dn := range dns {
			domainKeys = append(domainKeys, store.DomainKey(dn.DomainName))
		}
		if ch != nil {
			d.mu.Lock()
			for k := range d.domains {
				domainKeys = append(domainKeys, k)
			}
			d.mu.Unlock()
		}
	} else {
		d.mu.Lock()
		for id := range ch.APIs {
			if e := d.apis[id]; e != nil && e.rev >= rev {
				continue // compiled at this revision or later already
			}
			apiIDs = append(apiIDs, id)
		}
		d.mu.Unlock()
		for k := range ch.Domains {
			domainKeys = append(domainKeys, k)
		}
	}
	sort.Strings(apiIDs)
	var errs []error
	for _, id := range apiIDs {
		if _, dup := p.apis[id]; dup {
			continue
		}
		e, err := d.compileAPI(tx, id)
		if err != nil {
			if !lenient {
				errs = append(errs, err)
				continue
			}
			d.opts.Logger.Error(fmt.Sprintf("api %s from the store cannot be served and is left out: %v", id, err))
			e = &apiEntry{err: err}
		}
		e.rev = rev
		p.apis[id] = e
	}
	if len(errs) > 0 {
		p.release()
		return nil, errors.Join(errs...)
	}
	for _, k := range domainKeys {
		if _, dup := p.domains[k]; dup {
			continue
		}
		e, err := readDomain(tx, k)
		if err != nil {
			p.release()
			return nil, err
		}
		e.rev = rev
		p.domains[k] = e
	}
	return p, nil
}

// compiledSince returns the ids of the APIs compiled at rev or later.
func (d *Deployer) compiledSince(rev uint64) map[string]bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	known := make(map[string]bool, len(d.apis))
	for id, e := range d.apis {
		if e.rev >= rev {
			known[id] = true
		}
	}
	return known
}

// compileAPI compiles the API id as tx holds it, and opens its resources;
// an entry with a nil API when it is not in the store.
func (d *Deployer) compileAPI(tx store.Tx, id string) (*apiEntry, error) {
	in, err := LoadAPI(tx, id)
	if errors.Is(err, store.ErrNotFound) {
		return &apiEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("api %s: reading it from the store: %w", id, err)
	}
	sa, warnings, err := compile.CompileAPI(in, d.opts.Deps())
	for _, w := range warnings {
		d.opts.Logger.Warn(w)
	}
	if err != nil {
		return nil, err
	}
	if err := open(sa); err != nil {
		return nil, fmt.Errorf("api %s: %w", id, err)
	}
	return &apiEntry{api: sa, def: in.Default}, nil
}

// LoadAPI returns what the store serves of one API: each stage that has a
// deployment, serving that deployment's definition. Of the API's latest
// definition only the API itself is read (stages serve deployments).
func LoadAPI(tx store.Tx, id string) (*compile.API, error) {
	a, err := store.APIs(tx).Get(id)
	if err != nil {
		return nil, err
	}
	ca := &compile.API{Definition: &model.Definition{API: *a}}
	if m, err := store.APIMetas(tx).Get(id); err == nil {
		ca.Default = m.Default
	}
	stages, err := store.Stages(tx, id).List()
	if err != nil {
		return nil, err
	}
	for _, st := range stages {
		if st.DeploymentID == "" {
			continue
		}
		dep, err := store.Deployments(tx, id).Get(st.DeploymentID)
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
	}
	return ca, nil
}

// readDomain reads a custom domain and all its mappings.
func readDomain(tx store.Tx, key string) (*domainEntry, error) {
	dn, err := store.DomainNames(tx).Get(key)
	if errors.Is(err, store.ErrNotFound) {
		return &domainEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("domain %s: reading it from the store: %w", key, err)
	}
	ms, err := store.APIMappings(tx, dn.DomainName).List()
	if err != nil {
		return nil, fmt.Errorf("domain %s: reading its API mappings: %w", key, err)
	}
	return &domainEntry{in: &compile.Domain{Name: *dn, Mappings: ms}}, nil
}

// install merges p into what is served, keeping for each API and domain
// the newest revision, and swaps the result in.
func (d *Deployer) install(p *prepared) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		p.release()
		return
	}
	var retired []*snapshot.API
	touched := make(map[string]bool, len(p.apis))
	if p.all {
		// A reload replaces everything older than it.
		for id, e := range d.apis {
			if _, ok := p.apis[id]; !ok && e.rev < p.rev {
				p.apis[id] = &apiEntry{rev: p.rev}
			}
		}
		for k, e := range d.domains {
			if _, ok := p.domains[k]; !ok && e.rev < p.rev {
				p.domains[k] = &domainEntry{rev: p.rev}
			}
		}
	}
	for id, e := range p.apis {
		old := d.apis[id]
		if old != nil && old.rev > e.rev {
			// A later revision of this API is served already.
			retired = append(retired, e.api)
			continue
		}
		if e.err != nil && old != nil && old.api != nil {
			// Keep serving the API's previous form; report why it is not
			// the latest.
			d.apis[id] = &apiEntry{rev: e.rev, api: old.api, def: old.def, err: e.err}
			continue
		}
		if old != nil {
			retired = append(retired, old.api)
		}
		touched[id] = true
		if e.api == nil && e.err == nil {
			// Deleted: keep the revision, so that an older preparation
			// installed late does not bring it back.
			d.apis[id] = &apiEntry{rev: e.rev}
			continue
		}
		d.apis[id] = e
	}
	for k, e := range p.domains {
		if old := d.domains[k]; old != nil && old.rev > e.rev {
			continue
		}
		d.domains[k] = e
		touched["\x00"+k] = true
	}
	if p.rev > d.rev {
		d.rev = p.rev
	}
	if len(touched) > 0 || d.snap == nil {
		d.swapLocked(touched)
	}
	d.mu.Unlock()
	for _, a := range retired {
		release(a)
	}
}

// swapLocked builds the snapshot from the entries and serves it. Domains
// are recompiled when they changed or map one of the touched APIs.
func (d *Deployer) swapLocked(touched map[string]bool) {
	s := &snapshot.Snapshot{
		Region:    d.opts.Region,
		AccountID: d.opts.AccountID,
		APIs:      make(map[string]*snapshot.API, len(d.apis)),
		Domains:   make(map[string]*snapshot.Domain, len(d.domains)),
	}
	var defaults []string
	for id, e := range d.apis {
		if e.api == nil {
			continue
		}
		s.APIs[id] = e.api
		if e.def {
			defaults = append(defaults, id)
		}
	}
	if len(defaults) > 0 {
		sort.Strings(defaults)
		s.Default = s.APIs[defaults[0]]
		if len(defaults) > 1 {
			d.opts.Logger.Error(fmt.Sprintf("apis %s: only one API can be the default API; %s is", strings.Join(defaults, ", "), defaults[0]))
		}
	}
	for k, e := range d.domains {
		if e.in == nil {
			delete(d.domains, k)
			continue
		}
		if e.out == nil || touched["\x00"+k] || mapsAny(e.in, touched) {
			e.out = d.compileDomain(e.in, s.APIs)
		}
		if e.out != nil {
			compile.AddDomain(s, e.out)
		}
	}
	d.snap = s
	d.opts.Swap(s)
}

// mapsAny reports whether one of dom's mappings names a touched API.
func mapsAny(dom *compile.Domain, touched map[string]bool) bool {
	for _, m := range dom.Mappings {
		if touched[m.APIID] {
			return true
		}
	}
	return false
}

// compileDomain compiles dom's mappings to served stages (mappings to
// stages that are not served, for example whose deployment failed, are
// left out, as AWS serves nothing there).
func (d *Deployer) compileDomain(dom *compile.Domain, apis map[string]*snapshot.API) *snapshot.Domain {
	in := compile.Domain{Name: dom.Name}
	for _, m := range dom.Mappings {
		a := apis[m.APIID]
		if a == nil {
			continue
		}
		if (m.Stage == model.DefaultStageName && a.DefaultStage != nil) || a.Stages[m.Stage] != nil {
			in.Mappings = append(in.Mappings, m)
		}
	}
	sd, err := compile.CompileDomain(&in, apis)
	if err != nil {
		d.opts.Logger.Error(fmt.Sprintf("domain %s cannot be served: %v", dom.Name.DomainName, err))
		return nil
	}
	return sd
}

// Close releases what the served snapshot holds; later installs are
// ignored. Call it once the data plane stopped serving.
func (d *Deployer) Close() {
	d.mu.Lock()
	d.closed = true
	apis := d.apis
	d.apis = map[string]*apiEntry{}
	d.mu.Unlock()
	for _, e := range apis {
		release(e.api)
	}
}

// release gives back what p opened.
func (p *prepared) release() {
	for _, e := range p.apis {
		release(e.api)
	}
}

// resource is a compiled value that holds something once served.
type resource interface {
	Open() error
	Release()
}

// open opens a's resources, releasing those it opened when one fails.
func open(a *snapshot.API) error {
	var opened []resource
	var err error
	compile.Resources(a, func(l snapshot.AccessLogger) {
		r, ok := l.(resource)
		if !ok || err != nil {
			return
		}
		if err = r.Open(); err == nil {
			opened = append(opened, r)
		}
	})
	if err != nil {
		for _, r := range opened {
			r.Release()
		}
		return fmt.Errorf("access log: %w", err)
	}
	return nil
}

// release releases a's resources.
func release(a *snapshot.API) {
	compile.Resources(a, func(l snapshot.AccessLogger) {
		if r, ok := l.(resource); ok {
			r.Release()
		}
	})
}

// Interface guard.
var _ controlplane.Deployer = (*Deployer)(nil)
