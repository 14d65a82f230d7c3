package template

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary template text through every phase (parse, SAM
// transform, intrinsics, resources, functions): it must report problems,
// never panic or hang.
func FuzzLoad(f *testing.F) {
	seeds := []string{
		fnTemplate("Parameters:\n  A: {Type: String, Default: a}\nConditions:\n  C: !Equals [!Ref A, a]\n", "          X: !If [C, !Sub \"${A}-${AWS::Region}\", !Join [\"\", [a, b]]]\n"),
		"Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: provided.al2023\n      Handler: bootstrap\n      Events:\n        E: {Type: HttpApi, Properties: {Path: /x/{id}, Method: get, Auth: {Authorizer: NONE}}}\n",
		"Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: {Name: a, ProtocolType: HTTP, Target: !GetAtt F.Arn}\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: nodejs20.x, Handler: index.h, Code: {ZipFile: x}}\n",
		`{"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}}}}}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, tmpl string) {
		p := filepath.Join(dir, "template.yaml")
		if err := os.WriteFile(p, []byte(tmpl), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = Load([]Source{{Path: p}}, Options{DataDir: filepath.Join(dir, "data"), UnrunnableWarn: true})
	})
}

// FuzzParameterOverrides checks the --parameter-overrides grammar on
// arbitrary input: an error or a map, never a panic.
func FuzzParameterOverrides(f *testing.F) {
	for _, s := range []string{`A=1 B="two words" C='x'`, `ParameterKey=K,ParameterValue=V`, `A=\ b`, `"unterminated`, `file://`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseParameterOverrides([]string{s})
		if err == nil && m == nil {
			t.Error("nil map without an error")
		}
	})
}
