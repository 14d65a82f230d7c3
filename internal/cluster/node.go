// Package cluster makes a gateway one node of a cluster that shares its
// APIs through etcd: it follows etcd with a watch from the revision the
// node serves and hands each revision's changes to the deployer, keeps a
// local copy of the last revision served so that the node restarts and
// serves while etcd is unreachable, registers the node under a lease, and
// answers GET /_cluster.
//
// Lifecycle of a Node:
//
//  1. Open: connect to etcd. When etcd cannot be reached and the data dir
//     holds a local copy, the node serves the copy (source "local-copy")
//     and keeps trying etcd in the background; without a copy Open fails,
//     naming the address.
//  2. Load (when connected): compile everything etcd holds at its current
//     revision, and write the local copy.
//  3. Start: follow etcd from the revision loaded, and keep the node's
//     membership key alive; both survive etcd outages (the node keeps
//     serving what it has: static stability) and resume from the revision
//     served when etcd comes back (a compacted revision leads to a full
//     reload).
//  4. Close: stop following, revoke the membership lease, close the local
//     copy and the etcd client.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/apigwdev/apigw/internal/deploy"
	"github.com/apigwdev/apigw/internal/store"
	"github.com/apigwdev/apigw/internal/store/etcd"
)

// MemberTTL is the lease of a node's membership key, in seconds.
const MemberTTL = 10

// Sources of what a node serves.
const (
	SourceEtcd      = "etcd"
	SourceLocalCopy = "local-copy"
)

// Options configure a Node.
type Options struct {
	// Etcd is how to reach etcd.
	Etcd etcd.Options
	// DataDir holds the local copy.
	DataDir string
	// Name is the node's name in the membership.
	Name string
	// Deployer compiles and serves the revisions followed. Required.
	Deployer *deploy.Deployer
	// Logger; if nil, slog.Default() is used.
	Logger *slog.Logger
}

// Node is one gateway node of a cluster.
type Node struct {
	opts Options
	log  *slog.Logger
	cp   *localCopy

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu sync.Mutex
	// st is nil while etcd has not been reached since the start.
	st *etcd.Store // guarded by mu
	// source is SourceEtcd or SourceLocalCopy.
	source string // guarded by mu
	// rev and etcdRev are the revision served and the etcd revision it
	// was read at.
	rev     uint64 // guarded by mu
	etcdRev int64  // guarded by mu
	// latest is the newest revision seen in etcd.
	latest uint64 // guarded by mu
	// urls are the node's listeners, for the membership.
	dataURL, adminURL string // guarded by mu
	started           bool   // guarded by mu
	closed            bool   // guarded by mu
	// live is the number of members last counted (0: not counted yet).
	live atomic.Int64
}

// Open connects the node to etcd, or to its local copy when etcd cannot
// be reached (see the package documentation).
func Open(opts Options) (*Node, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Etcd.Prefix == "" {
		opts.Etcd.Prefix = etcd.DefaultPrefix
	}
	cp, err := openCopy(opts.DataDir)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{opts: opts, log: opts.Logger.With("component", "cluster", "node", opts.Name), cp: cp, ctx: ctx, cancel: cancel}
	st, err := etcd.Open(opts.Etcd)
	if err == nil {
		n.st, n.source = st, SourceEtcd
		return n, nil
	}
	prefix, rev, etcdRev := cp.meta()
	if !errors.Is(err, store.ErrUnavailable) || rev == 0 || prefix != opts.Etcd.Prefix {
		cancel()
		cp.close()
		if errors.Is(err, store.ErrUnavailable) {
			return nil, fmt.Errorf("%w; and the data dir %s has no local copy of the cluster's state to serve meanwhile", err, opts.DataDir)
		}
		return nil, err
	}
	n.source, n.rev, n.etcdRev, n.latest = SourceLocalCopy, rev, etcdRev, rev
	n.log.Warn(fmt.Sprintf("%v; serving the local copy of revision %d until it answers", err, rev))
	if err := cp.view(opts.Deployer.Load); err != nil {
		cancel()
		cp.close()
		return nil, fmt.Errorf("serving the local copy: %w", err)
	}
	return n, nil
}

// Connected reports whether etcd was reached.
func (n *Node) Connected() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.st != nil
}

