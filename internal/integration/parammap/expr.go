package parammap

import (
	"errors"
	"net/textproto"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke/contextvars"
)

// side is the side of a mapping: request parameters read the request,
// response parameters the integration's response.
type side uint8

const (
	sideRequest side = iota
	sideResponse
)

func (s side) String() string {
	if s == sideResponse {
		return "response"
	}
	return "request"
}

// srcKind is what a source reference reads.
type srcKind uint8

const (
	srcRequestHeader    srcKind = iota // $request.header.{name}
	srcRequestQuery                    // $request.querystring.{name}
	srcRequestBody                     // $request.body
	srcRequestBodyPath                 // $request.body.{jsonpath}
	srcRequestPath                     // $request.path
	srcRequestPathVar                  // $request.path.{name}
	srcResponseHeader                  // $response.header.{name}
	srcResponseBody                    // $response.body
	srcResponseBodyPath                // $response.body.{jsonpath}
	srcContext                         // $context.{name}
	srcStageVar                        // $stageVariables.{name}
)

// source is one parsed source reference.
type source struct {
	kind srcKind
	// name is the header (canonical), query string, path variable or stage
	// variable name.
	name string
	path *jsonPath
	ctx  contextvars.Var
}

// part is literal text (src == nil) or a source reference.
type part struct {
	lit string
	src *source
}

// expr is a parsed mapping value.
type expr struct {
	raw   string
	parts []part
	// static is true when the value has no source reference.
	static bool
	// readsBody is set when a source reads the request or response body.
	readsBody bool
}

// parseValue parses a mapping value (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html;
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations.html). A value starting with "$" but not "${" is
// one source reference, the whole value ("$request.header.x"). Otherwise the
// value is literal text in which each "${...}" is a source reference
// ("${request.path.a}-${request.path.b}"); a "$" not followed by "{" and a
// "}" outside a reference are literal. Errors name the first problem.
func parseValue(v string, s side) (*expr, error) {
	if v == "" {
		return nil, errors.New("the value is empty")
	}
	e := &expr{raw: v}
	if v[0] == '$' && !strings.HasPrefix(v, "${") {
		src, err := parseSource(v[1:], s)
		if err != nil {
			return nil, err
		}
		e.add(part{src: src})
		return e, nil
	}
	rest := v
	for rest != "" {
		i := strings.Index(rest, "${")
		if i < 0 {
			e.add(part{lit: rest})
			break
		}
		if i > 0 {
			e.add(part{lit: rest[:i]})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return nil, errors.New("unterminated ${ in " + v)
		}
		src, err := parseSource(rest[i+2:i+end], s)
		if err != nil {
			return nil, err
		}
		e.add(part{src: src})
		rest = rest[i+end+1:]
	}
	e.static = true
	for _, p := range e.parts {
		if p.src != nil {
			e.static = false
		}
	}
	return e, nil
}

func (e *expr) add(p part) {
	if p.src == nil && len(e.parts) > 0 && e.parts[len(e.parts)-1].src == nil {
		e.parts[len(e.parts)-1].lit += p.lit
		return
	}
	if p.src != nil {
		switch p.src.kind {
		case srcRequestBody, srcRequestBodyPath, srcResponseBody, srcResponseBodyPath:
			e.readsBody = true
		}
	}
	e.parts = append(e.parts, p)
}

// parseSource parses a source reference without its "$" or "${...}" wrapper:
// request.header.{n}, request.querystring.{n}, request.body[.{jsonpath}],
// request.path[.{n}] on the request side; response.header.{n},
// response.body[.{jsonpath}] on the response side; context.{name} and
// stageVariables.{name} on both.
func parseSource(ref string, s side) (*source, error) {
	named := func(prefix string, ok func(byte) bool) (string, bool, error) {
		n, has := strings.CutPrefix(ref, prefix)
		if !has {
			return "", false, nil
		}
		if n == "" || !allChars(n, ok) {
			return "", true, errors.New("invalid name in $" + ref)
		}
		return n, true, nil
	}
	withPath := func(prefix string) (*jsonPath, bool, error) {
		if ref == prefix {
			return nil, true, nil
		}
		p, has := strings.CutPrefix(ref, prefix+".")
		if !has {
			return nil, false, nil
		}
		jp, err := parseJSONPath(p)
		if err != nil {
			return nil, true, errors.New("JSONPath in $" + ref + ": " + err.Error())
		}
		return jp, true, nil
	}

	if n, ok, err := named("context.", isContextChar); ok {
		if err != nil {
			return nil, err
		}
		v, err := contextvars.Compile(n)
		if err != nil {
			return nil, errors.New("$" + ref + " is not a context variable of HTTP APIs")
		}
		limit := contextvars.PhaseRequest
		if s == sideResponse {
			limit = contextvars.PhaseIntegration
		}
		if v.Phase() > limit {
			return nil, errors.New("$" + ref + " is not known yet when " + s.String() + " parameters are mapped")
		}
		return &source{kind: srcContext, name: n, ctx: v}, nil
	}
	if n, ok, err := named("stageVariables.", isWordChar); ok {
		return &source{kind: srcStageVar, name: n}, err
	}
	if s == sideResponse {
		if n, ok, err := named("response.header.", isHeaderChar); ok {
			return &source{kind: srcResponseHeader, name: textproto.CanonicalMIMEHeaderKey(n)}, err
		}
		if jp, ok, err := withPath("response.body"); ok {
			if err != nil {
				return nil, err
			}
			if jp == nil {
				return &source{kind: srcResponseBody}, nil
			}
			return &source{kind: srcResponseBodyPath, path: jp}, nil
		}
		return nil, errors.New("$" + ref + " is not a known response mapping source")
	}
	if n, ok, err := named("request.header.", isHeaderChar); ok {
		return &source{kind: srcRequestHeader, name: textproto.CanonicalMIMEHeaderKey(n)}, err
	}
	if n, ok, err := named("request.querystring.", isQueryNameChar); ok {
		return &source{kind: srcRequestQuery, name: n}, err
	}
	if jp, ok, err := withPath("request.body"); ok {
		if err != nil {
			return nil, err
		}
		if jp == nil {
			return &source{kind: srcRequestBody}, nil
		}
		return &source{kind: srcRequestBodyPath, path: jp}, nil
	}
	if ref == "request.path" {
		return &source{kind: srcRequestPath}, nil
	}
	if n, ok, err := named("request.path.", isVarNameChar); ok {
		return &source{kind: srcRequestPathVar, name: n}, err
	}
	return nil, errors.New("$" + ref + " is not a known request mapping source")
}

// Character classes, as package model's validation defines them.

func allChars(s string, f func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isWordChar(c byte) bool { return isAlnum(c) || c == '_' }

// isHeaderChar reports an RFC 9110 token character.
func isHeaderChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isQueryNameChar(c byte) bool {
	return c > ' ' && c < 0x7f && c != '&' && c != '=' && c != '#'
}

func isContextChar(c byte) bool { return isAlnum(c) || c == '.' || c == '_' }

func isVarNameChar(c byte) bool {
	return isAlnum(c) || c == '_' || c == '.' || c == ':' || c == '-' || c == '+'
}
