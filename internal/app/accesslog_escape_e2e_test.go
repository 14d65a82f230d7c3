package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// TestAccessLogEscapesControlBytes: ESC, BEL and NUL sent percent-encoded
// in a request path reach the access log escaped, never raw (they would
// drive the terminal of whoever reads the log, or split its lines).
func TestAccessLogEscapesControlBytes(t *testing.T) {
	t.Parallel()
	be := echoBackend(t)
	gw := gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml": `
openapi: "3.0.1"
info: {title: escapes, version: "1"}
paths:
  /{p}:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "` + be.URL + `/x", payloadFormatVersion: "1.0"}
`,
		"apigw.yaml": `
apis:
  - id: escape0001
    openapi: ./api.yaml
    default: true
    stages:
      - name: $default
        accessLogSettings:
          destinationArn: "arn:aws:logs:us-east-1:000000000000:log-group:escapes"
          format: '$context.requestId $context.path'
`,
	})
	r := gw.Do(t, "GET", "", "/a%1b%5b31mred%07%00b", nil)
	id := r.Header.Get("apigw-requestid")
	logFile := filepath.Join(gw.Dir, ".apigw", "logs", "escapes.log")
	deadline := time.Now().Add(10 * time.Second)
	var line string
	for line == "" {
		b, _ := os.ReadFile(logFile)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, id+" ") {
				line = l
			}
		}
		if line == "" && time.Now().After(deadline) {
			t.Fatalf("no access log line for %s in %s:\n%q", id, logFile, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range []byte(line) {
		if c < 0x20 || c == 0x7f {
			t.Fatalf("access log line has raw control byte %#x: %q", c, line)
		}
	}
	if !strings.Contains(line, `\u001b[31mred\u0007\u0000b`) {
		t.Errorf("access log line %q; want the path's control bytes as \\u00XX escapes", line)
	}
}
