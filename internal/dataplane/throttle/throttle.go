package throttle

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// Limits are the two settings of a token bucket.
type Limits struct {
	// Rate is the steady-state rate in requests per second (the bucket's
	// refill rate); 0 never refills. Must be finite and not negative.
	Rate float64
	// Burst is the bucket's capacity in requests; 0 refuses every request.
	// Must not be negative.
	Burst int
}

// The account-level limits of AWS: 10,000 requests per second with a burst
// of 5,000 (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). The rate is adjustable on AWS, the burst
// is not.
const (
	DefaultAccountRate  = 10000.0
	DefaultAccountBurst = 5000
)

// DefaultAccountLimits returns the account-level limits of AWS,
// DefaultAccountRate and DefaultAccountBurst.
func DefaultAccountLimits() Limits {
	return Limits{Rate: DefaultAccountRate, Burst: DefaultAccountBurst}
}

// Bounds that keep the bucket's integer arithmetic from overflowing. Rates
// below minRate (one request per 100 years) are treated as 0 (never
// refills); bursts above maxBurst (about 10^12) are capped to it; burst ×
// time per token is kept under maxTolerance by measuring time in units of
// 2^shift nanoseconds.
const (
	minRate      = 1.0 / (100 * 365 * 24 * 3600)
	maxBurst     = int64(1) << 40
	maxTolerance = float64(int64(1) << 61)
)

// Bucket is a lock-free token bucket. Create it with NewBucket; it is safe
// for concurrent use.
type Bucket struct {
	// tat is the theoretical arrival time of the next request, in time units
	// since base: the bucket is full when tat <= now and holds
	// (now + tolerance - tat) / interval tokens otherwise.
	tat atomic.Int64
	// interval is the time to refill one token, in time units; 0 when the
	// rate is 0 (never refills).
	interval int64
	// tolerance is burst × interval, the time a full bucket lasts.
	tolerance int64
	// shift sets the time unit: 2^shift nanoseconds.
	shift uint
	// left counts the tokens of a bucket that never refills.
	left   atomic.Int64
	limits Limits
	now    func() time.Time
	base   time.Time
}

// NewBucket returns a full bucket with limits l, reading the time from now
// (nil means time.Now). It panics if l is invalid (see Limits.Validate):
// limits come from validated configuration.
func NewBucket(l Limits, now func() time.Time) *Bucket {
	if err := l.Validate(); err != nil {
		panic(fmt.Sprintf("throttle.NewBucket: %v", err))
	}
	if now == nil {
		now = time.Now
	}
	b := &Bucket{limits: l, now: now, base: now()}
	burst := min(int64(l.Burst), maxBurst)
	if l.Rate < minRate {
		b.left.Store(burst)
		return b
	}
	iv := 1e9 / l.Rate
	for iv*float64(burst) > maxTolerance {
		iv /= 2
		b.shift++
	}
	b.interval = max(int64(iv), 1)
	b.tolerance = burst * b.interval
	return b
}

// Validate reports whether l can make a bucket: a finite, non-negative rate
// and a non-negative burst.
func (l Limits) Validate() error {
	if math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) || l.Rate < 0 {
		return fmt.Errorf("throttling rate %v must be a finite number of requests per second, at least 0", l.Rate)
	}
	if l.Burst < 0 {
		return fmt.Errorf("throttling burst %d must be at least 0", l.Burst)
	}
	return nil
}

// Limits returns the bucket's limits.
func (b *Bucket) Limits() Limits { return b.limits }

// Allow takes one token and reports whether there was one. A refused call
// changes nothing.
func (b *Bucket) Allow() bool {
	if b.interval == 0 {
		return b.takeFixed()
	}
	return b.allowAt(b.now())
}

// allowAt is Allow at time t.
func (b *Bucket) allowAt(t time.Time) bool {
	if b.interval == 0 {
		return b.takeFixed()
	}
	now := int64(t.Sub(b.base)) >> b.shift
	for {
		tat := b.tat.Load()
		next := max(tat, now) + b.interval
		if next-now > b.tolerance {
			return false
		}
		if b.tat.CompareAndSwap(tat, next) {
			return true
		}
	}
}

