package httpproxy

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
)

// tokenKind tells what a piece of an integration URI template is.
type tokenKind uint8

const (
	tokLiteral  tokenKind = iota // text copied as written (already URL-escaped)
	tokPathVar                   // {name}: a route path variable
	tokStageVar                  // ${stageVariables.name}: a stage variable
)

// part tells which component of the URL a token sits in, judged from the
// literal text around it.
type part uint8

const (
	partScheme    part = iota // before "://"
	partAuthority             // host[:port]
	partPath
	partQuery
)

// token is one piece of a parsed URI template.
type token struct {
	kind tokenKind
	// text is the literal text, or the variable name.
	text string
	part part
}

// stageVarPrefix opens a stage variable reference (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html).
const stageVarPrefix = "${stageVariables."

// uriTemplate is an integrationUri parsed once at compile time
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html). The request path only substitutes.
type uriTemplate struct {
	raw    string
	tokens []token
	// stageVars is true when the URI references a stage variable. Stage
	// variable values are substituted textually and may carry any of "/?:#",
	// so such a URI is re-parsed after substitution, on the request path.
	stageVars bool

	// Set when !stageVars: the fixed scheme and host, and the tokens of the
	// path and query (query tokens exclude the "?").
	scheme, host string
	pathToks     []token
	queryToks    []token
}

// parseTemplate parses an integrationUri. It accepts an absolute http or
// https URL that may contain {name} route-variable references in its path or
// query and ${stageVariables.name} references anywhere.
func parseTemplate(raw string) (*uriTemplate, error) {
	if raw == "" {
		return nil, errors.New("integration URI is empty")
	}
	toks, err := tokenize(raw)
	if err != nil {
		return nil, err
	}
	t := &uriTemplate{raw: raw, tokens: toks}
	for _, tk := range toks {
		switch tk.kind {
		case tokStageVar:
			t.stageVars = true
		case tokPathVar:
			if tk.part < partPath {
				return nil, fmt.Errorf("integration URI %q: path variable {%s} outside the path and query", raw, tk.text)
			}
		}
	}
	if !t.stageVars {
		if err := t.compileStatic(); err != nil {
			return nil, err
		}
	} else if err := checkSchemeLiteral(raw); err != nil {
		return nil, err
	}
	return t, nil
}

// tokenize splits raw into literal text and variable references, and marks
// each token with the URL component it sits in.
func tokenize(raw string) ([]token, error) {
	var toks []token
	p := partScheme
	lit := func(s string) error {
		// Split s at component boundaries so that each token has one part.
		for s != "" {
			var cut int
			next := p
			switch p {
			case partScheme:
				i := strings.Index(s, "://")
				if i < 0 {
					cut = len(s)
				} else {
					cut, next = i+3, partAuthority
				}
			case partAuthority:
				i := strings.IndexAny(s, "/?")
				if i < 0 {
					cut = len(s)
				} else if s[i] == '/' {
					cut, next = i, partPath
				} else {
					cut, next = i, partQuery
				}
			case partPath:
				i := strings.IndexByte(s, '?')
				if i < 0 {
					cut = len(s)
				} else {
					cut, next = i, partQuery
				}
			case partQuery:
				cut = len(s)
			}
			if cut > 0 {
				if p >= partPath {
					if err := checkLiteral(s[:cut], p); err != nil {
						return err
					}
				}
				toks = append(toks, token{kind: tokLiteral, text: s[:cut], part: p})
			}
			s = s[cut:]
			p = next
		}
		return nil
	}
	for i := 0; i < len(raw); {
		j := strings.IndexAny(raw[i:], "{$#")
		if j < 0 {
			if err := lit(raw[i:]); err != nil {
				return nil, fmt.Errorf("integration URI %q: %w", raw, err)
			}
			break
		}
		j += i
		switch raw[j] {
		case '#':
			return nil, fmt.Errorf("integration URI %q: a fragment (#) is not allowed", raw)
		case '$':
			if !strings.HasPrefix(raw[j:], stageVarPrefix) {
				if strings.HasPrefix(raw[j:], "${") {
					return nil, fmt.Errorf("integration URI %q: only ${stageVariables.name} may be referenced, at offset %d", raw, j)
				}
				// A lone "$" is literal text.
				if err := lit(raw[i : j+1]); err != nil {
					return nil, fmt.Errorf("integration URI %q: %w", raw, err)
				}
				i = j + 1
				continue
			}
		}
		if err := lit(raw[i:j]); err != nil {
			return nil, fmt.Errorf("integration URI %q: %w", raw, err)
		}
		if raw[j] == '$' {
			end := strings.IndexByte(raw[j:], '}')
			if end < 0 {
				return nil, fmt.Errorf("integration URI %q: unterminated stage variable reference at offset %d", raw, j)
			}
			name := raw[j+len(stageVarPrefix) : j+end]
			if !validStageVarName(name) {
				return nil, fmt.Errorf("integration URI %q: invalid stage variable name %q (letters, digits and _ only)", raw, name)
			}
			tp := p
			if p == partScheme {
				// A variable before "://" is taken to hold the scheme and
				// the host: what follows it is the path.
				p, tp = partAuthority, partAuthority
			}
			toks = append(toks, token{kind: tokStageVar, text: name, part: tp})
			i = j + end + 1
			continue
		}
		// raw[j] == '{'
		end := strings.IndexByte(raw[j:], '}')
		if end < 0 {
			return nil, fmt.Errorf("integration URI %q: unterminated path variable reference at offset %d", raw, j)
		}
		name := raw[j+1 : j+end]
		// {proxy+} is accepted as a synonym of {proxy}: AWS documents the
		// greedy variable as referenced without "+".
		name = strings.TrimSuffix(name, "+")
		if !validPathVarName(name) {
			return nil, fmt.Errorf("integration URI %q: invalid path variable reference %q at offset %d", raw, raw[j:j+end+1], j)
		}
		toks = append(toks, token{kind: tokPathVar, text: name, part: p})
		i = j + end + 1
	}
	return toks, nil
}

