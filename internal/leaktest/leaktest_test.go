package leaktest

import (
	"testing"
	"time"
)

func TestLeaked(t *testing.T) {
	before := Take()
	started, stop := make(chan struct{}), make(chan struct{})
	go parked(started, stop)
	<-started
	if got := Leaked(before, 50*time.Millisecond, "internal/leaktest.parked"); len(got) != 1 {
		t.Fatalf("found %d leaked goroutines; want the parked one", len(got))
	}
	close(stop)
	if got := Leaked(before, 5*time.Second, "internal/leaktest.parked"); len(got) != 0 {
		t.Errorf("a stopped goroutine is reported:\n%s", got)
	}
}

func parked(started, stop chan struct{}) {
	close(started)
	<-stop
}
