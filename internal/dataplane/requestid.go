package dataplane

import (
	"crypto/rand"
	"encoding/base64"
)

// newRequestID returns a request id shaped like AWS's (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html): 15
// characters of [A-Za-z0-9_-] followed by "=".
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	var out [16]byte
	base64.RawURLEncoding.Encode(out[:], b[:])
	out[15] = '='
	return string(out[:])
}
