// Package leaktest finds goroutines a test left running, after Tailscale's
// tstest/resource.go: take a Snapshot before, and after the code under test
// has stopped, ask which goroutines of the given packages are still there.
// Goroutines are polled for a while first, since stopping is asynchronous.
//
// It is for tests only: production code never imports it (internal/deptest).
package leaktest

import (
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Snapshot is the set of goroutines running at one moment, by id.
type Snapshot map[int]bool

// Take records the goroutines running now.
func Take() Snapshot {
	s := Snapshot{}
	for id := range Goroutines() {
		s[id] = true
	}
	return s
}

// Goroutines returns the stack of every goroutine, by id.
func Goroutines() map[int]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[int]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		head, _, _ := strings.Cut(g, " [")
		if id, err := strconv.Atoi(strings.TrimPrefix(head, "goroutine ")); err == nil {
			out[id] = g
		}
	}
	return out
}

// Leaked waits up to timeout for every goroutine that is not in before
// (nil: every goroutine) and whose stack mentions one of pkgs (import path
// fragments such as "apigw/internal/functions") to end, and returns the
// stacks of those still running. The calling goroutine is never reported.
func Leaked(before Snapshot, timeout time.Duration, pkgs ...string) []string {
	var leaked []string
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		leaked = leaked[:0]
		for id, stack := range Goroutines() {
			if before[id] || strings.Contains(stack, "internal/leaktest.Leaked") {
				continue
			}
			for _, p := range pkgs {
				if strings.Contains(stack, p) {
					leaked = append(leaked, stack)
					break
				}
			}
		}
		if len(leaked) == 0 || time.Now().After(deadline) {
			return leaked
		}
	}
}
