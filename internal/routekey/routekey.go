// Package routekey parses HTTP API route keys ("GET /pets/{id}",
// "ANY /{proxy+}", "$default") and selects the route for a request with AWS's
// priority rules.
//
// Grammar (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html): a route key is "$default" or
// "METHOD PATH" with exactly one space. METHOD is one of GET POST PUT PATCH
// DELETE HEAD OPTIONS ANY. PATH starts with "/"; each segment is a literal of
// [a-zA-Z0-9._:-]+, a variable {name} or, as the last segment only, a greedy
// variable {name+}. Variable names match [\w.:-]+. "/" alone is the root path.
// A trailing slash is refused, as AWS refuses it.
//
// The package is pure and imports only the standard library: it is used by the
// resource model (validation), the compiler and the data plane.
package routekey

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultKey is the route key of the catch-all route.
const DefaultKey = "$default"

// Methods lists the methods a route key may name, ANY included.
var methods = [...]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

// MethodAny matches every method that has no more specific route.
const MethodAny = "ANY"

// SegmentKind tells what a path segment of a route matches.
type SegmentKind uint8

// Segment kinds, ordered from most to least specific.
const (
	Literal SegmentKind = iota // matches itself, case-sensitively
	Var                        // {name}: exactly one non-empty segment
	Greedy                     // {name+}: one or more trailing segments
)

// Segment is one path segment of a parsed route key.
type Segment struct {
	Kind SegmentKind
	// Value is the literal text, or the variable name without braces and "+".
	Value string
}

// Key is a parsed route key.
type Key struct {
	// Raw is the route key as written.
	Raw string
	// Default is true for "$default"; Method and Path are then empty.
	Default bool
	Method  string
	// Path is the route path ("/pets/{id}").
	Path     string
	Segments []Segment
}

// Greedy reports whether the key ends in a greedy variable.
func (k *Key) Greedy() bool {
	return len(k.Segments) > 0 && k.Segments[len(k.Segments)-1].Kind == Greedy
}

// Shape returns the key with variable names erased ("GET /pets/{}"), so that
// keys differing only in variable names compare equal: AWS treats them as the
// same route.
func (k *Key) Shape() string {
	if k.Default {
		return DefaultKey
	}
	var b strings.Builder
	b.WriteString(k.Method)
	b.WriteByte(' ')
	if len(k.Segments) == 0 {
		b.WriteByte('/')
	}
	for _, s := range k.Segments {
		b.WriteByte('/')
		switch s.Kind {
		case Literal:
			b.WriteString(s.Value)
		case Var:
			b.WriteString("{}")
		case Greedy:
			b.WriteString("{+}")
		}
	}
	return b.String()
}

// ErrInvalidPath is matched (errors.Is) by every error about the path of a route
// key. Its text is AWS's BadRequestException message.
//
//lint:ignore ST1005 AWS's message text, capitalised as AWS sends it.
var ErrInvalidPath = errors.New("One or more path parts appear to be invalid")

// Error describes why a route key is invalid.
type Error struct {
	Key    string
	Reason string
	Err    error // ErrInvalidPath for path problems, else nil
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid route key %q: %s", e.Key, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

// Parse parses and validates a route key.
func Parse(raw string) (*Key, error) {
	if raw == DefaultKey {
		return &Key{Raw: raw, Default: true}, nil
	}
	method, path, ok := strings.Cut(raw, " ")
	if !ok {
		return nil, &Error{Key: raw, Reason: `expected "METHOD /path" or "$default"`}
	}
	if !validMethod(method) {
		return nil, &Error{Key: raw, Reason: fmt.Sprintf("unsupported method %q (one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY)", method)}
	}
	segs, err := parsePath(path)
	if err != nil {
		return nil, &Error{Key: raw, Reason: err.Error(), Err: ErrInvalidPath}
	}
	return &Key{Raw: raw, Method: method, Path: path, Segments: segs}, nil
}

func validMethod(m string) bool {
	for _, x := range methods {
		if m == x {
			return true
		}
	}
	return false
}

func parsePath(path string) ([]Segment, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, errors.New(`path must start with "/"`)
	}
	if path == "/" {
		return nil, nil
	}
	if strings.HasSuffix(path, "/") {
		return nil, errors.New("path must not end with \"/\"")
	}
	parts := strings.Split(path[1:], "/")
	segs := make([]Segment, 0, len(parts))
	seen := make(map[string]bool)
	for i, p := range parts {
		seg, err := parseSegment(p)
		if err != nil {
			return nil, err
		}
		if seg.Kind == Greedy && i != len(parts)-1 {
			return nil, fmt.Errorf("greedy variable {%s+} must be the last path segment", seg.Value)
		}
		if seg.Kind != Literal {
			if seen[seg.Value] {
				return nil, fmt.Errorf("path variable {%s} appears twice", seg.Value)
			}
			seen[seg.Value] = true
		}
		segs = append(segs, seg)
	}
	return segs, nil
}

func parseSegment(p string) (Segment, error) {
	if p == "" {
		return Segment{}, errors.New("empty path segment")
	}
	if p[0] == '{' || p[len(p)-1] == '}' {
		if len(p) < 3 || p[0] != '{' || p[len(p)-1] != '}' {
			return Segment{}, fmt.Errorf("path segment %q: a variable must occupy the whole segment", p)
		}
		name := p[1 : len(p)-1]
		kind := Var
		if strings.HasSuffix(name, "+") {
			kind = Greedy
			name = name[:len(name)-1]
		}
		if name == "" || !allBytes(name, isVarByte) {
			return Segment{}, fmt.Errorf("path segment %q: invalid variable name", p)
		}
		return Segment{Kind: kind, Value: name}, nil
	}
	if !allBytes(p, isLiteralByte) {
		return Segment{}, fmt.Errorf("path segment %q: literals may contain only letters, digits, '.', '_', ':' and '-'", p)
	}
	return Segment{Kind: Literal, Value: p}, nil
}

func allBytes(s string, f func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return false
		}
	}
	return true
}

func isLiteralByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-'
}

// isVarByte is \w plus '.', ':' and '-'.
func isVarByte(c byte) bool {
	return isLiteralByte(c)
}
