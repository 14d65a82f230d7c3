package private

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

const arn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/pets/1/2"

func TestActiveHealthCheck(t *testing.T) {
	var sick atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" && sick.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	tg, err := New([]string{"vl1"}, map[string]Target{arn: {
		Instances:   []string{addr},
		HealthCheck: &HealthCheck{Path: "/health", Interval: 5 * time.Millisecond},
	}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	healthy := func() bool { return tg.Upstreams(arn)[0].Healthy }
	wait := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for healthy() != want {
			if time.Now().After(deadline) {
				t.Fatalf("upstream healthy never became %v", want)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	wait(true)
	sick.Store(true)
	wait(false)
	sick.Store(false)
	wait(true)
}

func TestRoundRobinAndNothing(t *testing.T) {
	tg, err := New([]string{"vl1"}, map[string]Target{arn: {Instances: []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:1"}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	target := tg.targets[arn]
	var got []string
	for range 4 {
		u, err := target.pick()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.addr)
	}
	if want := []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:1", "127.0.0.1:2"}; !equal(got, want) {
		t.Errorf("picks %v; want %v (duplicates collapsed)", got, want)
	}
	if err := tg.Check("vl2", arn); err == nil {
		t.Error("undeclared link passed Check")
	}
	if err := tg.Check("vl1", arn+"x"); err == nil {
		t.Error("unmapped target passed Check")
	}
	if err := tg.Check("vl1", arn+"?stage=prod"); err != nil {
		t.Errorf("Cloud Map filters: %v", err)
	}
	if _, err := New(nil, map[string]Target{arn: {}}, Options{}); err == nil {
		t.Error("a target with neither instances nor dns was accepted")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
