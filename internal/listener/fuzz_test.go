package listener

import (
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/snapshot"
)

// FuzzConfigForClient feeds the listener the server name and ALPN list of
// a ClientHello, both chosen by the client: it must never fail open (a name
// of the mutual-TLS domain always requires a verified client certificate),
// and every other name gets a certificate.
func FuzzConfigForClient(f *testing.F) {
	for _, s := range []string{"", "api.example.com", "MTLS.example.com.", "tenant.example.com", "a.b.example.com",
		"a1b2c3d4e5.execute-api.localhost", "localhost", "127.0.0.1", "*.example.com", ".example.com", "..", "\x00"} {
		f.Add(s, "h2")
	}
	ca, err := OpenCA(filepath.Join(f.TempDir(), "ca"), nil)
	if err != nil {
		f.Fatal(err)
	}
	snap := &snapshot.Snapshot{
		Domains: map[string]*snapshot.Domain{
			"api.example.com":  {Name: "api.example.com", SecurityPolicy: "TLS_1_2"},
			"mtls.example.com": {Name: "mtls.example.com", SecurityPolicy: "TLS_1_2", TruststoreURI: "s3://b/unmapped.pem"},
		},
		WildcardDomains: map[string]*snapshot.Domain{".example.com": {Name: "*.example.com", SecurityPolicy: "TLS_1_0"}},
	}
	term, err := New(Config{CA: ca, Snapshot: func() *snapshot.Snapshot { return snap }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, proto string) {
		c, err := term.configForClient(&tls.ClientHelloInfo{ServerName: name, SupportedProtos: []string{proto}})
		if strings.ToLower(strings.TrimSuffix(name, ".")) == "mtls.example.com" {
			// Its truststore is not mapped: refused, never served.
			if err == nil {
				t.Fatalf("%q: served a mutual-TLS domain whose truststore is missing", name)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if len(c.Certificates) != 1 || c.ClientAuth != tls.NoClientCert || c.MinVersion < tls.VersionTLS10 {
			t.Fatalf("%q: config %+v", name, c)
		}
	})
}
