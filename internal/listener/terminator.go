package listener

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/apigwdev/apigw/internal/snapshot"
)

// Config configures a Terminator.
type Config struct {
	// Certificates maps a domain name's certificateArn to the PEM files it
	// stands for on this machine.
	Certificates map[string]CertFiles
	// Default, when set, is the certificate of every name no custom domain
	// covers, in place of the local CA's default certificate (for a
	// gateway serving host-style API hosts under its own DNS name, say).
	Default *CertFiles
	// Truststores maps a mutual-TLS truststoreUri (s3://bucket/key) to a
	// local PEM bundle of CA certificates.
	Truststores map[string]string
	// CA signs certificates for every name no configured certificate
	// covers; nil turns the local CA off (such handshakes then fail).
	CA *CA
	// ACME, when set, gets certificates for its public hosts from an ACME
	// CA (Let's Encrypt by default): a host's own certificate once
	// obtained, before tls.defaultCertificate and the local CA, after a
	// custom domain's mapped certificateArn.
	ACME *ACME
	// Snapshot returns the snapshot being served, whose custom domains say
	// which certificate, security policy and truststore a name uses. It
	// must not be nil.
	Snapshot func() *snapshot.Snapshot
	// Logger receives reloads, their failures and handshake refusals of
	// misconfigured domains. If nil, slog.Default() is used.
	Logger *slog.Logger
	// Now returns the current time (certificate expiry checks). If nil,
	// time.Now is used.
	Now func() time.Time
}

// Terminator chooses, for every TLS handshake of the data plane, the
// certificate, the TLS versions and the client-certificate policy of the
// name the client asked for (SNI):
//
//   - a custom domain name (exact name first, then its "*." wildcard name)
//     uses the certificate its certificateArn stands for, else one signed
//     by the local CA for the domain's name;
//   - every other name gets Config.Default, else the local CA's default
//     certificate (DefaultNames);
//   - TLS 1.2 and 1.3, and 1.0/1.1 too for a domain whose securityPolicy
//     is TLS_1_0;
//   - a domain with a truststore requires a client certificate that
//     chains to it (tls.RequireAndVerifyClientCert): a handshake without
//     one, or with one that is expired or from another CA, fails;
//   - HTTP/2 and HTTP/1.1 by ALPN.
//
// Lifecycle:
//
//  1. New loads every certificate and truststore file; any problem is an
//     error naming the domain (when known), the certificateArn or
//     truststoreUri, and the file.
//  2. Config returns the tls.Config to serve with; it is safe for
//     concurrent handshakes.
//  3. Watch reloads the files when they change until its context ends; a
//     reload that fails logs the same errors and keeps the previous files
//     serving. Reload does the same on demand.
type Terminator struct {
	cfg   Config
	log   *slog.Logger
	acme  *acmeManager // nil without Config.ACME
	files atomic.Pointer[fileSet]
	// configs caches one tls.Config per (certificate, versions,
	// truststore); it is emptied when files are reloaded.
	configs sync.Map // configKey → *tls.Config
	base    *tls.Config
	// warned remembers the domain problems already logged, so a bad
	// domain is logged once per snapshot change, not per handshake.
	warned sync.Map // string → struct{}
}

type configKey struct {
	cert *tls.Certificate
	// acme is set instead of cert for a host whose certificate certmagic
	// manages (renewals replace it; the config asks certmagic each time).
	acme  bool
	min   uint16
	store *Truststore
}

// New loads the configured files and returns a Terminator serving them.
func New(cfg Config) (*Terminator, error) {
	if cfg.Snapshot == nil {
		return nil, errors.New("listener: Config.Snapshot is nil")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &Terminator{cfg: cfg, log: cfg.Logger}
	if cfg.ACME != nil {
		m, err := newACME(cfg.ACME)
		if err != nil {
			return nil, err
		}
		t.acme = m
	}
	fs, err := loadFiles(cfg.Default, cfg.Certificates, cfg.Truststores, cfg.Now())
	if err != nil {
		return nil, t.nameDomains(err)
	}
	t.files.Store(fs)
	t.base = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		NextProtos:         []string{"h2", "http/1.1"},
		GetConfigForClient: t.configForClient,
	}
	return t, nil
}

// Config returns the listener's tls.Config; every handshake gets its
// domain's settings from GetConfigForClient.
func (t *Terminator) Config() *tls.Config { return t.base }

// Truststore returns the loaded truststore a truststoreUri stands for, or
// an error when the configuration does not map it.
func (t *Terminator) Truststore(uri string) (*Truststore, error) {
	if ts := t.files.Load().stores[uri]; ts != nil {
		return ts, nil
	}
	return nil, fmt.Errorf("truststoreUri %s is not mapped to a file by truststores in the config file", uri)
}

