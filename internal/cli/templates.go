package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/template"
)

// templateFlags are the flags of `apigw serve` and `apigw validate` for
// AWS SAM / CloudFormation templates and CDK cloud assemblies.
type templateFlags struct {
	paths      stringList
	stacks     stringList
	overrides  []string // --parameter-overrides arguments, taken before flag parsing
	envVars    *string
	stackName  *string
	defaultAPI *string
	localIss   *bool
	unrunnable *string
	strict     *bool
	// strictFlag is a --strict defined by the command itself.
	strictFlag *flag.Flag
}

func (t *templateFlags) isStrict() bool {
	if t.strictFlag != nil {
		return t.strictFlag.Value.String() == "true"
	}
	return *t.strict
}

func addTemplateFlags(fs *flag.FlagSet) *templateFlags {
	t := &templateFlags{}
	fs.Var(&t.paths, "template", "an AWS SAM or CloudFormation template, or a CDK cloud assembly (cdk.out) (repeatable; default: template.yaml, template.yml, template.json or cdk.out in the working directory)")
	fs.Var(&t.stacks, "stack", "with cdk.out: serve only this stack (artifact id or stack name; repeatable)")
	t.envVars = fs.String("env-vars", "", "per-function environment overrides in SAM CLI's JSON shape")
	t.stackName = fs.String("stack-name", "", "AWS::StackName of the templates (default: samconfig's stack_name, else local)")
	t.defaultAPI = fs.String("default-api", "", "logical id of the template API that answers requests naming no API")
	t.localIss = fs.Bool("jwt-local-issuer", false, "JWT authorizers of the templates trust the gateway's own issuer (apigw token) instead of theirs")
	t.unrunnable = fs.String("unrunnable", "error", "functions that cannot run locally: error, or warn (their routes answer 500)")
	if f := fs.Lookup("strict"); f == nil {
		t.strict = fs.Bool("strict", false, "warnings are errors")
	} else {
		t.strict = new(bool)
		t.strictFlag = f
	}
	fs.Func("parameter-overrides", "template parameters as sam takes them: KEY=VALUE ... or ParameterKey=K,ParameterValue=V ... (one or more arguments)", func(v string) error {
		t.overrides = append(t.overrides, v)
		return nil
	})
	return t
}

// extract takes the arguments that follow --parameter-overrides (one or
// more, up to the next flag), as SAM CLI's option takes them, and returns
// the other arguments for the flag set.
func (t *templateFlags) extract(args []string) []string {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "parameter-overrides" {
			rest = append(rest, a)
			if a == "--" {
				rest = append(rest, args[i+1:]...)
				return rest
			}
			continue
		}
		if hasVal {
			t.overrides = append(t.overrides, val)
		}
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			t.overrides = append(t.overrides, args[i])
		}
	}
	return rest
}

// discoveryFiles are looked for, in order, when serve is given no config
// file, OpenAPI document or template.
var discoveryFiles = []string{"template.yaml", "template.yml", "template.json", filepath.Join("cdk.out", "manifest.json")}

// apply lays the template flags over cfg. With no config file, no
// --openapi and no --template, it serves the first template found in the
// working directory (discovery), saying so on w.
func (t *templateFlags) apply(cfg *config.Config, discover bool, w io.Writer) error {
	switch *t.unrunnable {
	case "error":
	case "warn":
		cfg.UnrunnableWarn = true
	default:
		return fmt.Errorf("--unrunnable %q: want error or warn", *t.unrunnable)
	}
	cfg.StrictTemplates = t.isStrict()
	paths := []string(t.paths)
	if discover && len(paths) == 0 && len(cfg.Templates) == 0 {
		for _, f := range discoveryFiles {
			if _, err := os.Stat(f); err == nil {
				fmt.Fprintf(w, "info: serving %s (found in the working directory)\n", f)
				paths = []string{f}
				break
			}
		}
		if len(paths) > 0 {
			if _, err := os.Stat(filepath.Join(".aws-sam", "build", "template.yaml")); err == nil {
				fmt.Fprintln(w, "info: .aws-sam/build/template.yaml skipped: apigw builds and runs functions from source for this host (serve it with --template .aws-sam/build/template.yaml)")
			}
		}
	}
	overrides, err := template.ParseParameterOverrides(t.overrides)
	if err != nil {
		return fmt.Errorf("--parameter-overrides: %w", err)
	}
	return cfg.ApplyTemplates(config.TemplateFlags{
		Paths: paths, ParameterOverrides: overrides, StackName: *t.stackName, EnvVars: *t.envVars,
		DefaultAPI: *t.defaultAPI, JWTLocalIssuer: *t.localIss, Stacks: t.stacks,
	})
}

// isTemplatePath reports whether a validate argument is a template: a
// directory (cdk.out), a manifest.json, or a YAML/JSON file with a
// Resources, Transform or AWSTemplateFormatVersion section.
func isTemplatePath(file string) bool {
	st, err := os.Stat(file)
	if err != nil {
		return false
	}
	if st.IsDir() || filepath.Base(file) == "manifest.json" {
		return true
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		return looksLikeTemplate(data)
	}
	for _, k := range []string{"Resources", "Transform", "AWSTemplateFormatVersion"} {
		if _, ok := top[k]; ok {
			return true
		}
	}
	return false
}

// looksLikeTemplate recognises a template that does not parse as plain
// YAML (its short tags, a syntax error) by its sections.
func looksLikeTemplate(data []byte) bool {
	s := string(data)
	return strings.Contains(s, "\nResources:") || strings.HasPrefix(s, "Resources:") || strings.Contains(s, "AWSTemplateFormatVersion")
}

// validateTemplates loads the templates as serve would (without building
// or running functions) and prints every diagnostic; infos with verbose.
func validateTemplates(files []string, tf *templateFlags, verbose bool, stdout, stderr io.Writer) bool {
	cfg := config.Default()
	tf.paths = append(tf.paths, files...)
	if err := tf.apply(cfg, false, stderr); err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return false
	}
	tmp, err := os.MkdirTemp("", "apigw-validate-")
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return false
	}
	defer os.RemoveAll(tmp)
	srcs := make([]template.Source, len(cfg.Templates))
	for i, t := range cfg.Templates {
		srcs[i] = template.Source{Path: t.Path, StackName: t.StackName, ParameterOverrides: t.ParameterOverrides,
			EnvVars: t.EnvVars, Stacks: t.Stacks, DefaultAPI: t.DefaultAPI, JWTLocalIssuer: t.JWTLocalIssuer}
	}
	set, err := template.Load(srcs, template.Options{Region: cfg.Region, AccountID: cfg.AccountID, DataDir: tmp,
		UnrunnableWarn: cfg.UnrunnableWarn, Strict: cfg.StrictTemplates})
	var le *template.LoadError
	var diags []template.Diagnostic
	switch {
	case errors.As(err, &le):
		diags = le.Diagnostics
	case err != nil:
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return false
	default:
		diags = set.Diagnostics
	}
	for _, d := range diags {
		if d.Severity != template.Info || verbose {
			fmt.Fprintln(stderr, d.String())
		}
	}
	if err != nil {
		return false
	}
	routes := 0
	for _, a := range set.APIs {
		routes += len(a.Definition.Routes)
	}
	fmt.Fprintf(stdout, "%s: valid template (%d APIs, %d routes, %d functions)\n", strings.Join(files, ", "), len(set.APIs), routes, len(set.Functions))
	return true
}
