package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// TLS configures the HTTPS data plane listener (the tls section; see
// docs/configuration.md#https).
type TLS struct {
	// Listen is the HTTPS listener's host:port; "" (the default) serves no
	// HTTPS. `--tls-listen` sets it too.
	Listen string
	// Certificates maps a custom domain's certificateArn to the PEM files it
	// stands for on this machine.
	Certificates map[string]CertificateFiles
	// DefaultCertificate, when set, is served for every name no custom
	// domain covers ({apiId}.execute-api.NAME, the host's own name, IP
	// addresses), in place of the local CA's certificate.
	DefaultCertificate *CertificateFiles
	// ACME, when set, gets certificates for public host names from an
	// ACME CA (off by default).
	ACME *ACME
	// LocalCA, true unless the file says localCA: false, signs certificates
	// for names no configured certificate covers with a CA kept in
	// {dataDir}/ca (`apigw ca` prints it).
	LocalCA bool
}

// ACME configures certificates from an ACME certificate authority.
type ACME struct {
	// Hosts are the public names to get certificates for; at least one.
	Hosts []string
	// Email is the ACME account's contact address; optional.
	Email string
	// CA is the ACME directory URL; "" means Let's Encrypt's production
	// directory.
	CA string
	// CARoot, when set, is the absolute path of a PEM bundle the ACME
	// server's own HTTPS certificate chains to (a private ACME server).
	CARoot string
}

// CertificateFiles are a certificate chain and its private key, both PEM,
// as absolute paths.
type CertificateFiles struct {
	Cert, Key string
	// Line and Column locate the entry's key in the file.
	Line, Column int
}

// Truststore is a mutual-TLS truststore: the local PEM bundle a
// truststoreUri stands for.
type Truststore struct {
	// File is the absolute path of the PEM bundle of CA certificates.
	File string
	// Line and Column locate the entry's key in the file.
	Line, Column int
}

func (d *decoder) tls(n *yaml.Node, c *Config) {
	d.fields(n, "tls", []string{"listen", "certificates", "defaultCertificate", "localCA", "acme"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "listen":
			s, ok := d.str(v, "tls.listen")
			if !ok {
				return
			}
			if s != "" {
				if msg := checkAddress(s); msg != "" {
					d.errf(v, "tls.listen: %s", msg)
					return
				}
			}
			c.TLS.Listen = s
		case "localCA":
			if b, ok := d.boolean(v, "tls.localCA"); ok {
				c.TLS.LocalCA = b
			}
		case "acme":
			d.acme(v, c)
		case "defaultCertificate":
			if f, ok := d.certFiles(k, v, "tls.defaultCertificate"); ok {
				c.TLS.DefaultCertificate = &f
			}
		case "certificates":
			if v.Kind != yaml.MappingNode {
				d.errf(v, "tls.certificates must be a mapping of certificate ARNs to {cert, key}, not %s", kindName(v))
				return
			}
			for _, p := range pairs(v) {
				arn := p.Key.Value
				if !strings.HasPrefix(arn, "arn:") {
					d.errf(p.Key, "tls.certificates: %q is not an ARN (arn:aws:acm:region:account:certificate/id)", arn)
					continue
				}
				if f, ok := d.certFiles(p.Key, p.Val, "tls.certificates."+arn); ok {
					c.TLS.Certificates[arn] = f
				}
			}
		}
	})
}

func (d *decoder) acme(n *yaml.Node, c *Config) {
	a := &ACME{}
	if !d.fields(n, "tls.acme", []string{"hosts", "email", "ca", "caRoot"}, func(key string, _, v *yaml.Node) {
		what := "tls.acme." + key
		if key == "hosts" {
			hosts, ok := d.strList(v, what)
			if !ok {
				return
			}
			for _, h := range hosts {
				if h == "" || strings.ContainsAny(h, " /:*") {
					d.errf(v, "%s: %q is not a host name (wildcards need a DNS challenge, which apigw does not do)", what, h)
					return
				}
			}
			a.Hosts = hosts
			return
		}
		s, ok := d.str(v, what)
		if !ok {
			return
		}
		switch key {
		case "email":
			a.Email = s
		case "ca":
			if msg := checkURL(s); msg != "" {
				d.errf(v, "%s: %s", what, msg)
				return
			}
			a.CA = s
		case "caRoot":
			a.CARoot = d.path(s)
		}
	}) {
		return
	}
	if len(a.Hosts) == 0 {
		d.errf(n, "tls.acme.hosts must name at least one public host name")
		return
	}
	c.TLS.ACME = a
}

// certFiles decodes {cert, key} at v, whose key node is k.
func (d *decoder) certFiles(k, v *yaml.Node, what string) (CertificateFiles, bool) {
	f := CertificateFiles{Line: k.Line, Column: k.Column}
	if !d.fields(v, what, []string{"cert", "key"}, func(key string, _, v *yaml.Node) {
		s, ok := d.str(v, what+"."+key)
		if !ok {
			return
		}
		if s == "" {
			d.errf(v, "%s.%s must not be empty", what, key)
			return
		}
		if key == "cert" {
			f.Cert = d.path(s)
		} else {
			f.Key = d.path(s)
		}
	}) {
		return f, false
	}
	if f.Cert == "" || f.Key == "" {
		d.errf(k, "%s needs both cert and key", what)
		return f, false
	}
	return f, true
}

func (d *decoder) truststores(n *yaml.Node, c *Config) {
	m, keys := d.strMap(n, "truststores")
	for uri, file := range m {
		switch {
		case !strings.HasPrefix(uri, "s3://") || len(uri) <= len("s3://"):
			d.errf(keys[uri], "truststores: %q is not an s3://bucket/key URI", uri)
		case file == "":
			d.errf(keys[uri], "truststores.%s must name a PEM file", uri)
		default:
			c.Truststores[uri] = Truststore{File: d.path(file), Line: keys[uri].Line, Column: keys[uri].Column}
		}
	}
}
