package functions

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"time"
)

// memRefresh is how old a cached peak-memory reading may be before the next
// REPORT line reads /proc again.
const memRefresh = time.Second

// memReader reads the peak resident set size of one process: VmHWM in
// /proc/{pid}/status, the high-water mark of that one process since it
// started, the same lifetime Lambda's "Max Memory Used" covers; children it
// started (the program under `go run`) are not counted.
//
// It keeps the status file open and re-reads it from offset 0 into a fixed
// buffer, and caches the last value for memRefresh: VmHWM never decreases,
// so a cached value is at most memRefresh stale. The open file also pins the
// process: once it is reaped, reads fail instead of seeing a reused pid.
// A memReader is owned by one goroutine (the instance's run).
type memReader struct {
	pid int
	f   *os.File
	mb  int
	ok  bool
	at  time.Time // of the cached reading; zero if none
	buf [4096]byte
}

// maxMemoryMB returns the peak RSS of process pid in MB (rounded up), and
// false if it cannot be read. It reads /proc unless a reading of pid younger
// than memRefresh is cached and force is false.
func (r *memReader) maxMemoryMB(pid int, force bool, now time.Time) (int, bool) {
	if pid <= 0 {
		return 0, false
	}
	if pid != r.pid {
		r.close()
		r.pid = pid
	}
	if !force && !r.at.IsZero() && now.Sub(r.at) < memRefresh {
		return r.mb, r.ok
	}
	r.mb, r.ok = r.read()
	r.at = now
	return r.mb, r.ok
}

func (r *memReader) read() (int, bool) {
	if r.f == nil {
		f, err := os.Open("/proc/" + strconv.Itoa(r.pid) + "/status")
		if err != nil {
			return 0, false
		}
		r.f = f
	}
	n, err := r.f.ReadAt(r.buf[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	return parseVMHWM(r.buf[:n])
}

// close releases the status file and forgets the cached reading.
func (r *memReader) close() {
	if r.f != nil {
		_ = r.f.Close()
		r.f = nil
	}
	r.pid, r.mb, r.ok, r.at = 0, 0, false, time.Time{}
}

// parseVMHWM returns VmHWM, in MB rounded up, from the text of
// /proc/{pid}/status ("VmHWM:\t    1234 kB"), without allocating.
func parseVMHWM(b []byte) (int, bool) {
	i := bytes.Index(b, []byte("VmHWM:"))
	if i < 0 {
		return 0, false
	}
	line := b[i+len("VmHWM:"):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	num, unit, found := bytes.Cut(bytes.TrimLeft(line, " \t"), []byte(" "))
	if !found || string(bytes.TrimSpace(unit)) != "kB" || len(num) == 0 || len(num) > 18 {
		return 0, false
	}
	kb := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
		kb = kb*10 + int(c-'0')
	}
	return (kb + 1023) / 1024, true
}
