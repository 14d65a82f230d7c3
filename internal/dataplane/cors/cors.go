package cors

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
	"github.com/apigwdev/apigw/internal/model"
)

// Header names, canonical (http.Header keys).
const (
	hdrOrigin           = "Origin"
	hdrRequestMethod    = "Access-Control-Request-Method"
	hdrRequestHeaders   = "Access-Control-Request-Headers"
	hdrAllowOrigin      = "Access-Control-Allow-Origin"
	hdrAllowCredentials = "Access-Control-Allow-Credentials"
	hdrAllowMethods     = "Access-Control-Allow-Methods"
	hdrAllowHeaders     = "Access-Control-Allow-Headers"
	hdrExposeHeaders    = "Access-Control-Expose-Headers"
	hdrMaxAge           = "Access-Control-Max-Age"
	hdrVary             = "Vary"

	// accessControlPrefix starts every CORS response header; all of them
	// are reserved (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html).
	accessControlPrefix = "access-control-"
)

// Limits of the configuration (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html, botocore CORS shape).
const (
	MinMaxAge       = -1
	MaxMaxAge       = 86400
	maxMethodLength = 64
)

// ErrCredentialsWithAnyOrigin is AWS's answer to a configuration that allows
// credentials for every origin (CDK issue 9076, observed).
var ErrCredentialsWithAnyOrigin = errors.New("allow-credentials is not supported if 'allow-origin' is *")

// Policy is a compiled CORS configuration: everything the request path needs
// is computed by Compile, and a Policy is never modified afterwards, so it is
// safe for concurrent use. A nil *Policy means the API has no CORS
// configuration: IsPreflight reports false and Apply does nothing.
type Policy struct {
	anyOrigin bool
	// origins holds the exact allowed origins, lower-cased.
	origins map[string]struct{}
	// patterns holds the allowed origins with one "*", lower-cased.
	patterns []originPattern

	credentials bool
	// allowMethods, allowHeaders and exposeHeaders are the configured lists
	// joined with ","; "" when empty.
	allowMethods, allowHeaders, exposeHeaders string
	// anyMethod and anyHeader are set when the lists contain "*": the
	// request's Access-Control-Request-Method/-Headers are then echoed.
	anyMethod, anyHeader bool
	// maxAge is the Access-Control-Max-Age value, "" when unset.
	maxAge string

	// values holds the header values above as the one-element slices that
	// http.Header maps to, built once by Compile so that the request path
	// does not allocate them. They are shared by every response: nothing
	// may modify them in place (appending to one copies it, since each has
	// len == cap).
	values struct {
		anyOrigin, credentials, allowMethods, allowHeaders, exposeHeaders, maxAge []string
	}
}

// varyOrigin is the Vary value of a response that echoes the Origin and had
// no Vary; shared like Policy.values.
var varyOrigin = []string{hdrOrigin}

// one returns the one-element header value of v (len == cap).
func one(v string) []string { return []string{v} }

// first returns the first value of the canonical header key in h, as
// h.Get(key) does but without canonicalizing key again, and the slice it is
// in, cut to that one value (len == cap), to be reused as a header value.
func first(h http.Header, key string) (string, []string) {
	if v := h[key]; len(v) > 0 {
		return v[0], v[:1:1]
	}
	return "", nil
}

// originPattern is an allowed origin with one "*" wildcard, such as
// "https://*" or "https://*.example.com": prefix + one or more characters
// other than "/" + suffix.
type originPattern struct {
	prefix, suffix string
}

func (o originPattern) match(origin string) bool {
	if len(origin) <= len(o.prefix)+len(o.suffix) ||
		!strings.HasPrefix(origin, o.prefix) || !strings.HasSuffix(origin, o.suffix) {
		return false
	}
	return !strings.ContainsAny(origin[len(o.prefix):len(origin)-len(o.suffix)], "/@")
}

