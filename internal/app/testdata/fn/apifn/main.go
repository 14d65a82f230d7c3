// Command apifn is a test function for the gateway's end-to-end tests: a real
// aws-lambda-go program that reads the API Gateway event (payload format 1.0
// or 2.0) and does what its "do" query parameter says:
//
//   - "" (nothing): answers a structured response (valid in both formats)
//     whose JSON body is {"pid", "start", "end", "event"}: its process id and
//     the event it received;
//   - sleep: the same after sleeping the "ms" query parameter's milliseconds,
//     ignoring its context (start and end are Unix nanoseconds around the
//     sleep);
//   - respond: returns the request body, decoded from base64 when the event
//     says so, as its raw output, so a test can send any result shape;
//   - error: returns an error (the process keeps serving);
//   - panic: panics (aws-lambda-go reports it and exits);
//   - exit: exits with status 1 without answering.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// event holds the members common to payload formats 1.0 and 2.0.
type event struct {
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	Body                  *string           `json:"body"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type report struct {
	PID   int             `json:"pid"`
	Start int64           `json:"start"`
	End   int64           `json:"end"`
	Event json.RawMessage `json:"event"`
}

type response struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func handle(raw json.RawMessage) (any, error) {
	var e event
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	start := time.Now()
	switch e.QueryStringParameters["do"] {
	case "sleep":
		ms, _ := strconv.Atoi(e.QueryStringParameters["ms"])
		time.Sleep(time.Duration(ms) * time.Millisecond)
	case "respond":
		body := ""
		if e.Body != nil {
			body = *e.Body
		}
		if e.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				return nil, err
			}
			body = string(b)
		}
		return strings.NewReader(body), nil // sent as is, not as JSON
	case "error":
		return nil, errors.New("apifn failed on purpose")
	case "panic":
		panic("apifn panicked on purpose")
	case "exit":
		os.Exit(1)
	}
	b, err := json.Marshal(report{PID: os.Getpid(), Start: start.UnixNano(), End: time.Now().UnixNano(), Event: raw})
	if err != nil {
		return nil, err
	}
	return response{StatusCode: 200, Headers: map[string]string{"content-type": "application/json"}, Body: string(b)}, nil
}

func main() {
	lambda.Start(handle)
}
