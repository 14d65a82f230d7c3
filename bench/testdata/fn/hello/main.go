// Command hello runs the benchmark handler (package lambdafn) as a Lambda
// function speaking the Runtime API.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/apigwdev/apigw/bench/internal/lambdafn"
)

func main() {
	lambda.Start(lambdafn.Handle)
}
