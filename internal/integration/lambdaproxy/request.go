package lambdaproxy

import (
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apigwdev/apigw/internal/invoke"
)

// This file holds what payload formats 1.0 and 2.0 share: the headers the
// gateway sets, query-string decoding, the body encoding rule and the time
// formats.

// clfTime is the request time layout of both formats (requestContext.time in
// 2.0, requestTime in 1.0): 21/Apr/2020:15:08:21 +0000, always UTC
// (dataplane.md 3.2, OBS LGO).
const clfTime = "02/Jan/2006:15:04:05 +0000"

// protocol is requestContext.http.protocol (2.0) and requestContext.protocol
// (1.0): "HTTP/1.1" even for HTTP/2 clients (dataplane.md 3.2, DOC D-logvars).
const protocol = "HTTP/1.1"

// requestTime returns the request's arrival time, or now if it was not set.
func requestTime(req *invoke.Request) time.Time {
	if req.Time.IsZero() {
		return time.Now().UTC()
	}
	return req.Time.UTC()
}

// gatewayHeaders are the values of the headers API Gateway sets itself on the
// event, replacing any client-sent header of the same name (dataplane.md 3.3,
// OBS LGO, JAVA230, JAVACONT, DOTNET).
type gatewayHeaders struct {
	// contentLength is always present: "0" for a request without a body.
	contentLength string
	// host is the domain name the client used (execute-api or custom domain).
	host string
	// forwardedFor is the client's X-Forwarded-For values, if any, followed by
	// the source IP ("client, sourceIp"), as REST APIs do (3.3: UNCONFIRMED
	// for HTTP APIs, recommended).
	forwardedFor string
	// forwardedPort and forwardedProto describe the listener the client
	// reached: "443"/"https" over TLS, as on AWS; otherwise the listener's
	// real port and "http", so that functions building absolute URLs from
	// host, port and proto reach this gateway (a local choice: AWS only
	// serves HTTPS).
	forwardedPort  string
	forwardedProto string
	// traceID is the client's X-Amzn-Trace-Id, or one generated in AWS's
	// format Root=1-{8 hex epoch seconds}-{24 hex}.
	traceID string
}

func newGatewayHeaders(req *invoke.Request, bodyLen int) gatewayHeaders {
	r := req.HTTP
	g := gatewayHeaders{contentLength: strconv.Itoa(bodyLen), host: domainName(req)}
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		g.forwardedFor = strings.Join(xff, ", ")
		if req.SourceIP != "" {
			g.forwardedFor += ", " + req.SourceIP
		}
	} else {
		g.forwardedFor = req.SourceIP
	}
	if r.TLS != nil {
		g.forwardedPort, g.forwardedProto = "443", "https"
	} else {
		g.forwardedPort, g.forwardedProto = listenerPort(r), "http"
	}
	g.traceID = r.Header.Get("X-Amzn-Trace-Id")
	if g.traceID == "" {
		g.traceID = traceID(req)
	}
	return g
}

// listenerPort returns the port of the local address the request came in on,
// falling back to the Host header's port and then to 80.
func listenerPort(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(a.String()); err == nil && port != "" {
			return port
		}
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil && port != "" {
		return port
	}
	return "80"
}

func stripPort(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return hostport
}

// traceID generates an X-Amzn-Trace-Id for a request that has none:
// Root=1-{request time in 8 hex digits of epoch seconds}-{24 hex digits}
// (dataplane.md 3.3). The 24 digits are derived from the request id, which is
// unique per request, so events are reproducible in tests.
func traceID(req *invoke.Request) string {
	sum := sha256.Sum256([]byte(req.RequestID))
	var secs [4]byte
	binary.BigEndian.PutUint32(secs[:], uint32(requestTime(req).Unix()))
	return "Root=1-" + hex.EncodeToString(secs[:]) + "-" + hex.EncodeToString(sum[:12])
}

// skipHeader reports whether a client header is not forwarded as is: the
// hop-by-hop headers of RFC 9110 section 7.6.1 (and those the client's
// Connection header names), which belong to the client's connection to the
// gateway (a choice: AWS's front end terminates the connection, so they cannot
// reach the event; UNCONFIRMED), and the headers the gateway sets itself.
func skipHeader(canonical string, connection []string) bool {
	switch canonical {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
		"Host", "Content-Length", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto", "X-Amzn-Trace-Id":
		return true
	}
	for _, v := range connection {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), canonical) {
				return true
			}
		}
	}
	return false
}

// QueryParam is one name=value pair of a query string, decoded.
type QueryParam struct{ Name, Value string }

// ParseQuery splits a raw query string into decoded parameters in arrival
// order (dataplane.md 3.4). Pairs are separated by "&" only; empty pairs are
// dropped; a pair without "=" has the value "" (UNCONFIRMED, assumed). Names
// and values are percent-decoded and "+" decodes to a space, as HTML forms
// encode it (UNCONFIRMED for HTTP APIs; REST APIs were observed to turn
// "sort=-+createdAt" into "- createdAt", aws/aws-cdk#19827). A component
// with an invalid percent-escape is kept exactly as received.
//
// Lambda authorizers use it too, so identity sources see the values events do.
func ParseQuery(raw string) []QueryParam {
	if raw == "" {
		return nil
	}
	params := make([]QueryParam, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		params = append(params, QueryParam{Name: decodeQueryComponent(name), Value: decodeQueryComponent(value)})
	}
	return params
}

