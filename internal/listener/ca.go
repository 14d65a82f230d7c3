package listener

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// CA file names inside the CA directory ({dataDir}/ca).
const (
	caCertFile = "ca.pem"
	caKeyFile  = "ca-key.pem"
)

// Lifetimes of what the local CA signs. Leaves are short-lived and minted
// again once two thirds of their life has passed; browsers accept private
// roots of any lifetime.
const (
	caLifetime   = 10 * 365 * 24 * time.Hour
	leafLifetime = 90 * 24 * time.Hour
	leafRenew    = leafLifetime / 3
)

// DefaultNames are the names of the local CA's default leaf certificate:
// every host-style API host ({apiId}.execute-api.localhost), localhost and
// its subdomains, and the loopback addresses. A client that sends no SNI
// (it connected to an IP address) gets this certificate too.
var DefaultNames = []string{"localhost", "*.localhost", "*.execute-api.localhost", "127.0.0.1", "::1"}

// CA is the gateway's local certificate authority, kept in a directory of
// the data dir. It signs a certificate for names that no configured
// certificate covers (DefaultNames and custom domains without a mapped
// certificateArn), so that `https://` works locally once the CA is trusted
// (`apigw ca` prints its certificate).
//
// Lifecycle: OpenCA loads the CA from its directory, creating it on first
// use; Leaf is then safe for concurrent use. A CA holds no goroutines and
// needs no Close.
type CA struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	now     func() time.Time

	mu     sync.Mutex
	leaves map[string]*tls.Certificate // guarded by mu; by joined names
}

// OpenCA loads the CA kept in dir, or creates it there (a P-256 key, valid
// ten years) when dir does not exist yet. Creation is atomic: two gateways
// starting on the same data dir end up with the same CA. now may be nil
// (time.Now).
func OpenCA(dir string, now func() time.Time) (*CA, error) {
	if now == nil {
		now = time.Now
	}
	ca, err := loadCA(dir, now)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createCA(dir, now()); err != nil {
			return nil, err
		}
		ca, err = loadCA(dir, now)
	}
	return ca, err
}

func loadCA(dir string, now func() time.Time) (*CA, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, caCertFile))
	if err != nil {
		return nil, fmt.Errorf("local CA: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, fmt.Errorf("local CA: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("local CA in %s: %w", dir, err)
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("local CA in %s: the key cannot sign", dir)
	}
	return &CA{cert: pair.Leaf, key: signer, certPEM: certPEM, now: now, leaves: map[string]*tls.Certificate{}}, nil
}

// createCA writes a new CA into a temporary directory beside dir and
// renames it to dir; if another process created dir first, its CA wins.
func createCA(dir string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("local CA: %w", err)
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"apigw local CA"}, CommonName: "apigw local CA " + host},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return fmt.Errorf("local CA: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("local CA: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("local CA: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".ca-")
	if err != nil {
		return fmt.Errorf("local CA: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, caKeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return fmt.Errorf("local CA: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, caCertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("local CA: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, caCertFile)); statErr == nil {
			return nil // another process created it first
		}
		return fmt.Errorf("local CA: %w", err)
	}
	return nil
}

// PEM returns the CA's certificate, PEM-encoded: what clients trust.
func (ca *CA) PEM() []byte { return slices.Clone(ca.certPEM) }

// Certificate returns the CA's parsed certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// Leaf returns a certificate signed by the CA for names (DNS names,
// wildcard names such as *.example.com, or IP addresses), minted on first
// use and cached until a third of its lifetime is left.
func (ca *CA) Leaf(names ...string) (*tls.Certificate, error) {
	return ca.leaf(strings.Join(names, ","), names)
}

// defaultKey is the cache key of DefaultNames' leaf.
var defaultKey = strings.Join(DefaultNames, ",")

// DefaultLeaf is Leaf(DefaultNames...), without building the cache key.
func (ca *CA) DefaultLeaf() (*tls.Certificate, error) { return ca.leaf(defaultKey, DefaultNames) }

func (ca *CA) leaf(key string, names []string) (*tls.Certificate, error) {
	now := ca.now()
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c := ca.leaves[key]; c != nil && c.Leaf.NotAfter.Sub(now) > leafRenew {
		return c, nil
	}
	c, err := ca.mint(names, now)
	if err != nil {
		return nil, err
	}
	ca.leaves[key] = c
	return c, nil
}

func (ca *CA) mint(names []string, now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("local CA: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"apigw local CA"}, CommonName: names[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		tmpl.NotAfter = ca.cert.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, fmt.Errorf("local CA: signing a certificate for %s: %w", strings.Join(names, ", "), err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("local CA: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// serial returns a random 128-bit serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return n
}
