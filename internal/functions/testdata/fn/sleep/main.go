// Command sleep is a test function: it sleeps for the event's "ms"
// milliseconds, ignoring its context, and reports its process id and when it
// started and finished (Unix nanoseconds).
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Ms int `json:"ms"`
}

type reply struct {
	PID   int   `json:"pid"`
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

func main() {
	lambda.Start(func(e event) (reply, error) {
		start := time.Now()
		time.Sleep(time.Duration(e.Ms) * time.Millisecond)
		return reply{PID: os.Getpid(), Start: start.UnixNano(), End: time.Now().UnixNano()}, nil
	})
}
