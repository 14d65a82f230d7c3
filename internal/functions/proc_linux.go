package functions

import "syscall"

// setParentDeathSignal asks Linux to SIGKILL the function process if the
// gateway dies without stopping it (for example on SIGKILL), so no orphaned
// instance keeps running.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
