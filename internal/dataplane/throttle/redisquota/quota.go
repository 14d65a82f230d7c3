// Package redisquota makes throttling limits hold for a cluster of
// gateway nodes as a whole, through Redis, without a Redis round trip per
// request.
//
// # Design: token leases
//
// Each limit (the account's, or one route's of one stage) is a GCRA bucket
// kept in Redis (one key: its theoretical arrival time, computed on Redis's
// clock so that the nodes' clocks do not matter). A node does not ask Redis
// per request: it leases tokens in batches with one script call, and
// spends them locally with an atomic decrement. When a node's lease runs
// low (a quarter of a batch left) it leases the next batch in the
// background (after a lease that came back short, not before half a
// window has passed: a node at the limit calls Redis about 40 times a
// second); a request that finds no token left while the next batch is
// on its way is refused, as the limit would refuse it.
//
// A batch is the tokens the node's share of the rate brings in
// LeaseWindow (50 ms): k = max(1, ceil(R/N * 0.05)) for a rate R and N
// live nodes. Error bound: tokens are taken from Redis before they are
// spent, so the cluster never admits more than the limit allows plus what
// the nodes hold unspent (at most N·k ≈ 5 % of one second's rate, once);
// tokens a node holds unspent for more than a second are dropped, so a
// node that goes quiet cannot save them. While Redis grants whole batches
// (the limit is not being reached), a node may spend one batch ahead of
// its lease, so that an idle node admits its first requests at once; the
// next lease repays it. Once a lease comes back short, nothing is spent
// ahead. The accuracy measured over 10 s at twice the rate is in
// docs/performance.md.
//
// # Redis down
//
// When a lease call fails, the node logs one warning and falls back to a
// local bucket of rate R/N and burst max(1, B/N) (N = live nodes), counts
// the time spent so (FallbackSeconds), and checks Redis again every
// second; it returns to leases as soon as Redis answers. Without Redis
// configured the same local split applies, documented as approximate.
package redisquota

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigwdev/apigw/internal/dataplane/throttle"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// LeaseWindow is how much of a node's share of a rate one lease holds.
const LeaseWindow = 50 * time.Millisecond

// leaseExpiry is how long a node keeps leased tokens it has not spent.
const leaseExpiry = time.Second

// Options configure a Quota.
type Options struct {
	// Client is Redis; nil splits limits between the nodes locally.
	Client redis.UniversalClient
	// Prefix is prepended to Redis keys; default "apigw:".
	Prefix string
	// Nodes returns the number of live nodes (at least 1). If nil, 1.
	Nodes func() int
	// Logger receives the fallback warnings. If nil, slog.Default().
	Logger *slog.Logger
	// Account are the account-level limits every route is under; zero
	// means none.
	Account throttle.Limits
}

// Quota owns the cluster-wide buckets of one node. Buckets live as long as
// the Quota, across redeploys, keyed by their id and limits.
type Quota struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	buckets map[string]*Bucket // guarded by mu

	// fallback is set while Redis does not answer.
	fallback      atomic.Bool
	fallbackSince atomic.Int64 // unix nanoseconds, 0 when not in fallback
	fallbackTotal atomic.Int64 // nanoseconds spent in fallback before now
	probing       atomic.Bool
	leases        atomic.Int64
}

