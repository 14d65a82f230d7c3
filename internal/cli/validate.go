package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
)

// validate implements `apigw validate [--strict] FILE...`: each file is
// checked as `apigw serve` would load it (app.Validate), without the data
// directory, its store or its lock, so that it runs beside a serving
// gateway. A config file brings its OpenAPI documents and functions (each
// built and checked); an OpenAPI document is imported and compiled as the
// default API of an empty configuration. Every error and warning of every
// file is printed on stderr, one per line; a line per file on stdout says
// what was checked. The exit code is 1 if any file has an error, or with
// --strict a warning; 2 for a usage error.
func validate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "[--strict] FILE...",
		"Checks config files, OpenAPI documents and templates without serving, and without touching\n"+
			"the data directory: every error and warning of every file is printed as file:line:col: message;\n"+
			"a config file's functions are built and checked. Exits 1 if any file has an error\n"+
			"(with --strict, also a warning).", stderr)
	strict := fs.Bool("strict", false, "exit 1 on warnings too")
	verbose := fs.Bool("v", false, "also print infos (what a template declares that apigw does not emulate, the OpenAPI importer's notes)")
	tf := addTemplateFlags(fs)
	files, code, done := parseInterspersed(fs, tf.extract(args))
	if done {
		return code
	}
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	failed := false
	var templates []string
	for _, f := range files {
		if isTemplatePath(f) {
			templates = append(templates, f)
		}
	}
	if len(templates) > 0 && !validateTemplates(templates, tf, *verbose, stdout, stderr) {
		failed = true
	}
	for _, f := range files {
		if contains(templates, f) {
			continue
		}
		r := validateFile(f)
		for _, e := range r.Errors {
			fmt.Fprintln(stderr, e)
		}
		for _, w := range r.Warnings {
			fmt.Fprintln(stderr, asWarning(w))
		}
		if *verbose {
			for _, i := range r.Infos {
				fmt.Fprintln(stderr, i)
			}
		}
		switch {
		case len(r.Errors) > 0:
			failed = true
			fmt.Fprintf(stdout, "%s: %s, %s\n", f, plural(len(r.Errors), "error"), plural(len(r.Warnings), "warning"))
		case len(r.Warnings) > 0 && *strict:
			failed = true
			fmt.Fprintf(stdout, "%s: %s (--strict)\n", f, plural(len(r.Warnings), "warning"))
		default:
			fmt.Fprintf(stdout, "%s: valid (%s, %s, %s; %s)\n", f, plural(r.APIs, "API"), plural(r.Routes, "route"),
				plural(r.Functions, "function"), plural(len(r.Warnings), "warning"))
		}
	}
	if failed {
		return 1
	}
	return 0
}

// validateFile checks one file: an OpenAPI document (a top-level openapi
// or swagger key) or a config file.
func validateFile(file string) app.Report {
	data, err := os.ReadFile(file)
	if err != nil {
		return app.Report{Errors: []string{fmt.Sprintf("%s: %v", file, err)}}
	}
	ctx := context.Background()
	if isOpenAPI(data) {
		abs, err := filepath.Abs(file)
		if err != nil {
			return app.Report{Errors: []string{fmt.Sprintf("%s: %v", file, err)}}
		}
		cfg := config.Default()
		cfg.APIs = []config.API{{OpenAPI: abs, Default: true}}
		r := app.Validate(ctx, cfg, nil)
		relativize(&r, abs, file)
		return r
	}
	cfg, err := config.ParsePartial(data, file)
	return app.Validate(ctx, cfg, err)
}

// relativize writes file as given where the report says abs.
func relativize(r *app.Report, abs, file string) {
	for _, lines := range [][]string{r.Errors, r.Warnings, r.Infos} {
		for i, l := range lines {
			lines[i] = strings.ReplaceAll(l, abs, file)
		}
	}
}

// asWarning marks a warning line that does not say it is one.
func asWarning(line string) string {
	if strings.Contains(line, "warning: ") {
		return line
	}
	return "warning: " + line
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// parseInterspersed parses flags that may come before, between or after
// the file arguments, and returns the files.
func parseInterspersed(fs *flag.FlagSet, args []string) (files []string, code int, done bool) {
	for {
		if code, done := parseFlags(fs, args); done {
			return nil, code, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return files, 0, false
		}
		if rest[0] == "--" {
			return append(files, rest[1:]...), 0, false
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// isOpenAPI reports whether a YAML or JSON document has a top-level "openapi"
// or "swagger" key.
func isOpenAPI(data []byte) bool {
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		return false
	}
	_, oas := top["openapi"]
	_, swagger := top["swagger"]
	return oas || swagger
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
