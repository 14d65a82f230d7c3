package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateTemplate: validate prints every problem of a template at
// once as file:line:col: LogicalId.Property: message and exits 1; a good
// template (with its parameter overrides) exits 0.
func TestValidateTemplate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := `Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod], Default: dev}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      Colour: blue
      Events:
        A: {Type: HttpApi, Properties: {Path: /a}}
        B: {Type: HttpApi, Properties: {Path: /b, Method: get, Auth: {Authorizer: Nope}}}
`
	path := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"validate", path}, &out, &errb); code != 1 {
		t.Fatalf("exit %d; want 1\n%s", code, errb.String())
	}
	for _, want := range []string{
		"template.yaml:10:7: Fn.Colour: property Colour not defined for resource of type AWS::Serverless::Function",
		"template.yaml:12:40: Fn.Events.A: Property 'Method' is required.",
		"template.yaml:13:70: Fn.Events.B.Auth: Unable to set Authorizer [Nope] on API method [get] for path [/b] because the related API does not define any Authorizers.",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, errb.String())
		}
	}
	good := strings.NewReplacer("      Colour: blue\n", "", "{Path: /a}", "{Path: /a, Method: post}", ", Auth: {Authorizer: Nope}", "").Replace(bad)
	if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := Main([]string{"validate", "--parameter-overrides", "Stage=prod", "--", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	if !strings.Contains(out.String(), "valid template (1 APIs, 2 routes, 1 functions)") {
		t.Errorf("stdout %q", out.String())
	}
	errb.Reset()
	if code := Main([]string{"validate", "--parameter-overrides", "Stage=qa", "--", path}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "Parameter 'Stage' must be one of AllowedValues (value from --parameter-overrides)") {
		t.Errorf("bad override: exit %d\n%s", code, errb.String())
	}
}
