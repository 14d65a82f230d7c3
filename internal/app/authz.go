package app

import (
	"fmt"
	"net/http"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/dataplane/authz"
	"github.com/apigwdev/apigw/internal/dataplane/authz/iam"
	"github.com/apigwdev/apigw/internal/dataplane/authz/jwt"
	"github.com/apigwdev/apigw/internal/dataplane/authz/lambdaauth"
	"github.com/apigwdev/apigw/internal/issuer"
)

// newAuthorizers builds the services every compiled authorizer shares, once
// per gateway, so that JWT key sets and cached Lambda authorizer results
// survive redeployments.
func (g *Gateway) newAuthorizers() error {
	ids, err := iam.NewStore(iamCredentials(g.cfg.Identities))
	if err != nil {
		return fmt.Errorf("identities: %w", err)
	}
	log := g.log.With("component", "authz")
	g.authz = &authz.Deps{
		KeySets:    jwt.NewCache(jwt.CacheOptions{Logger: log}),
		Results:    lambdaauth.NewCache(0),
		Functions:  functionCaller{m: g.fns, tracer: g.tracer},
		Identities: ids,
		Region:     g.cfg.Region,
		AccountID:  g.cfg.AccountID,
		Logger:     log,
	}
	return nil
}

// issuerHandler opens the local OIDC issuer, whose URL is the admin
// listener's address followed by /_issuer, so that `apigw token` can mint
// tokens that JWT routes verify offline. Its keys live in the data dir.
func (g *Gateway) issuerHandler() http.Handler {
	open := func() (*issuer.Issuer, error) {
		return issuer.Open(g.cfg.DataDir, g.AdminURL()+issuer.PathPrefix, issuer.Options{})
	}
	is, err := g.openSharedIssuer(open)
	if err != nil {
		g.log.Error("local OIDC issuer disabled", "err", err)
		return http.NotFoundHandler()
	}
	g.log.Info("local OIDC issuer", "issuer", is.URL())
	return is
}

// iamCredentials passes the config file's identities to iam.NewStore as plain
// values (iam does not import config).
func iamCredentials(ids []config.Identity) []iam.Credentials {
	out := make([]iam.Credentials, len(ids))
	for i, id := range ids {
		out[i] = iam.Credentials{
			AccessKeyID:     id.AccessKeyID,
			SecretAccessKey: id.SecretAccessKey,
			SessionToken:    id.SessionToken,
			ARN:             id.ARN,
			PolicyJSON:      id.PolicyJSON,
			Line:            id.Line,
		}
	}
	return out
}
