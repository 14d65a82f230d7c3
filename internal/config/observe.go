package config

import (
	"net/http"
	"net/url"

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

// Tracing configures OpenTelemetry traces (package tracing).
type Tracing struct {
	// OTLPEndpoint is the base URL of an OTLP/HTTP receiver, as
	// OTEL_EXPORTER_OTLP_ENDPOINT is: spans go to {OTLPEndpoint}/v1/traces.
	// "" turns tracing off (the default).
	OTLPEndpoint string
	// SampleRatio is the fraction of requests traced, 0..1; default 1. A
	// request that arrives with a sampled W3C traceparent is traced
	// whatever the ratio (parent-based sampling).
	SampleRatio float64
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

func (d *decoder) tracing(n *yaml.Node, c *Config) {
	c.Tracing.SampleRatio = 1
	d.fields(n, "tracing", []string{"otlpEndpoint", "sampleRatio"}, func(key string, _, v *yaml.Node) {
		what := "tracing." + key
		switch key {
		case "otlpEndpoint":
			s, ok := d.str(v, what)
			if !ok {
				return
			}
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
				d.errf(v, "%s %q must be an http or https base URL such as http://127.0.0.1:4318", what, s)
				return
			}
			c.Tracing.OTLPEndpoint = s
		case "sampleRatio":
			if f, ok := d.number(v, what); ok {
				if f < 0 || f > 1 {
					d.errf(v, "%s must be between 0 and 1", what)
					return
				}
				c.Tracing.SampleRatio = f
			}
		}
	})
	if c.Tracing.OTLPEndpoint == "" && lookup(n, "otlpEndpoint") == nil && n.Kind == yaml.MappingNode {
		d.errf(n, "tracing: otlpEndpoint is required (leave tracing out to turn it off)")
	}
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
