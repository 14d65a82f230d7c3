package redisquota_test

import (
	"io"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigwdev/apigw/internal/clustertest"
	"github.com/apigwdev/apigw/internal/dataplane/throttle"
	"github.com/apigwdev/apigw/internal/dataplane/throttle/redisquota"
)

func newQuota(t testing.TB, url, prefix string, nodes int) *redisquota.Quota {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	q := redisquota.New(redisquota.Options{Client: redis.NewClient(opts), Prefix: prefix, Nodes: func() int { return nodes },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(q.Close)
	return q
}

// offer sends requests to the limiters of nodes at rate per second in
// total, for d, and returns how many were admitted.
func offer(limiters []func() bool, rate float64, d time.Duration) int64 {
	var admitted atomic.Int64
	var wg sync.WaitGroup
	per := rate / float64(len(limiters))
	for _, allow := range limiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			sent := 0
			for time.Since(start) < d {
				// Pace to per requests/s, in small bursts.
				due := int(time.Since(start).Seconds() * per)
				for ; sent < due; sent++ {
					if allow() {
						admitted.Add(1)
					}
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	return admitted.Load()
}

// TestClusterWideAccuracy runs three nodes' buckets of one limit against
// one Redis at twice the rate: the cluster admits the limit, not three
// times it.
func TestClusterWideAccuracy(t *testing.T) {
	url := clustertest.Redis(t)
	prefix := clustertest.Prefix()
	const rate, burst = 300.0, 30
	var limiters []func() bool
	for range 3 {
		q := newQuota(t, url, prefix, 3)
		l := q.Limiter("api/$default/GET /x", &throttle.Limits{Rate: rate, Burst: burst})
		limiters = append(limiters, l.Allow)
	}
	const d = 4 * time.Second
	got := offer(limiters, 2*rate, d)
	want := rate*d.Seconds() + burst
	if dev := math.Abs(float64(got)-want) / want; dev > 0.05 {
		t.Errorf("admitted %d over %v at %v/s offered; want %.0f ± 5%% (off by %.1f%%)", got, d, 2*rate, want, dev*100)
	}
	t.Logf("admitted %d of %.0f offered over %v (limit %v/s, burst %d): %.1f%% of R·t+B", got, 2*rate*d.Seconds(), d, rate, burst, 100*float64(got)/want)
}

// TestRedisDownFallsBackAndReturns stops Redis: requests keep being
// admitted at the node's share, the fallback is reported, and the node
// returns to Redis once it answers.
func TestRedisDownFallsBackAndReturns(t *testing.T) {
	srv := clustertest.StartRedis(t)
	q := newQuota(t, srv.URL, clustertest.Prefix(), 2)
	l := q.Limiter("r", &throttle.Limits{Rate: 1000, Burst: 100})
	for range 50 {
		l.Allow()
	}
	srv.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for !q.Fallback() {
		l.Allow()
		if time.Now().After(deadline) {
			t.Fatal("no fallback with Redis stopped")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The local share: burst 50, rate 500/s.
	admitted := 0
	for range 200 {
		if l.Allow() {
			admitted++
		}
	}
	if admitted < 40 || admitted > 70 {
		t.Errorf("fallback admitted %d of 200 at once; want about the local burst of 50", admitted)
	}
	srv.Start()
	deadline = time.Now().Add(10 * time.Second)
	for q.Fallback() {
		l.Allow()
		if time.Now().After(deadline) {
			t.Fatal("still in fallback 10 s after Redis came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if q.FallbackSeconds() <= 0 {
		t.Error("time in fallback not counted")
	}
}

// TestWithoutRedisSplitsLocally checks the limit divided by the nodes.
func TestWithoutRedisSplitsLocally(t *testing.T) {
	t.Parallel()
	q := redisquota.New(redisquota.Options{Nodes: func() int { return 4 }})
	defer q.Close()
	l := q.Limiter("r", &throttle.Limits{Rate: 1, Burst: 40})
	admitted := 0
	for range 100 {
		if l.Allow() {
			admitted++
		}
	}
	if admitted != 10 {
		t.Errorf("admitted %d at once; want the burst divided by 4 nodes, 10", admitted)
	}
	if q.Fallback() {
		t.Error("fallback reported without Redis configured")
	}
}

// BenchmarkAllow measures a request's cost with leases from Redis.
func BenchmarkAllow(b *testing.B) {
	q := newQuota(b, clustertest.Redis(b), clustertest.Prefix(), 1)
	l := q.Limiter("r", &throttle.Limits{Rate: 1e9, Burst: 1 << 20})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Allow()
		}
	})
	b.ReportMetric(float64(q.Leases())/float64(b.N), "redis-calls/op")
}