// Check returns a warning for every custom domain of s whose
// certificateArn or truststoreUri the configuration does not map: the
// first is served with a local-CA certificate (or not at all without the
// CA), the second refuses every handshake and request.
func (t *Terminator) Check(s *snapshot.Snapshot) []string {
	fs := t.files.Load()
	var out []string
	for _, d := range allDomains(s) {
		if d.CertificateARN != "" && fs.certs[d.CertificateARN] == nil {
			if t.acme != nil && t.acme.hosts[d.Name] {
				out = append(out, fmt.Sprintf("domain %s: certificateArn %s is not mapped by tls.certificates in the config file; serving its ACME certificate", d.Name, d.CertificateARN))
			} else if t.cfg.CA != nil {
				out = append(out, fmt.Sprintf("domain %s: certificateArn %s is not mapped by tls.certificates in the config file; serving a certificate of the local CA", d.Name, d.CertificateARN))
			} else {
				out = append(out, fmt.Sprintf("domain %s: certificateArn %s is not mapped by tls.certificates in the config file and the local CA is off; HTTPS handshakes for it fail", d.Name, d.CertificateARN))
			}
		}
		if d.TruststoreURI != "" && fs.stores[d.TruststoreURI] == nil {
			out = append(out, fmt.Sprintf("domain %s: mutual TLS truststoreUri %s is not mapped by truststores in the config file; every handshake and request for the domain is refused", d.Name, d.TruststoreURI))
		}
	}
	return out
}

func allDomains(s *snapshot.Snapshot) []*snapshot.Domain {
	if s == nil {
		return nil
	}
	out := make([]*snapshot.Domain, 0, len(s.Domains)+len(s.WildcardDomains))
	for _, k := range sortedKeys(s.Domains) {
		out = append(out, s.Domains[k])
	}
	for _, k := range sortedKeys(s.WildcardDomains) {
		out = append(out, s.WildcardDomains[k])
	}
	return out
}

// nameDomains adds to each *FileError of err the custom domains of the
// current snapshot that use the file.
func (t *Terminator) nameDomains(err error) error {
	s := t.cfg.Snapshot()
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		var fe *FileError
		if !errors.As(e, &fe) {
			continue
		}
		for _, d := range allDomains(s) {
			if (fe.Kind == "truststore" && d.TruststoreURI == fe.Ref) || (fe.Kind != "truststore" && d.CertificateARN == fe.Ref) {
				fe.Domains = append(fe.Domains, d.Name)
			}
		}
	}
	return err
}

// Reload loads the files again. On success the new files serve every new
// handshake; on failure the previous ones keep serving and the error says
// why.
func (t *Terminator) Reload() error {
	fs, err := loadFiles(t.cfg.Default, t.cfg.Certificates, t.cfg.Truststores, t.cfg.Now())
	if err != nil {
		return t.nameDomains(err)
	}
	t.files.Store(fs)
	t.configs.Clear()
	t.warned.Clear()
	return nil
}

// Watch reloads the files whenever one of them changes (written, replaced
// or renamed into place; changes within 200 ms are taken together) until
// ctx is done. It returns when the watch cannot start, or when ctx ends.
// Every reload is logged; a failed one at error level, naming the files.
//
// With ACME, Watch also obtains and renews the ACME hosts' certificates
// for as long as it runs.
func (t *Terminator) Watch(ctx context.Context) error {
	if t.acme != nil {
		if err := t.acme.start(ctx); err != nil {
			return err
		}
		defer t.acme.stop()
	}
	files := map[string]bool{}
	if d := t.cfg.Default; d != nil {
		files[filepath.Clean(d.Cert)] = true
		files[filepath.Clean(d.Key)] = true
	}
	for _, f := range t.cfg.Certificates {
		files[filepath.Clean(f.Cert)] = true
		files[filepath.Clean(f.Key)] = true
	}
	for _, f := range t.cfg.Truststores {
		files[filepath.Clean(f)] = true
	}
	if len(files) == 0 {
		<-ctx.Done()
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching certificate files: %w", err)
	}
	defer w.Close()
	dirs := map[string]bool{}
	for f := range files {
		dirs[filepath.Dir(f)] = true
	}
	for d := range dirs {
		// Directories, not files: editors and tools replace files by
		// renaming a new one into place.
		if err := w.Add(d); err != nil {
			return fmt.Errorf("watching certificate files in %s: %w", d, err)
		}
	}
	// Files changed between New and now are picked up at once.
	var timer <-chan time.Time = time.After(0)
	initial := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			// Kubernetes swaps a mounted secret by renaming a "..data"
			// symlink; the files themselves report nothing.
			if (files[filepath.Clean(ev.Name)] || strings.HasPrefix(filepath.Base(ev.Name), "..")) && timer == nil {
				timer = time.After(200 * time.Millisecond)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			t.log.Warn("watching certificate files", "err", err)
		case <-timer:
			timer = nil
			if err := t.Reload(); err != nil {
				t.log.Error("reloading TLS certificates and truststores failed; the previous ones keep serving", "err", err)
			} else if !initial {
				t.log.Info("reloaded TLS certificates and truststores")
			}
			initial = false
		}
	}
}

