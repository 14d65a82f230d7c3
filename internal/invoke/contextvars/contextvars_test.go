package contextvars

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
)

var arrival = time.Date(2024, time.March, 5, 7, 8, 9, 123_000_000, time.FixedZone("CET", 3600))

func fullRequest() *invoke.Request {
	r := httptest.NewRequest("POST", "http://api.example.com/dev/pets/6?x=1", nil)
	r.Header.Set("User-Agent", "curl/8.0")
	return &invoke.Request{
		HTTP:            r,
		RequestID:       "AbCdEfGhIjKlMnO=",
		Time:            arrival,
		AccountID:       "123456789012",
		Region:          "us-east-1",
		APIID:           "a1b2c3d4e5",
		Stage:           "dev",
		RouteKey:        "POST /pets/{id}",
		RoutePath:       "/pets/{id}",
		DomainName:      "api.example.com",
		DomainPrefix:    "api",
		BasePathMatched: "v1/orders",
		Path:            "/pets/6",
		RawPath:         "/dev/pets/6",
		SourceIP:        "203.0.113.7",
	}
}

func fullOutcome() *invoke.Outcome {
	return &invoke.Outcome{
		Status:                   201,
		ResponseLength:           42,
		RequestLength:            8,
		Latency:                  15*time.Millisecond + 900*time.Microsecond,
		IntegrationLatency:       12 * time.Millisecond,
		IntegrationStatus:        202,
		IntegrationServiceStatus: 200,
		IntegrationError:         "boom",
		ErrorMessage:             `Say "hi"`,
		ErrorResponseType:        "INTEGRATION_FAILURE",
		AuthorizerError:          "denied",
	}
}

