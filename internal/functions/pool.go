package functions

import (
	"context"
	"slices"
	"sync"
	"time"
)

// pool holds the instances of one local function and hands them to
// invocations: an idle warm instance if there is one (the most recently used,
// so sequential invocations keep hitting the same process), else a new one
// while fewer than max exist, else the request queues FIFO for up to
// queueTimeout (then ErrThrottled). Idle instances are stopped after
// idleTimeout. The design follows database/sql's connection pool (free list,
// open count, waiter channels, idle cleaner).
//
// Instances own themselves (see instance.run): they give themselves back with
// release once their runtime asks for the next event, and report their end
// with dead once their process is gone. A slot is therefore held until the
// process has really exited.
type pool struct {
	fn           *function
	max          int
	queueTimeout time.Duration // negative: throttle at once
	idleTimeout  time.Duration // negative: never stop idle instances

	mu      sync.Mutex
	idle    []*instance // guarded by mu; idle instances, least recently used first
	open    int         // guarded by mu; instances alive (idle, busy, starting or stopping)
	waiters []*waiter   // guarded by mu; queued requests, oldest first
	seq     int         // guarded by mu; numbers instances for logs
	gen     int         // guarded by mu; bumped by retire; instances of older generations stop when released
	closed  bool        // guarded by mu
}

// waiter is a queued request. Exactly one instance (or nil, when the pool
// closes) is sent on ch.
type waiter struct {
	ch chan *instance
}

// acquire returns an instance for one invocation. The caller must hand it a
// call (the instance then releases itself) or give it back with release.
func (p *pool) acquire(ctx context.Context) (*instance, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		in := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return in, nil
	}
	if p.open < p.max {
		in, err := p.newLocked()
		p.mu.Unlock()
		return in, err
	}
	if p.queueTimeout < 0 {
		p.mu.Unlock()
		return nil, ErrThrottled
	}
	w := &waiter{ch: make(chan *instance, 1)}
	p.waiters = append(p.waiters, w)
	p.mu.Unlock()

	t := time.NewTimer(p.queueTimeout)
	defer t.Stop()
	select {
	case in := <-w.ch:
		if in == nil {
			return nil, ErrClosed
		}
		return in, nil
	case <-t.C:
		if p.removeWaiter(w) {
			return nil, ErrThrottled
		}
	case <-ctx.Done():
		if p.removeWaiter(w) {
			return nil, ctx.Err()
		}
		// An instance was granted as the context ended: pass it on.
		if in := <-w.ch; in != nil {
			p.release(in)
		}
		return nil, ctx.Err()
	}
	// The timer fired as an instance was granted: take it.
	if in := <-w.ch; in != nil {
		return in, nil
	}
	return nil, ErrClosed
}

// removeWaiter takes w off the queue and reports whether it was still there
// (false means an instance was, or is being, sent to it).
func (p *pool) removeWaiter(w *waiter) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := slices.Index(p.waiters, w)
	if i < 0 {
		return false
	}
	p.waiters = slices.Delete(p.waiters, i, i+1)
	return true
}

// newLocked creates an instance and starts its goroutine; its process starts
// with its first call.
func (p *pool) newLocked() (*instance, error) {
	p.seq++
	in := newInstance(p.fn, p.seq)
	in.gen = p.gen
	if !p.fn.mgr.routines.Go(in.run) {
		return nil, ErrClosed
	}
	p.open++
	return in, nil
}

// release gives a healthy instance back: to the oldest waiter, else to the
// idle list. It reports false if the instance should stop instead: the pool
// is closed, or the instance was retired.
func (p *pool) release(in *instance) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || in.gen != p.gen {
		return false
	}
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		w.ch <- in
		return true
	}
	in.idleSince = time.Now()
	p.idle = append(p.idle, in)
	return true
}

// dead records that an instance ended and its process is gone. Its slot goes
// to the oldest waiter as a new instance.
func (p *pool) dead(in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.idle, in); i >= 0 {
		p.idle = slices.Delete(p.idle, i, i+1)
	}
	p.open--
	if p.closed || len(p.waiters) == 0 {
		return
	}
	fresh, err := p.newLocked()
	if err != nil {
		return
	}
	w := p.waiters[0]
	p.waiters = p.waiters[1:]
	w.ch <- fresh
}

// retire makes every current instance old: idle ones stop now, busy ones
// when their invocation ends. Later requests get new instances.
func (p *pool) retire() {
	p.mu.Lock()
	p.gen++
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, in := range idle {
		in.requestStop()
	}
}

// close turns queued requests away. Instances stop on their own when the
// manager's context ends.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, w := range p.waiters {
		w.ch <- nil
	}
	p.waiters = nil
}

// reapIdle stops instances that have been idle for idleTimeout, until ctx
// ends. It sleeps until the oldest idle instance expires; when none is idle,
// it checks again after a full idleTimeout (an instance released later cannot
// expire sooner).
func (p *pool) reapIdle(ctx context.Context) {
	t := time.NewTimer(p.idleTimeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		var expired []*instance
		p.mu.Lock()
		for len(p.idle) > 0 && now.Sub(p.idle[0].idleSince) >= p.idleTimeout {
			expired = append(expired, p.idle[0])
			p.idle = p.idle[1:]
		}
		next := p.idleTimeout
		if len(p.idle) > 0 {
			next = p.idle[0].idleSince.Add(p.idleTimeout).Sub(now)
		}
		p.mu.Unlock()
		for _, in := range expired {
			in.requestStop()
		}
		t.Reset(next)
	}
}

// stats reports the instances alive, the idle ones among them, and how many
// instances were started so far (cold starts).
func (p *pool) stats() (open, idle, started int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open, len(p.idle), p.seq
}
