package listener

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3"
	"go.uber.org/zap"
)

// LetsEncrypt is the ACME directory used when ACME.CA is empty.
const LetsEncrypt = certmagic.LetsEncryptProductionCA

// ACME configures certificates from an ACME certificate authority (Let's
// Encrypt by default) for public host names, through certmagic, Caddy's
// certificate manager.
type ACME struct {
	// Hosts are the names to get certificates for. Required.
	Hosts []string
	// Email is the account's contact address; optional.
	Email string
	// CA is the ACME directory URL; "" means Let's Encrypt's production
	// directory.
	CA string
	// Roots, when not nil, are the roots that the ACME server's own HTTPS
	// certificate chains to (a private ACME server); nil means the system's.
	Roots *x509.CertPool
	// StorageDir keeps the ACME account, certificates and locks
	// ({dataDir}/acme). Required.
	StorageDir string
}

// acmeManager holds certmagic's state for Terminator. Its cache runs
// maintenance goroutines from start until stop.
type acmeManager struct {
	hosts  map[string]bool
	list   []string
	cache  *certmagic.Cache
	magic  *certmagic.Config
	issuer *certmagic.ACMEIssuer
}

func newACME(a *ACME) (*acmeManager, error) {
	if len(a.Hosts) == 0 {
		return nil, errors.New("tls.acme: hosts must name at least one host")
	}
	if a.StorageDir == "" {
		return nil, errors.New("tls.acme: no storage directory")
	}
	m := &acmeManager{hosts: map[string]bool{}}
	for _, h := range a.Hosts {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		m.hosts[h] = true
		m.list = append(m.list, h)
	}
	slices.Sort(m.list)
	logger := zap.NewNop()
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return m.magic, nil },
		Logger:           logger,
	})
	m.magic = certmagic.New(m.cache, certmagic.Config{
		Storage: &certmagic.FileStorage{Path: a.StorageDir},
		Logger:  logger,
	})
	ca := a.CA
	if ca == "" {
		ca = LetsEncrypt
	}
	m.issuer = certmagic.NewACMEIssuer(m.magic, certmagic.ACMEIssuer{
		CA:           ca,
		Email:        a.Email,
		Agreed:       true,
		TrustedRoots: a.Roots,
		Logger:       logger,
	})
	m.magic.Issuers = []certmagic.Issuer{m.issuer}
	return m, nil
}

// start obtains (or loads) the hosts' certificates in the background and
// keeps them renewed until stop.
func (m *acmeManager) start(ctx context.Context) error {
	if err := m.magic.ManageAsync(ctx, m.list); err != nil {
		return fmt.Errorf("tls.acme: %w", err)
	}
	return nil
}

func (m *acmeManager) stop() { m.cache.Stop() }

// challenge reports a TLS-ALPN-01 validation handshake from the ACME CA.
func challenge(hello *tls.ClientHelloInfo) bool {
	return slices.Contains(hello.SupportedProtos, acmez.ACMETLS1Protocol)
}

// HTTPHandler wraps the plain data plane handler so that it answers the
// ACME CA's HTTP-01 challenges (/.well-known/acme-challenge/...) when ACME
// is configured; otherwise it returns h.
func (t *Terminator) HTTPHandler(h http.Handler) http.Handler {
	if t.acme == nil {
		return h
	}
	return t.acme.issuer.HTTPChallengeHandler(h)
}
