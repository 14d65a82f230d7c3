package throttle

import (
	"sync"
	"testing"
	"time"
)

// mutexBucket is the obvious token bucket behind a mutex, the baseline the
// lock-free Bucket is measured against.
type mutexBucket struct {
	mu     sync.Mutex
	tokens float64 // guarded by mu
	last   time.Time
	rate   float64
	burst  float64
}

func (b *mutexBucket) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// BenchmarkAllowParallel measures Allow on one bucket shared by every
// goroutine: "admitting" never runs dry (every call is a compare-and-swap),
// "refusing" is always empty (a refused call only loads).
func BenchmarkAllowParallel(b *testing.B) {
	cases := []struct {
		name string
		new  func() interface{ Allow() bool }
	}{
		{"admitting", func() interface{ Allow() bool } { return NewBucket(Limits{Rate: 1e12, Burst: 1 << 30}, nil) }},
		{"refusing", func() interface{ Allow() bool } { return NewBucket(Limits{Rate: 1e-6, Burst: 0}, nil) }},
		{"mutex-baseline-admitting", func() interface{ Allow() bool } {
			return &mutexBucket{rate: 1e12, burst: 1 << 30, tokens: 1 << 30, last: time.Now()}
		}},
		{"limiter-route-and-account", func() interface{ Allow() bool } {
			return NewLimiter(NewBucket(Limits{Rate: 1e12, Burst: 1 << 30}, nil), NewBucket(Limits{Rate: 1e12, Burst: 1 << 30}, nil))
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			l := c.new()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l.Allow()
				}
			})
		})
	}
}

// BenchmarkAllowPerRoute measures Allow with each goroutine on a route
// bucket of its own under one shared account bucket, the data plane's shape.
func BenchmarkAllowPerRoute(b *testing.B) {
	account := NewBucket(Limits{Rate: 1e12, Burst: 1 << 30}, nil)
	b.RunParallel(func(pb *testing.PB) {
		l := NewLimiter(NewBucket(Limits{Rate: 1e12, Burst: 1 << 30}, nil), account)
		for pb.Next() {
			l.Allow()
		}
	})
}
