package parammap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

// MaxBodyBytes is how much of a request or response body mapping reads:
// "body truncated to 100 KB before evaluation" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html).
// The body the integration or the client receives is not truncated.
const MaxBodyBytes = 100 << 10

// evalCtx is the state of one mapping run: the request (and response) being
// mapped, and the body prefix read for body sources.
type evalCtx struct {
	req  *invoke.Request
	resp *invoke.Response
	// out carries the integration-phase $context values on the response side.
	out *invoke.Outcome
	// body is the first MaxBodyBytes of the request (or response) body.
	body []byte
	// json is 1 when body is valid JSON, -1 when not, 0 when not checked.
	json int8
}

// value is an evaluated mapping value; ok is false when it resolved to
// nothing and the mapping is skipped.
type value struct {
	s  string
	ok bool
}

// eval evaluates e. A single source that resolves to nothing makes the value
// absent; in a value with literal text or several sources, an absent source
// is written as "" and the value is absent only if every source was absent
// and there is no literal text.
func (e *expr) eval(ev *evalCtx) value {
	if len(e.parts) == 1 {
		p := e.parts[0]
		if p.src == nil {
			return value{p.lit, true}
		}
		s, ok := p.src.eval(ev)
		return value{s, ok}
	}
	var b strings.Builder
	some := false
	for _, p := range e.parts {
		if p.src == nil {
			b.WriteString(p.lit)
			some = some || p.lit != ""
			continue
		}
		s, ok := p.src.eval(ev)
		some = some || ok
		b.WriteString(s)
	}
	return value{b.String(), some}
}

// evalPath evaluates e as an overwrite:path value: literal text is kept as
// written, escaping only what cannot appear in a URL path; values from
// sources are escaped segment by segment, keeping their slashes. The result
// starts with "/".
func (e *expr) evalPath(ev *evalCtx) value {
	var b strings.Builder
	some := false
	for _, p := range e.parts {
		if p.src == nil {
			appendPathLiteral(&b, p.lit)
			some = some || p.lit != ""
			continue
		}
		s, ok := p.src.eval(ev)
		some = some || ok
		appendPathValue(&b, s)
	}
	if !some {
		return value{}
	}
	s := b.String()
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	return value{s, true}
}

// eval reads one source.
func (src *source) eval(ev *evalCtx) (string, bool) {
	r := ev.req
	switch src.kind {
	case srcRequestHeader:
		if r.HTTP == nil {
			return "", false
		}
		return joinValues(r.HTTP.Header[src.name])
	case srcRequestQuery:
		if r.HTTP == nil || r.HTTP.URL == nil {
			return "", false
		}
		return queryValue(r.HTTP.URL.RawQuery, src.name)
	case srcRequestPath:
		if r.Path == "" {
			return "/", true
		}
		return r.Path, true
	case srcRequestPathVar:
		v, ok := r.PathParameters[src.name]
		return v, ok
	case srcResponseHeader:
		if ev.resp == nil {
			return "", false
		}
		return joinValues(ev.resp.Header[src.name])
	case srcRequestBody, srcResponseBody:
		if len(ev.body) == 0 {
			return "", false
		}
		return string(ev.body), true
	case srcRequestBodyPath, srcResponseBodyPath:
		if ev.json == 0 {
			ev.json = -1
			if json.Valid(ev.body) {
				ev.json = 1
			}
		}
		if ev.json < 0 {
			return "", false
		}
		return src.path.render(ev.body)
	case srcContext:
		return src.ctx.Value(r, ev.out)
	case srcStageVar:
		v, ok := r.StageVariables[src.name]
		return v, ok
	}
	return "", false
}

// joinValues joins a header's values with "," (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
// "multiple values comma-joined").
func joinValues(vs []string) (string, bool) {
	switch len(vs) {
	case 0:
		return "", false
	case 1:
		return vs[0], true
	}
	return strings.Join(vs, ","), true
}

// queryValue returns the decoded values of the query parameter name in raw,
// comma-joined. Names are compared after decoding, case-sensitively.
func queryValue(raw, name string) (string, bool) {
	var vals []string
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		n, v, _ := strings.Cut(pair, "=")
		if reqfacts.DecodeQueryComponent(n) == name {
			vals = append(vals, reqfacts.DecodeQueryComponent(v))
		}
	}
	return joinValues(vals)
}

// readPrefix reads up to MaxBodyBytes of body and returns them with a body
// that yields the same bytes again followed by the rest, closing the
// original. A nil or empty body is returned unchanged.
func readPrefix(body io.ReadCloser) ([]byte, io.ReadCloser, error) {
	if body == nil || body == http.NoBody {
		return nil, body, nil
	}
	buf, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes))
	if err != nil {
		return nil, nil, fmt.Errorf("reading body for parameter mapping: %w", err)
	}
	if len(buf) < MaxBodyBytes {
		// The whole body is in buf.
		return buf, &prefixBody{Reader: bytes.NewReader(buf), c: body}, nil
	}
	return buf, &prefixBody{Reader: io.MultiReader(bytes.NewReader(buf), body), c: body}, nil
}

// prefixBody replays a body's prefix, then the rest of the body.
type prefixBody struct {
	io.Reader
	c io.Closer
}

// Close closes the original body.
func (b *prefixBody) Close() error { return b.c.Close() }

// appendPathLiteral writes literal path text, percent-encoding bytes that
// cannot appear in a path and '%' not starting a valid escape.
func appendPathLiteral(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteString(s[i : i+3])
			i += 2
		case c == '/' || isPathChar(c):
			b.WriteByte(c)
		default:
			writeEscaped(b, c)
		}
	}
}

// appendPathValue writes a decoded value into a path: every byte that is not
// a path character or '/' is percent-encoded ('%' included).
func appendPathValue(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '/' || isPathChar(c) {
			b.WriteByte(c)
			continue
		}
		writeEscaped(b, c)
	}
}

// appendQueryComponent writes a query name or value: unreserved characters
// and "!$'()*,;:@/?" as is, everything else ('&', '=', '+', '#', '%', space)
// percent-encoded, so that decoding gives s back.
func appendQueryComponent(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || strings.IndexByte("!$'()*,;:@/?", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		writeEscaped(b, c)
	}
}

// isPathChar reports an RFC 3986 pchar other than '%': unreserved,
// sub-delims, ':' and '@'.
func isPathChar(c byte) bool {
	return isUnreserved(c) || strings.IndexByte("!$&'()*+,;=:@", c) >= 0
}

func isUnreserved(c byte) bool {
	return isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func writeEscaped(b *strings.Builder, c byte) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('%')
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&0xf])
}
