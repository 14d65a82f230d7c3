package app

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/openapi"
)

// buildInput imports every API of the configuration from its OpenAPI document
// and pairs it with its stages. The documents are imported in parallel (at
// most GOMAXPROCS at a time); diagnostics go to warn (the gateway's log;
// nil prints them on stderr), and the first error in the configuration's
// order is returned, as if one after the other.
func buildInput(cfg *config.Config, warn func(string)) (*compile.Input, error) {
	if warn == nil {
		warn = func(s string) { fmt.Fprintln(os.Stderr, s) }
	}
	in := &compile.Input{Region: cfg.Region, AccountID: cfg.AccountID}
	imported := importAPIs(cfg)
	for i := range cfg.APIs {
		a, r := &cfg.APIs[i], &imported[i]
		if r.err != nil {
			return nil, r.err
		}
		for _, d := range r.diags {
			// Infos and warnings do not stop serving; they are reported once.
			warn(d.String())
		}
		ca := compile.API{Definition: r.def, Default: a.Default}
		for _, s := range a.Stages {
			ca.Stages = append(ca.Stages, compile.Stage{Stage: s.Model()})
		}
		if len(ca.Stages) == 0 {
			ca.Stages = []compile.Stage{{Stage: model.Stage{StageName: model.DefaultStageName, AutoDeploy: true}}}
		}
		in.APIs = append(in.APIs, ca)
	}
	return in, nil
}

// importResult is the import of one API of the configuration.
type importResult struct {
	def   *model.Definition
	diags []openapi.Diagnostic
	err   error
}

// importAPIs imports every API of cfg, GOMAXPROCS at a time, and returns
// the results in cfg.APIs' order.
func importAPIs(cfg *config.Config) []importResult {
	out := make([]importResult, len(cfg.APIs))
	one := func(i int) {
		r := &out[i]
		r.def, r.diags, r.err = importAPI(cfg, &cfg.APIs[i])
	}
	workers := min(runtime.GOMAXPROCS(0), len(cfg.APIs))
	if workers <= 1 {
		for i := range out {
			one(i)
		}
		return out
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(out); i = int(next.Add(1) - 1) {
				one(i)
			}
		})
	}
	wg.Wait()
	return out
}

func importAPI(cfg *config.Config, a *config.API) (*model.Definition, []openapi.Diagnostic, error) {
	doc, err := os.ReadFile(a.OpenAPI)
	if err != nil {
		return nil, nil, fmt.Errorf("api %s: reading OpenAPI document: %w", a.ID, err)
	}
	res, err := openapi.Import(doc, openapi.Options{
		Filename:  a.OpenAPI,
		Region:    cfg.Region,
		AccountID: cfg.AccountID,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("api %s: importing %s: %w", apiLabel(a), a.OpenAPI, err)
	}
	def := res.Definition
	def.API.APIID = a.ID
	if def.API.APIID == "" {
		def.API.APIID = generatedAPIID(a.OpenAPI)
	}
	return &def, res.Diagnostics, nil
}

func apiLabel(a *config.API) string {
	if a.ID != "" {
		return a.ID
	}
	return filepath.Base(a.OpenAPI)
}

// generatedAPIID derives a stable 10-character API id from the document's
// path, so URLs survive restarts even without a fixed id in the config.
func generatedAPIID(path string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	sum := sha256.Sum256([]byte(abs))
	id := make([]byte, 10)
	for i := range id {
		id[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(id)
}