// Load compiles and serves everything etcd holds now, and writes the local
// copy. Call it once, after the config file's APIs were imported, when
// Connected.
func (n *Node) Load() error {
	n.mu.Lock()
	st := n.st
	n.mu.Unlock()
	if st == nil {
		return nil
	}
	return n.reload(st, false)
}

// reload serves etcd's current revision whole (full: replacing what is
// served, as after a compaction or an outage) and rewrites the local copy.
func (n *Node) reload(st *etcd.Store, full bool) error {
	rev, etcdRev, err := st.Current()
	if err != nil {
		return err
	}
	err = st.ViewAt(etcdRev, rev, func(tx store.Tx) error {
		if full {
			return n.opts.Deployer.Reload(tx)
		}
		return n.opts.Deployer.Load(tx)
	})
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.rev, n.etcdRev, n.source = rev, etcdRev, SourceEtcd
	n.latest = max(n.latest, rev)
	n.mu.Unlock()
	if err := n.cp.replace(st, rev, etcdRev); err != nil {
		n.log.Error("writing the local copy", "err", err)
	}
	return nil
}

// Store returns the store the management API writes to: etcd, or, while
// etcd has not been reached since the start, the local copy for reads
// (writes answer store.ErrUnavailable).
func (n *Node) Store() store.Store { return nodeStore{n} }

// Start follows etcd and keeps the node's membership alive, with its
// listeners' URLs.
func (n *Node) Start(dataURL, adminURL string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.started || n.closed {
		return
	}
	n.started = true
	n.dataURL, n.adminURL = dataURL, adminURL
	n.wg.Add(1)
	go n.run()
}

// run connects (when started from the local copy), then follows etcd and
// keeps the membership, until Close.
func (n *Node) run() {
	defer n.wg.Done()
	st := n.connect()
	if st == nil {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		n.member(st)
	}()
	n.follow(st)
}

