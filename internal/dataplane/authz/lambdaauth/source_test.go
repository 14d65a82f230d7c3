package lambdaauth

import (
	"testing"
)

func TestContextVariables(t *testing.T) {
	t.Parallel()
	req := newRequest("PUT", "/test/pets/7", "User-Agent", "ua/1")
	req.BasePathMatched = "v1"
	want := map[string]string{
		"accountId":                    "123456789012",
		"apiId":                        "abcdef123",
		"customDomain.basePathMatched": "v1",
		"domainName":                   "abcdef123.execute-api.us-east-1.amazonaws.com",
		"domainPrefix":                 "abcdef123",
		"extendedRequestId":            "id",
		"requestId":                    "id",
		"httpMethod":                   "PUT",
		"identity.sourceIp":            "1.2.3.4",
		"identity.userAgent":           "ua/1",
		"path":                         "/test/pets/7",
		"protocol":                     "HTTP/1.1",
		"requestTime":                  "04/Mar/2020:19:03:58 +0000",
		"requestTimeEpoch":             "1583348638390",
		"routeKey":                     "GET /request",
		"stage":                        "test",
	}
	for name, v := range want {
		s, err := parseIdentitySource("$context." + name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := s.value(req); got != v {
			t.Errorf("$context.%s = %q; want %q", name, got, v)
		}
	}
	// Fallbacks when the data plane left fields empty.
	req.DomainName, req.DomainPrefix = "", ""
	req.HTTP.Host = "abc.example.com:8443"
	for name, v := range map[string]string{"domainName": "abc.example.com", "domainPrefix": "abc"} {
		s, _ := parseIdentitySource("$context." + name)
		if got := s.value(req); got != v {
			t.Errorf("fallback $context.%s = %q; want %q", name, got, v)
		}
	}
	for _, bad := range []string{"$context.", "$context.authorizer.principalId", "$context.status", "$stageVariables.", "$request.querystring.", "$request.path.id"} {
		if _, err := parseIdentitySource(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
