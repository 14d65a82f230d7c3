package config

import (
	"net/http"

	"gopkg.in/yaml.v3"
)

// Inspector configures the request inspector (GET /_inspector on the admin
// listener; see package inspector).
type Inspector struct {
	// Disabled turns recording off (`inspector: {enabled: false}`): the data
	// plane then records nothing and /_inspector is not served. Recording
	// is on by default.
	Disabled bool
	// ShowSecrets shows Authorization, Cookie and the other secret values
	// unmasked (`showSecrets: true`); default false.
	ShowSecrets bool
	// MaskHeaders are more request or response header names whose values
	// are masked (an API key header, say).
	MaskHeaders []string
}

func (d *decoder) inspector(n *yaml.Node, c *Config) {
	d.fields(n, "inspector", []string{"enabled", "showSecrets", "maskHeaders"}, func(key string, _, v *yaml.Node) {
		what := "inspector." + key
		switch key {
		case "enabled":
			if b, ok := d.boolean(v, what); ok {
				c.Inspector.Disabled = !b
			}
		case "showSecrets":
			if b, ok := d.boolean(v, what); ok {
				c.Inspector.ShowSecrets = b
			}
		case "maskHeaders":
			names, ok := d.strList(v, what)
			if !ok {
				return
			}
			for _, h := range names {
				if !validHeaderName(h) {
					d.errf(v, "%s: %q is not a header name", what, h)
					return
				}
			}
			c.Inspector.MaskHeaders = names
		}
	})
}

// validHeaderName reports whether s is an HTTP field name (RFC 9110 token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ':' || c == '"' || c == '(' || c == ')' || c == ',' || c == '/' ||
			c == ';' || c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '[' || c == '\\' ||
			c == ']' || c == '{' || c == '}' {
			return false
		}
	}
	return http.CanonicalHeaderKey(s) != ""
}

// Secrets returns every secret the file holds (identities', admin
// credentials' and aws.credentials' secret keys and session tokens), for
// the request inspector to mask wherever they appear.
func (c *Config) Secrets() []string {
	var out []string
	for _, id := range c.Identities {
		out = append(out, id.SecretAccessKey, id.SessionToken)
	}
	for _, a := range c.Admin.Credentials {
		out = append(out, a.SecretAccessKey)
	}
	if cr := c.AWS.Credentials; cr != nil {
		out = append(out, cr.SecretAccessKey, cr.SessionToken)
	}
	return out
}
