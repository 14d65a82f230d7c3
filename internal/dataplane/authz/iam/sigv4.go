package iam

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
)

// Constants of Signature Version 4 as execute-api uses it
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
const (
	// Algorithm is the only signing algorithm accepted (SigV4a,
	// AWS4-ECDSA-P256-SHA256, is not: docs/compatibility.md#iam).
	Algorithm = "AWS4-HMAC-SHA256"
	// Service is the service of the credential scope.
	Service = "execute-api"
	// MaxSkew is how far the request's timestamp may be from the gateway's
	// clock, in either direction.
	MaxSkew = 5 * time.Minute
	// MaxPresignExpires is the largest X-Amz-Expires of a presigned request:
	// seven days, as everywhere in AWS.
	MaxPresignExpires = 7 * 24 * time.Hour
	// UnsignedPayload is the X-Amz-Content-Sha256 value of a request whose
	// body is not part of the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// EmptySHA256 is the payload hash of an empty body.
	EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

	amzDateLayout   = "20060102T150405Z"
	scopeTerminator = "aws4_request"
)

// Request headers and query parameters of SigV4.
const (
	hdrAuthorization = "Authorization"
	hdrAmzDate       = "X-Amz-Date"
	hdrDate          = "Date"
	hdrSecurityToken = "X-Amz-Security-Token"
	hdrContentSHA256 = "X-Amz-Content-Sha256"

	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qSecurityToken = "X-Amz-Security-Token"
)

// credentialScope is the parsed Credential of a signature:
// {accessKeyID}/{date}/{region}/{service}/aws4_request.
type credentialScope struct {
	accessKeyID, date, region, service string
}

// scope returns the scope without the access key id.
func (c credentialScope) scope() string {
	return c.date + "/" + c.region + "/" + c.service + "/" + scopeTerminator
}

// authorization is a parsed Authorization header (or the same parts of a
// presigned query).
type authorization struct {
	credential    credentialScope
	signedHeaders []string
	signature     string
}

// parseAuthorization parses an Authorization header of the form
//
//	AWS4-HMAC-SHA256 Credential={AKID}/{date}/{region}/{service}/aws4_request, SignedHeaders={h1;h2}, Signature={hex}
//
// . Parameters are separated by "," with optional spaces; each is
// name=value and appears once; unknown parameters are refused. The Credential
// must have five "/"-separated parts ending in aws4_request with an 8-digit
// date; SignedHeaders must be lower-case names in strictly ascending order.
// Every failure is an IncompleteSignature AuthError in AWS's wording, with the
// header's value redacted.
func parseAuthorization(h string) (*authorization, *AuthError) {
	alg, rest, _ := strings.Cut(h, " ")
	if alg != Algorithm {
		if strings.HasPrefix(alg, "AWS4-") {
			if len(alg) > 32 || strings.Contains(alg, "=") {
				alg = msgRedacted
			}
			return nil, incomplete("Unsupported AWS 'algorithm': '%s'", printable(alg))
		}
		return nil, incomplete("Authorization header requires 'Credential' parameter. " +
			"Authorization header requires 'Signature' parameter. " +
			"Authorization header requires 'SignedHeaders' parameter. " +
			"Authorization=" + msgRedacted)
	}
	params := map[string]string{}
	for item := range strings.SplitSeq(rest, ",") {
		item = strings.Trim(item, " ")
		if item == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		if !ok {
			return nil, incomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.",
				redactItem(item), msgRedacted)
		}
		switch name {
		case "Credential", "SignedHeaders", "Signature":
		default:
			return nil, incomplete("Authorization header has an unknown parameter '%s'. Authorization=%s", printable(name), msgRedacted)
		}
		if _, dup := params[name]; dup {
			return nil, incomplete("Authorization header has the '%s' parameter more than once. Authorization=%s", name, msgRedacted)
		}
		params[name] = value
	}
	var missing strings.Builder
	for _, name := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[name] == "" {
			missing.WriteString("Authorization header requires '" + name + "' parameter. ")
		}
	}
	if missing.Len() > 0 {
		return nil, incomplete("%sAuthorization=%s", missing.String(), msgRedacted)
	}
	a := &authorization{signature: params["Signature"]}
	var err *AuthError
	if a.credential, err = parseCredential(params["Credential"]); err != nil {
		return nil, err
	}
	if a.signedHeaders, err = parseSignedHeaders(params["SignedHeaders"]); err != nil {
		return nil, err
	}
	return a, nil
}

