package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/apigwdev/apigw/internal/model"
)

// Deployment is a stored deployment: the resource the management API
// returns, plus the API definition it captured when it was created, which
// is what a stage pointing at it serves.
type Deployment struct {
	model.Deployment
	// Definition is the API, its routes, integrations and authorizers as
	// they were when the deployment was created; nil for a deployment that
	// failed before capturing one.
	Definition *model.Definition `json:"definition,omitempty"`
}

// APIMeta is what the gateway keeps about an API besides its resources.
type APIMeta struct {
	// FromConfig marks an API declared in the config file: it is
	// re-imported (replaced) at every start and removed from the store when
	// it is no longer declared.
	FromConfig bool `json:"fromConfig,omitempty"`
	// Default marks the API serving requests that name no API.
	Default bool `json:"default,omitempty"`
}

// Collection is typed access to the resources of one kind in one scope of
// a transaction. Values are stored as JSON.
type Collection[T any] struct {
	tx    Tx
	kind  Kind
	scope string
}

// NewCollection returns the collection of kind in scope, stored as JSON
// values of type T.
func NewCollection[T any](tx Tx, kind Kind, scope string) Collection[T] {
	return Collection[T]{tx: tx, kind: kind, scope: scope}
}

// APIs are the APIs, by apiId.
func APIs(tx Tx) Collection[model.API] { return NewCollection[model.API](tx, KindAPI, "") }

// APIMetas are the APIs' metadata, by apiId.
func APIMetas(tx Tx) Collection[APIMeta] { return NewCollection[APIMeta](tx, KindAPIMeta, "") }

// Routes are an API's routes, by routeId.
func Routes(tx Tx, apiID string) Collection[model.Route] {
	return NewCollection[model.Route](tx, KindRoute, apiID)
}

// Integrations are an API's integrations, by integrationId.
func Integrations(tx Tx, apiID string) Collection[model.Integration] {
	return NewCollection[model.Integration](tx, KindIntegration, apiID)
}

// Authorizers are an API's authorizers, by authorizerId.
func Authorizers(tx Tx, apiID string) Collection[model.Authorizer] {
	return NewCollection[model.Authorizer](tx, KindAuthorizer, apiID)
}

// Stages are an API's stages, by stage name.
func Stages(tx Tx, apiID string) Collection[model.Stage] {
	return NewCollection[model.Stage](tx, KindStage, apiID)
}

// Deployments are an API's deployments, by deploymentId.
func Deployments(tx Tx, apiID string) Collection[Deployment] {
	return NewCollection[Deployment](tx, KindDeployment, apiID)
}

// DomainNames are the custom domain names, by lower-case domain name (see
// DomainKey).
func DomainNames(tx Tx) Collection[model.DomainName] {
	return NewCollection[model.DomainName](tx, KindDomainName, "")
}

// APIMappings are a domain name's API mappings, by apiMappingId; the scope
// is DomainKey(domainName).
func APIMappings(tx Tx, domainName string) Collection[model.APIMapping] {
	return NewCollection[model.APIMapping](tx, KindAPIMapping, DomainKey(domainName))
}

// VpcLinks are the VPC links, by vpcLinkId.
func VpcLinks(tx Tx) Collection[model.VpcLink] {
	return NewCollection[model.VpcLink](tx, KindVpcLink, "")
}

// DomainKey is the key of a domain name: lower case, without a trailing
// dot (domain names are case-insensitive).
func DomainKey(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) }

// Get returns the resource stored under id, or an error wrapping
// ErrNotFound.
func (c Collection[T]) Get(id string) (*T, error) {
	b, err := c.tx.Get(c.kind, c.scope, id)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("decoding %s %q: %w", c.kind, id, err)
	}
	return v, nil
}

// Has reports whether id exists.
func (c Collection[T]) Has(id string) (bool, error) {
	_, err := c.tx.Get(c.kind, c.scope, id)
	switch {
	case err == nil:
		return true, nil
	case isNotFound(err):
		return false, nil
	}
	return false, err
}

