package httpproxy

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// NewTransport returns the transport HTTP_PROXY integrations use when
// Config.Transport is nil. Build one at startup and share it between all
// invokers so that they share its connection pools.
//
// It speaks HTTP/1.1 only (the backend connection uses HTTP/1.1 whatever the
// client used, dataplane.md section 4.3), keeps up to 256 idle connections per
// backend host (1024 in all) for 90 seconds, never negotiates compression
// itself (DisableCompression, so that the client's Accept-Encoding and the
// backend's Content-Encoding pass through unchanged), ignores the HTTP_PROXY
// environment variables (environment is read once into configuration, never
// implicitly), and sets no dial, TLS-handshake or response-header timeouts:
// the integration timeout, carried by the request context, bounds all of them.
func NewTransport() *http.Transport {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	return &http.Transport{
		DialContext:         dialer.DialContext,
		Protocols:           protocols,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		// Large enough for any backend we expect; the default is 10 MB.
		MaxResponseHeaderBytes: 1 << 20,
		WriteBufferSize:        32 << 10,
		ReadBufferSize:         32 << 10,
	}
}
