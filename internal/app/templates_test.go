package app

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/model"
)

// TestLoadTemplatesFunctions: template functions join the configuration;
// a config function of the same name decides how it runs and keeps the
// template's environment under its own.
func TestLoadTemplatesFunctions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, Code: {ZipFile: "x"}, Timeout: 7, Environment: {Variables: {A: tmpl, B: tmpl}}}
  Java:
    Type: AWS::Lambda::Function
    Properties: {Runtime: java21, Handler: x.Handler, Code: .}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: HTTP, Target: !GetAtt Fn.Arn}
`
	path := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(path, []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = filepath.Join(dir, ".apigw")
	cfg.Templates = []config.Template{{Path: path, APIIDs: map[string]string{"Api": "tmplapi01"}}}
	cfg.Functions["Java"] = config.Function{Name: "Java", Command: []string{"java", "-jar", "x.jar"}, Env: map[string]string{"B": "cfg"}}
	out, set, err := loadTemplates(cfg, "http://127.0.0.1:3300", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Functions["Fn"]; ok {
		t.Error("loadTemplates changed the caller's configuration")
	}
	fn := out.Functions["Fn"]
	if fn.Runtime != "nodejs20.x" || fn.Handler != "index.handler" || fn.Timeout.Seconds() != 7 || fn.Env["A"] != "tmpl" {
		t.Errorf("template function %+v", fn)
	}
	java := out.Functions["Java"]
	if strings.Join(java.Command, " ") != "java -jar x.jar" || java.Env["B"] != "cfg" {
		t.Errorf("config override %+v", java)
	}
	in := &compile.Input{APIs: []compile.API{{Definition: &model.Definition{API: model.API{APIID: "tmplapi01"}}}}}
	if err := addTemplateAPIs(in, set); err == nil || !strings.Contains(err.Error(), "api id tmplapi01 is already used") {
		t.Errorf("duplicate API id: %v", err)
	}
	in = &compile.Input{}
	if err := addTemplateAPIs(in, set); err != nil || len(in.APIs) != 1 || !in.APIs[0].Default {
		t.Errorf("template APIs %+v, %v", in.APIs, err)
	}
}
