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

// pipeFD reports that pipes are read with blocking reads here.
func pipeFD(*os.File) int { return -1 }

// run reads until every writer is gone.
func (p *outputPipe) run() {
	defer close(p.done)
	p.runBlocking()
}

// sync does nothing: without a poller there is no way to read the pipe
// without blocking, so late output may follow END.
func (p *outputPipe) sync() {}
