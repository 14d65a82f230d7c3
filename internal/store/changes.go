package store

import "strings"

// Changes are what a set of writes can change in what the gateway serves:
// the APIs whose served form may differ (an API, its metadata, stages or
// deployments was written) and the custom domains whose mappings may
// differ. Writes to routes, integrations and authorizers change nothing
// served on their own (stages serve their deployments' definitions): the
// deployment they cause is recorded separately. VPC links are not
// compiled from the store either.
//
// The zero value records nothing; All marks everything changed (a reload).
type Changes struct {
	// All marks every API and domain as changed.
	All bool
	// APIs are the ids of the changed APIs.
	APIs map[string]bool
	// Domains are the keys (DomainKey) of the changed custom domains.
	Domains map[string]bool
	// Writes counts the writes recorded, served or not.
	Writes int
}

// Empty reports whether nothing served changed.
func (c *Changes) Empty() bool {
	return c == nil || (!c.All && len(c.APIs) == 0 && len(c.Domains) == 0)
}

// Add records a write to (kind, scope, id); an empty id stands for the
// whole scope.
func (c *Changes) Add(kind Kind, scope, id string) {
	c.Writes++
	switch kind {
	case KindAPI, KindAPIMeta:
		if id == "" {
			c.All = true
			return
		}
		c.api(id)
	case KindStage, KindDeployment:
		c.api(scope)
	case KindDomainName:
		if id == "" {
			c.All = true
			return
		}
		c.domain(id)
	case KindAPIMapping:
		c.domain(scope)
	}
}

// Merge adds every change of o to c.
func (c *Changes) Merge(o *Changes) {
	if o == nil {
		return
	}
	c.All = c.All || o.All
	for id := range o.APIs {
		c.api(id)
	}
	for k := range o.Domains {
		c.domain(k)
	}
}

func (c *Changes) api(id string) {
	if c.APIs == nil {
		c.APIs = make(map[string]bool)
	}
	c.APIs[id] = true
}

func (c *Changes) domain(key string) {
	if c.Domains == nil {
		c.Domains = make(map[string]bool)
	}
	c.Domains[strings.ToLower(key)] = true
}

// Track returns a transaction that behaves as tx and records in ch what
// its writes change.
func Track(tx Tx, ch *Changes) Tx { return &trackingTx{Tx: tx, ch: ch} }

type trackingTx struct {
	Tx
	ch *Changes
}

func (t *trackingTx) Put(kind Kind, scope, id string, value []byte) error {
	if err := t.Tx.Put(kind, scope, id, value); err != nil {
		return err
	}
	t.ch.Add(kind, scope, id)
	return nil
}

func (t *trackingTx) Delete(kind Kind, scope, id string) error {
	if err := t.Tx.Delete(kind, scope, id); err != nil {
		return err
	}
	t.ch.Add(kind, scope, id)
	return nil
}

func (t *trackingTx) DeleteScope(kind Kind, scope string) error {
	if err := t.Tx.DeleteScope(kind, scope); err != nil {
		return err
	}
	t.ch.Add(kind, scope, "")
	return nil
}
