package app

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/apigwdev/apigw/internal/functions/watch"
)

// startWatch starts rebuilding and restarting local functions when their
// files change, if Options.Watch is set (`apigw serve --watch`). What is
// watched is package watch's business; the gateway adds its data directory
// to what every function ignores. Without local functions there is nothing
// to watch and it only says so.
func (g *Gateway) startWatch() error {
	if !g.opts.Watch || g.watcher != nil {
		return nil
	}
	log := g.log.With("component", "watch")
	var ignore []string
	if g.cfg.DataDir != "" {
		if abs, err := filepath.Abs(g.cfg.DataDir); err == nil {
			ignore = append(ignore, abs)
		}
	}
	var targets []watch.Target
	for _, c := range functionConfigs(g.cfg) {
		if t, ok := watch.TargetFor(c); ok {
			t.Ignore = append(t.Ignore, ignore...)
			targets = append(targets, t)
		}
	}
	if len(targets) == 0 {
		log.Info("--watch: no local function to watch")
		return nil
	}
	w, err := watch.New(restarter{g.fns}, targets, watch.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("--watch: %w", err)
	}
	g.watcher = w
	g.res.own("file watcher", noError(g.stopWatch))
	return nil
}

// stopWatch stops the watcher, if any, and the rebuild it may be running.
func (g *Gateway) stopWatch() {
	if g.watcher == nil {
		return
	}
	if err := g.watcher.Close(); err != nil {
		g.log.Warn("stopping the file watcher", "err", err)
	}
	g.watcher = nil
}

// restartTimeout bounds one rebuild and restart started by the watcher.
const restartTimeout = 10 * time.Minute

// restarter bounds each restart of the function runtime by restartTimeout,
// so that a build that hangs does not block a function's later rebuilds
// forever.
type restarter struct{ r watch.Restarter }

// Restart rebuilds function name and replaces its instances.
func (r restarter) Restart(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, restartTimeout)
	defer cancel()
	return r.r.Restart(ctx, name)
}
