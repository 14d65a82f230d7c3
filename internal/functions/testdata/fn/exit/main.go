// Command exit is a test function: it exits with status 1 during the
// invocation without answering, or with status 2 before it asks for its
// first event when EXIT_AT_INIT is set.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	if os.Getenv("EXIT_AT_INIT") != "" {
		os.Stderr.WriteString("exit: refusing to start\n")
		os.Exit(2)
	}
	lambda.Start(func() error {
		os.Exit(1)
		return nil
	})
}
