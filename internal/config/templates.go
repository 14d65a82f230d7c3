package config

import (
	"fmt"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Template is an entry of templates: an AWS SAM or CloudFormation template,
// or a CDK cloud assembly, served with its APIs and functions (see package
// template and docs/configuration.md "Templates").
type Template struct {
	// Path is the absolute path of a template file, a cdk.out directory or
	// a *.template.json inside one.
	Path string
	// StackName is AWS::StackName; default samconfig's stack_name, else
	// "local" (CDK: the manifest's stack names).
	StackName string
	// ParameterOverrides are template parameter values by name.
	ParameterOverrides map[string]string
	// EnvVars is the absolute path of a SAM CLI --env-vars JSON file.
	EnvVars string
	// Stacks selects the stack artifacts of a cloud assembly; default all.
	Stacks []string
	// DefaultAPI is the logical id of the API answering requests that name
	// no API.
	DefaultAPI string
	// APIIDs fixes API ids by logical id ([a-z0-9]{1,63}); default
	// derived from the stack name and logical id.
	APIIDs map[string]string
	// Resources are Ref values (physical ids) of resources apigw does not
	// emulate, by logical id.
	Resources map[string]string
	// Attributes are Fn::GetAtt values of such resources, keyed
	// "LogicalId.Attribute".
	Attributes map[string]string
	// Imports are values for Fn::ImportValue names no loaded stack exports.
	Imports map[string]string
	// Layers maps layer ARNs to local directories (absolute).
	Layers map[string]string
	// JWTLocalIssuer makes the template's JWT authorizers trust the
	// gateway's own issuer (apigw token) instead of their Issuer.
	JWTLocalIssuer bool
	// Line and Column locate the entry in the file (0 for flags).
	Line, Column int
}

// templates decodes the templates section.
func (d *decoder) templates(n *yaml.Node, c *Config) {
	known := []string{"path", "stackName", "parameterOverrides", "envVars", "stacks", "defaultApi", "apiIds",
		"resources", "attributes", "imports", "layers", "jwtLocalIssuer"}
	for _, e := range d.seq(n, "templates") {
		t := Template{Line: e.Line, Column: e.Column}
		ok := d.fields(e, "templates entry", known, func(key string, k, v *yaml.Node) {
			what := "templates." + key
			switch key {
			case "path":
				if s, ok := d.str(v, what); ok {
					t.Path = d.path(s)
				}
			case "stackName":
				t.StackName, _ = d.str(v, what)
			case "parameterOverrides":
				t.ParameterOverrides, _ = d.strMap(v, what)
			case "envVars":
				if s, ok := d.str(v, what); ok {
					t.EnvVars = d.path(s)
				}
			case "stacks":
				t.Stacks, _ = d.strList(v, what)
			case "defaultApi":
				t.DefaultAPI, _ = d.str(v, what)
			case "apiIds":
				ids, keys := d.strMap(v, what)
				for lid, id := range ids {
					if !resourceID.MatchString(id) {
						d.errf(keys[lid], "%s.%s %q must be 1 to 63 lower-case letters and digits", what, lid, id)
					}
				}
				t.APIIDs = ids
			case "resources":
				t.Resources, _ = d.strMap(v, what)
			case "attributes":
				t.Attributes, _ = d.strMap(v, what)
			case "imports":
				t.Imports, _ = d.strMap(v, what)
			case "layers":
				m, _ := d.strMap(v, what)
				for arn, p := range m {
					m[arn] = d.path(p)
				}
				t.Layers = m
			case "jwtLocalIssuer":
				t.JWTLocalIssuer, _ = d.boolean(v, what)
			}
		})
		if !ok {
			continue
		}
		if t.Path == "" {
			d.errf(e, "templates entry: path is required (a template file or a cdk.out directory)")
			continue
		}
		c.Templates = append(c.Templates, t)
	}
}

// TemplateFlags are the template flags of `apigw serve`: they add
// templates and lay settings over the file's entries, key by key.
type TemplateFlags struct {
	// Paths are --template values (relative to the working directory); a
	// path naming a file entry selects that entry.
	Paths []string
	// ParameterOverrides, StackName, EnvVars, DefaultAPI and JWTLocalIssuer
	// apply to every template of the set.
	ParameterOverrides map[string]string
	StackName          string
	EnvVars            string
	DefaultAPI         string
	JWTLocalIssuer     bool
	// Stacks are --stack values (cdk.out artifacts).
	Stacks []string
}

// ApplyTemplates lays the template flags over the configuration.
func (c *Config) ApplyTemplates(f TemplateFlags) error {
	for _, p := range f.Paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return fmt.Errorf("--template %s: %w", p, err)
		}
		found := false
		for _, t := range c.Templates {
			if t.Path == abs {
				found = true
			}
		}
		if !found {
			c.Templates = append(c.Templates, Template{Path: abs})
		}
	}
	for i := range c.Templates {
		t := &c.Templates[i]
		if len(f.ParameterOverrides) > 0 {
			if t.ParameterOverrides == nil {
				t.ParameterOverrides = map[string]string{}
			}
			for k, v := range f.ParameterOverrides {
				t.ParameterOverrides[k] = v
			}
		}
		if f.StackName != "" {
			t.StackName = f.StackName
		}
		if f.EnvVars != "" {
			abs, err := filepath.Abs(f.EnvVars)
			if err != nil {
				return fmt.Errorf("--env-vars %s: %w", f.EnvVars, err)
			}
			t.EnvVars = abs
		}
		if f.DefaultAPI != "" {
			t.DefaultAPI = f.DefaultAPI
		}
		if f.JWTLocalIssuer {
			t.JWTLocalIssuer = true
		}
		if len(f.Stacks) > 0 {
			t.Stacks = f.Stacks
		}
	}
	return nil
}
