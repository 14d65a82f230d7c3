package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

// The gateway's lifecycle, after Caddy's modules (Provision, Validate,
// Cleanup, with cleanup when a later step fails) and its run, which "should
// not leak resources if an error is returned":
//
//  1. New acquires, in order: the function runtime, the backend transport,
//     the stage services (throttle, access logs, metrics), the private
//     targets, the AWS clients, the authorizers' shared state, the store with
//     its deployer, and the TLS terminator.
//  2. Start acquires: the goroutines that serve, the file watcher, the data
//     plane listeners, the admin listener, the Invoke API, the servers and
//     the function checks.
//  3. Shutdown, Close, and a failure of New or Start release everything
//     acquired so far, in reverse order: servers drain before the store
//     closes, the store closes before the functions stop.
//
// Every resource is owned (resources.own) the moment it exists, with the
// function that releases it; nothing is released by hand anywhere else.

// resources are what a gateway holds, in the order they were acquired.
type resources struct {
	mu   sync.Mutex
	list []resource // guarded by mu
}

// resource is one acquired thing and how to release it.
type resource struct {
	name    string
	release func(ctx context.Context) error
}

// own records a resource to release, after everything acquired later.
func (r *resources) own(name string, release func(ctx context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, resource{name, release})
}

// releaseAll releases every resource in reverse order of acquisition, all of
// them even when some fail, and forgets them: a second call does nothing. ctx
// bounds the graceful parts (servers draining requests in flight, the Invoke
// API's event invocations).
func (r *resources) releaseAll(ctx context.Context) error {
	r.mu.Lock()
	list := r.list
	r.list = nil
	r.mu.Unlock()
	var errs []error
	for i := len(list) - 1; i >= 0; i-- {
		if err := list[i].release(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping %s: %w", list[i].name, err))
		}
	}
	return errors.Join(errs...)
}

// closeListener closes a listener that a server may already have closed.
func closeListener(ln net.Listener) func(context.Context) error {
	return func(context.Context) error {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	}
}

// noError adapts a release function that cannot fail.
func noError(f func()) func(context.Context) error {
	return func(context.Context) error { f(); return nil }
}
