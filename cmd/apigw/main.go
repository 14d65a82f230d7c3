// Command apigw serves Amazon API Gateway HTTP APIs locally: OpenAPI
// documents with AWS's extensions, Lambda functions through the Lambda Runtime
// API, and the apigatewayv2 management API. See README.md.
package main

import (
	"os"

	"github.com/apigwdev/apigw/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
