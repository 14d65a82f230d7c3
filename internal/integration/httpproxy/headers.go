package httpproxy

import (
	"encoding/hex"
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
	headerContentType = "Content-Type"
	headerUserAgent   = "User-Agent"

	// viaValue is what AWS was seen to add: "via: HTTP/1.1 AmazonAPIGateway"
	// (expressjs/session#886, a capture from an HTTP API backend).
	viaValue = "HTTP/1.1 AmazonAPIGateway"

	// emptyBodyContentType is added to requests without a payload
	// (dataplane.md section 4.3; the value is UNCONFIRMED).
	emptyBodyContentType = "application/json"
)

// isHopByHop reports whether the canonical header key k is a hop-by-hop
// header that a proxy must not forward (RFC 9110 section 7.6.1; RFC 7230
// section 6.1), or one the gateway reserves for itself (dataplane.md section
// 5.4). "Trailers" is in the AWS reserved list; "Trailer" is the real field.
func isHopByHop(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Te", "Trailer", "Trailers",
		"Transfer-Encoding", "Upgrade", "Proxy-Authenticate", "Proxy-Authorization":
		return true
	}
	return false
}

// outboundHeader is the header sent to the backend (section 4.3), as a view
// over the client's, so that no map is built per request: end-to-end fields
// pass, hop-by-hop ones and those named in Connection do not, X-Forwarded-*
// are translated into Forwarded, Via and a trace id are added, and a
// Content-Type is added when there is no payload. The client's slices are
// shared, never appended to.
type outboundHeader struct {
	in       http.Header
	listed   []string // canonical names listed in the client's Connection
	extra    [5]string
	extraVal [5]string
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
	if _, ok := in[headerTraceID]; !ok {
		h.add(headerTraceID, newTraceID(req.Time))
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

// each calls f for every field sent, the client's first, in no order.
func (h *outboundHeader) each(f func(k string, vv []string)) {
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
// *Transport. An empty User-Agent stops net/http from adding its own.
func (h *outboundHeader) Header() http.Header {
	out := make(http.Header, len(h.in)+h.n+1)
	h.each(func(k string, vv []string) { out[k] = vv })
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
// (dataplane.md section 4.3); one capture shows the appended element as
// "by=1.2.3.4;for=5.6.7.8;host=my.example.com;proto=https". The exact
// translation is UNCONFIRMED; this one is:
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
	var b strings.Builder
	if fw := r.Header.Values("Forwarded"); len(fw) > 0 {
		b.WriteString(strings.Join(fw, ", "))
	} else {
		first := true
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for f := range strings.SplitSeq(v, ",") {
				f = textproto.TrimString(f)
				if f == "" {
					continue
				}
				if b.Len() > 0 {
					b.WriteString(", ")
				}
				b.WriteString("for=")
				writeNode(&b, f)
				if first {
					writeHostProto(&b, r.Header, true)
					first = false
				}
			}
		}
		if first && writeHostProto(&b, r.Header, false) {
			first = false
		}
	}
	if b.Len() > 0 {
		b.WriteString(", ")
	}
	sep := ""
	if by := localIP(r); by != "" {
		b.WriteString("by=")
		writeNode(&b, by)
		sep = ";"
	}
	if req.SourceIP != "" {
		b.WriteString(sep + "for=")
		writeNode(&b, req.SourceIP)
		sep = ";"
	}
	if r.Host != "" {
		b.WriteString(sep + "host=")
		writeValue(&b, r.Host)
		sep = ";"
	}
	b.WriteString(sep + "proto=")
	if r.TLS != nil {
		b.WriteString("https")
	} else {
		b.WriteString("http")
	}
	return b.String()
}

// writeHostProto writes ";host=..;proto=.." from X-Forwarded-Host and
// X-Forwarded-Proto (without the leading ";" when !after) and reports whether
// it wrote anything.
func writeHostProto(b *strings.Builder, h http.Header, after bool) bool {
	wrote := false
	for _, p := range [...]struct{ key, param string }{
		{"X-Forwarded-Host", "host="},
		{"X-Forwarded-Proto", "proto="},
	} {
		v, _, _ := strings.Cut(h.Get(p.key), ",")
		if v = textproto.TrimString(v); v == "" {
			continue
		}
		if after || wrote {
			b.WriteByte(';')
		}
		b.WriteString(p.param)
		writeValue(b, v)
		wrote = true
	}
	return wrote
}

// localIP returns the IP address of the gateway listener that accepted the
// client's connection, or "".
func localIP(r *http.Request) string {
	switch a := r.Context().Value(http.LocalAddrContextKey).(type) {
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap().String()
	case net.Addr:
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return ""
		}
		return ap.Addr().Unmap().String()
	}
	return ""
}

// writeNode writes a node identifier (RFC 7239 section 6): an IPv4 address as
// a token, an IPv6 address bracketed in a quoted string, anything else (an
// address with a port, "unknown", an obfuscated "_id", or garbage) as a token
// or a quoted string.
func writeNode(b *strings.Builder, s string) {
	if a, err := netip.ParseAddr(s); err == nil && a.Is6() && a.Zone() == "" {
		b.WriteString(`"[`)
		b.WriteString(s)
		b.WriteString(`]"`)
		return
	}
	writeValue(b, s)
}

// writeValue writes s as an RFC 7239 value: a token if every byte is a
// tchar, else a quoted string (RFC 9110 section 5.6.4) with '"' and '\'
// escaped and control characters dropped.
func writeValue(b *strings.Builder, s string) {
	token := s != ""
	for i := 0; i < len(s) && token; i++ {
		token = isTchar(s[i])
	}
	if token {
		b.WriteString(s)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 && c != '\t' || c == 0x7f:
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// isTchar reports whether c may appear in an HTTP token (RFC 9110 section
// 5.6.2).
func isTchar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// newTraceID returns an X-Ray style trace header value,
// "Root=1-<8 hex digits of epoch seconds>-<24 random hex digits>", the format
// AWS services use for X-Amzn-Trace-Id (section 4.3).
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
