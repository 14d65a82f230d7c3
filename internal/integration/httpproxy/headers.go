package httpproxy

import (
	"encoding/hex"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
)

// Header names and values the proxy sets. See the package documentation for
// the evidence behind each.
const (
	headerForwarded   = "Forwarded"
	headerVia         = "Via"
	headerTraceID     = "X-Amzn-Trace-Id"
	headerTraceParent = "Traceparent" // W3C Trace Context
	headerContentType = "Content-Type"
	headerUserAgent   = "User-Agent"

	// viaValue is what AWS was seen to add: "via: HTTP/1.1 AmazonAPIGateway"
	// (expressjs/session#886, a capture from an HTTP API backend).
	viaValue = "HTTP/1.1 AmazonAPIGateway"

	// emptyBodyContentType is added to requests without a payload
	// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html; the value is undocumented by AWS (our choice: docs/compatibility.md#http-proxy)).
	emptyBodyContentType = "application/json"
)

// isHopByHop reports whether the canonical header key k is a hop-by-hop
// header that a proxy must not forward (RFC 9110 section 7.6.1), or one the gateway reserves for itself
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html#http-api-mapping-reserved-headers). "Trailers" is in the AWS reserved list; "Trailer" is the real field.
func isHopByHop(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Te", "Trailer", "Trailers",
		"Transfer-Encoding", "Upgrade", "Proxy-Authenticate", "Proxy-Authorization":
		return true
	}
	return false
}

// outboundHeader is the header sent to the backend, as a view
// over the client's, so that no map is built per request: end-to-end fields
// pass, hop-by-hop ones and those named in Connection do not, X-Forwarded-*
// are translated into Forwarded, Via and a trace id are added, and a
// Content-Type is added when there is no payload. The client's slices are
// shared, never appended to.
type outboundHeader struct {
	in       http.Header
	listed   []string // canonical names listed in the client's Connection
	extra    [6]string
	extraVal [6]string
	n        int
}

// init fills h for req.
func (h *outboundHeader) init(req *invoke.Request, noBody bool) {
	in := req.HTTP.Header
	h.in = in
	for _, v := range in["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				h.listed = append(h.listed, textproto.CanonicalMIMEHeaderKey(f))
			}
		}
	}
	h.add(headerForwarded, forwardedValue(req))
	if via := in.Values(headerVia); len(via) > 0 {
		h.add(headerVia, strings.Join(via, ", ")+", "+viaValue)
	} else {
		h.add(headerVia, viaValue)
	}
	// A traced request carries its trace (the client's X-Amzn-Trace-Id is
	// replaced, its traceparent continued); otherwise the client's
	// X-Amzn-Trace-Id passes, or one is made up.
	switch _, ok := in[headerTraceID]; {
	case req.TraceHeader != "":
		h.add(headerTraceID, req.TraceHeader)
	case !ok:
		h.add(headerTraceID, newTraceID(req.Time))
	}
	if req.TraceParent != "" {
		h.add(headerTraceParent, req.TraceParent)
	}
	if noBody {
		if _, ok := in[headerContentType]; !ok {
			h.add(headerContentType, emptyBodyContentType)
		}
	}
	// Without a User-Agent from the client, none is sent (the transport adds
	// none of its own): the backend sees what the client sent.
}

func (h *outboundHeader) add(k, v string) {
	h.extra[h.n], h.extraVal[h.n] = k, v
	h.n++
}

// passes reports whether the client's field k (canonical) is forwarded.
func (h *outboundHeader) passes(k string) bool {
	switch {
	case isHopByHop(k):
		return false
	case k == "Forwarded", k == "X-Forwarded-For", k == "X-Forwarded-Host", k == "X-Forwarded-Proto":
		// Translated into Forwarded.
		return false
	case k == "Host", k == "Content-Length", k == "Expect":
		// Host is the integration's; Content-Length is written by the
		// transport from the body; Expect: 100-continue was already
		// answered by the gateway's server when it read the body.
		return false
	case strings.IndexByte(k, '_') >= 0:
		// Backends that read headers as CGI variables (PHP, WSGI, Rack)
		// see Transfer_Encoding as Transfer-Encoding and X_User_Id as
		// X-User-Id: a client could smuggle framing or spoof a header the
		// gateway vouches for. As nginx does by default, such names are
		// not forwarded (docs/compatibility.md#underscore-headers).
		return false
	}
	for _, e := range h.extra[:h.n] {
		if k == e {
			return false
		}
	}
	for _, l := range h.listed {
		if k == l {
			return false
		}
	}
	return true
}

