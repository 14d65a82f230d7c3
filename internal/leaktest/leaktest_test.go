package leaktest

import (
	"testing"
	"time"
)

func TestLeaked(t *testing.T) {
	before := Take()
	stop := make(chan struct{})
	go parked(stop)
	if got := Leaked(before, 50*time.Millisecond, "internal/leaktest.parked"); len(got) != 1 {
		t.Fatalf("found %d leaked goroutines; want the parked one", len(got))
	}
	close(stop)
	if got := Leaked(before, 5*time.Second, "internal/leaktest.parked"); len(got) != 0 {
		t.Errorf("a stopped goroutine is reported:\n%s", got)
	}
}

func parked(stop chan struct{}) { <-stop }
