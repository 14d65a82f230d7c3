package listener

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/listener/listenertest"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// fixture is a Terminator serving a small snapshot over a real TLS
// listener: api.example.com with its own certificate, *.example.com with
// a wildcard certificate, nocert.example.com without one, legacy.example.com
// with securityPolicy TLS_1_0 and mtls.example.com with mutual TLS.
type fixture struct {
	addr    string
	term    *Terminator
	local   *CA
	server  *listenertest.CA // issued the domains' certificates
	clients *listenertest.CA // the mutual-TLS truststore's CA
	files   map[string]string
	snap    atomic.Pointer[snapshot.Snapshot]
}

const (
	arnAPI      = "arn:aws:acm:us-east-1:000000000000:certificate/api"
	arnWildcard = "arn:aws:acm:us-east-1:000000000000:certificate/wild"
	arnMTLS     = "arn:aws:acm:us-east-1:000000000000:certificate/mtls"
	storeURI    = "s3://bucket/truststore.pem"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	nb, na := listenertest.Window()
	f := &fixture{files: map[string]string{}}
	f.server = listenertest.NewCA(t, "Domain CA", nb, na, true)
	f.clients = listenertest.NewCA(t, "Client CA", nb, na, true)
	issue := func(arn, name string, names ...string) CertFiles {
		is := f.server.Server(t, nb, na, names...)
		c, k := is.CertPEM, is.KeyPEM
		cf := CertFiles{Cert: listenertest.WriteFile(t, dir, name+".pem", c), Key: listenertest.WriteFile(t, dir, name+"-key.pem", k)}
		f.files[name] = cf.Cert
		f.files[name+"-key"] = cf.Key
		return cf
	}
	certs := map[string]CertFiles{
		arnAPI:      issue(arnAPI, "api", "api.example.com"),
		arnWildcard: issue(arnWildcard, "wild", "*.example.com"),
		arnMTLS:     issue(arnMTLS, "mtls", "mtls.example.com"),
	}
	f.files["truststore"] = listenertest.WriteFile(t, dir, "truststore.pem", f.clients.PEM)
	var err error
	f.local, err = OpenCA(filepath.Join(dir, "ca"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dom := func(name, arn, policy, store string) *snapshot.Domain {
		return &snapshot.Domain{Name: name, CertificateARN: arn, SecurityPolicy: policy, TruststoreURI: store}
	}
	f.snap.Store(&snapshot.Snapshot{
		Domains: map[string]*snapshot.Domain{
			"api.example.com":    dom("api.example.com", arnAPI, "TLS_1_2", ""),
			"nocert.example.com": dom("nocert.example.com", "", "TLS_1_2", ""),
			"legacy.example.com": dom("legacy.example.com", arnWildcard, "TLS_1_0", ""),
			"mtls.example.com":   dom("mtls.example.com", arnMTLS, "TLS_1_2", storeURI),
		},
		WildcardDomains: map[string]*snapshot.Domain{".example.com": dom("*.example.com", arnWildcard, "TLS_1_2", "")},
	})
	f.term, err = New(Config{
		Certificates: certs,
		Truststores:  map[string]string{storeURI: f.files["truststore"]},
		CA:           f.local,
		Snapshot:     f.snap.Load,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := ""
		if len(r.TLS.PeerCertificates) > 0 {
			peer = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		fmt.Fprintf(w, "%s %s %s", r.Proto, r.TLS.ServerName, peer)
	}), ErrorLog: slog.NewLogLogger(slog.New(slog.NewTextHandler(io.Discard, nil)).Handler(), slog.LevelDebug)}
	go srv.Serve(tls.NewListener(ln, f.term.Config()))
	t.Cleanup(func() { srv.Close() })
	f.addr = ln.Addr().String()
	return f
}

// roots trusts both the domains' CA and the local CA.
func (f *fixture) roots() *x509.CertPool {
	p := f.server.Pool()
	p.AddCert(f.local.Certificate())
	return p
}

// handshake connects with SNI name and returns the server's leaf.
func (f *fixture) handshake(t *testing.T, cfg *tls.Config) (*tls.ConnectionState, error) {
	t.Helper()
	if cfg.RootCAs == nil {
		cfg.RootCAs = f.roots()
	}
	c, err := tls.Dial("tcp", f.addr, cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	st := c.ConnectionState()
	// In TLS 1.3 the server checks the client certificate after the
	// client's handshake returned: a refusal shows on the first read.
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")); err != nil {
		return nil, err
	}
	if _, err := io.ReadAll(c); err != nil {
		return nil, err
	}
	return &st, nil
}

func TestCertificateBySNI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name, sni string
		// wantIssuer is the CN of the certificate's issuer.
		wantIssuer string
		// wantName is a name the certificate must cover.
		wantName string
	}{
		{"a custom domain's own certificate", "api.example.com", "Domain CA", "api.example.com"},
		{"SNI is case-insensitive", "API.Example.COM", "Domain CA", "api.example.com"},
		{"a wildcard domain's certificate", "tenant.example.com", "Domain CA", "tenant.example.com"},
		{"exact name wins over the wildcard", "api.example.com", "Domain CA", "api.example.com"},
		{"a domain without certificateArn gets a local-CA certificate", "nocert.example.com", f.local.Certificate().Subject.CommonName, "nocert.example.com"},
		{"host-style API host", "a1b2c3d4e5.execute-api.localhost", f.local.Certificate().Subject.CommonName, "a1b2c3d4e5.execute-api.localhost"},
		{"localhost", "localhost", f.local.Certificate().Subject.CommonName, "localhost"},
		{"no SNI (an IP address)", "", f.local.Certificate().Subject.CommonName, "127.0.0.1"},
		{"a name below a wildcard's child is no domain", "a.b.example.com", f.local.Certificate().Subject.CommonName, "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := &tls.Config{ServerName: tt.sni, InsecureSkipVerify: true}
			if tt.sni == "" {
				cfg.ServerName = ""
			}
			st, err := f.handshake(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			leaf := st.PeerCertificates[0]
			if got := leaf.Issuer.CommonName; got != tt.wantIssuer {
				t.Errorf("issuer %q; want %q", got, tt.wantIssuer)
			}
			if err := leaf.VerifyHostname(tt.wantName); err != nil {
				t.Errorf("certificate does not cover %s: %v", tt.wantName, err)
			}
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: f.roots(), DNSName: tt.wantName}); err != nil {
				t.Errorf("certificate does not verify for %s: %v", tt.wantName, err)
			}
		})
	}
}

