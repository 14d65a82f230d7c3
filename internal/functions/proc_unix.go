//go:build unix

package functions

import (
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

// drainPipe reads what is in the non-blocking pipe f right now, without
// waiting for more, passing each chunk to take.
func drainPipe(f *os.File, buf []byte, take func([]byte)) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.Read(int(fd), buf)
			return true // one attempt: never wait for more data
		})
		if err != nil || rerr != nil || n <= 0 {
			return
		}
		take(buf[:n])
	}
}