// compileStatic checks a URI without stage variables as a URL and pre-splits
// it into its fixed scheme and host and its path and query tokens.
func (t *uriTemplate) compileStatic() error {
	var probe strings.Builder
	for _, tk := range t.tokens {
		if tk.kind == tokLiteral {
			probe.WriteString(tk.text)
		} else {
			probe.WriteByte('x')
		}
	}
	u, err := url.Parse(probe.String())
	if err != nil {
		return fmt.Errorf("integration URI %q: %w", t.raw, err)
	}
	if err := checkURL(u); err != nil {
		return fmt.Errorf("integration URI %q: %w", t.raw, err)
	}
	t.scheme, t.host = u.Scheme, u.Host
	for _, tk := range t.tokens {
		switch tk.part {
		case partPath:
			t.pathToks = append(t.pathToks, tk)
		case partQuery:
			if tk.kind == tokLiteral && strings.HasPrefix(tk.text, "?") {
				tk.text = tk.text[1:]
				if tk.text == "" {
					continue
				}
			}
			t.queryToks = append(t.queryToks, tk)
		}
	}
	return nil
}

// checkSchemeLiteral checks the scheme of a URI with stage variables when it
// is written literally; the rest is checked after substitution.
func checkSchemeLiteral(raw string) error {
	i := strings.Index(raw, "://")
	if i < 0 || strings.ContainsAny(raw[:i], "${") {
		return nil
	}
	switch strings.ToLower(raw[:i]) {
	case "http", "https":
		return nil
	}
	return fmt.Errorf("integration URI %q: scheme must be http or https", raw)
}

// checkURL checks that u is an absolute http(s) URL that a request can be
// sent to, and lower-cases its scheme.
func checkURL(u *url.URL) error {
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("scheme must be http or https")
	case u.Opaque != "":
		return errors.New("not a hierarchical URL (missing //)")
	case u.Host == "":
		return errors.New("no host")
	case u.User != nil:
		return errors.New("user information (user@host) is not allowed")
	case u.Fragment != "":
		return errors.New("a fragment (#) is not allowed")
	}
	return nil
}

// checkLiteral reports a character that may not appear as written in the path
// or query of a URL (RFC 3986 section 3.3 and 3.4), or a bad percent-escape.
func checkLiteral(s string, p part) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Errorf("invalid percent-escape %q", s[i:min(i+3, len(s))])
			}
			i += 2
		case isUnreserved(c) || strings.IndexByte("!$&'()*+,;=:@/", c) >= 0:
		case p == partQuery && c == '?':
		default:
			return fmt.Errorf("character %q must be percent-encoded", c)
		}
	}
	return nil
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// validStageVarName reports whether s is a stage variable name: alphanumeric
// and "_" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html).
func validStageVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// validPathVarName reports whether s is a route variable name, [\w.:-]+ as
// in route keys (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
func validPathVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isUnreserved(c) && c != '~' || c == ':') {
			return false
		}
	}
	return true
}