// configForClient is the listener's GetConfigForClient.
func (t *Terminator) configForClient(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	if t.acme != nil && challenge(hello) {
		return t.acme.magic.TLSConfig(), nil
	}
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	var d *snapshot.Domain
	if name != "" {
		if s := t.cfg.Snapshot(); s != nil {
			d = s.Domain(name)
		}
	}
	fs := t.files.Load()
	key := configKey{min: tls.VersionTLS12}
	acmeHost := t.acme != nil && t.acme.hosts[name]
	if d == nil && acmeHost {
		key.acme = true
	} else if d == nil && fs.def != nil {
		key.cert = fs.def
	} else if d == nil {
		if t.cfg.CA == nil {
			return nil, fmt.Errorf("no certificate for %q: it is no custom domain and the local CA is off", name)
		}
		c, err := t.cfg.CA.DefaultLeaf()
		if err != nil {
			return nil, err
		}
		key.cert = c
	} else {
		if d.SecurityPolicy == "TLS_1_0" {
			key.min = tls.VersionTLS10
		}
		if c := fs.certs[d.CertificateARN]; c != nil {
			key.cert = c
		} else if acmeHost {
			key.acme = true
		} else if t.cfg.CA != nil {
			c, err := t.cfg.CA.Leaf(d.Name)
			if err != nil {
				return nil, err
			}
			key.cert = c
		} else {
			t.warnOnce(d.Name+"|cert", "refusing a TLS handshake: the domain's certificateArn is not mapped and the local CA is off", "domain", d.Name, "certificateArn", d.CertificateARN)
			return nil, fmt.Errorf("domain %s has no certificate", d.Name)
		}
		if d.TruststoreURI != "" {
			key.store = fs.stores[d.TruststoreURI]
			if key.store == nil {
				// Never fail open: a truststore that is not there refuses
				// the handshake.
				t.warnOnce(d.Name+"|"+d.TruststoreURI, "refusing a mutual TLS handshake: the domain's truststoreUri is not mapped to a file", "domain", d.Name, "truststoreUri", d.TruststoreURI)
				return nil, fmt.Errorf("domain %s: truststore %s is not available", d.Name, d.TruststoreURI)
			}
		}
	}
	if c, ok := t.configs.Load(key); ok {
		return c.(*tls.Config), nil
	}
	c := &tls.Config{
		MinVersion: key.min,
		NextProtos: []string{"h2", "http/1.1"},
	}
	if key.acme {
		c.GetCertificate = t.acmeCertificate
	} else {
		c.Certificates = []tls.Certificate{*key.cert}
	}
	if key.store != nil {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = key.store.Pool
		// No resumption into or out of a mutual-TLS domain: every
		// connection verifies its client certificate against the
		// domain's truststore as it is now (a ticket from another domain,
		// or from before a truststore reload, is never honoured).
		c.SessionTicketsDisabled = true
	}
	actual, _ := t.configs.LoadOrStore(key, c)
	return actual.(*tls.Config), nil
}

// acmeCertificate is the certificate of an ACME host: certmagic's once
// obtained; until then (or if it cannot be had) one from the local CA for
// the host, else tls.defaultCertificate, so that the listener serves
// meanwhile.
func (t *Terminator) acmeCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	c, err := t.acme.magic.GetCertificate(hello)
	if err == nil {
		return c, nil
	}
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	t.warnOnce("acme|"+name, "no ACME certificate yet; serving the fallback certificate", "host", name, "err", err)
	if t.cfg.CA != nil && t.acme.hosts[name] {
		return t.cfg.CA.Leaf(name)
	}
	if def := t.files.Load().def; def != nil {
		return def, nil
	}
	return nil, err
}

func (t *Terminator) warnOnce(key, msg string, args ...any) {
	if _, seen := t.warned.LoadOrStore(key, struct{}{}); !seen {
		t.log.Warn(msg, args...)
	}
}
