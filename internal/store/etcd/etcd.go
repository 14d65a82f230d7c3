// Package etcd is the clustered implementation of store.Store: every
// resource is one key of an etcd cluster, holding the same JSON document
// the embedded bbolt store holds, so that any number of gateway nodes
// share one state.
//
// # Keys
//
// Everything lives under a prefix (default /apigw/), so that clusters may
// share an etcd:
//
//	{prefix}rev                       the store revision (decimal), written by every commit
//	{prefix}d/{kind}/{scope}/{id}     one resource (scope and id escaped, see key)
//	{prefix}members/{node}            cluster membership (package cluster)
//	{prefix}issuer/...                the local OIDC issuer's keys (package cluster)
//
// # Transactions
//
// A View reads the revision key, then reads everything at the etcd
// revision of that read: one consistent state, whatever commits meanwhile.
// An Update reads the same way, buffers its writes (reads see them), and
// commits them in one etcd transaction guarded by the revision key's mod
// revision: since every commit writes that key, the transaction commits
// only if nothing was committed since it read, and then increments the
// store revision by one, as the bbolt store does. A transaction that lost
// the race runs again on the new state, a bounded number of times, and
// then fails with store.ErrConflict (the management API answers 409
// ConflictException). An etcd that cannot be reached fails with
// store.ErrUnavailable (503).
//
// etcd bounds a transaction's operations (--max-txn-ops, default 128) and
// its size (--max-request-bytes, default 1.5 MiB); importing a large
// config file in one transaction needs both raised (docs/scaling.md).
package etcd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/status"

	"github.com/apigwdev/apigw/internal/store"
)

// Defaults of Options.
const (
	DefaultPrefix      = "/apigw/"
	DefaultDialTimeout = 5 * time.Second
	// DefaultRequestTimeout bounds one etcd request.
	DefaultRequestTimeout = 5 * time.Second
	// DefaultRetries is how many times a conflicting Update runs again.
	DefaultRetries = 8
)

// Options configure a Store.
type Options struct {
	// Endpoints are etcd's client URLs (http:// or https://). Required.
	Endpoints []string
	// Prefix is prepended to every key; default DefaultPrefix. It should
	// end with "/".
	Prefix string
	// DialTimeout bounds the first connection; default DefaultDialTimeout.
	DialTimeout time.Duration
	// RequestTimeout bounds each request; default DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Username and Password authenticate to etcd when Username is set.
	Username, Password string
	// TLS, when not nil, is used for https:// endpoints.
	TLS *tls.Config
	// Retries is how many times a conflicting Update runs again; default
	// DefaultRetries.
	Retries int
	// Logger receives the watch's warnings. If nil, slog.Default() is used.
	Logger *slog.Logger
}

// Store implements store.Store on etcd.
type Store struct {
	cli    *clientv3.Client
	opts   Options
	prefix string
	revKey string
	rev    atomic.Uint64
	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool                  // guarded by mu
	watchers map[*watcher]struct{} // guarded by mu
	// watching is set once the goroutine following the revision key runs.
	watching bool // guarded by mu
}

// watcher is one Watch channel and the last revision it was given.
type watcher struct {
	ch   chan uint64
	last uint64
}

