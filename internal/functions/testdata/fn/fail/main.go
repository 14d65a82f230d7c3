// Command fail is a test function: it returns an error (a handled failure:
// the process keeps serving), with its process id in the message.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func() error {
		return errors.New(fmt.Sprint("boom from ", os.Getpid()))
	})
}
