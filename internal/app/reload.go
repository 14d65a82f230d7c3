package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/deploy"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/openapi"
)

// Reload with --watch: the configuration's files (the config file, every
// API's OpenAPI document, every template) are watched; a change loads the
// configuration again through Options.Reload, the same way as at start,
// and serves the result. Nothing served changes until the new
// configuration has loaded and compiled: an edit that does not load keeps
// the previous version serving and prints every problem (file:line:col).
// Requests in flight finish on the snapshot they started with (the data
// plane swaps snapshots atomically), so none is dropped.
//
// What a reload applies: the APIs of the config file, OpenAPI documents and
// templates (added, changed, removed). What it does not: listener
// addresses, the data directory, region and account, and the functions
// section, whose changes are reported with "restart apigw to apply"
// (function code is rebuilt by the function watcher, package
// functions/watch).
//
// Templates reload through the same path: loadInput loads them with the
// rest, and watchedFiles lists their files.

// reloadDebounce is how long the watcher waits after the last change of a
// burst (an editor's save is several events) before it reloads.
const reloadDebounce = 100 * time.Millisecond

// loadInput loads what cfg serves, as New does: its templates, then every
// API of the file and of the templates. Unlike New it goes on past a
// broken document, returning every problem.
func (g *Gateway) loadInput(cfg *config.Config) (*config.Config, *compile.Input, []error) {
	cfg, tset, err := loadTemplates(cfg, g.AdminURL(), g.opts.Stderr)
	if err != nil {
		return nil, nil, []error{err}
	}
	in := &compile.Input{Region: cfg.Region, AccountID: cfg.AccountID}
	var errs []error
	imported := importAPIs(cfg)
	for i := range cfg.APIs {
		a, r := &cfg.APIs[i], &imported[i]
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		for _, d := range r.diags {
			g.log.Warn(d.String())
		}
		in.APIs = append(in.APIs, configAPI(a, r))
	}
	if err := addTemplateAPIs(in, tset); err != nil {
		errs = append(errs, err)
	}
	return cfg, in, errs
}

// configAPI pairs an imported API of the config file with its stages.
func configAPI(a *config.API, r *importResult) compile.API {
	ca := compile.API{Definition: r.def, Default: a.Default}
	for _, s := range a.Stages {
		ca.Stages = append(ca.Stages, compile.Stage{Stage: s.Model()})
	}
	if len(ca.Stages) == 0 {
		ca.Stages = []compile.Stage{{Stage: defaultStageModel()}}
	}
	return ca
}

// reload loads the configuration again and serves it, or reports why not
// and keeps serving what it served.
func (g *Gateway) reload(why string) {
	start := time.Now()
	cfg, err := g.opts.Reload()
	if err != nil {
		g.reloadFailed(why, []error{err})
		return
	}
	cfg, in, errs := g.loadInput(cfg)
	if len(errs) > 0 {
		g.reloadFailed(why, errs)
		return
	}
	// SyncConfig compiles the changed APIs in its transaction: an API that
	// does not compile fails it, and nothing is stored or served.
	if err := deploy.SyncConfig(g.cp.store, cfg, in, g.cp.deployer, g.logError); err != nil {
		g.reloadFailed(why, []error{err})
		return
	}
	for _, n := range restartNeeded(g.cfg, cfg) {
		g.log.Warn(n + " changed: restart apigw to apply")
	}
	g.watched = cfg
	g.log.Info("reloaded", "change", why, "duration", time.Since(start).Round(time.Millisecond))
	g.printSummary()
}

// reloadFailed prints every problem of a reload that did not load.
func (g *Gateway) reloadFailed(why string, errs []error) {
	var lines []string
	for _, e := range errs {
		lines = append(lines, problemLines(e)...)
	}
	g.log.Error("reload failed: still serving the previous version", "change", why, "problems", len(lines))
	for _, l := range lines {
		g.problem(l)
	}
}

// problemLines renders an error as one line per problem: the problems of a
// config file or an OpenAPI document each with file:line:col, joined
// errors each on its own line.
func problemLines(err error) []string {
	var ce *config.Error
	if errors.As(err, &ce) {
		out := make([]string, len(ce.Problems))
		for i, p := range ce.Problems {
			out[i] = p.String()
		}
		return out
	}
	var ie *openapi.ImportError
	if errors.As(err, &ie) {
		out := make([]string, len(ie.Diagnostics))
		for i, d := range ie.Diagnostics {
			out[i] = d.String()
		}
		return out
	}
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, problemLines(e)...)
		}
		return out
	}
	return strings.Split(err.Error(), "\n")
}

