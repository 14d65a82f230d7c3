package app_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/gatewaytest"
	"github.com/apigwdev/apigw/internal/listener/listenertest"
)

const (
	tlsAPIID   = "tlsapi0001"
	arnShop    = "arn:aws:acm:us-east-1:000000000000:certificate/shop"
	arnWild    = "arn:aws:acm:us-east-1:000000000000:certificate/wild"
	trustURI   = "s3://trust-bucket/clients.pem"
	clientName = "My Client"
)

// tlsGateway is a gateway with an HTTPS listener and its test PKI.
type tlsGateway struct {
	*gatewaytest.Gateway
	domainCA *listenertest.CA // signed the custom domains' certificates
	clientCA *listenertest.CA // the mutual-TLS truststore
	localCA  *x509.Certificate
	client   *apigatewayv2.Client
}

// startTLSGateway serves, over HTTP and HTTPS, API tlsapi0001: echo behind
// GET and POST /v2/whoami (2.0), apifn behind GET /v1/whoami (1.0), and an HTTP
// proxy to backend on GET /ctx that sends $context values as headers, and
// one to backend/stream on GET /stream; on
// $default and on stage "prod" (stage variable tier=prod). Custom domains:
// shop.example.test (own certificate) → $default; *.example.test (wildcard
// certificate) → prod; mtls.example.test (local-CA certificate, mutual TLS)
// → $default.
func startTLSGateway(t *testing.T, backend string) *tlsGateway {
	t.Helper()
	nb, na := listenertest.Window()
	g := &tlsGateway{
		domainCA: listenertest.NewCA(t, "Domain CA", nb, na, true),
		clientCA: listenertest.NewCA(t, "Client CA", nb, na, true),
	}
	shop := g.domainCA.Server(t, nb, na, "shop.example.test")
	wild := g.domainCA.Server(t, nb, na, "*.example.test")
	// A truststore with a certificate that is no CA: accepted, with a
	// truststore warning.
	leafOnly := listenertest.NewCA(t, "Not A CA", nb, na, false)
	doc := lambdaDoc([]lambdaRoute{
		{"/v2/whoami", "get", fnARN("echo"), "2.0", ""},
		{"/v2/whoami", "post", fnARN("echo"), "2.0", ""},
		{"/v1/whoami", "get", fnARN("apifn"), "1.0", ""},
	}) + `  /stream:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "` + backend + `/stream", payloadFormatVersion: "1.0"}
  /ctx:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "` + backend + `/ctx"
        payloadFormatVersion: "1.0"
        requestParameters:
          "append:header.x-protocol": "$context.protocol"
          "append:header.x-client-dn": "$context.identity.clientCert.subjectDN"
          "append:header.x-client-serial": "$context.identity.clientCert.serialNumber"
`
	cfg := "functions:\n" +
		fmt.Sprintf("  echo: {command: [%q]}\n", fnPath("echo")) +
		fmt.Sprintf("  apifn: {command: [%q]}\n", fnPath("apifn")) +
		"apis:\n  - id: " + tlsAPIID + "\n    openapi: ./api.yaml\n    default: true\n" +
		"    stages:\n      - name: $default\n      - name: prod\n        stageVariables: {tier: prod}\n" +
		"tls:\n  listen: 127.0.0.1:3443\n  certificates:\n" +
		"    " + arnShop + ": {cert: shop.pem, key: shop-key.pem}\n" +
		"    " + arnWild + ": {cert: certs/wild.pem, key: certs/wild-key.pem}\n" +
		"truststores:\n  " + trustURI + ": ./clients.pem\n"
	g.Gateway = gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml":           doc,
		"apigw.yaml":         cfg,
		"shop.pem":           string(shop.CertPEM),
		"shop-key.pem":       string(shop.KeyPEM),
		"certs/wild.pem":     string(wild.CertPEM),
		"certs/wild-key.pem": string(wild.KeyPEM),
		"clients.pem":        string(g.clientCA.PEM) + string(leafOnly.PEM),
	})
	if g.TLSURL == "" {
		t.Fatal("no HTTPS listener")
	}
	if !strings.Contains(g.Log(), "data plane listening on "+g.TLSURL) {
		t.Errorf("the gateway did not print \"data plane listening on %s\":\n%s", g.TLSURL, g.Log())
	}
	pemBytes, err := os.ReadFile(filepath.Join(g.Dir, ".apigw", "ca", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the local CA file holds no certificate")
	}
	g.localCA, _ = x509.ParseCertificate(mustDER(t, pemBytes))
	g.client = apigatewayv2.New(apigatewayv2.Options{
		BaseEndpoint: aws.String(g.AdminURL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	ctx := context.Background()
	for _, d := range []struct {
		name, arn, stage string
		mtls             bool
	}{
		{"shop.example.test", arnShop, "$default", false},
		{"*.example.test", arnWild, "prod", false},
		{"mtls.example.test", "", "$default", true},
	} {
		in := &apigatewayv2.CreateDomainNameInput{DomainName: aws.String(d.name)}
		if d.arn != "" {
			in.DomainNameConfigurations = []types.DomainNameConfiguration{{CertificateArn: aws.String(d.arn), EndpointType: types.EndpointTypeRegional, SecurityPolicy: types.SecurityPolicyTls12}}
		}
		if d.mtls {
			in.MutualTlsAuthentication = &types.MutualTlsAuthenticationInput{TruststoreUri: aws.String(trustURI)}
		}
		out, err := g.client.CreateDomainName(ctx, in)
		if err != nil {
			t.Fatalf("CreateDomainName %s: %v", d.name, err)
		}
		if d.mtls {
			w := out.MutualTlsAuthentication.TruststoreWarnings
			if len(w) != 1 || !strings.Contains(w[0], "CN=Not A CA") {
				t.Errorf("truststoreWarnings %q; want one for the certificate that is not a CA", w)
			}
		}
		if _, err := g.client.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{
			DomainName: aws.String(d.name), ApiId: aws.String(tlsAPIID), Stage: aws.String(d.stage),
		}); err != nil {
			t.Fatalf("CreateApiMapping %s: %v", d.name, err)
		}
	}
	return g
}

func mustDER(t *testing.T, pemBytes []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(pemBytes)
	if b == nil || b.Type != "CERTIFICATE" {
		t.Fatal("no certificate in PEM")
	}
	return b.Bytes
}

func decodeInto(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
}

// httpsClient connects to the HTTPS listener whatever the URL's host
// (sent as SNI and Host), trusting the domain CA and the local CA.
func (g *tlsGateway) httpsClient(t *testing.T, proto string, certs ...tls.Certificate) *http.Client {
	t.Helper()
	roots := g.domainCA.Pool()
	roots.AddCert(g.localCA)
	addr := strings.TrimPrefix(g.TLSURL, "https://")
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		Protocols: new(http.Protocols),
	}
	if proto == "h2" {
		tr.Protocols.SetHTTP2(true)
	} else {
		tr.Protocols.SetHTTP1(true)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

type httpsResult struct {
	resp *http.Response
	body string
}

func httpsGet(t *testing.T, c *http.Client, url string, headers ...string) (httpsResult, error) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := c.Do(req)
	if err != nil {
		return httpsResult{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return httpsResult{}, err
	}
	return httpsResult{resp: resp, body: string(b)}, nil
}

// streamBackend echoes every request (as echoBackend) but /stream, which
// writes "first\n", flushes, and writes "second\n" once release is closed.
func streamBackend(t *testing.T) (url string, release chan struct{}) {
	t.Helper()
	echo := echoBackend(t)
	release = make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stream" {
			echo.Config.Handler.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second\n")
	}))
	t.Cleanup(srv.Close)
	return srv.URL, release
}

