package invokeapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestListAndGetFunctionsWithSDK(t *testing.T) {
	t.Parallel()
	e := start(t, functions.Options{})
	ctx := context.Background()

	var names []string
	var marker *string
	for pages := 0; ; pages++ {
		out, err := e.client.ListFunctions(ctx, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatalf("ListFunctions: %v", err)
		}
		for _, f := range out.Functions {
			names = append(names, aws.ToString(f.FunctionName))
		}
		if marker = out.NextMarker; marker == nil {
			if pages != 1 {
				t.Errorf("%d pages of 2 for 3 functions; want 2", pages+1)
			}
			break
		}
	}
	if want := []string{"echo", "fail", "sleep"}; !equal(names, want) {
		t.Errorf("ListFunctions names %v; want %v", names, want)
	}

	out, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("echo")})
	if err != nil {
		t.Fatalf("GetFunction: %v", err)
	}
	c := out.Configuration
	if aws.ToString(c.FunctionArn) != "arn:aws:lambda:us-east-1:000000000000:function:echo" ||
		aws.ToInt32(c.Timeout) != 3 || aws.ToInt32(c.MemorySize) != 128 || c.State != types.StateActive ||
		c.Runtime != types.RuntimeProvidedal2023 || aws.ToInt64(&c.CodeSize) == 0 || aws.ToString(c.Version) != "$LATEST" {
		t.Errorf("GetFunction configuration: %+v", c)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9+/]{43}=$`).MatchString(aws.ToString(c.CodeSha256)) {
		t.Errorf("CodeSha256 %q is not base64 of a SHA-256", aws.ToString(c.CodeSha256))
	}
	byARN, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: c.FunctionArn})
	if err != nil || aws.ToString(byARN.FunctionName) != "echo" {
		t.Errorf("GetFunctionConfiguration by ARN: %v %+v", err, byARN)
	}

	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetFunction of an unknown function: %v; want ResourceNotFoundException", err)
	}
}

// TestGetFunctionGolden compares GetFunction's body with a golden file; the
// fields that depend on the built program (size, hash, time) are masked.
func TestGetFunctionGolden(t *testing.T) {
	t.Parallel()
	e := start(t, functions.Options{})
	resp, err := http.Get(e.url + "/2015-03-31/functions/echo")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", resp.Status, body)
	}
	var v map[string]map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"CodeSize", "CodeSha256", "LastModified", "Handler", "Architectures"} {
		if _, ok := v["Configuration"][k]; !ok {
			t.Errorf("Configuration has no %s", k)
		}
		v["Configuration"][k] = "(masked)"
	}
	got, _ := json.Marshal(v)
	goldentest.AssertJSON(t, filepath.Join("testdata", "getfunction.json"), got, *update)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
