package app

import (
	"errors"
	"time"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/listener"
)

// tlsProblems checks the files of tls.defaultCertificate, tls.certificates
// and truststores as the HTTPS listener loads them, each problem located at
// its entry in the config file.
func tlsProblems(c *config.Config) []string {
	var def *listener.CertFiles
	if f := c.TLS.DefaultCertificate; f != nil {
		def = &listener.CertFiles{Cert: f.Cert, Key: f.Key}
	}
	certs := map[string]listener.CertFiles{}
	for arn, f := range c.TLS.Certificates {
		certs[arn] = listener.CertFiles{Cert: f.Cert, Key: f.Key}
	}
	stores := map[string]string{}
	for uri, ts := range c.Truststores {
		stores[uri] = ts.File
	}
	err := listener.CheckFiles(def, certs, stores, time.Now())
	if err == nil {
		return nil
	}
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	var out []string
	for _, e := range list {
		p := config.Problem{File: c.File, Message: e.Error()}
		var fe *listener.FileError
		if errors.As(e, &fe) {
			switch {
			case fe.Kind == "truststore":
				ts := c.Truststores[fe.Ref]
				p.Line, p.Column = ts.Line, ts.Column
			case fe.Ref == listener.DefaultCertificateRef && c.TLS.DefaultCertificate != nil:
				p.Line, p.Column = c.TLS.DefaultCertificate.Line, c.TLS.DefaultCertificate.Column
			default:
				f := c.TLS.Certificates[fe.Ref]
				p.Line, p.Column = f.Line, f.Column
			}
		}
		out = append(out, p.String())
	}
	return out
}
