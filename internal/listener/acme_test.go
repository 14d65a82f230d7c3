package listener

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/listener/listenertest"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// freePort returns a port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startPebble runs Let's Encrypt's ACME test server (scripts/pebble.sh
// installs it; its path in APIGW_PEBBLE), validating every challenge
// (PEBBLE_VA_ALWAYS_VALID: no DNS for the test names), and returns its
// directory URL and the CA its HTTPS certificate chains to.
func startPebble(t *testing.T) (dir string, roots *listenertest.CA) {
	t.Helper()
	bin := os.Getenv("APIGW_PEBBLE")
	if bin == "" {
		if os.Getenv("APIGW_CI") == "1" {
			t.Fatal("APIGW_PEBBLE is not set (scripts/pebble.sh)")
		}
		t.Skip("APIGW_PEBBLE is not set (APIGW_PEBBLE=$(scripts/pebble.sh) go test ./internal/listener/)")
	}
	tmp := t.TempDir()
	nb, na := listenertest.Window()
	roots = listenertest.NewCA(t, "Pebble front CA", nb, na, true)
	front := roots.Server(t, nb, na, "localhost", "127.0.0.1")
	port := freePort(t)
	cfg := fmt.Sprintf(`{"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
		"certificate": %q, "privateKey": %q, "httpPort": %d, "tlsPort": %d, "ocspResponderURL": "",
		"externalAccountBindingRequired": false}}`,
		port, freePort(t), listenertest.WriteFile(t, tmp, "cert.pem", front.CertPEM), listenertest.WriteFile(t, tmp, "key.pem", front.KeyPEM),
		freePort(t), freePort(t))
	cmd := exec.Command(bin, "-config", listenertest.WriteFile(t, tmp, "pebble.json", []byte(cfg)))
	cmd.Env = append(os.Environ(), "PEBBLE_VA_ALWAYS_VALID=1", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("pebble:\n%s", out)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble did not listen on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "https://" + addr + "/dir", roots
}

// TestACME gets a certificate for a public host from an ACME CA (pebble)
// through certmagic, and serves it by SNI; until then, and for other
// names, the local CA's certificates serve.
func TestACME(t *testing.T) {
	t.Parallel()
	dirURL, roots := startPebble(t)
	tmp := t.TempDir()
	local, err := OpenCA(filepath.Join(tmp, "ca"), nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := &snapshot.Snapshot{}
	term, err := New(Config{
		CA:       local,
		ACME:     &ACME{Hosts: []string{"gw.example.test"}, Email: "ops@example.test", CA: dirURL, Roots: roots.Pool(), StorageDir: filepath.Join(tmp, "acme")},
		Snapshot: func() *snapshot.Snapshot { return snap },
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan error, 1)
	go func() { watched <- term.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-watched; err != nil {
			t.Error(err)
		}
	})
	// certmagic reads the client's address from the hello's connection.
	conn, peer := net.Pipe()
	defer conn.Close()
	defer peer.Close()
	issuer := func(sni string) string {
		hello := &tls.ClientHelloInfo{ServerName: sni, Conn: conn}
		c, err := term.configForClient(hello)
		if err != nil {
			t.Fatal(err)
		}
		var cert *tls.Certificate
		if c.GetCertificate != nil {
			cert, err = c.GetCertificate(hello)
			if err != nil {
				t.Fatal(err)
			}
		} else {
			cert = &c.Certificates[0]
		}
		leaf := cert.Leaf
		if leaf == nil {
			t.Fatalf("%s: certificate without its parsed leaf", sni)
		}
		if sni != "" {
			if err := leaf.VerifyHostname(sni); err != nil {
				t.Fatalf("%s: %v", sni, err)
			}
		}
		return leaf.Issuer.CommonName
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := issuer("gw.example.test")
		if strings.Contains(strings.ToLower(got), "pebble") {
			break
		}
		if got != local.Certificate().Subject.CommonName {
			t.Fatalf("gw.example.test: certificate by %q; want the local CA's until pebble's arrives", got)
		}
		if time.Now().After(deadline) {
			t.Fatal("no ACME certificate for gw.example.test within 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := issuer("a1b2c3d4e5.execute-api.localhost"); got != local.Certificate().Subject.CommonName {
		t.Errorf("a name that is no ACME host got a certificate by %q; want the local CA's", got)
	}
	// A validation handshake of the TLS-ALPN-01 challenge gets certmagic's
	// config.
	c, err := term.configForClient(&tls.ClientHelloInfo{ServerName: "gw.example.test", SupportedProtos: []string{"acme-tls/1"}})
	if err != nil || len(c.NextProtos) != 1 || c.NextProtos[0] != "acme-tls/1" {
		t.Errorf("acme-tls/1 handshake: config %v, %v; want certmagic's challenge config", c, err)
	}
}
