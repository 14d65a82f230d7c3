// Command hello is the SAM example's Lambda function: an aws-lambda-go
// program that greets by name, shows a pet, and echoes the request on the
// catch-all route. apigw builds it for the host (BuildMethod go1.x) and
// runs it through the Lambda Runtime API.
package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var body any
	switch req.RouteKey {
	case "GET /hello/{name}":
		body = map[string]string{"message": os.Getenv("GREETING") + ", " + req.PathParameters["name"] + "!"}
	case "GET /pets/{id}":
		var sub string
		if req.RequestContext.Authorizer != nil && req.RequestContext.Authorizer.JWT != nil {
			sub = req.RequestContext.Authorizer.JWT.Claims["sub"]
		}
		body = map[string]string{"id": req.PathParameters["id"], "owner": sub}
	default:
		body = map[string]string{"routeKey": req.RouteKey, "path": req.RawPath}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}, nil
}

func main() { lambda.Start(handle) }
