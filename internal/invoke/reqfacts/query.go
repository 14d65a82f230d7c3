package reqfacts

import (
	"net/url"
	"strings"
)

// QueryParam is one name=value pair of a query string, decoded.
type QueryParam struct{ Name, Value string }

// ParseQuery splits a raw query string into decoded parameters in arrival
// order. Pairs are separated by "&" only; empty pairs are dropped; a pair
// without "=" has the value "". Names and values are percent-decoded and "+"
// decodes to a space, as HTML forms encode it (REST APIs were observed to turn
// "sort=-+createdAt" into "- createdAt", aws/aws-cdk#19827). A component with
// an invalid percent-escape is kept exactly as received. See
// docs/compatibility.md#query-string-decoding.
func ParseQuery(raw string) []QueryParam {
	if raw == "" {
		return nil
	}
	params := make([]QueryParam, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		params = append(params, QueryParam{Name: DecodeQueryComponent(name), Value: DecodeQueryComponent(value)})
	}
	return params
}

// DecodeQueryComponent decodes one name or value of a query string: "+" is a
// space, percent-escapes are decoded, and a component with a malformed escape
// is kept as received.
func DecodeQueryComponent(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// JoinedQuery returns the decoded query string as payload 2.0's
// queryStringParameters: repeated names joined with "," in arrival order;
// nil without parameters.
func JoinedQuery(params []QueryParam) map[string]string {
	if len(params) == 0 {
		return nil
	}
	m := make(map[string]string, len(params))
	for _, p := range params {
		if prev, ok := m[p.Name]; ok {
			m[p.Name] = prev + "," + p.Value
		} else {
			m[p.Name] = p.Value
		}
	}
	return m
}

// IsToken reports whether s is an HTTP token (RFC 9110 section 5.6.2), the
// grammar of header names.
func IsToken(s string) bool {
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}
