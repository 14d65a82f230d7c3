package iam

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"time"
)

// Verifier checks the SigV4 signature of execute-api requests against the
// identities of a Store (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html). It holds no
// per-request state and is safe for concurrent use.
type Verifier struct {
	// Store holds the identities that may sign. A nil Store knows no one:
	// every signed request is refused as unrecognized.
	Store *Store
	// Now returns the current time, for the clock-skew and expiry checks. If
	// nil, time.Now is used.
	Now func() time.Time
	// RefuseUnsignedPayload refuses X-Amz-Content-Sha256: UNSIGNED-PAYLOAD.
	// By default it is accepted when that header is signed (
	// undocumented by AWS, our choice: docs/compatibility.md#iam, suggested).
	RefuseUnsignedPayload bool
	// RefusePresigned refuses the query-string (presigned) form. By default
	// it is accepted.
	RefusePresigned bool
	// Service is the service the credential scope must name; "" means
	// Service (execute-api). The admin listener verifies apigateway and
	// lambda requests with it.
	Service string
}

// signedRequest is what one request's signature says, gathered from its
// Authorization header or its presigned query.
type signedRequest struct {
	presigned bool
	auth      *authorization
	// amzDate is the timestamp as it enters the string to sign.
	amzDate string
	t       time.Time
	// expires is X-Amz-Expires of a presigned request, 0 when absent.
	expires       time.Duration
	token         string
	tokenPresent  bool
	canonicalQStr string
}

// Verify authenticates r, a request to an API in region, and returns the
// identity that signed it. body returns the request's complete body; it is
// called only when the payload hash needs it (not for UNSIGNED-PAYLOAD).
//
// The checks, in order:
//
//  1. Exactly one of an Authorization header and a presigned query
//     (X-Amz-Algorithm) is present; none at all is "Missing Authentication
//     Token".
//  2. The Authorization header or the X-Amz-* query parameters parse, each
//     appears once, and the timestamp is present: X-Amz-Date, else Date for
//     the header form.
//  3. host is signed; in the header form so are the timestamp header and
//     X-Amz-Security-Token when present.
//  4. The credential scope names the service (execute-api unless
//     Verifier.Service says otherwise), the API's region and the
//     timestamp's date.
//  5. The timestamp is within MaxSkew of now; a presigned request with
//     X-Amz-Expires is not past its expiry.
//  6. The access key id is known and the session token is exactly the
//     identity's (none when it has none).
//  7. The payload hash: a signed X-Amz-Content-Sha256: UNSIGNED-PAYLOAD, or
//     the body's SHA-256, which a hex X-Amz-Content-Sha256 must equal.
//  8. The signature recomputed over the canonical request equals the one
//     sent (constant-time comparison).
//
// Refusals are *AuthError values; an error from body is returned as is.
func (v *Verifier) Verify(r *http.Request, region string, body func() ([]byte, error)) (*Identity, error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	params, queryOK := parseQueryStrict(r.URL.RawQuery)
	sr, aerr := v.extract(r, params)
	if aerr != nil {
		return nil, aerr
	}
	c := sr.auth.credential
	if !hasSigned(sr.auth.signedHeaders, "host") {
		return nil, incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	service := v.Service
	if service == "" {
		service = Service
	}
	if c.service != service {
		return nil, invalid("Credential should be scoped to correct service: '%s'.", service)
	}
	if c.region != region {
		return nil, invalid("Credential should be scoped to a valid region, not '%s'.", printable(c.region))
	}
	if c.date != sr.amzDate[:8] {
		return nil, invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			c.date, sr.amzDate[:8], sr.amzDate)
	}
	n := now()
	switch {
	case sr.t.After(n.Add(MaxSkew)):
		return nil, errNotYetCurrent(sr.t, n)
	case sr.expires > 0 && n.After(sr.t.Add(sr.expires)):
		return nil, invalid("Signature expired: %s is now earlier than %s (%s + %d sec.)",
			amzFormat(sr.t.Add(sr.expires)), amzFormat(n), amzFormat(sr.t), int(sr.expires/time.Second))
	case sr.expires == 0 && sr.t.Before(n.Add(-MaxSkew)):
		return nil, errExpired(sr.t, n)
	}

	id, ok := v.Store.Lookup(c.accessKeyID)
	if !ok {
		return nil, errUnrecognized()
	}
	if sr.tokenPresent != (id.sessionToken != "") ||
		subtle.ConstantTimeCompare([]byte(sr.token), []byte(id.sessionToken)) != 1 {
		return nil, errUnrecognized()
	}

	payloadHash, err := v.payloadHash(r, sr, body)
	if err != nil {
		return nil, err
	}
	if !queryOK {
		// A query that is not valid percent-encoding has no canonical
		// form: no signature can match it.
		return nil, invalid(msgMismatch)
	}
	canonical := canonicalRequest(r.Method, canonicalURI(r), sr.canonicalQStr,
		canonicalHeaders(r, sr.auth.signedHeaders), sr.auth.signedHeaders, payloadHash)
	want := signatureOf(id, c, stringToSign(sr.amzDate, c.scope(), canonical))
	if !hmac.Equal([]byte(want), []byte(sr.auth.signature)) {
		return nil, invalid(msgMismatch)
	}
	return id, nil
}

