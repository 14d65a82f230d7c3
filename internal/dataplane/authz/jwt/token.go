package jwt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

// Algorithms are the accepted signing algorithms: "only RSA-based algorithms
// are supported" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html). PS256/384/512 are refused
// (undocumented by AWS, our choice: docs/compatibility.md#jwt, treated as unsupported), and so are none, HS* and ES*.
var Algorithms = []string{"RS256", "RS384", "RS512"}

func acceptedAlg(alg string) bool {
	for _, a := range Algorithms {
		if a == alg {
			return true
		}
	}
	return false
}

// IdentitySource is a parsed JWT identity source: one header or query-string
// parameter.
type IdentitySource struct {
	// Header is the header name (matched case-insensitively), or "".
	Header string
	// Query is the query-string parameter name (matched case-sensitively),
	// or "".
	Query string
}

// ParseIdentitySource parses "$request.header.{name}" or
// "$request.querystring.{name}".
func ParseIdentitySource(s string) (IdentitySource, error) {
	if n, ok := strings.CutPrefix(s, "$request.header."); ok && n != "" {
		if !reqfacts.IsToken(n) {
			return IdentitySource{}, &ConfigError{Field: "identitySource", Reason: "header name " + strconv.Quote(n) + " is not a valid header name"}
		}
		return IdentitySource{Header: http.CanonicalHeaderKey(n)}, nil
	}
	if n, ok := strings.CutPrefix(s, "$request.querystring."); ok && n != "" {
		return IdentitySource{Query: n}, nil
	}
	return IdentitySource{}, &ConfigError{Field: "identitySource",
		Reason: strconv.Quote(s) + " is not $request.header.{name} or $request.querystring.{name}"}
}

// String returns the selection expression.
func (s IdentitySource) String() string {
	if s.Header != "" {
		return "$request.header." + s.Header
	}
	return "$request.querystring." + s.Query
}

// Extract returns the token of a request: the identity source's single
// value, without a leading "Bearer " (the word in any letter case, followed
// by exactly one space: undocumented by AWS, our choice:
// docs/compatibility.md#jwt). ok is false when the
// source is absent or empty. A source given more than once (two headers, or a
// repeated parameter) is refused: which value the gateway would pick is not
// documented, and a proxy in front could pick another (err is set).
func (s IdentitySource) Extract(r *http.Request) (token string, ok bool, err error) {
	var values []string
	if s.Header != "" {
		values = r.Header.Values(s.Header)
	} else {
		for pair := range strings.SplitSeq(r.URL.RawQuery, "&") {
			name, value, _ := strings.Cut(pair, "=")
			if dn, err := url.QueryUnescape(name); err != nil || dn != s.Query {
				continue
			}
			dv, err := url.QueryUnescape(value)
			if err != nil {
				return "", false, errMalformed
			}
			values = append(values, dv)
		}
	}
	switch {
	case len(values) == 0:
		return "", false, nil
	case len(values) > 1:
		return "", false, errMultiple
	}
	v := values[0]
	if len(v) >= len(bearer) && strings.EqualFold(v[:len(bearer)], bearer) {
		v = v[len(bearer):]
	}
	if v == "" {
		return "", false, nil
	}
	return v, true, nil
}

const bearer = "Bearer "

var (
	errMultiple  = errors.New("the identity source is given more than once")
	errMalformed = errors.New("the token is malformed")
)

// splitToken checks the compact JWS shape (three non-empty base64url
// segments, no padding, nothing else; the claims one JSON object) and reads the JOSE header's alg and kid
// exactly as golang-jwt will (a map with case-sensitive names). kid is ""
// when the header has none or it is not a string.
func splitToken(tok string) (alg, kid string, err error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", errMalformed
	}
	for _, p := range parts {
		if !isBase64URL(p) {
			return "", "", errMalformed
		}
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		return "", "", errMalformed
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil || h == nil {
		return "", "", errMalformed
	}
	// The claims must be exactly one JSON object: golang-jwt's decoder
	// would ignore data after it.
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil || !json.Valid(payload) || firstNonSpace(payload) != '{' {
		return "", "", errMalformed
	}
	if _, ok := h["crit"]; ok {
		// RFC 7515 section 4.1.11: a recipient that does not understand
		// every critical extension must reject the token; none is
		// understood here.
		return "", "", errMalformed
	}
	alg, _ = h["alg"].(string)
	kid, _ = h["kid"].(string)
	return alg, kid, nil
}

func firstNonSpace(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func isBase64URL(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// newParser returns the golang-jwt parser used for signature verification:
// accepted algorithms only, numbers kept as json.Number (claims are rendered
// as their JSON text), and no claim validation, which Authorize does
// itself in AWS's order.
func newParser() *gojwt.Parser {
	return gojwt.NewParser(
		gojwt.WithValidMethods(Algorithms),
		gojwt.WithJSONNumber(),
		gojwt.WithoutClaimsValidation(),
		gojwt.WithStrictDecoding(),
	)
}

// RenderClaims renders verified claims as API Gateway passes them to
// integrations: every value as a string; numbers in their JSON text
// ("exp": "1787996002"); booleans "true"/"false"; arrays in brackets with
// elements separated by single spaces ("[admin poweruser]"), recursively;
// objects as compact JSON text; null claims omitted (a null inside an array
// renders "null"). The rules beyond numbers and arrays come from one
// emulator's captures (undocumented by AWS, our choice: docs/compatibility.md#jwt).
func RenderClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		if v == nil {
			continue
		}
		out[k] = renderClaim(v)
	}
	return out
}

func renderClaim(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = renderClaim(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return ""
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
}

// tokenScopes returns the token's scopes: the space-delimited
// scope claim, else the scp claim (a space-delimited string or an array of
// strings); with preferSCP, scp first. Either claim may also be an array.
// Duplicates are kept once, in order.
func tokenScopes(claims map[string]any, preferSCP bool) []string {
	order := []string{"scope", "scp"}
	if preferSCP {
		order = []string{"scp", "scope"}
	}
	for _, name := range order {
		v, ok := claims[name]
		if !ok || v == nil {
			continue
		}
		var list []string
		switch x := v.(type) {
		case string:
			list = strings.Fields(x)
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					list = append(list, strings.Fields(s)...)
				}
			}
		}
		seen := map[string]bool{}
		out := make([]string, 0, len(list))
		for _, s := range list {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		return out
	}
	return []string{}
}

// audiences returns the aud claim's values and whether it is present (
// a string or an array of strings; a present claim of another type has no
// valid value).
func audiences(claims map[string]any) (values []string, present bool) {
	v, ok := claims["aud"]
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				values = append(values, s)
			}
		}
	}
	return values, true
}

// numericDate reads a NumericDate claim (seconds since the epoch, possibly
// fractional). present is false when the claim is absent or null; ok is
// false when it is present but not a number.
func numericDate(claims map[string]any, name string) (secs float64, present, ok bool) {
	v, exists := claims[name]
	if !exists || v == nil {
		return 0, false, true
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, true, false
	}
	f, err := n.Float64()
	if err != nil {
		return 0, true, false
	}
	return f, true, true
}