// problem prints a line of a failed reload: a plain line on Stderr, or an
// error record with --log-format json.
func (g *Gateway) problem(line string) {
	if !g.opts.JSONLines {
		fmt.Fprintln(g.opts.Stderr, line)
		return
	}
	_ = g.log.Handler().Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelError, line, 0))
}

// restartNeeded names what differs between two configurations that a
// reload does not apply.
func restartNeeded(old, cur *config.Config) []string {
	var out []string
	for _, c := range []struct {
		name     string
		old, cur any
	}{
		{"listen", old.Listen, cur.Listen},
		{"adminListen", old.AdminListen, cur.AdminListen},
		{"dataDir", old.DataDir, cur.DataDir},
		{"region", old.Region, cur.Region},
		{"accountId", old.AccountID, cur.AccountID},
		{"functions", functionConfigs(old), functionConfigs(cur)},
		{"identities", old.Identities, cur.Identities},
		{"aws", old.AWS, cur.AWS},
		{"privateTargets", old.PrivateTargets, cur.PrivateTargets},
		{"tls", old.TLS, cur.TLS},
		{"admin", old.Admin, cur.Admin},
	} {
		if !reflect.DeepEqual(c.old, c.cur) {
			out = append(out, c.name)
		}
	}
	return out
}

// watchedFiles are the files whose change reloads cfg: the config file,
// every API's OpenAPI document, every template (a CDK cloud assembly
// directory: its manifest.json).
func watchedFiles(cfg *config.Config) []string {
	var files []string
	if cfg.File != "" {
		files = append(files, cfg.File)
	}
	for _, a := range cfg.APIs {
		files = append(files, a.OpenAPI)
	}
	for _, t := range cfg.Templates {
		p := t.Path
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			p = filepath.Join(p, "manifest.json")
		}
		files = append(files, p)
	}
	for i, f := range files {
		if abs, err := filepath.Abs(f); err == nil {
			files[i] = abs
		}
	}
	sort.Strings(files)
	return files
}

// configWatcher watches the configuration's files (see watchedFiles)
// through their directories, so that editors that save by renaming a new
// file over the old one are seen, and reloads after each burst of changes.
// One goroutine owns its state; Close stops it.
type configWatcher struct {
	g    *Gateway
	fsw  *fsnotify.Watcher
	stop chan struct{}
	done chan struct{}
}

// startReload starts watching the configuration's files, with --watch and
// Options.Reload.
func (g *Gateway) startReload() error {
	if !g.opts.Watch || g.opts.Reload == nil {
		return nil
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("--watch: %w", err)
	}
	w := &configWatcher{g: g, fsw: fsw, stop: make(chan struct{}), done: make(chan struct{})}
	g.watched = g.cfg
	files := w.add(watchedFiles(g.cfg))
	go w.run(files)
	g.res.own("config watcher", func(context.Context) error {
		close(w.stop)
		<-w.done
		return fsw.Close()
	})
	g.log.Info("watching the configuration's files", "files", len(files))
	return nil
}

// add watches the directories of files and returns the set of files.
func (w *configWatcher) add(files []string) map[string]bool {
	set := make(map[string]bool, len(files))
	for _, f := range files {
		set[f] = true
		if err := w.fsw.Add(filepath.Dir(f)); err != nil {
			w.g.log.Warn("--watch: cannot watch a directory", "dir", filepath.Dir(f), "err", err)
		}
	}
	return set
}

func (w *configWatcher) run(files map[string]bool) {
	defer close(w.done)
	var (
		timer   *time.Timer
		fire    <-chan time.Time
		changed string
	)
	for {
		select {
		case <-w.stop:
			if timer != nil {
				timer.Stop()
			}
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod || !files[filepath.Clean(ev.Name)] {
				continue
			}
			changed = ev.Name
			if timer == nil {
				timer = time.NewTimer(reloadDebounce)
			} else {
				timer.Reset(reloadDebounce)
			}
			fire = timer.C
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.g.log.Warn("--watch: file watcher", "err", err)
		case <-fire:
			fire = nil
			w.g.reload(changed)
			files = w.add(watchedFiles(w.g.watched))
		}
	}
}

// defaultStageModel is the stage of an API that declares none: $default,
// auto-deployed.
func defaultStageModel() model.Stage {
	return model.Stage{StageName: model.DefaultStageName, AutoDeploy: true}
}
