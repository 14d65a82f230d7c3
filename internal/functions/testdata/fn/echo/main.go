// Command echo is a test function: it returns its event, its environment,
// its process id and what the Lambda context told it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type reply struct {
	Event         json.RawMessage   `json:"event"`
	Env           map[string]string `json:"env"`
	PID           int               `json:"pid"`
	RequestID     string            `json:"requestId"`
	ARN           string            `json:"arn"`
	DeadlineMs    int64             `json:"deadlineMs"`
	TraceID       string            `json:"traceId"`
	ClientContext map[string]string `json:"clientContext"`
	Cwd           string            `json:"cwd"`
}

func handle(ctx context.Context, event json.RawMessage) (reply, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	dl, _ := ctx.Deadline()
	cwd, _ := os.Getwd()
	trace, _ := ctx.Value("x-amzn-trace-id").(string)
	fmt.Println("echo handling", lc.AwsRequestID)
	return reply{
		Event: event, Env: env, PID: os.Getpid(), RequestID: lc.AwsRequestID, ARN: lc.InvokedFunctionArn,
		DeadlineMs: dl.UnixMilli(), TraceID: trace, ClientContext: lc.ClientContext.Custom, Cwd: cwd,
	}, nil
}

func main() {
	lambda.Start(handle)
}
