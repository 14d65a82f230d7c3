// Command hog is a test function: it allocates and touches the event's
// "mb" megabytes, holds them for "ms" milliseconds, and reports its process
// id.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	MB int `json:"mb"`
	Ms int `json:"ms"`
}

var held [][]byte

func main() {
	lambda.Start(func(e event) (int, error) {
		for range e.MB {
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = 1
			}
			held = append(held, b)
		}
		time.Sleep(time.Duration(e.Ms) * time.Millisecond)
		return os.Getpid(), nil
	})
}
