package contextvars

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strconv"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

// Layouts of formatted values.
const (
	// integrationTimeout is the Outcome.ErrorResponseType of an integration
	// timeout (package gwerr's catalogue).
	integrationTimeout = "INTEGRATION_TIMEOUT"
)

// Names returns the names of the variables Compile knows with a fixed name,
// in the order of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html. The prefixed families
// authorizer.claims.{claim} and authorizer.{key} are not listed.
func Names() []string {
	return []string{
		"accountId", "apiId",
		"authorizer.claims", "authorizer.error", "authorizer.principalId",
		"awsEndpointRequestId", "awsEndpointRequestId2",
		"customDomain.basePathMatched", "dataProcessed", "domainName", "domainPrefix",
		"error.message", "error.messageString", "error.responseType",
		"extendedRequestId", "httpMethod",
		"identity.accessKey", "identity.accountId", "identity.caller", "identity.user", "identity.userArn", "identity.principalOrgId",
		"identity.cognitoAuthenticationProvider", "identity.cognitoAuthenticationType",
		"identity.cognitoIdentityId", "identity.cognitoIdentityPoolId",
		"identity.clientCert.clientCertPem", "identity.clientCert.subjectDN", "identity.clientCert.issuerDN",
		"identity.clientCert.serialNumber", "identity.clientCert.validity.notBefore", "identity.clientCert.validity.notAfter",
		"identity.sourceIp", "identity.userAgent",
		"integration.error", "integration.integrationStatus", "integration.latency", "integration.requestId", "integration.status",
		"integrationErrorMessage", "integrationLatency", "integrationStatus",
		"path", "protocol", "requestId", "requestTime", "requestTimeEpoch",
		"responseLatency", "responseLength", "routeKey", "stage", "status",
	}
}