// Put stores v under id.
func (c Collection[T]) Put(id string, v *T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s %q: %w", c.kind, id, err)
	}
	return c.tx.Put(c.kind, c.scope, id, b)
}

// Delete removes id, or returns an error wrapping ErrNotFound.
func (c Collection[T]) Delete(id string) error { return c.tx.Delete(c.kind, c.scope, id) }

// Clear removes every resource of the collection.
func (c Collection[T]) Clear() error { return c.tx.DeleteScope(c.kind, c.scope) }

// List returns every resource, in ascending order of id.
func (c Collection[T]) List() ([]T, error) {
	items, _, err := c.Page("", 0)
	return items, err
}

// Count returns the number of resources.
func (c Collection[T]) Count() (int, error) {
	n := 0
	err := c.tx.List(c.kind, c.scope, "", func(string, []byte) bool { n++; return true })
	return n, err
}

// Page returns up to limit resources (all when limit <= 0) with ids
// greater than after, in ascending order of id, and the id of the last one
// returned when more follow ("" otherwise).
func (c Collection[T]) Page(after string, limit int) (items []T, next string, err error) {
	var derr error
	last := ""
	more := false
	err = c.tx.List(c.kind, c.scope, after, func(id string, b []byte) bool {
		if limit > 0 && len(items) == limit {
			more = true
			return false
		}
		var v T
		if derr = json.Unmarshal(b, &v); derr != nil {
			derr = fmt.Errorf("decoding %s %q: %w", c.kind, id, derr)
			return false
		}
		items = append(items, v)
		last = id
		return true
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, "", err
	}
	if more {
		next = last
	}
	return items, next, nil
}

// DeleteAPI removes an API and everything scoped by it: routes,
// integrations, authorizers, stages, deployments and its metadata. It
// returns an error wrapping ErrNotFound when the API does not exist.
func DeleteAPI(tx Tx, apiID string) error {
	if err := APIs(tx).Delete(apiID); err != nil {
		return err
	}
	if err := APIMetas(tx).Delete(apiID); err != nil && !isNotFound(err) {
		return err
	}
	for _, k := range []Kind{KindRoute, KindIntegration, KindAuthorizer, KindStage, KindDeployment} {
		if err := tx.DeleteScope(k, apiID); err != nil {
			return fmt.Errorf("deleting %s of api %s: %w", k, apiID, err)
		}
	}
	return nil
}

// LoadDefinition returns an API's current (latest, undeployed) definition:
// the API with its routes, integrations and authorizers, each in ascending
// order of id.
func LoadDefinition(tx Tx, apiID string) (*model.Definition, error) {
	api, err := APIs(tx).Get(apiID)
	if err != nil {
		return nil, err
	}
	d := &model.Definition{API: *api}
	if d.Routes, err = Routes(tx, apiID).List(); err != nil {
		return nil, err
	}
	if d.Integrations, err = Integrations(tx, apiID).List(); err != nil {
		return nil, err
	}
	if d.Authorizers, err = Authorizers(tx, apiID).List(); err != nil {
		return nil, err
	}
	return d, nil
}

// ReplaceDefinition replaces an API and all its routes, integrations and
// authorizers with those of d (whose API must carry its apiId).
func ReplaceDefinition(tx Tx, d *model.Definition) error {
	id := d.API.APIID
	if err := APIs(tx).Put(id, &d.API); err != nil {
		return err
	}
	for _, k := range []Kind{KindRoute, KindIntegration, KindAuthorizer} {
		if err := tx.DeleteScope(k, id); err != nil {
			return fmt.Errorf("replacing %s of api %s: %w", k, id, err)
		}
	}
	for i := range d.Routes {
		if err := Routes(tx, id).Put(d.Routes[i].RouteID, &d.Routes[i]); err != nil {
			return err
		}
	}
	for i := range d.Integrations {
		if err := Integrations(tx, id).Put(d.Integrations[i].IntegrationID, &d.Integrations[i]); err != nil {
			return err
		}
	}
	for i := range d.Authorizers {
		if err := Authorizers(tx, id).Put(d.Authorizers[i].AuthorizerID, &d.Authorizers[i]); err != nil {
			return err
		}
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
