package app

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/openapi"
)

// buildInput imports every API of the configuration from its OpenAPI document
// and pairs it with its stages.
func buildInput(cfg *config.Config) (*compile.Input, error) {
	in := &compile.Input{Region: cfg.Region, AccountID: cfg.AccountID}
	for i := range cfg.APIs {
		a := &cfg.APIs[i]
		def, err := importAPI(cfg, a)
		if err != nil {
			return nil, err
		}
		ca := compile.API{Definition: def, Default: a.Default}
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

func importAPI(cfg *config.Config, a *config.API) (*model.Definition, error) {
	doc, err := os.ReadFile(a.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("api %s: reading OpenAPI document: %w", a.ID, err)
	}
	res, err := openapi.Import(doc, openapi.Options{
		Filename:  a.OpenAPI,
		Region:    cfg.Region,
		AccountID: cfg.AccountID,
	})
	if err != nil {
		return nil, fmt.Errorf("api %s: importing %s: %w", apiLabel(a), a.OpenAPI, err)
	}
	def := res.Definition
	def.API.APIID = a.ID
	if def.API.APIID == "" {
		def.API.APIID = generatedAPIID(a.OpenAPI)
	}
	for _, d := range res.Diagnostics {
		// Infos and warnings do not stop serving; they are reported once.
		fmt.Fprintln(os.Stderr, d.String())
	}
	return &def, nil
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