// Compile checks c and precomputes its header values. A nil configuration
// gives a nil Policy. Errors name the offending field and value.
func Compile(c *model.CORS) (*Policy, error) {
	if c == nil {
		return nil, nil
	}
	p := &Policy{origins: make(map[string]struct{}, len(c.AllowOrigins))}
	p.credentials = c.AllowCredentials != nil && *c.AllowCredentials
	for _, o := range c.AllowOrigins {
		if err := checkOrigin(o); err != nil {
			return nil, fmt.Errorf("allowOrigins %q: %w", o, err)
		}
		lo := lowerASCII(o)
		switch i := strings.IndexByte(lo, '*'); {
		case lo == "*":
			p.anyOrigin = true
		case i >= 0:
			p.patterns = append(p.patterns, originPattern{prefix: lo[:i], suffix: lo[i+1:]})
		default:
			p.origins[lo] = struct{}{}
		}
	}
	if p.credentials && p.anyOrigin {
		return nil, ErrCredentialsWithAnyOrigin
	}
	var err error
	if p.allowMethods, p.anyMethod, err = joinList("allowMethods", c.AllowMethods, maxMethodLength); err != nil {
		return nil, err
	}
	if p.allowHeaders, p.anyHeader, err = joinList("allowHeaders", c.AllowHeaders, 0); err != nil {
		return nil, err
	}
	if p.exposeHeaders, _, err = joinList("exposeHeaders", c.ExposeHeaders, 0); err != nil {
		return nil, err
	}
	if c.MaxAge != nil {
		if *c.MaxAge < MinMaxAge || *c.MaxAge > MaxMaxAge {
			return nil, fmt.Errorf("maxAge %d is outside %d..%d", *c.MaxAge, MinMaxAge, MaxMaxAge)
		}
		p.maxAge = strconv.Itoa(*c.MaxAge)
	}
	p.values.anyOrigin = one("*")
	p.values.credentials = one("true")
	p.values.allowMethods = one(p.allowMethods)
	p.values.allowHeaders = one(p.allowHeaders)
	p.values.exposeHeaders = one(p.exposeHeaders)
	p.values.maxAge = one(p.maxAge)
	return p, nil
}

// checkOrigin accepts "*", a serialized origin (scheme://host[:port]) or one
// with a single "*" wildcard; it refuses what could not appear in an Origin
// header or would corrupt the response header.
func checkOrigin(o string) error {
	switch {
	case o == "":
		return errors.New("empty origin")
	case strings.Count(o, "*") > 1:
		return errors.New("at most one * wildcard is supported")
	}
	for i := 0; i < len(o); i++ {
		if c := o[i]; c <= ' ' || c == 0x7f || c == ',' {
			return fmt.Errorf("character %q is not allowed in an origin", c)
		}
	}
	return nil
}

// joinList checks that every item of a method or header list is "*" or an
// HTTP token (RFC 9110 section 5.6.2) of at most maxLen bytes (0: no limit)
// and joins the tokens with ",". wildcard reports a "*" item, which is left
// out (except from exposeHeaders, where it is kept).
func joinList(field string, items []string, maxLen int) (joined string, wildcard bool, err error) {
	var b strings.Builder
	for _, it := range items {
		if it == "*" {
			wildcard = true
			continue
		}
		if !reqfacts.IsToken(it) {
			return "", false, fmt.Errorf("%s %q: not an HTTP token", field, it)
		}
		if maxLen > 0 && len(it) > maxLen {
			return "", false, fmt.Errorf("%s %q: longer than %d characters", field, it, maxLen)
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(it)
	}
	if wildcard {
		// "*" in an exposed-header list is sent as configured: for requests
		// without credentials browsers read it as "every header" (Fetch
		// standard, CORS protocol).
		if field == "exposeHeaders" {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('*')
		}
	}
	return b.String(), wildcard, nil
}

// IsPreflight reports whether r is a CORS preflight request: OPTIONS with an
// Origin and an Access-Control-Request-Method header ("For the OPTIONS
// method, your request must contain an origin header and an
// Access-Control-Request-Method header", AWS's http-api-cors page). It is false for a nil Policy: without CORS configuration the gateway
// answers no preflight itself.
func (p *Policy) IsPreflight(r *http.Request) bool {
	return p != nil && r.Method == http.MethodOptions &&
		r.Header.Get(hdrOrigin) != "" && r.Header.Get(hdrRequestMethod) != ""
}

// Preflight writes the gateway's whole answer to a preflight request that no
// route matched: status 204 with an empty body. When the Origin
// is allowed it carries Access-Control-Allow-Origin, -Allow-Credentials (only
// if configured true), -Allow-Methods and -Allow-Headers (when configured or
// echoed), and -Max-Age (when configured); when it is not, no
// Access-Control-* header at all. The caller has set apigw-requestid. A nil
// Policy allows no origin.
func (p *Policy) Preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if p != nil && p.allowOrigin(h, r.Header) {
		p.preflightHeaders(h, r.Header)
	}
	w.WriteHeader(http.StatusNoContent)
}

