package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/controlplane"
	"github.com/apigwdev/apigw/internal/dataplane/authz/iam"
	"github.com/apigwdev/apigw/internal/issuer"
)

// Signing services of the admin listener's APIs: the credential scope the AWS
// SDKs use for each (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html).
const (
	adminServiceAPIGateway = "apigateway"
	adminServiceLambda     = "lambda"
)

// The x-amzn-ErrorType AWS answers an unsigned request with.
const typeMissingToken = "MissingAuthenticationTokenException"

// msgMissingToken is the message of iam's refusal of a request that carries
// no signature at all, which AWS's service endpoints answer as
// MissingAuthenticationTokenException.
const msgMissingToken = "Missing Authentication Token"

// maxAdminBody bounds the body read to verify a signed payload hash: the
// largest body an admin API accepts (ImportApi's OpenAPI documents).
const maxAdminBody = controlplane.MaxBodyBytes

var errAdminBodyTooLarge = errors.New("request body too large")

// adminAuth requires a SigV4 signature by one of the config file's admin
// credentials (admin.credentials) on every admin request except the open
// ones (adminOpen: health, metrics and the local OIDC issuer), verified by
// iam.Verifier as AWS_IAM routes are, with the credential scope of the AWS
// service the path belongs to: lambda for the Lambda Invoke API
// (/2015-03-31/...), apigateway for everything else (the management API,
// /v2/...). Without admin credentials it returns next unchanged.
//
// Refusals are 403 with AWS's x-amzn-ErrorType for the case, rendered by
// awserr: MissingAuthenticationTokenException (no signature),
// IncompleteSignatureException, InvalidSignatureException or
// UnrecognizedClientException (unknown access key id).
func (g *Gateway) adminAuth(next http.Handler) http.Handler {
	if !g.cfg.Admin.Required() {
		return next
	}
	store, err := adminStore(g.cfg)
	log := g.log.With("component", "adminauth")
	if err != nil {
		// Config validation makes this unreachable; fail closed.
		log.Error("admin credentials unusable: admin APIs refuse every request", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if adminOpen(r) {
				next.ServeHTTP(w, r)
				return
			}
			awserr.Write(w, awserr.Internal(err))
		})
	}
	verifiers := map[string]*iam.Verifier{
		adminServiceAPIGateway: {Store: store, Service: adminServiceAPIGateway},
		adminServiceLambda:     {Store: store, Service: adminServiceLambda},
	}
	region := g.cfg.Region
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if adminOpen(r) {
			next.ServeHTTP(w, r)
			return
		}
		service := adminServiceAPIGateway
		if strings.HasPrefix(r.URL.Path, "/2015-03-31/") {
			service = adminServiceLambda
		}
		var body []byte
		read := false
		id, err := verifiers[service].Verify(r, region, func() ([]byte, error) {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
			if err != nil {
				return nil, err
			}
			if len(b) > maxAdminBody {
				return nil, errAdminBodyTooLarge
			}
			body, read = b, true
			return b, nil
		})
		if err != nil {
			e := adminAuthError(err)
			log.Debug("admin request refused", "method", r.Method, "path", r.URL.Path, "type", e.Type, "reason", e.Message)
			awserr.Write(w, e)
			return
		}
		if read {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		log.Debug("admin request signed", "method", r.Method, "path", r.URL.Path, "accessKeyId", id.AccessKeyID)
		next.ServeHTTP(w, r)
	})
}

// adminOpen reports whether r is to an admin path that needs no signature:
// GET /_health, GET /metrics, GET /_cluster and the local OIDC issuer (whose keys JWT
// verifiers fetch unsigned). Only clean paths qualify: anything else is left
// to the signature check (or the mux's redirect to the clean path).
func adminOpen(r *http.Request) bool {
	p := r.URL.Path
	if path.Clean(p) != p {
		return false
	}
	switch {
	case p == "/_health", p == "/metrics", p == "/_cluster":
		return true
	case strings.HasPrefix(p, issuer.PathPrefix+"/"):
		return true
	}
	return false
}

// adminStore holds the admin credentials as iam identities. They carry no
// policy: a valid signature is all the admin listener asks for. Their ARN
// is the account's root user, which is what they stand for.
func adminStore(cfg *config.Config) (*iam.Store, error) {
	ids := make([]iam.Credentials, 0, len(cfg.Admin.Credentials))
	for _, c := range cfg.Admin.Credentials {
		ids = append(ids, iam.Credentials{
			AccessKeyID:     c.AccessKeyID,
			SecretAccessKey: c.SecretAccessKey,
			ARN:             "arn:aws:iam::" + cfg.AccountID + ":root",
			Line:            c.Line,
		})
	}
	s, err := iam.NewStore(ids)
	if err != nil {
		return nil, fmt.Errorf("admin credentials: %w", err)
	}
	return s, nil
}

// adminAuthError converts a refusal of iam.Verifier.Verify (or the body
// read it asked for) into the management API's error.
func adminAuthError(err error) *awserr.Error {
	var ae *iam.AuthError
	switch {
	case errors.As(err, &ae):
		typ := ae.Type
		if typ == iam.IncompleteSignature && ae.Message == msgMissingToken {
			typ = typeMissingToken
		}
		return &awserr.Error{Type: typ, Status: http.StatusForbidden, Message: ae.Message}
	case errors.Is(err, errAdminBodyTooLarge):
		return &awserr.Error{Type: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("Request must be smaller than %d bytes.", maxAdminBody)}
	}
	e := awserr.BadRequest("Could not read the request body.")
	e.Cause = err
	return e
}
