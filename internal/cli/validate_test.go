package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// validateDir holds files with problems of every kind, several per file.
func validateDir(t *testing.T) string {
	t.Helper()
	return writeFiles(t, map[string]string{
		// Two errors (a misspelled function, a misspelled extension), a
		// warning (an unsupported extension) in one document.
		"api.yaml": `openapi: "3.0.1"
info: {title: t, version: "1"}
x-amazon-apigateway-request-validators: {}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:lambda:us-east-1:000000000000:function:ehco", payloadFormatVersion: "2.0"}
  /b:
    get:
      x-amazon-apigateway-integratoin: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/", payloadFormatVersion: "1.0"}
`,
		// A config with two errors of its own and functions that cannot
		// start: a missing program and a failing build.
		"apigw.yaml": `listen: 127.0.0.1:3000
lisen: oops
region: nowhere
apis:
  - id: api0000001
    openapi: ./api.yaml
functions:
  echo: {command: ["./bin/echo-missing"]}
  broken: {command: ["./bin/never"], build: ["sh", "-c", "echo compile error >&2; exit 3"]}
`,
		// A second file, with its own error, checked in the same run.
		"other.yaml": "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /x/{id}.json:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"http://127.0.0.1:9/\", payloadFormatVersion: \"1.0\"}\n",
		"warn.yaml":  "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\nx-amazon-apigateway-request-validators: {}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"http://127.0.0.1:9/\", payloadFormatVersion: \"1.0\"}\n",
	})
}

// TestValidateEverythingInOnePass: every error and warning of every file,
// in one run; errors do not hide later errors or warnings.
func TestValidateEverythingInOnePass(t *testing.T) {
	t.Parallel()
	dir := validateDir(t)
	var out, errOut bytes.Buffer
	code := Main([]string{"validate", filepath.Join(dir, "apigw.yaml"), filepath.Join(dir, "other.yaml")}, &out, &errOut)
	if code != 1 {
		t.Errorf("exit %d; want 1", code)
	}
	got := errOut.String()
	for _, re := range []string{
		`apigw\.yaml:2:1: unknown key "lisen" .*did you mean "listen"`,
		`apigw\.yaml:3:\d+: region: `,
		`api\.yaml: api api0000001: route GET /a: function "ehco" is not configured \(did you mean "echo"\?\)`,
		`api\.yaml:10:7: unsupported extension x-amazon-apigateway-integratoin .*\(did you mean x-amazon-apigateway-integration\?\)`,
		`api\.yaml:3:1: warning: unsupported extension x-amazon-apigateway-request-validators`,
		`apigw\.yaml:8:3: function echo: program .*/bin/echo-missing does not exist`,
		`apigw\.yaml:9:3: function broken: build command "sh -c echo compile error >&2; exit 3" failed: exit status 3`,
		`other\.yaml:4:\d+: `,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("no line matching %s in:\n%s", re, got)
		}
	}
	if !strings.Contains(out.String(), "apigw.yaml: ") || !strings.Contains(out.String(), "other.yaml: ") {
		t.Errorf("stdout does not name both files:\n%s", out.String())
	}
}

// TestValidateStrict: warnings are printed, and fail the run only with
// --strict (which may come after the files).
func TestValidateStrict(t *testing.T) {
	t.Parallel()
	dir := validateDir(t)
	file := filepath.Join(dir, "warn.yaml")
	var out, errOut bytes.Buffer
	if code := Main([]string{"validate", file}, &out, &errOut); code != 0 {
		t.Errorf("exit %d; want 0\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "warning: unsupported extension x-amazon-apigateway-request-validators") {
		t.Errorf("warning not shown:\n%s", errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := Main([]string{"validate", file, "--strict"}, &out, &errOut); code != 1 {
		t.Errorf("--strict: exit %d; want 1\n%s%s", code, out.String(), errOut.String())
	}
}

// TestValidateBesideServe: validate runs while serve holds the data dir's
// store in the same directory, and creates no data dir where it runs.
func TestValidateBesideServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"api.yaml":   "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"http://127.0.0.1:9/\", payloadFormatVersion: \"1.0\"}\n",
		"apigw.yaml": "apis:\n  - id: api0000001\n    openapi: ./api.yaml\n    default: true\n",
	})
	bin := sharedBinary(t)
	serveProcess(t, bin, dir, "--config", "apigw.yaml")
	if _, err := os.Stat(filepath.Join(dir, ".apigw")); err != nil {
		t.Fatalf("serve made no data dir: %v", err)
	}
	other := t.TempDir()
	for _, wd := range []string{dir, other} {
		cmd := execIn(wd, bin, "validate", filepath.Join(dir, "apigw.yaml"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("validate in %s beside serve: %v\n%s", wd, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(other, ".apigw")); err == nil {
		t.Error("validate created a data dir where it ran")
	}
}
