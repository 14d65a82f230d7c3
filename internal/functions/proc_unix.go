//go:build unix

package functions

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr makes the process the leader of a new process group, so
// terminateGroup and killGroup reach everything it starts.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

// terminateGroup sends SIGTERM to the process group led by pid.
func terminateGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGTERM) }

// killGroup sends SIGKILL to the process group led by pid.
func killGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }

// pipeFD returns f's descriptor if the runtime poller watches it (os.Pipe's
// files are non-blocking and polled on Unix), else -1.
func pipeFD(f *os.File) int {
	rc, err := f.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if rc.Control(func(d uintptr) { fd = int(d) }) != nil {
		return -1
	}
	return fd
}

// run reads until every writer (the process group) is gone. It waits for
// data through the runtime poller and reads under mu until the pipe is empty,
// so that sync can take mu and know nothing read is still unpassed.
func (p *outputPipe) run() {
	defer close(p.done)
	rc, err := p.f.SyscallConn()
	if err != nil || p.fd < 0 {
		p.runBlocking()
		return
	}
	_ = rc.Read(func(uintptr) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.readAvailableLocked()
	})
	p.mu.Lock()
	p.closeLocked()
	p.mu.Unlock()
}

// readAvailableLocked reads what is in the pipe now, without waiting, and
// reports whether the pipe is finished (end of file or an error).
func (p *outputPipe) readAvailableLocked() bool {
	for {
		n, err := syscall.Read(p.fd, p.buf)
		switch {
		case n > 0:
			p.takeLocked(p.buf[:n])
		case errors.Is(err, syscall.EINTR):
		case errors.Is(err, syscall.EAGAIN):
			return false
		default:
			return true // 0 bytes: every writer is gone
		}
	}
}

// sync returns once everything written to the pipe before the call has been
// passed on: holding mu, nothing the reader took is pending, and what is
// still in the pipe is read here. It costs one read system call when the pipe
// is empty.
func (p *outputPipe) sync() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed && p.fd >= 0 {
		p.readAvailableLocked()
	}
}