// fixed returns the accessor of a variable with a fixed name.
func fixed(name string) (Var, bool) {
	req := func(f strFunc) (Var, bool) { return Var{phase: PhaseRequest, str: f}, true }
	end := func(f strFunc) (Var, bool) { return Var{phase: PhaseEnd, str: f}, true }
	never := func(p Phase) (Var, bool) { return Var{phase: p, str: absent}, true }
	switch name {
	case "accountId":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(r.AccountID) })
	case "apiId":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(r.APIID) })
	case "authorizer.claims":
		// "$context.authorizer.claims alone is null".
		return never(PhaseRequest)
	case "authorizer.error":
		return end(func(_ *invoke.Request, o *invoke.Outcome) (string, bool) {
			if o == nil {
				return "", false
			}
			return nonEmpty(o.AuthorizerError)
		})
	case "authorizer.principalId":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) {
			if r.Authorizer == nil {
				return "", false
			}
			return nonEmpty(r.Authorizer.PrincipalID)
		})
	case "awsEndpointRequestId", "awsEndpointRequestId2", "integration.requestId":
		return never(PhaseEnd)
	case "customDomain.basePathMatched":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(r.BasePathMatched) })
	case "dataProcessed":
		return Var{phase: PhaseEnd, app: func(dst []byte, _ *invoke.Request, o *invoke.Outcome) ([]byte, bool) {
			if o == nil {
				return dst, false
			}
			return strconv.AppendInt(dst, max(o.RequestLength, 0)+max(o.ResponseLength, 0), 10), true
		}}, true
	case "domainName":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(reqfacts.DomainName(r)) })
	case "domainPrefix":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(reqfacts.DomainPrefix(r)) })
	case "error.message":
		return end(func(_ *invoke.Request, o *invoke.Outcome) (string, bool) {
			if o == nil {
				return "", false
			}
			return nonEmpty(o.ErrorMessage)
		})
	case "error.messageString":
		return Var{phase: PhaseEnd, app: func(dst []byte, _ *invoke.Request, o *invoke.Outcome) ([]byte, bool) {
			if o == nil || o.ErrorMessage == "" {
				return dst, false
			}
			return appendJSONString(dst, o.ErrorMessage), true
		}}, true
	case "error.responseType":
		return end(func(_ *invoke.Request, o *invoke.Outcome) (string, bool) {
			if o == nil {
				return "", false
			}
			return nonEmpty(o.ErrorResponseType)
		})
	case "extendedRequestId", "requestId":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(r.RequestID) })
	case "httpMethod":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) {
			if r.HTTP == nil {
				return "", false
			}
			return nonEmpty(r.HTTP.Method)
		})
	case "identity.accessKey":
		return iam(func(c *invoke.IAMContext) string { return c.AccessKey })
	case "identity.accountId":
		return iam(func(c *invoke.IAMContext) string { return c.AccountID })
	case "identity.caller":
		return iam(func(c *invoke.IAMContext) string { return c.CallerID })
	case "identity.user":
		return iam(func(c *invoke.IAMContext) string { return c.UserID })
	case "identity.userArn":
		return iam(func(c *invoke.IAMContext) string { return c.UserARN })
	case "identity.principalOrgId":
		return iam(func(c *invoke.IAMContext) string { return c.PrincipalOrgID })
	case "identity.cognitoAuthenticationProvider", "identity.cognitoAuthenticationType",
		"identity.cognitoIdentityId", "identity.cognitoIdentityPoolId":
		// Cognito-signed requests only; the gateway has no Cognito identity.
		return never(PhaseRequest)
	case "identity.clientCert.clientCertPem":
		return cert(func(c *x509.Certificate) string {
			return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
		})
	case "identity.clientCert.subjectDN":
		return cert(func(c *x509.Certificate) string { return reqfacts.DistinguishedName(c.RawSubject, c.Subject) })
	case "identity.clientCert.issuerDN":
		return cert(func(c *x509.Certificate) string { return reqfacts.DistinguishedName(c.RawIssuer, c.Issuer) })
	case "identity.clientCert.serialNumber":
		return cert(func(c *x509.Certificate) string { return c.SerialNumber.String() })
	case "identity.clientCert.validity.notBefore":
		return cert(func(c *x509.Certificate) string { return c.NotBefore.UTC().Format(reqfacts.CertTime) })
	case "identity.clientCert.validity.notAfter":
		return cert(func(c *x509.Certificate) string { return c.NotAfter.UTC().Format(reqfacts.CertTime) })
	case "identity.sourceIp":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(r.SourceIP) })
	case "identity.userAgent":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) {
			if r.HTTP == nil {
				return "", false
			}
			return nonEmpty(r.HTTP.Header.Get("User-Agent"))
		})
	case "integration.error", "integrationErrorMessage":
		return end(func(_ *invoke.Request, o *invoke.Outcome) (string, bool) {
			if o == nil {
				return "", false
			}
			return nonEmpty(o.IntegrationError)
		})
	case "integration.integrationStatus", "integrationStatus":
		return Var{phase: PhaseEnd, app: func(dst []byte, _ *invoke.Request, o *invoke.Outcome) ([]byte, bool) {
			if o == nil || o.IntegrationServiceStatus == 0 {
				return dst, false
			}
			return strconv.AppendInt(dst, int64(o.IntegrationServiceStatus), 10), true
		}}, true
	case "integration.latency", "integrationLatency":
		return Var{phase: PhaseEnd, app: func(dst []byte, _ *invoke.Request, o *invoke.Outcome) ([]byte, bool) {
			switch {
			case o == nil:
				return dst, false
			case o.IntegrationLatency >= 0:
				return strconv.AppendInt(dst, o.IntegrationLatency.Milliseconds(), 10), true
			case o.ErrorResponseType == integrationTimeout:
				// "On timeouts $context.integrationLatency is reported as -1"
				// .
				return append(dst, "-1"...), true
			}
			return dst, false
		}}, true
	case "integration.status":
		return Var{phase: PhaseIntegration, app: func(dst []byte, _ *invoke.Request, o *invoke.Outcome) ([]byte, bool) {
			if o == nil || o.IntegrationStatus == 0 {
				return dst, false
			}
			return strconv.AppendInt(dst, int64(o.IntegrationStatus), 10), true
		}}, true
	case "path":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(r.RawPath) })
	case "protocol":
		return req(func(*invoke.Request, *invoke.Outcome) (string, bool) { return reqfacts.Protocol, true })
	case "requestTime":
		return Var{phase: PhaseRequest, app: func(dst []byte, r *invoke.Request, _ *invoke.Outcome) ([]byte, bool) {
			if r.Time.IsZero() {
				return dst, false
			}
			return r.Time.UTC().AppendFormat(dst, reqfacts.CLFTime), true
		}}, true
	case "requestTimeEpoch":
		return Var{phase: PhaseRequest, app: func(dst []byte, r *invoke.Request, _ *invoke.Outcome) ([]byte, bool) {
			if r.Time.IsZero() {
				return dst, false
			}
			return strconv.AppendInt(dst, r.Time.UnixMilli(), 10), true
		}}, true
	case "responseLatency":
		return Var{phase: PhaseEnd, app: func(dst []byte, _ *invoke.Request, o *invoke.Outcome) ([]byte, bool) {
			if o == nil {
				return dst, false
			}
			return strconv.AppendInt(dst, max(o.Latency, 0).Milliseconds(), 10), true
		}}, true
	case "responseLength":
		return Var{phase: PhaseEnd, app: func(dst []byte, _ *invoke.Request, o *invoke.Outcome) ([]byte, bool) {
			if o == nil {
				return dst, false
			}
			return strconv.AppendInt(dst, max(o.ResponseLength, 0), 10), true
		}}, true
	case "routeKey":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(r.RouteKey) })
	case "stage":
		return req(func(r *invoke.Request, _ *invoke.Outcome) (string, bool) { return nonEmpty(r.Stage) })
	case "status":
		return Var{phase: PhaseEnd, app: func(dst []byte, _ *invoke.Request, o *invoke.Outcome) ([]byte, bool) {
			if o == nil || o.Status == 0 {
				return dst, false
			}
			return strconv.AppendInt(dst, int64(o.Status), 10), true
		}}, true
	}
	return Var{}, false
}

