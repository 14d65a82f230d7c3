package openapi

import "strings"

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
	best, bestD := "", 3
	for _, k := range knownExtensions {
		if k == lower {
			return ""
		}
		if d := editDistance(lower, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
