package throttle

import (
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/model"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	ns atomic.Int64
}

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *fakeClock) Now() time.Time { return epoch.Add(time.Duration(c.ns.Load())) }

func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// take calls Allow n times and returns how many were allowed.
func take(l interface{ Allow() bool }, n int) int {
	ok := 0
	for range n {
		if l.Allow() {
			ok++
		}
	}
	return ok
}

func ptr[T any](v T) *T { return &v }

func TestBucket(t *testing.T) {
	t.Parallel()
	type phase struct {
		advance time.Duration
		tries   int
		want    int
	}
	tests := []struct {
		name   string
		limits Limits
		phases []phase
	}{
		{name: "burst then refused", limits: Limits{Rate: 1, Burst: 2},
			phases: []phase{{0, 5, 2}}},
		{name: "refill one per interval", limits: Limits{Rate: 1, Burst: 2},
			phases: []phase{{0, 2, 2}, {999 * time.Millisecond, 1, 0}, {time.Millisecond, 2, 1}, {time.Second, 2, 1}}},
		{name: "refill never exceeds burst", limits: Limits{Rate: 10, Burst: 3},
			phases: []phase{{0, 3, 3}, {time.Hour, 10, 3}}},
		{name: "partial refill", limits: Limits{Rate: 10, Burst: 5},
			phases: []phase{{0, 5, 5}, {250 * time.Millisecond, 5, 2}}},
		{name: "fractional rate", limits: Limits{Rate: 0.5, Burst: 1},
			phases: []phase{{0, 2, 1}, {time.Second, 1, 0}, {time.Second, 1, 1}}},
		{name: "rate 0 never refills", limits: Limits{Rate: 0, Burst: 3},
			phases: []phase{{0, 2, 2}, {time.Hour, 5, 1}, {24 * time.Hour, 1, 0}}},
		{name: "burst 0 refuses everything", limits: Limits{Rate: 1000, Burst: 0},
			phases: []phase{{0, 3, 0}, {time.Hour, 3, 0}}},
		{name: "rate 0 burst 0", limits: Limits{Rate: 0, Burst: 0},
			phases: []phase{{0, 3, 0}}},
		{name: "very high rate", limits: Limits{Rate: 1e12, Burst: 2},
			phases: []phase{{0, 3, 2}, {time.Nanosecond, 3, 1}}},
		{name: "very low rate", limits: Limits{Rate: 1e-30, Burst: 1},
			phases: []phase{{0, 2, 1}, {1000 * time.Hour, 1, 0}}},
		{name: "low rate measured in coarser time units", limits: Limits{Rate: 1e-9, Burst: 3},
			phases: []phase{{0, 4, 3}, {999e15, 1, 0}, {1e15 + 2, 1, 1}}},
		{name: "huge burst", limits: Limits{Rate: 1e-9, Burst: math.MaxInt},
			phases: []phase{{0, 1000, 1000}}},
		{name: "account defaults", limits: DefaultAccountLimits(),
			phases: []phase{{0, 6000, 5000}, {100 * time.Millisecond, 2000, 1000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &fakeClock{}
			b := NewBucket(tt.limits, clk.Now)
			if b.Limits() != tt.limits {
				t.Errorf("Limits() = %+v; want %+v", b.Limits(), tt.limits)
			}
			for i, p := range tt.phases {
				clk.Advance(p.advance)
				if got := take(b, p.tries); got != p.want {
					t.Errorf("phase %d (+%v): %d of %d allowed; want %d", i, p.advance, got, p.tries, p.want)
				}
			}
		})
	}
}

func TestBucketRealClock(t *testing.T) {
	t.Parallel()
	// With the default clock a fresh bucket is full.
	b := NewBucket(Limits{Rate: 1, Burst: 3}, nil)
	if got := take(b, 3); got != 3 {
		t.Errorf("%d of 3 allowed; want 3", got)
	}
}

func TestLimitsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		limits  Limits
		wantErr string
	}{
		{name: "ok", limits: Limits{Rate: 1.5, Burst: 1}},
		{name: "zero", limits: Limits{}},
		{name: "negative rate", limits: Limits{Rate: -1}, wantErr: "rate -1"},
		{name: "NaN rate", limits: Limits{Rate: math.NaN()}, wantErr: "rate NaN"},
		{name: "infinite rate", limits: Limits{Rate: math.Inf(1)}, wantErr: "rate +Inf"},
		{name: "negative burst", limits: Limits{Burst: -1}, wantErr: "burst -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.limits.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v; want error containing %q", err, tt.wantErr)
			}
			defer func() {
				if recover() == nil {
					t.Error("NewBucket did not panic on invalid limits")
				}
			}()
			NewBucket(tt.limits, nil)
		})
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	t.Run("route then account", func(t *testing.T) {
		t.Parallel()
		clk := &fakeClock{}
		account := NewBucket(Limits{Rate: 1, Burst: 3}, clk.Now)
		a := NewLimiter(NewBucket(Limits{Rate: 1, Burst: 2}, clk.Now), account)
		b := NewLimiter(NewBucket(Limits{Rate: 1, Burst: 2}, clk.Now), account)
		if got := take(a, 5); got != 2 {
			t.Errorf("route a: %d allowed; want 2 (its burst)", got)
		}
		if got := take(b, 5); got != 1 {
			t.Errorf("route b: %d allowed; want 1 (what is left of the account)", got)
		}
		// b's refused requests gave their route tokens back: once the
		// account refills, b still has one token of its own.
		clk.Advance(time.Second)
		if got := take(b, 5); got != 1 {
			t.Errorf("route b after 1s: %d allowed; want 1", got)
		}
	})
	t.Run("nil buckets", func(t *testing.T) {
		t.Parallel()
		if got := take(NewLimiter(nil, nil), 100); got != 100 {
			t.Errorf("%d allowed; want all", got)
		}
		clk := &fakeClock{}
		if got := take(NewLimiter(nil, NewBucket(Limits{Rate: 0, Burst: 4}, clk.Now)), 10); got != 4 {
			t.Errorf("account only: %d allowed; want 4", got)
		}
	})
	t.Run("refund of a never-refilling route", func(t *testing.T) {
		t.Parallel()
		clk := &fakeClock{}
		route := NewBucket(Limits{Rate: 0, Burst: 1}, clk.Now)
		l := NewLimiter(route, NewBucket(Limits{Rate: 0, Burst: 0}, clk.Now))
		if l.Allow() {
			t.Fatal("allowed past an empty account")
		}
		if !route.Allow() {
			t.Error("the route's token was not given back")
		}
	})
}

