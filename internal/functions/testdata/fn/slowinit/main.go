// Command slowinit is a test function: it sleeps SLOWINIT_MS milliseconds
// before it asks for its first event, then returns its process id.
package main

import (
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	ms, _ := strconv.Atoi(os.Getenv("SLOWINIT_MS"))
	time.Sleep(time.Duration(ms) * time.Millisecond)
	lambda.Start(func() (int, error) { return os.Getpid(), nil })
}
