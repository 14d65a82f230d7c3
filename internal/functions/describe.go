package functions

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Config returns the configuration of the function named name, with its
// defaults applied (Timeout, MemorySize, Concurrency, an absolute Dir), and
// whether it exists. The Lambda API's GetFunction and ListFunctions and the
// startup summary describe functions from it.
func (m *Manager) Config(name string) (Config, bool) {
	f, ok := m.fns[name]
	if !ok {
		return Config{}, false
	}
	return f.cfg, true
}

// Check makes a local function ready to start and reports why it cannot:
// it runs the function's Build command if no build has succeeded yet (as
// its first cold start would; a failed build runs again at the next
// start), then checks that what an instance runs exists: a Runtime
// function's interpreter, or the program of Command (a path, or a name
// found in PATH) as an executable file. A remote function, and a local one
// that can start, give nil. `apigw serve` checks every function at start,
// so that a missing program or a broken build shows before the first
// request.
func (m *Manager) Check(ctx context.Context, name string) error {
	f, ok := m.fns[name]
	if !ok {
		return fmt.Errorf("function %s: %w", name, ErrFunctionNotFound)
	}
	if f.remote != nil {
		return nil
	}
	if f.build != nil {
		if err := f.build.ensure(ctx); err != nil {
			return err
		}
	}
	if f.rt != nil {
		return f.rt.err
	}
	return CheckProgram(f.cfg.Command, f.cfg.Dir)
}

// CheckProgram reports whether argv[0] names an executable file: a path
// containing a separator (relative ones against dir), or a name looked up
// in PATH. `apigw validate` uses it without a Manager.
func CheckProgram(argv []string, dir string) error {
	if len(argv) == 0 || argv[0] == "" {
		return errors.New("no program to run")
	}
	prog := argv[0]
	if !strings.ContainsRune(prog, filepath.Separator) && !strings.ContainsRune(prog, '/') {
		if _, err := exec.LookPath(prog); err != nil {
			return fmt.Errorf("program %q is not in PATH", prog)
		}
		return nil
	}
	if !filepath.IsAbs(prog) {
		prog = filepath.Join(dir, prog)
	}
	st, err := os.Stat(prog)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("program %s does not exist", prog)
	case err != nil:
		return fmt.Errorf("program %s: %w", prog, err)
	case st.IsDir():
		return fmt.Errorf("program %s is a directory", prog)
	case st.Mode()&0o111 == 0 && !isWindows:
		return fmt.Errorf("program %s is not executable", prog)
	}
	return nil
}