// build returns the target URL for req: path variables substituted and
// escaped, stage variables substituted, the request path appended for the
// $default route, and the client's query appended to the URI's. A path set
// by parameter mapping (req.IntegrationPath) replaces the URI's path.
func (t *uriTemplate) build(req *invoke.Request, isDefault bool) (*url.URL, error) {
	greedy := greedyName(req.RoutePath)
	var scheme, host, path, query string
	if !t.stageVars {
		scheme, host = t.scheme, t.host
		path = t.expand(t.pathToks, req, greedy)
		query = t.expand(t.queryToks, req, greedy)
	} else {
		u, err := url.Parse(t.expand(t.tokens, req, greedy))
		if err != nil {
			return nil, fmt.Errorf("integration URI %q after stage variable substitution: %w", t.raw, err)
		}
		if err := checkURL(u); err != nil {
			return nil, fmt.Errorf("integration URI %q after stage variable substitution: %w", t.raw, err)
		}
		scheme, host, path, query = u.Scheme, u.Host, u.EscapedPath(), u.RawQuery
	}
	switch {
	case req.IntegrationPath != "":
		// Parameter mapping's overwrite:path replaces the whole path, the
		// URI's own path included (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html).
		path = req.IntegrationPath
	case isDefault:
		path = joinPath(path, escapedRequestPath(req))
	}
	if req.HTTP != nil && req.HTTP.URL != nil {
		query = joinQuery(query, req.HTTP.URL.RawQuery)
	}
	decoded, err := url.PathUnescape(path)
	if err != nil {
		return nil, fmt.Errorf("integration URL path %q: %w", path, err)
	}
	return &url.URL{Scheme: scheme, Host: host, Path: decoded, RawPath: path, RawQuery: query}, nil
}

// expand writes toks with variables substituted. Path variables are escaped
// for the component they sit in; stage variables are inserted as written
// (their values are restricted to URL-safe characters).
// Undefined variables expand to "" ( recommendation).
func (t *uriTemplate) expand(toks []token, req *invoke.Request, greedy string) string {
	if len(toks) == 1 && toks[0].kind == tokLiteral {
		return toks[0].text
	}
	var b strings.Builder
	for _, tk := range toks {
		switch tk.kind {
		case tokLiteral:
			b.WriteString(tk.text)
		case tokStageVar:
			b.WriteString(req.StageVariables[tk.text])
		case tokPathVar:
			v := req.PathParameters[tk.text]
			switch {
			case tk.part == partQuery:
				b.WriteString(url.QueryEscape(v))
			case tk.text == greedy:
				writeEscapedPath(&b, v)
			default:
				b.WriteString(url.PathEscape(v))
			}
		}
	}
	return b.String()
}

// greedyName returns the name of the greedy variable the route path ends
// with ("proxy" for "/pets/{proxy+}"), or "".
func greedyName(routePath string) string {
	if !strings.HasSuffix(routePath, "+}") {
		return ""
	}
	i := strings.LastIndexByte(routePath, '{')
	if i < 0 {
		return ""
	}
	return routePath[i+1 : len(routePath)-2]
}

// writeEscapedPath writes the decoded path p escaped segment by segment,
// keeping its slashes.
func writeEscapedPath(b *strings.Builder, p string) {
	for {
		i := strings.IndexByte(p, '/')
		if i < 0 {
			b.WriteString(url.PathEscape(p))
			return
		}
		b.WriteString(url.PathEscape(p[:i]))
		b.WriteByte('/')
		p = p[i+1:]
	}
}

// escapedRequestPath returns the request path after stage and mapping-key
// stripping (req.Path) in the percent-encoding the client used, taken from
// req.EscapedPath when one of its segment-aligned suffixes decodes to
// req.Path; otherwise req.Path escaped segment by segment.
func escapedRequestPath(req *invoke.Request) string {
	p := req.Path
	if p == "" {
		p = "/"
	}
	esc := req.EscapedPath
	for i := 0; i < len(esc); i++ {
		if esc[i] == '/' && unescapedEquals(esc[i:], p) {
			return esc[i:]
		}
	}
	var b strings.Builder
	writeEscapedPath(&b, p)
	return b.String()
}

// unescapedEquals reports whether the percent-decoding of esc is dec, without
// allocating.
func unescapedEquals(esc, dec string) bool {
	j := 0
	for i := 0; i < len(esc); i++ {
		c := esc[i]
		if c == '%' && i+2 < len(esc) && isHex(esc[i+1]) && isHex(esc[i+2]) {
			c = unhex(esc[i+1])<<4 | unhex(esc[i+2])
			i += 2
		}
		if j >= len(dec) || dec[j] != c {
			return false
		}
		j++
	}
	return j == len(dec)
}

// joinPath appends the request path p to the integration URI's path base:
// "/base" + "/x" is "/base/x", "" + "/x" is "/x" (joining
// undocumented by AWS, our choice: docs/compatibility.md#http-proxy).
func joinPath(base, p string) string {
	base = strings.TrimSuffix(base, "/")
	if !strings.HasPrefix(p, "/") {
		return base + "/" + p
	}
	return base + p
}

// joinQuery appends the client's raw query to the integration URI's query.
func joinQuery(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "&" + b
}
