package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// TestLambdaListAndGetFunctions lists and describes the configured
// functions through the admin listener, as `aws lambda list-functions` and
// `aws lambda get-function` do, with the AWS SDK for Go v2 (which sends
// ListFunctions without the trailing slash the AWS CLI sends).
func TestLambdaListAndGetFunctions(t *testing.T) {
	t.Parallel()
	gw := startLambdaGateway(t)
	client := lambda.New(lambda.Options{
		BaseEndpoint: aws.String(gw.AdminURL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	ctx := context.Background()
	list, err := client.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatalf("ListFunctions: %v", err)
	}
	found := map[string]bool{}
	for _, f := range list.Functions {
		found[aws.ToString(f.FunctionName)] = true
	}
	if !found["echo"] || !found["crash-error"] {
		t.Errorf("ListFunctions: %v; want echo and crash-error among them", found)
	}
	out, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("echo")})
	if err != nil {
		t.Fatalf("GetFunction: %v", err)
	}
	if got := aws.ToString(out.Configuration.FunctionArn); got != fnARN("echo") {
		t.Errorf("GetFunction ARN %q; want %q", got, fnARN("echo"))
	}
	for _, p := range []string{"/2015-03-31/functions", "/2015-03-31/functions/"} {
		resp, err := http.Get(gw.AdminURL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || len(resp.Request.URL.Path) != len(p) {
			t.Errorf("GET %s: %s at %s; want 200 without a redirect", p, resp.Status, resp.Request.URL.Path)
		}
	}
}
