// Command authfn is a Lambda REQUEST authorizer for the end-to-end tests: it
// answers a simple response (payload 2.0), allowing when the x-token header is
// "allow", and reports in its context how many times this process was
// invoked, so tests can see the gateway's result cache at work.
package main

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	var calls atomic.Int64
	lambda.Start(func(_ context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		n := calls.Add(1)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{
			IsAuthorized: ev.Headers["x-token"] == "allow",
			Context:      map[string]any{"calls": n, "user": "alice"},
		}, nil
	})
}