func TestLocalCAVerifiedByHTTPClient(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pool := x509.NewCertPool()
	pool.AddCert(f.local.Certificate())
	for _, proto := range []string{"h2", "http/1.1"} {
		tr := &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, f.addr)
			},
		}
		tr.Protocols = new(http.Protocols)
		if proto == "h2" {
			tr.Protocols.SetHTTP2(true)
		} else {
			tr.Protocols.SetHTTP1(true)
		}
		resp, err := (&http.Client{Transport: tr}).Get("https://a1b2c3d4e5.execute-api.localhost/")
		if err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := map[string]string{"h2": "HTTP/2.0", "http/1.1": "HTTP/1.1"}[proto]
		if !strings.HasPrefix(string(b), want+" a1b2c3d4e5.execute-api.localhost") {
			t.Errorf("%s: server saw %q; want %s", proto, b, want)
		}
		tr.CloseIdleConnections()
	}
}

func TestSecurityPolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		sni     string
		max     uint16
		wantErr bool
	}{
		{"api.example.com", tls.VersionTLS11, true},
		{"api.example.com", tls.VersionTLS10, true},
		{"api.example.com", tls.VersionTLS12, false},
		{"api.example.com", tls.VersionTLS13, false},
		{"localhost", tls.VersionTLS11, true},
		{"legacy.example.com", tls.VersionTLS11, false},
		{"legacy.example.com", tls.VersionTLS10, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.sni, tls.VersionName(tt.max)), func(t *testing.T) {
			t.Parallel()
			st, err := f.handshake(t, &tls.Config{ServerName: tt.sni, MinVersion: tls.VersionTLS10, MaxVersion: tt.max})
			if tt.wantErr {
				if err == nil {
					t.Fatalf("handshake with %s succeeded (%s); want refused", tls.VersionName(tt.max), tls.VersionName(st.Version))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Version != tt.max {
				t.Errorf("negotiated %s; want %s", tls.VersionName(st.Version), tls.VersionName(tt.max))
			}
		})
	}
}