// Open connects to etcd and reads the store's revision. An etcd that
// cannot be reached, refuses the credentials or the TLS settings fails
// with an error that says so and names the endpoints.
func Open(opts Options) (*Store, error) {
	if len(opts.Endpoints) == 0 {
		return nil, errors.New("etcd: no endpoints")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.Retries <= 0 {
		opts.Retries = DefaultRetries
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	where := strings.Join(opts.Endpoints, ",")
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   opts.Endpoints,
		DialTimeout: opts.DialTimeout,
		Username:    opts.Username,
		Password:    opts.Password,
		TLS:         opts.TLS,
		Logger:      zap.NewNop(),
		// Reconnect within a second of etcd coming back (gRPC's default
		// backoff grows to two minutes): a node resumes its watch, and
		// writes through it succeed, promptly after an outage.
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
		})},
		PermitWithoutStream: true,
	})
	if err != nil {
		return nil, describe(where, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Store{cli: cli, opts: opts, prefix: opts.Prefix, revKey: opts.Prefix + "rev", ctx: ctx, cancel: cancel}
	rctx, rcancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer rcancel()
	rev, _, _, err := s.readRev(rctx)
	if err != nil {
		cancel()
		cli.Close()
		if herr := probeTLS(opts); herr != nil {
			return nil, fmt.Errorf("etcd at %s: TLS failed (check cluster.etcd.tls and https:// endpoints): %w", where, herr)
		}
		return nil, describe(where, err)
	}
	s.rev.Store(rev)
	return s, nil
}

// probeTLS returns the handshake error of the first https endpoint that
// accepts a TCP connection but fails TLS (gRPC reports such failures as a
// timeout only), or nil.
func probeTLS(opts Options) error {
	for _, e := range opts.Endpoints {
		u, err := url.Parse(e)
		if err != nil || u.Scheme != "https" {
			continue
		}
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if opts.TLS != nil {
			cfg = opts.TLS.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", u.Host, cfg)
		if err == nil {
			c.Close()
			continue
		}
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			continue // not reachable at all: not a TLS problem
		}
		return err
	}
	return nil
}

// describe turns a connection failure into an error naming the endpoints
// and what went wrong.
func describe(where string, err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, rpctypes.ErrAuthFailed), errors.Is(err, rpctypes.ErrGRPCAuthFailed),
		errors.Is(err, rpctypes.ErrPermissionDenied), errors.Is(err, rpctypes.ErrGRPCPermissionDenied),
		errors.Is(err, rpctypes.ErrUserEmpty), errors.Is(err, rpctypes.ErrGRPCUserEmpty),
		strings.Contains(msg, "authentication failed"), strings.Contains(msg, "permission denied"):
		return fmt.Errorf("etcd at %s refused the credentials (cluster.etcd.username/password): %w", where, err)
	case strings.Contains(msg, "x509") || strings.Contains(msg, "tls:") || strings.Contains(msg, "handshake"):
		return fmt.Errorf("etcd at %s: TLS failed (check cluster.etcd.tls and https:// endpoints): %w", where, err)
	case errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.Unavailable || status.Code(err) == codes.DeadlineExceeded:
		return fmt.Errorf("etcd at %s is unreachable: %w: %w", where, store.ErrUnavailable, err)
	}
	return fmt.Errorf("etcd at %s: %w", where, err)
}

// Client returns the etcd client, for the cluster's membership and watch.
func (s *Store) Client() *clientv3.Client { return s.cli }

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// readRev reads the store revision, with the etcd revision of the read and
// the revision key's mod revision.
func (s *Store) readRev(ctx context.Context) (rev uint64, etcdRev, modRev int64, err error) {
	resp, err := s.cli.Get(ctx, s.revKey)
	if err != nil {
		return 0, 0, 0, err
	}
	etcdRev = resp.Header.Revision
	if len(resp.Kvs) == 1 {
		modRev = resp.Kvs[0].ModRevision
		rev, err = strconv.ParseUint(string(resp.Kvs[0].Value), 10, 64)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("etcd: bad revision %q under %s", resp.Kvs[0].Value, s.revKey)
		}
	}
	return rev, etcdRev, modRev, nil
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// unavailable wraps an error of etcd's client, marking the failures to
// reach it.
func (s *Store) unavailable(err error) error {
	if err == nil {
		return nil
	}
	if s.ctx.Err() != nil {
		return store.ErrClosed
	}
	c := status.Code(err)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || c == codes.Unavailable || c == codes.DeadlineExceeded ||
		errors.Is(err, rpctypes.ErrNoLeader) || errors.Is(err, rpctypes.ErrTimeout) {
		return fmt.Errorf("etcd at %s: %w: %w", strings.Join(s.opts.Endpoints, ","), store.ErrUnavailable, err)
	}
	return err
}

