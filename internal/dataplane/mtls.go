package dataplane

import (
	"fmt"
	"net/http"

	"github.com/apigwdev/apigw/internal/snapshot"
)

// checkMutualTLS makes sure a request for a custom domain with mutual TLS
// came over a handshake that verified a client certificate against that
// domain's truststore. The TLS listener refuses handshakes without one; this
// check covers what the handshake cannot see: a request over plain HTTP, and
// a request whose Host names the domain on a connection whose handshake
// (SNI) named another name. Such requests get 403 Forbidden
// (docs/compatibility.md#mutual-tls); never are they served without the
// certificate.
func checkMutualTLS(s *snapshot.Snapshot, d *snapshot.Domain, r *http.Request) error {
	switch {
	case r.TLS == nil:
		return fmt.Errorf("domain %s requires mutual TLS; the request came over plain HTTP", d.Name)
	case len(r.TLS.VerifiedChains) == 0:
		return fmt.Errorf("domain %s requires mutual TLS; the connection has no verified client certificate", d.Name)
	case s.Domain(hostName(r.TLS.ServerName)) != d:
		return fmt.Errorf("domain %s requires mutual TLS; the connection's TLS server name %q is another name", d.Name, r.TLS.ServerName)
	}
	return nil
}
