package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "apigw.yaml")
	doc := `listen: ""
tls:
  listen: 127.0.0.1:3443
  localCA: false
  defaultCertificate: {cert: gw.pem, key: gw-key.pem}
  acme: {hosts: [api.example.com, www.example.com], email: ops@example.com, ca: "https://127.0.0.1:14000/dir", caRoot: pebble.pem}
  certificates:
    "arn:aws:acm:us-east-1:000000000000:certificate/abc": {cert: certs/api.pem, key: /abs/api-key.pem}
truststores:
  "s3://my-bucket/truststore.pem": ./truststore.pem
`
	c, err := Parse([]byte(doc), file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "" || c.TLS.Listen != "127.0.0.1:3443" || c.TLS.LocalCA {
		t.Errorf("listen %q, tls.listen %q, localCA %v", c.Listen, c.TLS.Listen, c.TLS.LocalCA)
	}
	if dc := c.TLS.DefaultCertificate; dc == nil || dc.Cert != filepath.Join(dir, "gw.pem") || dc.Key != filepath.Join(dir, "gw-key.pem") {
		t.Errorf("defaultCertificate %+v", dc)
	}
	if a := c.TLS.ACME; a == nil || len(a.Hosts) != 2 || a.Email != "ops@example.com" || a.CA != "https://127.0.0.1:14000/dir" || a.CARoot != filepath.Join(dir, "pebble.pem") {
		t.Errorf("acme %+v", a)
	}
	cf := c.TLS.Certificates["arn:aws:acm:us-east-1:000000000000:certificate/abc"]
	if cf.Cert != filepath.Join(dir, "certs/api.pem") || cf.Key != "/abs/api-key.pem" || cf.Line != 8 {
		t.Errorf("certificate files %+v", cf)
	}
	if ts := c.Truststores["s3://my-bucket/truststore.pem"]; ts.File != filepath.Join(dir, "truststore.pem") {
		t.Errorf("truststore %+v", ts)
	}

	d, err := Parse([]byte("{}\n"), file)
	if err != nil {
		t.Fatal(err)
	}
	if d.TLS.Listen != "" || !d.TLS.LocalCA {
		t.Errorf("defaults: tls.listen %q, localCA %v; want \"\", true", d.TLS.Listen, d.TLS.LocalCA)
	}
	if err := d.Apply(Overrides{TLSListen: "127.0.0.1:0"}); err != nil || d.TLS.Listen != "127.0.0.1:0" {
		t.Errorf("--tls-listen: %v, %q", err, d.TLS.Listen)
	}
	if err := d.Apply(Overrides{TLSListen: "nope"}); err == nil || !strings.Contains(err.Error(), "--tls-listen") {
		t.Errorf("--tls-listen nope: %v", err)
	}
}

func TestTLSProblems(t *testing.T) {
	t.Parallel()
	doc := `listen: ""
tls:
  listen: nowhere
  certificates:
    "not-an-arn": {cert: a.pem, key: b.pem}
    "arn:aws:acm:us-east-1:000000000000:certificate/x": {cert: a.pem}
    "arn:aws:acm:us-east-1:000000000000:certificate/y": {cert: a.pem, key: b.pem, chain: c.pem}
  ocsp: true
  acme: {hosts: ["*.example.com"], ca: "ftp://x"}
truststores:
  "https://bucket/x.pem": ./x.pem
`
	_, err := Parse([]byte(doc), "c.yaml")
	if err == nil {
		t.Fatal("no problem reported")
	}
	for _, want := range []string{
		`c.yaml:1:9: listen: "" turns plain HTTP off, so tls.listen must be set`,
		`c.yaml:3:11: tls.listen: "nowhere" is not a host:port address`,
		`c.yaml:5:5: tls.certificates: "not-an-arn" is not an ARN`,
		`c.yaml:6:5: tls.certificates.arn:aws:acm:us-east-1:000000000000:certificate/x needs both cert and key`,
		`c.yaml:7:`, `"chain"`,
		`c.yaml:8:3:`, `"ocsp"`,
		`c.yaml:11:3: truststores: "https://bucket/x.pem" is not an s3://bucket/key URI`,
		`tls.acme.hosts: "*.example.com" is not a host name`,
		`tls.acme.ca: "ftp://x" is not an http or https URL`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems do not contain %q:\n%v", want, err)
		}
	}
}