// redactItem keeps the name of a malformed parameter and drops what could be
// a signature.
func redactItem(item string) string {
	if len(item) > 32 {
		return printable(item[:16]) + "..."
	}
	return printable(item)
}

// printable returns s with bytes outside printable ASCII replaced by "?", so
// that messages built from requests are safe to log.
func printable(s string) string {
	if len(s) > 128 {
		s = s[:128]
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}

// parseCredential parses {AKID}/{yyyymmdd}/{region}/{service}/aws4_request.
func parseCredential(s string) (credentialScope, *AuthError) {
	f := strings.Split(s, "/")
	if len(f) != 5 || f[0] == "" || f[2] == "" || f[3] == "" {
		return credentialScope{}, incomplete("Credential should be in the form {access key id}/{date}/{region}/{service}/aws4_request: '%s' is not.", redactCredential(s))
	}
	if f[4] != scopeTerminator {
		return credentialScope{}, invalid("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", printable(f[4]))
	}
	if len(f[1]) != 8 || !allDigits(f[1]) {
		return credentialScope{}, invalid("Date in Credential scope '%s' is not in the yyyyMMdd format.", printable(f[1]))
	}
	return credentialScope{accessKeyID: f[0], date: f[1], region: f[2], service: f[3]}, nil
}

// redactCredential keeps the shape of a credential for the log: the access
// key id is not a secret, but a malformed credential could be anything.
func redactCredential(s string) string {
	if n := strings.Count(s, "/"); n > 0 {
		return printable(s)
	}
	return msgRedacted
}

// parseSignedHeaders parses "h1;h2;h3": lower-case token names, strictly
// ascending (sorted, no repeats), as every SigV4 signer writes them.
func parseSignedHeaders(s string) ([]string, *AuthError) {
	names := strings.Split(s, ";")
	for i, n := range names {
		if n == "" || !reqfacts.IsToken(n) || strings.ToLower(n) != n {
			return nil, incomplete("SignedHeaders '%s' must be lower-case header names separated by ';'.", printable(s))
		}
		if i > 0 && names[i-1] >= n {
			return nil, incomplete("SignedHeaders '%s' must be sorted and must not repeat a header.", printable(s))
		}
	}
	return names, nil
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func hasSigned(signed []string, name string) bool {
	i := sort.SearchStrings(signed, name)
	return i < len(signed) && signed[i] == name
}

// canonicalURI returns the CanonicalURI of the canonical request (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html): the path exactly as the
// client sent it (percent-encoding kept, no normalization), URI-encoded once
// more as SigV4 does for every service but S3 (the SDK calls EscapePath on the
// already escaped path); "/" for an empty path.
func canonicalURI(r *http.Request) string {
	p := requestPath(r)
	if p == "" {
		p = "/"
	}
	var b strings.Builder
	b.Grow(len(p) + len(p)/4)
	for i := range len(p) {
		c := p[i]
		if c == '/' || isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

const upperHex = "0123456789ABCDEF"

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// requestPath returns the escaped path of the request target as received:
// RequestURI up to "?" (so a path-style prefix or stage the data plane
// strips still counts, as the client signed it), or, for a request built in
// process, the URL's escaped path.
func requestPath(r *http.Request) string {
	if uri := r.RequestURI; uri != "" && uri != "*" {
		if p, _, _ := strings.Cut(uri, "?"); strings.HasPrefix(p, "/") {
			return p
		}
		if u, err := url.ParseRequestURI(uri); err == nil {
			return u.EscapedPath()
		}
	}
	if r.URL == nil {
		return "/"
	}
	return r.URL.EscapedPath()
}

// queryParam is one decoded query parameter.
type queryParam struct{ name, value string }

// parseQueryStrict splits a raw query into decoded parameters. Pairs are
// separated by "&"; empty pairs are skipped; "+" decodes to a space. A
// component that is not valid percent-encoding makes the whole query
// unverifiable (ok false): no canonical form is guessed for it.
func parseQueryStrict(raw string) (params []queryParam, ok bool) {
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		n, v, _ := strings.Cut(pair, "=")
		dn, err1 := url.QueryUnescape(n)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		params = append(params, queryParam{dn, dv})
	}
	return params, true
}

// canonicalQuery returns the CanonicalQueryString of the canonical request: every
// parameter except skip, name and value encoded with SigV4's rules (RFC 3986
// unreserved characters kept, everything else %XX, space as %20), sorted by
// encoded name then encoded value, joined as name=value with "&".
func canonicalQuery(params []queryParam, skip string) string {
	enc := make([]queryParam, 0, len(params))
	for _, p := range params {
		if skip != "" && p.name == skip {
			continue
		}
		enc = append(enc, queryParam{encodeComponent(p.name), encodeComponent(p.value)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].name != enc[j].name {
			return enc[i].name < enc[j].name
		}
		return enc[i].value < enc[j].value
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

func encodeComponent(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// canonicalHeaders returns the CanonicalHeaders block of the canonical request for the
// signed header names: "name:value\n" per name, where value is every value of
// the header in arrival order, each trimmed with runs of spaces collapsed,
// joined with ","; "host" is the request's Host. A signed header the request
// does not carry has an empty value (and the signature will not match unless
// the client signed it so).
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		if name == "host" {
			b.WriteString(collapseSpaces(r.Host))
		} else {
			for i, v := range r.Header.Values(name) {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(collapseSpaces(v))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// collapseSpaces trims spaces and collapses inner runs of spaces to one, as
// the SDK's StripExcessSpaces does.
func collapseSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	space := false
	for i := range len(s) {
		if s[i] == ' ' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteByte(s[i])
	}
	return b.String()
}

// canonicalRequest assembles the canonical request (SigV4 step 1).
func canonicalRequest(method, uri, query, headers string, signed []string, payloadHash string) string {
	return method + "\n" + uri + "\n" + query + "\n" + headers + "\n" + strings.Join(signed, ";") + "\n" + payloadHash
}

// stringToSign assembles the string to sign (SigV4 step 3).
func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signature computes the signature (SigV4 steps 4 and 5): the HMAC chain from "AWS4"+secret through
// date, region, service and aws4_request, then the hex HMAC of the string to
// sign.
func signature(secret string, c credentialScope, toSign string) string {
	return hex.EncodeToString(hmacSHA256(signingKey(secret, c), toSign))
}

// signingKey derives the signing key of secret for c's date, region and
// service.
func signingKey(secret string, c credentialScope) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), c.date)
	k = hmacSHA256(k, c.region)
	k = hmacSHA256(k, c.service)
	return hmacSHA256(k, scopeTerminator)
}

// derivedKey is a signing key with the scope it was derived for.
type derivedKey struct {
	date, region, service string
	key                   []byte
}

// signatureOf is signature for id, with id's signing key cached per scope.
func signatureOf(id *Identity, c credentialScope, toSign string) string {
	dk := id.signingKey.Load()
	if dk == nil || dk.date != c.date || dk.region != c.region || dk.service != c.service {
		dk = &derivedKey{date: c.date, region: c.region, service: c.service, key: signingKey(id.secret, c)}
		id.signingKey.Store(dk)
	}
	return hex.EncodeToString(hmacSHA256(dk.key, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// parseAmzDate parses an X-Amz-Date value (yyyyMMddTHHmmssZ).
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(amzDateLayout, s)
	return t, err == nil
}

// parseExpires parses X-Amz-Expires: whole seconds, 1 to a week.
func parseExpires(s string) (time.Duration, bool) {
	if !allDigits(s) || len(s) > 7 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || time.Duration(n)*time.Second > MaxPresignExpires {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}