// extract finds the signature of r in its Authorization header or its query
// (steps 1 to 3 of Verify).
func (v *Verifier) extract(r *http.Request, params []queryParam) (*signedRequest, *AuthError) {
	authz := r.Header.Values(hdrAuthorization)
	presigned := false
	for _, p := range params {
		if p.name == qAlgorithm {
			presigned = true
		}
	}
	switch {
	case len(authz) > 1:
		return nil, incomplete("The request has more than one Authorization header.")
	case len(authz) == 1 && presigned:
		return nil, invalid("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, " +
			"Signature query string parameter or the Authorization header should be specified")
	case len(authz) == 1:
		return v.extractHeader(r, authz[0], params)
	case presigned && !v.RefusePresigned:
		return v.extractQuery(params)
	}
	return nil, &AuthError{Type: IncompleteSignature, Message: msgMissingToken}
}

func (v *Verifier) extractHeader(r *http.Request, h string, params []queryParam) (*signedRequest, *AuthError) {
	a, err := parseAuthorization(h)
	if err != nil {
		return nil, err
	}
	sr := &signedRequest{auth: a, canonicalQStr: canonicalQuery(params, "")}
	if dates := r.Header.Values(hdrAmzDate); len(dates) > 0 {
		if len(dates) > 1 {
			return nil, incomplete("The request has more than one X-Amz-Date header.")
		}
		t, ok := parseAmzDate(dates[0])
		if !ok {
			return nil, incomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", printable(dates[0]))
		}
		if !hasSigned(a.signedHeaders, "x-amz-date") {
			return nil, incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
		}
		sr.t, sr.amzDate = t, dates[0]
	} else if dates := r.Header.Values(hdrDate); len(dates) > 0 {
		if len(dates) > 1 {
			return nil, incomplete("The request has more than one Date header.")
		}
		t, err := http.ParseTime(dates[0])
		if err != nil {
			return nil, incomplete("Date must be an HTTP date. Got '%s'.", printable(dates[0]))
		}
		if !hasSigned(a.signedHeaders, "date") {
			return nil, incomplete("'Date' must be a 'SignedHeader' in the AWS Authorization.")
		}
		sr.t, sr.amzDate = t.UTC(), amzFormat(t)
	} else {
		return nil, incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", msgRedacted)
	}
	if tokens := r.Header.Values(hdrSecurityToken); len(tokens) > 0 {
		if len(tokens) > 1 {
			return nil, incomplete("The request has more than one X-Amz-Security-Token header.")
		}
		if !hasSigned(a.signedHeaders, "x-amz-security-token") {
			return nil, incomplete("'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.")
		}
		sr.token, sr.tokenPresent = tokens[0], true
	}
	return sr, nil
}

// presignParams are the query parameters of the presigned form, each of which
// may appear at most once.
var presignParams = [...]string{qAlgorithm, qCredential, qDate, qExpires, qSignedHeaders, qSignature, qSecurityToken}

func (v *Verifier) extractQuery(params []queryParam) (*signedRequest, *AuthError) {
	got := map[string]string{}
	seen := map[string]bool{}
	for _, p := range params {
		for _, name := range presignParams {
			if p.name != name {
				continue
			}
			if seen[name] {
				return nil, incomplete("The query-string parameter '%s' appears more than once.", name)
			}
			seen[name] = true
			got[name] = p.value
		}
	}
	for _, name := range []string{qAlgorithm, qCredential, qSignature, qDate, qSignedHeaders} {
		if got[name] == "" {
			return nil, incomplete("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', " +
				"'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.")
		}
	}
	if got[qAlgorithm] != Algorithm {
		return nil, incomplete("X-Amz-Algorithm only supports '%s'.", Algorithm)
	}
	c, err := parseCredential(got[qCredential])
	if err != nil {
		return nil, err
	}
	signed, err := parseSignedHeaders(got[qSignedHeaders])
	if err != nil {
		return nil, err
	}
	t, ok := parseAmzDate(got[qDate])
	if !ok {
		return nil, incomplete("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	sr := &signedRequest{
		presigned:     true,
		auth:          &authorization{credential: c, signedHeaders: signed, signature: got[qSignature]},
		amzDate:       got[qDate],
		t:             t,
		canonicalQStr: canonicalQuery(params, qSignature),
	}
	if seen[qExpires] {
		if sr.expires, ok = parseExpires(got[qExpires]); !ok {
			return nil, incomplete("X-Amz-Expires must be a whole number of seconds from 1 to 604800.")
		}
	}
	if seen[qSecurityToken] {
		sr.token, sr.tokenPresent = got[qSecurityToken], true
	}
	return sr, nil
}

// payloadHash returns the payload hash of the canonical request.
func (v *Verifier) payloadHash(r *http.Request, sr *signedRequest, body func() ([]byte, error)) (string, error) {
	declared := r.Header.Values(hdrContentSHA256)
	if len(declared) > 1 {
		return "", incomplete("The request has more than one X-Amz-Content-Sha256 header.")
	}
	if len(declared) == 1 && declared[0] == UnsignedPayload {
		if v.RefuseUnsignedPayload {
			return "", invalid("UNSIGNED-PAYLOAD is not accepted: sign the request body.")
		}
		if !hasSigned(sr.auth.signedHeaders, "x-amz-content-sha256") {
			return "", incomplete("'X-Amz-Content-Sha256' must be a 'SignedHeader' in the AWS Authorization when it is UNSIGNED-PAYLOAD.")
		}
		return UnsignedPayload, nil
	}
	if len(declared) == 1 && !isSHA256Hex(declared[0]) {
		return "", invalid("x-amz-content-sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the body, not '%s'.", printable(declared[0]))
	}
	b, err := body()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	computed := hex.EncodeToString(sum[:])
	if len(declared) == 1 && declared[0] != computed {
		return "", invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return computed, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
