package openapi

import "testing"

func TestMisspelledExtension(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"x-amazon-apigateway-integratoin", "x-amazon-apigateway-integration"},
		{"x-amazon-apigateway-Integration", ""},
		{"x-amazon-apigateway-integration", ""},
		{"x-amazon-apigateway-authoriser", "x-amazon-apigateway-authorizer"},
		{"x-amazon-apigateway-request-validators", ""},
		{"x-amazon-apigateway-binary-media-types", ""},
	} {
		if got := misspelledExtension(tt.in); got != tt.want {
			t.Errorf("misspelledExtension(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