// Each calls f for every field sent, the client's first, in no order.
func (h *outboundHeader) Each(f func(k string, vv []string)) {
	for k, vv := range h.in {
		if h.passes(k) {
			f(k, vv)
		}
	}
	for i := range h.extra[:h.n] {
		f(h.extra[i], h.extraVal[i:i+1:i+1])
	}
}

// Header returns the fields sent as a new map, for transports other than
// *h1client.Transport. An empty User-Agent stops net/http from adding its own.
func (h *outboundHeader) Header() http.Header {
	out := make(http.Header, len(h.in)+h.n+1)
	h.Each(func(k string, vv []string) { out[k] = vv })
	if _, ok := out[headerUserAgent]; !ok {
		out[headerUserAgent] = []string{""}
	}
	return out
}

// cleanResponseHeader removes hop-by-hop headers from a backend response in
// place (RFC 9110 section 7.6.1).
func cleanResponseHeader(h http.Header) {
	removeConnectionHeaders(h, h)
	for k := range h {
		if isHopByHop(k) {
			delete(h, k)
		}
	}
}

// removeConnectionHeaders deletes from h the headers that the Connection
// field of src lists (RFC 9110 section 7.6.1).
func removeConnectionHeaders(h, src http.Header) {
	for _, v := range src["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				delete(h, textproto.CanonicalMIMEHeaderKey(f))
			}
		}
	}
}

// forwardedValue builds the Forwarded header (RFC 7239) sent to the backend.
//
// AWS documents that HTTP APIs translate incoming X-Forwarded-* headers into
// a standard Forwarded header and append the client IP, host and protocol
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html); one capture shows the appended element as
// "by=1.2.3.4;for=5.6.7.8;host=my.example.com;proto=https". The exact
// translation is undocumented by AWS (our choice: docs/compatibility.md#http-proxy); this one is:
//
//  1. If the client sent Forwarded, its elements are kept as received and the
//     X-Forwarded-* headers are dropped (Forwarded supersedes them).
//  2. Otherwise each X-Forwarded-For entry becomes a "for=" element, in order;
//     X-Forwarded-Host and X-Forwarded-Proto (first values) are added to the
//     first element as host= and proto= (they describe the original request).
//     With host/proto but no X-Forwarded-For, they form an element of their own.
//  3. The gateway appends its own element: by=<the gateway address the
//     connection came in on>;for=<client IP>;host=<Host as received>;
//     proto=<http|https>. Parameters whose value is unknown are omitted.
//
// Values are tokens when they can be, quoted strings otherwise; IPv6
// addresses are bracketed and quoted (RFC 7239 section 6).
func forwardedValue(req *invoke.Request) string {
	r := req.HTTP
	var buf [160]byte
	b := buf[:0]
	if fw := r.Header["Forwarded"]; len(fw) > 0 {
		for i, v := range fw {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, v...)
		}
	} else {
		first := true
		for _, v := range r.Header["X-Forwarded-For"] {
			for f := range strings.SplitSeq(v, ",") {
				f = textproto.TrimString(f)
				if f == "" {
					continue
				}
				if len(b) > 0 {
					b = append(b, ", "...)
				}
				b = append(b, "for="...)
				b = appendNode(b, f)
				if first {
					b, _ = appendHostProto(b, r.Header, true)
					first = false
				}
			}
		}
		if first {
			b, _ = appendHostProto(b, r.Header, false)
		}
	}
	if len(b) > 0 {
		b = append(b, ", "...)
	}
	sep := ""
	if by, ok := localIP(r); ok {
		b = append(b, "by="...)
		b = appendAddr(b, by)
		sep = ";"
	}
	if req.SourceIP != "" {
		b = append(b, sep+"for="...)
		b = appendNode(b, req.SourceIP)
		sep = ";"
	}
	if r.Host != "" {
		b = append(b, sep+"host="...)
		b = appendValue(b, r.Host)
		sep = ";"
	}
	b = append(b, sep+"proto="...)
	if r.TLS != nil {
		b = append(b, "https"...)
	} else {
		b = append(b, "http"...)
	}
	return string(b)
}