func TestHTTPSListener(t *testing.T) {
	t.Parallel()
	beURL, release := streamBackend(t)
	g := startTLSGateway(t, beURL)
	host := "https://" + tlsAPIID + ".execute-api.localhost"

	t.Run("h2 to the host-style URL, local-CA certificate, reported as HTTP/1.1", func(t *testing.T) {
		t.Parallel()
		r, err := httpsGet(t, g.httpsClient(t, "h2"), host+"/v2/whoami")
		if err != nil {
			t.Fatal(err)
		}
		if r.resp.ProtoMajor != 2 {
			t.Errorf("negotiated %s; want HTTP/2", r.resp.Proto)
		}
		if got := r.resp.TLS.PeerCertificates[0].Issuer.CommonName; got != g.localCA.Subject.CommonName {
			t.Errorf("certificate issued by %q; want the local CA", got)
		}
		ev := fields(t, decode[echoReply](t, gatewaytest.Response{Status: r.resp.StatusCode, Body: r.body}).Event)
		var rc struct {
			DomainName string
			HTTP       struct{ Protocol string }
		}
		var hdrs map[string]string
		member(t, ev, "requestContext", &rc)
		member(t, ev, "headers", &hdrs)
		wantEqual(t, "requestContext.http.protocol", rc.HTTP.Protocol, "HTTP/1.1")
		wantEqual(t, "requestContext.domainName", rc.DomainName, tlsAPIID+".execute-api.localhost")
		wantEqual(t, "headers[x-forwarded-proto]", hdrs["x-forwarded-proto"], "https")
		if _, ok := ev["requestContext"]; ok && strings.Contains(string(ev["requestContext"]), "authentication") {
			t.Error("requestContext.authentication is present without mutual TLS")
		}
	})

	t.Run("h2, payload 1.0 reports HTTP/1.1", func(t *testing.T) {
		t.Parallel()
		r, err := httpsGet(t, g.httpsClient(t, "h2"), host+"/v1/whoami")
		if err != nil {
			t.Fatal(err)
		}
		ev := fields(t, decode[apifnReport](t, gatewaytest.Response{Status: r.resp.StatusCode, Body: r.body}).Event)
		var rc struct{ Protocol string }
		member(t, ev, "requestContext", &rc)
		wantEqual(t, "requestContext.protocol", rc.Protocol, "HTTP/1.1")
	})

	t.Run("h2, $context.protocol is HTTP/1.1", func(t *testing.T) {
		t.Parallel()
		r, err := httpsGet(t, g.httpsClient(t, "h2"), host+"/ctx")
		if err != nil {
			t.Fatal(err)
		}
		var seen seenRequest
		decodeInto(t, r.body, &seen)
		wantEqual(t, "x-protocol", seen.Header.Get("X-Protocol"), "HTTP/1.1")
	})

	t.Run("h2 keeps the header and body limits", func(t *testing.T) {
		t.Parallel()
		c := g.httpsClient(t, "h2")
		r, err := httpsGet(t, c, host+"/v2/whoami", "X-Big: "+strings.Repeat("a", 11000))
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "status with 11000 bytes of headers", r.resp.StatusCode, http.StatusRequestHeaderFieldsTooLarge)
		req, _ := http.NewRequest("POST", host+"/v2/whoami", io.LimitReader(zeros{}, 10<<20+1))
		req.ContentLength = -1 // streamed, as h2 DATA frames without a length
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("a streamed 10 MB + 1 byte body over %s: status %d; want 413 over HTTP/2", resp.Proto, resp.StatusCode)
		}
	})

	t.Run("h2 keeps one connection across requests", func(t *testing.T) {
		t.Parallel()
		var dials atomic.Int32
		c := g.httpsClient(t, "h2")
		tr := c.Transport.(*http.Transport)
		dial := tr.DialContext
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dial(ctx, network, addr)
		}
		for i := range 5 {
			// GETs to an HTTP proxy (which reads no request body) and a
			// POST to a function.
			req, _ := http.NewRequest("GET", host+"/ctx", nil)
			if i == 4 {
				req, _ = http.NewRequest("POST", host+"/v2/whoami", strings.NewReader(`{"a":1}`))
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
				t.Fatalf("request %d: %s %d", i, resp.Proto, resp.StatusCode)
			}
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("5 HTTP/2 requests took %d connections; want 1 (a GOAWAY after each answer?)", n)
		}
	})

	t.Run("h2 streams a response as it arrives", func(t *testing.T) {
		t.Parallel()
		resp, err := g.httpsClient(t, "h2").Get(host + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.ProtoMajor != 2 {
			t.Fatalf("negotiated %s; want HTTP/2", resp.Proto)
		}
		buf := make([]byte, 6)
		// The second part is held back until the first arrived: the read
		// below would block for ever if the gateway buffered the answer.
		if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first\n" {
			t.Fatalf("first chunk %q, %v", buf, err)
		}
		close(release)
		rest, err := io.ReadAll(resp.Body)
		if err != nil || string(rest) != "second\n" {
			t.Errorf("rest %q, %v; want second", rest, err)
		}
	})

	t.Run("HTTP/1.1 by ALPN", func(t *testing.T) {
		t.Parallel()
		r, err := httpsGet(t, g.httpsClient(t, "http/1.1"), host+"/v2/whoami")
		if err != nil {
			t.Fatal(err)
		}
		if r.resp.ProtoMajor != 1 || r.resp.StatusCode != 200 {
			t.Errorf("got %s %d; want HTTP/1.1 200", r.resp.Proto, r.resp.StatusCode)
		}
	})

	t.Run("SNI picks a domain's own certificate; wildcard and exact names", func(t *testing.T) {
		t.Parallel()
		c := g.httpsClient(t, "h2")
		for _, tt := range []struct {
			host, wantStage, certName string
		}{
			{"shop.example.test", "$default", "shop.example.test"},
			{"tenant1.example.test", "prod", "*.example.test"},
			{"TENANT2.example.test", "prod", "*.example.test"},
		} {
			r, err := httpsGet(t, c, "https://"+tt.host+"/v2/whoami")
			if err != nil {
				t.Fatalf("%s: %v", tt.host, err)
			}
			leaf := r.resp.TLS.PeerCertificates[0]
			if leaf.Issuer.CommonName != "Domain CA" || leaf.DNSNames[0] != tt.certName {
				t.Errorf("%s: certificate %v by %q; want %s by Domain CA", tt.host, leaf.DNSNames, leaf.Issuer.CommonName, tt.certName)
			}
			ev := fields(t, decode[echoReply](t, gatewaytest.Response{Status: r.resp.StatusCode, Body: r.body}).Event)
			var rc struct{ Stage string }
			member(t, ev, "requestContext", &rc)
			wantEqual(t, tt.host+" over HTTPS: stage", rc.Stage, tt.wantStage)
			// The same over plain HTTP.
			pr := g.Do(t, "GET", tt.host, "/v2/whoami", nil)
			member(t, fields(t, decode[echoReply](t, pr).Event), "requestContext", &rc)
			wantEqual(t, tt.host+" over HTTP: stage", rc.Stage, tt.wantStage)
		}
	})
}