// reachable fails fast, with store.ErrUnavailable, while the client's
// connection to etcd is down (a request would wait for the whole request
// timeout before failing).
func (s *Store) reachable() error {
	switch s.cli.ActiveConnection().GetState() {
	case connectivity.TransientFailure, connectivity.Shutdown:
		return fmt.Errorf("etcd at %s: %w: not connected", strings.Join(s.opts.Endpoints, ","), store.ErrUnavailable)
	}
	return nil
}

// View implements store.Store.
func (s *Store) View(fn func(store.Tx) error) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	if err := s.reachable(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.RequestTimeout)
	defer cancel()
	rev, etcdRev, _, err := s.readRev(ctx)
	if err != nil {
		return s.unavailable(err)
	}
	s.observe(rev)
	return s.ViewAt(etcdRev, rev, fn)
}

// ViewAt runs fn in a read-only transaction that reads etcd as it was at
// etcdRev, whose store revision was rev.
func (s *Store) ViewAt(etcdRev int64, rev uint64, fn func(store.Tx) error) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	t := &tx{r: &etcdReader{s: s, rev: etcdRev}, prefix: s.prefix, rev: rev}
	err := fn(t)
	t.done = true
	if t.err != nil && err != nil {
		return s.unavailable(err)
	}
	return err
}

// Update implements store.Store.
func (s *Store) Update(fn func(store.Tx) error) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	for attempt := 0; ; attempt++ {
		err := s.update(fn)
		if !errors.Is(err, errRetry) {
			return err
		}
		if attempt >= s.opts.Retries {
			return fmt.Errorf("committing to etcd after %d attempts: %w", attempt+1, store.ErrConflict)
		}
		// Back off a little, with jitter, so that writers racing through
		// different nodes do not collide again in step.
		time.Sleep(time.Duration(1+rand.IntN(4<<min(attempt, 4))) * time.Millisecond)
	}
}

var errRetry = errors.New("retry")

func (s *Store) update(fn func(store.Tx) error) (err error) {
	if err := s.reachable(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.RequestTimeout)
	defer cancel()
	rev, etcdRev, modRev, err := s.readRev(ctx)
	if err != nil {
		return s.unavailable(err)
	}
	t := &tx{r: &etcdReader{s: s, rev: etcdRev}, prefix: s.prefix, rev: rev + 1, writable: true, pending: map[string]*[]byte{}}
	defer func() { t.done = true }()
	if err := fn(t); err != nil {
		if t.err != nil {
			return s.unavailable(err)
		}
		return err
	}
	ops := make([]clientv3.Op, 0, len(t.pending)+1)
	keys := make([]string, 0, len(t.pending))
	for k := range t.pending {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := t.pending[k]; v != nil {
			ops = append(ops, clientv3.OpPut(k, string(*v)))
		} else {
			ops = append(ops, clientv3.OpDelete(k))
		}
	}
	ops = append(ops, clientv3.OpPut(s.revKey, strconv.FormatUint(rev+1, 10)))
	resp, err := s.cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(s.revKey), "=", modRev)).Then(ops...).Commit()
	if err != nil {
		if errors.Is(err, rpctypes.ErrTooManyOps) || errors.Is(err, rpctypes.ErrGRPCTooManyOps) || errors.Is(err, rpctypes.ErrRequestTooLarge) || errors.Is(err, rpctypes.ErrGRPCRequestTooLarge) {
			return fmt.Errorf("committing %d writes to etcd: %w (raise etcd's --max-txn-ops and --max-request-bytes)", len(ops), err)
		}
		return s.unavailable(err)
	}
	if !resp.Succeeded {
		return errRetry
	}
	s.observe(rev + 1)
	return nil
}