// refund gives back a token taken by Allow, best effort: the bucket never
// holds more than its burst.
func (b *Bucket) refund() {
	if b.interval == 0 {
		b.left.Add(1)
		return
	}
	for {
		tat := b.tat.Load()
		if b.tat.CompareAndSwap(tat, tat-b.interval) {
			return
		}
	}
}

// takeFixed takes a token from a bucket that never refills.
func (b *Bucket) takeFixed() bool {
	for {
		n := b.left.Load()
		if n <= 0 {
			return false
		}
		if b.left.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// Limiter admits requests to one route: its route bucket (stage default and
// route settings), then the account bucket. It implements snapshot.Limiter.
type Limiter struct {
	route   *Bucket // nil when the route has no limits of its own
	account *Bucket // nil when there is no account limit
}

// NewLimiter returns a Limiter checking route, then account; either may be
// nil. When both are set, Allow reads the time once, from the route bucket's
// clock, for both: give them the same clock.
func NewLimiter(route, account *Bucket) *Limiter {
	return &Limiter{route: route, account: account}
}

// Allow reports whether one more request may proceed now. When the account
// bucket refuses, the token taken from the route bucket is given back.
func (l *Limiter) Allow() bool {
	if l.route == nil {
		return l.account == nil || l.account.Allow()
	}
	t := l.route.now()
	if !l.route.allowAt(t) {
		return false
	}
	if l.account != nil && !l.account.allowAt(t) {
		if l.route != nil {
			l.route.refund()
		}
		return false
	}
	return true
}

// Route returns the route's own bucket, nil when it has none.
func (l *Limiter) Route() *Bucket { return l.route }

// Compile builds the limiters of one stage's routes: for each key of
// routeKeys (the deployment's route keys, "GET /pets", "$default"), a
// Limiter with a bucket of the route's own (defaultRouteSettings overridden
// member by member by routeSettings[key], missing members from account's
// limits, or DefaultAccountLimits when account is nil) under account. now is the clock of the new buckets (nil
// means time.Now).
//
// A route without limits at either level gets a Limiter with the account
// bucket only, or no entry when account is nil (no limit: snapshot.Route
// .Throttle stays nil). The error reports invalid limits, which validated
// stages do not have.
func Compile(stage *model.Stage, routeKeys []string, account *Bucket, now func() time.Time) (map[string]snapshot.Limiter, error) {
	out := make(map[string]snapshot.Limiter, len(routeKeys))
	base := DefaultAccountLimits()
	if account != nil {
		base = account.Limits()
	}
	var errs []error
	for _, key := range routeKeys {
		l, ok := routeLimits(stage, key, base)
		if !ok {
			if account != nil {
				out[key] = NewLimiter(nil, account)
			}
			continue
		}
		if err := l.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("stage %s: route %s: %w", stage.StageName, key, err))
			continue
		}
		out[key] = NewLimiter(NewBucket(l, now), account)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// routeLimits merges the throttling members of a route's settings over the
// stage's defaults over base; ok is false when neither level sets either
// member.
func routeLimits(stage *model.Stage, key string, base Limits) (Limits, bool) {
	l := base
	set := false
	apply := func(rs *model.RouteSettings) {
		if rs == nil {
			return
		}
		if rs.ThrottlingRateLimit != nil {
			l.Rate, set = *rs.ThrottlingRateLimit, true
		}
		if rs.ThrottlingBurstLimit != nil {
			l.Burst, set = *rs.ThrottlingBurstLimit, true
		}
	}
	apply(stage.DefaultRouteSettings)
	if rs, ok := stage.RouteSettings[key]; ok {
		apply(&rs)
	}
	return l, set
}

var _ snapshot.Limiter = (*Limiter)(nil)
