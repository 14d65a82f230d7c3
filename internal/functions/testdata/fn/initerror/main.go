// Command initerror is a test function written against the Runtime API
// directly (not aws-lambda-go, which never reports init errors): it posts
// /runtime/init/error and exits.
package main

import (
	"net/http"
	"os"
	"strings"
)

func main() {
	req, _ := http.NewRequest(http.MethodPost, "http://"+os.Getenv("AWS_LAMBDA_RUNTIME_API")+"/2018-06-01/runtime/init/error",
		strings.NewReader(`{"errorMessage":"missing TABLE","errorType":"ConfigError"}`))
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigError")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		os.Exit(3)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		os.Exit(4)
	}
	os.Exit(1)
}
