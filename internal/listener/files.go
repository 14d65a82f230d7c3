package listener

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"
)

// CertFiles are the PEM files a certificateArn stands for on this machine.
type CertFiles struct {
	// Cert is the certificate chain, leaf first; Key its private key.
	Cert, Key string
}

// DefaultCertificateRef is what a FileError of tls.defaultCertificate's
// files names in place of a certificateArn.
const DefaultCertificateRef = "tls.defaultCertificate"

// FileError is a certificate or truststore file that cannot be used. It
// names what the file stands for (a certificateArn or a truststoreUri),
// the file, and the custom domains that use it when they are known.
type FileError struct {
	// Kind is "certificate", "key" or "truststore".
	Kind string
	// Ref is the certificateArn or truststoreUri the file stands for.
	Ref string
	// File is the path of the file.
	File string
	// Domains are the custom domain names that use Ref, if known.
	Domains []string
	Err     error
}

func (e *FileError) Error() string {
	what := "certificateArn "
	switch {
	case e.Kind == "truststore":
		what = "truststoreUri "
	case e.Ref == DefaultCertificateRef:
		what = ""
	}
	s := ""
	switch len(e.Domains) {
	case 0:
	case 1:
		s = "domain " + e.Domains[0] + ": "
	default:
		s = fmt.Sprintf("domains %v: ", e.Domains)
	}
	return fmt.Sprintf("%s%s%s: %s file %s: %v", s, what, e.Ref, e.Kind, e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Truststore is a loaded truststore: the CA certificates clients must chain
// to, and the warnings AWS would report for it (truststoreWarnings).
type Truststore struct {
	URI      string
	File     string
	Pool     *x509.CertPool
	Warnings []string
}

// fileSet is one generation of the files the configuration names, loaded
// and checked. It is immutable once built.
type fileSet struct {
	// def is tls.defaultCertificate, nil when not configured.
	def    *tls.Certificate
	certs  map[string]*tls.Certificate // by certificateArn
	stores map[string]*Truststore      // by truststoreUri
}

// loadFiles loads every certificate and truststore. It returns every
// problem found (as *FileError, joined), never a partial set.
func loadFiles(def *CertFiles, certs map[string]CertFiles, stores map[string]string, now time.Time) (*fileSet, error) {
	fs := &fileSet{certs: map[string]*tls.Certificate{}, stores: map[string]*Truststore{}}
	var errs []error
	if def != nil {
		c, err := loadCertificate(DefaultCertificateRef, *def, now)
		if err != nil {
			errs = append(errs, err)
		} else {
			fs.def = c
		}
	}
	for _, arn := range sortedKeys(certs) {
		c, err := loadCertificate(arn, certs[arn], now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fs.certs[arn] = c
	}
	for _, uri := range sortedKeys(stores) {
		ts, err := LoadTruststore(uri, stores[uri], now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fs.stores[uri] = ts
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return fs, nil
}

// CheckFiles loads every certificate and truststore file as New does and
// returns every problem (as *FileError, joined), without serving anything:
// what `apigw validate` reports.
func CheckFiles(def *CertFiles, certs map[string]CertFiles, stores map[string]string, now time.Time) error {
	_, err := loadFiles(def, certs, stores, now)
	return err
}

func loadCertificate(arn string, f CertFiles, now time.Time) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(f.Cert)
	if err != nil {
		return nil, &FileError{Kind: "certificate", Ref: arn, File: f.Cert, Err: unwrapPath(err)}
	}
	keyPEM, err := os.ReadFile(f.Key)
	if err != nil {
		return nil, &FileError{Kind: "key", Ref: arn, File: f.Key, Err: unwrapPath(err)}
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// X509KeyPair names the file at fault only in its message: a
		// certificate without a PEM block, a key without one, or a key
		// that does not match.
		kind, file := "key", f.Key
		if _, cerr := firstCertificate(certPEM); cerr != nil {
			kind, file = "certificate", f.Cert
		}
		return nil, &FileError{Kind: kind, Ref: arn, File: file, Err: err}
	}
	if now.After(pair.Leaf.NotAfter) {
		return nil, &FileError{Kind: "certificate", Ref: arn, File: f.Cert,
			Err: fmt.Errorf("the certificate expired on %s", pair.Leaf.NotAfter.UTC().Format(time.RFC3339))}
	}
	return &pair, nil
}

// LoadTruststore reads a PEM bundle of CA certificates for truststoreUri
// uri. A file that cannot be read or holds no certificate is an error;
// certificates that are expired or are not CA certificates are kept out of
// the pool and reported as warnings, as AWS reports them in
// truststoreWarnings (docs/compatibility.md#truststore-warnings).
func LoadTruststore(uri, file string, now time.Time) (*Truststore, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &FileError{Kind: "truststore", Ref: uri, File: file, Err: unwrapPath(err)}
	}
	ts := &Truststore{URI: uri, File: file, Pool: x509.NewCertPool()}
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, &FileError{Kind: "truststore", Ref: uri, File: file, Err: fmt.Errorf("certificate %d: %w", n+1, err)}
		}
		n++
		name := c.Subject.String()
		switch {
		case now.After(c.NotAfter):
			ts.Warnings = append(ts.Warnings, fmt.Sprintf("Certificate %s (serial %s) in the truststore expired on %s", name, c.SerialNumber, c.NotAfter.UTC().Format(time.RFC3339)))
		case !c.BasicConstraintsValid || !c.IsCA:
			ts.Warnings = append(ts.Warnings, fmt.Sprintf("Certificate %s (serial %s) in the truststore is not a CA certificate", name, c.SerialNumber))
		default:
			ts.Pool.AddCert(c)
		}
	}
	if n == 0 {
		return nil, &FileError{Kind: "truststore", Ref: uri, File: file, Err: errors.New("holds no PEM certificate")}
	}
	if n == len(ts.Warnings) {
		return nil, &FileError{Kind: "truststore", Ref: uri, File: file, Err: fmt.Errorf("holds no usable CA certificate: %v", ts.Warnings)}
	}
	return ts, nil
}

func firstCertificate(data []byte) (*x509.Certificate, error) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no certificate")
		}
		if b.Type == "CERTIFICATE" {
			return x509.ParseCertificate(b.Bytes)
		}
	}
}

// unwrapPath drops the *fs.PathError wrapper, whose path the FileError
// already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
