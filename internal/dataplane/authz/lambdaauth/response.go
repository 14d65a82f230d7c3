package lambdaauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/apigwdev/apigw/internal/dataplane/authz/iam"
)

// decision is a parsed authorizer response: what is cached and evaluated
// again for every request that hits the cache.
type decision struct {
	// simple is set for simple responses; allowed is then isAuthorized.
	simple  bool
	allowed bool
	// policy and principalID are set for IAM policy responses.
	policy      *iam.Policy
	principalID string
	// context is the response's context (JSON types kept, numbers as
	// json.Number); nil when the response had none. Never modified.
	context map[string]any
}

// ResponseError is an authorizer response the gateway cannot use: the client
// gets 500.
type ResponseError struct {
	// Reason says what is wrong with the response.
	Reason string
}

// Error returns the reason.
func (e *ResponseError) Error() string { return "invalid authorizer response: " + e.Reason }

func badResponse(format string, args ...any) *ResponseError {
	return &ResponseError{Reason: fmt.Sprintf(format, args...)}
}

// parseResponse parses a function's answer:
//
//   - it must be one JSON object;
//   - simple responses (payload 2.0 with enableSimpleResponses) need
//     isAuthorized, a JSON boolean;
//   - IAM policy responses need principalId, a string (undocumented by AWS, our choice: docs/compatibility.md#lambda-authorizers; whether AWS
//     requires it; SAM CLI does), and policyDocument, a policy of the
//     identity-policy grammar (iam.ParsePolicy, conservative: a Condition or
//     policy variable never allows and always denies);
//   - context, when present and not null, must be an object; with payload 1.0
//     it must not have the reserved key "claims";
//   - other members (usageIdentifierKey, ...) are ignored.
func parseResponse(payload []byte, v2, simple bool) (*decision, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, badResponse("not a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badResponse("data after the JSON object")
	}
	d := &decision{simple: simple}
	if raw, ok := obj["context"]; ok && !isNull(raw) {
		cdec := json.NewDecoder(bytes.NewReader(raw))
		cdec.UseNumber()
		if err := cdec.Decode(&d.context); err != nil || d.context == nil {
			return nil, badResponse("context is not an object")
		}
		if _, reserved := d.context["claims"]; reserved && !v2 {
			return nil, badResponse(`context key "claims" is reserved with payload format 1.0`)
		}
	}
	if simple {
		raw, ok := obj["isAuthorized"]
		if !ok || json.Unmarshal(raw, &d.allowed) != nil || isNull(raw) {
			return nil, badResponse("isAuthorized is missing or not a boolean")
		}
		return d, nil
	}
	raw, ok := obj["principalId"]
	if !ok || json.Unmarshal(raw, &d.principalID) != nil || isNull(raw) {
		return nil, badResponse("principalId is missing or not a string")
	}
	raw, ok = obj["policyDocument"]
	if !ok || isNull(raw) {
		return nil, badResponse("policyDocument is missing")
	}
	p, err := iam.ParsePolicy(raw, iam.ParseOptions{Conservative: true})
	if err != nil {
		return nil, badResponse("policyDocument: %v", err)
	}
	d.policy = p
	return d, nil
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}
