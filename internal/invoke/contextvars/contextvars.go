package contextvars

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
)

// Phase says when the value of a variable is known during a request.
type Phase uint8

const (
	// PhaseRequest variables are known once the route was selected and its
	// authorizer ran: before the integration is called.
	PhaseRequest Phase = iota
	// PhaseIntegration variables are known once the integration answered,
	// before the response is sent (response parameter mappings).
	PhaseIntegration
	// PhaseEnd variables are known only after the response was sent (access
	// logs), from the invoke.Outcome.
	PhaseEnd
)

// String returns the phase's name.
func (p Phase) String() string {
	switch p {
	case PhaseRequest:
		return "request"
	case PhaseIntegration:
		return "integration"
	case PhaseEnd:
		return "end"
	}
	return fmt.Sprintf("Phase(%d)", uint8(p))
}

// ErrUnknown is wrapped by Compile's error for a name that is not a $context
// variable of HTTP APIs.
var ErrUnknown = errors.New("unknown context variable")

// ErrInvalidName is wrapped by Compile's error for a name with characters
// other than letters, digits, '.' and '_', or an empty segment.
var ErrInvalidName = errors.New("invalid context variable name")

// strFunc reads a string-valued variable without allocating.
type strFunc func(req *invoke.Request, out *invoke.Outcome) (string, bool)

// appendFunc appends the value of a formatted (numeric, time) variable.
type appendFunc func(dst []byte, req *invoke.Request, out *invoke.Outcome) ([]byte, bool)

// Var is a compiled $context variable: an accessor bound to one name. The
// zero Var is not valid; use Compile. A Var is immutable and safe for
// concurrent use.
type Var struct {
	name  string
	phase Phase
	str   strFunc    // exactly one of str and app is set
	app   appendFunc //
}

// Name returns the variable's name without the "$context." prefix.
func (v Var) Name() string { return v.name }

// Phase returns when the variable's value is known.
func (v Var) Phase() Phase { return v.phase }

// Value returns the variable's value for the request req and, for
// PhaseEnd variables, its outcome out (which may be nil before the
// response). ok is false when the variable has no value (see the package
// documentation, "Absent values").
func (v Var) Value(req *invoke.Request, out *invoke.Outcome) (value string, ok bool) {
	if v.str != nil {
		return v.str(req, out)
	}
	if v.app == nil {
		return "", false
	}
	var buf [64]byte
	b, ok := v.app(buf[:0], req, out)
	if !ok {
		return "", false
	}
	return string(b), true
}

// Append appends the variable's value to dst, as Value returns it, and
// reports whether it had one; when it had none, dst is returned unchanged.
func (v Var) Append(dst []byte, req *invoke.Request, out *invoke.Outcome) ([]byte, bool) {
	if v.str != nil {
		s, ok := v.str(req, out)
		if !ok {
			return dst, false
		}
		return append(dst, s...), true
	}
	if v.app == nil {
		return dst, false
	}
	n := len(dst)
	b, ok := v.app(dst, req, out)
	if !ok {
		return b[:n], false
	}
	return b, true
}

// Compile resolves name, a $context variable name without the "$context."
// prefix ("requestId", "authorizer.claims.sub", "identity.sourceIp"), into an
// accessor. Errors wrap ErrInvalidName or ErrUnknown.
func Compile(name string) (Var, error) {
	if !validName(name) {
		return Var{}, fmt.Errorf("compiling $context.%s: %w", name, ErrInvalidName)
	}
	if v, ok := fixed(name); ok {
		v.name = name
		return v, nil
	}
	if v, ok := prefixed(name); ok {
		v.name = name
		return v, nil
	}
	return Var{}, fmt.Errorf("compiling $context.%s: %w", name, ErrUnknown)
}

// Lookup returns the value of the variable name for req and out, compiling
// the name on every call: use Compile on any path that runs per request.
// ok is false for an unknown name as for an absent value.
func Lookup(name string, req *invoke.Request, out *invoke.Outcome) (value string, ok bool) {
	v, err := Compile(name)
	if err != nil {
		return "", false
	}
	return v.Value(req, out)
}

// validName reports whether name is non-empty, made of letters, digits, '.'
// and '_', without empty segments.
func validName(name string) bool {
	if name == "" || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}
