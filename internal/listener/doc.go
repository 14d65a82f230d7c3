// Package listener terminates TLS for the data plane: the certificate of
// each handshake chosen by SNI (a custom domain's own certificate, else one
// from a local certificate authority kept in the data dir), the TLS versions
// of the domain's security policy, mutual TLS against the domain's
// truststore, HTTP/2 and HTTP/1.1 by ALPN, and certificate files reloaded
// when they change. docs/configuration.md#https describes the settings;
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mutual-tls.html
// what AWS does.
//
// The package decides nothing about requests: the data plane handler serves
// HTTPS exactly as it serves plain HTTP, and reads the verified client
// certificate from the request's TLS state. What a certificateArn or a
// truststoreUri stands for comes from the config file; which domain uses
// which comes from the served snapshot, looked up at every handshake, so a
// domain created through the management API is served over HTTPS at once.
//
// Imports: the standard library, fsnotify and package snapshot.
package listener
