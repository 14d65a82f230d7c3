package app

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/issuer"
	"github.com/apigwdev/apigw/internal/snapshot"
	"github.com/apigwdev/apigw/internal/template"
)

// loadTemplates loads the configuration's templates as one set (package
// template) and returns the configuration to serve: a copy of cfg whose
// functions include the templates' runnable functions (a config function
// of the same name overrides how one runs, keeping its environment). The
// set's warnings are printed to w; its errors are returned, and nothing is
// served. adminURL is the admin listener's URL, for the local issuer.
func loadTemplates(cfg *config.Config, adminURL string, w io.Writer) (*config.Config, *template.Set, error) {
	if len(cfg.Templates) == 0 {
		return cfg, nil, nil
	}
	srcs := make([]template.Source, len(cfg.Templates))
	for i, t := range cfg.Templates {
		srcs[i] = template.Source{
			Path: t.Path, StackName: t.StackName, ParameterOverrides: t.ParameterOverrides, EnvVars: t.EnvVars,
			Stacks: t.Stacks, DefaultAPI: t.DefaultAPI, APIIDs: t.APIIDs, Resources: t.Resources,
			Attributes: t.Attributes, Imports: t.Imports, Layers: t.Layers, JWTLocalIssuer: t.JWTLocalIssuer,
		}
	}
	set, err := template.Load(srcs, template.Options{
		Region: cfg.Region, AccountID: cfg.AccountID, DataDir: cfg.DataDir,
		DataURL:     "http://" + cfg.Listen,
		LocalIssuer: adminURL + issuer.PathPrefix,
		ConfigFunction: func(name string) bool {
			_, ok := cfg.Functions[name]
			return ok
		},
		UnrunnableWarn: cfg.UnrunnableWarn,
		Strict:         cfg.StrictTemplates,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("templates:\n%w", err)
	}
	for _, d := range set.Diagnostics {
		if d.Severity != template.Info {
			fmt.Fprintln(w, d.String())
		}
	}
	out := *cfg
	out.Functions = maps.Clone(cfg.Functions)
	if out.Functions == nil {
		out.Functions = map[string]config.Function{}
	}
	for _, f := range set.Functions {
		if own, ok := out.Functions[f.Name]; ok {
			// The config's entry says how the function runs (the escape
			// hatch for runtimes apigw does not run, docs/configuration.md
			// "Templates"); the template's environment stays under the
			// config's.
			env := maps.Clone(f.Env)
			maps.Copy(env, own.Env)
			own.Env = env
			out.Functions[f.Name] = own
			continue
		}
		if f.Unrunnable != "" {
			continue // reported by the load; its routes answer 500
		}
		cf := config.Function{
			Name: f.Name, Command: f.Command, Build: f.Build, Dir: f.CodeDir, Env: f.Env,
			Timeout:    time.Duration(f.TimeoutSeconds) * time.Second,
			MemorySize: f.MemorySize, Concurrency: f.Concurrency,
			Layers: f.Layers,
		}
		if len(f.Command) == 0 {
			cf.Runtime, cf.Handler = f.Runtime, f.Handler
			cf.LogFormat, cf.LogLevel = f.LogFormat, f.LogLevel
		}
		if cf.Concurrency == 0 {
			cf.Concurrency = functions.DefaultConcurrency
		}
		out.Functions[f.Name] = cf
	}
	return &out, set, nil
}

// addTemplateAPIs appends the templates' APIs to the compile input. The
// config's default API, if any, stays the default. An API id the config
// file (or --openapi) already uses is an error.
func addTemplateAPIs(in *compile.Input, set *template.Set) error {
	if set == nil {
		return nil
	}
	hasDefault := false
	used := map[string]bool{}
	for _, a := range in.APIs {
		hasDefault = hasDefault || a.Default
		used[a.Definition.API.APIID] = true
	}
	var errs []error
	for i := range set.APIs {
		a := &set.APIs[i]
		if used[a.Definition.API.APIID] {
			errs = append(errs, fmt.Errorf("template API %s (stack %s): api id %s is already used by an API of the config file", a.LogicalID, a.StackName, a.Definition.API.APIID))
			continue
		}
		def := a.Definition
		ca := compile.API{Definition: &def, Default: a.Default && !hasDefault}
		for _, s := range a.Stages {
			ca.Stages = append(ca.Stages, compile.Stage{Stage: s})
		}
		in.APIs = append(in.APIs, ca)
	}
	for _, d := range set.Domains {
		in.Domains = append(in.Domains, compile.Domain{Name: d.Name, Mappings: d.Mappings})
	}
	return errors.Join(errs...)
}

// needsEarlyAdmin reports whether the admin listener must be bound before
// the templates load: a template uses the local issuer, whose URL holds the
// admin listener's port, and that port is chosen by the system.
func needsEarlyAdmin(cfg *config.Config) bool {
	if !strings.HasSuffix(cfg.AdminListen, ":0") {
		return false
	}
	for _, t := range cfg.Templates {
		if t.JWTLocalIssuer {
			return true
		}
	}
	return false
}

// adminURLFor returns the admin listener's URL, binding it now when its
// port is chosen by the system and a template needs the URL.
func (g *Gateway) adminURLFor(cfg *config.Config) (string, error) {
	if !needsEarlyAdmin(cfg) {
		return "http://" + cfg.AdminListen, nil
	}
	ln, err := net.Listen("tcp", cfg.AdminListen)
	if err != nil {
		return "", fmt.Errorf("admin listener %s: %w", cfg.AdminListen, err)
	}
	g.admLn = ln
	return "http://" + ln.Addr().String(), nil
}

// listenAdmin returns the admin listener: the one New bound for the
// templates, else a new one.
func (g *Gateway) listenAdmin() (net.Listener, error) {
	if g.admLn != nil {
		return g.admLn, nil
	}
	return net.Listen("tcp", g.cfg.AdminListen)
}

// templateSummary is the startup summary's section for templates: which
// API each template resource became, and the stacks' Outputs with the
// local equivalent of their execute-api URLs.
func (g *Gateway) templateSummary(set *template.Set) SummarySection {
	return func(*snapshot.Snapshot) []string {
		if set == nil || len(set.APIs)+len(set.Outputs) == 0 {
			return nil
		}
		out := []string{"templates"}
		for _, a := range set.APIs {
			out = append(out, fmt.Sprintf("  api %s (id %s, stack %s)", a.LogicalID, a.Definition.API.APIID, a.StackName))
		}
		for _, o := range set.Outputs {
			l := fmt.Sprintf("  output %s = %s", o.Name, o.Value)
			if local := template.LocalURL(g.DataURL(), o.Value); local != "" {
				l += "  (local: " + local + ")"
			}
			out = append(out, l)
		}
		return out
	}
}
