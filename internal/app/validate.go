package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/openapi"
	"github.com/apigwdev/apigw/internal/yamlnode"
)

// Report is what Validate found in a configuration, one line per finding,
// each "file:line:col: message" where the position is known.
type Report struct {
	// Errors stop `apigw serve`, or make a route fail at run time.
	Errors []string
	// Warnings do not stop serving (`apigw validate --strict` counts them).
	Warnings []string
	// Infos are the OpenAPI importer's notes.
	Infos []string
	// APIs, Routes and Functions count what the configuration declares.
	APIs, Routes, Functions int
}

// Validate checks a loaded configuration as `apigw serve` would load it,
// without serving and without its data directory or store: every API's
// OpenAPI document is imported and compiled, each on its own, so that one
// API's errors do not hide another's; every Lambda function an integration
// or authorizer names must be configured (a misspelled name is an error,
// where serve would start and answer 500); every function is built and
// checked as serve does at start (functions.Manager.Check). What it needs on
// disk (runtime bootstraps, access log files) goes to a temporary directory
// removed on return. configErr are the problems found loading the file
// (config.ParsePartial), reported first.
func Validate(ctx context.Context, cfg *config.Config, configErr error) Report {
	var r Report
	addConfigProblems(&r, configErr)
	if cfg == nil {
		return r
	}
	tmp, err := os.MkdirTemp("", "apigw-validate-")
	if err != nil {
		r.Errors = append(r.Errors, fmt.Sprintf("creating a temporary directory: %v", err))
		return r
	}
	defer os.RemoveAll(tmp)
	c := *cfg
	c.DataDir = tmp
	r.APIs, r.Functions = len(c.APIs), len(c.Functions)

	collect := newCollector()
	log := slog.New(collect)
	g := &Gateway{cfg: &c, log: log, opts: Options{Logger: log}}
	fns, err := newFunctions(&c, log)
	if err != nil {
		r.Errors = append(r.Errors, functionProblem(&c, err))
		fns, _ = functions.New(functions.Options{Region: c.Region, AccountID: c.AccountID, Logger: log}, nil)
	}
	g.fns = fns
	defer g.closeFunctions()
	g.transport = h1client.New()
	defer g.transport.CloseIdleConnections()
	g.newStageServices()
	defer g.closeStageServices()
	for _, step := range []func() error{g.newPrivate, g.newAWSClients, g.newAuthorizers} {
		if err := step(); err != nil {
			r.Errors = append(r.Errors, configLine(&c, err.Error()))
		}
	}
	r.Errors = append(r.Errors, tlsProblems(&c)...)

	imported := importAPIs(&c)
	for i := range c.APIs {
		a, res := &c.APIs[i], &imported[i]
		addImportProblems(&r, res)
		if res.def == nil {
			continue
		}
		r.Routes += len(res.def.Routes)
		r.Errors = append(r.Errors, unknownFunctions(&c, a, res.def)...)
		for _, rt := range res.def.Routes {
			if rt.Target == "" {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: api %s: route %s has no integration: it answers 500", a.OpenAPI, res.def.API.APIID, rt.RouteKey))
			}
		}
		if g.authz == nil || g.awsClients == nil {
			continue // reported above; compiling would only repeat it
		}
		ca := compile.API{Definition: res.def, Default: a.Default}
		for _, s := range a.Stages {
			ca.Stages = append(ca.Stages, compile.Stage{Stage: s.Model()})
		}
		if len(ca.Stages) == 0 {
			ca.Stages = []compile.Stage{{Stage: model.Stage{StageName: model.DefaultStageName, AutoDeploy: true}}}
		}
		deps := g.compileDeps()
		deps.HasFunction = nil // unknownFunctions made them errors
		_, warnings, err := compile.Compile(&compile.Input{Region: c.Region, AccountID: c.AccountID, APIs: []compile.API{ca}}, deps)
		for _, w := range warnings {
			r.Warnings = append(r.Warnings, a.OpenAPI+": "+w)
		}
		for _, e := range flatten(err) {
			r.Errors = append(r.Errors, a.OpenAPI+": "+e.Error())
		}
	}

	for _, n := range fns.Names() {
		if err := fns.Check(ctx, n); err != nil {
			if fc, _ := fns.Config(n); fc.Runtime != "" {
				// A missing or refused node/python is a warning: the file may be
				// meant for a machine that has it (docs/configuration.md).
				r.Warnings = append(r.Warnings, functionLineOf(&c, n, err.Error()))
				continue
			}
			r.Errors = append(r.Errors, functionLineOf(&c, n, err.Error()))
		}
	}
	r.Warnings = append(r.Warnings, collect.lines()...)
	return r
}

// addConfigProblems reports the problems of loading the config file.
func addConfigProblems(r *Report, err error) {
	if err == nil {
		return
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			r.Errors = append(r.Errors, p.String())
		}
		return
	}
	r.Errors = append(r.Errors, err.Error())
}