func decodeQueryComponent(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// encodeBody returns the event's body and isBase64Encoded for a request body
// (dataplane.md 3.5). HTTP APIs have no binaryMediaTypes: the body is passed as
// text only when the Content-Type's media type (parameters ignored,
// case-insensitive) is text/*, application/json, application/xml or
// application/javascript; every other case, a missing Content-Type included,
// is base64 (EMU MS766 "verified against real AWS"; OBS SO1776, BREF631,
// DENO33, DOTNET). Structured-suffix types such as application/problem+json are
// base64 here (UNCONFIRMED; the list is applied literally). A body declared as
// text that is not valid UTF-8 is also sent as base64, so that no byte is lost
// in the JSON event (UNCONFIRMED; a choice).
func encodeBody(contentType string, body []byte) (string, bool) {
	if len(body) == 0 {
		return "", false
	}
	if isTextMediaType(contentType) && utf8.Valid(body) {
		return string(body), false
	}
	return base64.StdEncoding.EncodeToString(body), true
}

func isTextMediaType(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return false
}

// decodedPath returns requestContext.path of payload 1.0: the path as received
// (stage prefix and custom-domain mapping key included), percent-decoded
// (dataplane.md 3.6, OBS DOTNET V1_*). It falls back to RawPath.
func decodedPath(req *invoke.Request) string {
	if req.EscapedPath != "" {
		if p, err := url.PathUnescape(req.EscapedPath); err == nil {
			return p
		}
	}
	return rawPath(req)
}

// escapedPath returns payload 1.0's top-level path: the path as received,
// percent-encoding kept, with the stage prefix and the mapping key (3.6, 2.3).
func escapedPath(req *invoke.Request) string {
	if req.EscapedPath != "" {
		return req.EscapedPath
	}
	return (&url.URL{Path: rawPath(req)}).EscapedPath()
}

// rawPath returns payload 2.0's rawPath: decoded, with a named stage's prefix,
// without a custom domain's mapping key (2.1, 2.3).
func rawPath(req *invoke.Request) string {
	switch {
	case req.RawPath != "":
		return req.RawPath
	case req.Path != "":
		return req.Path
	}
	return "/"
}

// routePath returns the route path for payload 1.0's resource and
// resourcePath: "/pets/{id}", or "$default" for the default route (3.6).
func routePath(req *invoke.Request) string {
	if req.RoutePath != "" {
		return req.RoutePath
	}
	if _, p, ok := strings.Cut(req.RouteKey, " "); ok {
		return p
	}
	return req.RouteKey
}

// domainName returns requestContext.domainName and the host header: the host
// the client used, without a port (req.DomainName, else the Host header).
func domainName(req *invoke.Request) string {
	if req.DomainName != "" || req.HTTP == nil {
		return req.DomainName
	}
	return stripPort(req.HTTP.Host)
}

// domainPrefix returns requestContext.domainPrefix: the first label of the
// domain name (the API id on execute-api hosts).
func domainPrefix(req *invoke.Request) string {
	if req.DomainPrefix != "" {
		return req.DomainPrefix
	}
	p, _, _ := strings.Cut(domainName(req), ".")
	return p
}

// clientCert is the client certificate of a mutual-TLS request as both
// formats carry it (2.0 requestContext.authentication.clientCert, 1.0
// requestContext.identity.clientCert; dataplane.md 3.2, 3.6).
type clientCert struct {
	ClientCertPem string       `json:"clientCertPem"`
	SubjectDN     string       `json:"subjectDN"`
	IssuerDN      string       `json:"issuerDN"`
	SerialNumber  string       `json:"serialNumber"`
	Validity      certValidity `json:"validity"`
}

type certValidity struct {
	NotBefore string `json:"notBefore"`
	NotAfter  string `json:"notAfter"`
}

// certTime is the layout of the validity dates: "Aug  5 00:28:21 2120 GMT"
// (OBS LGO testdata, the docs' example).
const certTime = "Jan _2 15:04:05 2006 GMT"

// peerCert returns the client certificate of a mutual-TLS request, nil
// otherwise. Distinguished names are written in the certificate's own RDN
// order, comma-separated ("C=US,ST=Washington,...,CN=My Client", as in the
// docs' example); the serial number is decimal (UNCONFIRMED: the HTTP API
// example shows "1").
func peerCert(r *http.Request) *clientCert {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	c := r.TLS.PeerCertificates[0]
	return &clientCert{
		ClientCertPem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})),
		SubjectDN:     distinguishedName(c.RawSubject, c.Subject),
		IssuerDN:      distinguishedName(c.RawIssuer, c.Issuer),
		SerialNumber:  c.SerialNumber.String(),
		Validity: certValidity{
			NotBefore: c.NotBefore.UTC().Format(certTime),
			NotAfter:  c.NotAfter.UTC().Format(certTime),
		},
	}
}

// distinguishedName formats a DN in its encoded order. RDNSequence.String
// writes the sequence last-to-first (RFC 4514), so the sequence is reversed
// first.
func distinguishedName(raw []byte, parsed pkix.Name) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		seq = parsed.ToRDNSequence()
	}
	rev := make(pkix.RDNSequence, len(seq))
	for i, rdn := range seq {
		rev[len(seq)-1-i] = rdn
	}
	return rev.String()
}