// appendHostProto appends ";host=..;proto=.." from X-Forwarded-Host and
// X-Forwarded-Proto (without the leading ";" when !after) and reports whether
// it appended anything.
func appendHostProto(b []byte, h http.Header, after bool) ([]byte, bool) {
	wrote := false
	for _, p := range [...]struct{ key, param string }{
		{"X-Forwarded-Host", "host="},
		{"X-Forwarded-Proto", "proto="},
	} {
		vv := h[p.key]
		if len(vv) == 0 {
			continue
		}
		v, _, _ := strings.Cut(vv[0], ",")
		if v = textproto.TrimString(v); v == "" {
			continue
		}
		if after || wrote {
			b = append(b, ';')
		}
		b = append(b, p.param...)
		b = appendValue(b, v)
		wrote = true
	}
	return b, wrote
}

// localIP returns the IP address of the gateway listener that accepted the
// client's connection.
func localIP(r *http.Request) (netip.Addr, bool) {
	switch a := r.Context().Value(http.LocalAddrContextKey).(type) {
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap(), true
	case net.Addr:
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return netip.Addr{}, false
		}
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// appendNode appends a node identifier (RFC 7239 section 6): an IPv4
// address as a token, an IPv6 address bracketed in a quoted string, anything
// else (an address with a port, "unknown", an obfuscated "_id", or garbage)
// as a token or a quoted string.
func appendNode(b []byte, s string) []byte {
	if a, err := netip.ParseAddr(s); err == nil && a.Is6() && a.Zone() == "" {
		return appendAddr(b, a)
	}
	return appendValue(b, s)
}

// appendAddr appends an IP address as a node identifier: IPv4 as a token,
// IPv6 as "[...]".
func appendAddr(b []byte, a netip.Addr) []byte {
	if a.Is6() && a.Zone() == "" {
		b = append(b, `"[`...)
		b = a.AppendTo(b)
		return append(b, `]"`...)
	}
	if a.Is4() {
		return a.AppendTo(b)
	}
	return appendValue(b, a.String())
}

// appendValue appends s as an RFC 7239 value: a token if every byte is a
// tchar, else a quoted string (RFC 9110 section 5.6.4) with '"' and '\'
// escaped and control characters dropped.
func appendValue(b []byte, s string) []byte {
	token := s != ""
	for i := 0; i < len(s) && token; i++ {
		token = h1client.IsTchar(s[i])
	}
	if token {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 && c != '\t' || c == 0x7f:
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// newTraceID returns an X-Ray style trace header value,
// "Root=1-<8 hex digits of epoch seconds>-<24 random hex digits>", the format
// AWS services use for X-Amzn-Trace-Id.
func newTraceID(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	var buf [len("Root=1-") + 8 + 1 + 24]byte
	n := copy(buf[:], "Root=1-")
	secs := uint32(t.Unix()) //nolint:gosec // X-Ray epochs are 32-bit by format.
	var raw [4 + 12]byte
	raw[0], raw[1], raw[2], raw[3] = byte(secs>>24), byte(secs>>16), byte(secs>>8), byte(secs)
	r1, r2 := rand.Uint64(), rand.Uint32()
	for i := range 8 {
		raw[4+i] = byte(r1 >> (8 * i))
	}
	for i := range 4 {
		raw[12+i] = byte(r2 >> (8 * i))
	}
	n += hex.Encode(buf[n:], raw[:4])
	buf[n] = '-'
	n++
	hex.Encode(buf[n:], raw[4:])
	return string(buf[:])
}