func TestHTTPSMutualTLS(t *testing.T) {
	t.Parallel()
	be := echoBackend(t)
	g := startTLSGateway(t, be.URL)
	nb, na := listenertest.Window()
	valid := g.clientCA.Client(t, nb, na, clientName)
	eb, ea := listenertest.Expired()
	expired := g.clientCA.Client(t, eb, ea, clientName)
	foreignCA := listenertest.NewCA(t, "Foreign CA", nb, na, true)
	foreign := foreignCA.Client(t, nb, na, clientName)
	const url = "https://mtls.example.test/v2/whoami"

	for _, tt := range []struct {
		name  string
		certs []tls.Certificate
	}{
		{"no client certificate", nil},
		{"expired client certificate", []tls.Certificate{expired.Pair}},
		{"client certificate of another CA", []tls.Certificate{foreign.Pair}},
	} {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			t.Parallel()
			r, err := httpsGet(t, g.httpsClient(t, "h2", tt.certs...), url)
			if err == nil {
				t.Fatalf("served with status %d; want the TLS handshake refused", r.resp.StatusCode)
			}
		})
	}

	t.Run("a valid client certificate reaches both payloads and $context", func(t *testing.T) {
		t.Parallel()
		c := g.httpsClient(t, "h2", valid.Pair)
		r, err := httpsGet(t, c, url)
		if err != nil {
			t.Fatal(err)
		}
		type clientCert struct {
			ClientCertPem, SubjectDN, IssuerDN, SerialNumber string
			Validity                                         struct{ NotBefore, NotAfter string }
		}
		want := clientCert{
			ClientCertPem: string(valid.CertPEM),
			SubjectDN:     "C=US,O=Example,CN=My Client",
			IssuerDN:      "C=US,O=Example,CN=Client CA",
			SerialNumber:  valid.Pair.Leaf.SerialNumber.String(),
		}
		want.Validity.NotBefore = valid.Pair.Leaf.NotBefore.UTC().Format("Jan _2 15:04:05 2006 GMT")
		want.Validity.NotAfter = valid.Pair.Leaf.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT")

		ev := fields(t, decode[echoReply](t, gatewaytest.Response{Status: r.resp.StatusCode, Body: r.body}).Event)
		var rc2 struct {
			Authentication struct{ ClientCert clientCert }
		}
		member(t, ev, "requestContext", &rc2)
		wantEqual(t, "2.0 requestContext.authentication.clientCert", rc2.Authentication.ClientCert, want)

		r1, err := httpsGet(t, c, "https://mtls.example.test/v1/whoami")
		if err != nil {
			t.Fatal(err)
		}
		ev1 := fields(t, decode[apifnReport](t, gatewaytest.Response{Status: r1.resp.StatusCode, Body: r1.body}).Event)
		var rc1 struct {
			Identity struct{ ClientCert clientCert }
		}
		member(t, ev1, "requestContext", &rc1)
		wantEqual(t, "1.0 requestContext.identity.clientCert", rc1.Identity.ClientCert, want)

		rc, err := httpsGet(t, c, "https://mtls.example.test/ctx")
		if err != nil {
			t.Fatal(err)
		}
		var seen seenRequest
		decodeInto(t, rc.body, &seen)
		wantEqual(t, "$context.identity.clientCert.subjectDN", seen.Header.Get("X-Client-Dn"), want.SubjectDN)
		wantEqual(t, "$context.identity.clientCert.serialNumber", seen.Header.Get("X-Client-Serial"), want.SerialNumber)
	})

	t.Run("plain HTTP to a mutual-TLS domain is refused", func(t *testing.T) {
		t.Parallel()
		r := g.Do(t, "GET", "mtls.example.test", "/v2/whoami", nil)
		if r.Status != http.StatusForbidden || r.Body != `{"message":"Forbidden"}` {
			t.Errorf("got %d %s; want 403 {\"message\":\"Forbidden\"}", r.Status, r.Body)
		}
	})

	t.Run("a handshake for another name cannot reach a mutual-TLS domain", func(t *testing.T) {
		t.Parallel()
		// SNI shop.example.test (no client certificate asked), Host
		// mtls.example.test.
		c := g.httpsClient(t, "http/1.1")
		req, _ := http.NewRequest("GET", "https://shop.example.test/v2/whoami", nil)
		req.Host = "mtls.example.test"
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("got %d %s; want 403", resp.StatusCode, b)
		}
	})

	t.Run("an unmapped truststoreUri is refused by the management API", func(t *testing.T) {
		t.Parallel()
		_, err := g.client.CreateDomainName(context.Background(), &apigatewayv2.CreateDomainNameInput{
			DomainName:              aws.String("other.example.org"),
			MutualTlsAuthentication: &types.MutualTlsAuthenticationInput{TruststoreUri: aws.String("s3://trust-bucket/unknown.pem")},
		})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "BadRequestException" || !strings.Contains(ae.ErrorMessage(), "s3://trust-bucket/unknown.pem") {
			t.Errorf("CreateDomainName with an unmapped truststore: %v; want BadRequestException naming it", err)
		}
	})
}