// Apply sets the CORS headers of an actual response, including
// gateway-generated error responses. With CORS configured, every
// Access-Control-* header from the integration is removed first ("API
// Gateway ignores CORS headers returned from your backend integration").
// Then, if reqHeader carries an allowed Origin, Access-Control-Allow-Origin,
// -Allow-Credentials (if configured true) and -Expose-Headers (if configured)
// are added. If reqHeader also carries Access-Control-Request-Method (a
// preflight that a route answered) the preflight headers are
// added as well, overriding the integration's. A nil Policy does nothing.
func (p *Policy) Apply(reqHeader, respHeader http.Header) {
	if p == nil {
		return
	}
	for k := range respHeader {
		if len(k) >= len(accessControlPrefix) && (k[0] == 'A' || k[0] == 'a') &&
			strings.EqualFold(k[:len(accessControlPrefix)], accessControlPrefix) {
			delete(respHeader, k)
		}
	}
	if !p.allowOrigin(respHeader, reqHeader) {
		return
	}
	if p.exposeHeaders != "" {
		respHeader[hdrExposeHeaders] = p.values.exposeHeaders
	}
	if m, _ := first(reqHeader, hdrRequestMethod); m != "" {
		p.preflightHeaders(respHeader, reqHeader)
	}
}

// allowOrigin sets Access-Control-Allow-Origin (and -Allow-Credentials) in h
// when the request's Origin is allowed, and reports whether it is. The value
// is "*" when every origin is allowed, else the request's Origin as sent,
// with Vary: Origin since the answer then depends on it. The echoed value
// shares the request header's slice, cut to its first value.
func (p *Policy) allowOrigin(h, reqHeader http.Header) bool {
	origin, echo := first(reqHeader, hdrOrigin)
	if origin == "" {
		return false
	}
	if p.anyOrigin {
		h[hdrAllowOrigin] = p.values.anyOrigin
	} else {
		if !p.matchOrigin(origin) {
			return false
		}
		h[hdrAllowOrigin] = echo
		addVary(h, hdrOrigin)
	}
	if p.credentials {
		h[hdrAllowCredentials] = p.values.credentials
	}
	return true
}

// matchOrigin reports whether origin matches an exact allowed origin or a
// wildcard pattern, ignoring ASCII case.
func (p *Policy) matchOrigin(origin string) bool {
	lo := lowerASCII(origin)
	if _, ok := p.origins[lo]; ok {
		return true
	}
	for _, pat := range p.patterns {
		if pat.match(lo) {
			return true
		}
	}
	return false
}

// preflightHeaders sets the method, header and max-age answers of a
// preflight for an allowed origin.
func (p *Policy) preflightHeaders(h, reqHeader http.Header) {
	if p.anyMethod {
		// Echo rather than "*": browsers treat "*" literally for requests
		// with credentials (Fetch standard, CORS-preflight fetch).
		if m, echo := first(reqHeader, hdrRequestMethod); m != "" {
			h[hdrAllowMethods] = echo
			addVary(h, hdrRequestMethod)
		}
	} else if p.allowMethods != "" {
		h[hdrAllowMethods] = p.values.allowMethods
	}
	if p.anyHeader {
		if rh := strings.Join(reqHeader.Values(hdrRequestHeaders), ","); rh != "" {
			h[hdrAllowHeaders] = []string{rh}
			addVary(h, hdrRequestHeaders)
		}
	} else if p.allowHeaders != "" {
		h[hdrAllowHeaders] = p.values.allowHeaders
	}
	if p.maxAge != "" {
		h[hdrMaxAge] = p.values.maxAge
	}
}

// addVary adds name to the Vary header of h unless it is already listed.
func addVary(h http.Header, name string) {
	vary := h[hdrVary]
	if len(vary) == 0 && name == hdrOrigin {
		h[hdrVary] = varyOrigin
		return
	}
	for _, v := range vary {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
				return
			}
		}
	}
	h.Add(hdrVary, name)
}

// lowerASCII returns s with ASCII letters lower-cased, allocating only when s
// has an upper-case letter.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
