// Package store keeps the resources of the management API (APIs, routes,
// integrations, authorizers, stages, deployments, custom domain names, API
// mappings, VPC links) durably, in transactions.
//
// The Store interface is small on purpose, so that a later clustered store
// can implement it: View and Update run a function in a read-only or a
// read-write transaction; a transaction stores opaque values under (Kind,
// scope, id); every successful Update commits a new revision; Watch reports
// new revisions. Typed access to each resource kind is built once on top of
// that (see Collection and the functions APIs, Routes, Stages, ...), so
// every implementation stores the same JSON documents.
//
// Bolt, the one implementation, keeps everything in a single bbolt file,
// {dataDir}/apigw.db. Every implementation must pass the conformance suite
// in package storetest.
package store

import (
	"context"
	"errors"
)

// Kind names a kind of resource. Resources of most kinds are scoped by the
// API they belong to (scope = apiId); API mappings are scoped by their
// domain name; APIs, domain names and VPC links have the empty scope.
type Kind string

// The kinds of resources kept.
const (
	KindAPI         Kind = "apis"
	KindAPIMeta     Kind = "apimeta"
	KindRoute       Kind = "routes"
	KindIntegration Kind = "integrations"
	KindAuthorizer  Kind = "authorizers"
	KindStage       Kind = "stages"
	KindDeployment  Kind = "deployments"
	KindDomainName  Kind = "domainnames"
	KindAPIMapping  Kind = "apimappings"
	KindVpcLink     Kind = "vpclinks"
)

// Kinds lists every kind, in the order above.
func Kinds() []Kind {
	return []Kind{KindAPI, KindAPIMeta, KindRoute, KindIntegration, KindAuthorizer, KindStage, KindDeployment, KindDomainName, KindAPIMapping, KindVpcLink}
}

// ErrNotFound is returned (wrapped) by Get and Delete for a missing id.
var ErrNotFound = errors.New("not found")

// ErrClosed is returned by View and Update after Close.
var ErrClosed = errors.New("store closed")

// ErrConflict is returned (wrapped) by Update when the transaction kept
// conflicting with concurrent ones (a clustered store retries a few times
// first).
var ErrConflict = errors.New("concurrent modification")

// ErrUnavailable is returned (wrapped) by View and Update when the store
// cannot be reached (a clustered store cut off from its servers).
var ErrUnavailable = errors.New("store unavailable")

// ErrReadOnly is returned by the writing methods of a View transaction.
var ErrReadOnly = errors.New("read-only transaction")

// Store is a transactional key-value store of resources.
//
// View transactions see one consistent committed state and may run
// concurrently with each other and with an Update. Update transactions run
// one at a time; if the function returns an error or panics, nothing it
// wrote is kept and the revision does not change. A nil return commits
// durably before Update returns: an acknowledged Update survives a crash.
type Store interface {
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits it if fn
	// returns nil. Each commit increments the revision by one.
	Update(fn func(Tx) error) error
	// Revision returns the revision of the last commit; 0 for a new store.
	Revision() uint64
	// Watch returns a channel that receives the latest revision after
	// commits. Values are coalesced: a slow reader sees the newest revision,
	// not every one. The channel is closed when ctx is done or the store is
	// closed.
	Watch(ctx context.Context) <-chan uint64
	// Close waits for open transactions and releases the store.
	Close() error
}

// Tx is one transaction. It must not be used after the function it was
// given to returns, nor from another goroutine.
type Tx interface {
	// Revision is the revision the transaction sees; in an Update, the
	// revision it commits as (the last one plus one).
	Revision() uint64
	// Writable reports whether the transaction may write.
	Writable() bool
	// Get returns the value stored under (kind, scope, id), or an error
	// wrapping ErrNotFound. The slice is valid only until the transaction
	// ends.
	Get(kind Kind, scope, id string) ([]byte, error)
	// Put stores value under (kind, scope, id), replacing any previous one.
	Put(kind Kind, scope, id string, value []byte) error
	// Delete removes (kind, scope, id), or returns an error wrapping
	// ErrNotFound.
	Delete(kind Kind, scope, id string) error
	// DeleteScope removes every id of kind in scope; a missing scope is not
	// an error.
	DeleteScope(kind Kind, scope string) error
	// List calls fn for each id of kind in scope greater than after (""
	// lists from the start), in ascending byte order of id, until fn
	// returns false. The value is valid only until fn returns.
	List(kind Kind, scope, after string, fn func(id string, value []byte) bool) error
}
