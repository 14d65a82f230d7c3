package listener

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"path/filepath"
	"testing"

	"github.com/apigwdev/apigw/internal/snapshot"
)

// BenchmarkFullHandshake is one full TLS 1.3 handshake (no resumption)
// with the local CA's P-256 certificate, client and server in one process
// over a synchronous pipe: the CPU both sides spend, not network time.
func BenchmarkFullHandshake(b *testing.B) {
	ca, err := OpenCA(filepath.Join(b.TempDir(), "ca"), nil)
	if err != nil {
		b.Fatal(err)
	}
	snap := &snapshot.Snapshot{}
	term, err := New(Config{CA: ca, Snapshot: func() *snapshot.Snapshot { return snap }})
	if err != nil {
		b.Fatal(err)
	}
	roots := ca.Certificate()
	clientCfg := &tls.Config{ServerName: "a1b2c3d4e5.execute-api.localhost", RootCAs: poolOf(roots), SessionTicketsDisabled: true}
	b.ReportAllocs()
	for b.Loop() {
		c, s := net.Pipe()
		done := make(chan error, 1)
		go func() { done <- tls.Server(s, term.Config()).Handshake() }()
		if err := tls.Client(c, clientCfg).Handshake(); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		// Close the pipe, not the TLS connections: a close_notify on a
		// synchronous pipe that nobody reads waits for its deadline.
		c.Close()
		s.Close()
	}
}

// BenchmarkConfigForClient is what the listener adds to each handshake:
// the SNI lookup in the snapshot and the cached per-domain config.
func BenchmarkConfigForClient(b *testing.B) {
	ca, err := OpenCA(filepath.Join(b.TempDir(), "ca"), nil)
	if err != nil {
		b.Fatal(err)
	}
	snap := &snapshot.Snapshot{
		Domains:         map[string]*snapshot.Domain{"api.example.com": {Name: "api.example.com", SecurityPolicy: "TLS_1_2"}},
		WildcardDomains: map[string]*snapshot.Domain{".example.com": {Name: "*.example.com", SecurityPolicy: "TLS_1_2"}},
	}
	term, err := New(Config{CA: ca, Snapshot: func() *snapshot.Snapshot { return snap }})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"api.example.com", "tenant.example.com", "a1b2c3d4e5.execute-api.localhost"} {
		b.Run(name, func(b *testing.B) {
			hello := &tls.ClientHelloInfo{ServerName: name}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := term.configForClient(hello); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func poolOf(c *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c)
	return p
}