// New returns a Quota; nothing runs until a bucket needs a lease.
func New(opts Options) *Quota {
	if opts.Prefix == "" {
		opts.Prefix = "apigw:"
	}
	if opts.Nodes == nil {
		opts.Nodes = func() int { return 1 }
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Quota{opts: opts, ctx: ctx, cancel: cancel, buckets: map[string]*Bucket{}}
}

// Close stops the background leases, waits for them and closes the Redis
// client.
func (q *Quota) Close() {
	q.cancel()
	q.wg.Wait()
	if q.opts.Client != nil {
		_ = q.opts.Client.Close()
	}
}

// Fallback reports whether the node throttles locally because Redis does
// not answer (always false without Redis configured).
func (q *Quota) Fallback() bool { return q.fallback.Load() }

// Configured reports whether Redis is configured.
func (q *Quota) Configured() bool { return q.opts.Client != nil }

// FallbackSeconds is the time spent in fallback so far.
func (q *Quota) FallbackSeconds() float64 {
	total := q.fallbackTotal.Load()
	if s := q.fallbackSince.Load(); s != 0 {
		total += time.Now().UnixNano() - s
	}
	return float64(total) / 1e9
}

// Leases counts the lease calls made to Redis (its operations per node).
func (q *Quota) Leases() int64 { return q.leases.Load() }

// Bucket returns the cluster-wide bucket id with limits l (the same one
// for the same id and limits, so redeploys keep leased tokens).
func (q *Quota) Bucket(id string, l throttle.Limits) *Bucket {
	key := id + "|" + strconv.FormatFloat(l.Rate, 'g', -1, 64) + "|" + strconv.Itoa(l.Burst)
	q.mu.Lock()
	defer q.mu.Unlock()
	if b := q.buckets[key]; b != nil {
		return b
	}
	b := &Bucket{q: q, key: q.opts.Prefix + "tb:" + key, limits: l}
	q.buckets[key] = b
	return b
}

// Limiter returns the cluster-wide limiter of a route: its own bucket
// (id names the API, stage and route key; nil limits: none) under the
// account's. It implements compile.ClusterThrottle.
func (q *Quota) Limiter(id string, route *throttle.Limits) snapshot.Limiter {
	l := &Limiter{}
	if route != nil {
		l.route = q.Bucket("route:"+id, *route)
	}
	if q.opts.Account.Rate > 0 {
		l.account = q.Bucket("account", q.opts.Account)
	}
	if l.route == nil && l.account == nil {
		return nil
	}
	return l
}

// Bucket is one cluster-wide limit, as seen from this node.
type Bucket struct {
	q      *Quota
	key    string
	limits throttle.Limits

	tokens  atomic.Int64 // leased, unspent
	leased  atomic.Int64 // unix nanoseconds of the last lease
	pending atomic.Bool  // a lease is on its way
	// starved is set when Redis granted less than a lease asked: the
	// limit is being reached, and nothing is spent ahead of a lease.
	starved atomic.Bool
	// notBefore (unix nanoseconds) holds the next lease back after a short
	// one, so that a node at the limit asks Redis a few dozen times a
	// second, not once per request.
	notBefore atomic.Int64

	localMu sync.Mutex
	local   *throttle.Bucket // guarded by localMu: the fallback bucket
	localN  int              // guarded by localMu: the node count it was made for
}

// batch is the number of tokens one lease asks for.
func (b *Bucket) batch() int64 {
	n := float64(max(1, b.q.opts.Nodes()))
	return int64(max(1, math.Ceil(b.limits.Rate/n*LeaseWindow.Seconds())))
}

// Allow reports whether one more request may proceed now.
func (b *Bucket) Allow() bool {
	if b.q.opts.Client == nil || b.q.fallback.Load() {
		if b.q.fallback.Load() {
			b.q.probe()
		}
		return b.localBucket().Allow()
	}
	if l := b.leased.Load(); l != 0 && time.Now().UnixNano()-l > int64(leaseExpiry) {
		// Tokens held too long are given up, so that a quiet node cannot
		// save them.
		b.leased.Store(0)
		for {
			n := b.tokens.Load()
			if n <= 0 || b.tokens.CompareAndSwap(n, 0) {
				break
			}
		}
	}
	batch := b.batch()
	n := b.tokens.Add(-1)
	if n < batch/4 {
		b.lease()
	}
	// While Redis grants whole batches, a node may spend one batch ahead
	// of its lease (the next lease repays it): an idle node does not
	// refuse its first requests while it leases.
	if n >= 0 || (!b.starved.Load() && n >= -batch) {
		return true
	}
	b.tokens.Add(1)
	return false
}

// lease asks Redis for the next batch in the background, unless one is on
// its way.
func (b *Bucket) lease() {
	if nb := b.notBefore.Load(); nb != 0 && time.Now().UnixNano() < nb {
		return
	}
	if !b.pending.CompareAndSwap(false, true) {
		return
	}
	q := b.q
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		defer b.pending.Store(false)
		want := b.batch()
		n, err := b.take(want)
		if err != nil {
			q.enterFallback(err)
			return
		}
		b.starved.Store(n < want)
		if n < want {
			b.notBefore.Store(time.Now().Add(LeaseWindow / 2).UnixNano())
		} else {
			b.notBefore.Store(0)
		}
		if n > 0 {
			b.tokens.Add(n)
			b.leased.Store(time.Now().UnixNano())
		}
	}()
}

