package openapi

import (
	"strings"

	"github.com/apigwdev/apigw/internal/yamlnode"
)

// knownExtensions are the x-amazon-apigateway-* extensions the importer
// reads somewhere in a document.
var knownExtensions = []string{
	"x-amazon-apigateway-any-method",
	"x-amazon-apigateway-auth",
	"x-amazon-apigateway-authorizer",
	"x-amazon-apigateway-authtype",
	"x-amazon-apigateway-cors",
	"x-amazon-apigateway-endpoint-configuration",
	"x-amazon-apigateway-importexport-version",
	"x-amazon-apigateway-integration",
	"x-amazon-apigateway-integrations",
	"x-amazon-apigateway-policy",
	"x-amazon-apigateway-tag-value",
}

// misspelledExtension returns the known extension name is most likely a
// misspelling of: one within two edits (case aside), and not the name
// itself; "" when there is none. An extension that is known but
// misplaced is not a misspelling.
func misspelledExtension(name string) string {
	lower := strings.ToLower(name)
	for _, k := range knownExtensions {
		if k == lower {
			return ""
		}
	}
	return yamlnode.Suggest(lower, knownExtensions)
}
