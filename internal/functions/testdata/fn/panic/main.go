// Command panic is a test function: it panics; aws-lambda-go reports the
// panic through /error and then exits.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() error {
		panic("something went badly wrong")
	})
}
