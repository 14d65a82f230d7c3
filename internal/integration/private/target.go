package private

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigwdev/apigw/internal/integration/httpproxy"
)

// target is one private target: its upstream set and their health.
type target struct {
	t     *Targets
	uri   string
	dns   string // "" for a static target
	check *HealthCheck

	mu   sync.Mutex
	ups  []*upstream // guarded by mu; sorted by addr
	next int         // guarded by mu; round-robin position
	// lastErr is the last resolution error, for "resolves to nothing"
	// messages and to log only changes.
	lastErr string // guarded by mu
}

// upstream is one host:port of a target. Its fields are guarded by the
// target's mu.
type upstream struct {
	addr string
	// downUntil is when a passively marked-down upstream is tried again;
	// failures counts consecutive connection failures.
	downUntil time.Time
	failures  int
	// probeDown is set while the last active probe failed.
	probeDown bool
}

func newTarget(t *Targets, uri string, spec Target) (*target, error) {
	tg := &target{t: t, uri: uri, dns: spec.DNS, check: spec.HealthCheck}
	switch {
	case (len(spec.Instances) == 0) == (spec.DNS == ""):
		return nil, errors.New("set either instances or dns")
	case spec.DNS != "" && !strings.HasPrefix(spec.DNS, "_"):
		if _, _, err := net.SplitHostPort(spec.DNS); err != nil {
			return nil, fmt.Errorf("dns %q: %w", spec.DNS, err)
		}
	}
	for _, a := range spec.Instances {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("instance %q: %w", a, err)
		}
	}
	if hc := spec.HealthCheck; hc != nil && (hc.Interval <= 0 || !strings.HasPrefix(hc.Path, "/")) {
		return nil, fmt.Errorf("healthCheck needs a path starting with / and a positive interval")
	}
	tg.setLocked(spec.Instances)
	return tg, nil
}

// healthyLocked reports whether u is to be preferred now.
func (u *upstream) healthyLocked(now time.Time) bool {
	return !u.probeDown && !now.Before(u.downUntil)
}

// pick returns the next healthy upstream round-robin, or, when none is
// healthy, the next one anyway.
func (tg *target) pick() (*upstream, error) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	n := len(tg.ups)
	if n == 0 {
		if tg.lastErr != "" {
			return nil, fmt.Errorf("private target %s resolves to nothing: %s", tg.uri, tg.lastErr)
		}
		return nil, fmt.Errorf("private target %s resolves to nothing", tg.uri)
	}
	now := time.Now()
	start := tg.next % n
	for k := range n {
		u := tg.ups[(start+k)%n]
		if u.healthyLocked(now) {
			tg.next = (start + k + 1) % n
			return u, nil
		}
	}
	// All down: try anyway, round-robin.
	tg.next = (start + 1) % n
	return tg.ups[start], nil
}

// report records the outcome of one attempt on u: a connection failure
// marks it down for a backoff, a response clears the passive mark.
func (tg *target) report(u *upstream, err error) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	switch {
	case err == nil:
		if u.failures > 0 {
			tg.t.opts.Logger.Info("private upstream up", "target", tg.uri, "upstream", u.addr)
		}
		u.failures, u.downUntil = 0, time.Time{}
	case httpproxy.IsConnectError(err):
		u.failures++
		d := tg.t.opts.Backoff << min(u.failures-1, 16)
		if d > tg.t.opts.MaxBackoff || d <= 0 {
			d = tg.t.opts.MaxBackoff
		}
		u.downUntil = time.Now().Add(d)
		tg.t.opts.Logger.Warn("private upstream down", "target", tg.uri, "upstream", u.addr, "retryIn", d, "error", err.Error())
	}
}

// setLocked replaces the upstream set by addrs, keeping the state of the
// addresses that remain. tg.mu must be held (or tg unpublished).
func (tg *target) setLocked(addrs []string) {
	addrs = slices.Clone(addrs)
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	old := make(map[string]*upstream, len(tg.ups))
	for _, u := range tg.ups {
		old[u.addr] = u
	}
	ups := make([]*upstream, 0, len(addrs))
	for _, a := range addrs {
		if u := old[a]; u != nil {
			ups = append(ups, u)
		} else {
			ups = append(ups, &upstream{addr: a})
		}
	}
	tg.ups = ups
}