// take leases up to n tokens from Redis.
func (b *Bucket) take(n int64) (int64, error) {
	q := b.q
	ctx, cancel := context.WithTimeout(q.ctx, time.Second)
	defer cancel()
	q.leases.Add(1)
	interval := 1e6 / b.limits.Rate // microseconds per token
	tolerance := interval * float64(max(b.limits.Burst, 1))
	res, err := leaseScript.Run(ctx, q.opts.Client, []string{b.key}, interval, tolerance, n).Int64()
	if err != nil {
		return 0, err
	}
	return res, nil
}

// localBucket returns the fallback bucket: rate R/N and burst max(1, B/N).
func (b *Bucket) localBucket() *throttle.Bucket {
	n := max(1, b.q.opts.Nodes())
	b.localMu.Lock()
	defer b.localMu.Unlock()
	if b.local == nil || b.localN != n {
		b.local = throttle.NewBucket(throttle.Limits{Rate: b.limits.Rate / float64(n), Burst: max(1, b.limits.Burst/n)}, nil)
		b.localN = n
	}
	return b.local
}

// enterFallback switches the node to local buckets, once per outage.
func (q *Quota) enterFallback(err error) {
	if q.ctx.Err() != nil || q.opts.Client == nil || !q.fallback.CompareAndSwap(false, true) {
		return
	}
	q.fallbackSince.Store(time.Now().UnixNano())
	q.opts.Logger.Warn(fmt.Sprintf("redis does not answer (%v): throttling locally with each limit divided by the %d live nodes until it does", err, max(1, q.opts.Nodes())))
}

// Unreachable starts the node in fallback: Redis did not answer at start.
func (q *Quota) Unreachable() { q.enterFallbackQuiet() }

func (q *Quota) enterFallbackQuiet() {
	if q.fallback.CompareAndSwap(false, true) {
		q.fallbackSince.Store(time.Now().UnixNano())
	}
}

// probe checks Redis again, at most once a second, while in fallback.
func (q *Quota) probe() {
	if !q.probing.CompareAndSwap(false, true) {
		return
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		defer q.probing.Store(false)
		select {
		case <-q.ctx.Done():
			return
		case <-time.After(time.Second):
		}
		ctx, cancel := context.WithTimeout(q.ctx, time.Second)
		defer cancel()
		if q.opts.Client.Ping(ctx).Err() != nil {
			return
		}
		if q.fallback.CompareAndSwap(true, false) {
			if s := q.fallbackSince.Swap(0); s != 0 {
				q.fallbackTotal.Add(time.Now().UnixNano() - s)
			}
			q.opts.Logger.Info("redis answers again: throttling cluster-wide")
		}
	}()
}

// Limiter admits requests to one route: its route bucket, then the
// account bucket. It implements snapshot.Limiter.
type Limiter struct {
	route, account *Bucket
}

// Allow implements snapshot.Limiter. A token taken from the route bucket
// when the account refuses is given back.
func (l *Limiter) Allow() bool {
	if l.route != nil && !l.route.Allow() {
		return false
	}
	if l.account != nil && !l.account.Allow() {
		if l.route != nil {
			l.route.refund()
		}
		return false
	}
	return true
}

func (b *Bucket) refund() {
	if b.q.opts.Client == nil || b.q.fallback.Load() {
		return
	}
	b.tokens.Add(1)
}

// leaseScript takes up to ARGV[3] tokens from the GCRA bucket KEYS[1]
// (theoretical arrival time in microseconds of Redis's clock; ARGV[1] is
// the interval between tokens and ARGV[2] the tolerance, in microseconds)
// and returns how many it took.
var leaseScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local avail = math.floor((now + tolerance - tat) / interval)
if avail <= 0 then return 0 end
local n = math.min(want, avail)
tat = tat + n * interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now + tolerance) / 1000) + 1)
return n
`)
