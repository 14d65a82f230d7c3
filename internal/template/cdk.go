package template

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// This file reads CDK cloud assemblies (the cdk.out directory `cdk synth`
// writes; https://github.com/aws/aws-cdk/tree/main/packages/aws-cdk-lib/cloud-assembly-schema).

// manifest is the part of a cloud assembly's manifest.json apigw reads.
type manifest struct {
	Version   string                      `json:"version"`
	Artifacts map[string]manifestArtifact `json:"artifacts"`
	Missing   []json.RawMessage           `json:"missing"`
}

type manifestArtifact struct {
	Type         string   `json:"type"`
	Environment  string   `json:"environment"`
	Dependencies []string `json:"dependencies"`
	Properties   struct {
		TemplateFile  string            `json:"templateFile"`
		Parameters    map[string]string `json:"parameters"`
		StackName     string            `json:"stackName"`
		DirectoryName string            `json:"directoryName"`
	} `json:"properties"`
}

// loadAssembly loads the stacks of a cloud assembly in dependency order;
// nested assemblies (CDK Stages) are read recursively.
func (l *loader) loadAssembly(src *Source, path, prefix string) {
	data, err := os.ReadFile(path)
	if err != nil {
		l.ds.add(path, nil, Error, "", "reading cloud assembly: %v", unwrapPathError(err))
		return
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		l.ds.add(path, nil, Error, "", "invalid cloud assembly manifest: %v", err)
		return
	}
	if len(m.Missing) > 0 {
		l.ds.add(path, nil, Warning, "", "the cloud assembly has missing context values: cdk synth was incomplete")
	}
	dir := filepath.Dir(path)
	ids := make([]string, 0, len(m.Artifacts))
	for id := range m.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	// Dependency order: a stack after the artifacts it depends on.
	done := map[string]bool{}
	var order []string
	var visit func(id string, depth int)
	visit = func(id string, depth int) {
		if done[id] || depth > len(ids) {
			return
		}
		done[id] = true
		for _, d := range m.Artifacts[id].Dependencies {
			if _, ok := m.Artifacts[d]; ok {
				visit(d, depth+1)
			}
		}
		order = append(order, id)
	}
	for _, id := range ids {
		visit(id, 0)
	}
	var env string
	for _, id := range order {
		a := m.Artifacts[id]
		switch a.Type {
		case "aws:cloudformation:stack":
			name := a.Properties.StackName
			if name == "" {
				name = id
			}
			if len(src.Stacks) > 0 && !contains(src.Stacks, id) && !contains(src.Stacks, name) {
				continue
			}
			if src.templateFile != "" && a.Properties.TemplateFile != src.templateFile {
				continue
			}
			if src.StackName != "" && len(order) == 1 {
				name = src.StackName
			}
			overrides := map[string]string{}
			for k, v := range a.Properties.Parameters {
				overrides[k] = v
			}
			for k, v := range src.ParameterOverrides {
				overrides[k] = v
			}
			if a.Environment != "" && !strings.Contains(a.Environment, "unknown-") {
				if env != "" && env != a.Environment {
					l.ds.add(path, nil, Info, "", "stacks of the assembly name different environments (%s, %s)", env, a.Environment)
				}
				env = a.Environment
			}
			l.loadTemplate(src, filepath.Join(dir, a.Properties.TemplateFile), name, prefix, overrides)
		case "cdk:cloud-assembly":
			l.loadAssembly(src, filepath.Join(dir, a.Properties.DirectoryName, "manifest.json"), prefix)
		case "cdk:asset-manifest", "cdk:tree", "cdk:feature-flag-report":
		default:
			l.ds.add(path, nil, Info, "", "artifact %s of type %s ignored", id, a.Type)
		}
	}
	if env != "" {
		acct, region, _ := strings.Cut(strings.TrimPrefix(env, "aws://"), "/")
		if region != l.opts.Region || acct != l.opts.AccountID {
			l.ds.add(path, nil, Warning, "", "the assembly's stacks are for %s; apigw serves them as region %s, account %s (set --region and --account-id to match)", env, l.opts.Region, l.opts.AccountID)
		}
	}
}
