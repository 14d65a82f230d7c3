// Package lambdafn is the Lambda handler of the invocation benchmarks
// (bench/lambda_test.go): the same function runs as a process behind the
// gateway (bench/testdata/fn/hello) and in-process, so that the difference
// between the two is the gateway's overhead.
package lambdafn

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
)

// reply is the response body: a little of what the handler read.
type reply struct {
	ID       string `json:"id"`
	Route    string `json:"route"`
	Received int    `json:"received"`
}

// Handle answers a payload format 2.0 event with a small JSON body built
// from its path parameter, route key and body length: the shape of a
// typical API handler's work, without I/O.
func Handle(_ context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body, err := json.Marshal(reply{ID: e.PathParameters["id"], Route: e.RouteKey, Received: len(e.Body)})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"content-type": "application/json"},
		Body:       string(body),
	}, nil
}
