package functions

import (
	"bytes"
	"os"
	"strconv"
)

// maxMemoryMB returns the peak resident set size of process pid in MB
// (rounded up), read from VmHWM in /proc/{pid}/status, and false if it cannot
// be read. It is the high-water mark of that one process since it started,
// the same lifetime Lambda's "Max Memory Used" covers; children it started
// (the program under `go run`) are not counted.
func maxMemoryMB(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	i := bytes.Index(b, []byte("VmHWM:"))
	if i < 0 {
		return 0, false
	}
	fields := bytes.Fields(b[i+len("VmHWM:"):])
	if len(fields) < 2 || string(fields[1]) != "kB" {
		return 0, false
	}
	kb, err := strconv.Atoi(string(fields[0]))
	if err != nil {
		return 0, false
	}
	return (kb + 1023) / 1024, true
}
