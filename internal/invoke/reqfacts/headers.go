package reqfacts

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
)

// The headers of the events a function receives, integration and authorizer
// events alike. API Gateway forwards the client's headers except those that
// belong to the client's connection, and sets some itself; see
// docs/compatibility.md#event-headers.

// gatewayHeaders are the headers API Gateway sets itself on an event,
// replacing any client-sent header of the same name, canonical names.
type gatewayHeaders [6][2]string

func newGatewayHeaders(req *invoke.Request, bodyLen int) gatewayHeaders {
	r := req.HTTP
	forwardedFor := req.SourceIP
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		// The client's X-Forwarded-For values followed by the source IP, as
		// REST APIs do.
		forwardedFor = strings.Join(xff, ", ")
		if req.SourceIP != "" {
			forwardedFor += ", " + req.SourceIP
		}
	}
	// X-Forwarded-Port and -Proto describe the listener the client reached:
	// "443"/"https" over TLS, as on AWS; otherwise the listener's real port
	// and "http", so that functions building absolute URLs from host, port
	// and proto reach this gateway (AWS only serves HTTPS).
	port, proto := "443", "https"
	if r.TLS == nil {
		port, proto = listenerPort(r), "http"
	}
	// A traced request's trace wins over the client's header.
	trace := req.TraceHeader
	if trace == "" {
		trace = r.Header.Get("X-Amzn-Trace-Id")
	}
	if trace == "" {
		trace = TraceID(req)
	}
	return gatewayHeaders{
		{"Content-Length", strconv.Itoa(bodyLen)},
		{"Host", DomainName(req)},
		{"X-Amzn-Trace-Id", trace},
		{"X-Forwarded-For", forwardedFor},
		{"X-Forwarded-Port", port},
		{"X-Forwarded-Proto", proto},
	}
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

// TraceID generates an X-Amzn-Trace-Id for a request that has none:
// Root=1-{request time in 8 hex digits of epoch seconds}-{24 hex digits}, the
// format of
// https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader.
// The 24 digits are derived from the request id, which is unique per
// request, so events are reproducible in tests.
func TraceID(req *invoke.Request) string {
	sum := sha256.Sum256([]byte(req.RequestID))
	var secs [4]byte
	binary.BigEndian.PutUint32(secs[:], uint32(Time(req).Unix()))
	return "Root=1-" + hex.EncodeToString(secs[:]) + "-" + hex.EncodeToString(sum[:12])
}

// skipHeader reports whether a client header is not forwarded as is: the
// hop-by-hop headers of RFC 9110 section 7.6.1 (and those the client's
// Connection header names), which belong to the client's connection to the
// gateway (AWS's front end terminates the connection, so they cannot reach
// the event), and the headers the gateway sets itself.
func skipHeader(canonical string, connection []string) bool {
	switch canonical {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
		"Host", "Content-Length", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto", "X-Amzn-Trace-Id":
		return true
	}
	for _, v := range connection {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), canonical) {
				return true
			}
		}
	}
	return false
}

// HeadersV1 returns headers and multiValueHeaders of a payload 1.0 event for
// a request whose body is bodyLen bytes long. headers holds the last value of
// each name, multiValueHeaders every value. Names are as received (see
// headerNameV1).
func HeadersV1(req *invoke.Request, bodyLen int) (single map[string]string, multi map[string][]string) {
	r := req.HTTP
	h2 := r.ProtoMajor >= 2
	single = make(map[string]string, len(r.Header)+6)
	multi = make(map[string][]string, len(r.Header)+6)
	connection := r.Header.Values("Connection")
	for name, values := range r.Header {
		canonical := http.CanonicalHeaderKey(name)
		if skipHeader(canonical, connection) || len(values) == 0 {
			continue
		}
		n := headerNameV1(canonical, h2)
		multi[n] = append(multi[n], values...)
		single[n] = values[len(values)-1]
	}
	for _, kv := range newGatewayHeaders(req, bodyLen) {
		single[kv[0]] = kv[1]
		multi[kv[0]] = []string{kv[1]}
	}
	return single, multi
}

// headerNameV1 returns the name a header has in a 1.0 event. AWS keeps the
// client's spelling, except for the headers its front end handles, which
// arrive canonically spelled whatever the client sent: captures of HTTP/2
// clients (all names lower-case on the wire) show Content-Length,
// Content-Type, Host, User-Agent, X-Amzn-Trace-Id and X-Forwarded-* next to a
// lower-case "accept".
//
// Go's server canonicalizes header names and keeps no other spelling, so the
// client's spelling is approximated: over HTTP/2 names are lower-case, as they
// were on the wire; over HTTP/1.x they are written in canonical form, which is
// what most HTTP/1.1 clients send.
func headerNameV1(canonical string, h2 bool) string {
	switch canonical {
	case "Content-Length", "Content-Type", "Host", "User-Agent",
		"X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto":
		return canonical
	}
	if h2 {
		return strings.ToLower(canonical)
	}
	return canonical
}

// HeadersV2 returns headers and cookies of a payload 2.0 event for a request
// whose body is bodyLen bytes long: names lower-cased, repeated values joined
// with "," (without a space); the Cookie headers left out of headers and split
// into cookies, one element per pair (nil without cookies).
func HeadersV2(req *invoke.Request, bodyLen int) (headers map[string]string, cookies []string) {
	r := req.HTTP
	headers = make(map[string]string, len(r.Header)+6)
	connection := r.Header.Values("Connection")
	for name, values := range r.Header {
		name = http.CanonicalHeaderKey(name)
		if name == "Cookie" {
			cookies = appendCookies(cookies, values)
			continue
		}
		if skipHeader(name, connection) || len(values) == 0 {
			continue
		}
		lower := strings.ToLower(name)
		v := strings.Join(values, ",")
		if prev, ok := headers[lower]; ok { // a non-canonical spelling of the same name
			v = prev + "," + v
		}
		headers[lower] = v
	}
	for _, kv := range newGatewayHeaders(req, bodyLen) {
		headers[strings.ToLower(kv[0])] = kv[1]
	}
	return headers, cookies
}

// appendCookies splits Cookie header values into the cookies array: one
// element per pair, separators "; " removed, empty pairs dropped.
func appendCookies(cookies []string, values []string) []string {
	for _, v := range values {
		for c := range strings.SplitSeq(v, ";") {
			if c = strings.TrimSpace(c); c != "" {
				cookies = append(cookies, c)
			}
		}
	}
	return cookies
}
