package reqfacts

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"net/http"
)

// ClientCert is the client certificate of a mutual-TLS request as both
// payload formats carry it (2.0 requestContext.authentication.clientCert, 1.0
// requestContext.identity.clientCert). See
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mutual-tls.html
type ClientCert struct {
	ClientCertPem string       `json:"clientCertPem"`
	SubjectDN     string       `json:"subjectDN"`
	IssuerDN      string       `json:"issuerDN"`
	SerialNumber  string       `json:"serialNumber"`
	Validity      CertValidity `json:"validity"`
}

// CertValidity is the validity period of a ClientCert.
type CertValidity struct {
	NotBefore string `json:"notBefore"`
	NotAfter  string `json:"notAfter"`
}

// CertTime is the layout of the validity dates: "Aug  5 00:28:21 2120 GMT",
// as in AWS's example event.
const CertTime = "Jan _2 15:04:05 2006 GMT"

// PeerCert returns the client certificate of a mutual-TLS request, nil
// otherwise. Distinguished names are those of DistinguishedName; the serial
// number is decimal (see docs/compatibility.md#client-certificate).
func PeerCert(r *http.Request) *ClientCert {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	c := r.TLS.PeerCertificates[0]
	return &ClientCert{
		ClientCertPem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})),
		SubjectDN:     DistinguishedName(c.RawSubject, c.Subject),
		IssuerDN:      DistinguishedName(c.RawIssuer, c.Issuer),
		SerialNumber:  c.SerialNumber.String(),
		Validity: CertValidity{
			NotBefore: c.NotBefore.UTC().Format(CertTime),
			NotAfter:  c.NotAfter.UTC().Format(CertTime),
		},
	}
}

// DistinguishedName formats a DN in its encoded RDN order, comma-separated
// ("C=US,ST=Washington,...,CN=My Client", as in AWS's example). The raw DER
// is preferred; parsed is used when raw does not decode. RDNSequence.String
// writes the sequence last-to-first (RFC 4514), so the sequence is reversed
// first.
func DistinguishedName(raw []byte, parsed pkix.Name) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		seq = parsed.ToRDNSequence()
	}
	rev := make(pkix.RDNSequence, len(seq))
	for i, rdn := range seq {
		rev[len(seq)-1-i] = rdn
	}
	return rev.String()
}