// prefixed returns the accessor of a variable of a prefixed family:
// authorizer.claims.{claim} (JWT) or authorizer.{key} (Lambda context).
func prefixed(name string) (Var, bool) {
	if claim, ok := strings.CutPrefix(name, "authorizer.claims."); ok {
		return Var{phase: PhaseRequest, str: func(r *invoke.Request, _ *invoke.Outcome) (string, bool) {
			if r.Authorizer == nil || r.Authorizer.JWT == nil {
				return "", false
			}
			v, ok := r.Authorizer.JWT.Claims[claim]
			return v, ok
		}}, true
	}
	key, ok := strings.CutPrefix(name, "authorizer.")
	if !ok {
		return Var{}, false
	}
	var path []string
	if strings.Contains(key, ".") {
		path = strings.Split(key, ".")
	}
	return Var{phase: PhaseRequest, app: func(dst []byte, r *invoke.Request, _ *invoke.Outcome) ([]byte, bool) {
		if r.Authorizer == nil || r.Authorizer.Lambda == nil {
			return dst, false
		}
		v, ok := r.Authorizer.Lambda[key]
		if !ok && path != nil {
			v, ok = walk(r.Authorizer.Lambda, path)
		}
		if !ok {
			return dst, false
		}
		return appendAny(dst, v)
	}}, true
}

// walk follows path through nested maps.
func walk(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, p := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// appendAny appends a value of a Lambda authorizer's context: strings as is,
// numbers in their shortest form, booleans, and other values as compact
// JSON; null is absent.
func appendAny(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return dst, false
	case string:
		return append(dst, x...), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case float64:
		return strconv.AppendFloat(dst, x, 'f', -1, 64), true
	case float32:
		return strconv.AppendFloat(dst, float64(x), 'f', -1, 32), true
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case json.Number:
		return append(dst, x...), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return dst, false
	}
	return append(dst, b...), true
}

// iam returns the accessor of an IAM identity field.
func iam(f func(*invoke.IAMContext) string) (Var, bool) {
	return Var{phase: PhaseRequest, str: func(r *invoke.Request, _ *invoke.Outcome) (string, bool) {
		if r.Authorizer == nil || r.Authorizer.IAM == nil {
			return "", false
		}
		return nonEmpty(f(r.Authorizer.IAM))
	}}, true
}

// cert returns the accessor of a client certificate field.
func cert(f func(*x509.Certificate) string) (Var, bool) {
	return Var{phase: PhaseRequest, str: func(r *invoke.Request, _ *invoke.Outcome) (string, bool) {
		if r.HTTP == nil || r.HTTP.TLS == nil || len(r.HTTP.TLS.PeerCertificates) == 0 {
			return "", false
		}
		return nonEmpty(f(r.HTTP.TLS.PeerCertificates[0]))
	}}, true
}

func absent(*invoke.Request, *invoke.Outcome) (string, bool) { return "", false }

func nonEmpty(s string) (string, bool) { return s, s != "" }

// appendJSONString appends s as a JSON string literal.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
