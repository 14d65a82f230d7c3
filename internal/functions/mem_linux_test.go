package functions

import (
	"os"
	"testing"
	"time"
)

func TestParseVmHWM(t *testing.T) {
	for _, tc := range []struct {
		in string
		mb int
		ok bool
	}{
		{"Name:\tx\nVmPeak:\t  9999 kB\nVmHWM:\t    1024 kB\nVmRSS:\t  10 kB\n", 1, true},
		{"VmHWM:\t    1025 kB\n", 2, true},
		{"VmHWM:\t       0 kB", 0, true},
		{"VmHWM:\t    12x4 kB\n", 0, false},
		{"VmHWM:\t    1234 MB\n", 0, false},
		{"VmHWM:\t\n", 0, false},
		{"Name:\tzombie\n", 0, false},
	} {
		if mb, ok := parseVMHWM([]byte(tc.in)); mb != tc.mb || ok != tc.ok {
			t.Errorf("parseVMHWM(%q) = %d, %v; want %d, %v", tc.in, mb, ok, tc.mb, tc.ok)
		}
	}
}

func TestMemReader(t *testing.T) {
	var r memReader
	defer r.close()
	now := time.Now()
	mb, ok := r.maxMemoryMB(os.Getpid(), false, now)
	if !ok || mb <= 0 {
		t.Fatalf("maxMemoryMB(self) = %d, %v", mb, ok)
	}
	r.mb = -1 // a cached reading is returned until memRefresh passes
	if mb, _ := r.maxMemoryMB(os.Getpid(), false, now.Add(memRefresh/2)); mb != -1 {
		t.Errorf("within memRefresh: %d; want the cached reading", mb)
	}
	if mb, ok := r.maxMemoryMB(os.Getpid(), true, now.Add(memRefresh/2)); !ok || mb <= 0 {
		t.Errorf("forced: %d, %v; want a fresh reading", mb, ok)
	}
	r.mb = -1
	if mb, ok := r.maxMemoryMB(os.Getpid(), false, now.Add(2*memRefresh)); !ok || mb <= 0 {
		t.Errorf("after memRefresh: %d, %v; want a fresh reading", mb, ok)
	}
	if allocs := testing.AllocsPerRun(100, func() { r.maxMemoryMB(os.Getpid(), true, now) }); allocs != 0 {
		t.Errorf("maxMemoryMB allocates %v times per read", allocs)
	}
}

func TestReportString(t *testing.T) {
	r := report{requestID: "id", duration: 1234567 * time.Nanosecond, initDuration: 45678900, memorySize: 128, maxMemory: 20, status: "error", errorType: "Runtime.ExitError"}
	want := "REPORT RequestId: id\tDuration: 1.23 ms\tBilled Duration: 47 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 45.68 ms\tStatus: error\tError Type: Runtime.ExitError"
	if got := r.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	r = report{requestID: "id", duration: 5 * time.Millisecond, memorySize: 128, status: "timeout"}
	want = "REPORT RequestId: id\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 0 MB\tStatus: timeout"
	if got := r.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