func (tg *target) states() []UpstreamState {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	now := time.Now()
	s := make([]UpstreamState, 0, len(tg.ups))
	for _, u := range tg.ups {
		s = append(s, UpstreamState{Addr: u.addr, Healthy: u.healthyLocked(now)})
	}
	sortStates(s)
	return s
}

// refreshLoop re-resolves the DNS name every RefreshInterval until ctx ends.
func (tg *target) refreshLoop(ctx context.Context) {
	tk := time.NewTicker(tg.t.opts.RefreshInterval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		rctx, cancel := context.WithTimeout(ctx, resolveTimeout)
		tg.resolve(rctx)
		cancel()
	}
}

// resolve looks the DNS name up once and updates the upstream set.
func (tg *target) resolve(ctx context.Context) {
	addrs, err := tg.lookup(ctx)
	if ctx.Err() != nil && tg.t.ctx.Err() != nil {
		return // closing
	}
	tg.mu.Lock()
	defer tg.mu.Unlock()
	log := tg.t.opts.Logger
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		if tg.lastErr != "" {
			log.Info("private target resolves again", "target", tg.uri, "dns", tg.dns, "upstreams", addrs)
		}
		tg.lastErr = ""
		tg.setLocked(addrs)
		if len(addrs) == 0 {
			tg.lastErr = "no records"
		}
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		if tg.lastErr != err.Error() {
			log.Warn("private target resolves to nothing", "target", tg.uri, "dns", tg.dns, "error", err.Error())
		}
		tg.lastErr = err.Error()
		tg.setLocked(nil)
	default:
		if tg.lastErr != err.Error() {
			log.Warn("resolving private target; keeping the previous upstreams", "target", tg.uri, "dns", tg.dns, "error", err.Error())
		}
		tg.lastErr = err.Error()
	}
}

// lookup resolves tg.dns to host:port upstreams.
func (tg *target) lookup(ctx context.Context) ([]string, error) {
	r := tg.t.opts.Resolver
	if !strings.HasPrefix(tg.dns, "_") {
		host, port, _ := net.SplitHostPort(tg.dns)
		ips, err := r.LookupHost(ctx, host)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(ips))
		for _, ip := range ips {
			out = append(out, net.JoinHostPort(ip, port))
		}
		return out, nil
	}
	_, srvs, err := r.LookupSRV(ctx, "", "", tg.dns)
	if err != nil {
		return nil, err
	}
	if len(srvs) == 0 {
		return nil, nil
	}
	best := srvs[0].Priority
	for _, s := range srvs {
		best = min(best, s.Priority)
	}
	var out []string
	var errs []error
	for _, s := range srvs {
		if s.Priority != best {
			continue
		}
		ips, err := r.LookupHost(ctx, strings.TrimSuffix(s.Target, "."))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, ip := range ips {
			out = append(out, net.JoinHostPort(ip, strconv.Itoa(int(s.Port))))
		}
	}
	if len(out) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// checkLoop probes every upstream every interval until ctx ends.
func (tg *target) checkLoop(ctx context.Context) {
	tk := time.NewTicker(tg.check.Interval)
	defer tk.Stop()
	for {
		tg.probeAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

// probeAll probes the current upstreams concurrently and records results.
func (tg *target) probeAll(ctx context.Context) {
	tg.mu.Lock()
	ups := slices.Clone(tg.ups)
	tg.mu.Unlock()
	timeout := min(tg.check.Interval, 5*time.Second)
	var wg sync.WaitGroup
	for _, u := range ups {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			err := tg.probe(pctx, u.addr)
			if ctx.Err() != nil {
				return
			}
			tg.mu.Lock()
			defer tg.mu.Unlock()
			down := err != nil
			if down != u.probeDown {
				if down {
					tg.t.opts.Logger.Warn("private upstream failed its health check", "target", tg.uri, "upstream", u.addr, "error", err.Error())
				} else {
					tg.t.opts.Logger.Info("private upstream passed its health check", "target", tg.uri, "upstream", u.addr)
				}
			}
			u.probeDown = down
		})
	}
	wg.Wait()
}

// probe sends one health check GET to addr.
func (tg *target) probe(ctx context.Context, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+tg.check.Path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "apigw-health-check")
	resp, err := tg.t.probe.RoundTrip(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		return fmt.Errorf("health check %s answered %d", tg.check.Path, resp.StatusCode)
	}
	return nil
}
