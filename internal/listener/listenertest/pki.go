// Package listenertest makes throw-away certificate authorities and
// certificates for tests of TLS listeners and mutual TLS.
package listenertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// CA is a test certificate authority (or, with IsCA false, a self-signed
// certificate that is no CA).
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	// PEM is Cert, PEM-encoded.
	PEM []byte
}

var serialCounter atomic.Int64

func nextSerial() *big.Int { return big.NewInt(1000 + serialCounter.Add(1)) }

// Window returns a validity window: valid now, from an hour ago to a day
// from now.
func Window() (notBefore, notAfter time.Time) {
	now := time.Now()
	return now.Add(-time.Hour), now.Add(24 * time.Hour)
}

// Expired returns a validity window that ended two days ago.
func Expired() (notBefore, notAfter time.Time) {
	now := time.Now()
	return now.Add(-72 * time.Hour), now.Add(-48 * time.Hour)
}

// NewCA makes a CA named "C=US,O=Example,CN={cn}" valid from notBefore to
// notAfter; isCA false makes a self-signed certificate that is not a CA.
func NewCA(t testing.TB, cn string, notBefore, notAfter time.Time, isCA bool) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{Country: []string{"US"}, Organization: []string{"Example"}, CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: c, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// Issued is a certificate the CA signed.
type Issued struct {
	CertPEM, KeyPEM []byte
	Pair            tls.Certificate
}

// Server signs a server certificate for names (DNS names, wildcards or IP
// addresses), valid from notBefore to notAfter.
func (ca *CA) Server(t testing.TB, notBefore, notAfter time.Time, names ...string) Issued {
	t.Helper()
	return ca.issue(t, false, notBefore, notAfter, names)
}

// Client signs a client certificate "C=US,O=Example,CN={cn}".
func (ca *CA) Client(t testing.TB, notBefore, notAfter time.Time, cn string) Issued {
	t.Helper()
	return ca.issue(t, true, notBefore, notAfter, []string{cn})
}

func (ca *CA) issue(t testing.TB, client bool, notBefore, notAfter time.Time, names []string) Issued {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{Country: []string{"US"}, Organization: []string{"Example"}, CommonName: names[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		for _, n := range names {
			if ip := net.ParseIP(n); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, n)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	out := Issued{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}
	out.Pair, err = tls.X509KeyPair(out.CertPEM, out.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Pool returns a pool holding the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// WriteFile writes data to dir/name (mode 0600) and returns its path.
func WriteFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
