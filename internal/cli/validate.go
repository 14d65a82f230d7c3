package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/openapi"
)

// validate checks each file: an OpenAPI document is imported as ImportApi
// would; a config file is loaded, its APIs imported and compiled, exactly as
// serve would, without listening. Every problem is printed; the exit code is 1
// if any file has an error.
func validate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "[--strict] FILE...",
		"Checks config files and OpenAPI documents without serving: every problem of every file\n"+
			"is printed as file:line:col: message. Exits 1 if any file has an error.", stderr)
	var verbose *bool
	if fs.Lookup("v") == nil {
		verbose = fs.Bool("v", false, "also print infos (what a template declares that apigw does not emulate)")
	}
	tf := addTemplateFlags(fs)
	if code, done := parseFlags(fs, tf.extract(args)); done {
		return code
	}
	files := fs.Args()
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
	if len(templates) > 0 && !validateTemplates(templates, tf, verbose != nil && *verbose, stdout, stderr) {
		failed = true
	}
	for _, f := range files {
		if contains(templates, f) {
			continue
		}
		if !validateFile(f, stdout, stderr) {
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

func validateFile(file string, stdout, stderr io.Writer) bool {
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", file, err)
		return false
	}
	if isOpenAPI(data) {
		res, err := openapi.Import(data, openapi.Options{Filename: file, Region: "us-east-1", AccountID: "000000000000"})
		if err != nil {
			printProblems(stderr, err)
			return false
		}
		for _, d := range res.Diagnostics {
			fmt.Fprintln(stderr, d.String())
		}
		fmt.Fprintf(stdout, "%s: valid OpenAPI document (%d routes, %d integrations, %d authorizers)\n",
			file, len(res.Definition.Routes), len(res.Definition.Integrations), len(res.Definition.Authorizers))
		return true
	}
	cfg, err := config.Load(file)
	if err != nil {
		printProblems(stderr, err)
		return false
	}
	g, err := app.New(cfg, app.Options{Stderr: stderr})
	if err != nil {
		printProblems(stderr, err)
		return false
	}
	g.Close()
	fmt.Fprintf(stdout, "%s: valid config (%d APIs, %d functions)\n", file, len(cfg.APIs), len(cfg.Functions))
	return true
}

// printProblems prints each joined error on its own line.
func printProblems(w io.Writer, err error) {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			printProblems(w, e)
		}
		return
	}
	fmt.Fprintln(w, err)
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
