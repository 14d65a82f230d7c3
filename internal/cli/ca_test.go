package cli

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCA prints the local CA of the config file's data dir, the same CA on
// every run, the one the HTTPS listener uses (kept in {dataDir}/ca).
func TestCA(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"apigw.yaml": "dataDir: ./state\ntls:\n  listen: 127.0.0.1:0\n"})
	cfgFile := filepath.Join(dir, "apigw.yaml")
	var out, errOut bytes.Buffer
	if code := Main([]string{"ca", "--config", cfgFile}, &out, &errOut); code != 0 {
		t.Fatalf("apigw ca: exit %d\n%s", code, errOut.String())
	}
	b, _ := pem.Decode(out.Bytes())
	if b == nil || b.Type != "CERTIFICATE" {
		t.Fatalf("stdout is no PEM certificate: %q", out.String())
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil || !c.IsCA {
		t.Fatalf("certificate %v, IsCA %v", err, c != nil && c.IsCA)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, "state", "ca", "ca.pem"))
	if err != nil || !bytes.Equal(onDisk, out.Bytes()) {
		t.Errorf("the CA printed is not the one in the config file's data dir (%v)", err)
	}
	var again bytes.Buffer
	if code := Main([]string{"ca", "--config", cfgFile}, &again, &errOut); code != 0 || !bytes.Equal(again.Bytes(), out.Bytes()) {
		t.Errorf("a second apigw ca printed another CA (exit %d)", code)
	}
	if code := Main([]string{"ca", "--config", filepath.Join(dir, "missing.yaml")}, &again, &errOut); code != 1 {
		t.Errorf("apigw ca with a missing config file: exit %d; want 1", code)
	}
}

// TestValidateTLSFiles: `apigw validate` reports the TLS files the HTTPS
// listener could not load, at their entries in the config file.
func TestValidateTLSFiles(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"tls.yaml": `tls:
  listen: 127.0.0.1:0
  certificates:
    "arn:aws:acm:us-east-1:000000000000:certificate/abc": {cert: missing.pem, key: missing-key.pem}
truststores:
  "s3://bucket/ts.pem": ./nostore.pem
`})
	var out, errOut bytes.Buffer
	code := Main([]string{"validate", filepath.Join(dir, "tls.yaml")}, &out, &errOut)
	if code != 1 {
		t.Errorf("exit %d; want 1\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"tls.yaml:4:5: certificateArn arn:aws:acm:us-east-1:000000000000:certificate/abc: certificate file " + filepath.Join(dir, "missing.pem"),
		"tls.yaml:6:3: truststoreUri s3://bucket/ts.pem: truststore file " + filepath.Join(dir, "nostore.pem"),
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, errOut.String())
		}
	}
}
