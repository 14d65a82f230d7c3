package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// stopContext returns a context that ends when the gateway must stop: on
// SIGINT or SIGTERM, or, when the binary was started by `go run`, when the
// go command exits.
//
// The go command does not forward signals to the program it runs: it
// ignores SIGINT (a terminal's Ctrl-C reaches the whole process group, so
// the program gets its own), and SIGTERM ends it at once, leaving the
// program behind with its listeners and function processes. So under
// `go run` the gateway also watches its parent and stops, as for SIGTERM,
// once the go command is gone.
func stopContext(log *slog.Logger) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			log.Info("received " + s.String() + ", stopping")
			cancel()
		case <-ctx.Done():
		case <-done:
		}
	}()
	if underGoRun() {
		go watchParent(ctx, cancel, log)
	}
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// underGoRun reports whether the executable is one `go run` built: the go
// command caches it as $GOCACHE/xx/{64 hex digits}-d/NAME (Go 1.24 and
// later), or links it as $GOTMPDIR/go-build*/b001/exe/NAME.
func underGoRun() bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	return goRunPath(exe)
}

var goRunCacheDir = regexp.MustCompile(`^[0-9a-f]{64}-d$`)

// goRunPath reports whether exe is where `go run` puts what it runs.
func goRunPath(exe string) bool {
	dir := filepath.Dir(exe)
	if goRunCacheDir.MatchString(filepath.Base(dir)) {
		return true
	}
	return filepath.Base(dir) == "exe" && strings.HasPrefix(filepath.Base(filepath.Dir(filepath.Dir(dir))), "go-build")
}

// parentPoll is how often watchParent checks that the go command still
// runs.
const parentPoll = 200 * time.Millisecond

// watchParent calls cancel once the process's parent has exited, which the
// process sees as a change of its parent process id (it is re-parented to
// init or a subreaper). Windows does not re-parent; there it never fires.
func watchParent(ctx context.Context, cancel context.CancelFunc, log *slog.Logger) {
	ppid := os.Getppid()
	if ppid <= 1 {
		return
	}
	t := time.NewTicker(parentPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if os.Getppid() != ppid {
				log.Info("the go command that ran apigw exited, stopping")
				cancel()
				return
			}
		}
	}
}
