package lambdaauth

import (
	"testing"

	"github.com/apigwdev/apigw/internal/dataplane/authz/iam"
)

// FuzzParseResponse feeds arbitrary function answers to the response parser:
// nothing may panic, and an accepted IAM answer always has a policy, which is
// evaluated without panicking.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		`{"isAuthorized":true,"context":{"a":[1,{"b":null}]}}`,
		`{"isAuthorized":false}`,
		allowAll,
		`{"principalId":"u","policyDocument":{"Statement":{"Effect":"Deny","NotAction":"x:*","NotResource":["a*?b"]}},"context":{"claims":1}}`,
		`{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}}`,
		`null`, `[]`, `{}`, `{"isAuthorized":1}`,
	} {
		f.Add([]byte(s), true, false)
		f.Add([]byte(s), true, true)
		f.Add([]byte(s), false, false)
	}
	f.Fuzz(func(t *testing.T, payload []byte, v2, simple bool) {
		if simple && !v2 {
			return
		}
		d, err := parseResponse(payload, v2, simple)
		if (d == nil) == (err == nil) {
			t.Fatalf("parseResponse = %v, %v", d, err)
		}
		if err != nil {
			return
		}
		if d.simple != simple {
			t.Fatalf("simple %v; want %v", d.simple, simple)
		}
		if !simple {
			if d.policy == nil {
				t.Fatal("accepted IAM answer without a policy")
			}
			d.policy.Evaluate(iam.InvokeAction, iam.RouteARNs("us-east-1", "123456789012", "api", "$default", "GET", "/a/../b")...)
		}
		if _, ok := d.context["claims"]; ok && !v2 {
			t.Fatal(`payload 1.0 context with "claims" accepted`)
		}
	})
}
