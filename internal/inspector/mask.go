package inspector

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// maskText replaces a secret.
const maskText = "****"

// minSecret is the shortest value masked wherever it appears: shorter ones
// would garble unrelated text (a header named secret is masked whatever
// its length).
const minSecret = 4

// presignedSecrets are the query parameters of a SigV4 presigned URL that
// are secrets (the credential's access key id is not).
var presignedSecrets = []string{"X-Amz-Signature", "X-Amz-Security-Token"}

// masker hides the secrets of one entry. A nil *masker shows everything.
type masker struct {
	names map[string]bool   // canonical header names whose values are secret
	rep   *strings.Replacer // nil when the entry holds no secret value
}

// maskerFor collects the secrets of e: the values of masked headers (and
// the parts of them that travel alone: a bearer token, a SigV4 signature,
// cookie pairs), presigned query signatures, and the configured secrets.
func (r *Recorder) maskerFor(e *entry) *masker {
	if r.opts.ShowSecrets {
		return nil
	}
	m := &masker{names: r.masked}
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if len(s) < minSecret || seen[s] {
			return
		}
		seen[s] = true
		if q := url.QueryEscape(s); q != s {
			seen[q] = true
		}
		if b, err := json.Marshal(s); err == nil {
			if j := string(b[1 : len(b)-1]); j != s {
				seen[j] = true
			}
		}
	}
	for _, s := range r.opts.Secrets {
		add(s)
	}
	headers := []http.Header{e.reqHeader, e.respHeader}
	targets := []string{e.requestURI}
	if ir := e.rec.Integration; ir != nil {
		headers = append(headers, requestHeader(ir), ir.ResponseHeader)
		targets = append(targets, ir.Target)
	}
	for _, h := range headers {
		for k, vs := range h {
			if !m.names[http.CanonicalHeaderKey(k)] {
				continue
			}
			for _, v := range vs {
				if http.CanonicalHeaderKey(k) == "Set-Cookie" {
					v, _, _ = strings.Cut(v, ";") // the attributes are no secret
				}
				secretParts(v, add)
			}
		}
	}
	for _, t := range targets {
		_, q, ok := strings.Cut(t, "?")
		if !ok {
			continue
		}
		for pair := range strings.SplitSeq(q, "&") {
			k, v, _ := strings.Cut(pair, "=")
			if dk, err := url.QueryUnescape(k); err == nil {
				k = dk
			}
			for _, p := range presignedSecrets {
				if strings.EqualFold(k, p) {
					add(v) // as sent, and decoded
					if dv, err := url.QueryUnescape(v); err == nil {
						add(dv)
					}
				}
			}
		}
	}
	if len(seen) == 0 {
		return m
	}
	secrets := make([]string, 0, len(seen))
	for s := range seen {
		secrets = append(secrets, s)
	}
	// Longest first, so that a value is masked whole before a part of it.
	sort.Slice(secrets, func(i, j int) bool {
		if len(secrets[i]) != len(secrets[j]) {
			return len(secrets[i]) > len(secrets[j])
		}
		return secrets[i] < secrets[j]
	})
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, maskText)
	}
	m.rep = strings.NewReplacer(pairs...)
	return m
}

// secretParts passes add a secret header value and the pieces of it that
// may appear on their own: the credentials after an authorization scheme,
// a SigV4 Signature=, each cookie pair and value.
func secretParts(v string, add func(string)) {
	add(v)
	if _, rest, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
		add(rest)
	}
	for part := range strings.SplitSeq(v, ",") {
		if k, val, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.EqualFold(k, "Signature") {
			add(val)
		}
	}
	for part := range strings.SplitSeq(v, ";") {
		part = strings.TrimSpace(part)
		if _, val, ok := strings.Cut(part, "="); ok {
			add(part)
			add(val)
		}
	}
}

// text masks every secret in s.
func (m *masker) text(s string) string {
	if m == nil || m.rep == nil {
		return s
	}
	return m.rep.Replace(s)
}

// header renders h with secret headers' values replaced and secrets
// masked in the others.
func (m *masker) header(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		mv := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case m == nil:
				mv[i] = v
			case m.names[http.CanonicalHeaderKey(k)]:
				mv[i] = maskText
			default:
				mv[i] = m.text(v)
			}
		}
		out[k] = mv
	}
	return out
}