func TestValues(t *testing.T) {
	t.Parallel()
	jwt := fullRequest()
	jwt.Authorizer = &invoke.AuthorizerContext{JWT: &invoke.JWTContext{Claims: map[string]string{"sub": "u-1", "empty": ""}}}
	lambda := fullRequest()
	lambda.Authorizer = &invoke.AuthorizerContext{PrincipalID: "me", Lambda: map[string]any{
		"s": "str", "n": 1.5, "i": float64(3), "b": true, "null": nil, "num": json.Number("12.50"),
		"obj": map[string]any{"k": "v", "deep": map[string]any{"x": float64(7)}}, "list": []any{"a", 1.0},
		"dotted.key": "exact",
	}}
	iamReq := fullRequest()
	iamReq.Authorizer = &invoke.AuthorizerContext{IAM: &invoke.IAMContext{
		AccessKey: "AKIA1", AccountID: "111122223333", CallerID: "AIDA:caller", PrincipalOrgID: "o-1",
		UserARN: "arn:aws:iam::111122223333:user/alice", UserID: "AIDAUSER",
	}}
	timeout := fullOutcome()
	timeout.IntegrationLatency = -1
	timeout.ErrorResponseType = "INTEGRATION_TIMEOUT"
	notCalled := fullOutcome()
	notCalled.IntegrationLatency = -1
	notCalled.IntegrationStatus = 0
	notCalled.IntegrationServiceStatus = 0
	notCalled.Status = 0
	bare := &invoke.Request{}

	tests := []struct {
		name   string
		req    *invoke.Request
		out    *invoke.Outcome
		want   string
		absent bool
	}{
		{name: "accountId", want: "123456789012"},
		{name: "apiId", want: "a1b2c3d4e5"},
		{name: "authorizer.claims.sub", req: jwt, want: "u-1"},
		{name: "authorizer.claims.empty", req: jwt, want: ""},
		{name: "authorizer.claims.missing", req: jwt, absent: true},
		{name: "authorizer.claims.sub", absent: true},
		{name: "authorizer.claims", req: jwt, absent: true},
		{name: "authorizer.error", want: "denied"},
		{name: "authorizer.principalId", req: lambda, want: "me"},
		{name: "authorizer.principalId", req: jwt, absent: true},
		{name: "authorizer.s", req: lambda, want: "str"},
		{name: "authorizer.n", req: lambda, want: "1.5"},
		{name: "authorizer.i", req: lambda, want: "3"},
		{name: "authorizer.b", req: lambda, want: "true"},
		{name: "authorizer.num", req: lambda, want: "12.50"},
		{name: "authorizer.null", req: lambda, absent: true},
		{name: "authorizer.obj", req: lambda, want: `{"deep":{"x":7},"k":"v"}`},
		{name: "authorizer.obj.deep.x", req: lambda, want: "7"},
		{name: "authorizer.obj.nope", req: lambda, absent: true},
		{name: "authorizer.list", req: lambda, want: `["a",1]`},
		{name: "authorizer.dotted.key", req: lambda, want: "exact"},
		{name: "authorizer.s", req: jwt, absent: true},
		{name: "awsEndpointRequestId", absent: true},
		{name: "awsEndpointRequestId2", absent: true},
		{name: "customDomain.basePathMatched", want: "v1/orders"},
		{name: "customDomain.basePathMatched", req: bare, absent: true},
		{name: "dataProcessed", want: "50"},
		{name: "domainName", want: "api.example.com"},
		{name: "domainPrefix", want: "api"},
		{name: "error.message", want: `Say "hi"`},
		{name: "error.messageString", want: `"Say \"hi\""`},
		{name: "error.responseType", want: "INTEGRATION_FAILURE"},
		{name: "extendedRequestId", want: "AbCdEfGhIjKlMnO="},
		{name: "httpMethod", want: "POST"},
		{name: "httpMethod", req: bare, absent: true},
		{name: "identity.accessKey", req: iamReq, want: "AKIA1"},
		{name: "identity.accountId", req: iamReq, want: "111122223333"},
		{name: "identity.caller", req: iamReq, want: "AIDA:caller"},
		{name: "identity.user", req: iamReq, want: "AIDAUSER"},
		{name: "identity.userArn", req: iamReq, want: "arn:aws:iam::111122223333:user/alice"},
		{name: "identity.principalOrgId", req: iamReq, want: "o-1"},
		{name: "identity.userArn", absent: true},
		{name: "identity.cognitoIdentityId", req: iamReq, absent: true},
		{name: "identity.clientCert.subjectDN", absent: true},
		{name: "identity.sourceIp", want: "203.0.113.7"},
		{name: "identity.userAgent", want: "curl/8.0"},
		{name: "integration.error", want: "boom"},
		{name: "integrationErrorMessage", want: "boom"},
		{name: "integration.integrationStatus", want: "200"},
		{name: "integrationStatus", want: "200"},
		{name: "integrationStatus", out: notCalled, absent: true},
		{name: "integration.latency", want: "12"},
		{name: "integrationLatency", want: "12"},
		{name: "integrationLatency", out: timeout, want: "-1"},
		{name: "integrationLatency", out: notCalled, absent: true},
		{name: "integration.requestId", absent: true},
		{name: "integration.status", want: "202"},
		{name: "integration.status", out: notCalled, absent: true},
		{name: "path", want: "/dev/pets/6"},
		{name: "protocol", want: "HTTP/1.1"},
		{name: "requestId", want: "AbCdEfGhIjKlMnO="},
		{name: "requestTime", want: "05/Mar/2024:06:08:09 +0000"},
		{name: "requestTime", req: bare, absent: true},
		{name: "requestTimeEpoch", want: "1709618889123"},
		{name: "responseLatency", want: "15"},
		{name: "responseLength", want: "42"},
		{name: "routeKey", want: "POST /pets/{id}"},
		{name: "stage", want: "dev"},
		{name: "status", want: "201"},
		{name: "status", out: notCalled, absent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, out := tt.req, tt.out
			if req == nil {
				req = fullRequest()
			}
			if out == nil {
				out = fullOutcome()
			}
			v, err := Compile(tt.name)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.name, err)
			}
			got, ok := v.Value(req, out)
			if ok == tt.absent || got != tt.want {
				t.Errorf("Value = %q, %v; want %q, %v", got, ok, tt.want, !tt.absent)
			}
			app, aok := v.Append([]byte("x"), req, out)
			if aok != ok || string(app) != "x"+got {
				t.Errorf("Append = %q, %v; want %q, %v", app, aok, "x"+got, ok)
			}
			if lv, lok := Lookup(tt.name, req, out); lv != got || lok != ok {
				t.Errorf("Lookup = %q, %v; want %q, %v", lv, lok, got, ok)
			}
		})
	}
}

func TestNilOutcome(t *testing.T) {
	t.Parallel()
	req := fullRequest()
	for _, name := range Names() {
		v, err := Compile(name)
		if err != nil {
			t.Fatalf("Compile(%q): %v", name, err)
		}
		_, ok := v.Value(req, nil)
		if v.Phase() != PhaseRequest && ok {
			t.Errorf("%s (phase %v) has a value without an outcome", name, v.Phase())
		}
	}
}

