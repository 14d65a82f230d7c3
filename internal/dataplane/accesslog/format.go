package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/contextvars"
)

// The console's format presets (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html), exactly as AWS offers
// them.
const (
	// FormatCLF is the Common Log Format preset.
	FormatCLF = `$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId`
	// FormatJSON is the JSON preset.
	FormatJSON = `{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }`
	// FormatXML is the XML preset.
	FormatXML = `<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>`
	// FormatCSV is the CSV preset.
	FormatCSV = `$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId`
)

// Limits of access logs (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
const (
	// MaxFormatBytes is the largest accessLogSettings.format: 3 KB.
	MaxFormatBytes = 3 << 10
	// MaxEntryBytes is the largest log entry, as for CloudWatch Logs: 1 MB.
	// Longer lines are cut to this length.
	MaxEntryBytes = 1 << 20
)

// absentValue is written for a variable without a value.
const absentValue = "-"

// varPrefix opens a variable reference in a format.
const varPrefix = "$context."

// Template is a compiled access log format. It is safe for concurrent use;
// only its cache of the current second's $context.requestTime changes.
type Template struct {
	format string
	parts  []tmplPart
	// second is the last rendering of $context.requestTime, reused by every
	// request that arrived in the same second (formatting the time was a
	// fifth of the cost of an entry). Nil until the first one.
	second atomic.Pointer[renderedSecond]
}

// tmplPart is literal text, a variable, or (unknown) a variable name that is
// not a $context variable.
type tmplPart struct {
	lit     string
	v       contextvars.Var
	isVar   bool
	unknown bool
	// perSecond is set for $context.requestTime: its value is a function
	// of the second of invoke.Request.Time (in UTC, CLF layout, without
	// fractions; package contextvars), so Template.second can stand for
	// it.
	perSecond bool
}

// renderedSecond is the value of $context.requestTime for the requests that
// arrived during the second unix.
type renderedSecond struct {
	unix int64
	text []byte
}

// requestTimeVar is the one variable rendered once per second.
const requestTimeVar = "requestTime"

// ParseFormat compiles an access log format: literal text in which each
// "$context.{name}" (letters, digits, '.' and '_', a trailing '.' excluded)
// is replaced by the variable's value. Unknown variable names are kept in
// the template and always render as "-". The format must be 1 to
// MaxFormatBytes bytes.
func ParseFormat(format string) (*Template, error) {
	switch {
	case format == "":
		return nil, errors.New("parsing access log format: the format is empty")
	case len(format) > MaxFormatBytes:
		return nil, fmt.Errorf("parsing access log format: %d bytes, more than %d", len(format), MaxFormatBytes)
	}
	t := &Template{format: format}
	rest := format
	for rest != "" {
		i := strings.Index(rest, varPrefix)
		if i < 0 {
			t.addLit(rest)
			break
		}
		t.addLit(rest[:i])
		j := i + len(varPrefix)
		k := j
		for k < len(rest) && isNameChar(rest[k]) {
			k++
		}
		for k > j && rest[k-1] == '.' {
			k--
		}
		if k == j {
			t.addLit(rest[i:j])
			rest = rest[j:]
			continue
		}
		name := rest[j:k]
		if v, err := contextvars.Compile(name); err == nil {
			t.parts = append(t.parts, tmplPart{v: v, isVar: true, perSecond: name == requestTimeVar})
		} else {
			t.parts = append(t.parts, tmplPart{isVar: true, unknown: true, lit: name})
		}
		rest = rest[k:]
	}
	return t, nil
}

func (t *Template) addLit(s string) {
	if s == "" {
		return
	}
	if n := len(t.parts); n > 0 && !t.parts[n-1].isVar {
		t.parts[n-1].lit += s
		return
	}
	t.parts = append(t.parts, tmplPart{lit: s})
}

// Format returns the format the template was parsed from.
func (t *Template) Format() string { return t.format }

// Unknown returns the variable names of the format that are not $context
// variables (rendered "-"), for a warning at deployment.
func (t *Template) Unknown() []string {
	var names []string
	for _, p := range t.parts {
		if p.unknown {
			names = append(names, p.lit)
		}
	}
	return names
}

// Append appends the entry for a request and its outcome to dst, without a
// line terminator. Variables without a value are written "-"; control bytes
// in values are escaped (see escapeLineBreaks), so that an entry is one line
// of printable text.
func (t *Template) Append(dst []byte, req *invoke.Request, out *invoke.Outcome) []byte {
	for i := range t.parts {
		p := &t.parts[i]
		switch {
		case !p.isVar:
			dst = append(dst, p.lit...)
		case p.unknown:
			dst = append(dst, absentValue...)
		case p.perSecond && !req.Time.IsZero():
			dst = t.appendPerSecond(dst, p, req, out)
		default:
			dst = appendVar(dst, p, req, out)
		}
	}
	return dst
}

// appendVar appends the value of the variable p, or "-".
func appendVar(dst []byte, p *tmplPart, req *invoke.Request, out *invoke.Outcome) []byte {
	n := len(dst)
	dst, ok := p.v.Append(dst, req, out)
	if !ok {
		return append(dst, absentValue...)
	}
	return escapeLineBreaks(dst, n)
}

// appendPerSecond appends the value of p ($context.requestTime) from the
// cache of the second of req.Time, rendering it and replacing the cache on a
// new second. (The zero Time, which the variable renders absent, is never
// looked up.)
func (t *Template) appendPerSecond(dst []byte, p *tmplPart, req *invoke.Request, out *invoke.Outcome) []byte {
	unix := req.Time.Unix()
	if c := t.second.Load(); c != nil && c.unix == unix {
		return append(dst, c.text...)
	}
	n := len(dst)
	dst = appendVar(dst, p, req, out)
	t.second.Store(&renderedSecond{unix: unix, text: bytes.Clone(dst[n:])})
	return dst
}

// escapeLineBreaks rewrites control bytes in dst[from:]: CR, LF and TAB as
// \r, \n and \t, every other byte below 0x20 and DEL as \u00XX (valid in
// a JSON string too). A value from the request (a path with ESC, BEL or
// NUL) can then neither break the entry's line nor drive the terminal of
// whoever reads the log.
func escapeLineBreaks(dst []byte, from int) []byte {
	k := from
	for k < len(dst) && !isControl(dst[k]) {
		k++
	}
	if k == len(dst) {
		return dst
	}
	tail := append([]byte(nil), dst[k:]...)
	dst = dst[:k]
	const hex = "0123456789abcdef"
	for _, c := range tail {
		switch {
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case isControl(c):
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func isControl(c byte) bool { return c < 0x20 || c == 0x7f }

func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_'
}
