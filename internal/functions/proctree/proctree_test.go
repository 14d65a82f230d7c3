//go:build linux

package proctree

import (
	"os"
	"os/exec"
	"slices"
	"testing"
)

func TestParsePPID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		stat string
		want int
		ok   bool
	}{
		{"12 (sh) S 7 12 12 0", 7, true},
		{"12 (a) b) c) R 99 1", 99, true}, // comm with spaces and parentheses
		{"12 (x", 0, false},
		{"12 (x) S", 0, false},
		{"12 (x) S notanumber", 0, false},
	} {
		got, ok := ParsePPID([]byte(tt.stat))
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParsePPID(%q) = %d, %v; want %d, %v", tt.stat, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParsePPID(f *testing.F) {
	f.Add([]byte("12 (sh) S 7 12 12 0"))
	f.Add([]byte("1 ()) ) S 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if ppid, ok := ParsePPID(b); !ok && ppid != 0 {
			t.Fatalf("ParsePPID(%q) = %d, false", b, ppid)
		}
	})
}

// TestTreeOfRealProcesses: a child and its grandchild are descendants of
// this process, and the child's memory and descriptors are readable.
func TestTreeOfRealProcesses(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("/bin/sh", "-c", "sleep 30; exit 0")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var kids []int
	for range 100 { // the shell forks sleep right away
		var err error
		if kids, err = Descendants(os.Getpid()); err != nil {
			t.Fatal(err)
		}
		if len(kids) >= 2 {
			break
		}
		exec.Command("/bin/true").Run()
	}
	if !slices.Contains(kids, cmd.Process.Pid) || len(kids) < 2 {
		t.Fatalf("Descendants = %v; want the shell %d and its sleep", kids, cmd.Process.Pid)
	}
	if rss, ok := RSS(cmd.Process.Pid); !ok || rss <= 0 {
		t.Errorf("RSS(shell) = %d, %v", rss, ok)
	}
	if _, ok := RSS(1 << 30); ok {
		t.Error("RSS of a pid that does not exist is ok")
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !HasDescriptor(os.Getpid(), os.DevNull) {
		t.Errorf("HasDescriptor(self, %s) = false with it open", os.DevNull)
	}
}
