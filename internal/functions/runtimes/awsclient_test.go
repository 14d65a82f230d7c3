package runtimes_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apigwdev/apigw/internal/functions"
)

// TestAWSNodeClient runs functions with runtimeClient: aws on AWS's own
// Node.js runtime interface client, from the directory named by
// APIGW_AWS_LAMBDA_RIC (one holding node_modules/aws-lambda-ric: `npm install
// aws-lambda-ric` there; it builds a native addon, which needs cmake,
// autoconf, automake and libtool). Without it the test is skipped: the client
// is optional, and its build takes minutes.
func TestAWSNodeClient(t *testing.T) {
	ric := os.Getenv("APIGW_AWS_LAMBDA_RIC")
	if ric == "" {
		t.Skip("APIGW_AWS_LAMBDA_RIC is not set (a directory with node_modules/aws-lambda-ric)")
	}
	needInterpreter(t, "node")
	t.Parallel()
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(ric, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "node", "basic", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.js"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, functions.Options{},
		functions.Config{Name: "ok", Runtime: "nodejs20.x", Handler: "index.n2", Dir: dir, RuntimeClient: "aws"},
		functions.Config{Name: "throws", Runtime: "nodejs20.x", Handler: "index.n13", Dir: dir, RuntimeClient: "aws"},
		functions.Config{Name: "missing", Runtime: "nodejs20.x", Handler: "nope.handler", Dir: dir, RuntimeClient: "aws"},
	)
	succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: "ok"}), `"ok"`)
	checkNodeError(t, e.invoke(t, &functions.Invocation{FunctionName: "throws"}), "TypeError", "t", "TypeError: t")
	checkNodeError(t, e.invoke(t, &functions.Invocation{FunctionName: "missing"}), "Runtime.ImportModuleError", "Error: Cannot find module 'nope'…", "")
}