// observe records rev as the latest revision known, if it is, and tells
// the watchers.
func (s *Store) observe(rev uint64) {
	for {
		cur := s.rev.Load()
		if rev <= cur {
			return
		}
		if s.rev.CompareAndSwap(cur, rev) {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyLocked(rev)
}

// Revision implements store.Store: the latest revision this node read or
// committed.
func (s *Store) Revision() uint64 { return s.rev.Load() }

// Watch implements store.Store: it reports the store revisions committed
// by any node (this node's own commits as Update returns, the others' as
// etcd reports them).
func (s *Store) Watch(ctx context.Context) <-chan uint64 {
	w := &watcher{ch: make(chan uint64, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		close(w.ch)
		return w.ch
	}
	if s.watchers == nil {
		s.watchers = make(map[*watcher]struct{})
	}
	w.last = s.rev.Load()
	s.watchers[w] = struct{}{}
	if !s.watching {
		s.watching = true
		s.wg.Add(1)
		go s.follow()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-ctx.Done():
		case <-s.ctx.Done():
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.watchers, w)
		close(w.ch)
	}()
	return w.ch
}

// follow reports the revisions other nodes commit to the watchers, until
// Close. The etcd client re-establishes the watch when etcd comes back.
func (s *Store) follow() {
	defer s.wg.Done()
	for s.ctx.Err() == nil {
		wch := s.cli.Watch(clientv3.WithRequireLeader(s.ctx), s.revKey)
		for resp := range wch {
			for _, ev := range resp.Events {
				if ev.Type != clientv3.EventTypePut {
					continue
				}
				if rev, err := strconv.ParseUint(string(ev.Kv.Value), 10, 64); err == nil {
					s.observe(rev)
				}
			}
		}
		select {
		case <-s.ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// notifyLocked hands rev to every watcher that has seen less, replacing
// an unread older value.
func (s *Store) notifyLocked(rev uint64) {
	for w := range s.watchers {
		if rev <= w.last {
			continue
		}
		w.last = rev
		select {
		case <-w.ch:
		default:
		}
		w.ch <- rev
	}
}

// Close implements store.Store.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	if err := s.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("closing etcd client: %w", err)
	}
	return nil
}

// etcdReader reads etcd as it was at one revision.
type etcdReader struct {
	s   *Store
	rev int64
}

func (r *etcdReader) get(key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(r.s.ctx, r.s.opts.RequestTimeout)
	defer cancel()
	resp, err := r.s.cli.Get(ctx, key, clientv3.WithRev(r.rev))
	if err != nil {
		return nil, false, err
	}
	if len(resp.Kvs) == 0 {
		return nil, false, nil
	}
	return resp.Kvs[0].Value, true, nil
}

// listPage is how many keys one range request reads.
const listPage = 1000

func (r *etcdReader) list(prefix, from string, fn func(key string, value []byte) bool) error {
	end := clientv3.GetPrefixRangeEnd(prefix)
	for {
		ctx, cancel := context.WithTimeout(r.s.ctx, r.s.opts.RequestTimeout)
		resp, err := r.s.cli.Get(ctx, from, clientv3.WithRange(end), clientv3.WithRev(r.rev), clientv3.WithLimit(listPage),
			clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
		cancel()
		if err != nil {
			return err
		}
		for _, kv := range resp.Kvs {
			if !fn(string(kv.Key), kv.Value) {
				return nil
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// Interface guard.
var _ store.Store = (*Store)(nil)

// Current returns the store revision and the etcd revision it was read
// at: what ViewAt and a watch from the next etcd revision start from.
func (s *Store) Current() (rev uint64, etcdRev int64, err error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.RequestTimeout)
	defer cancel()
	rev, etcdRev, _, err = s.readRev(ctx)
	if err != nil {
		return 0, 0, s.unavailable(err)
	}
	s.observe(rev)
	return rev, etcdRev, nil
}

// Dump calls fn for every resource key and value as etcd held them at
// etcdRev, in key order.
func (s *Store) Dump(etcdRev int64, fn func(key string, value []byte) bool) error {
	r := &etcdReader{s: s, rev: etcdRev}
	p := DataPrefix(s.prefix)
	return s.unavailable(r.list(p, p, fn))
}

// RevisionKey returns the key holding the store revision.
func (s *Store) RevisionKey() string { return s.revKey }

// Observe records rev as a revision committed (seen by a watch of the
// caller's own), for Revision and Watch.
func (s *Store) Observe(rev uint64) { s.observe(rev) }