func TestCompile(t *testing.T) {
	t.Parallel()
	stage := &model.Stage{
		StageName:            "prod",
		DefaultRouteSettings: &model.RouteSettings{ThrottlingBurstLimit: ptr(2), ThrottlingRateLimit: ptr(1.0)},
		RouteSettings: map[string]model.RouteSettings{
			"GET /fast":     {ThrottlingBurstLimit: ptr(10), ThrottlingRateLimit: ptr(100.0)},
			"GET /burst":    {ThrottlingBurstLimit: ptr(5)},
			"GET /metrics":  {DetailedMetricsEnabled: ptr(true)},
			"GET /unrouted": {ThrottlingBurstLimit: ptr(1)},
		},
	}
	keys := []string{"GET /fast", "GET /burst", "GET /metrics", "GET /plain", "$default"}
	clk := &fakeClock{}
	account := NewBucket(Limits{Rate: 1000, Burst: 1000}, clk.Now)
	limiters, err := Compile(stage, keys, account, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Limits{
		"GET /fast":    {Rate: 100, Burst: 10},
		"GET /burst":   {Rate: 1, Burst: 5},
		"GET /metrics": {Rate: 1, Burst: 2},
		"GET /plain":   {Rate: 1, Burst: 2},
		"$default":     {Rate: 1, Burst: 2},
	}
	if len(limiters) != len(want) {
		t.Errorf("%d limiters; want %d", len(limiters), len(want))
	}
	for key, w := range want {
		l, ok := limiters[key].(*Limiter)
		if !ok || l.Route() == nil {
			t.Errorf("%s: no route bucket", key)
			continue
		}
		if got := l.Route().Limits(); got != w {
			t.Errorf("%s: limits %+v; want %+v", key, got, w)
		}
		if l.account != account {
			t.Errorf("%s: not under the account bucket", key)
		}
	}
	// Buckets are per route, not shared by the stage.
	if got := take(limiters["GET /plain"], 5); got != 2 {
		t.Errorf("GET /plain: %d allowed; want 2", got)
	}
	if got := take(limiters["$default"], 5); got != 2 {
		t.Errorf("$default: %d allowed; want 2 (a bucket of its own)", got)
	}
}

func TestCompileInheritance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stage   model.Stage
		account *Bucket
		want    *Limits // nil: no route bucket
		noEntry bool
	}{
		{name: "no settings with account", stage: model.Stage{}, account: NewBucket(Limits{Rate: 7, Burst: 3}, nil)},
		{name: "no settings without account", stage: model.Stage{}, noEntry: true},
		{name: "metrics only", stage: model.Stage{DefaultRouteSettings: &model.RouteSettings{DetailedMetricsEnabled: ptr(true)}}, noEntry: true},
		{name: "route burst only takes the account rate", account: NewBucket(Limits{Rate: 7, Burst: 3}, nil),
			stage: model.Stage{RouteSettings: map[string]model.RouteSettings{"GET /x": {ThrottlingBurstLimit: ptr(1)}}},
			want:  &Limits{Rate: 7, Burst: 1}},
		{name: "stage rate only takes the default account burst",
			stage: model.Stage{DefaultRouteSettings: &model.RouteSettings{ThrottlingRateLimit: ptr(2.5)}},
			want:  &Limits{Rate: 2.5, Burst: DefaultAccountBurst}},
		{name: "route rate over stage burst",
			stage: model.Stage{
				DefaultRouteSettings: &model.RouteSettings{ThrottlingBurstLimit: ptr(4), ThrottlingRateLimit: ptr(9.0)},
				RouteSettings:        map[string]model.RouteSettings{"GET /x": {ThrottlingRateLimit: ptr(0.0)}},
			},
			want: &Limits{Rate: 0, Burst: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			limiters, err := Compile(&tt.stage, []string{"GET /x"}, tt.account, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := limiters["GET /x"]
			if tt.noEntry {
				if ok {
					t.Fatalf("got a limiter %v; want none", got)
				}
				return
			}
			l := got.(*Limiter)
			switch {
			case tt.want == nil && l.Route() != nil:
				t.Errorf("route bucket %+v; want none", l.Route().Limits())
			case tt.want != nil && (l.Route() == nil || l.Route().Limits() != *tt.want):
				t.Errorf("route bucket %v; want %+v", l.Route(), *tt.want)
			}
		})
	}
}

func TestCompileInvalid(t *testing.T) {
	t.Parallel()
	stage := &model.Stage{StageName: "s", DefaultRouteSettings: &model.RouteSettings{ThrottlingBurstLimit: ptr(-1)}}
	_, err := Compile(stage, []string{"GET /a", "GET /b"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "stage s: route GET /a: throttling burst -1") || !strings.Contains(err.Error(), "route GET /b") {
		t.Fatalf("Compile = %v; want errors naming both routes", err)
	}
}

// TestConcurrentAllow checks that concurrent callers never take more than the
// bucket holds.
func TestConcurrentAllow(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{}
	b := NewBucket(Limits{Rate: 1, Burst: 1000}, clk.Now)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			allowed.Add(int64(take(b, 500)))
		}()
	}
	wg.Wait()
	if got := allowed.Load(); got != 1000 {
		t.Errorf("%d allowed; want exactly the burst, 1000", got)
	}
}