// zeros reads zero bytes forever.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestMutualTLSWithoutHTTPS: a domain with mutual TLS on a gateway with no
// HTTPS listener is stored (its truststore is mapped), warned about, and
// refused over plain HTTP: never served without a client certificate.
func TestMutualTLSWithoutHTTPS(t *testing.T) {
	t.Parallel()
	be := echoBackend(t)
	nb, na := listenertest.Window()
	clients := listenertest.NewCA(t, "Client CA", nb, na, true)
	g := gatewaytest.Start(t, gatewaytest.Files{
		"api.yaml":    workedExampleDoc(be.URL),
		"apigw.yaml":  "apis:\n  - id: plain00001\n    openapi: ./api.yaml\ntruststores:\n  " + trustURI + ": ./clients.pem\n",
		"clients.pem": string(clients.PEM),
	})
	client := apigatewayv2.New(apigatewayv2.Options{
		BaseEndpoint: aws.String(g.AdminURL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	ctx := context.Background()
	if _, err := client.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{
		DomainName:              aws.String("secure.example.test"),
		MutualTlsAuthentication: &types.MutualTlsAuthenticationInput{TruststoreUri: aws.String(trustURI)},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{
		DomainName: aws.String("secure.example.test"), ApiId: aws.String("plain00001"), Stage: aws.String("$default"),
	}); err != nil {
		t.Fatal(err)
	}
	r := g.Do(t, "GET", "secure.example.test", "/pets/dog/1", nil)
	if r.Status != http.StatusForbidden {
		t.Errorf("plain HTTP to a mutual-TLS domain: %d %s; want 403", r.Status, r.Body)
	}
	if !strings.Contains(g.Log(), "domain secure.example.test: mutual TLS is on but no HTTPS listener is configured") {
		t.Errorf("no warning about mutual TLS without an HTTPS listener:\n%s", g.Log())
	}
}

// TestPlainHTTPOff: listen: "" serves HTTPS only, and says so.
func TestPlainHTTPOff(t *testing.T) {
	t.Parallel()
	be := echoBackend(t)
	dir := t.TempDir()
	for name, content := range map[string]string{
		"api.yaml":   workedExampleDoc(be.URL),
		"apigw.yaml": "listen: \"\"\ntls:\n  listen: 127.0.0.1:3443\napis:\n  - id: httpsonly1\n    openapi: ./api.yaml\n    default: true\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "apigw.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Apply(config.Overrides{TLSListen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(dir, ".apigw")}); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var mu sync.Mutex
	w := lockedWriter{mu: &mu, buf: &bytes.Buffer{}}
	g, err := app.New(cfg, app.Options{Stderr: w, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ShutdownTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		g.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g.Shutdown(ctx)
	})
	mu.Lock()
	out.WriteString(w.buf.String())
	mu.Unlock()
	if strings.Contains(out.String(), "data plane listening on http://") {
		t.Errorf("a plain data plane listener was announced with listen: \"\":\n%s", out.String())
	}
	if !strings.Contains(out.String(), "data plane listening on https://") || g.DataURL() != g.TLSURL() {
		t.Errorf("HTTPS listener not announced, or DataURL %q is not TLSURL %q:\n%s", g.DataURL(), g.TLSURL(), out.String())
	}
	pool := x509.NewCertPool()
	pemBytes, err := os.ReadFile(filepath.Join(dir, ".apigw", "ca", "ca.pem"))
	if err != nil || !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("local CA: %v", err)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(g.TLSURL() + "/pets/dog/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET over HTTPS to 127.0.0.1 (the local CA's default certificate): %d", resp.StatusCode)
	}
}
