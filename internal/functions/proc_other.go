//go:build !unix

package functions

import (
	"os"
	"os/exec"
)

// setProcAttr does nothing: process groups are a Unix notion.
func setProcAttr(*exec.Cmd) {}

// terminateGroup kills the process: there is no SIGTERM to send.
func terminateGroup(pid int) error { return killGroup(pid) }

// killGroup kills the process (not its children).
func killGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

// drainPipe does nothing: pipes here have no read deadlines, so outputPipe.sync
// never wakes the reader.
func drainPipe(*os.File, []byte, func([]byte)) {}