func TestMutualTLS(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	nb, na := listenertest.Window()
	valid := f.clients.Client(t, nb, na, "My Client").Pair
	expired := f.clients.Client(t, nb.Add(-72*time.Hour), nb.Add(-48*time.Hour), "Old Client").Pair
	foreignCA := listenertest.NewCA(t, "Foreign CA", nb, na, true)
	foreign := foreignCA.Client(t, nb, na, "Stranger").Pair
	tests := []struct {
		name    string
		certs   []tls.Certificate
		max     uint16
		wantErr bool
	}{
		{"no certificate", nil, tls.VersionTLS13, true},
		{"no certificate, TLS 1.2", nil, tls.VersionTLS12, true},
		{"expired certificate", []tls.Certificate{expired}, tls.VersionTLS13, true},
		{"certificate of another CA", []tls.Certificate{foreign}, tls.VersionTLS13, true},
		{"certificate of another CA, TLS 1.2", []tls.Certificate{foreign}, tls.VersionTLS12, true},
		{"valid certificate", []tls.Certificate{valid}, tls.VersionTLS13, false},
		{"valid certificate, TLS 1.2", []tls.Certificate{valid}, tls.VersionTLS12, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.handshake(t, &tls.Config{ServerName: "mtls.example.com", Certificates: tt.certs, MaxVersion: tt.max})
			if tt.wantErr && err == nil {
				t.Fatal("the connection was served; want the handshake refused")
			}
			if !tt.wantErr && err != nil {
				t.Fatal(err)
			}
		})
	}
	// Other names on the same listener ask for no certificate.
	if _, err := f.handshake(t, &tls.Config{ServerName: "api.example.com"}); err != nil {
		t.Errorf("api.example.com without a client certificate: %v", err)
	}
}

func TestMutualTLSWithoutTruststoreRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := *f.snap.Load()
	s.Domains = map[string]*snapshot.Domain{"mtls.example.com": {Name: "mtls.example.com", SecurityPolicy: "TLS_1_2", TruststoreURI: "s3://bucket/unmapped.pem"}}
	f.snap.Store(&s)
	nb, na := listenertest.Window()
	valid := f.clients.Client(t, nb, na, "My Client").Pair
	if _, err := f.handshake(t, &tls.Config{ServerName: "mtls.example.com", Certificates: []tls.Certificate{valid}}); err == nil {
		t.Fatal("a domain whose truststore is not mapped was served; want the handshake refused")
	}
	w := f.term.Check(&s)
	if len(w) != 1 || !strings.Contains(w[0], "mtls.example.com") || !strings.Contains(w[0], "s3://bucket/unmapped.pem") {
		t.Errorf("warnings %q; want one naming the domain and the truststoreUri", w)
	}
}

func TestCheckWarnsUnmappedCertificate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := &snapshot.Snapshot{Domains: map[string]*snapshot.Domain{
		"shop.example.org": {Name: "shop.example.org", CertificateARN: "arn:aws:acm:us-east-1:000000000000:certificate/missing"},
		"api.example.com":  {Name: "api.example.com", CertificateARN: arnAPI},
	}}
	w := f.term.Check(s)
	if len(w) != 1 || !strings.Contains(w[0], "domain shop.example.org") || !strings.Contains(w[0], "certificate/missing") {
		t.Errorf("warnings %q; want one naming shop.example.org and its certificateArn", w)
	}
}

func TestBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nb, na := listenertest.Window()
	ca := listenertest.NewCA(t, "CA", nb, na, true)
	good := ca.Server(t, nb, na, "api.example.com")
	goodCert, goodKey := good.CertPEM, good.KeyPEM
	otherKey := ca.Server(t, nb, na, "other.example.com").KeyPEM
	old := ca.Server(t, nb.Add(-72*time.Hour), nb.Add(-48*time.Hour), "api.example.com")
	oldCert, oldKey := old.CertPEM, old.KeyPEM
	cert := listenertest.WriteFile(t, dir, "cert.pem", goodCert)
	key := listenertest.WriteFile(t, dir, "key.pem", goodKey)
	unreadable := listenertest.WriteFile(t, dir, "unreadable.pem", goodCert)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	_, unreadableErr := os.ReadFile(unreadable) // root reads anything
	notCA := listenertest.NewCA(t, "Leaf Only", nb, na, false)
	expiredCA := listenertest.NewCA(t, "Expired CA", nb.Add(-72*time.Hour), nb.Add(-48*time.Hour), true)
	tests := []struct {
		name   string
		certs  map[string]CertFiles
		stores map[string]string
		// want are substrings of the error.
		want []string
		skip bool
	}{
		{name: "missing certificate", certs: map[string]CertFiles{arnAPI: {Cert: filepath.Join(dir, "nope.pem"), Key: key}},
			want: []string{"domain api.example.com", arnAPI, "certificate file " + filepath.Join(dir, "nope.pem"), "no such file"}},
		{name: "missing key", certs: map[string]CertFiles{arnAPI: {Cert: cert, Key: filepath.Join(dir, "nokey.pem")}},
			want: []string{"domain api.example.com", "key file " + filepath.Join(dir, "nokey.pem")}},
		{name: "unreadable certificate", certs: map[string]CertFiles{arnAPI: {Cert: unreadable, Key: key}},
			want: []string{"domain api.example.com", "certificate file " + unreadable, "permission denied"}, skip: unreadableErr == nil},
		{name: "key does not match", certs: map[string]CertFiles{arnAPI: {Cert: cert, Key: listenertest.WriteFile(t, dir, "other-key.pem", otherKey)}},
			want: []string{"domain api.example.com", "key file " + filepath.Join(dir, "other-key.pem"), "does not match"}},
		{name: "not PEM", certs: map[string]CertFiles{arnAPI: {Cert: listenertest.WriteFile(t, dir, "garbage.pem", []byte("hello")), Key: key}},
			want: []string{"certificate file " + filepath.Join(dir, "garbage.pem")}},
		{name: "expired certificate", certs: map[string]CertFiles{arnAPI: {Cert: listenertest.WriteFile(t, dir, "old.pem", oldCert), Key: listenertest.WriteFile(t, dir, "old-key.pem", oldKey)}},
			want: []string{"domain api.example.com", "certificate file " + filepath.Join(dir, "old.pem"), "expired"}},
		{name: "missing truststore", stores: map[string]string{storeURI: filepath.Join(dir, "nostore.pem")},
			want: []string{"domain mtls.example.com", storeURI, "truststore file " + filepath.Join(dir, "nostore.pem")}},
		{name: "empty truststore", stores: map[string]string{storeURI: listenertest.WriteFile(t, dir, "empty.pem", []byte("# nothing\n"))},
			want: []string{"domain mtls.example.com", "holds no PEM certificate"}},
		{name: "truststore without a usable CA", stores: map[string]string{storeURI: listenertest.WriteFile(t, dir, "unusable.pem", append(notCA.PEM, expiredCA.PEM...))},
			want: []string{"domain mtls.example.com", "no usable CA certificate", "not a CA certificate", "expired"}},
		{name: "every problem at once", certs: map[string]CertFiles{arnAPI: {Cert: filepath.Join(dir, "nope.pem"), Key: key}}, stores: map[string]string{storeURI: filepath.Join(dir, "nostore.pem")},
			want: []string{"nope.pem", "nostore.pem"}},
	}
	snap := &snapshot.Snapshot{Domains: map[string]*snapshot.Domain{
		"api.example.com":  {Name: "api.example.com", CertificateARN: arnAPI},
		"mtls.example.com": {Name: "mtls.example.com", TruststoreURI: storeURI},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.skip {
				t.Skip("running as root: every file is readable")
			}
			_, err := New(Config{Certificates: tt.certs, Truststores: tt.stores, Snapshot: func() *snapshot.Snapshot { return snap }})
			if err == nil {
				t.Fatal("New succeeded; want an error")
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is no *FileError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestTruststoreWarnings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nb, na := listenertest.Window()
	good := listenertest.NewCA(t, "Good CA", nb, na, true)
	notCA := listenertest.NewCA(t, "Leaf Only", nb, na, false)
	expired := listenertest.NewCA(t, "Expired CA", nb.Add(-72*time.Hour), nb.Add(-48*time.Hour), true)
	file := listenertest.WriteFile(t, dir, "ts.pem", append(append(append([]byte(nil), good.PEM...), notCA.PEM...), expired.PEM...))
	ts, err := LoadTruststore(storeURI, file, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts.Warnings) != 2 || !strings.Contains(ts.Warnings[0], "CN=Leaf Only") || !strings.Contains(ts.Warnings[0], "not a CA certificate") ||
		!strings.Contains(ts.Warnings[1], "CN=Expired CA") || !strings.Contains(ts.Warnings[1], "expired") {
		t.Errorf("warnings %q; want one for Leaf Only (not a CA) and one for Expired CA", ts.Warnings)
	}
}

func TestReload(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	serialOf := func() string {
		st, err := f.handshake(t, &tls.Config{ServerName: "api.example.com"})
		if err != nil {
			t.Fatal(err)
		}
		return st.PeerCertificates[0].SerialNumber.String()
	}
	before := serialOf()
	// A bad reload (a key that does not match) keeps the previous
	// certificate serving.
	nb, na := listenertest.Window()
	fresh := f.server.Server(t, nb, na, "api.example.com")
	newCert, newKey := fresh.CertPEM, fresh.KeyPEM
	if err := os.WriteFile(f.files["api"], newCert, 0o600); err != nil {
		t.Fatal(err)
	}
	err := f.term.Reload()
	if err == nil || !strings.Contains(err.Error(), "domain api.example.com") || !strings.Contains(err.Error(), f.files["api-key"]) {
		t.Fatalf("reload with a mismatched key: %v; want an error naming the domain and the key file", err)
	}
	if got := serialOf(); got != before {
		t.Fatalf("after a failed reload the certificate changed (%s -> %s)", before, got)
	}
	// Once the key matches, the new certificate serves.
	if err := os.WriteFile(f.files["api-key"], newKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.term.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := serialOf(); got == before {
		t.Fatal("after a good reload the old certificate still serves")
	}
}

func TestWatchReloadsChangedFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.term.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	nb, na := listenertest.Window()
	fresh := f.server.Server(t, nb, na, "api.example.com")
	newCert, newKey, pair := fresh.CertPEM, fresh.KeyPEM, fresh.Pair
	want := pair.Leaf.SerialNumber.String()
	// Write the key first, then the certificate, each replaced by a
	// rename as deployment tools do.
	for _, w := range []struct {
		file string
		data []byte
	}{{f.files["api-key"], newKey}, {f.files["api"], newCert}} {
		tmp := w.file + ".tmp"
		if err := os.WriteFile(tmp, w.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, w.file); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := f.handshake(t, &tls.Config{ServerName: "api.example.com"})
		if err == nil && st.PeerCertificates[0].SerialNumber.String() == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rewritten certificate was not served within 10s (err %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestOpenCAKeepsItsCA(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "ca")
	a, err := OpenCA(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenCA(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(a.PEM()) != string(b.PEM()) {
		t.Error("a second OpenCA on the same directory made a new CA")
	}
	if fi, err := os.Stat(filepath.Join(dir, caKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("CA key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	l1, err := a.Leaf("x.example.com")
	if err != nil {
		t.Fatal(err)
	}
	l2, _ := a.Leaf("x.example.com")
	if l1 != l2 {
		t.Error("Leaf minted the same names twice; want the cached certificate")
	}
	if !a.Certificate().IsCA || l1.Leaf.NotAfter.After(a.Certificate().NotAfter) {
		t.Error("leaf outlives its CA or the CA is not a CA")
	}
}

func TestDefaultCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nb, na := listenertest.Window()
	ca := listenertest.NewCA(t, "Corp CA", nb, na, true)
	corp := ca.Server(t, nb, na, "*.execute-api.gw.corp.test", "localhost", "127.0.0.1")
	def := &CertFiles{Cert: listenertest.WriteFile(t, dir, "gw.pem", corp.CertPEM), Key: listenertest.WriteFile(t, dir, "gw-key.pem", corp.KeyPEM)}
	snap := &snapshot.Snapshot{}
	term, err := New(Config{Default: def, Snapshot: func() *snapshot.Snapshot { return snap }})
	if err != nil {
		t.Fatal(err)
	}
	for _, sni := range []string{"a1b2c3d4e5.execute-api.gw.corp.test", "localhost", ""} {
		c, err := term.configForClient(&tls.ClientHelloInfo{ServerName: sni})
		if err != nil {
			t.Fatalf("%q: %v", sni, err)
		}
		if got := c.Certificates[0].Leaf.SerialNumber; got.Cmp(corp.Pair.Leaf.SerialNumber) != 0 {
			t.Errorf("%q: served serial %s; want tls.defaultCertificate's", sni, got)
		}
	}
	_, err = New(Config{Default: &CertFiles{Cert: filepath.Join(dir, "missing.pem"), Key: def.Key}, Snapshot: func() *snapshot.Snapshot { return snap }})
	if err == nil || !strings.Contains(err.Error(), "tls.defaultCertificate: certificate file "+filepath.Join(dir, "missing.pem")) {
		t.Errorf("a missing default certificate: %v; want an error naming tls.defaultCertificate and the file", err)
	}
}

// TestNoResumptionIntoMutualTLS: a session ticket of a domain without
// mutual TLS does not resume a connection to a mutual-TLS domain (crypto/tls
// refuses to resume a session without a client certificate where one is
// required, and the listener issues and accepts no tickets on mutual-TLS
// domains; this holds if either stays).
func TestNoResumptionIntoMutualTLS(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := tls.NewLRUClientSessionCache(8)
	// A session with api.example.com, no client certificate.
	if _, err := f.handshake(t, &tls.Config{ServerName: "api.example.com", ClientSessionCache: cache}); err != nil {
		t.Fatal(err)
	}
	st, err := f.handshake(t, &tls.Config{ServerName: "api.example.com", ClientSessionCache: cache})
	if err != nil || !st.DidResume {
		t.Fatalf("api.example.com did not resume its own session (%v): the test proves nothing", err)
	}
	// The same cache, keyed by server name, has nothing for mtls; copy the
	// api session under mtls's key, as a hostile client would send it.
	sess, _ := cache.Get("api.example.com")
	cache.Put("mtls.example.com", sess)
	if _, err := f.handshake(t, &tls.Config{ServerName: "mtls.example.com", ClientSessionCache: cache}); err == nil {
		t.Fatal("a ticket of api.example.com reached mtls.example.com without a client certificate")
	}
}

// TestWatchFollowsSymlinkSwap: a certificate mounted the way Kubernetes
// mounts a secret (cert.pem -> ..data/cert.pem, ..data -> a timestamped
// directory, updated by renaming a new ..data symlink into place) is
// reloaded when the symlink is swapped.
func TestWatchFollowsSymlinkSwap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nb, na := listenertest.Window()
	ca := listenertest.NewCA(t, "Domain CA", nb, na, true)
	version := func(name string) (serial string) {
		is := ca.Server(t, nb, na, "api.example.com")
		vdir := filepath.Join(dir, name)
		if err := os.Mkdir(vdir, 0o755); err != nil {
			t.Fatal(err)
		}
		listenertest.WriteFile(t, vdir, "cert.pem", is.CertPEM)
		listenertest.WriteFile(t, vdir, "key.pem", is.KeyPEM)
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(name, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
		return is.Pair.Leaf.SerialNumber.String()
	}
	first := version("..2026_01")
	for _, f := range []string{"cert.pem", "key.pem"} {
		if err := os.Symlink(filepath.Join("..data", f), filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	snap := &snapshot.Snapshot{Domains: map[string]*snapshot.Domain{"api.example.com": {Name: "api.example.com", CertificateARN: arnAPI, SecurityPolicy: "TLS_1_2"}}}
	term, err := New(Config{
		Certificates: map[string]CertFiles{arnAPI: {Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem")}},
		Snapshot:     func() *snapshot.Snapshot { return snap },
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	served := func() string {
		c, err := term.configForClient(&tls.ClientHelloInfo{ServerName: "api.example.com"})
		if err != nil {
			t.Fatal(err)
		}
		return c.Certificates[0].Leaf.SerialNumber.String()
	}
	if got := served(); got != first {
		t.Fatalf("serial %s; want %s", got, first)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- term.Watch(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	// Once the first swap is served, the watch is set up (Watch adds its
	// directories before its first reload); the second can only be seen
	// through the watch.
	for _, v := range []string{"..2026_02", "..2026_03"} {
		want := version(v)
		for deadline := time.Now().Add(10 * time.Second); served() != want; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the secret swapped to %s was not served within 10s", v)
			}
		}
	}
}
