package bench

// Loading a SAM template: parse, SAM transform, intrinsics, the OpenAPI
// import of the generated body, functions located, then the compile of
// what is served; function builds excluded (the functions have a prebuilt
// bootstrap). The template has 50 functions and 300 routes, six HttpApi
// events per function on one explicit API with a JWT authorizer, CORS and
// Globals, the shape of a large SAM application.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/dataplane/authz"
	"github.com/apigwdev/apigw/internal/dataplane/authz/jwt"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
	"github.com/apigwdev/apigw/internal/template"
)

// samTemplate writes a SAM template of fns functions with perFn HttpApi
// events each, and their code directories, under dir.
func samTemplate(b *testing.B, dir string, fns, perFn int) string {
	b.Helper()
	var t strings.Builder
	t.WriteString(`Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
    Timeout: 10
    Environment:
      Variables: {STAGE: !Ref Stage, REGION: !Ref AWS::Region}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: {AllowOrigins: ["https://example.com"], AllowMethods: [GET, POST]}
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {issuer: "https://issuer.example.com", audience: [app]}
`)
	methods := []string{"get", "post", "put", "delete", "patch", "get"}
	for i := range fns {
		code := filepath.Join(dir, fmt.Sprintf("fn%02d", i))
		if err := os.MkdirAll(code, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(code, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&t, "  Fn%02d:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: fn%02d/\n      Environment:\n        Variables: {TABLE: !Sub \"${AWS::StackName}-table-%02d\"}\n      Events:\n", i, i, i)
		for j := range perFn {
			path := fmt.Sprintf("/r%02d/items%d/{id}", i, j)
			if j == 5 {
				path = fmt.Sprintf("/r%02d/items%d", i, j)
			}
			fmt.Fprintf(&t, "        E%d: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: %q, Method: %s}}\n", j, path, methods[j])
		}
	}
	p := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(p, []byte(t.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkTemplateLoad measures template load and compile for a SAM
// template of 50 functions and 300 routes.
func BenchmarkTemplateLoad(b *testing.B) {
	dir := b.TempDir()
	path := samTemplate(b, dir, 50, 6)
	opts := template.Options{DataDir: filepath.Join(dir, ".apigw")}
	b.ReportAllocs()
	for b.Loop() {
		set, err := template.Load([]template.Source{{Path: path}}, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(set.APIs) != 1 || len(set.APIs[0].Definition.Routes) != 300 || len(set.Functions) != 50 {
			b.Fatalf("%d APIs, %d functions", len(set.APIs), len(set.Functions))
		}
		in := &compile.Input{Region: "us-east-1", AccountID: "000000000000"}
		for i := range set.APIs {
			a := &set.APIs[i]
			ca := compile.API{Definition: &a.Definition, Default: a.Default}
			for _, s := range a.Stages {
				ca.Stages = append(ca.Stages, compile.Stage{Stage: s})
			}
			in.APIs = append(in.APIs, ca)
		}
		deps := compile.Deps{Transport: h1client.New(), Authorizers: &authz.Deps{KeySets: jwt.NewCache(jwt.CacheOptions{})},
			Functions: lambdacall.CallerFunc(func(context.Context, lambdacall.FunctionRef, []byte) (*lambdacall.CallResult, error) {
				return nil, errors.New("not called")
			})}
		if _, _, err := compile.Compile(in, deps); err != nil {
			b.Fatal(err)
		}
	}
}