func TestPhases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want Phase
	}{
		{"requestId", PhaseRequest},
		{"authorizer.claims.sub", PhaseRequest},
		{"authorizer.anything", PhaseRequest},
		{"identity.sourceIp", PhaseRequest},
		{"integration.status", PhaseIntegration},
		{"status", PhaseEnd},
		{"integrationLatency", PhaseEnd},
		{"error.message", PhaseEnd},
		{"authorizer.error", PhaseEnd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := Compile(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if v.Phase() != tt.want || v.Name() != tt.name {
				t.Errorf("Phase, Name = %v, %q; want %v, %q", v.Phase(), v.Name(), tt.want, tt.name)
			}
		})
	}
	if got := Phase(9).String(); got != "Phase(9)" {
		t.Errorf("Phase(9).String() = %q", got)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want error
	}{
		{"", ErrInvalidName},
		{"request-id", ErrInvalidName},
		{".requestId", ErrInvalidName},
		{"requestId.", ErrInvalidName},
		{"identity..sourceIp", ErrInvalidName},
		{"$context.requestId", ErrInvalidName},
		{"requestid", ErrUnknown},
		{"identity", ErrUnknown},
		{"identity.nope", ErrUnknown},
		{"nope", ErrUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.name)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Compile(%q) = %v; want %v", tt.name, err, tt.want)
			}
			if !strings.Contains(err.Error(), "compiling $context."+tt.name) {
				t.Errorf("error %q does not name the variable", err)
			}
			if _, ok := Lookup(tt.name, fullRequest(), fullOutcome()); ok {
				t.Errorf("Lookup(%q) ok", tt.name)
			}
		})
	}
	var zero Var
	if _, ok := zero.Value(fullRequest(), nil); ok {
		t.Error("zero Var has a value")
	}
	if b, ok := zero.Append([]byte("a"), fullRequest(), nil); ok || string(b) != "a" {
		t.Errorf("zero Var Append = %q, %v", b, ok)
	}
}

func TestClientCert(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4242),
		Subject:      pkix.Name{Country: []string{"US"}, Organization: []string{"Example"}, CommonName: "My Client"},
		NotBefore:    time.Date(2020, 8, 5, 0, 28, 21, 0, time.UTC),
		NotAfter:     time.Date(2120, 8, 5, 0, 28, 21, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	req := fullRequest()
	req.HTTP.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{c}}
	tests := []struct{ name, want string }{
		{"identity.clientCert.subjectDN", "C=US,O=Example,CN=My Client"},
		{"identity.clientCert.issuerDN", "C=US,O=Example,CN=My Client"},
		{"identity.clientCert.serialNumber", "4242"},
		{"identity.clientCert.validity.notBefore", "Aug  5 00:28:21 2020 GMT"},
		{"identity.clientCert.validity.notAfter", "Aug  5 00:28:21 2120 GMT"},
	}
	for _, tt := range tests {
		if got, ok := Lookup(tt.name, req, nil); !ok || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
	pemText, ok := Lookup("identity.clientCert.clientCertPem", req, nil)
	if !ok || !strings.HasPrefix(pemText, "-----BEGIN CERTIFICATE-----\n") {
		t.Errorf("clientCertPem = %q, %v", pemText, ok)
	}
}

func TestNamesCompile(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, n := range Names() {
		if seen[n] {
			t.Errorf("Names lists %q twice", n)
		}
		seen[n] = true
		if _, err := Compile(n); err != nil {
			t.Errorf("Compile(%q): %v", n, err)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	in := "a\"b\\c\n\r\t\x01é"
	got := string(appendJSONString(nil, in))
	want, _ := json.Marshal(in)
	var back string
	if err := json.Unmarshal([]byte(got), &back); err != nil || back != in {
		t.Errorf("appendJSONString(%q) = %s (want like %s): round trip %q, %v", in, got, want, back, err)
	}
}

func BenchmarkValue(b *testing.B) {
	req, out := fullRequest(), fullOutcome()
	for _, name := range []string{"requestId", "status", "requestTime", "identity.userAgent"} {
		v, err := Compile(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 64)
			for b.Loop() {
				buf, _ = v.Append(buf[:0], req, out)
			}
		})
	}
}