// addImportProblems reports an OpenAPI import's findings. A warning about
// an unsupported extension that is a likely misspelling of a supported one
// is an error: the extension would be ignored, and what it meant missing.
func addImportProblems(r *Report, res *importResult) {
	diags := res.diags
	if res.err != nil {
		var ie *openapi.ImportError
		if errors.As(res.err, &ie) {
			for _, d := range ie.Diagnostics {
				r.Errors = append(r.Errors, d.String())
			}
			diags = ie.Others
		} else {
			r.Errors = append(r.Errors, res.err.Error())
		}
	}
	for _, d := range diags {
		switch {
		case d.Suggestion != "":
			d.Severity = openapi.Error
			r.Errors = append(r.Errors, d.String())
		case d.Severity == openapi.Info:
			r.Infos = append(r.Infos, d.String())
		default:
			r.Warnings = append(r.Warnings, d.String())
		}
	}
}

// unknownFunctions reports the Lambda functions an API's integrations and
// authorizers name that the configuration does not define. Without a
// config file (an OpenAPI document checked alone) there is nothing to
// check against.
func unknownFunctions(c *config.Config, a *config.API, def *model.Definition) []string {
	if c.File == "" {
		return nil
	}
	var out []string
	check := func(what, uri string) {
		tmpl, err := lambdacall.ParseFunctionURI(uri)
		if err != nil {
			return // the compiler reports it
		}
		ref, ok := tmpl.Static()
		if !ok {
			return // chosen by a stage variable at run time
		}
		if _, ok := c.Functions[ref.Name]; ok {
			return
		}
		msg := fmt.Sprintf("%s: api %s: %s: function %q is not configured", a.OpenAPI, def.API.APIID, what, ref.Name)
		if s := closestName(ref.Name, c.Functions); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else if c.File != "" {
			msg += " in " + c.File
		}
		out = append(out, msg+": requests would answer 500")
	}
	routes := map[string][]string{}
	for _, rt := range def.Routes {
		if id, ok := strings.CutPrefix(rt.Target, "integrations/"); ok {
			routes[id] = append(routes[id], rt.RouteKey)
		}
	}
	for _, in := range def.Integrations {
		if in.IntegrationType == model.IntegrationAWSProxy && in.IntegrationSubtype == "" {
			what := "integration " + in.IntegrationID
			if keys := routes[in.IntegrationID]; len(keys) > 0 {
				what = "route " + strings.Join(keys, ", route ")
			}
			check(what, in.IntegrationURI)
		}
	}
	for _, au := range def.Authorizers {
		if au.AuthorizerURI != "" {
			check("authorizer "+au.Name, au.AuthorizerURI)
		}
	}
	return out
}

// closestName returns the configured function name within two edits of
// name, if any.
func closestName(name string, fns map[string]config.Function) string {
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	return yamlnode.Suggest(name, names)
}

// functionProblem locates a *functions.ConfigError at its function's
// entry in the config file.
func functionProblem(c *config.Config, err error) string {
	var fe *functions.ConfigError
	if errors.As(err, &fe) {
		return functionLineOf(c, fe.Function, err.Error())
	}
	return configLine(c, err.Error())
}

// functionLineOf prefixes msg with the position of function name's entry.
func functionLineOf(c *config.Config, name, msg string) string {
	if f, ok := c.Functions[name]; ok && c.File != "" && f.Line > 0 {
		return config.Problem{File: c.File, Line: f.Line, Column: f.Column, Message: "function " + name + ": " + msg}.String()
	}
	return configLine(c, "function "+name+": "+msg)
}

// configLine prefixes msg with the config file's name, when there is one.
func configLine(c *config.Config, msg string) string {
	if c.File == "" {
		return msg
	}
	return c.File + ": " + msg
}

// flatten lists the errors joined in err, one per problem.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// collector is a slog.Handler that keeps the warnings logged while
// validating (a runtime version that differs, a handler that will not
// load), as report lines. Errors logged are left out: what fails is
// returned as an error too, and reported once from there.
type collector struct {
	sink  *collected
	attrs []slog.Attr
}

type collected struct {
	mu    sync.Mutex
	lines []string // guarded by mu
}

func newCollector() *collector { return &collector{sink: &collected{}} }

func (c *collector) Enabled(_ context.Context, l slog.Level) bool { return l == slog.LevelWarn }

func (c *collector) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		if a.Key != "component" {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		}
		return true
	}
	for _, a := range c.attrs {
		add(a)
	}
	r.Attrs(add)
	c.sink.mu.Lock()
	defer c.sink.mu.Unlock()
	c.sink.lines = append(c.sink.lines, b.String())
	return nil
}

func (c *collector) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &collector{sink: c.sink, attrs: append(append([]slog.Attr{}, c.attrs...), attrs...)}
}

func (c *collector) WithGroup(string) slog.Handler { return c }

func (c *collector) lines() []string {
	c.sink.mu.Lock()
	defer c.sink.mu.Unlock()
	return append([]string(nil), c.sink.lines...)
}