// connect returns the etcd store, trying every second until it answers
// when the node started from its local copy; nil after Close.
func (n *Node) connect() *etcd.Store {
	n.mu.Lock()
	st := n.st
	n.mu.Unlock()
	if st != nil {
		return st
	}
	for {
		select {
		case <-n.ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		o := n.opts.Etcd
		o.DialTimeout = min(o.DialTimeout, 2*time.Second)
		if o.DialTimeout <= 0 {
			o.DialTimeout = 2 * time.Second
		}
		s, err := etcd.Open(o)
		if err != nil {
			continue
		}
		if err := n.reload(s, true); err != nil {
			s.Close()
			continue
		}
		n.mu.Lock()
		if n.closed {
			n.mu.Unlock()
			s.Close()
			return nil
		}
		n.st = s
		n.mu.Unlock()
		n.log.Info("etcd answers again: serving its current revision", "revision", s.Revision())
		return s
	}
}

// follow watches etcd from the revision served and applies each revision.
func (n *Node) follow(st *etcd.Store) {
	cli := st.Client()
	revKey := st.RevisionKey()
	for n.ctx.Err() == nil {
		n.mu.Lock()
		from := n.etcdRev + 1
		n.mu.Unlock()
		wctx, cancel := context.WithCancel(n.ctx)
		wch := cli.Watch(clientv3.WithRequireLeader(wctx), st.Prefix(), clientv3.WithPrefix(), clientv3.WithRev(from))
		compacted := false
		for resp := range wch {
			if resp.CompactRevision != 0 || errors.Is(resp.Err(), rpctypes.ErrCompacted) {
				compacted = true
				break
			}
			if resp.Err() != nil {
				break
			}
			for _, b := range batches(resp.Events, st.Prefix(), revKey) {
				n.apply(st, b)
			}
		}
		cancel()
		if n.ctx.Err() != nil {
			return
		}
		if compacted {
			n.log.Warn("the revision served was compacted in etcd: reloading everything")
			if err := n.reload(st, true); err != nil {
				n.log.Error("reloading from etcd", "err", err)
			}
			continue
		}
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// batch is one etcd revision's writes under the prefix.
type batch struct {
	etcdRev int64
	rev     uint64 // the store revision, 0 when the revision key was not written
	changes store.Changes
	// writes are the resources' keys written (nil values: deleted).
	writes map[string][]byte
}

// batches groups events by etcd revision (one store commit each).
func batches(events []*clientv3.Event, prefix, revKey string) []*batch {
	var out []*batch
	for _, ev := range events {
		key := string(ev.Kv.Key)
		r := ev.Kv.ModRevision
		if len(out) == 0 || out[len(out)-1].etcdRev != r {
			out = append(out, &batch{etcdRev: r, writes: map[string][]byte{}})
		}
		b := out[len(out)-1]
		if key == revKey {
			if v, err := strconv.ParseUint(string(ev.Kv.Value), 10, 64); err == nil && ev.Type == clientv3.EventTypePut {
				b.rev = v
			}
			continue
		}
		kind, scope, id, ok := etcd.ParseKey(prefix, key)
		if !ok {
			continue // membership, issuer keys
		}
		b.changes.Add(kind, scope, id)
		if ev.Type == clientv3.EventTypeDelete {
			b.writes[key] = nil
		} else {
			b.writes[key] = ev.Kv.Value
		}
	}
	return out
}

// apply serves one revision and records it in the local copy.
func (n *Node) apply(st *etcd.Store, b *batch) {
	if b.rev == 0 && len(b.writes) == 0 {
		return // membership or issuer keys only
	}
	n.mu.Lock()
	rev := b.rev
	if rev == 0 {
		rev = n.rev
	}
	n.mu.Unlock()
	if !b.changes.Empty() {
		err := st.ViewAt(b.etcdRev, rev, func(tx store.Tx) error { return n.opts.Deployer.Apply(tx, &b.changes) })
		if err != nil {
			n.log.Error("applying a revision from etcd", "revision", rev, "err", err)
		}
	}
	if b.rev != 0 {
		st.Observe(b.rev)
	}
	n.mu.Lock()
	n.rev, n.etcdRev = max(n.rev, rev), b.etcdRev
	n.latest = max(n.latest, rev)
	n.mu.Unlock()
	if err := n.cp.apply(st.Prefix(), rev, b.etcdRev, b.writes); err != nil {
		n.log.Error("writing the local copy", "err", err)
	}
}

// Member is a node as registered in etcd.
type Member struct {
	Node     string    `json:"node"`
	DataURL  string    `json:"dataUrl"`
	AdminURL string    `json:"adminUrl"`
	Revision uint64    `json:"revision"`
	LastSeen time.Time `json:"lastSeen"`
}

func (n *Node) memberKey(st *etcd.Store) string { return st.Prefix() + "members/" + n.opts.Name }

// member keeps the node's membership key alive under a lease of MemberTTL
// seconds, rewriting it when the revision served changes (at most once a
// second). A node that restarts under the same name takes the key over.
func (n *Node) member(st *etcd.Store) {
	cli := st.Client()
	for n.ctx.Err() == nil {
		if err := n.memberOnce(cli, st); err != nil && n.ctx.Err() == nil {
			n.log.Debug("cluster membership", "err", err)
		}
		select {
		case <-n.ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (n *Node) memberOnce(cli *clientv3.Client, st *etcd.Store) error {
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	lease, err := cli.Grant(ctx, MemberTTL)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, _ = cli.Revoke(ctx, lease.ID)
	}()
	ka, err := cli.KeepAlive(n.ctx, lease.ID)
	if err != nil {
		return err
	}
	var last uint64
	put := func() error {
		n.mu.Lock()
		m := Member{Node: n.opts.Name, DataURL: n.dataURL, AdminURL: n.adminURL, Revision: n.rev, LastSeen: time.Now().UTC().Truncate(time.Second)}
		n.mu.Unlock()
		b, _ := json.Marshal(m)
		ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
		defer cancel()
		_, err := cli.Put(ctx, n.memberKey(st), string(b), clientv3.WithLease(lease.ID))
		if err == nil {
			last = m.Revision
		}
		return err
	}
	if err := put(); err != nil {
		return err
	}
	if resp, err := cli.Get(n.ctx, st.Prefix()+"members/", clientv3.WithPrefix(), clientv3.WithCountOnly()); err == nil {
		n.live.Store(resp.Count)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	refresh := time.Now()
	for {
		select {
		case _, ok := <-ka:
			if !ok {
				return errors.New("membership lease lost")
			}
		case <-tick.C:
			ctx, cancel := context.WithTimeout(n.ctx, time.Second)
			if resp, err := cli.Get(ctx, st.Prefix()+"members/", clientv3.WithPrefix(), clientv3.WithCountOnly()); err == nil {
				n.live.Store(resp.Count)
			}
			cancel()
			n.mu.Lock()
			changed := n.rev != last
			n.mu.Unlock()
			if changed || time.Since(refresh) > MemberTTL*time.Second/2 {
				if err := put(); err != nil {
					return err
				}
				refresh = time.Now()
			}
		case <-n.ctx.Done():
			return nil
		}
	}
}

// Status is the answer of GET /_cluster.
type Status struct {
	Node           string            `json:"node"`
	Revision       uint64            `json:"revision"`
	LatestRevision uint64            `json:"latestRevision"`
	Source         string            `json:"source"`
	Redis          RedisStatus       `json:"redis"`
	Members        []Member          `json:"members"`
	Errors         []deploy.APIError `json:"errors"`
}

// RedisStatus is the node's view of Redis.
type RedisStatus struct {
	Configured bool `json:"configured"`
	Reachable  bool `json:"reachable"`
	Fallback   bool `json:"fallback"`
}

// Status returns the node's state, with the members etcd lists (only this
// node when etcd cannot be reached).
func (n *Node) Status() Status {
	n.mu.Lock()
	st := n.st
	s := Status{Node: n.opts.Name, Revision: n.rev, LatestRevision: n.latest, Source: n.source}
	self := Member{Node: n.opts.Name, DataURL: n.dataURL, AdminURL: n.adminURL, Revision: n.rev, LastSeen: time.Now().UTC().Truncate(time.Second)}
	n.mu.Unlock()
	s.Errors = n.opts.Deployer.Errors()
	if s.Errors == nil {
		s.Errors = []deploy.APIError{}
	}
	if st != nil {
		ctx, cancel := context.WithTimeout(n.ctx, 2*time.Second)
		resp, err := st.Client().Get(ctx, st.Prefix()+"members/", clientv3.WithPrefix())
		cancel()
		if err == nil {
			for _, kv := range resp.Kvs {
				var m Member
				if json.Unmarshal(kv.Value, &m) == nil {
					s.Members = append(s.Members, m)
				}
			}
			if rev, _, err := st.Current(); err == nil && rev > s.LatestRevision {
				s.LatestRevision = rev
			}
		}
	}
	if len(s.Members) == 0 {
		s.Members = []Member{self}
	}
	sort.Slice(s.Members, func(i, j int) bool { return s.Members[i].Node < s.Members[j].Node })
	return s
}

// Live returns the number of members last counted (at least 1): what
// limits are divided by when each node throttles on its own. It is cheap
// (counted every second in the background).
func (n *Node) Live() int { return max(1, int(n.live.Load())) }

// Close stops the node's goroutines, revokes its membership, closes the
// local copy and the etcd client.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	st := n.st
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
	var errs []error
	if st != nil {
		errs = append(errs, st.Close())
	}
	errs = append(errs, n.cp.close())
	return errors.Join(errs...)
}

// DefaultName is a node's default name: the host name and the data
// listener's port.
func DefaultName(dataAddr string) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "node"
	}
	if i := strings.LastIndexByte(dataAddr, ':'); i >= 0 {
		return host + "-" + dataAddr[i+1:]
	}
	return host
}

// nodeStore is the store the management API of a node uses.
type nodeStore struct{ n *Node }

func (s nodeStore) etcd() *etcd.Store {
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	return s.n.st
}

func (s nodeStore) View(fn func(store.Tx) error) error {
	if st := s.etcd(); st != nil {
		return st.View(fn)
	}
	return s.n.cp.view(fn)
}

func (s nodeStore) Update(fn func(store.Tx) error) error {
	if st := s.etcd(); st != nil {
		return st.Update(fn)
	}
	return fmt.Errorf("etcd at %s has not answered since this node started: %w", strings.Join(s.n.opts.Etcd.Endpoints, ","), store.ErrUnavailable)
}

func (s nodeStore) Revision() uint64 {
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	return s.n.rev
}

func (s nodeStore) Watch(ctx context.Context) <-chan uint64 {
	if st := s.etcd(); st != nil {
		return st.Watch(ctx)
	}
	ch := make(chan uint64)
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}

// Close does nothing: Node.Close closes the store.
func (s nodeStore) Close() error { return nil }

var _ store.Store = nodeStore{}
